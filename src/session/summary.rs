//! The end-of-session summary: counts, the session's scores (as the store defines them for
//! every view of a session), means per topic, best and worst, retries, what to practise next,
//! delivery and spend.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::{Mode, Session};
use crate::delivery::{self, Delivery, DeliverySummary};
use crate::grade::{Grade, Outcome, Verdict};
use crate::store::{ScoreTally, SessionScores};

/// A question answered again with `/retry`.
#[derive(Debug, Clone, Serialize)]
pub struct RetryResult {
    pub number: usize,
    /// The follow-up on question `number` was retried, not the question.
    pub follow_up: bool,
    pub question_id: String,
    pub first: Option<u8>,
    pub retry: Option<u8>,
}

/// Something to practise next: a point missed in one of the weakest answers.
#[derive(Debug, Clone, Serialize)]
pub struct Practice {
    pub topic: String,
    pub question_id: String,
    /// The key point missed, or the question itself when it was skipped.
    pub point: String,
}

/// What `finish` reports about a whole session: the numbers the end-of-session summary and
/// the debrief show.
#[derive(Debug, Clone, Serialize)]
pub struct Scorecard {
    pub session_id: i64,
    pub mode: Mode,
    /// Bank questions shown (follow-ups counted apart): answered + skipped + left open.
    pub asked: usize,
    pub answered: usize,
    pub skipped: usize,
    /// A question on screen (or set aside by `/retry`) when the session ended.
    pub left_open: usize,
    pub follow_ups: usize,
    /// Follow-ups passed over with `/skip` (counted apart from the bank questions skipped).
    pub follow_ups_skipped: usize,
    pub scores: SessionScores,
    /// The main questions' scores per topic.
    pub topics: BTreeMap<String, ScoreTally>,
    /// (question id, score) of the best and the worst graded answer to a main question.
    pub best: Option<(String, u8)>,
    pub worst: Option<(String, u8)>,
    pub retries: Vec<RetryResult>,
    pub practise: Vec<Practice>,
    /// Delivery over every answer of the session.
    pub delivery: Option<DeliverySummary>,
    /// Answers that came after the time limit (real mode).
    pub over_time: usize,
    pub duration_ms: i64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: Option<f64>,
}

/// What became of one asked bank question.
pub(super) struct TurnOutcome {
    pub(super) question_id: String,
    pub(super) topic: String,
    pub(super) turn_id: Option<i64>,
    /// None when skipped or ungraded.
    pub(super) grade: Option<Grade>,
    pub(super) skipped: bool,
}

impl TurnOutcome {
    /// The score, when the answer was graded (not skipped, not insufficient evidence).
    fn score(&self) -> Option<u8> {
        self.grade
            .as_ref()
            .filter(|g| g.outcome == Outcome::Graded)
            .map(|g| g.score)
    }
}

impl Session<'_> {
    /// The summary of a session closed at `ended_at` with `left_open` bank questions unanswered.
    pub(super) fn summary(&self, left_open: usize, ended_at: i64) -> Result<Scorecard> {
        let scores = self.store.session_scores(self.id)?;
        let scored: Vec<(&String, u8)> = scores
            .results
            .iter()
            .filter(|r| !r.follow_up)
            .filter_map(|r| r.score.map(|s| (&r.question_id, s)))
            .collect();
        // Earliest wins ties, so the summary is stable.
        let best = scored
            .iter()
            .rev()
            .max_by_key(|(_, s)| *s)
            .map(|(id, s)| ((*id).clone(), *s));
        let worst = scored
            .iter()
            .rev()
            .min_by_key(|(_, s)| *s)
            .map(|(id, s)| ((*id).clone(), *s));
        let skipped = self.results.iter().filter(|r| r.skipped).count();
        let graded_score = |g: &Option<Grade>| {
            g.as_ref()
                .filter(|g| g.outcome == Outcome::Graded)
                .map(|g| g.score)
        };
        let retries = self
            .attempts
            .iter()
            .filter(|a| a.retry)
            .map(|a| {
                let first = self
                    .attempts
                    .iter()
                    .find(|f| f.number == a.number && f.follow_up == a.follow_up && !f.retry);
                RetryResult {
                    number: a.number,
                    follow_up: a.follow_up,
                    question_id: a.question.id.clone(),
                    first: first.and_then(|f| graded_score(&f.grade)),
                    retry: graded_score(&a.grade),
                }
            })
            .collect();
        let deliveries: Vec<Delivery> = self.attempts.iter().map(|a| a.delivery.clone()).collect();
        Ok(Scorecard {
            session_id: self.id,
            mode: self.settings.mode,
            asked: self.results.len() + left_open,
            answered: self.results.len() - skipped,
            skipped,
            left_open,
            follow_ups: self.follow_ups_asked,
            follow_ups_skipped: scores
                .results
                .iter()
                .filter(|r| r.follow_up && r.skipped)
                .count(),
            topics: scores.topics(),
            scores,
            best,
            worst,
            retries,
            practise: self.practise(),
            delivery: delivery::summarize(&deliveries),
            over_time: self.attempts.iter().filter(|a| a.over_ms.is_some()).count(),
            duration_ms: ended_at - self.started_at,
            tokens_in: self.tokens.0,
            tokens_out: self.tokens.1,
            cost_usd: self.cost,
        })
    }

    /// Up to three things to practise: the first point missed (or only partly made) in each of
    /// the weakest answers, skipped questions first.
    fn practise(&self) -> Vec<Practice> {
        let mut weakest: Vec<&TurnOutcome> = self.results.iter().collect();
        weakest.sort_by_key(|r| r.score().map_or(-1, i32::from));
        weakest
            .into_iter()
            .filter_map(|r| {
                let question = self.bank.get(&r.question_id);
                let point = match &r.grade {
                    None => question.map(|q| q.prompt.clone())?,
                    Some(g) => g
                        .key_points
                        .iter()
                        .find(|k| k.verdict == Verdict::Missed)
                        .or_else(|| g.key_points.iter().find(|k| k.verdict == Verdict::Partly))?
                        .point
                        .clone(),
                };
                Some(Practice {
                    topic: r.topic.clone(),
                    question_id: r.question_id.clone(),
                    point,
                })
            })
            .take(3)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::bank::Bank;
    use crate::rubric::Rubrics;
    use crate::session::tests::{settings, start};
    use crate::store::Store;

    #[test]
    fn a_question_left_on_screen_counts_as_asked_but_not_answered() {
        let store = Store::open_in_memory().unwrap();
        let bank = Bank::load(None).unwrap();
        let rubrics = Rubrics::embedded();
        let mut session = start(&bank, &rubrics, &store, settings(3, "concurrency"));
        session.ask_next().unwrap().unwrap();
        session
            .answer(
                "Only one thread runs bytecode at a time because of the lock.",
                &mut |_| {},
            )
            .unwrap();
        session.ask_next().unwrap().unwrap();
        let summary = session.finish().unwrap();
        assert_eq!(
            (
                summary.asked,
                summary.answered,
                summary.skipped,
                summary.left_open
            ),
            (2, 1, 0, 1)
        );
        assert!(
            crate::render::summary(&summary)
                .contains("2 questions asked, 1 answered, 0 skipped, 1 left unanswered."),
            "{}",
            crate::render::summary(&summary)
        );
        // Nothing was typed for the open question, so nothing is stored for it.
        assert_eq!(store.session_turns(summary.session_id).unwrap().len(), 1);
    }
}
