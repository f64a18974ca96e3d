//! Grades and graders. Every grader returns the same `Grade`, so the store, the review and the
//! learner never care which one produced it.

pub mod dispute;
pub mod follow_up;
pub mod hint;
pub(crate) mod lexicon;
pub mod llm;
pub mod offline;
pub mod self_check;
pub(crate) mod terms;

pub mod verdict;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::bank::Question;
use crate::rubric::Rubric;

/// How well the answer made one key point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Covered,
    Partly,
    Missed,
}

impl Verdict {
    /// The credit a verdict earns towards coverage.
    pub fn credit(self) -> f64 {
        match self {
            Verdict::Covered => 1.0,
            Verdict::Partly => 0.5,
            Verdict::Missed => 0.0,
        }
    }

    pub fn mark(self) -> &'static str {
        match self {
            Verdict::Covered => "✓",
            Verdict::Partly => "~",
            Verdict::Missed => "✗",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyPointVerdict {
    /// 1-based position in the question's `what_they_test`.
    pub id: usize,
    pub point: String,
    pub verdict: Verdict,
    /// The candidate's own words that earned the verdict, quoted from the answer.
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedFlagHit {
    pub flag: String,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionScore {
    pub id: String,
    pub name: String,
    pub weight: f64,
    /// 0 to 4, matching the rubric's level descriptors.
    pub level: u8,
}

/// A follow-up without a rubric of its own (one a model asked) graded with no model: the
/// answer is practice, stored but not scored, rather than scored against a rubric it was never
/// asked to meet.
#[derive(Debug, thiserror::Error)]
#[error("practice only: {reason}")]
pub struct PracticeOnly {
    pub reason: String,
}

impl PracticeOnly {
    pub fn offline() -> PracticeOnly {
        PracticeOnly {
            reason: "this follow-up has no rubric the offline grader can check; a model can grade it later (viva regrade --ungraded)".to_string(),
        }
    }
}

/// Whether the answer could be graded at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Graded,
    /// Empty, "I don't know" or off-topic: no score is invented.
    InsufficientEvidence,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grade {
    /// 0 to 100.
    pub score: u8,
    pub outcome: Outcome,
    pub criteria: Vec<CriterionScore>,
    pub key_points: Vec<KeyPointVerdict>,
    pub red_flags: Vec<RedFlagHit>,
    pub feedback: String,
    /// What the interviewer would ask next, if anything.
    pub follow_up: Option<String>,
    pub grader: String,
    pub model: Option<String>,
    pub prompt_version: Option<String>,
    pub rubric_version: String,
    pub tokens_in: Option<u32>,
    pub tokens_out: Option<u32>,
    /// Dollars, when the model's price is known.
    #[serde(default)]
    pub cost_usd: Option<f64>,
    pub latency_ms: u64,
    /// Made by a grader that cannot check everything the rubric asks (the offline grader): the
    /// score is an estimate from key-point coverage and red flags, and says so wherever shown.
    #[serde(default)]
    pub approximate: bool,
    /// Things the user should know about how this grade was made (a fallback, a repair).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Grade {
    pub fn count(&self, verdict: Verdict) -> usize {
        self.key_points
            .iter()
            .filter(|k| k.verdict == verdict)
            .count()
    }
}

impl Grade {
    /// A grade with every field at its empty value: the one place a `Grade` is spelled out, so
    /// graders fill in what they measured with `..Grade::blank(...)` and a new field is added
    /// here only.
    pub fn blank(grader: &str, rubric_version: String) -> Grade {
        Grade {
            score: 0,
            outcome: Outcome::Graded,
            criteria: vec![],
            key_points: vec![],
            red_flags: vec![],
            feedback: String::new(),
            follow_up: None,
            grader: grader.to_string(),
            model: None,
            prompt_version: None,
            rubric_version,
            tokens_in: None,
            tokens_out: None,
            cost_usd: None,
            latency_ms: 0,
            approximate: false,
            notes: vec![],
        }
    }

    /// An offline grade against `rubric`, before anything is measured: approximate.
    pub fn offline(rubric: &Rubric) -> Grade {
        Grade {
            approximate: true,
            ..Grade::blank(offline::NAME, rubric.version_tag())
        }
    }

    /// An offline grade with a score and an outcome and nothing else: for tests and benchmarks
    /// of what stores, replays and folds grades, which look at no other field.
    pub fn bare(score: u8, outcome: Outcome) -> Grade {
        Grade {
            score,
            outcome,
            approximate: true,
            ..Grade::blank(offline::NAME, "concept@1".into())
        }
    }
}

/// How far a grader's model has got with its reply, shared with whoever shows progress: the
/// tokens it has received, counted up over the grader's life (a display takes differences).
#[derive(Debug, Clone, Default)]
pub struct Progress(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl Progress {
    pub fn add(&self, tokens: u64) {
        self.0
            .fetch_add(tokens, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn tokens(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Anything that can grade an answer against a question and its kind's rubric.
pub trait Grader {
    /// Short name stored with each grade ("offline", "llm").
    fn name(&self) -> &str;

    fn grade(&self, question: &Question, rubric: &Rubric, answer: &str) -> Result<Grade>;

    /// Grades while showing progress: `on_text` receives the grader's reasoning as it arrives.
    /// Graders that do not stream just grade.
    fn grade_streaming(
        &self,
        question: &Question,
        rubric: &Rubric,
        answer: &str,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Grade> {
        let _ = on_text;
        self.grade(question, rubric, answer)
    }

    /// The tokens received from a model, for graders that wait on one.
    fn progress(&self) -> Option<Progress> {
        None
    }

    /// Grades the answer again in the light of the candidate's objection to `previous`.
    /// None when this grader cannot reconsider: the offline grader gives the same answer the
    /// same grade, so a dispute with it waits for a grader that can (the turn is flagged).
    fn reconsider(
        &self,
        question: &Question,
        rubric: &Rubric,
        answer: &str,
        previous: &Grade,
        objection: &str,
    ) -> Result<Option<Grade>> {
        let _ = (question, rubric, answer, previous, objection);
        Ok(None)
    }
}
