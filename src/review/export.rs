//! `viva export`: sessions as Markdown, JSON, JSON Lines or one HTML page. JSON and JSONL carry
//! everything stored: the session's settings, every turn, and every grade of each turn.

use std::io::Write;

use anyhow::Result;
use serde_json::json;

use super::transcript::Transcript;
use super::{html, markdown};
use crate::clock::now_ms;
use crate::error::bad;
use crate::store::{SessionExport, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Json,
    Jsonl,
    Html,
}

/// Bumped when the shape of the JSON export changes.
const JSON_VERSION: u32 = 1;

/// One session, or the error that says how to find its id.
pub fn load_one(store: &Store, id: i64) -> Result<SessionExport> {
    store
        .session_export(id)?
        .ok_or_else(|| bad(format!("no session {id} (see: viva review list)")))
}

/// One session, or all of them (oldest first) when `id` is None.
pub fn load(store: &Store, id: Option<i64>) -> Result<Vec<SessionExport>> {
    match id {
        Some(id) => Ok(vec![load_one(store, id)?]),
        None => store
            .session_ids()?
            .into_iter()
            .filter_map(|id| store.session_export(id).transpose())
            .collect(),
    }
}

pub fn write(sessions: &[SessionExport], format: Format, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Markdown => {
            for (i, s) in sessions.iter().enumerate() {
                if i > 0 {
                    writeln!(out, "---\n")?;
                }
                write!(out, "{}", markdown::transcript(&Transcript::new(s)))?;
            }
        }
        Format::Json => {
            let doc = json!({
                "format": "viva-export",
                "version": JSON_VERSION,
                "exported_at": now_ms(),
                "sessions": sessions,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        Format::Jsonl => {
            for s in sessions {
                writeln!(out, "{}", serde_json::to_string(s)?)?;
            }
        }
        Format::Html => {
            let transcripts: Vec<Transcript> = sessions.iter().map(Transcript::new).collect();
            write!(out, "{}", html::page(&transcripts))?;
        }
    }
    Ok(())
}
