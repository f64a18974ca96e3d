//! Layout: titled questions. A title line, then a metadata line
//! (`Difficulty: … Hard | Tags: … | Asked by: …`), the answer, and an interviewer-insight block
//! in any of its variants (full four lists, "What they're testing" with signals, quoted key
//! points). The metadata line is the anchor; the answer runs to the end of its insight block,
//! or to the next anchor when it has none.

use std::sync::LazyLock;

use regex::Regex;

use super::insight::{field_of, is_block_header, label_of, parse_block};
use super::repair::Line;
use super::text::{bullet, heading_like, is_blank, is_chrome, strip_markup, summary};
use super::{Claims, Extracted, Layout, TitleSource};
use crate::bank::Difficulty;

/// A title line's own company list: `Question text - Google, Meta Interview Question`.
static TITLE_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s+[-–—]\s+([^-–—]+?)\s+interview\s+questions?\s*$").expect("valid regex")
});

/// A difficulty named by its word; the emoji beside it is unreliable in scraped pages.
static DIFFICULTY_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(easy|medium|hard)\b").expect("valid regex"));

/// The parsed metadata line.
#[derive(Debug, Default, PartialEq)]
pub struct Meta {
    pub difficulty: Option<Difficulty>,
    pub tags: Vec<String>,
    pub companies: Vec<String>,
}

/// The difficulty a text names in words, in any case.
pub fn difficulty_in(text: &str) -> Option<Difficulty> {
    DIFFICULTY_WORD
        .captures(text)
        .and_then(|c| Difficulty::parse(&c[1].to_lowercase()))
}

pub fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|s| strip_markup(s).trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `Difficulty: 🔴 Hard | Tags: a, b | Asked by: x, y`, in any order, with or without bold
/// labels. None when the line is not a metadata line.
pub fn meta(text: &str) -> Option<Meta> {
    meta_line(text, false)
}

/// Like `meta`, but `lenient` also accepts a line with a single known key (`Asked at: X`),
/// for bodies where a metadata line cannot be confused with a title.
pub fn meta_line(text: &str, lenient: bool) -> Option<Meta> {
    let t = text.trim();
    let parts: Vec<&str> = t.split('|').collect();
    let mut m = Meta::default();
    let mut keys = 0;
    for part in &parts {
        let Some((key, value)) = strip_markup(part).split_once(':') else {
            continue;
        };
        let value = value.trim().trim_start_matches("**").trim();
        match key.trim().trim_matches('*').to_lowercase().as_str() {
            "difficulty" | "level" => {
                keys += 1;
                m.difficulty = difficulty_in(value);
            }
            "tags" | "topics" => {
                keys += 1;
                m.tags = list(value);
            }
            "asked by" | "asked at" | "companies" | "company" => {
                keys += 1;
                m.companies = list(value);
            }
            _ => {}
        }
    }
    // A line with a difficulty key, or two of the keys joined by pipes.
    let has_difficulty = strip_markup(parts[0])
        .to_lowercase()
        .starts_with("difficulty");
    (has_difficulty || (keys >= 2 && parts.len() >= 2) || (lenient && keys == parts.len()))
        .then_some(m)
}

struct Anchor {
    title_at: usize,
    meta_at: usize,
    meta: Meta,
}

/// Finds the anchors: a metadata line with a title line just above it.
fn anchors(lines: &[Line]) -> Vec<Anchor> {
    let mut out: Vec<Anchor> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(m) = meta(&line.text) else { continue };
        let title_at = (i.saturating_sub(3)..i)
            .rev()
            .find(|&k| !is_blank(&lines[k].text));
        let Some(title_at) = title_at else { continue };
        let title = &lines[title_at].text;
        // A Markdown heading over its metadata is the Markdown layout's.
        let markdown = title.trim_start().starts_with('#');
        if markdown
            || meta(title).is_some()
            || bullet(title).is_some()
            || out.last().is_some_and(|a| a.meta_at >= title_at)
        {
            continue;
        }
        out.push(Anchor {
            title_at,
            meta_at: i,
            meta: m,
        });
    }
    out
}

/// The title without the company suffix, and the companies the suffix named.
fn clean_title(text: &str) -> (String, Vec<String>) {
    let t = strip_markup(text);
    match TITLE_SUFFIX.captures(t) {
        Some(c) => {
            let title = t[..c.get(0).expect("whole match").start()]
                .trim()
                .to_string();
            (title, list(&c[1]))
        }
        None => (t.to_string(), Vec::new()),
    }
}

/// Code samples share the anchor of questions but are not questions: their tags say so.
fn is_code_sample(m: &Meta) -> bool {
    m.tags
        .iter()
        .any(|t| t.eq_ignore_ascii_case("code example") || t.eq_ignore_ascii_case("code sample"))
}

pub fn parse(lines: &[Line], claims: &mut Claims) -> Vec<Extracted> {
    let anchors = anchors(lines);
    let mut out = Vec::new();
    for (k, a) in anchors.iter().enumerate() {
        let next = anchors.get(k + 1).map_or(lines.len(), |n| n.title_at);
        // The answer ends where its (last) insight block ends.
        let mut insight = super::insight::Insight::default();
        let mut end = next;
        let mut answer_end = next;
        let mut i = a.meta_at + 1;
        let mut past_heading = false;
        while i < next {
            let text = &lines[i].text;
            // The block opens with its header, or with its first label when it has none; a
            // label past a heading (the last question's next section or document) is not this
            // question's.
            let heading = text.trim_start().starts_with('#')
                || (is_blank(&lines[i - 1].text)
                    && lines.get(i + 1).is_none_or(|l| is_blank(&l.text))
                    && heading_like(text));
            let label = field_of(text).is_some()
                || label_of(text).is_some_and(|(l, _)| field_of(l).is_some());
            past_heading |= heading && !label && !is_chrome(text);
            let labelled = !past_heading && insight.is_empty() && label;
            if is_block_header(text) || labelled {
                answer_end = answer_end.min(i);
                let (block, block_end) = parse_block(lines, i);
                insight.extend(&block);
                end = block_end.min(next);
                i = block_end.max(i + 1);
            } else {
                i += 1;
            }
        }
        claims.claim(a.title_at..end);
        if is_code_sample(&a.meta) {
            continue;
        }
        let (title, title_companies) = clean_title(&lines[a.title_at].text);
        let companies = if a.meta.companies.is_empty() {
            title_companies
        } else {
            a.meta.companies.clone()
        };
        let answer = summary(
            lines[a.meta_at + 1..answer_end]
                .iter()
                .map(|l| l.text.as_str())
                .filter(|t| !is_chrome(t)),
            700,
        );
        out.push(Extracted {
            title,
            title_source: TitleSource::Heading,
            difficulty: a.meta.difficulty,
            tags: a.meta.tags.clone(),
            companies,
            section: section_before(lines, a.title_at),
            insight,
            answer,
            layout: Layout::Titled,
            line: lines[a.title_at].no,
        });
    }
    out
}

/// The nearest standalone heading above a line that is not itself a question title: a short
/// line between blank lines.
fn section_before(lines: &[Line], at: usize) -> Option<String> {
    (1..at.saturating_sub(1)).rev().find_map(|k| {
        let t = &lines[k].text;
        let standalone = is_blank(&lines[k - 1].text) && is_blank(&lines[k + 1].text);
        let is_title = lines[k + 1..]
            .iter()
            .find(|l| !is_blank(&l.text))
            .is_some_and(|l| meta(&l.text).is_some());
        (standalone && heading_like(t) && !is_title && meta(t).is_none())
            .then(|| strip_markup(t).to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_lines_in_their_variants() {
        let m = meta("Difficulty: 🟡 Medium | Tags: Storage, Indexes | Asked by: Acme, Globex")
            .unwrap();
        assert_eq!(m.difficulty, Some(Difficulty::Medium));
        assert_eq!(m.tags, ["Storage", "Indexes"]);
        assert_eq!(m.companies, ["Acme", "Globex"]);
        // The word decides, whatever the glyph says.
        let m = meta("**Difficulty:** 🟢 Hard").unwrap();
        assert_eq!(m.difficulty, Some(Difficulty::Hard));
        assert!(meta("Tags: a, b | Asked by: c").is_some());
        assert!(
            meta("Difficulty of this: it depends")
                .unwrap()
                .difficulty
                .is_none()
        );
        assert!(meta("The tags: are words").is_none());
    }

    #[test]
    fn title_suffix_names_companies() {
        assert_eq!(
            clean_title("What is a B-tree? - Acme, Initech Interview Question"),
            (
                "What is a B-tree?".to_string(),
                vec!["Acme".to_string(), "Initech".to_string()]
            )
        );
        assert_eq!(
            clean_title("Explain WAL - Why It Matters").0,
            "Explain WAL - Why It Matters"
        );
    }
}
