//! `viva export`: sessions as Markdown, JSON, JSON Lines or one HTML page. JSON and JSONL carry
//! everything stored: the session's settings, every turn, and every grade of each turn.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
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

/// Writes the file at `path` whole or not at all: `fill` writes a temporary file beside it,
/// which replaces `path` only once complete, and is removed on any failure (a full disk
/// included). Only a regular file or a new path is replaced: a device, a pipe, a symlink or a
/// directory at `path` is refused, since renaming over it would destroy it, not write to it.
pub fn save(path: &Path, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    refuse_special(path)?;
    let tmp = TempFile::beside(path)?;
    let mut w = BufWriter::new(&tmp.file);
    fill(&mut w)?;
    w.flush()?;
    drop(w);
    tmp.file.sync_all()?;
    tmp.persist(path)
}

fn refuse_special(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_file() => Ok(()),
        Ok(_) => Err(bad(format!(
            "{} is not a regular file (a device, pipe, symlink or directory); not replacing it \
             (use -o - for standard output)",
            path.display()
        ))),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot write {}", path.display())),
    }
}

/// A temporary file in the target's directory (so the rename is atomic), deleted when dropped
/// unless it became the target.
struct TempFile {
    path: PathBuf,
    file: File,
    kept: bool,
}

impl TempFile {
    fn beside(target: &Path) -> Result<TempFile> {
        let name = target
            .file_name()
            .ok_or_else(|| bad(format!("{} names no file", target.display())))?;
        let path = target.with_file_name(format!(
            ".{}.{}.viva-tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(TempFile {
            path,
            file,
            kept: false,
        })
    }

    fn persist(mut self, target: &Path) -> Result<()> {
        fs::rename(&self.path, target)
            .with_context(|| format!("cannot write {}", target.display()))?;
        self.kept = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.path);
        }
    }
}
