//! `viva import FILE... [--json] [--out FILE.toml] [--keep-duplicates]`: interview guides in,
//! questions out (a table, JSON, or a bank file).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::bank::import::{Closest, Guide, ImportFindings, Imported, bank_file, import, input};
use crate::bank::{Bank, Difficulty, Kind};
use crate::error::bad;

/// What `viva import` was asked to do with the files it reads.
pub struct ImportOptions {
    pub files: Vec<PathBuf>,
    pub json: bool,
    pub out: Option<PathBuf>,
    pub keep_duplicates: bool,
}

/// One question of `--json`.
#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    title: &'a str,
    difficulty: Option<Difficulty>,
    tags: &'a [String],
    companies: &'a [String],
    what_they_test: &'a [String],
    strong_signals: &'a [String],
    red_flags: &'a [String],
    follow_ups: &'a [String],
    section: Option<&'a str>,
    source: Source<'a>,
    layout: crate::bank::import::Layout,
    title_source: crate::bank::import::TitleSource,
    topic: &'a str,
    kind: Kind,
    /// Fields that are guesses rather than the guide's.
    guessed: Vec<&'static str>,
    duplicate_of: Option<&'a str>,
    closest: Option<&'a Closest>,
    answer: &'a str,
}

#[derive(Serialize)]
struct Source<'a> {
    file: &'a str,
    line: usize,
}

fn row(q: &Imported) -> Row<'_> {
    let x = &q.question;
    let mut guessed = vec!["topic", "kind"];
    if !x.title_source.is_verbatim() {
        guessed.push("title");
    }
    Row {
        id: &q.id,
        title: &x.title,
        difficulty: x.difficulty,
        tags: &x.tags,
        companies: &x.companies,
        what_they_test: &x.insight.what_they_test,
        strong_signals: &x.insight.strong_signals,
        red_flags: &x.insight.red_flags,
        follow_ups: &x.insight.follow_ups,
        section: x.section.as_deref(),
        source: Source {
            file: &q.file,
            line: x.line,
        },
        layout: x.layout,
        title_source: x.title_source,
        topic: &q.topic,
        kind: q.kind,
        guessed,
        duplicate_of: q.duplicate_of.as_deref(),
        closest: q.closest.as_ref(),
        answer: &x.answer,
    }
}

/// Reads a guide. Files that are not text are refused; a few bytes that are not UTF-8 are
/// replaced (scraped pages often carry some) and the user is told.
fn read(path: &Path) -> Result<Guide> {
    let bytes =
        std::fs::read(path).map_err(|e| bad(format!("{}: cannot read: {e}", path.display())))?;
    let (text, replaced) = input::guide_text(&bytes)
        .map_err(|why| bad(format!("{}: not imported: {why}", path.display())))?;
    if replaced > 0 {
        eprintln!(
            "viva: {}: {replaced} bytes are not valid UTF-8; they were replaced",
            path.display()
        );
    }
    Ok(Guide {
        file: path.display().to_string(),
        text,
    })
}

/// Whether a found question shows the shape of a guide: a title the guide gave, a title that
/// asks, or interviewer insight.
fn asks(q: &crate::bank::import::Extracted) -> bool {
    q.title_source.is_verbatim() || q.title.trim_end().ends_with('?') || !q.insight.is_empty()
}

pub fn run(bank: &Bank, opts: &ImportOptions, out: &mut dyn Write) -> Result<()> {
    let guides = opts
        .files
        .iter()
        .map(|p| read(p))
        .collect::<Result<Vec<_>>>()?;
    let report = import(&guides, bank);
    for g in &guides {
        if !report.questions.iter().any(|q| q.file == g.file) {
            eprintln!(
                "viva: {}: no interview questions found in any known layout",
                g.file
            );
        }
    }
    if report.questions.is_empty() {
        return Err(bad(
            "no questions found (see `viva import --help` for the layouts read)",
        ));
    }
    // Prose read as untitled answers is not a guide unless something in it asks.
    for g in &guides {
        let mut found = report
            .questions
            .iter()
            .filter(|q| q.file == g.file)
            .peekable();
        if found.peek().is_some() && !found.any(|q| asks(&q.question)) {
            return Err(bad(format!(
                "{}: not imported: no question-like structure (no heading, list item or line \
                 that asks, and no interviewer insight)",
                g.file
            )));
        }
    }
    if let Some(path) = &opts.out {
        write_bank_file(bank, &report, opts.keep_duplicates, path, opts.json)?;
    }
    if opts.json {
        let rows: Vec<Row> = report.questions.iter().map(row).collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
    } else if opts.out.is_none() {
        table(&report, out)?;
    }
    Ok(())
}

fn write_bank_file(
    bank: &Bank,
    report: &ImportFindings,
    keep_duplicates: bool,
    path: &Path,
    quiet: bool,
) -> Result<()> {
    let topics: Vec<&str> = bank.topics().iter().map(|t| t.id.as_str()).collect();
    let name = path.display().to_string();
    let written =
        bank_file::write(&report.questions, keep_duplicates, &name, &topics).map_err(|errors| {
            // A file we write must load; if it does not, that is our bug, not the user's input.
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow::anyhow!(
                "the bank file built for {name} does not load:\n  {}",
                lines.join("\n  ")
            )
        })?;
    // `--out $VIVA_HOME/bank/guide.toml` works before the bank folder exists.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| bad(format!("{name}: cannot write: {e}")))?;
    }
    std::fs::write(path, &written.text).map_err(|e| bad(format!("{name}: cannot write: {e}")))?;
    let mut msg = format!("wrote {} questions to {name}", written.written);
    if !written.left_out.is_empty() {
        let examples: Vec<String> = written
            .left_out
            .iter()
            .take(5)
            .map(|(id, of)| format!("{id} (same as {of})"))
            .collect();
        let more = written.left_out.len().saturating_sub(examples.len());
        msg.push_str(&format!(
            "; left out {} duplicates: {}{}; --keep-duplicates writes them too",
            written.left_out.len(),
            examples.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    // With --json the standard output is the JSON alone.
    if quiet {
        eprintln!("viva: {msg}");
    } else {
        println!("{msg}");
    }
    Ok(())
}

fn table(report: &ImportFindings, out: &mut dyn Write) -> Result<()> {
    for q in &report.questions {
        let dup = q
            .duplicate_of
            .as_deref()
            .map(|d| format!("  [duplicate of {d}]"))
            .unwrap_or_default();
        writeln!(
            out,
            "{}:{}  {:<15} {}{dup}",
            q.file,
            q.question.line,
            q.question.layout.as_str(),
            q.question.title
        )?;
    }
    for (file, repairs) in &report.repairs {
        let mut layouts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut dups = 0;
        for q in report.questions.iter().filter(|q| &q.file == file) {
            *layouts.entry(q.question.layout.as_str()).or_default() += 1;
            dups += usize::from(q.duplicate_of.is_some());
        }
        let n: usize = layouts.values().sum();
        let by_layout: Vec<String> = layouts.iter().map(|(l, c)| format!("{l} {c}")).collect();
        writeln!(
            out,
            "{file}: {n} questions ({}), {dups} duplicates; repaired {} mojibake runs, {} escaped blocks",
            by_layout.join(", "),
            repairs.mojibake_runs,
            repairs.escaped_blocks
        )?;
    }
    Ok(())
}
