//! The SQLite store: sessions, turns and their grades, deliveries and disputes, the full-text
//! index, the learner's snapshot and the model-call log, one module per table. The answer of a
//! turn is written before it is graded, in its own transaction, so a crash or a kill mid-session
//! loses no answered turn.

use std::path::Path;

use anyhow::{Context, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

mod calls;
mod deliveries;
mod disputes;
mod grades;
mod migrations;
mod recordings;
mod row;
mod scores;
mod search;
mod sessions;
mod snapshots;
mod turns;

#[cfg(test)]
mod fixtures;

pub use calls::StoredCall;
pub use deliveries::SessionDelivery;
pub use disputes::{DisputeRecord, DisputeStatus};
pub use grades::{QuestionGrade, RegradeTarget, Selection, StoredGrade};
pub use recordings::{NewRecording, PendingRecording, RecordingRecord, RecordingStatus};
pub use scores::{PromptResult, ScoreTally, SessionScores};
pub use search::SearchHit;
pub use sessions::{SessionExport, SessionFilter, SessionSummary, Totals, TurnExport};
pub use snapshots::SnapshotMark;
pub use turns::{AnswerRecord, NewTurn, TurnRecord};

/// How long an opener waits for another process's lock on the store.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct Store {
    conn: Connection,
    /// Opened read-only because this process may not write the file: reading commands work,
    /// the learner's snapshot (a cache) is not saved, and any other write fails saying so.
    read_only: bool,
}

/// Answers are private: a directory the store creates is readable by its owner only.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the store file owner-only (0600) when it does not exist yet; SQLite gives its WAL
/// and shared-memory files the same permissions. An existing file keeps its own.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other.map(drop),
    }
}

/// False only when the file exists and this process may not write it (its permissions, or a
/// read-only file system).
fn writable(path: &Path) -> bool {
    match std::fs::OpenOptions::new().write(true).open(path) {
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        ),
        Ok(_) => true,
    }
}

/// A path as the path of an SQLite `file:` URI.
fn uri_path(path: &Path) -> String {
    path.to_string_lossy()
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23")
}

impl Store {
    pub fn open(path: &Path) -> Result<Store> {
        if !writable(path) {
            return Store::open_read_only(path);
        }
        if let Some(dir) = path.parent() {
            create_private_dir(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        create_private_file(path).with_context(|| format!("cannot create {}", path.display()))?;
        let conn =
            Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        // The busy timeout comes first so that processes opening the store at once wait for each
        // other's lock, here and in the migrations, and lets `viva review` read while a session
        // writes. WAL with synchronous=NORMAL survives a killed process (not a power cut) without
        // an fsync per answer.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Switching a fresh file to WAL can report "database is locked" at once, without waiting,
        // while another process holds its first write lock; so it is retried until the timeout.
        let started = std::time::Instant::now();
        while let Err(e) = conn.pragma_update(None, "journal_mode", "WAL") {
            let busy = e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy);
            if !busy || started.elapsed() > BUSY_TIMEOUT {
                return Err(e).with_context(|| format!("cannot open the store {}", path.display()));
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Store::init(conn).with_context(|| format!("cannot prepare the store {}", path.display()))
    }

    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::migrate(&mut conn)?;
        Ok(Store {
            conn,
            read_only: false,
        })
    }

    /// A store file this process may not write, opened for reading. SQLite reads a WAL store
    /// only where it can create the shared-memory file; where it cannot (a read-only
    /// directory), the file is read as immutable, which is what it is to this process.
    fn open_read_only(path: &Path) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
        let uri = |query: &str| format!("file:{}?{query}", uri_path(path));
        let readable = |conn: Connection| {
            let store = Store {
                conn,
                read_only: true,
            };
            store.schema_version().map(|v| (store, v))
        };
        let (store, version) = Connection::open_with_flags(uri("mode=ro"), flags)
            .map_err(anyhow::Error::from)
            .and_then(readable)
            .or_else(|_| {
                Connection::open_with_flags(uri("immutable=1"), flags)
                    .map_err(anyhow::Error::from)
                    .and_then(readable)
            })
            .with_context(|| format!("cannot open the read-only store {}", path.display()))?;
        if version < migrations::MIGRATIONS.len() as i64 {
            anyhow::bail!(
                "the store {} is read-only, and this version of viva must upgrade it: make it writable",
                path.display()
            );
        }
        Ok(store)
    }

    /// True when the store was opened read-only (see `open_read_only`).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The schema version, for diagnostics and tests.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT MAX(version) FROM migrations", [], |r| {
                r.get::<_, Option<i64>>(0)
            })
            .optional()?
            .flatten()
            .unwrap_or(0))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::Store;

    #[test]
    fn a_new_store_and_its_directory_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let path = home.join("viva.db");
        let store = Store::open(&path).unwrap();
        store.start_session(1, &serde_json::json!({})).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&home), 0o700);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&home.join("viva.db-wal")), 0o600);
    }
}
