//! Schema changes, one `.sql` file each, applied in order; the position in `MIGRATIONS` + 1 is
//! the version recorded in the `migrations` table. Never edit a released migration: add a file
//! and its line at the end of the list.

use anyhow::{Context, Result};
use rusqlite::{Connection, TransactionBehavior, named_params};

pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("0001_sessions_turns_grades.sql"),
    include_str!("0002_turns_search.sql"),
    include_str!("0003_delivery_disputes_retries.sql"),
    include_str!("0004_history_indexes.sql"),
    include_str!("0005_replay_index.sql"),
    include_str!("0006_learner_snapshot.sql"),
    include_str!("0007_calls.sql"),
    include_str!("0008_self_grades.sql"),
    include_str!("0009_recordings.sql"),
];

/// Brings the schema up to date, one migration per transaction. Each transaction takes the write
/// lock before it reads the version (`BEGIN IMMEDIATE`), so processes opening a fresh store at
/// once apply every migration exactly once instead of racing to create the same tables.
pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )?;
        let current: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM migrations",
            [],
            |r| r.get(0),
        )?;
        if current > MIGRATIONS.len() as i64 {
            anyhow::bail!(
                "the store was written by a newer viva (schema {current}, this build knows {})",
                MIGRATIONS.len()
            );
        }
        let Some(sql) = MIGRATIONS.get(current as usize) else {
            return Ok(());
        };
        let version = current + 1;
        tx.execute_batch(sql)
            .with_context(|| format!("migration {version}"))?;
        tx.execute(
            "INSERT INTO migrations (version, applied_at) VALUES (:version, :applied_at)",
            named_params! { ":version": version, ":applied_at": crate::clock::now_ms() },
        )?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;
    use crate::store::Store;

    #[test]
    fn migrations_run_once_and_reopen_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("viva.db");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        let id = store.start_session(1, &serde_json::json!({})).unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.sessions().unwrap()[0].id, id);
    }

    #[test]
    fn processes_opening_a_fresh_store_at_once_migrate_it_once() {
        for _ in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("viva.db");
            let start = std::sync::Barrier::new(4);
            std::thread::scope(|s| {
                let openers: Vec<_> = (0..4)
                    .map(|_| {
                        s.spawn(|| {
                            start.wait();
                            Store::open(&path).map(|store| store.schema_version().unwrap())
                        })
                    })
                    .collect();
                for opener in openers {
                    let version = opener.join().unwrap().unwrap();
                    assert_eq!(version, MIGRATIONS.len() as i64);
                }
            });
        }
    }
}
