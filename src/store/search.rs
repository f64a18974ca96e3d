//! The `turns_fts` full-text index over answers and their latest feedback, kept in step with
//! `turns` and `grades` by the triggers of its migration.

use anyhow::Result;
use rusqlite::named_params;
use serde::Serialize;

use super::Store;

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
             WHERE turns_fts MATCH :query ORDER BY rank LIMIT :limit",
        )?;
        let rows = stmt.query_map(
            named_params! { ":query": query, ":limit": limit as i64 },
            |r| {
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
            },
        )?;
        Ok(Some(rows.collect::<rusqlite::Result<_>>()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{grade_with_feedback as grade, turn_at as turn};

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
            conn.execute_batch(crate::store::migrations::MIGRATIONS[0])
                .unwrap();
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
}
