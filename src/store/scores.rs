//! A session's scores, defined once: the end-of-session summary, `viva review list` and
//! `show`, `viva report` and the exports all print these numbers, so one session never shows
//! two means. Main questions and follow-ups are reported apart (a follow-up probes what the
//! answer left open, so it scores lower by design); a retry replaces the attempt it repeats
//! (the session's result is the candidate's last word); each turn counts with its effective
//! grade (see `grades`).

use std::collections::BTreeMap;

use anyhow::Result;
use rusqlite::named_params;
use serde::Serialize;

use super::Store;
use super::grades::EFFECTIVE_GRADE_ID;

/// Answers of one kind that got a score, and their mean.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScoreTally {
    /// Answers scored (not skipped, not ungraded, not insufficient evidence).
    pub graded: usize,
    pub mean: Option<f64>,
}

impl ScoreTally {
    fn of(scores: impl Iterator<Item = u8>) -> ScoreTally {
        let (graded, sum) = scores.fold((0, 0.0), |(n, sum), s| (n + 1, sum + f64::from(s)));
        ScoreTally {
            graded,
            mean: (graded > 0).then(|| sum / graded as f64),
        }
    }
}

/// What one session scored.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SessionScores {
    pub questions: ScoreTally,
    pub follow_ups: ScoreTally,
    /// Each asked prompt's final result, in the order asked.
    #[serde(skip)]
    pub results: Vec<PromptResult>,
}

/// What became of one asked prompt (a bank question or a follow-up), retries folded in.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptResult {
    pub question_id: String,
    pub topic: String,
    pub follow_up: bool,
    pub skipped: bool,
    /// The score of its last graded attempt; None when skipped, ungraded or insufficient.
    pub score: Option<u8>,
    /// Its last graded attempt was graded at all (insufficient evidence included).
    pub has_grade: bool,
}

/// One stored turn as the scores read it.
#[derive(Debug, Clone)]
pub(super) struct ScoredTurn {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub retry_of: Option<i64>,
    pub skipped: bool,
    pub question_id: String,
    pub topic: String,
    /// The effective grade: (score, outcome was `graded`).
    pub grade: Option<(u8, bool)>,
}

impl SessionScores {
    /// The scores of `turns`, given in the order they were answered.
    pub(super) fn of(turns: &[ScoredTurn]) -> SessionScores {
        let mut results: Vec<PromptResult> = Vec::new();
        // The prompt each turn answered: a retry answers the prompt of the turn it repeats.
        let mut prompt_of: BTreeMap<i64, usize> = BTreeMap::new();
        for t in turns {
            let retried = t.retry_of.and_then(|r| prompt_of.get(&r).copied());
            let at = match retried {
                Some(at) => at,
                None => {
                    results.push(PromptResult {
                        question_id: t.question_id.clone(),
                        topic: t.topic.clone(),
                        follow_up: t.parent_id.is_some(),
                        skipped: t.skipped,
                        score: None,
                        has_grade: false,
                    });
                    results.len() - 1
                }
            };
            prompt_of.insert(t.id, at);
            // A retry skipped, or not graded, leaves the earlier attempt standing.
            if let Some((score, graded)) = t.grade {
                let r = &mut results[at];
                r.score = graded.then_some(score);
                r.has_grade = true;
                r.skipped = false;
            }
        }
        let tally = |follow_up: bool| {
            ScoreTally::of(
                results
                    .iter()
                    .filter(|r| r.follow_up == follow_up)
                    .filter_map(|r| r.score),
            )
        };
        SessionScores {
            questions: tally(false),
            follow_ups: tally(true),
            results,
        }
    }

    /// The main questions' tally per topic.
    pub fn topics(&self) -> BTreeMap<String, ScoreTally> {
        let mut scores: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for r in self.results.iter().filter(|r| !r.follow_up && !r.skipped) {
            scores.entry(r.topic.clone()).or_default().extend(r.score);
        }
        scores
            .into_iter()
            .map(|(topic, s)| (topic, ScoreTally::of(s.into_iter())))
            .collect()
    }
}

impl Store {
    /// The scores of session `session_id` (see the module).
    pub fn session_scores(&self, session_id: i64) -> Result<SessionScores> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT t.id, t.parent_id, t.retry_of, t.skipped, t.question_id, t.topic,
                    g.score, g.outcome = 'graded'
             FROM turns t LEFT JOIN grades g ON g.id = {EFFECTIVE_GRADE_ID}
             WHERE t.session_id = :session_id ORDER BY t.seq, t.id"
        ))?;
        let rows = stmt.query_map(named_params! { ":session_id": session_id }, |r| {
            let score: Option<u8> = r.get(6)?;
            let graded: Option<bool> = r.get(7)?;
            Ok(ScoredTurn {
                id: r.get(0)?,
                parent_id: r.get(1)?,
                retry_of: r.get(2)?,
                skipped: r.get(3)?,
                question_id: r.get(4)?,
                topic: r.get(5)?,
                grade: score.map(|s| (s, graded.unwrap_or(false))),
            })
        })?;
        let turns = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(SessionScores::of(&turns))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::self_check;
    use crate::store::NewTurn;
    use crate::store::fixtures::{grade, turn};

    #[test]
    fn follow_ups_apart_and_a_retry_replaces_its_attempt() {
        let store = Store::open_in_memory().unwrap();
        let s = store.start_session(1, &serde_json::json!({})).unwrap();
        let first = store.insert_turn(&turn(s, 1, "half")).unwrap();
        store.insert_grade(first, 2, &grade(40)).unwrap();
        let follow = store
            .insert_turn(&NewTurn {
                parent_id: Some(first),
                ..turn(s, 2, "the follow-up")
            })
            .unwrap();
        store.insert_grade(follow, 3, &grade(20)).unwrap();
        let retry = store
            .insert_turn(&NewTurn {
                parent_id: Some(first),
                retry_of: Some(first),
                ..turn(s, 3, "whole")
            })
            .unwrap();
        store.insert_grade(retry, 4, &grade(90)).unwrap();
        // A skipped retry of the retry changes nothing.
        store
            .insert_turn(&NewTurn {
                parent_id: Some(first),
                retry_of: Some(retry),
                skipped: true,
                ..turn(s, 4, "")
            })
            .unwrap();
        let other = store.insert_turn(&turn(s, 5, "other")).unwrap();
        store.insert_grade(other, 5, &grade(70)).unwrap();
        let scores = store.session_scores(s).unwrap();
        assert_eq!(
            scores.questions,
            ScoreTally {
                graded: 2,
                mean: Some(80.0)
            }
        );
        assert_eq!(
            scores.follow_ups,
            ScoreTally {
                graded: 1,
                mean: Some(20.0)
            }
        );
        assert_eq!(scores.topics()["concurrency"].mean, Some(80.0));
    }

    #[test]
    fn a_self_checked_grade_outlasts_a_later_regrade() {
        let store = Store::open_in_memory().unwrap();
        let s = store.start_session(1, &serde_json::json!({})).unwrap();
        let t = store.insert_turn(&turn(s, 1, "a lock")).unwrap();
        store.insert_grade(t, 2, &grade(30)).unwrap();
        let mut checked = grade(75);
        checked.grader = self_check::NAME.to_string();
        store.insert_grade(t, 3, &checked).unwrap();
        store.insert_grade(t, 4, &grade(10)).unwrap();
        assert_eq!(store.session_scores(s).unwrap().questions.mean, Some(75.0));
        assert_eq!(
            store.session_turns(s).unwrap()[0]
                .grade
                .as_ref()
                .unwrap()
                .score,
            75
        );
        assert_eq!(store.question_grades().unwrap()[0].score, 75);
        assert_eq!(store.answer_records().unwrap()[0].score, Some(75));
    }
}
