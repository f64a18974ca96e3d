//! The `sessions` table: one row per interview with its settings, and what is read per session
//! (summaries, totals over all sessions, the export of everything stored about one).

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use rusqlite::named_params;
use serde::Serialize;

use super::{SessionScores, Store, StoredGrade, TurnRecord};

#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    pub id: i64,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    /// Questions asked (follow-ups not counted).
    pub questions: u32,
    pub answered: u32,
    pub scores: SessionScores,
}

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

impl Store {
    pub fn start_session(&self, started_at: i64, settings: &serde_json::Value) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO sessions (started_at, settings) VALUES (:started_at, :settings)",
            named_params! { ":started_at": started_at, ":settings": settings.to_string() },
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn end_session(&self, id: i64, ended_at: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE sessions SET ended_at = :ended_at WHERE id = :id",
            named_params! { ":id": id, ":ended_at": ended_at },
        )?;
        Ok(())
    }

    /// Sessions, newest first.
    pub fn sessions(&self) -> Result<Vec<SessionSummary>> {
        self.sessions_where(&SessionFilter::default())
    }

    /// Sessions that started at or after `since` and asked a question of `topic`, newest first.
    pub fn sessions_where(&self, filter: &SessionFilter) -> Result<Vec<SessionSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.started_at, s.ended_at,
                    (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id AND t.parent_id IS NULL),
                    (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id AND t.parent_id IS NULL AND NOT t.skipped)
             FROM sessions s
             WHERE (:since IS NULL OR s.started_at >= :since) AND (:id IS NULL OR s.id = :id)
               AND (:topic IS NULL OR EXISTS (SELECT 1 FROM turns t WHERE t.session_id = s.id AND t.topic = :topic))
             ORDER BY s.id DESC",
        )?;
        let params = named_params! {
            ":since": filter.since,
            ":topic": filter.topic,
            ":id": filter.id,
        };
        let rows = stmt.query_map(params, |r| {
            Ok(SessionSummary {
                id: r.get(0)?,
                started_at: r.get(1)?,
                ended_at: r.get(2)?,
                questions: r.get(3)?,
                answered: r.get(4)?,
                scores: SessionScores::default(),
            })
        })?;
        let mut sessions = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        for s in &mut sessions {
            s.scores = self.session_scores(s.id)?;
        }
        Ok(sessions)
    }

    pub fn session(&self, id: i64) -> Result<Option<SessionSummary>> {
        let filter = SessionFilter {
            id: Some(id),
            ..SessionFilter::default()
        };
        Ok(self.sessions_where(&filter)?.into_iter().next())
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
        let settings: String = self.conn.query_row(
            "SELECT settings FROM sessions WHERE id = :id",
            named_params! { ":id": id },
            |r| r.get(0),
        )?;
        let mut grades: BTreeMap<i64, Vec<StoredGrade>> = BTreeMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT g.turn_id, g.id, g.created_at, g.grade FROM grades g
             JOIN turns t ON t.id = g.turn_id WHERE t.session_id = :session_id ORDER BY g.id",
        )?;
        let rows = stmt.query_map(named_params! { ":session_id": id }, |r| {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::turn_at as turn;

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
