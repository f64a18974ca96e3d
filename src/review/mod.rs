//! `viva review`, `viva report` and `viva export`: past sessions, their graded transcripts,
//! search over them, progress and delivery across them, and exports to share.

pub mod chart;
pub mod export;
pub mod html;
pub mod markdown;
pub mod report;
pub mod terminal;
pub mod transcript;

use std::io::Write;

use anyhow::Result;
use serde_json::json;

use crate::clock::format_utc;
use crate::error::bad;
use crate::render;
use crate::store::{SessionFilter, Store};
use transcript::Transcript;

/// Sessions with at least one answer: one quit before answering anything has nothing to review
/// (`review show` still opens it by id).
pub fn list(store: &Store, filter: &SessionFilter, json: bool, out: &mut dyn Write) -> Result<()> {
    let mut sessions = store.sessions_where(filter)?;
    sessions.retain(|s| s.answered > 0);
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&sessions)?)?;
    } else {
        write!(out, "{}", render::session_list(&sessions))?;
    }
    Ok(())
}

pub fn show(store: &Store, id: i64, json: bool, out: &mut dyn Write) -> Result<()> {
    let session = export::load_one(store, id)?;
    if json {
        let turns: Vec<_> = session.turns.iter().map(|t| &t.turn).collect();
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json!({"session": session.summary, "turns": turns}))?
        )?;
    } else {
        write!(out, "{}", terminal::transcript(&Transcript::new(&session)))?;
    }
    Ok(())
}

pub fn search(
    store: &Store,
    text: &str,
    limit: usize,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let hits = store
        .search(text, limit)?
        .ok_or_else(|| bad("search: give at least one word to look for"))?;
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&hits)?)?;
        return Ok(());
    }
    if hits.is_empty() {
        writeln!(out, "No answer or feedback mentions {text:?}.")?;
    }
    for h in &hits {
        writeln!(
            out,
            "session {} · turn {} · {} UTC · {} · {}",
            h.session_id,
            h.seq,
            format_utc(h.answered_at),
            h.topic,
            h.question_id
        )?;
        writeln!(out, "  answer: {}", h.answer.trim())?;
        if !h.feedback.trim().is_empty() {
            writeln!(out, "  feedback: {}", h.feedback.trim())?;
        }
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
