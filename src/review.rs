//! `viva review`: past sessions, their graded transcripts, and the delivery trend.

use std::io::Write;

use anyhow::Result;
use serde_json::json;

use crate::error::bad;
use crate::render;
use crate::store::Store;

pub fn list(store: &Store, json: bool, out: &mut dyn Write) -> Result<()> {
    let sessions = store.sessions()?;
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&sessions)?)?;
    } else {
        write!(out, "{}", render::session_list(&sessions))?;
    }
    Ok(())
}

pub fn show(store: &Store, id: i64, json: bool, out: &mut dyn Write) -> Result<()> {
    let session = store
        .session(id)?
        .ok_or_else(|| bad(format!("no session {id} (see: viva review list)")))?;
    let turns = store.session_turns(id)?;
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json!({"session": session, "turns": turns}))?
        )?;
    } else {
        write!(out, "{}", render::transcript(&session, &turns))?;
    }
    Ok(())
}

/// Delivery per session, oldest first (the trend `viva report` shows next to the scores).
pub fn delivery(store: &Store, json: bool, out: &mut dyn Write) -> Result<()> {
    let trend = store.delivery_trend()?;
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&trend)?)?;
    } else {
        write!(out, "{}", render::delivery::trend(&trend))?;
    }
    Ok(())
}
