//! The `grades` table: several grades per turn. A turn's *effective* grade is its latest
//! self-checked grade (grader "self") when the candidate checked one, else its latest grade: the
//! candidate's word on what they said outlasts any later re-grade. What scores a candidate (the
//! report's question grades, the learner's replay, a session's scores) reads the effective grade;
//! what grades again (the turns a re-grade covers, the grade a follow-up was asked from) reads
//! the latest.

use anyhow::{Context, Result};
use rusqlite::{ToSql, named_params};
use serde::Serialize;

use super::{SnapshotMark, Store};
use crate::grade::Grade;

/// The id of turn `t`'s effective grade, for queries that join it.
pub(super) const EFFECTIVE_GRADE_ID: &str = "COALESCE(
    (SELECT MAX(id) FROM grades INDEXED BY grades_self WHERE turn_id = t.id AND grader = 'self'),
    (SELECT MAX(id) FROM grades WHERE turn_id = t.id))";

/// A turn's effective grade as the history scans read it, without its JSON.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct GradeRow {
    pub turn_id: i64,
    pub grade_id: i64,
    pub score: u8,
    /// The outcome was `graded` (not insufficient evidence).
    pub graded: bool,
}

/// The last row of each turn among `rows`, which come in (turn_id, id) order.
fn last_per_turn(rows: &mut rusqlite::Rows) -> Result<Vec<GradeRow>> {
    let mut last: Vec<GradeRow> = Vec::new();
    while let Some(r) = rows.next()? {
        let row = GradeRow {
            turn_id: r.get(0)?,
            grade_id: r.get(1)?,
            score: r.get(2)?,
            graded: r.get(3)?,
        };
        match last.last_mut() {
            Some(l) if l.turn_id == row.turn_id => *l = row,
            _ => last.push(row),
        }
    }
    Ok(last)
}

/// The effective grade of one answered question (follow-ups and skips left out), for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionGrade {
    pub question_id: String,
    pub topic: String,
    pub answered_at: i64,
    pub score: u8,
    /// False when the grade was "not enough evidence" (stored with score 0).
    pub graded: bool,
}

/// A grade row: several per turn (see the module on which one counts).
#[derive(Debug, Clone, Serialize)]
pub struct StoredGrade {
    pub id: i64,
    pub created_at: i64,
    pub grade: Grade,
}

/// Which turns `viva regrade` grades again. Skipped turns never are: there is nothing to grade.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    Session(i64),
    /// Turns answered at or after this instant (Unix ms).
    Since(i64),
    All,
    /// Turns with no grade yet (grading failed, was cancelled, or the process died).
    Ungraded,
}

/// A turn to grade again, with what it was graded before.
#[derive(Debug, Clone)]
pub struct RegradeTarget {
    pub turn_id: i64,
    pub parent_id: Option<i64>,
    pub question_id: String,
    pub topic: String,
    /// The text asked: the bank prompt, or the follow-up's question.
    pub prompt: String,
    pub answer: String,
    /// Hints taken before answering: a re-grade charges them as the first grade did.
    pub hints: u32,
    /// The latest grade before the re-grade: (score, graded, grader).
    pub previous: Option<(u8, bool, String)>,
}

/// A spoken answer not transcribed yet has no text to grade.
const PENDING_RECORDING: &str =
    "EXISTS (SELECT 1 FROM recordings r WHERE r.turn_id = t.id AND r.status = 'pending')";

const TARGET_COLUMNS: &str = "t.id, t.parent_id, t.question_id, t.topic, t.prompt, t.answer,
    g.score, g.outcome, g.grader, t.hints";

fn target(r: &rusqlite::Row) -> rusqlite::Result<RegradeTarget> {
    let score: Option<u8> = r.get(6)?;
    let outcome: Option<String> = r.get(7)?;
    let grader: Option<String> = r.get(8)?;
    Ok(RegradeTarget {
        turn_id: r.get(0)?,
        parent_id: r.get(1)?,
        question_id: r.get(2)?,
        topic: r.get(3)?,
        prompt: r.get(4)?,
        answer: r.get(5)?,
        hints: r.get(9)?,
        previous: score.map(|s| {
            (
                s,
                outcome.as_deref() == Some("graded"),
                grader.unwrap_or_default(),
            )
        }),
    })
}

impl Store {
    pub fn insert_grade(&self, turn_id: i64, created_at: i64, grade: &Grade) -> Result<i64> {
        let outcome = serde_json::to_value(grade.outcome)?;
        self.conn.execute(
            "INSERT INTO grades (turn_id, created_at, grader, model, score, outcome, grade)
             VALUES (:turn_id, :created_at, :grader, :model, :score, :outcome, :grade)",
            named_params! {
                ":turn_id": turn_id,
                ":created_at": created_at,
                ":grader": grade.grader,
                ":model": grade.model,
                ":score": grade.score,
                ":outcome": outcome.as_str(),
                ":grade": serde_json::to_string(grade)?,
            },
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The id of a turn's latest grade.
    pub fn latest_grade_id(&self, turn_id: i64) -> Result<Option<i64>> {
        Ok(self.conn.query_row(
            "SELECT MAX(id) FROM grades WHERE turn_id = :turn_id",
            named_params! { ":turn_id": turn_id },
            |r| r.get(0),
        )?)
    }

    /// The effective grade of each turn in (`after`, `upto.turn`] among the grades up to
    /// `upto.grade`, in turn id order.
    ///
    /// Two scans of covering indexes (every grade, then the few self-checked ones) merged here:
    /// a per-turn lookup costs two B-tree searches per turn, which over 100,000 turns was most
    /// of `viva report`'s time. No grade JSON is read.
    pub(super) fn effective_grades(
        &self,
        after: i64,
        upto: &SnapshotMark,
    ) -> Result<Vec<GradeRow>> {
        let params = named_params! {
            ":after": after,
            ":upto_turn": upto.turn,
            ":upto_grade": upto.grade,
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT turn_id, id, score, outcome = 'graded' FROM grades INDEXED BY grades_latest
             WHERE turn_id > :after AND turn_id <= :upto_turn AND id <= :upto_grade
             ORDER BY turn_id, id",
        )?;
        let mut latest = last_per_turn(&mut stmt.query(params)?)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT turn_id, id, score, outcome = 'graded' FROM grades INDEXED BY grades_self
             WHERE grader = 'self' AND turn_id > :after AND turn_id <= :upto_turn
               AND id <= :upto_grade
             ORDER BY turn_id, id",
        )?;
        for checked in last_per_turn(&mut stmt.query(params)?)? {
            if let Ok(i) = latest.binary_search_by_key(&checked.turn_id, |g| g.turn_id) {
                latest[i] = checked;
            }
        }
        Ok(latest)
    }

    /// The effective grade of every answered question turn, oldest first.
    pub fn question_grades(&self) -> Result<Vec<QuestionGrade>> {
        let all = SnapshotMark {
            turn: i64::MAX,
            grade: i64::MAX,
        };
        let latest = self.effective_grades(0, &all)?;
        let mut stmt = self.conn.prepare(
            "SELECT id, question_id, topic, answered_at FROM turns INDEXED BY turns_timeline
             WHERE parent_id IS NULL AND skipped = 0 ORDER BY answered_at, id",
        )?;
        let mut rows = stmt.query([])?;
        let mut grades = Vec::with_capacity(latest.len());
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let Ok(at) = latest.binary_search_by_key(&id, |l| l.turn_id) else {
                continue;
            };
            grades.push(QuestionGrade {
                question_id: r.get(1)?,
                topic: r.get(2)?,
                answered_at: r.get(3)?,
                score: latest[at].score,
                graded: latest[at].graded,
            });
        }
        Ok(grades)
    }

    /// The answered turns a re-grade covers, in the order they were answered.
    pub fn regrade_targets(&self, selection: &Selection) -> Result<Vec<RegradeTarget>> {
        let (condition, param) = match selection {
            Selection::Session(id) => ("t.session_id = :session_id", Some((":session_id", *id))),
            Selection::Since(ms) => ("t.answered_at >= :since", Some((":since", *ms))),
            Selection::All => ("1", None),
            Selection::Ungraded => ("g.id IS NULL", None),
        };
        let sql = format!(
            "SELECT {TARGET_COLUMNS} FROM turns t
             LEFT JOIN grades g ON g.id = (SELECT MAX(id) FROM grades WHERE turn_id = t.id)
             WHERE NOT t.skipped AND ({condition}) AND NOT {PENDING_RECORDING}
             ORDER BY t.answered_at, t.id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = match param {
            Some((name, value)) => stmt.query_map(&[(name, &value as &dyn ToSql)], target)?,
            None => stmt.query_map([], target)?,
        };
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One answered turn as a re-grade target, for results that name it (batch files).
    pub fn regrade_target(&self, turn_id: i64) -> Result<Option<RegradeTarget>> {
        let sql = format!(
            "SELECT {TARGET_COLUMNS} FROM turns t
             LEFT JOIN grades g ON g.id = (SELECT MAX(id) FROM grades WHERE turn_id = t.id)
             WHERE NOT t.skipped AND t.id = :turn_id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query_map(named_params! { ":turn_id": turn_id }, target)?;
        Ok(rows.next().transpose()?)
    }

    /// The grade the parent of follow-up turn `follow_up` had when the follow-up was asked: its
    /// latest grade created by then (a later re-grade of the parent did not shape the
    /// follow-up), else its first. None when the turn has no graded parent.
    pub fn parent_grade_when_asked(&self, follow_up: i64) -> Result<Option<Grade>> {
        let mut stmt = self.conn.prepare(
            "SELECT g.turn_id, g.grade FROM turns f JOIN grades g ON g.turn_id = f.parent_id
             WHERE f.id = :follow_up
             ORDER BY g.created_at <= f.asked_at DESC,
                      CASE WHEN g.created_at <= f.asked_at THEN -g.id ELSE g.id END
             LIMIT 1",
        )?;
        let mut rows = stmt.query_map(named_params! { ":follow_up": follow_up }, |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        match rows.next().transpose()? {
            Some((parent, json)) => {
                Ok(Some(serde_json::from_str(&json).with_context(|| {
                    format!("stored grade of turn {parent} is unreadable")
                })?))
            }
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewTurn;
    use crate::store::fixtures::{grade, grade_with_feedback, turn, turn_at};

    #[test]
    fn the_latest_grade_wins_and_history_is_kept() {
        let store = Store::open_in_memory().unwrap();
        let s = store.start_session(1, &serde_json::json!({})).unwrap();
        let t = store.insert_turn(&turn(s, 1, "a lock")).unwrap();
        store.insert_grade(t, 3, &grade(40)).unwrap();
        store.insert_grade(t, 4, &grade(70)).unwrap();
        let turns = store.session_turns(s).unwrap();
        assert_eq!(turns[0].grade.as_ref().unwrap().score, 70);
        assert_eq!(
            store.sessions().unwrap()[0].scores.questions.mean,
            Some(70.0)
        );
        let n: i64 = store
            .conn
            .query_row("SELECT COUNT(*) FROM grades", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn a_follow_up_is_judged_by_its_parent_grade_when_it_was_asked() {
        let store = Store::open_in_memory().unwrap();
        let s = store.start_session(1, &serde_json::json!({})).unwrap();
        let parent = store
            .insert_turn(&turn_at(s, "concurrency", "threads share memory", 2))
            .unwrap();
        let follow_up = store
            .insert_turn(&NewTurn {
                parent_id: Some(parent),
                asked_at: 20,
                answered_at: 30,
                ..turn_at(s, "concurrency", "a lock", 20)
            })
            .unwrap();
        let feedback = |g: Option<Grade>| g.map(|g| g.feedback);
        assert_eq!(store.parent_grade_when_asked(follow_up).unwrap(), None);
        // Graded after the ask (a clock step back): the first grade is the nearest.
        store
            .insert_grade(parent, 25, &grade_with_feedback(40, "late"))
            .unwrap();
        assert_eq!(
            feedback(store.parent_grade_when_asked(follow_up).unwrap()),
            Some("late".into())
        );
        store
            .insert_grade(parent, 10, &grade_with_feedback(50, "first"))
            .unwrap();
        store
            .insert_grade(parent, 15, &grade_with_feedback(55, "disputed"))
            .unwrap();
        // A re-grade of the parent days later does not change what the follow-up asked.
        store
            .insert_grade(parent, 900, &grade_with_feedback(90, "regraded"))
            .unwrap();
        assert_eq!(
            feedback(store.parent_grade_when_asked(follow_up).unwrap()),
            Some("disputed".into())
        );
        assert_eq!(store.parent_grade_when_asked(parent).unwrap(), None);
    }

    #[test]
    fn regrade_targets_follow_the_selection_and_skip_skipped_turns() {
        let store = Store::open_in_memory().unwrap();
        let s1 = store.start_session(1, &serde_json::json!({})).unwrap();
        let graded = store.insert_turn(&turn_at(s1, "oop", "a", 10)).unwrap();
        store
            .insert_grade(graded, 11, &grade_with_feedback(40, ""))
            .unwrap();
        let ungraded = store.insert_turn(&turn_at(s1, "oop", "b", 20)).unwrap();
        let mut skipped = turn_at(s1, "oop", "", 30);
        skipped.skipped = true;
        store.insert_turn(&skipped).unwrap();
        let s2 = store.start_session(40, &serde_json::json!({})).unwrap();
        let later = store.insert_turn(&turn_at(s2, "oop", "c", 50)).unwrap();
        let ids = |sel: Selection| -> Vec<i64> {
            store
                .regrade_targets(&sel)
                .unwrap()
                .iter()
                .map(|t| t.turn_id)
                .collect()
        };
        assert_eq!(ids(Selection::All), vec![graded, ungraded, later]);
        assert_eq!(ids(Selection::Ungraded), vec![ungraded, later]);
        assert_eq!(ids(Selection::Session(s2)), vec![later]);
        assert_eq!(ids(Selection::Since(20)), vec![ungraded, later]);
        let t = store.regrade_target(graded).unwrap().unwrap();
        assert_eq!(t.previous, Some((40, true, "offline".to_string())));
    }
}
