//! Scores an import against a reference extraction: question recall and precision, insight
//! recall, and damage left (mojibake, control characters). Shared by `examples/import_eval.rs`
//! (the figures) and `tests/it/import_families.rs` (the thresholds).
//!
//! A reference is a `questions.json` beside the guides: one entry per question with its guide
//! (`seed`), 1-based `line`, `title`, `title_source` and `insight` lists.
//!
//! Matching. A reference question whose title is the guide's own (a heading, table row, list
//! item or embedded question) matches a found question within two lines of it whose title
//! shares at least half its words (word F1 ≥ 0.5). A reference question whose title was written
//! by hand from an untitled answer (`curated_inference`, `fragment`) matches a found question
//! starting within one line of it, since only the place can be compared. Matching is one to
//! one. An insight item is found when an item of the same list of the matched question has
//! word F1 ≥ 0.8 with it.

#![allow(dead_code)]

use std::collections::HashMap;

use serde::Deserialize;
use viva::bank::import::{Extracted, Extraction};

#[derive(Deserialize, Clone)]
pub struct Reference {
    pub seed: String,
    pub line: usize,
    pub title: String,
    pub title_source: String,
    #[serde(default)]
    pub concept: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub insight: RefInsight,
}

#[derive(Deserialize, Default, Clone, Debug)]
pub struct RefInsight {
    #[serde(default)]
    pub what_they_test: Vec<String>,
    #[serde(default)]
    pub strong_signals: Vec<String>,
    #[serde(default)]
    pub red_flags: Vec<String>,
    #[serde(default)]
    pub follow_ups: Vec<String>,
}

impl RefInsight {
    pub fn len(&self) -> usize {
        self.what_they_test.len()
            + self.strong_signals.len()
            + self.red_flags.len()
            + self.follow_ups.len()
    }
}

/// Reads a folder's `questions.json`.
pub fn load_reference(dir: &std::path::Path) -> Vec<Reference> {
    let path = dir.join("questions.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// F1 of the two word multisets.
pub fn word_f1(a: &str, b: &str) -> f64 {
    let (wa, wb) = (words(a), words(b));
    if wa.is_empty() || wb.is_empty() {
        return 0.0;
    }
    let mut counts: HashMap<&str, i32> = HashMap::new();
    for w in &wa {
        *counts.entry(w).or_default() += 1;
    }
    let mut common = 0;
    for w in &wb {
        if let Some(c) = counts.get_mut(w.as_str())
            && *c > 0
        {
            *c -= 1;
            common += 1;
        }
    }
    2.0 * common as f64 / (wa.len() + wb.len()) as f64
}

/// Independent of the importer's repair: a character that stands for a UTF-8 lead byte in
/// ISO-8859-7 followed by one that stands for a continuation byte (ISO-8859-7 0xA0–0xBF or a
/// Windows-1252 C1 character), or one of the shifted emoji, or a replacement character.
pub fn mojibake_places(s: &str) -> usize {
    const CONT: &str = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\u{a0}£₯¦§¨©ͺ«¬\u{ad}―°±²³΄΅Ά·ΈΉΊ»Ό½ΎΏ";
    let chars: Vec<char> = s.chars().collect();
    let mut n = 0;
    for (i, &c) in chars.iter().enumerate() {
        let lead = ('\u{392}'..='\u{3C4}').contains(&c);
        if lead && chars.get(i + 1).is_some_and(|&d| CONT.contains(d)) {
            n += 1;
        }
        if matches!(c, '\u{1F7D1}' | '\u{1F7D2}' | '\u{FFFD}') {
            n += 1;
        }
    }
    n
}

/// Control characters (C0 but tab, C1, bidi overrides): never wanted in a bank file.
pub fn control_places(s: &str) -> usize {
    s.chars()
        .filter(|&c| {
            (c.is_control() && c != '\t')
                || ('\u{202A}'..='\u{202E}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
        })
        .count()
}

pub fn all_text(q: &Extracted) -> Vec<&str> {
    let mut v = vec![q.title.as_str(), q.answer.as_str()];
    v.extend(q.section.as_deref());
    v.extend(q.tags.iter().map(String::as_str));
    v.extend(q.companies.iter().map(String::as_str));
    for list in [
        &q.insight.what_they_test,
        &q.insight.strong_signals,
        &q.insight.red_flags,
        &q.insight.follow_ups,
    ] {
        v.extend(list.iter().map(String::as_str));
    }
    v
}

/// One-to-one greedy matching of scored pairs, best first.
pub fn assign(
    mut pairs: Vec<(f64, usize, usize)>,
    left: usize,
    right: usize,
) -> Vec<Option<usize>> {
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut l = vec![None; left];
    let mut r_used = vec![false; right];
    for (_, i, j) in pairs {
        if l[i].is_none() && !r_used[j] {
            l[i] = Some(j);
            r_used[j] = true;
        }
    }
    l
}

/// Reference items found in the matched question's same list, and how many there are.
pub fn insight_found(r: &RefInsight, q: &Extracted) -> (usize, usize) {
    let mut found = 0;
    let mut total = 0;
    for (refs, got) in [
        (&r.what_they_test, &q.insight.what_they_test),
        (&r.strong_signals, &q.insight.strong_signals),
        (&r.red_flags, &q.insight.red_flags),
        (&r.follow_ups, &q.insight.follow_ups),
    ] {
        total += refs.len();
        let mut pairs = Vec::new();
        for (i, a) in refs.iter().enumerate() {
            for (j, b) in got.iter().enumerate() {
                let f = word_f1(a, b);
                if f >= 0.8 {
                    pairs.push((f, i, j));
                }
            }
        }
        found += assign(pairs, refs.len(), got.len())
            .iter()
            .filter(|m| m.is_some())
            .count();
    }
    (found, total)
}

/// The score of one guide.
#[derive(Debug, Clone, Default)]
pub struct Score {
    pub reference: usize,
    pub found: usize,
    pub matched: usize,
    pub insight_found: usize,
    pub insight_total: usize,
    /// Mojibake in the extracted questions.
    pub mojibake: usize,
    /// Mojibake left in the repaired text.
    pub mojibake_text: usize,
    pub control: usize,
    /// For each reference question, the found question it matched.
    pub matching: Vec<Option<usize>>,
}

impl Score {
    pub fn add(&mut self, o: &Score) {
        self.reference += o.reference;
        self.found += o.found;
        self.matched += o.matched;
        self.insight_found += o.insight_found;
        self.insight_total += o.insight_total;
        self.mojibake += o.mojibake;
        self.mojibake_text += o.mojibake_text;
        self.control += o.control;
    }

    pub fn recall(&self) -> f64 {
        pct(self.matched, self.reference)
    }

    pub fn precision(&self) -> f64 {
        pct(self.matched, self.found)
    }

    pub fn insight_recall(&self) -> f64 {
        pct(self.insight_found, self.insight_total)
    }
}

pub fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        100.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

/// Scores what was extracted from one guide against its reference questions.
pub fn score(refs: &[&Reference], ex: &Extraction) -> Score {
    let got = &ex.questions;
    let mut pairs = Vec::new();
    for (i, r) in refs.iter().enumerate() {
        let verbatim = r.title_source != "curated_inference" && r.title_source != "fragment";
        for (j, q) in got.iter().enumerate() {
            let dist = r.line.abs_diff(q.line);
            let score = if verbatim {
                let f = word_f1(&r.title, &q.title);
                (dist <= 2 && f >= 0.5).then_some(f)
            } else {
                (dist <= 1).then_some(1.0 - dist as f64 / 10.0)
            };
            if let Some(s) = score {
                pairs.push((s, i, j));
            }
        }
    }
    let matching = assign(pairs, refs.len(), got.len());
    let mut s = Score {
        reference: refs.len(),
        found: got.len(),
        matched: matching.iter().filter(|m| m.is_some()).count(),
        ..Score::default()
    };
    for (i, m) in matching.iter().enumerate() {
        let (f, t) = match m {
            Some(j) => insight_found(&refs[i].insight, &got[*j]),
            None => (0, refs[i].insight.len()),
        };
        s.insight_found += f;
        s.insight_total += t;
    }
    s.mojibake = got.iter().flat_map(all_text).map(mojibake_places).sum();
    s.mojibake_text = ex.lines.iter().map(|l| mojibake_places(&l.text)).sum();
    s.control = got.iter().flat_map(all_text).map(control_places).sum();
    s.matching = matching;
    s
}

/// What a reference question and the questions found disagree on, for `--misses`.
pub fn misses(refs: &[&Reference], ex: &Extraction, s: &Score) -> Vec<String> {
    let got = &ex.questions;
    let mut out = Vec::new();
    for (i, m) in s.matching.iter().enumerate() {
        match m {
            None => out.push(format!("  missed   {:>5} {}", refs[i].line, refs[i].title)),
            Some(j) => {
                let (f, t) = insight_found(&refs[i].insight, &got[*j]);
                if f < t {
                    out.push(format!(
                        "  insight  {:>5} {} ({f}/{t})\n     ref: {:?}\n     got: {:?}",
                        refs[i].line, refs[i].title, refs[i].insight, got[*j].insight
                    ));
                }
            }
        }
    }
    let used: Vec<usize> = s.matching.iter().flatten().copied().collect();
    for (j, q) in got.iter().enumerate() {
        if !used.contains(&j) {
            out.push(format!(
                "  extra    {:>5} {:?} {}",
                q.line, q.layout, q.title
            ));
        }
    }
    out
}
