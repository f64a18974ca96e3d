//! Layout: ordinary Markdown. Two shapes hold questions:
//! - a heading that asks (`## 3. What is a lifetime?`), its answer below, with optional
//!   `Difficulty:`/`Tags:` lines and insight labels (`**Red flags:**`, `### Follow-ups`);
//! - a heading over a list of questions (`Questions asked at Acme` and its bullets); the
//!   companies come from the heading when it names them.

use std::sync::LazyLock;

use regex::Regex;

use super::insight::{Insight, field_of, is_block_header, label_of, parse_block, segments};
use super::repair::Line;
use super::text::{
    bullet, clearly_asks, heading_like, is_blank, question_like, strip_markup, summary,
};
use super::titled::{list, meta_line};
use super::{Claims, Extracted, Layout, TitleSource};

/// Share of a list's items that must be questions for the list to be a list of questions.
const QUESTION_SHARE: f64 = 0.6;

static ASKED_AT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\basked\s+(?:in|at|by)\s+(.+?)(?:\s+interviews?)?\s*$").expect("valid regex")
});

/// `## text` with its level.
fn atx(text: &str) -> Option<(usize, &str)> {
    let t = text.trim_start();
    // Four spaces of indentation make code, whatever it holds (`    # What does this print?`).
    if text.len() - t.len() >= 4 {
        return None;
    }
    let level = t.bytes().take_while(|&b| b == b'#').count();
    let rest = t[level..].strip_prefix(' ')?;
    ((1..=6).contains(&level) && !rest.trim().is_empty()).then(|| (level, rest.trim()))
}

/// A numbered heading's text without its number: `3. What is X?`, `Question 3: What is X?`
/// → `What is X?`.
fn without_number(text: &str) -> &str {
    let t = strip_markup(text);
    let t = ["Question ", "question ", "Q ", "Q. "]
        .iter()
        .find_map(|p| t.strip_prefix(p))
        .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(t);
    let t = t
        .strip_prefix(['Q', 'q'])
        .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(t);
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return t;
    }
    t[digits..]
        .strip_prefix(['.', ':', ')'])
        .map_or(t, str::trim)
}

/// A heading that can head a list: ATX, a short line standing alone, or a sentence that
/// announces the list ("A few more to practise:") and is not an insight label.
fn list_heading(lines: &[Line], i: usize) -> Option<String> {
    let text = &lines[i].text;
    if let Some((_, t)) = atx(text) {
        return Some(strip_markup(t).to_string());
    }
    let blank_before = i == 0 || is_blank(&lines[i - 1].text);
    let announces =
        strip_markup(text).ends_with(':') && bullet(text).is_none() && !under_label(text);
    (blank_before && (heading_like(text) || announces) && bullet(text).is_none())
        .then(|| strip_markup(text).trim_end_matches(':').to_string())
}

/// Whether a list after this line is an insight list: the line is an insight label, or ends
/// in one (`…Red flag answer: …Follow-up:`, glued or not).
fn under_label(text: &str) -> bool {
    field_of(text).is_some()
        || label_of(text).is_some_and(|(l, _)| field_of(l).is_some())
        || segments(text)
            .last()
            .is_some_and(|s| s.label.is_some_and(|l| field_of(l).is_some()))
}

/// A list of questions that starts at `i` without a heading of its own (right after a
/// question's answer), or under a heading or announcing sentence at `i`.
fn list_starts_at(lines: &[Line], i: usize) -> bool {
    let prev = lines[..i].iter().rposition(|l| !is_blank(&l.text));
    let fresh_list = bullet(&lines[i].text).is_some()
        && prev.is_none_or(|p| bullet(&lines[p].text).is_none() && !under_label(&lines[p].text));
    let headed = list_heading(lines, i).is_some() && atx(&lines[i].text).is_none();
    (headed || fresh_list) && list_clearly_asks(lines, if headed { i + 1 } else { i })
}

/// Whether the list starting at `from` (blank lines skipped) has at least two top-level
/// items, most of them clearly questions.
fn list_clearly_asks(lines: &[Line], from: usize) -> bool {
    let items: Vec<_> = lines[from.min(lines.len())..]
        .iter()
        .filter(|l| !is_blank(&l.text))
        .map_while(|l| bullet(&l.text))
        .collect();
    let Some(top) = items.iter().map(|b| b.indent).min() else {
        return false;
    };
    let top: Vec<_> = items.iter().filter(|b| b.indent == top).collect();
    let asking = top
        .iter()
        .filter(|b| clearly_asks(without_number(b.body)))
        .count();
    top.len() >= 2 && asking as f64 >= QUESTION_SHARE * top.len() as f64
}

/// A question asked by a heading, with its level: ATX, or a bold line standing alone.
fn question_heading(lines: &[Line], i: usize) -> Option<(usize, String)> {
    let text = &lines[i].text;
    let blank_before = i == 0 || is_blank(&lines[i - 1].text);
    let blank_after = lines.get(i + 1).is_none_or(|l| is_blank(&l.text));
    if !(blank_before && blank_after) {
        return None;
    }
    let (level, t) = match atx(text) {
        Some((level, t)) => (level, t),
        None if text.trim().starts_with("**") && text.trim().ends_with("**") => (7, text.trim()),
        None => return None,
    };
    let title = without_number(t);
    (question_like(title) && field_of(title).is_none()).then(|| (level, title.to_string()))
}

fn companies_of(heading: &str) -> Vec<String> {
    ASKED_AT
        .captures(heading)
        .map(|c| list(&c[1].replace(" and ", ", ")))
        .unwrap_or_default()
}

/// Questions listed under a heading. Returns them and the index past the list.
fn question_list(
    lines: &[Line],
    heading_at: usize,
    heading: &str,
) -> Option<(Vec<Extracted>, usize)> {
    let mut items: Vec<(usize, &str, usize)> = Vec::new(); // (index, body, indent)
    let mut i = heading_at + 1;
    while i < lines.len() {
        let text = &lines[i].text;
        if is_blank(text) {
            i += 1;
            continue;
        }
        let Some(b) = bullet(text) else { break };
        items.push((i, b.body, b.indent));
        i += 1;
    }
    let end = items.last().map_or(heading_at + 1, |&(k, _, _)| k + 1);
    let top = items.iter().map(|&(_, _, ind)| ind).min()?;
    let top_items: Vec<_> = items.iter().filter(|&&(_, _, ind)| ind == top).collect();
    let asking = top_items
        .iter()
        .filter(|&&&(_, body, _)| question_like(body))
        .count();
    if top_items.len() < 2 || (asking as f64) < QUESTION_SHARE * top_items.len() as f64 {
        return None;
    }
    let companies = companies_of(heading);
    let questions = top_items
        .iter()
        .filter(|&&&(_, body, _)| question_like(body))
        .map(|&&(k, body, _)| Extracted {
            title: without_number(body).to_string(),
            title_source: TitleSource::ListItem,
            difficulty: None,
            tags: Vec::new(),
            companies: companies.clone(),
            section: Some(heading.to_string()),
            insight: Insight::default(),
            answer: String::new(),
            layout: Layout::Markdown,
            line: lines[k].no,
        })
        .collect();
    Some((questions, end))
}

/// The question under a heading: its metadata, insight and answer, up to the next heading
/// that is not an insight label.
fn headed_question(
    lines: &[Line],
    at: usize,
    level: usize,
    title: String,
    section: Option<String>,
) -> (Extracted, usize) {
    let mut end = at + 1;
    while end < lines.len() {
        let text = &lines[end].text;
        let is_label = field_of(text).is_some() || is_block_header(text);
        let next_heading = match atx(text) {
            Some((l, _)) => {
                !is_label && l <= level.max(1) || question_heading(lines, end).is_some()
            }
            None => question_heading(lines, end).is_some() || list_starts_at(lines, end),
        };
        if next_heading {
            break;
        }
        end += 1;
    }
    let mut insight = Insight::default();
    let mut answer_lines = Vec::new();
    let (mut difficulty, mut tags, mut companies) = (None, Vec::new(), Vec::new());
    let mut i = at + 1;
    while i < end {
        let text = &lines[i].text;
        let opens_insight = is_block_header(text)
            || field_of(text).is_some()
            || label_of(text).is_some_and(|(l, _)| field_of(l).is_some());
        if opens_insight {
            let (block, block_end) = parse_block(lines, i);
            insight.extend(&block);
            i = block_end.max(i + 1);
            continue;
        }
        if let Some(m) = meta_line(text, true) {
            difficulty = m.difficulty.or(difficulty);
            if !m.tags.is_empty() {
                tags = m.tags;
            }
            if !m.companies.is_empty() {
                companies = m.companies;
            }
        } else {
            answer_lines.push(text.as_str());
        }
        i += 1;
    }
    let q = Extracted {
        title,
        title_source: TitleSource::Heading,
        difficulty,
        tags,
        companies,
        section,
        insight,
        answer: summary(answer_lines, 700),
        layout: Layout::Markdown,
        line: lines[at].no,
    };
    (q, end)
}

pub fn parse(lines: &[Line], claims: &mut Claims) -> Vec<Extracted> {
    let mut out = Vec::new();
    let mut section: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        if let Some((level, title)) = question_heading(lines, i) {
            let (q, end) = headed_question(lines, i, level, title, section.clone());
            claims.claim(i..end);
            out.push(q);
            i = end;
            continue;
        }
        if i > 0 && bullet(&lines[i].text).is_some() && list_starts_at(lines, i) {
            let heading = section.clone().unwrap_or_default();
            if let Some((qs, end)) = question_list(lines, i - 1, &heading) {
                claims.claim(i..end);
                out.extend(qs.into_iter().map(|mut q| {
                    q.section = section.clone();
                    q
                }));
                i = end;
                continue;
            }
        }
        if let Some(heading) = list_heading(lines, i) {
            if let Some((qs, end)) = question_list(lines, i, &heading) {
                claims.claim(i..end);
                out.extend(qs);
                i = end;
                continue;
            }
            if atx(&lines[i].text).is_some() {
                section = Some(heading);
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUIDE: &str = r#"# Rust interview notes

## Ownership

### 1. What does the borrow checker prevent?

Difficulty: Medium | Tags: ownership, borrowing

It rejects programs where a reference could outlive its value or alias a mutable one.

**What they test:**
- Aliasing XOR mutability
- Lifetimes as regions of validity

### Red flags
- Calls it a runtime check

### 2. Why is `Rc<RefCell<T>>` a smell in hot paths?

Runtime borrow tracking costs a check per access and can panic.

## Questions asked at Initech and Globex

- Explain how `Send` and `Sync` differ.
- Write a function that splits a slice into two mutable halves.
- What is a zero-cost abstraction?

## Further reading

- The book, chapter four.
- The nomicon.
"#;

    #[test]
    fn headed_questions_and_question_lists() {
        let ls = Line::numbered(GUIDE);
        let mut claims = Claims::new(ls.len());
        let qs = parse(&ls, &mut claims);
        let titles: Vec<&str> = qs.iter().map(|q| q.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "What does the borrow checker prevent?",
                "Why is `Rc<RefCell<T>>` a smell in hot paths?",
                "Explain how `Send` and `Sync` differ.",
                "Write a function that splits a slice into two mutable halves.",
                "What is a zero-cost abstraction?",
            ]
        );
        let q = &qs[0];
        assert_eq!(q.difficulty, Some(crate::bank::Difficulty::Medium));
        assert_eq!(q.tags, ["ownership", "borrowing"]);
        assert_eq!(q.section.as_deref(), Some("Ownership"));
        assert_eq!(
            q.insight.what_they_test,
            [
                "Aliasing XOR mutability",
                "Lifetimes as regions of validity"
            ]
        );
        assert_eq!(q.insight.red_flags, ["Calls it a runtime check"]);
        assert!(q.answer.starts_with("It rejects programs"));
        assert_eq!(qs[2].companies, ["Initech", "Globex"]);
        assert_eq!(qs[2].line, 24);
    }
}
