//! Choosing the next question. This is the simple placeholder policy: questions never asked
//! before come first, then the topic with the lowest mean score, ties broken by a seeded random
//! draw so that `--seed` makes a session reproducible. The adaptive engine replaces it.

use std::collections::{BTreeMap, BTreeSet};

use crate::bank::{Bank, Difficulty, Question};
use crate::store::ScoredTurn;

/// The user's restrictions on what may be asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Filters {
    pub topics: Vec<String>,
    pub difficulty: Option<Difficulty>,
    pub company: Option<String>,
}

impl Filters {
    pub fn allows(&self, q: &Question) -> bool {
        (self.topics.is_empty() || self.topics.contains(&q.topic))
            && self.difficulty.is_none_or(|d| d == q.difficulty)
            && self
                .company
                .as_ref()
                .is_none_or(|c| q.companies.iter().any(|qc| qc.eq_ignore_ascii_case(c)))
    }
}

/// What the selector knows of the candidate's past.
#[derive(Debug, Clone, Default)]
pub struct History {
    asked_ever: BTreeSet<String>,
    /// Per topic: sum of scores and number of graded answers.
    topic_scores: BTreeMap<String, (f64, u32)>,
}

impl History {
    pub fn new(asked_ever: impl IntoIterator<Item = String>, scored: &[ScoredTurn]) -> History {
        let mut h = History {
            asked_ever: asked_ever.into_iter().collect(),
            ..History::default()
        };
        for t in scored {
            h.record(&t.question_id, &t.topic, Some(t.score));
        }
        h
    }

    /// Notes an answered (or skipped, with no score) question.
    pub fn record(&mut self, question_id: &str, topic: &str, score: Option<u8>) {
        self.asked_ever.insert(question_id.to_string());
        if let Some(score) = score {
            let e = self.topic_scores.entry(topic.to_string()).or_default();
            e.0 += f64::from(score);
            e.1 += 1;
        }
    }

    pub fn topic_mean(&self, topic: &str) -> Option<f64> {
        self.topic_scores
            .get(topic)
            .map(|(sum, n)| sum / f64::from(*n))
    }
}

/// A chosen question and why it was chosen, for the user.
#[derive(Debug, Clone)]
pub struct Pick<'a> {
    pub question: &'a Question,
    pub reason: String,
}

/// SplitMix64: a tiny, well-distributed generator; enough for tie-breaking.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Picks the next question, or None when the filters leave nothing unasked in this session.
pub fn pick<'a>(
    bank: &'a Bank,
    filters: &Filters,
    asked_in_session: &[String],
    history: &History,
    rng: &mut Rng,
) -> Option<Pick<'a>> {
    let open: Vec<&Question> = bank
        .questions()
        .iter()
        .filter(|q| filters.allows(q) && !asked_in_session.contains(&q.id))
        .collect();
    let fresh: Vec<&Question> = open
        .iter()
        .copied()
        .filter(|q| !history.asked_ever.contains(&q.id))
        .collect();
    let pool = if fresh.is_empty() { open } else { fresh };
    if pool.is_empty() {
        return None;
    }
    // Topics with no score yet come first (coverage), then the lowest mean.
    let rank = |topic: &str| history.topic_mean(topic).unwrap_or(-1.0);
    let lowest = pool
        .iter()
        .map(|q| rank(&q.topic))
        .fold(f64::INFINITY, f64::min);
    let topics: BTreeSet<&str> = pool
        .iter()
        .filter(|q| rank(&q.topic) == lowest)
        .map(|q| q.topic.as_str())
        .collect();
    let topics: Vec<&str> = topics.into_iter().collect();
    let topic = topics[rng.below(topics.len())];
    let in_topic: Vec<&Question> = pool.into_iter().filter(|q| q.topic == topic).collect();
    let question = in_topic[rng.below(in_topic.len())];
    let reason = match history.topic_mean(topic) {
        None => format!("new topic: {topic}"),
        Some(mean) => format!("lowest mean score: {topic} ({mean:.0})"),
    };
    Some(Pick { question, reason })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{Layer, SourceFile};

    fn bank() -> Bank {
        let mut text = String::new();
        for (id, topic, difficulty) in [
            ("a1", "alpha", "easy"),
            ("a2", "alpha", "hard"),
            ("b1", "beta", "easy"),
            ("b2", "beta", "medium"),
        ] {
            text.push_str(&format!(
                "[[question]]\nid = \"{id}\"\ntopic = \"{topic}\"\nkind = \"concept\"\ndifficulty = \"{difficulty}\"\ncompanies = [\"acme\"]\nprompt = \"p\"\nwhat_they_test = [\"x\", \"y\", \"z\"]\nstrong_signals = [\"s\"]\nred_flags = [\"r\"]\nfollow_ups = [\"f\"]\nmodel_answer = \"m\"\n\n"
            ));
        }
        let topics = "[[topic]]\nid = \"alpha\"\n[[topic]]\nid = \"beta\"\n";
        Bank::from_sources(&[
            SourceFile {
                name: "topics.toml".into(),
                text: topics.into(),
                layer: Layer::Embedded,
            },
            SourceFile {
                name: "q.toml".into(),
                text,
                layer: Layer::Embedded,
            },
        ])
        .unwrap()
    }

    #[test]
    fn lowest_scoring_topic_comes_next_once_everything_was_asked() {
        let bank = bank();
        let scored = vec![
            ScoredTurn {
                question_id: "a1".into(),
                topic: "alpha".into(),
                score: 90,
            },
            ScoredTurn {
                question_id: "b1".into(),
                topic: "beta".into(),
                score: 20,
            },
        ];
        let history = History::new(["a1", "a2", "b1", "b2"].map(String::from), &scored);
        for seed in 0..20 {
            let p = pick(
                &bank,
                &Filters::default(),
                &[],
                &history,
                &mut Rng::new(seed),
            )
            .unwrap();
            assert_eq!(p.question.topic, "beta");
            assert_eq!(p.reason, "lowest mean score: beta (20)");
        }
    }

    #[test]
    fn unasked_questions_come_first_and_filters_hold() {
        let bank = bank();
        let history = History::new(["a1".to_string()], &[]);
        let filters = Filters {
            topics: vec!["alpha".into()],
            ..Filters::default()
        };
        let p = pick(&bank, &filters, &[], &history, &mut Rng::new(1)).unwrap();
        assert_eq!(p.question.id, "a2");
        let filters = Filters {
            difficulty: Some(Difficulty::Medium),
            company: Some("ACME".into()),
            ..Filters::default()
        };
        assert_eq!(
            pick(&bank, &filters, &[], &history, &mut Rng::new(1))
                .unwrap()
                .question
                .id,
            "b2"
        );
        assert!(pick(&bank, &filters, &["b2".into()], &history, &mut Rng::new(1)).is_none());
    }

    #[test]
    fn the_same_seed_gives_the_same_questions() {
        let bank = bank();
        let run = |seed| {
            let mut rng = Rng::new(seed);
            let mut asked = Vec::new();
            while let Some(p) = pick(
                &bank,
                &Filters::default(),
                &asked,
                &History::default(),
                &mut rng,
            ) {
                asked.push(p.question.id.clone());
            }
            asked
        };
        assert_eq!(run(7), run(7));
        assert_eq!(run(7).len(), 4);
    }
}
