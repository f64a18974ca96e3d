//! The `recordings` table: the audio of each spoken answer, kept with its turn, and whether it
//! has been transcribed. A recording whose transcription failed is stored `pending` with an
//! empty answer; `viva regrade` transcribes it later (`store_transcript`), and only then is the
//! turn graded.

use anyhow::{Context, Result};
use rusqlite::{OptionalExtension, named_params};
use serde::{Deserialize, Serialize};

use super::{Store, row};
use crate::delivery::Delivery;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordingStatus {
    Transcribed,
    /// Recorded and stored; the transcript (and so the grade) is still to come.
    Pending,
}

/// A recording as the session hands it over; every field is a column.
#[derive(Debug, Clone, Serialize)]
pub struct NewRecording<'a> {
    pub turn_id: i64,
    /// Where the audio is kept, None when audio is not kept (`[voice] keep_audio = false`).
    pub audio_path: Option<&'a str>,
    pub audio_ms: i64,
    pub status: RecordingStatus,
    /// Who transcribed it: "model at endpoint".
    pub transcriber: Option<&'a str>,
    /// The word timings the transcription server gave, as JSON.
    pub words: Option<&'a str>,
}

/// A stored recording, as review and export show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordingRecord {
    pub audio_path: Option<String>,
    pub audio_ms: i64,
    pub status: RecordingStatus,
    pub transcriber: Option<String>,
}

/// A recording still waiting for its transcript, with what its delivery needs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PendingRecording {
    pub turn_id: i64,
    pub audio_path: Option<String>,
    pub audio_ms: i64,
    pub asked_at: i64,
    pub answered_at: i64,
    /// A follow-up (its own length target).
    pub parent_id: Option<i64>,
}

impl Store {
    pub fn insert_recording(&self, r: &NewRecording) -> Result<()> {
        row::insert(&self.conn, "recordings", r)?;
        Ok(())
    }

    /// The recording of a spoken turn; None for a typed one.
    pub fn recording(&self, turn_id: i64) -> Result<Option<RecordingRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT audio_path, audio_ms, status, transcriber FROM recordings WHERE turn_id = :turn_id",
        )?;
        Ok(stmt
            .query_row(named_params! { ":turn_id": turn_id }, row::read)
            .optional()?)
    }

    /// Every recording still to be transcribed, oldest first.
    pub fn pending_recordings(&self) -> Result<Vec<PendingRecording>> {
        let mut stmt = self.conn.prepare(
            "SELECT r.turn_id, r.audio_path, r.audio_ms, t.asked_at, t.answered_at, t.parent_id
             FROM recordings r JOIN turns t ON t.id = r.turn_id
             WHERE r.status = 'pending' ORDER BY t.answered_at, t.id",
        )?;
        let rows = stmt.query_map([], row::read)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A pending recording's transcript becomes its turn's answer, with its delivery, in one
    /// transaction: the turn is then an ordinary ungraded answer.
    /// `audio_path` is where the audio is kept from now on (None once it is deleted).
    pub fn store_transcript(
        &self,
        turn_id: i64,
        transcript: &str,
        transcriber: &str,
        words: &str,
        audio_path: Option<&str>,
        delivery: &Delivery,
    ) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "UPDATE turns SET answer = :answer WHERE id = :turn_id",
            named_params! { ":answer": transcript, ":turn_id": turn_id },
        )?;
        tx.execute(
            "UPDATE turns_fts SET answer = :answer WHERE rowid = :turn_id",
            named_params! { ":answer": transcript, ":turn_id": turn_id },
        )?;
        tx.execute(
            "UPDATE recordings SET status = 'transcribed', transcriber = :transcriber, words = :words,
                 audio_path = :audio_path
             WHERE turn_id = :turn_id",
            named_params! {
                ":transcriber": transcriber,
                ":words": words,
                ":audio_path": audio_path,
                ":turn_id": turn_id,
            },
        )?;
        self.insert_delivery(turn_id, delivery)?;
        tx.commit()
            .with_context(|| format!("cannot store the transcript of turn {turn_id}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::{self, QUESTION_TARGET};
    use crate::store::fixtures::turn;

    #[test]
    fn a_pending_recording_becomes_an_answer_once_transcribed() {
        let store = Store::open_in_memory().unwrap();
        let s = store.start_session(1, &serde_json::json!({})).unwrap();
        let t = store.insert_turn(&turn(s, 1, "")).unwrap();
        store
            .insert_recording(&NewRecording {
                turn_id: t,
                audio_path: Some("audio/1.wav"),
                audio_ms: 12_000,
                status: RecordingStatus::Pending,
                transcriber: None,
                words: None,
            })
            .unwrap();
        let pending = store.pending_recordings().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].audio_path.as_deref(), Some("audio/1.wav"));
        let text = "the interpreter lock serialises bytecode";
        let d = delivery::measure(text, 12_000, QUESTION_TARGET);
        store
            .store_transcript(
                t,
                text,
                "whisper-1 at http://x/v1",
                "[]",
                Some("audio/1.wav"),
                &d,
            )
            .unwrap();
        assert!(store.pending_recordings().unwrap().is_empty());
        let turns = store.session_turns(s).unwrap();
        assert_eq!(turns[0].answer, text);
        assert!(turns[0].delivery.is_some());
        let r = store.recording(t).unwrap().unwrap();
        assert_eq!(r.status, RecordingStatus::Transcribed);
        assert_eq!(store.search("serialises", 10).unwrap().unwrap().len(), 1);
    }
}
