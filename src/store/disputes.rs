//! The `disputes` table: a candidate's objections to a grade. One still pending flags its turn
//! for re-grading by a grader that can reconsider.

use anyhow::Result;
use rusqlite::named_params;
use serde::Serialize;

use super::Store;

/// Whether a dispute got a new grade or waits for a grader that can reconsider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DisputeStatus {
    Pending,
    Regraded,
}

impl DisputeStatus {
    fn as_str(self) -> &'static str {
        match self {
            DisputeStatus::Pending => "pending",
            DisputeStatus::Regraded => "regraded",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DisputeRecord {
    pub id: i64,
    pub turn_id: i64,
    pub created_at: i64,
    pub objection: String,
    /// Ids in `grades`: the grade disputed, and the re-grade (None while pending).
    pub grade_before: Option<i64>,
    pub grade_after: Option<i64>,
    pub status: DisputeStatus,
}

const DISPUTE_COLUMNS: &str =
    "id, turn_id, created_at, objection, grade_before, grade_after, status";

fn dispute(r: &rusqlite::Row) -> rusqlite::Result<DisputeRecord> {
    let status: String = r.get(6)?;
    Ok(DisputeRecord {
        id: r.get(0)?,
        turn_id: r.get(1)?,
        created_at: r.get(2)?,
        objection: r.get(3)?,
        grade_before: r.get(4)?,
        grade_after: r.get(5)?,
        status: if status == "regraded" {
            DisputeStatus::Regraded
        } else {
            DisputeStatus::Pending
        },
    })
}

impl Store {
    /// Records a candidate's objection to the grade `grade_before` of a turn, with the re-grade
    /// when there is one; without one the turn is flagged for re-grading.
    pub fn insert_dispute(
        &self,
        turn_id: i64,
        created_at: i64,
        objection: &str,
        grade_before: Option<i64>,
        grade_after: Option<i64>,
    ) -> Result<i64> {
        let status = if grade_after.is_some() {
            DisputeStatus::Regraded
        } else {
            DisputeStatus::Pending
        };
        self.conn.execute(
            "INSERT INTO disputes (turn_id, created_at, objection, grade_before, grade_after, status)
             VALUES (:turn_id, :created_at, :objection, :grade_before, :grade_after, :status)",
            named_params! {
                ":turn_id": turn_id,
                ":created_at": created_at,
                ":objection": objection,
                ":grade_before": grade_before,
                ":grade_after": grade_after,
                ":status": status.as_str(),
            },
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Disputes still waiting for a grader that can reconsider: the turns to re-grade.
    pub fn pending_disputes(&self) -> Result<Vec<DisputeRecord>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE status = 'pending' ORDER BY id"
        ))?;
        let rows = stmt.query_map([], dispute)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The disputes of one turn, oldest first.
    pub(super) fn turn_disputes(&self, turn_id: i64) -> Result<Vec<DisputeRecord>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {DISPUTE_COLUMNS} FROM disputes WHERE turn_id = :turn_id ORDER BY id"
        ))?;
        let rows = stmt.query_map(named_params! { ":turn_id": turn_id }, dispute)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{grade, turn};

    #[test]
    fn a_dispute_without_a_regrade_flags_the_turn() {
        let store = Store::open_in_memory().unwrap();
        let s = store.start_session(1, &serde_json::json!({})).unwrap();
        let t = store.insert_turn(&turn(s, 1, "a lock")).unwrap();
        let g1 = store.insert_grade(t, 3, &grade(40)).unwrap();
        assert_eq!(store.latest_grade_id(t).unwrap(), Some(g1));
        store
            .insert_dispute(t, 4, "I did explain it", Some(g1), None)
            .unwrap();
        let pending = store.pending_disputes().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].turn_id, t);
        let g2 = store.insert_grade(t, 5, &grade(60)).unwrap();
        store
            .insert_dispute(t, 6, "and the second point", Some(g1), Some(g2))
            .unwrap();
        assert_eq!(store.pending_disputes().unwrap().len(), 1);
        let turns = store.session_turns(s).unwrap();
        assert_eq!(turns[0].disputes.len(), 2);
        assert_eq!(turns[0].disputes[1].status, DisputeStatus::Regraded);
    }
}
