//! The learner's state after a replay, saved in the store so that the next start folds only
//! the answers given since, instead of the whole history (230 ms at 100,000 turns).
//!
//! A snapshot is a cache, never a source: `load` uses it only when folding the new answers on
//! top of it gives exactly what a full replay would, and replays in full otherwise:
//! - the topics and the model's constants are the ones it was made with;
//! - no turn it covers got a grade after it was made (a regrade, a dispute, a late grade);
//! - no new turn continues a thread it covers (a follow-up of an old question);
//! - no new answer is older than the last one it covers (the fold is in time order).
//!
//! Floats are stored as their bits: decimal text need not read back to the same float, and a
//! resumed fold must equal a full replay to the last bit (the tests compare them exactly).

use anyhow::Result;
use fsrs::MemoryState;
use serde::{Deserialize, Serialize};

use super::memory::ItemMemory;
use super::{Learner, Params, Posterior, Precision};
use crate::store::{SnapshotMark, Store};

/// Bump when the state's meaning changes: an old snapshot is then ignored and rebuilt.
const VERSION: u32 = 2;

#[derive(Debug, Serialize, Deserialize)]
struct State {
    version: u32,
    topics: Vec<String>,
    params: Vec<u64>,
    mean: Vec<u64>,
    cov: Vec<u64>,
    precision: Vec<u64>,
    memory: Vec<Item>,
    answers: Vec<u32>,
    last_at_ms: Option<i64>,
    /// The time of the last answer folded in.
    last_answered_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Item {
    question: String,
    stability: u32,
    difficulty: u32,
    last_at_ms: i64,
    last_score: Option<u64>,
}

fn bits(xs: &[f64]) -> Vec<u64> {
    xs.iter().map(|x| x.to_bits()).collect()
}

fn floats(xs: &[u64]) -> Vec<f64> {
    xs.iter().map(|&x| f64::from_bits(x)).collect()
}

fn params_bits(p: &Params) -> Vec<u64> {
    bits(&[
        p.sigma_g,
        p.sigma_s,
        p.drift_per_day,
        p.drift_per_answer,
        p.max_multiplier,
    ])
}

impl State {
    fn of(learner: &Learner, last_answered_at: i64) -> State {
        let (mean, cov) = learner.posterior.parts();
        let mut memory: Vec<Item> = learner
            .memory
            .items()
            .map(|(question, m)| Item {
                question: question.clone(),
                stability: m.state.stability.to_bits(),
                difficulty: m.state.difficulty.to_bits(),
                last_at_ms: m.last_at_ms,
                last_score: m.last_score.map(f64::to_bits),
            })
            .collect();
        // A stable order, so the same state is the same text.
        memory.sort_by(|a, b| a.question.cmp(&b.question));
        State {
            version: VERSION,
            topics: learner.topics.clone(),
            params: params_bits(&learner.params),
            mean: bits(mean),
            cov: bits(cov),
            precision: bits(&learner.precision.parts()),
            memory,
            answers: learner.answers.clone(),
            last_at_ms: learner.last_at_ms,
            last_answered_at,
        }
    }

    /// The learner, when the state was made for these topics and constants.
    fn restore(self, topics: &[String], params: Params) -> Option<(Learner, i64)> {
        let n = topics.len();
        let fits = self.version == VERSION
            && self.topics == topics
            && self.params == params_bits(&params)
            && self.mean.len() == n
            && self.cov.len() == n * n
            && self.answers.len() == n
            && self.precision.len() == 4;
        if !fits {
            return None;
        }
        let mut learner = Learner::new(topics.to_vec(), params);
        learner.posterior = Posterior::from_parts(floats(&self.mean), floats(&self.cov));
        let p = floats(&self.precision);
        learner.precision = Precision::from_parts([p[0], p[1], p[2], p[3]]);
        for item in self.memory {
            let memory = ItemMemory {
                state: MemoryState {
                    stability: f32::from_bits(item.stability),
                    difficulty: f32::from_bits(item.difficulty),
                },
                last_at_ms: item.last_at_ms,
                last_score: item.last_score.map(f64::from_bits),
            };
            learner.memory.insert(item.question, memory);
        }
        learner.answers = self.answers;
        learner.last_at_ms = self.last_at_ms;
        Some((learner, self.last_answered_at))
    }
}

/// The learner for the store's answers: the saved snapshot plus the answers since when it is
/// still valid, a full replay otherwise. A new snapshot is saved whenever answers were folded.
pub fn load(store: &Store, topics: Vec<String>, params: Params) -> Result<Learner> {
    let now = store.snapshot_mark()?;
    if let Some((mark, text)) = store.learner_snapshot()?
        && let Some(learner) = resume(store, &topics, params, &mark, &now, &text)?
    {
        return Ok(learner);
    }
    let records = store.answer_records_between(0, &now)?.unwrap_or_default();
    let learner = Learner::replay(topics, params, &records)?;
    let last = records.last().map_or(0, |r| r.answered_at);
    save(store, &learner, &now, last)?;
    Ok(learner)
}

/// The snapshot plus the answers since, or None when it cannot stand for the history.
fn resume(
    store: &Store,
    topics: &[String],
    params: Params,
    mark: &SnapshotMark,
    now: &SnapshotMark,
    text: &str,
) -> Result<Option<Learner>> {
    let Ok(state) = serde_json::from_str::<State>(text) else {
        return Ok(None);
    };
    let Some((mut learner, mut last)) = state.restore(topics, params) else {
        return Ok(None);
    };
    if now.turn < mark.turn || now.grade < mark.grade || store.regraded_since(mark)? {
        return Ok(None);
    }
    let Some(records) = store.answer_records_between(mark.turn, now)? else {
        return Ok(None);
    };
    if records.first().is_some_and(|r| r.answered_at < last) {
        return Ok(None);
    }
    if records.is_empty() && now == mark {
        return Ok(Some(learner));
    }
    for r in &records {
        learner.fold(r)?;
        last = r.answered_at;
    }
    save(store, &learner, now, last)?;
    Ok(Some(learner))
}

fn save(store: &Store, learner: &Learner, mark: &SnapshotMark, last: i64) -> Result<()> {
    let text = serde_json::to_string(&State::of(learner, last))?;
    store.save_learner_snapshot(mark, &text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::{Grade, Outcome};
    use crate::random::Rng;
    use crate::store::NewTurn;

    const TOPICS: [&str; 3] = ["alpha", "beta", "gamma"];
    const DAY: i64 = 86_400_000;

    fn topics() -> Vec<String> {
        TOPICS.map(String::from).to_vec()
    }

    fn grade(score: u8, graded: bool) -> Grade {
        let outcome = if graded {
            Outcome::Graded
        } else {
            Outcome::InsufficientEvidence
        };
        Grade::bare(score, outcome)
    }

    /// A store that grows the way sessions grow it: questions, follow-ups, skips, "I don't
    /// know", answers never graded, on days apart.
    struct History {
        store: Store,
        rng: Rng,
        at: i64,
        turns: Vec<i64>,
    }

    impl History {
        fn new(seed: u64) -> History {
            History {
                store: Store::open_in_memory().unwrap(),
                rng: Rng::new(seed),
                at: 1_700_000_000_000,
                turns: vec![],
            }
        }

        fn session(&mut self, questions: usize) {
            let s = self
                .store
                .start_session(self.at, &serde_json::json!({}))
                .unwrap();
            for seq in 0..questions {
                let topic = TOPICS[(self.rng.uniform() * 3.0) as usize % 3];
                let question = format!("{topic}-{}", (self.rng.uniform() * 6.0) as usize);
                let root = self.answer(s, seq as u32 * 2 + 1, None, &question, topic);
                if self.rng.uniform() < 0.4 {
                    self.answer(s, seq as u32 * 2 + 2, Some(root), &question, topic);
                }
            }
            self.at += DAY + (self.rng.uniform() * 3.0 * DAY as f64) as i64;
        }

        fn answer(
            &mut self,
            session: i64,
            seq: u32,
            parent: Option<i64>,
            question: &str,
            topic: &str,
        ) -> i64 {
            self.at += 60_000;
            let skipped = parent.is_none() && self.rng.uniform() < 0.1;
            let id = self
                .store
                .insert_turn(&NewTurn {
                    session_id: session,
                    parent_id: parent,
                    seq,
                    question_id: question,
                    topic,
                    kind: "concept",
                    difficulty: ["easy", "medium", "hard"][seq as usize % 3],
                    prompt: "?",
                    answer: "an answer",
                    skipped,
                    hints: 0,
                    asked_at: self.at - 30_000,
                    answered_at: self.at,
                    retry_of: None,
                })
                .unwrap();
            let roll = self.rng.uniform();
            if !skipped && roll > 0.05 {
                let score = (self.rng.uniform() * 100.0) as u8;
                self.store
                    .insert_grade(id, self.at, &grade(score, roll > 0.15))
                    .unwrap();
            }
            self.turns.push(id);
            id
        }

        fn regrade(&mut self, turn: i64, score: u8) {
            self.at += 1;
            self.store
                .insert_grade(turn, self.at, &grade(score, true))
                .unwrap();
        }
    }

    /// The whole state as text: equal texts are equal states, to the last bit.
    fn state(learner: &Learner) -> String {
        serde_json::to_string(&State::of(learner, 0)).unwrap()
    }

    fn full_replay(store: &Store) -> Learner {
        Learner::replay(
            topics(),
            Params::default(),
            &store.answer_records().unwrap(),
        )
        .unwrap()
    }

    fn loaded(store: &Store) -> Learner {
        load(store, topics(), Params::default()).unwrap()
    }

    /// Whether `load` would resume the saved snapshot (rather than replay everything).
    fn resumes(store: &Store) -> bool {
        let (mark, text) = store.learner_snapshot().unwrap().unwrap();
        let now = store.snapshot_mark().unwrap();
        resume(store, &topics(), Params::default(), &mark, &now, &text)
            .unwrap()
            .is_some()
    }

    #[test]
    fn resuming_a_snapshot_equals_a_full_replay() {
        for seed in 1..=6 {
            let mut h = History::new(seed);
            assert_eq!(state(&loaded(&h.store)), state(&full_replay(&h.store)));
            for _ in 0..5 {
                h.session(8);
                assert!(
                    resumes(&h.store),
                    "seed {seed}: new sessions extend the snapshot"
                );
                assert_eq!(
                    state(&loaded(&h.store)),
                    state(&full_replay(&h.store)),
                    "seed {seed}"
                );
            }
        }
    }

    #[test]
    fn a_regrade_of_a_covered_turn_forces_a_full_replay() {
        let mut h = History::new(7);
        h.session(10);
        loaded(&h.store);
        let old = h.turns[2];
        h.regrade(old, 97);
        assert!(!resumes(&h.store), "a newer grade of an old turn");
        assert_eq!(state(&loaded(&h.store)), state(&full_replay(&h.store)));
        assert!(resumes(&h.store), "the replay saved a fresh snapshot");
    }

    #[test]
    fn a_follow_up_of_a_covered_question_forces_a_full_replay() {
        let mut h = History::new(8);
        h.session(4);
        loaded(&h.store);
        let root = h.turns[0];
        let s = h.store.start_session(h.at, &serde_json::json!({})).unwrap();
        h.answer(s, 1, Some(root), "alpha-1", "alpha");
        assert!(!resumes(&h.store));
        assert_eq!(state(&loaded(&h.store)), state(&full_replay(&h.store)));
    }

    #[test]
    fn a_snapshot_for_other_topics_or_damaged_text_is_ignored() {
        let mut h = History::new(9);
        h.session(6);
        loaded(&h.store);
        let fewer = vec!["alpha".to_string(), "beta".to_string()];
        let replayed = Learner::replay(
            fewer.clone(),
            Params::default(),
            &h.store.answer_records().unwrap(),
        )
        .unwrap();
        let l = load(&h.store, fewer, Params::default()).unwrap();
        assert_eq!(state(&l), state(&replayed));

        let mark = h.store.snapshot_mark().unwrap();
        h.store.save_learner_snapshot(&mark, "{not json").unwrap();
        assert_eq!(state(&loaded(&h.store)), state(&full_replay(&h.store)));
    }
}
