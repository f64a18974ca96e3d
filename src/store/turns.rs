//! The `turns` table: each question asked and answered, follow-ups pointing at their parent turn
//! and retries at the turn they repeat. A column is added by its migration, its field in
//! `NewTurn` and its field in `TurnRecord`, and nothing else: `row` writes and reads the fields
//! by name.

use anyhow::{Context, Result};
use rusqlite::named_params;
use serde::{Deserialize, Serialize};

use super::grades::EFFECTIVE_GRADE_ID;
use super::{SnapshotMark, Store, row};
use crate::delivery::Delivery;
use crate::grade::Grade;

/// A turn as the session engine hands it over, before grading; every field is a column.
#[derive(Debug, Clone, Serialize)]
pub struct NewTurn<'a> {
    pub session_id: i64,
    pub parent_id: Option<i64>,
    pub seq: u32,
    pub question_id: &'a str,
    pub topic: &'a str,
    pub kind: &'a str,
    pub difficulty: &'a str,
    pub prompt: &'a str,
    pub answer: &'a str,
    pub skipped: bool,
    pub hints: u32,
    pub asked_at: i64,
    pub answered_at: i64,
    /// The turn this one attempts again (`/retry`); its `parent_id` is set too.
    pub retry_of: Option<i64>,
}

/// A stored turn with what was recorded about it; the fields read from `turns` are filled by
/// column name, the rest from the other tables.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TurnRecord {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub seq: u32,
    pub question_id: String,
    pub topic: String,
    pub kind: String,
    pub difficulty: String,
    pub prompt: String,
    pub answer: String,
    #[serde(deserialize_with = "row::flag")]
    pub skipped: bool,
    pub hints: u32,
    pub asked_at: i64,
    pub answered_at: i64,
    /// The effective grade (see `grades`), if the turn was graded.
    #[serde(skip_deserializing)]
    pub grade: Option<Grade>,
    pub retry_of: Option<i64>,
    /// How the answer was said (not stored for skipped turns).
    #[serde(skip_deserializing)]
    pub delivery: Option<Delivery>,
    #[serde(skip_deserializing)]
    pub disputes: Vec<super::DisputeRecord>,
    /// The recording of a spoken answer; None when it was typed.
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub recording: Option<super::RecordingRecord>,
}

/// One asked question as the learner replays it: the question turn with its follow-ups counted
/// once, carrying the latest effective grade given to any turn of the thread (regrades
/// included, but never over a self-checked grade of the same turn).
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRecord {
    pub question_id: String,
    pub topic: String,
    pub difficulty: String,
    pub skipped: bool,
    /// The answer was to a follow-up (the learner weighs it apart).
    pub follow_up: bool,
    /// That grade's score; None when ungraded.
    pub score: Option<u8>,
    /// That grade's outcome was `graded` (not insufficient evidence).
    pub graded: bool,
    pub answered_at: i64,
}

impl Store {
    pub fn insert_turn(&self, t: &NewTurn) -> Result<i64> {
        row::insert(&self.conn, "turns", t)
    }

    /// The answer of the turn that follow-up turn `follow_up` follows; None for a turn that
    /// follows nothing.
    pub fn parent_answer(&self, follow_up: i64) -> Result<Option<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.answer FROM turns f JOIN turns p ON p.id = f.parent_id WHERE f.id = :id",
        )?;
        let mut rows = stmt.query(named_params! { ":id": follow_up })?;
        Ok(match rows.next()? {
            Some(r) => Some(r.get(0)?),
            None => None,
        })
    }

    /// One session's turns in order, each with its effective grade.
    pub fn session_turns(&self, session_id: i64) -> Result<Vec<TurnRecord>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT t.*,
                    (SELECT grade FROM grades WHERE id = {EFFECTIVE_GRADE_ID}) AS latest_grade,
                    d.metrics AS delivery_metrics
             FROM turns t LEFT JOIN delivery d ON d.turn_id = t.id
             WHERE t.session_id = :session_id ORDER BY t.seq, t.id"
        ))?;
        let rows = stmt.query_map(named_params! { ":session_id": session_id }, |r| {
            let turn: TurnRecord = row::read(r)?;
            let grade: Option<String> = r.get("latest_grade")?;
            let delivery: Option<String> = r.get("delivery_metrics")?;
            Ok((turn, grade, delivery))
        })?;
        let mut turns = Vec::new();
        for row in rows {
            let (mut turn, grade, delivery) = row?;
            if let Some(json) = delivery {
                turn.delivery = Some(serde_json::from_str(&json).with_context(|| {
                    format!("stored delivery of turn {} is unreadable", turn.id)
                })?);
            }
            turn.disputes = self.turn_disputes(turn.id)?;
            turn.recording = self.recording(turn.id)?;
            if let Some(json) = grade {
                turn.grade =
                    Some(serde_json::from_str(&json).with_context(|| {
                        format!("stored grade of turn {} is unreadable", turn.id)
                    })?);
            }
            turns.push(turn);
        }
        Ok(turns)
    }

    /// Ids of every question ever asked.
    pub fn asked_questions(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT question_id FROM turns")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn turn_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM turns", [], |r| r.get(0))?)
    }

    /// Every asked question, oldest first, for the learner's replay (see `AnswerRecord`).
    pub fn answer_records(&self) -> Result<Vec<AnswerRecord>> {
        let all = SnapshotMark {
            turn: i64::MAX,
            grade: i64::MAX,
        };
        Ok(self.answer_records_between(0, &all)?.unwrap_or_default())
    }

    /// The answers to questions and to their follow-ups among the turns after `after` up to
    /// `upto.turn`, graded by grades up to `upto.grade`, oldest first. None when one of those
    /// turns continues the thread of a turn at or below `after` (a follow-up of an older
    /// question), which only a full replay can place. Threads are resolved here with sorted
    /// vectors: a recursive query, or hashing every turn id, costs more than the replay itself.
    pub fn answer_records_between(
        &self,
        after: i64,
        upto: &SnapshotMark,
    ) -> Result<Option<Vec<AnswerRecord>>> {
        let latest = self.effective_grades(after, upto)?;
        let grade_of = |turn: i64| {
            latest
                .binary_search_by_key(&turn, |g| g.turn_id)
                .ok()
                .map(|i| latest[i])
        };
        // A retry (`/retry`) comes after the candidate saw the grade, and often the model
        // answer: it is practice, not evidence of their level.
        // The whole history through the covering index; the few turns since a snapshot by
        // their ids.
        let sql = if after == 0 {
            "SELECT id, parent_id, question_id, topic, difficulty, skipped, answered_at
             FROM turns INDEXED BY turns_replay
             WHERE retry_of IS NULL AND id > :after AND id <= :upto_turn ORDER BY answered_at, id"
        } else {
            "SELECT id, parent_id, question_id, topic, difficulty, skipped, answered_at
             FROM turns WHERE retry_of IS NULL AND id > :after AND id <= :upto_turn ORDER BY answered_at, id"
        };
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(named_params! { ":after": after, ":upto_turn": upto.turn })?;
        // (turn id, parent, record) in the order answered.
        let mut answers: Vec<(i64, Option<i64>, AnswerRecord)> = Vec::new();
        while let Some(r) = rows.next()? {
            let (id, parent): (i64, Option<i64>) = (r.get(0)?, r.get(1)?);
            let grade = grade_of(id);
            answers.push((
                id,
                parent,
                AnswerRecord {
                    question_id: r.get(2)?,
                    topic: r.get(3)?,
                    difficulty: r.get(4)?,
                    skipped: r.get(5)?,
                    follow_up: parent.is_some(),
                    answered_at: r.get(6)?,
                    score: grade.map(|g| g.score),
                    graded: grade.is_some_and(|g| g.graded),
                },
            ));
        }
        // A follow-up counts when its thread starts at a question's own answer; the follow-up
        // of a retry is practice, like the retry itself. Parents first (ids grow).
        let mut roots: Vec<i64> = answers
            .iter()
            .filter(|a| a.1.is_none())
            .map(|a| a.0)
            .collect();
        roots.sort_unstable();
        let mut follow_ups: Vec<(i64, i64)> = answers
            .iter()
            .filter_map(|a| a.1.map(|p| (a.0, p)))
            .collect();
        follow_ups.sort_unstable();
        let mut threaded: Vec<i64> = Vec::with_capacity(follow_ups.len());
        for (id, parent) in follow_ups {
            let known = |v: &[i64]| v.binary_search(&parent).is_ok();
            if known(&roots) || known(&threaded) {
                // Pushed in id order, so `threaded` stays sorted.
                threaded.push(id);
            } else if parent <= after {
                // Its thread starts before the records asked for: only a full replay knows
                // whether that was a question's own answer.
                return Ok(None);
            }
        }
        let records = answers
            .into_iter()
            .filter(|(id, parent, _)| parent.is_none() || threaded.binary_search(id).is_ok())
            .map(|(_, _, r)| r)
            .collect();
        Ok(Some(records))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::Outcome;
    use crate::store::fixtures::{grade, turn};

    #[test]
    fn an_ungraded_turn_keeps_its_answer() {
        let store = Store::open_in_memory().unwrap();
        let s = store.start_session(1, &serde_json::json!({})).unwrap();
        store
            .insert_turn(&turn(s, 1, "typed before the crash"))
            .unwrap();
        let turns = store.session_turns(s).unwrap();
        assert_eq!(turns[0].answer, "typed before the crash");
        assert!(turns[0].grade.is_none());
        assert_eq!(store.sessions().unwrap()[0].scores.questions.mean, None);
    }

    #[test]
    fn every_field_of_a_turn_reads_back_as_written() {
        let store = Store::open_in_memory().unwrap();
        let s = store.start_session(1, &serde_json::json!({})).unwrap();
        let first = store.insert_turn(&turn(s, 1, "a lock")).unwrap();
        let written = NewTurn {
            parent_id: Some(first),
            retry_of: Some(first),
            skipped: true,
            hints: 2,
            asked_at: 7,
            answered_at: 9,
            ..turn(s, 2, "")
        };
        store.insert_turn(&written).unwrap();
        let read = &store.session_turns(s).unwrap()[1];
        assert_eq!(
            (
                read.parent_id,
                read.retry_of,
                read.seq,
                read.skipped,
                read.hints
            ),
            (Some(first), Some(first), 2, true, 2)
        );
        assert_eq!(
            (
                read.question_id.as_str(),
                read.topic.as_str(),
                read.kind.as_str()
            ),
            ("gil", "concurrency", "concept")
        );
        assert_eq!(
            (
                read.difficulty.as_str(),
                read.prompt.as_str(),
                read.answer.as_str()
            ),
            ("hard", "What is the GIL?", "")
        );
        assert_eq!((read.asked_at, read.answered_at), (7, 9));
    }

    #[test]
    fn a_question_and_its_follow_ups_replay_as_answers_of_their_own() {
        let store = Store::open_in_memory().unwrap();
        let s = store.start_session(1, &serde_json::json!({})).unwrap();
        let root = store.insert_turn(&turn(s, 1, "first try")).unwrap();
        store.insert_grade(root, 3, &grade(30)).unwrap();
        let follow = store
            .insert_turn(&NewTurn {
                parent_id: Some(root),
                ..turn(s, 2, "the follow-up")
            })
            .unwrap();
        store.insert_grade(follow, 4, &grade(55)).unwrap();
        let deeper = store
            .insert_turn(&NewTurn {
                parent_id: Some(follow),
                ..turn(s, 3, "deeper")
            })
            .unwrap();
        store.insert_grade(deeper, 5, &grade(60)).unwrap();
        // A regrade of the root changes the root's record only.
        store.insert_grade(root, 6, &grade(70)).unwrap();
        let other = store
            .insert_turn(&NewTurn {
                question_id: "other",
                answered_at: 9,
                ..turn(s, 4, "")
            })
            .unwrap();
        let mut insufficient = grade(0);
        insufficient.outcome = Outcome::InsufficientEvidence;
        store.insert_grade(other, 7, &insufficient).unwrap();
        let retry = store
            .insert_turn(&NewTurn {
                parent_id: Some(root),
                retry_of: Some(root),
                answered_at: 10,
                ..turn(s, 5, "again")
            })
            .unwrap();
        let after_retry = store
            .insert_turn(&NewTurn {
                parent_id: Some(retry),
                answered_at: 11,
                ..turn(s, 6, "practice")
            })
            .unwrap();
        store.insert_grade(after_retry, 8, &grade(90)).unwrap();
        let records = store.answer_records().unwrap();
        let seen: Vec<(bool, Option<u8>, bool)> = records
            .iter()
            .map(|r| (r.follow_up, r.score, r.graded))
            .collect();
        // The retry and the follow-up of the retry are practice, not evidence.
        assert_eq!(
            seen,
            [
                (false, Some(70), true),
                (true, Some(55), true),
                (true, Some(60), true),
                (false, Some(0), false)
            ]
        );
    }
}
