//! The offline fallback: when the model cannot grade an answer, the offline grader does and the
//! grade says so, so a candidate mid-interview always gets feedback. Re-grading does not use it:
//! an outage must never write offline grades over stored answers in the model's name.

use std::time::Instant;

use anyhow::Result;

use super::ModelFailed;
use crate::bank::Question;
use crate::grade::offline::OfflineGrader;
use crate::grade::{Grade, Grader, PracticeOnly};
use crate::llm;
use crate::rubric::Rubric;

/// Grades with `primary`; when it reports a `ModelFailed`, grades with `offline` instead. Any
/// other error (a cancelled request) is passed on: the user asked to stop, not for a stand-in.
pub struct Fallback<P> {
    pub primary: P,
    pub offline: OfflineGrader,
}

impl<P: Grader> Fallback<P> {
    pub fn new(primary: P) -> Fallback<P> {
        Fallback {
            primary,
            offline: OfflineGrader,
        }
    }
}

impl<P: Grader> Grader for Fallback<P> {
    fn name(&self) -> &str {
        self.primary.name()
    }

    fn grade(&self, question: &Question, rubric: &Rubric, answer: &str) -> Result<Grade> {
        self.grade_streaming(question, rubric, answer, &mut |_| {})
    }

    fn progress(&self) -> Option<crate::grade::Progress> {
        self.primary.progress()
    }

    fn grade_streaming(
        &self,
        question: &Question,
        rubric: &Rubric,
        answer: &str,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Grade> {
        let started = Instant::now();
        let error = match self
            .primary
            .grade_streaming(question, rubric, answer, on_text)
        {
            Ok(grade) => return Ok(grade),
            Err(e) => e,
        };
        let Some(failed) = error.downcast_ref::<ModelFailed>() else {
            return Err(error);
        };
        // What the offline grader cannot grade, it says so; the user hears why the model did not.
        let mut grade = match self.offline.grade(question, rubric, answer) {
            Ok(grade) => grade,
            Err(e) => match e.downcast::<PracticeOnly>() {
                Ok(practice) => {
                    let reason = format!(
                        "LLM grading failed ({}), and {}",
                        failed.failure, practice.reason
                    );
                    return Err(PracticeOnly { reason }.into());
                }
                Err(e) => return Err(e),
            },
        };
        grade.notes.push(format!(
            "LLM grading failed: {}; graded offline instead",
            failed.failure
        ));
        // The model's tokens were spent all the same: the user pays for them.
        grade.tokens_in = Some(failed.tokens_in);
        grade.tokens_out = Some(failed.tokens_out);
        grade.cost_usd = failed.cost_usd;
        grade.latency_ms = llm::millis(started.elapsed());
        Ok(grade)
    }

    /// A dispute needs a grader that can reconsider; the offline one cannot, so none stands in.
    fn reconsider(
        &self,
        question: &Question,
        rubric: &Rubric,
        answer: &str,
        previous: &Grade,
        objection: &str,
    ) -> Result<Option<Grade>> {
        self.primary
            .reconsider(question, rubric, answer, previous, objection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::Bank;
    use crate::grade::llm::{Failure, GradingCancelled};
    use crate::rubric::Rubrics;

    /// A primary grader that always fails with `error`.
    struct Failing(fn() -> anyhow::Error);
    impl Grader for Failing {
        fn name(&self) -> &str {
            "failing"
        }
        fn grade(&self, _: &Question, _: &Rubric, _: &str) -> Result<Grade> {
            Err((self.0)())
        }
    }

    fn grade_with(primary: Failing) -> Result<Grade> {
        let bank = Bank::load(None).unwrap();
        let q = bank.get("gil-what-it-is").unwrap();
        let rubrics = Rubrics::embedded();
        Fallback::new(primary).grade(q, rubrics.for_kind(q.kind), &q.model_answer)
    }

    #[test]
    fn a_failed_model_is_graded_offline_with_a_note_and_its_spend() {
        let g = grade_with(Failing(|| {
            ModelFailed {
                failure: Failure::Invalid("no JSON".into()),
                tokens_in: 900,
                tokens_out: 100,
                cost_usd: Some(0.5),
            }
            .into()
        }))
        .unwrap();
        assert_eq!(g.grader, crate::grade::offline::NAME);
        assert_eq!(
            g.notes.last().unwrap(),
            "LLM grading failed: its verdict was unusable (no JSON); graded offline instead"
        );
        assert_eq!(
            (g.tokens_in, g.tokens_out, g.cost_usd),
            (Some(900), Some(100), Some(0.5))
        );
    }

    #[test]
    fn a_cancelled_grade_is_not_graded_offline() {
        let e = grade_with(Failing(|| GradingCancelled.into())).unwrap_err();
        assert!(e.is::<GradingCancelled>(), "{e:#}");
    }
}
