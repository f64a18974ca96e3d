//! Layout: an article whose questions sit inside its code, often flattened onto one line:
//! `# Question: Design a retry decorator def retry(...): """ Interview Focus: closures """`,
//! `Interview Question: "Design a URL shortener"`, `""" Interview Questions: 1. … 2. … """`.
//! Numbered headings (`PART 2: …`, `2.1 Caching`) name the sections; a `Key Concepts Tested:`
//! list gives what the section's questions test, and quoted lines under a label
//! (`Trade-off Analysis:`) are questions too.

use std::sync::LazyLock;

use regex::Regex;

use super::insight::{Field, Insight, field_of, label_of};
use super::repair::{Line, unglue};
use super::text::{is_blank, strip_markup, unquote};
use super::{Claims, Extracted, Layout, TitleSource};

/// Where a question is announced: after a comment mark, docstring quotes, at the start of a
/// line, or with "Interview" before it.
static MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?:^\s*|#\s*|//\s*|--\s*|"""\s*|'''\s*|\binterview\s+)questions?\s*:\s*|\binterview\s+scenario\s*:\s*"#,
    )
    .expect("valid regex")
});

static FOCUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\binterview\s+focus\s*:\s*(.*?)\s*(?:"""|'''|\*/|$)"#).expect("valid regex")
});

static SECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:PART\s+\d+\b|\d+(?:\.\d+)+\s+\S)").expect("valid regex"));

static NUMBERED_ITEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|\s)\d{1,2}[.)]\s+").expect("valid regex"));

/// Where code starts again after a question in flattened code: a definition with its name
/// and bracket (so that "a class decorator" in the question does not cut it), a binding, SQL,
/// the end of a docstring or another comment.
static CODE_RESUMES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\s(?:async\s+)?def\s+\w+\s*\(|\sclass\s+\w+\s*[:(\[{]|\s(?:pub\s+)?fn\s+\w+\s*[(<]",
        r"|\sfunc(?:tion)?\s+\w+\s*\(|\s(?:impl|struct|enum|trait)\s+\w+\s*[{;<(]",
        r"|\sfrom\s+[\w.]+\s+import\s|\s(?:let|const|var)\s+\w+\s*[:=]",
        r"|\s(?:SELECT|CREATE|INSERT|UPDATE)\s",
        r#"|"""|'''|\*/|\s#\s|\s//\s"#,
    ))
    .expect("valid regex")
});

/// Questions longer than this are not a question but prose that followed a marker.
const MAX_WORDS: usize = 30;

/// The questions announced after a marker.
fn questions_after(tail: &str) -> Vec<String> {
    let t = tail.trim();
    // A quoted question.
    for (open, close) in [('"', '"'), ('“', '”')] {
        if let Some(rest) = t.strip_prefix(open)
            && let Some(end) = rest.find(close)
        {
            return vec![rest[..end].trim().to_string()];
        }
    }
    // A numbered list, up to the end of its docstring.
    if NUMBERED_ITEM.find(t).is_some_and(|m| m.start() == 0) {
        let end = ["\"\"\"", "'''", "*/"]
            .iter()
            .filter_map(|q| t.find(q))
            .min()
            .unwrap_or(t.len());
        return NUMBERED_ITEM
            .split(&t[..end])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
    }
    // Up to the question mark or the code that follows.
    let q_end = t.find('?').map(|q| q + 1);
    let code = CODE_RESUMES.find(t).map(|m| m.start());
    let end = match (q_end, code) {
        (Some(q), Some(c)) => q.min(c),
        (Some(q), None) => q,
        (None, Some(c)) => c,
        (None, None) => t.len(),
    };
    vec![t[..end].trim().to_string()]
}

fn is_section(text: &str) -> bool {
    let t = text.trim();
    let caps = t.chars().any(char::is_alphabetic)
        && !t.chars().any(char::is_lowercase)
        && t.split_whitespace().count() <= 8;
    (SECTION.is_match(t) || caps) && t.split_whitespace().count() <= 12
}

/// A label that heads a list: `Trade-off Analysis:`, `Key Concepts Tested:`.
fn list_label(text: &str) -> Option<&str> {
    let (label, value) = label_of(text)?;
    value.is_empty().then_some(label)
}

/// Splits items glued without a space (`pitfallsMemory leaks`): a lowercase word running into
/// a capitalised one, in a list of short phrases.
fn split_glued(item: &str) -> Vec<String> {
    let chars: Vec<(usize, char)> = item.char_indices().collect();
    for w in 1..chars.len().saturating_sub(1) {
        let (i, c) = chars[w];
        let (_, prev) = chars[w - 1];
        let next_lower = chars.get(w + 1).is_some_and(|(_, n)| n.is_lowercase());
        if c.is_uppercase() && prev.is_lowercase() && next_lower {
            let lowercase_run = item[..i]
                .chars()
                .rev()
                .take_while(|ch| ch.is_lowercase())
                .count();
            let (left, right) = (item[..i].trim(), item[i..].trim());
            if lowercase_run >= 4 && left.contains(' ') && right.contains(' ') {
                let mut out = vec![left.to_string()];
                out.extend(split_glued(right));
                return out;
            }
        }
    }
    vec![item.trim().to_string()]
}

pub fn parse(lines: &[Line], claims: &mut Claims) -> Vec<Extracted> {
    if !lines.iter().any(|l| MARKER.is_match(&l.text)) {
        return Vec::new();
    }
    let mut out: Vec<Extracted> = Vec::new();
    let mut section: Option<String> = None;
    let mut section_start = 0; // index in `out` of the section's first question
    let mut label: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        let text = lines[i].text.trim();
        if is_blank(text) {
            i += 1;
            continue;
        }
        if is_section(text) && !MARKER.is_match(text) {
            section = Some(strip_markup(text).to_string());
            section_start = out.len();
            label = None;
            i += 1;
            continue;
        }
        if let Some(l) = list_label(text) {
            if field_of(l) == Some(Field::WhatTheyTest) {
                // Key concepts: the lines below, up to the next section or label.
                let mut items = Vec::new();
                let mut k = i + 1;
                while k < lines.len() {
                    let t = lines[k].text.trim();
                    if is_blank(t) || is_section(t) || list_label(t).is_some() || MARKER.is_match(t)
                    {
                        break;
                    }
                    items.extend(split_glued(t));
                    k += 1;
                }
                for q in &mut out[section_start..] {
                    for item in &items {
                        q.insight.push(Field::WhatTheyTest, item);
                    }
                }
                claims.claim(i..k);
                i = k;
                continue;
            }
            label = Some(l.to_string());
            i += 1;
            continue;
        }
        let place = match (&section, &label) {
            (Some(s), Some(l)) => Some(format!("{s} > {l}")),
            (s, _) => s.clone(),
        };
        let found_here = out.len();
        // A quoted question under a label.
        let quoted = unquote(text);
        if label.is_some()
            && quoted.len() < text.len()
            && quoted.split_whitespace().count() <= MAX_WORDS
        {
            out.push(question(quoted, place.clone(), lines[i].no));
        }
        for m in MARKER.find_iter(text) {
            for q in questions_after(&text[m.end()..]) {
                let words = q.split_whitespace().count();
                if (2..=MAX_WORDS).contains(&words) {
                    out.push(question(&q, place.clone(), lines[i].no));
                }
            }
        }
        // "Interview Focus:" belongs to the question announced before it on the line.
        for f in FOCUS.captures_iter(text) {
            let at = f.get(0).expect("whole match").start();
            let before = MARKER.find_iter(&text[..at]).count();
            let owner = if before > 0 {
                found_here + before - 1
            } else {
                out.len().wrapping_sub(1)
            };
            if let Some(q) = out.get_mut(owner) {
                q.insight.push(Field::WhatTheyTest, &f[1]);
            }
        }
        if out.len() > found_here {
            claims.claim(i..i + 1);
        }
        i += 1;
    }
    out
}

fn question(title: &str, section: Option<String>, line: usize) -> Extracted {
    Extracted {
        title: unglue(unquote(title)),
        title_source: TitleSource::Embedded,
        difficulty: None,
        tags: Vec::new(),
        companies: Vec::new(),
        section,
        insight: Insight::default(),
        answer: String::new(),
        layout: Layout::Embedded,
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = r#"PART 1: STORAGE ENGINES (6 Questions)
1.1 Write Paths
// Question: Explain why an LSM tree batches writes fn flush(mem: &MemTable) { /* Interview Focus: write amplification, compaction */ } // Interview Question: What happens on a crash here? fn recover() {}
Key Concepts Tested:
Sequential writes
Compaction debtBloom filters on reads
1.2 Indexes
Interview Scenario: "Pick an index for a time-series table"
struct Idx; /* Interview Questions: 1. When is a hash index enough? 2. Covering vs plain indexes */ impl Idx {}
2.1 Trade-offs
Trade-off Analysis:
"Row store vs column store for analytics"
CONCLUSION
"#;

    #[test]
    fn questions_in_flattened_code_with_their_focus_and_concepts() {
        let ls = Line::numbered(ARTICLE);
        let qs = parse(&ls, &mut Claims::new(ls.len()));
        let titles: Vec<&str> = qs.iter().map(|q| q.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Explain why an LSM tree batches writes",
                "What happens on a crash here?",
                "Pick an index for a time-series table",
                "When is a hash index enough?",
                "Covering vs plain indexes",
                "Row store vs column store for analytics",
            ]
        );
        assert_eq!(
            qs[0].insight.what_they_test,
            [
                "write amplification, compaction",
                "Sequential writes",
                "Compaction debt",
                "Bloom filters on reads"
            ]
        );
        assert_eq!(
            qs[1].insight.what_they_test,
            [
                "Sequential writes",
                "Compaction debt",
                "Bloom filters on reads"
            ]
        );
        assert!(qs[2].insight.is_empty());
        assert_eq!(
            qs[5].section.as_deref(),
            Some("2.1 Trade-offs > Trade-off Analysis")
        );
        assert_eq!(qs[3].line, 9);
    }
}
