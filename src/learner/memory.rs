//! Per-question review memory with FSRS-6 (crate `fsrs`, default parameters): when a question
//! answered on an earlier day is likely enough forgotten to be worth asking again.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

use fsrs::{DEFAULT_PARAMETERS, FSRS, MemoryState};

const DAY_MS: f64 = 86_400_000.0;

/// FSRS's four ratings, from a score in [0, 1] (None: no answer worth a score).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    Again,
    Hard,
    Good,
    Easy,
}

impl Rating {
    pub fn from_score(score: Option<f64>) -> Rating {
        match score {
            None => Rating::Again,
            Some(s) if s < 0.5 => Rating::Again,
            Some(s) if s < 0.7 => Rating::Hard,
            Some(s) if s < 0.9 => Rating::Good,
            Some(_) => Rating::Easy,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ItemMemory {
    pub state: MemoryState,
    pub last_at_ms: i64,
    /// The last score, None when the last answer showed nothing to score.
    pub last_score: Option<f64>,
}

/// A question due for review.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Due<K> {
    pub item: K,
    pub retrievability: f64,
    pub last_at_ms: i64,
    pub last_score: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Memory<K> {
    fsrs: FSRS,
    items: HashMap<K, ItemMemory>,
}

impl<K: Hash + Eq + Clone> Default for Memory<K> {
    fn default() -> Self {
        Memory {
            fsrs: FSRS::default(),
            items: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq + Clone> Memory<K> {
    /// Records an answer to `item` at `at_ms`.
    pub fn review<Q>(&mut self, item: &Q, score: Option<f64>, at_ms: i64)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let previous = self.items.get(item);
        let days = previous.map_or(0, |p| {
            ((at_ms - p.last_at_ms).max(0) as f64 / DAY_MS) as u32
        });
        let Ok(next) =
            self.fsrs
                .next_states(previous.map(|p| p.state), DESIRED_RETENTION as f32, days)
        else {
            // FSRS rejects only non-finite states, which its own steps never produce: keep the
            // previous memory rather than fail a session over a review schedule.
            return;
        };
        let state = match Rating::from_score(score) {
            Rating::Again => next.again,
            Rating::Hard => next.hard,
            Rating::Good => next.good,
            Rating::Easy => next.easy,
        }
        .memory;
        let memory = ItemMemory {
            state,
            last_at_ms: at_ms,
            last_score: score,
        };
        // Replays revisit the same questions: allocate a key only for a new one.
        match self.items.get_mut(item) {
            Some(m) => *m = memory,
            None => {
                self.items.insert(item.to_owned(), memory);
            }
        }
    }

    /// Every item with its memory, in no particular order.
    pub fn items(&self) -> impl Iterator<Item = (&K, &ItemMemory)> {
        self.items.iter()
    }

    /// Sets an item's memory as a snapshot saved it.
    pub fn insert(&mut self, item: K, memory: ItemMemory) {
        self.items.insert(item, memory);
    }

    pub fn get(&self, item: &K) -> Option<&ItemMemory> {
        self.items.get(item)
    }

    /// The chance the answer is still remembered at `now_ms`.
    pub fn retrievability(&self, memory: &ItemMemory, now_ms: i64) -> f64 {
        let days = (now_ms - memory.last_at_ms).max(0) as f64 / DAY_MS;
        f64::from(fsrs::current_retrievability(
            memory.state,
            days as f32,
            DEFAULT_PARAMETERS[20],
        ))
    }

    /// Questions last answered before `before_ms` (an earlier session) whose retrievability has
    /// fallen below the desired retention, lowest first.
    pub fn due(&self, now_ms: i64, before_ms: i64) -> Vec<Due<K>> {
        let mut due: Vec<Due<K>> = self
            .items
            .iter()
            .filter(|(_, m)| m.last_at_ms < before_ms)
            .filter_map(|(k, m)| {
                let retrievability = self.retrievability(m, now_ms);
                (retrievability < DESIRED_RETENTION).then(|| Due {
                    item: k.clone(),
                    retrievability,
                    last_at_ms: m.last_at_ms,
                    last_score: m.last_score,
                })
            })
            .collect();
        due.sort_by(|a, b| {
            a.retrievability
                .total_cmp(&b.retrievability)
                .then(a.last_at_ms.cmp(&b.last_at_ms))
        });
        due
    }
}

/// The retention FSRS schedules for: a question comes back when recall is likelier to fail.
pub const DESIRED_RETENTION: f64 = 0.9;

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    #[test]
    fn a_failed_question_is_due_sooner_than_an_easy_one() {
        let mut m: Memory<&str> = Memory::default();
        m.review(&"failed", Some(0.2), 0);
        m.review(&"easy", Some(0.95), 0);
        let due_next_day = m.due(DAY + 1, 1);
        assert_eq!(
            due_next_day.iter().map(|d| d.item).collect::<Vec<_>>(),
            ["failed"]
        );
        let later = m.due(30 * DAY, 1);
        assert_eq!(later[0].item, "failed", "lowest retrievability first");
        assert!(later.iter().any(|d| d.item == "easy"));
        assert!(later[0].retrievability < later[1].retrievability);
    }

    #[test]
    fn items_of_the_current_session_are_not_due_and_success_extends_the_interval() {
        let mut m: Memory<u32> = Memory::default();
        m.review(&1, Some(0.8), 10 * DAY);
        assert!(m.due(10 * DAY + 5, 10 * DAY).is_empty());
        let first = m.get(&1).unwrap().state.stability;
        m.review(&1, Some(0.8), 13 * DAY);
        assert!(m.get(&1).unwrap().state.stability > first);
    }

    #[test]
    fn scores_map_onto_ratings() {
        let r = |s| Rating::from_score(s);
        assert_eq!(
            [
                r(None),
                r(Some(0.49)),
                r(Some(0.5)),
                r(Some(0.7)),
                r(Some(0.9))
            ],
            [
                Rating::Again,
                Rating::Again,
                Rating::Hard,
                Rating::Good,
                Rating::Easy
            ]
        );
    }
}
