//! Disputes: the candidate objects to a grade, and the grader reconsiders or the objection is
//! stored and the turn flagged for re-grading.

use anyhow::Result;

use super::{Session, charge_hints};
use crate::clock::now_ms;
use crate::grade::{Grade, dispute};
use crate::store::Store;

/// What came of a dispute.
#[derive(Debug, Clone)]
pub enum Disputed {
    /// The grader reconsidered: both grades are stored, the new one is the latest.
    Regraded {
        number: usize,
        before: Option<Box<Grade>>,
        after: Box<Grade>,
        changes: Vec<String>,
    },
    /// The grader cannot reconsider (offline) or failed: the objection is stored and the turn
    /// is flagged for re-grading.
    Flagged { number: usize, reason: String },
}

impl Session<'_> {
    /// Sends the candidate's objection about an answer's grade to the grader. With a grader
    /// that can reconsider, the re-grade is stored next to the old grade and becomes the
    /// latest; otherwise the objection is stored and the turn flagged for re-grading. None when
    /// there is no such answer.
    pub fn dispute(&mut self, number: Option<usize>, objection: &str) -> Result<Option<Disputed>> {
        let Some(at) = self.attempt_at(number) else {
            return Ok(None);
        };
        let attempt = self.attempts[at].clone();
        let before_id = self.store.latest_grade_id(attempt.turn_id)?;
        let q = &attempt.question;
        let reconsidered = match &attempt.grade {
            Some(previous) => self.grader.reconsider(
                q,
                self.rubrics.for_kind(q.kind),
                &attempt.answer,
                previous,
                objection,
            ),
            None => Ok(None),
        };
        let flagged = |reason: String, store: &Store| -> Result<Option<Disputed>> {
            store.insert_dispute(attempt.turn_id, now_ms(), objection, before_id, None)?;
            Ok(Some(Disputed::Flagged {
                number: attempt.number,
                reason,
            }))
        };
        match reconsidered {
            Ok(Some(mut after)) => {
                charge_hints(&mut after, attempt.hints);
                let after_id = self.store.insert_grade(attempt.turn_id, now_ms(), &after)?;
                self.store.insert_dispute(
                    attempt.turn_id,
                    now_ms(),
                    objection,
                    before_id,
                    Some(after_id),
                )?;
                self.spend(&after);
                let changes = attempt
                    .grade
                    .as_ref()
                    .map_or_else(Vec::new, |before| dispute::changes(before, &after));
                self.attempts[at].grade = Some(after.clone());
                if let Some(r) = self
                    .results
                    .iter_mut()
                    .find(|r| r.turn_id == Some(attempt.turn_id))
                {
                    r.grade = Some(after.clone());
                }
                Ok(Some(Disputed::Regraded {
                    number: attempt.number,
                    before: attempt.grade.map(Box::new),
                    after: Box::new(after),
                    changes,
                }))
            }
            Ok(None) if attempt.grade.is_none() => flagged(
                "the answer has no grade yet; it is flagged for re-grading".into(),
                self.store,
            ),
            Ok(None) => flagged(
                format!(
                    "the {} grader gives the same answer the same grade; your objection is saved and the answer is flagged for re-grading with a model",
                    self.grader.name()
                ),
                self.store,
            ),
            Err(e) => flagged(
                format!("{e:#}; your objection is saved and the answer is flagged for re-grading"),
                self.store,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{Bank, Question};
    use crate::grade::Grader;
    use crate::grade::offline::OfflineGrader;
    use crate::rubric::Rubrics;
    use crate::session::tests::{settings, start};

    #[test]
    fn an_offline_dispute_is_recorded_and_flags_the_turn() {
        let bank = Bank::load(None).unwrap();
        let rubrics = Rubrics::embedded();
        let store = Store::open_in_memory().unwrap();
        let mut s = start(&bank, &rubrics, &store, settings(1, "concurrency"));
        assert!(s.dispute(None, "too early").unwrap().is_none());
        s.ask_next().unwrap().unwrap();
        s.answer("threads share a lock", &mut |_| {}).unwrap();
        match s.dispute(None, "I did explain the lock").unwrap() {
            Some(Disputed::Flagged { number, reason }) => {
                assert_eq!(number, 1);
                assert!(reason.contains("flagged for re-grading"), "{reason}");
            }
            other => panic!("expected a flagged dispute, got {other:?}"),
        }
        let pending = store.pending_disputes().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].turn_id, s.attempts()[0].turn_id);
        assert_eq!(pending[0].objection, "I did explain the lock");
    }

    /// A grader that reconsiders by raising the score, as a persuaded model would.
    struct Persuadable;
    impl Grader for Persuadable {
        fn name(&self) -> &str {
            "persuadable"
        }
        fn grade(&self, q: &Question, r: &crate::rubric::Rubric, a: &str) -> Result<Grade> {
            OfflineGrader.grade(q, r, a)
        }
        fn reconsider(
            &self,
            q: &Question,
            r: &crate::rubric::Rubric,
            _: &str,
            _: &Grade,
            _: &str,
        ) -> Result<Option<Grade>> {
            OfflineGrader.grade(q, r, &q.model_answer).map(Some)
        }
    }

    #[test]
    fn a_regrade_keeps_both_grades_and_the_new_one_counts() {
        let bank = Bank::load(None).unwrap();
        let rubrics = Rubrics::embedded();
        let store = Store::open_in_memory().unwrap();
        let mut s = Session::start(
            &bank,
            &rubrics,
            &Persuadable,
            &store,
            settings(1, "concurrency"),
        )
        .unwrap();
        s.ask_next().unwrap().unwrap();
        let first = s
            .answer("threads and a lock", &mut |_| {})
            .unwrap()
            .grade
            .unwrap();
        let Some(Disputed::Regraded {
            before,
            after,
            changes,
            ..
        }) = s.dispute(Some(1), "read it again").unwrap()
        else {
            panic!("expected a re-grade");
        };
        assert_eq!(before.unwrap().score, first.score);
        assert!(after.score > first.score);
        assert!(
            changes.iter().any(|c| c.starts_with("Score ")),
            "{changes:?}"
        );
        let turns = store.session_turns(s.id()).unwrap();
        assert_eq!(turns[0].grade.as_ref().unwrap().score, after.score);
        let d = &turns[0].disputes[0];
        assert!(d.grade_before.is_some() && d.grade_after > d.grade_before);
        assert_eq!(
            s.finish().unwrap().scores.questions.mean,
            Some(f64::from(after.score))
        );
    }
}
