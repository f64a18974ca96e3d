//! The learner model: what viva believes about the candidate, rebuilt from the stored grades.
//!
//! - `posterior`: per-topic ability with uncertainty (a general level plus a topic deviation,
//!   Gaussian, logistic link to item difficulty) and its one-step update;
//! - `memory`: per-question review memory with FSRS;
//! - here: item difficulty from tags, how much a graded score is worth (measured from the
//!   residuals, never assumed), the fold over stored answers, and the per-topic report.
//!
//! The state is rebuilt from the store: `Learner::replay` folds the stored answers, so it cannot
//! disagree with the transcripts. `snapshot` caches the result and folds only the answers since,
//! under conditions that make that equal to a full replay.

pub mod memory;
pub mod posterior;
pub mod snapshot;

use std::collections::HashMap;

use serde::Serialize;

use crate::bank::Difficulty;
use crate::random::Rng;
use crate::store::AnswerRecord;
pub use memory::{Due, Memory, Rating};
pub use posterior::{Posterior, ScoreOutOfRange, sigmoid};

/// The model's constants (see docs/selector.md for where they come from).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Prior spread of the general level.
    pub sigma_g: f64,
    /// Prior spread of a topic around the general level.
    pub sigma_s: f64,
    /// Variance added to every topic per day between answers: knowledge drifts.
    pub drift_per_day: f64,
    /// Variance added to a topic after each answer on it: practice changes what it measures.
    pub drift_per_answer: f64,
    /// Upper bound of the information multiplier of a graded score.
    pub max_multiplier: f64,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            sigma_g: 1.0,
            sigma_s: 0.75,
            drift_per_day: 0.01,
            drift_per_answer: 0.01,
            max_multiplier: 4.0,
        }
    }
}

/// Item difficulty on the ability scale, from the bank's tag.
pub fn item_difficulty(d: Difficulty) -> f64 {
    match d {
        Difficulty::Easy => -1.0,
        Difficulty::Medium => 0.0,
        Difficulty::Hard => 1.0,
    }
}

/// How much more a graded score says than a pass/fail answer, m = 1 + φ̂ for a Beta-like score
/// whose variance is p(1−p)/m. Measured from the residuals: with p averaged over the posterior,
/// E[(s − E p)²] = E[p(1−p)]/m + Var p, so ((s − E p)² − Var p)/E[p(1−p)] estimates 1/m. It starts from pass/fail pseudo-observations, so m grows
/// only as the grader shows itself consistent: a posterior that trusted a noisy grader would
/// claim certainty it does not have.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Precision {
    /// The starting belief, as pseudo-observations: `prior_count` residuals summing to
    /// `prior_count / m0`.
    prior_count: f64,
    prior_sum: f64,
    count: f64,
    sum_squares: f64,
}

impl Default for Precision {
    /// Uncalibrated: five pass/fail-sized pseudo-observations (m starts at 1).
    fn default() -> Precision {
        Precision::starting_at(1.0, 5.0)
    }
}

impl Precision {
    /// Starts from a multiplier `m0` measured elsewhere, weighted as `weight` observations.
    pub fn starting_at(m0: f64, weight: f64) -> Precision {
        Precision {
            prior_count: weight,
            prior_sum: weight / m0,
            count: 0.0,
            sum_squares: 0.0,
        }
    }

    fn parts(&self) -> [f64; 4] {
        [
            self.prior_count,
            self.prior_sum,
            self.count,
            self.sum_squares,
        ]
    }

    fn from_parts([prior_count, prior_sum, count, sum_squares]: [f64; 4]) -> Precision {
        Precision {
            prior_count,
            prior_sum,
            count,
            sum_squares,
        }
    }

    pub fn multiplier(&self, params: &Params) -> f64 {
        ((self.prior_count + self.count) / (self.prior_sum + self.sum_squares))
            .clamp(1.0, params.max_multiplier)
    }

    /// Notes a score on an item of difficulty `b`, against the topic's posterior (`mu`, `var`)
    /// before the update.
    pub fn record(&mut self, score: f64, mu: f64, var: f64, b: f64) {
        let (mean, spread_of_p, mean_pq) = posterior::predictive(mu, var, b);
        self.count += 1.0;
        self.sum_squares += ((score - mean).powi(2) - spread_of_p).max(0.0) / mean_pq.max(1e-6);
    }

    /// The multiplier the residuals alone give (no prior), for calibrating a grader on many
    /// candidates; None before any residual.
    pub fn measured(estimates: &[Precision]) -> Option<f64> {
        let count: f64 = estimates.iter().map(|p| p.count).sum();
        let sum: f64 = estimates.iter().map(|p| p.sum_squares).sum();
        (count > 0.0 && sum > 0.0).then(|| count / sum)
    }
}

/// What one answered question tells the learner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Evidence {
    /// A graded score in [0, 1].
    Score(f64),
    /// An answer that showed nothing to score ("I don't know", off-topic): a failed pass/fail
    /// item for the ability, and a failed recall for review memory.
    NoAnswer,
}

/// How much a follow-up's answer tells about its topic, as a share of a question's answer. A
/// follow-up is evidence (it probes the same topic, and an interviewer weighs it), but less than
/// a question: it is asked because the answer left something open, so it over-samples weak
/// spots; it is narrower (one or two points); and it is answered in the same minute as its
/// question, so the two are far from independent observations. Half an answer's information
/// keeps a strong follow-up visible in the estimate without letting a thread of three count
/// three times. Review memory (what to ask again, and when) follows the question's own answer.
pub const FOLLOW_UP_WEIGHT: f64 = 0.5;

#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub question_id: String,
    pub topic: String,
    /// The answer was to a follow-up of the question (see `FOLLOW_UP_WEIGHT`).
    pub follow_up: bool,
    pub difficulty: Difficulty,
    pub evidence: Evidence,
    pub at_ms: i64,
}

impl Observation {
    /// What a stored answer tells; None for skips and ungraded turns.
    fn evidence_of(r: &AnswerRecord) -> Option<Evidence> {
        match (r.skipped, r.score, r.graded) {
            (true, ..) | (false, None, _) => None,
            (false, Some(s), true) => Some(Evidence::Score(f64::from(s) / 100.0)),
            (false, Some(_), false) => Some(Evidence::NoAnswer),
        }
    }

    /// The learner's reading of a stored answer; None for skips and ungraded turns.
    pub fn from_record(r: &AnswerRecord) -> Option<Observation> {
        let evidence = Observation::evidence_of(r)?;
        Some(Observation {
            question_id: r.question_id.clone(),
            topic: r.topic.clone(),
            follow_up: r.follow_up,
            difficulty: Difficulty::parse(&r.difficulty).unwrap_or(Difficulty::Medium),
            evidence,
            at_ms: r.answered_at,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LearnerError {
    #[error("question {question}: {source}")]
    Score {
        question: String,
        source: ScoreOutOfRange,
    },
}

/// The candidate as viva sees them: abilities, how far to trust the grader, review memory.
#[derive(Debug, Clone)]
pub struct Learner {
    params: Params,
    topics: Vec<String>,
    index: HashMap<String, usize>,
    posterior: Posterior,
    precision: Precision,
    memory: Memory<String>,
    /// Answers that informed each topic.
    answers: Vec<u32>,
    last_at_ms: Option<i64>,
}

const MAX_DRIFT_DAYS: f64 = 60.0;

impl Learner {
    pub fn new(topics: Vec<String>, params: Params) -> Learner {
        let index = topics
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i))
            .collect();
        Learner {
            posterior: Posterior::prior(topics.len(), params.sigma_g, params.sigma_s),
            answers: vec![0; topics.len()],
            params,
            topics,
            index,
            precision: Precision::default(),
            memory: Memory::default(),
            last_at_ms: None,
        }
    }

    /// Folds stored answers, oldest first, into a fresh learner.
    pub fn replay(
        topics: Vec<String>,
        params: Params,
        records: &[AnswerRecord],
    ) -> Result<Learner, LearnerError> {
        let mut learner = Learner::new(topics, params);
        for r in records {
            learner.fold(r)?;
        }
        Ok(learner)
    }

    /// Folds one stored answer in; skips and ungraded turns tell nothing.
    fn fold(&mut self, r: &AnswerRecord) -> Result<(), LearnerError> {
        let Some(evidence) = Observation::evidence_of(r) else {
            return Ok(());
        };
        let difficulty = Difficulty::parse(&r.difficulty).unwrap_or(Difficulty::Medium);
        self.observe_parts(
            &r.question_id,
            &r.topic,
            r.follow_up,
            difficulty,
            evidence,
            r.answered_at,
        )
    }

    /// Updates the learner with one answer. Answers on topics it does not know (a topic since
    /// removed from the bank) only feed review memory.
    pub fn observe(&mut self, obs: &Observation) -> Result<(), LearnerError> {
        self.observe_parts(
            &obs.question_id,
            &obs.topic,
            obs.follow_up,
            obs.difficulty,
            obs.evidence,
            obs.at_ms,
        )
    }

    fn observe_parts(
        &mut self,
        question_id: &str,
        topic: &str,
        follow_up: bool,
        difficulty: Difficulty,
        evidence: Evidence,
        at_ms: i64,
    ) -> Result<(), LearnerError> {
        if let Evidence::Score(s) = evidence
            && !(0.0..=1.0).contains(&s)
        {
            return Err(LearnerError::Score {
                question: question_id.to_string(),
                source: ScoreOutOfRange(s),
            });
        }
        if let Some(last) = self.last_at_ms {
            let days = ((at_ms - last).max(0) as f64 / 86_400_000.0).min(MAX_DRIFT_DAYS);
            for t in 0..self.topics.len() {
                self.posterior.drift(t, self.params.drift_per_day * days);
            }
        }
        self.last_at_ms = Some(self.last_at_ms.map_or(at_ms, |l| l.max(at_ms)));
        let score = match evidence {
            Evidence::Score(s) => Some(s),
            Evidence::NoAnswer => None,
        };
        if !follow_up {
            self.memory.review(question_id, score, at_ms);
        }
        let Some(&t) = self.index.get(topic) else {
            return Ok(());
        };
        let b = item_difficulty(difficulty);
        let (s, m) = match evidence {
            Evidence::Score(s) => (s, self.precision.multiplier(&self.params)),
            Evidence::NoAnswer => (0.0, 1.0),
        };
        let m = if follow_up { m * FOLLOW_UP_WEIGHT } else { m };
        let (mu, var) = (self.posterior.mean(t), self.posterior.var(t));
        self.posterior
            .update(t, b, 1.0, s, m)
            .map_err(|source| LearnerError::Score {
                question: question_id.to_string(),
                source,
            })?;
        // The grader's noise is estimated from questions' answers alone, which the model of
        // precision describes.
        if matches!(evidence, Evidence::Score(_)) && !follow_up {
            self.precision.record(s, mu, var, b);
        }
        self.posterior.drift(t, self.params.drift_per_answer);
        self.answers[t] += 1;
        Ok(())
    }

    pub fn topics(&self) -> &[String] {
        &self.topics
    }

    pub fn topic_index(&self, topic: &str) -> Option<usize> {
        self.index.get(topic).copied()
    }

    pub fn posterior(&self) -> &Posterior {
        &self.posterior
    }

    pub fn memory(&self) -> &Memory<String> {
        &self.memory
    }

    /// How many answers informed topic `t`.
    pub fn answers(&self, t: usize) -> u32 {
        self.answers[t]
    }

    pub fn total_answers(&self) -> usize {
        self.answers.iter().map(|&n| n as usize).sum()
    }

    /// The per-topic report: the expected score on a medium question with a ±1 sd band, and
    /// the chance each topic is among the `k` weakest (from `draws` posterior draws).
    pub fn status(&self, k: usize, draws: usize, rng: &mut Rng, now_ms: i64) -> Status {
        let all: Vec<usize> = (0..self.topics.len()).collect();
        let p_weakest = self.posterior.p_weakest(&all, k, draws, rng);
        let mut topics: Vec<TopicEstimate> = all
            .iter()
            .map(|&t| {
                let (mu, sd) = (self.posterior.mean(t), self.posterior.sd(t));
                TopicEstimate {
                    topic: self.topics[t].clone(),
                    ability: mu,
                    sd,
                    expected_score: sigmoid(mu),
                    expected_low: sigmoid(mu - sd),
                    expected_high: sigmoid(mu + sd),
                    p_weakest: p_weakest[t],
                    answers: self.answers[t],
                }
            })
            .collect();
        // Ranked on the ability scale, never by raw mean score.
        topics.sort_by(|a, b| a.ability.total_cmp(&b.ability));
        Status {
            k,
            answers: self.total_answers(),
            grader_multiplier: self.precision.multiplier(&self.params),
            topics,
            reviews_due: self.memory.due(now_ms, now_ms),
        }
    }
}

/// Posterior draws behind the P(among the weakest) figures users see, and their fixed seed: the
/// same history always shows the same figures.
const SUMMARY_DRAWS: usize = 400;
const SUMMARY_SEED: u64 = 0x5747_5455;

impl Learner {
    /// The status users see (`viva status`, `/status`, `viva report`): weakest-K for this bank's
    /// topics, from a fixed number of seeded draws.
    pub fn summary(&self, now_ms: i64) -> Status {
        let k = default_k(self.topics.len());
        self.status(k, SUMMARY_DRAWS, &mut Rng::new(SUMMARY_SEED), now_ms)
    }
}

/// The weakest-K size for `topics` topics: 2 for 8, 3 from 10 up.
pub fn default_k(topics: usize) -> usize {
    ((topics as f64 / 4.0).round() as usize).clamp(1, 3)
}

#[derive(Debug, Clone, Serialize)]
pub struct TopicEstimate {
    pub topic: String,
    /// Posterior mean and sd on the ability scale.
    pub ability: f64,
    pub sd: f64,
    /// σ(μ): the expected score on a medium question, and the same at μ ∓ sd.
    pub expected_score: f64,
    pub expected_low: f64,
    pub expected_high: f64,
    /// P(the topic is among the k weakest).
    pub p_weakest: f64,
    pub answers: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub k: usize,
    pub answers: usize,
    /// How much a graded score counts relative to pass/fail, as measured so far.
    pub grader_multiplier: f64,
    /// Weakest first.
    pub topics: Vec<TopicEstimate>,
    pub reviews_due: Vec<Due<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, topic: &str, score: Option<u8>, graded: bool, at: i64) -> AnswerRecord {
        AnswerRecord {
            question_id: id.into(),
            topic: topic.into(),
            difficulty: "medium".into(),
            skipped: false,
            follow_up: false,
            score,
            graded,
            answered_at: at,
        }
    }

    fn topics() -> Vec<String> {
        ["alpha", "beta", "gamma"].map(String::from).to_vec()
    }

    #[test]
    fn replay_equals_the_same_answers_observed_live() {
        let records = vec![
            record("a1", "alpha", Some(20), true, 1),
            record("b1", "beta", Some(90), true, 2),
            record("a2", "alpha", Some(0), false, 3),
            record("x", "retired-topic", Some(50), true, 4),
        ];
        let replayed = Learner::replay(topics(), Params::default(), &records).unwrap();
        let mut live = Learner::new(topics(), Params::default());
        for r in &records {
            if let Some(o) = Observation::from_record(r) {
                live.observe(&o).unwrap();
            }
        }
        assert_eq!(replayed.posterior(), live.posterior());
        assert_eq!(replayed.answers(0), 2);
        assert!(replayed.posterior().mean(0) < replayed.posterior().mean(2));
        assert!(replayed.posterior().mean(1) > replayed.posterior().mean(2));
    }

    #[test]
    fn skips_and_ungraded_turns_are_not_evidence() {
        let mut skipped = record("a1", "alpha", None, false, 1);
        skipped.skipped = true;
        let ungraded = record("a2", "alpha", None, false, 2);
        let l = Learner::replay(topics(), Params::default(), &[skipped, ungraded]).unwrap();
        assert_eq!(l.total_answers(), 0);
        assert_eq!(l.posterior(), &Posterior::prior(3, 1.0, 0.75));
    }

    #[test]
    fn a_consistent_grader_earns_a_larger_multiplier_than_a_noisy_one() {
        let params = Params::default();
        let mut steady = Precision::default();
        let mut noisy = Precision::default();
        for i in 0..40 {
            steady.record(if i % 2 == 0 { 0.55 } else { 0.45 }, 0.0, 0.05, 0.0);
            noisy.record(if i % 2 == 0 { 1.0 } else { 0.0 }, 0.0, 0.05, 0.0);
        }
        assert!(steady.multiplier(&params) > 3.0);
        assert_eq!(noisy.multiplier(&params), 1.0);
        assert_eq!(Precision::default().multiplier(&params), 1.0);
    }

    /// A strong follow-up raises its topic's estimate, by less than a question answered as well,
    /// and leaves review memory to the question's own answer.
    #[test]
    fn a_follow_up_counts_for_its_topic_at_its_weight() {
        let question = record("a1", "alpha", Some(30), true, 1);
        let follow_up = AnswerRecord {
            follow_up: true,
            score: Some(90),
            answered_at: 2,
            ..question.clone()
        };
        let as_question = AnswerRecord {
            follow_up: false,
            ..follow_up.clone()
        };
        let replay = |records: &[AnswerRecord]| {
            Learner::replay(topics(), Params::default(), records).unwrap()
        };
        let alone = replay(std::slice::from_ref(&question));
        let followed = replay(&[question.clone(), follow_up]);
        let asked_again = replay(&[question, as_question]);
        let mean = |l: &Learner| l.posterior().mean(0);
        assert!(mean(&followed) > mean(&alone));
        assert!(mean(&followed) < mean(&asked_again));
        assert_eq!(followed.answers(0), 2);
        let memory = |l: &Learner| l.memory().get(&"a1".to_string()).unwrap().last_score;
        assert_eq!(memory(&followed), memory(&alone));
        assert_ne!(memory(&asked_again), memory(&alone));
    }

    #[test]
    fn out_of_range_scores_are_rejected_with_the_question_named() {
        let mut l = Learner::new(topics(), Params::default());
        let obs = Observation {
            question_id: "a1".into(),
            topic: "alpha".into(),
            follow_up: false,
            difficulty: Difficulty::Easy,
            evidence: Evidence::Score(1.5),
            at_ms: 0,
        };
        let err = l.observe(&obs).unwrap_err().to_string();
        assert!(err.contains("a1") && err.contains("1.5"), "{err}");
        assert_eq!(l.total_answers(), 0);
    }

    #[test]
    fn status_ranks_topics_weakest_first() {
        let records: Vec<AnswerRecord> = (0..6)
            .flat_map(|i| {
                [
                    record("g", "gamma", Some(15), true, i * 3),
                    record("a", "alpha", Some(80), true, i * 3 + 1),
                    record("b", "beta", Some(60), true, i * 3 + 2),
                ]
            })
            .collect();
        let l = Learner::replay(topics(), Params::default(), &records).unwrap();
        let s = l.status(1, 400, &mut Rng::new(1), 100);
        let order: Vec<&str> = s.topics.iter().map(|t| t.topic.as_str()).collect();
        assert_eq!(order, ["gamma", "beta", "alpha"]);
        assert!(s.topics[0].p_weakest > 0.9);
        assert!(s.topics[0].expected_low < s.topics[0].expected_score);
        assert_eq!(default_k(8), 2);
        assert_eq!(default_k(21), 3);
    }
}
