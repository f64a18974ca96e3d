//! `viva bank list | show | stats | check`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;
use serde_json::json;

use crate::bank::{Bank, BankError, Kind, Layer, Question, SourceFile, embedded_sources};
use crate::error::{BadInput, bad};
use crate::home::Home;
use crate::names;
use crate::render::plural;
use crate::select::Filters;

/// The rubric standard of the shipped bank: more than the loader demands of user files.
pub const MIN_STRONG_SIGNALS: usize = 2;
pub const MIN_RED_FLAGS: usize = 2;
pub const MIN_FOLLOW_UPS: usize = 2;
pub const MIN_HINTS: usize = 2;

pub fn errors_to_bad_input(errors: &[BankError]) -> anyhow::Error {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    BadInput(format!(
        "the question bank has {}:\n  {}",
        plural(errors.len(), "error"),
        lines.join("\n  ")
    ))
    .into()
}

/// One warning per user bank file that `Bank::load` left out, naming its first problem by
/// file and line; `viva bank check` lists them all.
pub fn warn_skipped(bank: &Bank) {
    let mut files: Vec<&str> = Vec::new();
    for e in bank.skipped() {
        if files.contains(&e.file.as_str()) {
            continue;
        }
        files.push(&e.file);
        let more = bank.skipped().iter().filter(|o| o.file == e.file).count() - 1;
        let more = match more {
            0 => String::new(),
            n => format!(" (and {n} more)"),
        };
        eprintln!(
            "viva: warning: skipped bank file {e}{more}; see: viva bank check {}",
            e.file
        );
    }
}

pub fn list(
    bank: &Bank,
    filters: &Filters,
    kind: Option<Kind>,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let questions: Vec<&Question> = bank
        .questions()
        .iter()
        .filter(|q| filters.allows(q) && kind.is_none_or(|k| k == q.kind))
        .collect();
    if json {
        let rows: Vec<_> = questions
            .iter()
            .map(|q| json!({"id": q.id, "topic": q.topic, "kind": q.kind, "difficulty": q.difficulty, "prompt": q.prompt}))
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    for q in questions {
        writeln!(
            out,
            "{:<40} {:<15} {:<10} {:<6} {}",
            q.id, q.topic, q.kind, q.difficulty, q.prompt
        )?;
    }
    Ok(())
}

pub fn show(bank: &Bank, id: &str, json: bool, out: &mut dyn Write) -> Result<()> {
    let q = bank
        .get(id)
        .or_else(|| bank.questions().iter().find(|q| names::same(&q.id, id)))
        .ok_or_else(|| unknown_id(bank, id))?;
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(q)?)?;
        return Ok(());
    }
    let estimated = if q.difficulty_estimated {
        " (estimated)"
    } else {
        ""
    };
    writeln!(
        out,
        "{} · {} · {} · {}{estimated}",
        q.id, q.topic, q.kind, q.difficulty
    )?;
    writeln!(out, "source: {}:{}", q.source.file, q.source.line)?;
    if !q.companies.is_empty() {
        writeln!(out, "companies: {}", q.companies.join(", "))?;
    }
    writeln!(out, "\n{}\n", q.prompt)?;
    for (title, items) in [
        ("What they test", &q.what_they_test),
        ("Strong signals", &q.strong_signals),
        ("Red flags", &q.red_flags),
    ] {
        writeln!(out, "{title}:")?;
        for i in items {
            writeln!(out, "  - {i}")?;
            for also in q.also.get(i).into_iter().flatten() {
                writeln!(out, "      also: {also}")?;
            }
        }
    }
    if !q.hints.is_empty() {
        writeln!(out, "Hints:")?;
        for (i, h) in q.hints.iter().enumerate() {
            writeln!(out, "  {}. {h}", i + 1)?;
        }
    }
    writeln!(out, "\nModel answer:\n  {}", q.model_answer)?;
    for (n, f) in q.follow_ups.iter().enumerate() {
        writeln!(out, "\nFollow-up {}: {}", n + 1, f.prompt)?;
        let Some(r) = &f.rubric else {
            writeln!(out, "  (no rubric: only a model grades it)")?;
            continue;
        };
        writeln!(out, "  Key points:")?;
        for p in &r.key_points {
            writeln!(out, "    - {p}")?;
            for also in r.also.get(p).into_iter().flatten() {
                writeln!(out, "        also: {also}")?;
            }
        }
        writeln!(out, "  Red flags:")?;
        for p in &r.red_flags {
            writeln!(out, "    - {p}")?;
        }
        writeln!(out, "  Model answer:\n    {}", r.model_answer)?;
    }
    Ok(())
}

/// No question has this id: suggest the close ones (`gil` finds `gil-what-it-is`).
fn unknown_id(bank: &Bank, id: &str) -> anyhow::Error {
    let ids: Vec<&str> = bank.questions().iter().map(|q| q.id.as_str()).collect();
    bad(format!(
        "no question with id {id:?}{} (see: viva bank list)",
        names::did_you_mean(id, &ids)
    ))
}

#[derive(Debug, Serialize)]
struct Stats {
    questions: usize,
    topics: BTreeMap<String, usize>,
    kinds: BTreeMap<String, usize>,
    difficulties: BTreeMap<String, usize>,
    difficulty_estimated: usize,
    concepts: usize,
    /// Questions whose every rubric list meets the bank standard.
    rubric_complete: usize,
    rubric_incomplete: Vec<String>,
    follow_ups: FollowUpStats,
    /// Questions with at least `MIN_HINTS` hints.
    hinted: usize,
    unhinted: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
struct FollowUpStats {
    total: usize,
    /// With a rubric of their own: 2–4 key points, a red flag, a model answer (the loader
    /// holds every rubric to that).
    with_rubric: usize,
    /// `question-id#n` of those without one.
    without_rubric: Vec<String>,
    key_points_min: Option<usize>,
    key_points_max: Option<usize>,
    red_flags_min: Option<usize>,
}

/// Whether a question meets the shipped bank's rubric standard.
pub fn rubric_complete(q: &Question) -> bool {
    (3..=7).contains(&q.what_they_test.len())
        && q.strong_signals.len() >= MIN_STRONG_SIGNALS
        && q.red_flags.len() >= MIN_RED_FLAGS
        && q.follow_ups.len() >= MIN_FOLLOW_UPS
        && q.follow_ups.iter().all(|f| f.rubric.is_some())
        && q.hints.len() >= MIN_HINTS
        && !q.model_answer.trim().is_empty()
}

pub fn stats(bank: &Bank, json: bool, out: &mut dyn Write) -> Result<()> {
    let mut s = Stats {
        questions: bank.questions().len(),
        topics: bank.topics().iter().map(|t| (t.id.clone(), 0)).collect(),
        kinds: BTreeMap::new(),
        difficulties: BTreeMap::new(),
        difficulty_estimated: 0,
        concepts: 0,
        rubric_complete: 0,
        rubric_incomplete: Vec::new(),
        follow_ups: FollowUpStats::default(),
        hinted: 0,
        unhinted: Vec::new(),
    };
    let mut concepts = BTreeSet::new();
    for q in bank.questions() {
        *s.topics.entry(q.topic.clone()).or_default() += 1;
        *s.kinds.entry(q.kind.to_string()).or_default() += 1;
        *s.difficulties.entry(q.difficulty.to_string()).or_default() += 1;
        s.difficulty_estimated += usize::from(q.difficulty_estimated);
        concepts.extend(q.concepts.iter().cloned());
        if rubric_complete(q) {
            s.rubric_complete += 1;
        } else {
            s.rubric_incomplete.push(q.id.clone());
        }
        if q.hints.len() >= MIN_HINTS {
            s.hinted += 1;
        } else {
            s.unhinted.push(q.id.clone());
        }
        let f = &mut s.follow_ups;
        for (n, fu) in q.follow_ups.iter().enumerate() {
            f.total += 1;
            let Some(r) = &fu.rubric else {
                f.without_rubric.push(format!("{}#{}", q.id, n + 1));
                continue;
            };
            f.with_rubric += 1;
            let points = r.key_points.len();
            f.key_points_min = Some(f.key_points_min.map_or(points, |m| m.min(points)));
            f.key_points_max = Some(f.key_points_max.map_or(points, |m| m.max(points)));
            let flags = r.red_flags.len();
            f.red_flags_min = Some(f.red_flags_min.map_or(flags, |m| m.min(flags)));
        }
    }
    s.concepts = concepts.len();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&s)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} questions, {} concepts, {} with a complete rubric",
        s.questions, s.concepts, s.rubric_complete
    )?;
    writeln!(
        out,
        "difficulty estimated (not from a guide): {}",
        s.difficulty_estimated
    )?;
    writeln!(
        out,
        "follow-ups: {}, {} with a rubric of their own; questions with hints: {}",
        s.follow_ups.total, s.follow_ups.with_rubric, s.hinted
    )?;
    for (title, map) in [
        ("topics", &s.topics),
        ("kinds", &s.kinds),
        ("difficulties", &s.difficulties),
    ] {
        writeln!(out, "{title}:")?;
        for (k, v) in map {
            writeln!(out, "  {k:<16} {v:>4}")?;
        }
    }
    if !s.rubric_incomplete.is_empty() {
        writeln!(
            out,
            "incomplete rubrics: {}",
            s.rubric_incomplete.join(", ")
        )?;
    }
    Ok(())
}

/// Validates the given files against the shipped topics (plus any topics.toml among them), or
/// with no paths the whole bank as `viva` would load it. Exit code 2 when anything is wrong.
pub fn check(home: &Home, paths: &[PathBuf], json: bool, out: &mut dyn Write) -> Result<()> {
    let sources: Vec<SourceFile> = if paths.is_empty() {
        let mut s = embedded_sources();
        for path in
            crate::bank::toml_files(&home.bank_dir()).map_err(|e| errors_to_bad_input(&[e]))?
        {
            s.push(SourceFile::read(&path, Layer::User).map_err(|e| errors_to_bad_input(&[e]))?);
        }
        s
    } else {
        let mut s: Vec<SourceFile> = embedded_sources()
            .into_iter()
            .filter(|f| f.name.ends_with("topics.toml"))
            .collect();
        let mut errors = Vec::new();
        for p in paths {
            match SourceFile::read(p, Layer::User) {
                Ok(f) => s.push(f),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return report(&errors, 0, 0, json, out);
        }
        s
    };
    // The files checked: the ones named, or with none named, every file of the bank.
    let files = if paths.is_empty() {
        sources.len()
    } else {
        paths.len()
    };
    match Bank::from_sources(&sources) {
        Ok(bank) => report(&[], bank.questions().len(), files, json, out),
        Err(errors) => report(&errors, 0, files, json, out),
    }
}

fn report(
    errors: &[BankError],
    questions: usize,
    files: usize,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    if json {
        let errs: Vec<_> = errors
            .iter()
            .map(
                |e| json!({"file": e.file, "line": e.line, "field": e.field, "message": e.message}),
            )
            .collect();
        writeln!(
            out,
            "{}",
            json!({"ok": errors.is_empty(), "questions": questions, "files": files, "errors": errs})
        )?;
    } else if errors.is_empty() {
        writeln!(
            out,
            "ok: {} in {}",
            plural(questions, "question"),
            plural(files, "file")
        )?;
    }
    if errors.is_empty() {
        Ok(())
    } else if json {
        // The JSON already carries the errors; the exit code says they exist.
        Err(BadInput(format!("{} in the bank", plural(errors.len(), "problem"))).into())
    } else {
        Err(errors_to_bad_input(errors))
    }
}
