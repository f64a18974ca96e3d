//! Reading the history back for review, report, export and re-grading: filtered session lists,
//! full-text search, the latest attempt of every question, everything stored about a session, and
//! the turns a re-grade should grade again.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use rusqlite::params;
use serde::Serialize;

use super::{SessionSummary, Store, TurnRecord};
use crate::grade::Grade;

/// Which sessions `viva review list` shows; every field left empty lets everything through.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// Only sessions that asked a question of this topic.
    pub topic: Option<String>,
    /// Only sessions started at or after this instant (Unix ms).
    pub since: Option<i64>,
    /// Only this session.
    pub id: Option<i64>,
}

/// One answer that matched a search, with the matching words marked.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub session_id: i64,
    pub turn_id: i64,
    pub seq: u32,
    pub question_id: String,
    pub topic: String,
    pub answered_at: i64,
    pub answer: String,
    pub feedback: String,
}

/// The latest grade of one answered question (follow-ups and skips left out), for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    pub question_id: String,
    pub topic: String,
    pub answered_at: i64,
    pub score: u8,
    /// False when the grade was "not enough evidence" (stored with score 0).
    pub graded: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub sessions: i64,
    /// Questions answered (not skipped), follow-ups counted apart.
    pub answers: i64,
    pub follow_ups: i64,
    pub skipped: i64,
    /// Wall time of the sessions: start to end, or to the last answer of one never closed.
    pub practised_ms: i64,
}

/// Delivery summed over one session's answers, for the trend in `viva report`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionDelivery {
    pub session_id: i64,
    pub started_at: i64,
    pub answers: i64,
    pub words: i64,
    pub fillers_per_100: f64,
    pub hedges_per_100: f64,
    pub restarts: i64,
    /// Mean over the answers whose pace was measured.
    pub mean_wpm: Option<f64>,
}

/// A grade row: several per turn, the last one wins.
#[derive(Debug, Clone, Serialize)]
pub struct StoredGrade {
    pub id: i64,
    pub created_at: i64,
    pub grade: Grade,
}

/// Everything stored about a session, for `viva export`.
#[derive(Debug, Clone, Serialize)]
pub struct SessionExport {
    #[serde(flatten)]
    pub summary: SessionSummary,
    pub settings: serde_json::Value,
    pub turns: Vec<TurnExport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TurnExport {
    /// The turn with its latest grade in `grade`.
    #[serde(flatten)]
    pub turn: TurnRecord,
    /// Every grade of the turn, oldest first: re-grades keep the history.
    pub grades: Vec<StoredGrade>,
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
    /// The latest grade before the re-grade: (score, graded, grader).
    pub previous: Option<(u8, bool, String)>,
}

/// A search string as an FTS5 query: every word must occur. Each word is quoted, so that the
/// user's text is never read as FTS5 syntax (`AND`, `*`, `"` or `:` in an answer are just words).
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\""))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

const TARGET_COLUMNS: &str = "t.id, t.parent_id, t.question_id, t.topic, t.prompt, t.answer,
    g.score, g.outcome, g.grader";

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
    /// Answers and feedback matching every word of `text`, best match first.
    pub fn search(&self, text: &str, limit: usize) -> Result<Option<Vec<SearchHit>>> {
        let Some(query) = fts_query(text) else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare(
            "SELECT t.session_id, t.id, t.seq, t.question_id, t.topic, t.answered_at,
                    snippet(turns_fts, 0, '[', ']', '…', 16), snippet(turns_fts, 1, '[', ']', '…', 16)
             FROM turns_fts JOIN turns t ON t.id = turns_fts.rowid
             WHERE turns_fts MATCH ?1 ORDER BY rank LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![query, limit as i64], |r| {
            Ok(SearchHit {
                session_id: r.get(0)?,
                turn_id: r.get(1)?,
                seq: r.get(2)?,
                question_id: r.get(3)?,
                topic: r.get(4)?,
                answered_at: r.get(5)?,
                answer: r.get(6)?,
                feedback: r.get(7)?,
            })
        })?;
        Ok(Some(rows.collect::<rusqlite::Result<_>>()?))
    }

    /// The latest grade of every answered question turn, oldest first.
    ///
    /// Two scans of covering indexes joined here rather than in SQL: a per-turn lookup of the
    /// latest grade costs two B-tree searches per turn, which over 100,000 turns was most of
    /// `viva report`'s time. Neither the answers nor the grade JSON is read.
    pub fn attempts(&self) -> Result<Vec<Attempt>> {
        // (turn_id, score, graded) of each turn's latest grade, by turn: rows come in (turn_id,
        // id) order, so the last row of a turn is its latest grade.
        let mut latest: Vec<(i64, u8, bool)> = Vec::new();
        let mut stmt = self.conn.prepare(
            "SELECT turn_id, score, outcome = 'graded' FROM grades INDEXED BY grades_latest
             ORDER BY turn_id, id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let row = (r.get(0)?, r.get(1)?, r.get(2)?);
            match latest.last_mut() {
                Some(last) if last.0 == row.0 => *last = row,
                _ => latest.push(row),
            }
        }
        let mut stmt = self.conn.prepare(
            "SELECT id, question_id, topic, answered_at FROM turns INDEXED BY turns_timeline
             WHERE parent_id IS NULL AND skipped = 0 ORDER BY answered_at, id",
        )?;
        let mut rows = stmt.query([])?;
        let mut attempts = Vec::with_capacity(latest.len());
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let Ok(at) = latest.binary_search_by_key(&id, |l| l.0) else {
                continue;
            };
            attempts.push(Attempt {
                question_id: r.get(1)?,
                topic: r.get(2)?,
                answered_at: r.get(3)?,
                score: latest[at].1,
                graded: latest[at].2,
            });
        }
        Ok(attempts)
    }

    /// Delivery per session for the latest `sessions` sessions with measured answers, oldest
    /// first. Summed from the numeric columns in SQL rather than from the metrics JSON, and only
    /// over those sessions' turns, so the report stays fast on a long history.
    pub fn delivery_by_session(&self, sessions: usize) -> Result<Vec<SessionDelivery>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.started_at, COUNT(*), SUM(d.words), SUM(d.fillers), SUM(d.hedges),
                    SUM(d.restarts), AVG(d.wpm)
             FROM sessions s JOIN turns t ON t.session_id = s.id JOIN delivery d ON d.turn_id = t.id
             WHERE s.id IN (
                 SELECT id FROM sessions s2
                 WHERE EXISTS (SELECT 1 FROM turns t2 JOIN delivery d2 ON d2.turn_id = t2.id
                               WHERE t2.session_id = s2.id)
                 ORDER BY started_at DESC, id DESC LIMIT ?1)
             GROUP BY s.id ORDER BY s.started_at, s.id",
        )?;
        let rows = stmt.query_map([sessions as i64], |r| {
            let words: i64 = r.get(3)?;
            let per_100 = |n: i64| {
                if words > 0 {
                    n as f64 * 100.0 / words as f64
                } else {
                    0.0
                }
            };
            Ok(SessionDelivery {
                session_id: r.get(0)?,
                started_at: r.get(1)?,
                answers: r.get(2)?,
                words,
                fillers_per_100: per_100(r.get(4)?),
                hedges_per_100: per_100(r.get(5)?),
                restarts: r.get(6)?,
                mean_wpm: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn totals(&self) -> Result<Totals> {
        // Two ranges of the turns_timeline index (questions, follow-ups), each counted per
        // `skipped` in index order: no row is read and nothing is sorted.
        let (mut answers, mut follow_ups, mut skipped) = (0, 0, 0);
        for (condition, answered) in [
            ("parent_id IS NULL", &mut answers),
            ("parent_id IS NOT NULL", &mut follow_ups),
        ] {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT skipped, COUNT(*) FROM turns INDEXED BY turns_timeline
                 WHERE {condition} GROUP BY skipped"
            ))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let n: i64 = r.get(1)?;
                if r.get::<_, bool>(0)? {
                    skipped += n;
                } else {
                    *answered += n;
                }
            }
        }
        let (sessions, practised_ms): (i64, i64) = self.conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(MAX(0, COALESCE(s.ended_at,
                    (SELECT MAX(answered_at) FROM turns WHERE session_id = s.id), s.started_at)
                    - s.started_at)), 0)
             FROM sessions s",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(Totals {
            sessions,
            answers,
            follow_ups,
            skipped,
            practised_ms,
        })
    }

    /// A session with every turn and every grade, or None when there is no such session.
    pub fn session_export(&self, id: i64) -> Result<Option<SessionExport>> {
        let Some(summary) = self.session(id)? else {
            return Ok(None);
        };
        let settings: String =
            self.conn
                .query_row("SELECT settings FROM sessions WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
        let mut grades: BTreeMap<i64, Vec<StoredGrade>> = BTreeMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT g.turn_id, g.id, g.created_at, g.grade FROM grades g
             JOIN turns t ON t.id = g.turn_id WHERE t.session_id = ?1 ORDER BY g.id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (turn_id, grade_id, created_at, json) = row?;
            let grade = serde_json::from_str(&json)
                .with_context(|| format!("stored grade {grade_id} is unreadable"))?;
            grades.entry(turn_id).or_default().push(StoredGrade {
                id: grade_id,
                created_at,
                grade,
            });
        }
        let turns = self
            .session_turns(id)?
            .into_iter()
            .map(|turn| TurnExport {
                grades: grades.remove(&turn.id).unwrap_or_default(),
                turn,
            })
            .collect();
        Ok(Some(SessionExport {
            summary,
            settings: serde_json::from_str(&settings).unwrap_or(serde_json::Value::Null),
            turns,
        }))
    }

    /// The ids of all sessions, oldest first.
    pub fn session_ids(&self) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare("SELECT id FROM sessions ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The answered turns a re-grade covers, in the order they were answered.
    pub fn regrade_targets(&self, selection: &Selection) -> Result<Vec<RegradeTarget>> {
        let (condition, arg) = match selection {
            Selection::Session(id) => ("t.session_id = ?1", Some(*id)),
            Selection::Since(ms) => ("t.answered_at >= ?1", Some(*ms)),
            Selection::All => ("1", None),
            Selection::Ungraded => ("g.id IS NULL", None),
        };
        let sql = format!(
            "SELECT {TARGET_COLUMNS} FROM turns t
             LEFT JOIN grades g ON g.id = (SELECT MAX(id) FROM grades WHERE turn_id = t.id)
             WHERE NOT t.skipped AND ({condition}) ORDER BY t.answered_at, t.id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = match arg {
            Some(a) => stmt.query_map([a], target)?,
            None => stmt.query_map([], target)?,
        };
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One answered turn as a re-grade target, for results that name it (batch files).
    pub fn regrade_target(&self, turn_id: i64) -> Result<Option<RegradeTarget>> {
        let sql = format!(
            "SELECT {TARGET_COLUMNS} FROM turns t
             LEFT JOIN grades g ON g.id = (SELECT MAX(id) FROM grades WHERE turn_id = t.id)
             WHERE NOT t.skipped AND t.id = ?1"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query_map([turn_id], target)?;
        Ok(rows.next().transpose()?)
    }

    /// The grade the parent of follow-up turn `follow_up` had when the follow-up was asked: its
    /// latest grade created by then (a later re-grade of the parent did not shape the
    /// follow-up), else its first. None when the turn has no graded parent.
    pub fn parent_grade_when_asked(&self, follow_up: i64) -> Result<Option<Grade>> {
        let mut stmt = self.conn.prepare(
            "SELECT g.turn_id, g.grade FROM turns f JOIN grades g ON g.turn_id = f.parent_id
             WHERE f.id = ?1
             ORDER BY g.created_at <= f.asked_at DESC,
                      CASE WHEN g.created_at <= f.asked_at THEN -g.id ELSE g.id END
             LIMIT 1",
        )?;
        let mut rows = stmt.query_map([follow_up], |r| {
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
    use crate::grade::Outcome;
    use crate::store::NewTurn;

    fn grade(score: u8, feedback: &str) -> Grade {
        Grade {
            feedback: feedback.into(),
            ..Grade::bare(score, Outcome::Graded)
        }
    }

    fn turn<'a>(session_id: i64, topic: &'a str, answer: &'a str, at: i64) -> NewTurn<'a> {
        NewTurn {
            session_id,
            parent_id: None,
            retry_of: None,
            seq: 1,
            question_id: "q",
            topic,
            kind: "concept",
            difficulty: "easy",
            prompt: "p",
            answer,
            skipped: false,
            hints: 0,
            asked_at: at,
            answered_at: at,
        }
    }

    #[test]
    fn a_follow_up_is_judged_by_its_parent_grade_when_it_was_asked() {
        let store = Store::open_in_memory().unwrap();
        let s = store.start_session(1, &serde_json::json!({})).unwrap();
        let parent = store
            .insert_turn(&turn(s, "concurrency", "threads share memory", 2))
            .unwrap();
        let follow_up = store
            .insert_turn(&NewTurn {
                parent_id: Some(parent),
                asked_at: 20,
                answered_at: 30,
                ..turn(s, "concurrency", "a lock", 20)
            })
            .unwrap();
        let feedback = |g: Option<Grade>| g.map(|g| g.feedback);
        assert_eq!(store.parent_grade_when_asked(follow_up).unwrap(), None);
        // Graded after the ask (a clock step back): the first grade is the nearest.
        store.insert_grade(parent, 25, &grade(40, "late")).unwrap();
        assert_eq!(
            feedback(store.parent_grade_when_asked(follow_up).unwrap()),
            Some("late".into())
        );
        store.insert_grade(parent, 10, &grade(50, "first")).unwrap();
        store
            .insert_grade(parent, 15, &grade(55, "disputed"))
            .unwrap();
        // A re-grade of the parent days later does not change what the follow-up asked.
        store
            .insert_grade(parent, 900, &grade(90, "regraded"))
            .unwrap();
        assert_eq!(
            feedback(store.parent_grade_when_asked(follow_up).unwrap()),
            Some("disputed".into())
        );
        assert_eq!(store.parent_grade_when_asked(parent).unwrap(), None);
    }

    #[test]
    fn search_finds_answers_and_the_latest_feedback_and_reads_syntax_as_words() {
        let store = Store::open_in_memory().unwrap();
        let s = store.start_session(1, &serde_json::json!({})).unwrap();
        let a = store
            .insert_turn(&turn(s, "concurrency", "the GIL is a mutex", 2))
            .unwrap();
        let b = store
            .insert_turn(&turn(s, "oop", "dunder methods AND* \"quotes\"", 3))
            .unwrap();
        store
            .insert_grade(a, 4, &grade(50, "mention processes"))
            .unwrap();
        store
            .insert_grade(a, 5, &grade(60, "mention asyncio"))
            .unwrap();
        let hits = |q: &str| -> Vec<i64> {
            store
                .search(q, 10)
                .unwrap()
                .unwrap()
                .iter()
                .map(|h| h.turn_id)
                .collect()
        };
        assert_eq!(hits("mutex"), vec![a]);
        assert_eq!(hits("asyncio"), vec![a], "the latest feedback is indexed");
        assert!(hits("processes").is_empty(), "superseded feedback is not");
        assert_eq!(hits("AND* \"quotes"), vec![b]);
        assert!(store.search(" * ", 10).unwrap().is_none());
        let hit = &store.search("mutex", 10).unwrap().unwrap()[0];
        assert_eq!(hit.answer, "the GIL is a [mutex]");
    }

    #[test]
    fn the_search_index_is_built_for_turns_stored_before_it_existed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("viva.db");
        {
            // A store at schema 1, as the previous release left it.
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
                 INSERT INTO migrations VALUES (1, 0);",
            )
            .unwrap();
            conn.execute_batch(super::super::MIGRATIONS[0]).unwrap();
            conn.execute_batch(
                "INSERT INTO sessions (id, started_at, settings) VALUES (1, 0, '{}');
                 INSERT INTO turns (id, session_id, seq, question_id, topic, kind, difficulty, prompt,
                                    answer, asked_at, answered_at)
                 VALUES (7, 1, 1, 'q', 't', 'concept', 'easy', 'p', 'generators are lazy', 0, 0);
                 INSERT INTO grades (turn_id, created_at, grader, score, outcome, grade)
                 VALUES (7, 0, 'offline', 50, 'graded', '{\"feedback\": \"say yield\"}');",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let found = |q: &str| store.search(q, 5).unwrap().unwrap().len();
        assert_eq!(found("lazy generators"), 1);
        assert_eq!(found("yield"), 1);
    }

    #[test]
    fn sessions_filter_by_topic_and_start() {
        let store = Store::open_in_memory().unwrap();
        let old = store.start_session(1_000, &serde_json::json!({})).unwrap();
        store
            .insert_turn(&turn(old, "oop", "classes", 1_000))
            .unwrap();
        let new = store.start_session(5_000, &serde_json::json!({})).unwrap();
        store
            .insert_turn(&turn(new, "concurrency", "threads", 5_000))
            .unwrap();
        let ids = |f: SessionFilter| -> Vec<i64> {
            store
                .sessions_where(&f)
                .unwrap()
                .iter()
                .map(|s| s.id)
                .collect()
        };
        assert_eq!(ids(SessionFilter::default()), vec![new, old]);
        let oop = SessionFilter {
            topic: Some("oop".into()),
            ..SessionFilter::default()
        };
        assert_eq!(ids(oop), vec![old]);
        let recent = SessionFilter {
            since: Some(2_000),
            ..SessionFilter::default()
        };
        assert_eq!(ids(recent), vec![new]);
    }

    #[test]
    fn regrade_targets_follow_the_selection_and_skip_skipped_turns() {
        let store = Store::open_in_memory().unwrap();
        let s1 = store.start_session(1, &serde_json::json!({})).unwrap();
        let graded = store.insert_turn(&turn(s1, "oop", "a", 10)).unwrap();
        store.insert_grade(graded, 11, &grade(40, "")).unwrap();
        let ungraded = store.insert_turn(&turn(s1, "oop", "b", 20)).unwrap();
        let mut skipped = turn(s1, "oop", "", 30);
        skipped.skipped = true;
        store.insert_turn(&skipped).unwrap();
        let s2 = store.start_session(40, &serde_json::json!({})).unwrap();
        let later = store.insert_turn(&turn(s2, "oop", "c", 50)).unwrap();
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

    #[test]
    fn totals_count_answers_and_session_time() {
        let store = Store::open_in_memory().unwrap();
        let s = store.start_session(1_000, &serde_json::json!({})).unwrap();
        store.insert_turn(&turn(s, "oop", "a", 4_000)).unwrap();
        // An unclosed session counts until its last answer.
        let open = store.start_session(10_000, &serde_json::json!({})).unwrap();
        store.insert_turn(&turn(open, "oop", "b", 12_000)).unwrap();
        store.end_session(s, 61_000).unwrap();
        let t = store.totals().unwrap();
        assert_eq!(t.sessions, 2);
        assert_eq!(t.answers, 2);
        assert_eq!(t.practised_ms, 60_000 + 2_000);
    }
}
