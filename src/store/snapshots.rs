//! The `learner_snapshot` table: the learner's state after a replay, a cache with one row, and
//! the marks that say how far the history it covers reaches.

use anyhow::Result;
use rusqlite::{OptionalExtension, named_params};

use super::Store;

/// How far the store's history reaches: the highest turn id and grade id. A learner snapshot
/// is taken at one mark and resumed at a later one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotMark {
    pub turn: i64,
    pub grade: i64,
}

impl Store {
    /// The history's reach now.
    pub fn snapshot_mark(&self) -> Result<SnapshotMark> {
        Ok(self.conn.query_row(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM turns),
                    (SELECT COALESCE(MAX(id), 0) FROM grades)",
            [],
            |r| {
                Ok(SnapshotMark {
                    turn: r.get(0)?,
                    grade: r.get(1)?,
                })
            },
        )?)
    }

    /// The saved learner snapshot and the mark it was taken at.
    pub fn learner_snapshot(&self) -> Result<Option<(SnapshotMark, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT turn_id, grade_id, state FROM learner_snapshot WHERE id = 1",
                [],
                |r| {
                    Ok((
                        SnapshotMark {
                            turn: r.get(0)?,
                            grade: r.get(1)?,
                        },
                        r.get(2)?,
                    ))
                },
            )
            .optional()?)
    }

    /// Saves the cache; a read-only store goes without it.
    pub fn save_learner_snapshot(&self, mark: &SnapshotMark, state: &str) -> Result<()> {
        if self.is_read_only() {
            return Ok(());
        }
        self.conn.execute(
            "INSERT OR REPLACE INTO learner_snapshot (id, turn_id, grade_id, state)
             VALUES (1, :turn_id, :grade_id, :state)",
            named_params! { ":turn_id": mark.turn, ":grade_id": mark.grade, ":state": state },
        )?;
        Ok(())
    }

    /// Whether a turn at or below `mark` got a grade after it (a regrade, a dispute, a grade
    /// that came late).
    pub fn regraded_since(&self, mark: &SnapshotMark) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM grades WHERE id > :grade_id AND turn_id <= :turn_id)",
            named_params! { ":grade_id": mark.grade, ":turn_id": mark.turn },
            |r| r.get(0),
        )?)
    }
}
