//! The SQLite store: sessions, turns and their grades. The answer of a turn is written before it
//! is graded, in its own transaction, so a crash or a kill mid-session loses no answered turn.

use std::path::Path;

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::delivery::{self, Delivery, TrendPoint};
use crate::grade::Grade;

mod history;

pub use history::{
    Attempt, RegradeTarget, SearchHit, Selection, SessionDelivery, SessionExport, SessionFilter,
    StoredGrade, Totals, TurnExport,
};

/// Schema changes, applied in order; the index + 1 is the version recorded in `migrations`.
/// Never edit a released migration: add a new one.
const MIGRATIONS: &[&str] = &[
    // 1: sessions, turns (a follow-up points at its parent turn), grades (several per turn).
    "CREATE TABLE sessions (
        id          INTEGER PRIMARY KEY,
        started_at  INTEGER NOT NULL,
        ended_at    INTEGER,
        settings    TEXT NOT NULL
    );
    CREATE TABLE turns (
        id           INTEGER PRIMARY KEY,
        session_id   INTEGER NOT NULL REFERENCES sessions(id),
        parent_id    INTEGER REFERENCES turns(id),
        seq          INTEGER NOT NULL,
        question_id  TEXT NOT NULL,
        topic        TEXT NOT NULL,
        kind         TEXT NOT NULL,
        difficulty   TEXT NOT NULL,
        prompt       TEXT NOT NULL,
        answer       TEXT NOT NULL,
        skipped      INTEGER NOT NULL DEFAULT 0,
        hints        INTEGER NOT NULL DEFAULT 0,
        asked_at     INTEGER NOT NULL,
        answered_at  INTEGER NOT NULL
    );
    CREATE INDEX turns_session ON turns(session_id, seq);
    CREATE INDEX turns_question ON turns(question_id);
    CREATE TABLE grades (
        id          INTEGER PRIMARY KEY,
        turn_id     INTEGER NOT NULL REFERENCES turns(id),
        created_at  INTEGER NOT NULL,
        grader      TEXT NOT NULL,
        model       TEXT,
        score       INTEGER NOT NULL,
        outcome     TEXT NOT NULL,
        grade       TEXT NOT NULL
    );
    CREATE INDEX grades_turn ON grades(turn_id, id);",
    // 2: full-text search over answers and their latest feedback (`viva review search`), kept in
    // step by triggers so that no writer has to know about it; filled from what is stored.
    "CREATE VIRTUAL TABLE turns_fts USING fts5(answer, feedback, tokenize = 'porter unicode61');
    INSERT INTO turns_fts (rowid, answer, feedback)
        SELECT t.id, t.answer, COALESCE((SELECT json_extract(g.grade, '$.feedback') FROM grades g
                                         WHERE g.turn_id = t.id ORDER BY g.id DESC LIMIT 1), '')
        FROM turns t;
    CREATE TRIGGER turns_fts_turn AFTER INSERT ON turns BEGIN
        INSERT INTO turns_fts (rowid, answer, feedback) VALUES (NEW.id, NEW.answer, '');
    END;
    CREATE TRIGGER turns_fts_grade AFTER INSERT ON grades BEGIN
        UPDATE turns_fts SET feedback = COALESCE(json_extract(NEW.grade, '$.feedback'), '')
        WHERE rowid = NEW.turn_id;
    END;
    CREATE INDEX turns_answered ON turns(answered_at);",
    // 3: delivery per turn (speech), disputes about a grade, retries of a question. A retry is
    // a child turn (`parent_id`, so it is not counted as a question) with `retry_of` set to the
    // attempt it repeats; a follow-up has `retry_of` NULL. A dispute with status 'pending' flags
    // its turn for re-grading.
    "CREATE TABLE delivery (
        turn_id          INTEGER PRIMARY KEY REFERENCES turns(id),
        words            INTEGER NOT NULL,
        fillers          INTEGER NOT NULL,
        fillers_per_100  REAL NOT NULL,
        hedges           INTEGER NOT NULL,
        restarts         INTEGER NOT NULL,
        wpm              REAL,
        metrics          TEXT NOT NULL
    );
    CREATE TABLE disputes (
        id            INTEGER PRIMARY KEY,
        turn_id       INTEGER NOT NULL REFERENCES turns(id),
        created_at    INTEGER NOT NULL,
        objection     TEXT NOT NULL,
        grade_before  INTEGER REFERENCES grades(id),
        grade_after   INTEGER REFERENCES grades(id),
        status        TEXT NOT NULL CHECK (status IN ('pending', 'regraded'))
    );
    CREATE INDEX disputes_turn ON disputes(turn_id, id);
    ALTER TABLE turns ADD COLUMN retry_of INTEGER REFERENCES turns(id);",
    // 4: covering indexes for questions asked of the whole history (the report, a learner replay):
    // the latest grade of a turn with its score and outcome, without reading the grade JSON; the
    // answered turns in time order, without reading prompts and answers. The first makes the
    // old (turn_id, id) index redundant.
    "CREATE INDEX grades_latest ON grades(turn_id, id, score, outcome);
    DROP INDEX grades_turn;
    CREATE INDEX turns_timeline ON turns(parent_id, skipped, answered_at, id, question_id, topic);",
    // 5: a covering index for the learner's replay (`answer_records`, run at every start):
    // without it the scan reads each turn's row past its prompt and answer, and on a long
    // history that was most of the start-up time.
    "CREATE INDEX turns_replay ON turns(retry_of, answered_at, id, parent_id, question_id, topic,
                                       difficulty, skipped);",
    // 6: the learner's state after a replay (`learner::snapshot`), a cache with one row: the
    // highest turn and grade ids it covers, and the state as JSON.
    "CREATE TABLE learner_snapshot (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        turn_id    INTEGER NOT NULL,
        grade_id   INTEGER NOT NULL,
        state      TEXT NOT NULL
    );",
];

pub struct Store {
    conn: Connection,
}

/// A turn as the session engine hands it over, before grading.
#[derive(Debug, Clone)]
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

#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    pub id: i64,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    /// Questions asked (follow-ups not counted).
    pub questions: u32,
    pub answered: u32,
    /// Mean of the latest scores of the graded turns.
    pub mean_score: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
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
    pub skipped: bool,
    pub hints: u32,
    pub asked_at: i64,
    pub answered_at: i64,
    /// The latest grade, if the turn was graded.
    pub grade: Option<Grade>,
    pub retry_of: Option<i64>,
    /// How the answer was said (not stored for skipped turns).
    pub delivery: Option<Delivery>,
    pub disputes: Vec<DisputeRecord>,
}

/// How far the store's history reaches: the highest turn id and grade id. A learner snapshot
/// is taken at one mark and resumed at a later one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotMark {
    pub turn: i64,
    pub grade: i64,
}

/// One asked question as the learner replays it: the question turn with its follow-ups counted
/// once, carrying the latest grade given to any turn of the thread (regrades included).
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRecord {
    pub question_id: String,
    pub topic: String,
    pub difficulty: String,
    pub skipped: bool,
    /// The latest grade's score; None when no turn of the thread was graded.
    pub score: Option<u8>,
    /// The latest grade's outcome was `graded` (not insufficient evidence).
    pub graded: bool,
    pub answered_at: i64,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let conn =
            Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        // WAL with synchronous=NORMAL survives a killed process (not a power cut) without an fsync
        // per answer; the busy timeout lets `viva review` read while a session writes.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Store::init(conn).with_context(|| format!("cannot prepare the store {}", path.display()))
    }

    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )?;
        let current: i64 = conn.query_row(
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
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(sql)
                .with_context(|| format!("migration {}", i + 1))?;
            tx.execute(
                "INSERT INTO migrations (version, applied_at) VALUES (?1, ?2)",
                params![i as i64 + 1, crate::clock::now_ms()],
            )?;
            tx.commit()?;
        }
        Ok(Store { conn })
    }

    pub fn start_session(&self, started_at: i64, settings: &serde_json::Value) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO sessions (started_at, settings) VALUES (?1, ?2)",
            params![started_at, settings.to_string()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn end_session(&self, id: i64, ended_at: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE sessions SET ended_at = ?2 WHERE id = ?1",
            params![id, ended_at],
        )?;
        Ok(())
    }

    pub fn insert_turn(&self, t: &NewTurn) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO turns (session_id, parent_id, seq, question_id, topic, kind, difficulty, prompt,
                                answer, skipped, hints, asked_at, answered_at, retry_of)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                t.session_id, t.parent_id, t.seq, t.question_id, t.topic, t.kind, t.difficulty,
                t.prompt, t.answer, t.skipped, t.hints, t.asked_at, t.answered_at, t.retry_of
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn insert_grade(&self, turn_id: i64, created_at: i64, grade: &Grade) -> Result<i64> {
        let outcome = serde_json::to_value(grade.outcome)?;
        self.conn.execute(
            "INSERT INTO grades (turn_id, created_at, grader, model, score, outcome, grade)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                turn_id,
                created_at,
                grade.grader,
                grade.model,
                grade.score,
                outcome.as_str(),
                serde_json::to_string(grade)?
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn insert_delivery(&self, turn_id: i64, d: &Delivery) -> Result<()> {
        self.conn.execute(
            "INSERT INTO delivery (turn_id, words, fillers, fillers_per_100, hedges, restarts, wpm, metrics)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                turn_id,
                d.words,
                d.fillers,
                d.fillers_per_100,
                d.hedges,
                d.restarts,
                d.wpm,
                serde_json::to_string(d)?
            ],
        )?;
        Ok(())
    }

    /// The id of a turn's latest grade.
    pub fn latest_grade_id(&self, turn_id: i64) -> Result<Option<i64>> {
        Ok(self.conn.query_row(
            "SELECT MAX(id) FROM grades WHERE turn_id = ?1",
            [turn_id],
            |r| r.get(0),
        )?)
    }

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
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![turn_id, created_at, objection, grade_before, grade_after, status.as_str()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn disputes_where(&self, filter: &str, arg: Option<i64>) -> Result<Vec<DisputeRecord>> {
        let sql = format!(
            "SELECT id, turn_id, created_at, objection, grade_before, grade_after, status
             FROM disputes WHERE {filter} ORDER BY id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let map = |r: &rusqlite::Row| {
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
        };
        let rows = match arg {
            Some(a) => stmt
                .query_map([a], map)?
                .collect::<rusqlite::Result<Vec<_>>>(),
            None => stmt
                .query_map([], map)?
                .collect::<rusqlite::Result<Vec<_>>>(),
        };
        Ok(rows?)
    }

    /// Disputes still waiting for a grader that can reconsider: the turns to re-grade.
    pub fn pending_disputes(&self) -> Result<Vec<DisputeRecord>> {
        self.disputes_where("status = 'pending'", None)
    }

    /// Delivery per session over time, oldest first; sessions without answers are left out.
    /// This is the trend `viva report` shows next to the scores.
    pub fn delivery_trend(&self) -> Result<Vec<TrendPoint>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.started_at, d.metrics FROM sessions s
             JOIN turns t ON t.session_id = s.id JOIN delivery d ON d.turn_id = t.id
             ORDER BY s.started_at, s.id, t.seq, t.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut sessions: Vec<(i64, i64, Vec<Delivery>)> = Vec::new();
        for row in rows {
            let (id, started_at, json) = row?;
            let d: Delivery = serde_json::from_str(&json)
                .with_context(|| format!("stored delivery of session {id} is unreadable"))?;
            match sessions.last_mut() {
                Some((last, _, ds)) if *last == id => ds.push(d),
                _ => sessions.push((id, started_at, vec![d])),
            }
        }
        Ok(sessions
            .into_iter()
            .filter_map(|(session_id, started_at, ds)| {
                delivery::summarize(&ds).map(|delivery| TrendPoint {
                    session_id,
                    started_at,
                    delivery,
                })
            })
            .collect())
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
                    (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id AND t.parent_id IS NULL AND NOT t.skipped),
                    (SELECT AVG(g.score) FROM turns t JOIN grades g ON g.id =
                        (SELECT MAX(id) FROM grades WHERE turn_id = t.id)
                     WHERE t.session_id = s.id AND g.outcome = 'graded')
             FROM sessions s
             WHERE (?1 IS NULL OR s.started_at >= ?1) AND (?3 IS NULL OR s.id = ?3)
               AND (?2 IS NULL OR EXISTS (SELECT 1 FROM turns t WHERE t.session_id = s.id AND t.topic = ?2))
             ORDER BY s.id DESC",
        )?;
        let rows = stmt.query_map(params![filter.since, filter.topic, filter.id], |r| {
            Ok(SessionSummary {
                id: r.get(0)?,
                started_at: r.get(1)?,
                ended_at: r.get(2)?,
                questions: r.get(3)?,
                answered: r.get(4)?,
                mean_score: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn session(&self, id: i64) -> Result<Option<SessionSummary>> {
        let filter = SessionFilter {
            id: Some(id),
            ..SessionFilter::default()
        };
        Ok(self.sessions_where(&filter)?.into_iter().next())
    }

    /// One session's turns in order, each with its latest grade.
    pub fn session_turns(&self, session_id: i64) -> Result<Vec<TurnRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT t.id, t.parent_id, t.seq, t.question_id, t.topic, t.kind, t.difficulty, t.prompt,
                    t.answer, t.skipped, t.hints, t.asked_at, t.answered_at,
                    (SELECT grade FROM grades WHERE turn_id = t.id ORDER BY id DESC LIMIT 1),
                    t.retry_of, d.metrics
             FROM turns t LEFT JOIN delivery d ON d.turn_id = t.id
             WHERE t.session_id = ?1 ORDER BY t.seq, t.id",
        )?;
        let rows = stmt.query_map([session_id], |r| {
            let grade: Option<String> = r.get(13)?;
            let delivery: Option<String> = r.get(15)?;
            Ok((
                TurnRecord {
                    id: r.get(0)?,
                    parent_id: r.get(1)?,
                    seq: r.get(2)?,
                    question_id: r.get(3)?,
                    topic: r.get(4)?,
                    kind: r.get(5)?,
                    difficulty: r.get(6)?,
                    prompt: r.get(7)?,
                    answer: r.get(8)?,
                    skipped: r.get(9)?,
                    hints: r.get(10)?,
                    asked_at: r.get(11)?,
                    answered_at: r.get(12)?,
                    grade: None,
                    retry_of: r.get(14)?,
                    delivery: None,
                    disputes: Vec::new(),
                },
                grade,
                delivery,
            ))
        })?;
        let mut turns = Vec::new();
        for row in rows {
            let (mut turn, grade, delivery) = row?;
            if let Some(json) = delivery {
                turn.delivery = Some(serde_json::from_str(&json).with_context(|| {
                    format!("stored delivery of turn {} is unreadable", turn.id)
                })?);
            }
            turn.disputes = self.disputes_where("turn_id = ?1", Some(turn.id))?;
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

    /// Every asked question, oldest first, for the learner's replay (see `AnswerRecord`).
    pub fn answer_records(&self) -> Result<Vec<AnswerRecord>> {
        let all = SnapshotMark {
            turn: i64::MAX,
            grade: i64::MAX,
        };
        Ok(self.answer_records_between(0, &all)?.unwrap_or_default())
    }

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

    pub fn save_learner_snapshot(&self, mark: &SnapshotMark, state: &str) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO learner_snapshot (id, turn_id, grade_id, state)
             VALUES (1, ?1, ?2, ?3)",
            params![mark.turn, mark.grade, state],
        )?;
        Ok(())
    }

    /// Whether a turn at or below `mark` got a grade after it (a regrade, a dispute, a grade
    /// that came late).
    pub fn regraded_since(&self, mark: &SnapshotMark) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM grades WHERE id > ?1 AND turn_id <= ?2)",
            params![mark.grade, mark.turn],
            |r| r.get(0),
        )?)
    }

    /// The asked questions among the turns after `after` up to `upto.turn`, graded by grades up
    /// to `upto.grade`, oldest first. None when one of those turns continues the thread of a
    /// turn at or below `after` (a follow-up of an older question): the records before cannot
    /// be kept as they were. Two scans, threads resolved here with sorted vectors: a recursive
    /// query, or hashing every turn id, costs more than the replay itself.
    pub fn answer_records_between(
        &self,
        after: i64,
        upto: &SnapshotMark,
    ) -> Result<Option<Vec<AnswerRecord>>> {
        // The latest grade of each turn, in turn id order: the index is ordered by (turn_id,
        // id) and grade ids grow with time, so the last row of a turn is its latest grade.
        let mut latest: Vec<(i64, i64, u8, bool)> = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT turn_id, id, score, outcome = 'graded' FROM grades INDEXED BY grades_latest
             WHERE turn_id > ?1 AND turn_id <= ?2 AND id <= ?3",
        )?;
        let mut rows = stmt.query(params![after, upto.turn, upto.grade])?;
        while let Some(r) = rows.next()? {
            let row = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            match latest.last_mut() {
                Some(last) if last.0 == row.0 => *last = row,
                _ => latest.push(row),
            }
        }
        let grade_of = |turn: i64| {
            latest
                .binary_search_by_key(&turn, |g| g.0)
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
             WHERE retry_of IS NULL AND id > ?1 AND id <= ?2 ORDER BY answered_at, id"
        } else {
            "SELECT id, parent_id, question_id, topic, difficulty, skipped, answered_at
             FROM turns WHERE retry_of IS NULL AND id > ?1 AND id <= ?2 ORDER BY answered_at, id"
        };
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params![after, upto.turn])?;
        let mut records = Vec::new();
        // (turn id, index of its thread's record), for question turns and follow-ups.
        let mut roots: Vec<(i64, usize)> = Vec::new();
        let mut follow_ups = Vec::new();
        while let Some(r) = rows.next()? {
            let (id, parent): (i64, Option<i64>) = (r.get(0)?, r.get(1)?);
            match parent {
                None => {
                    roots.push((id, records.len()));
                    let grade = grade_of(id);
                    records.push((
                        grade.map(|g| g.1),
                        AnswerRecord {
                            question_id: r.get(2)?,
                            topic: r.get(3)?,
                            difficulty: r.get(4)?,
                            skipped: r.get(5)?,
                            answered_at: r.get(6)?,
                            score: grade.map(|g| g.2),
                            graded: grade.is_some_and(|g| g.3),
                        },
                    ));
                }
                Some(parent) => follow_ups.push((id, parent)),
            }
        }
        roots.sort_unstable();
        // Follow-ups, parents first (ids grow), join their root's thread; the latest grade of
        // the whole thread wins.
        follow_ups.sort_unstable();
        let mut threaded: Vec<(i64, usize)> = Vec::with_capacity(follow_ups.len());
        for (id, parent) in follow_ups {
            let find = |v: &[(i64, usize)]| {
                v.binary_search_by_key(&parent, |t| t.0)
                    .ok()
                    .map(|i| v[i].1)
            };
            let Some(root) = find(&roots).or_else(|| find(&threaded)) else {
                if parent <= after {
                    return Ok(None);
                }
                // The follow-up of a retry: practice, like the retry itself.
                continue;
            };
            // Pushed in id order, so `threaded` stays sorted.
            threaded.push((id, root));
            if let Some((_, grade_id, score, graded)) = grade_of(id) {
                let (seen, record) = &mut records[root];
                if seen.is_none_or(|s| grade_id > s) {
                    *seen = Some(grade_id);
                    record.score = Some(score);
                    record.graded = graded;
                }
            }
        }
        Ok(Some(records.into_iter().map(|(_, r)| r).collect()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::{Grade, Outcome};

    fn turn(session_id: i64, seq: u32, answer: &str) -> NewTurn<'_> {
        NewTurn {
            session_id,
            parent_id: None,
            seq,
            question_id: "gil",
            topic: "concurrency",
            kind: "concept",
            difficulty: "hard",
            prompt: "What is the GIL?",
            answer,
            skipped: false,
            hints: 0,
            asked_at: 1,
            answered_at: 2,
            retry_of: None,
        }
    }

    fn grade(score: u8) -> Grade {
        Grade::bare(score, Outcome::Graded)
    }

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
    fn the_latest_grade_wins_and_history_is_kept() {
        let store = Store::open_in_memory().unwrap();
        let s = store.start_session(1, &serde_json::json!({})).unwrap();
        let t = store.insert_turn(&turn(s, 1, "a lock")).unwrap();
        store.insert_grade(t, 3, &grade(40)).unwrap();
        store.insert_grade(t, 4, &grade(70)).unwrap();
        let turns = store.session_turns(s).unwrap();
        assert_eq!(turns[0].grade.as_ref().unwrap().score, 70);
        assert_eq!(store.sessions().unwrap()[0].mean_score, Some(70.0));
        let n: i64 = store
            .conn
            .query_row("SELECT COUNT(*) FROM grades", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn delivery_is_kept_per_turn_and_summarised_per_session() {
        let store = Store::open_in_memory().unwrap();
        let target = delivery::QUESTION_TARGET;
        for (started, answer) in [
            (10, "um, the GIL is, uh, a lock"),
            (20, "the GIL is a lock"),
        ] {
            let s = store
                .start_session(started, &serde_json::json!({}))
                .unwrap();
            let t = store.insert_turn(&turn(s, 1, answer)).unwrap();
            store
                .insert_delivery(t, &delivery::measure(answer, 30_000, target))
                .unwrap();
        }
        let turns = store.session_turns(1).unwrap();
        assert_eq!(turns[0].delivery.as_ref().unwrap().fillers, 2);
        let trend = store.delivery_trend().unwrap();
        assert_eq!(
            trend.iter().map(|p| p.session_id).collect::<Vec<_>>(),
            [1, 2]
        );
        assert!(trend[0].delivery.fillers_per_100 > 0.0);
        assert_eq!(trend[1].delivery.fillers_per_100, 0.0);
    }

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

    #[test]
    fn a_question_and_its_follow_ups_replay_once_with_the_latest_grade() {
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
        // A regrade of the root, given last, is the thread's latest word.
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
        let records = store.answer_records().unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].question_id, "gil");
        assert_eq!((records[0].score, records[0].graded), (Some(70), true));
        assert_eq!((records[1].score, records[1].graded), (Some(0), false));
    }

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
        assert_eq!(store.sessions().unwrap()[0].mean_score, None);
    }
}
