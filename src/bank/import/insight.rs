//! Interviewer insight: the four rubric lists, the labels guides give them, and the blocks and
//! trailers that hold them.

use serde::Serialize;

use super::repair::{Line, unglue};
use super::text::{bullet, strip_markup, unquote};

/// The four rubric lists of a question, as a guide states them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Insight {
    pub what_they_test: Vec<String>,
    pub strong_signals: Vec<String>,
    pub red_flags: Vec<String>,
    pub follow_ups: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    WhatTheyTest,
    StrongSignals,
    RedFlags,
    FollowUps,
}

impl Insight {
    pub fn list_mut(&mut self, field: Field) -> &mut Vec<String> {
        match field {
            Field::WhatTheyTest => &mut self.what_they_test,
            Field::StrongSignals => &mut self.strong_signals,
            Field::RedFlags => &mut self.red_flags,
            Field::FollowUps => &mut self.follow_ups,
        }
    }

    /// Adds an item, cleaned: surrounding quotes go, glued sentences get their space back.
    pub fn push(&mut self, field: Field, item: &str) {
        let item = unglue(unquote(item.trim()));
        let item = item.trim();
        if !item.is_empty() {
            self.list_mut(field).push(item.to_string());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> usize {
        self.what_they_test.len()
            + self.strong_signals.len()
            + self.red_flags.len()
            + self.follow_ups.len()
    }

    pub fn extend(&mut self, other: &Insight) {
        self.what_they_test
            .extend(other.what_they_test.iter().cloned());
        self.strong_signals
            .extend(other.strong_signals.iter().cloned());
        self.red_flags.extend(other.red_flags.iter().cloned());
        self.follow_ups.extend(other.follow_ups.iter().cloned());
    }
}

/// The rubric list a label names. Guides word their labels many ways ("What they're looking
/// for", "Common mistakes", "Likely follow-ups"), so a label is read by the phrase it carries,
/// when the words before that phrase only qualify it ("common", "what a") and the label is
/// short.
pub fn field_of(label: &str) -> Option<Field> {
    const FIELDS: [(Field, &[&str]); 4] = [
        (
            Field::FollowUps,
            &["follow-up", "follow up", "followup", "next questions"],
        ),
        (
            Field::RedFlags,
            &[
                "red flag",
                "weak answer",
                "weak candidate",
                "weak response",
                "mistake",
                "pitfall",
                "warning sign",
                "bad answer",
                "wrong answer",
                "anti-pattern",
            ],
        ),
        (
            Field::StrongSignals,
            &[
                "strong signal",
                "strong answer",
                "strong candidate",
                "strong response",
                "green flag",
                "good sign",
                "great answer",
                "good answer",
                "ideal answer",
                "best answer",
            ],
        ),
        (
            Field::WhatTheyTest,
            &[
                "they test",
                "they're testing",
                "they are testing",
                "they look for",
                "they're looking for",
                "they are looking for",
                "interviewers test",
                "interviewers are testing",
                "interviewers are really testing",
                "interviewers look for",
                "interviewers are looking for",
                "interviewer is looking for",
                "interviewer wants",
                "being tested",
                "concepts tested",
                "interview focus",
                "key points",
                "it tests",
                "this tests",
            ],
        ),
    ];
    /// Words that may stand before the phrase of a label.
    const QUALIFIERS: &[&str] = &[
        "what",
        "a",
        "an",
        "the",
        "common",
        "likely",
        "typical",
        "possible",
        "potential",
        "some",
        "key",
        "top",
        "other",
        "more",
        "classic",
        "frequent",
        "usual",
        "is",
        "are",
        "signs",
        "of",
        "really",
        "most",
    ];
    let l = normalize_label(label);
    let words = l.split_whitespace().count();
    // A label is a few words; a colon inside means a label with its value, not a label.
    if words == 0 || words > 6 || l.contains(':') {
        return None;
    }
    FIELDS.iter().find_map(|(field, phrases)| {
        phrases.iter().find_map(|p| {
            let at = l.find(p)?;
            let before_ok = l[..at].split_whitespace().all(|w| QUALIFIERS.contains(&w));
            let starts_word = at == 0 || l[..at].ends_with(' ');
            let after = l[at + p.len()..].split_whitespace().count();
            (before_ok && starts_word && after <= 2).then_some(*field)
        })
    })
}

fn normalize_label(label: &str) -> String {
    unquote(strip_markup(label))
        .trim_end_matches(':')
        .trim()
        .replace('’', "'")
        .to_lowercase()
}

/// A line that opens an insight block: "Interviewer's Insight", "Interview Insights:",
/// `!!! tip "Interviewer's Insight"`.
pub fn is_block_header(text: &str) -> bool {
    let l = normalize_label(text);
    l.starts_with("interview") && l.contains("insight") && l.split_whitespace().count() <= 3
}

/// `Label: value` at the start of a line, with a label of a few plain words.
pub fn label_of(text: &str) -> Option<(&str, &str)> {
    let t = strip_markup(text);
    let (label, value) = t.split_once(':')?;
    let words = label.split_whitespace().count();
    let plain = label
        .chars()
        .all(|c| c.is_alphabetic() || " '’-".contains(c));
    (plain && (1..=6).contains(&words) && label.starts_with(|c: char| c.is_uppercase()))
        .then(|| (label.trim(), value.trim().trim_start_matches("**").trim()))
}

/// Parses the insight block that starts at `lines[start]` (a header or the first label).
/// Returns the insight and the index just past the block. The block is labels (with an inline
/// value or a list below), bullets and blank lines; unlabelled bullets are key points a strong
/// answer makes, and bullets nested under a bullet are its details, not items of their own.
pub fn parse_block(lines: &[Line], start: usize) -> (Insight, usize) {
    let mut insight = Insight::default();
    let mut field = Field::StrongSignals;
    let mut base_indent: Option<usize> = None;
    let mut end = start;
    let mut i = start;
    while i < lines.len() {
        let text = &lines[i].text;
        if text.trim().is_empty() || is_block_header(text) {
            i += 1;
            continue;
        }
        if let Some(b) = bullet(text) {
            let base = *base_indent.get_or_insert(b.indent);
            if b.indent <= base {
                insight.push(field, b.body);
            }
        } else if let Some(f) = field_of(text) {
            // A label on its own, without a colon: `### Red flags`.
            field = f;
            base_indent = None;
        } else if let Some((label, value)) = label_of(text) {
            let Some(f) = field_of(label) else { break };
            field = f;
            base_indent = None;
            if !value.is_empty() {
                insight.push(f, value);
            }
        } else {
            break;
        }
        i += 1;
        end = i;
    }
    (insight, end)
}

/// A piece of a line that starts with a label, as in a glued trailer:
/// `…answer text.What interviewers are really testing: X.Red flag answer: Y.Follow-up:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment<'a> {
    /// None for the text before the first label.
    pub label: Option<&'a str>,
    pub value: &'a str,
}

/// Splits a line at its labels. A known insight label splits wherever a sentence ends; any
/// other label only where a paragraph break was lost (no space after the sentence end), so
/// that "…their names. Especially: …" stays one item.
pub fn segments(text: &str) -> Vec<Segment<'_>> {
    let mut cuts: Vec<(usize, usize, &str)> = Vec::new(); // (label start, value start, label)
    for (colon, _) in text.match_indices(':') {
        let before = &text[..colon];
        // Walk back over the label's words to a sentence boundary or the line start.
        let label_start = before
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_alphabetic() || " '’-".contains(c)))
            .map_or(0, |(k, c)| k + c.len_utf8());
        let raw = &before[label_start..];
        let label = raw.trim_start();
        let words = label.split_whitespace().count();
        if !(1..=6).contains(&words) || !label.starts_with(|c: char| c.is_uppercase()) {
            continue;
        }
        let boundary = &before[..label_start];
        let at_start = boundary.trim().is_empty();
        let glued =
            raw.len() == label.len() && boundary.ends_with(['.', '?', '!', ')', '”', '"', '’']);
        let spaced = boundary
            .trim_end()
            .ends_with(['.', '?', '!', ')', '”', '"', '’'])
            && raw.len() != label.len();
        let known = field_of(label).is_some();
        if at_start || glued || (known && spaced) {
            let start = colon - label.len();
            cuts.push((start, colon + 1, label));
        }
    }
    let mut out = Vec::new();
    let first = cuts.first().map_or(text.len(), |c| c.0);
    if !text[..first].trim().is_empty() {
        out.push(Segment {
            label: None,
            value: text[..first].trim(),
        });
    }
    for (k, &(_, value_start, label)) in cuts.iter().enumerate() {
        let value_end = cuts.get(k + 1).map_or(text.len(), |c| c.0);
        out.push(Segment {
            label: Some(label),
            value: text[value_start..value_end].trim(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_map_to_fields_in_their_many_phrasings() {
        assert_eq!(field_of("What they’re testing:"), Some(Field::WhatTheyTest));
        assert_eq!(field_of("**Red flags:**"), Some(Field::RedFlags));
        assert_eq!(
            field_of("Strong answer signals"),
            Some(Field::StrongSignals)
        );
        assert_eq!(field_of("Follow-ups:"), Some(Field::FollowUps));
        assert_eq!(field_of("Gotcha"), None);
        assert!(is_block_header("!!! tip \"Interviewer's Insight\""));
        assert!(is_block_header("Interview Insights:"));
    }

    #[test]
    fn a_full_block_with_inline_values_and_nested_bullets() {
        let ls = Line::numbered(
            "Interviewer's Insight\n\nWhat they're testing: Whether isolation levels are understood.\n\
             \nStrong signal:\n\n  • \"Names phantom reads\"\n    • a nested detail\n  • Mentions MVCC\n\
             \nRed flags:\n  - Thinks locks are free\nFollow-ups:\n  1. “What does SERIALIZABLE cost?”\n\
             \nNext question title",
        );
        let (ins, end) = parse_block(&ls, 0);
        assert_eq!(
            ins.what_they_test,
            ["Whether isolation levels are understood."]
        );
        assert_eq!(ins.strong_signals, ["Names phantom reads", "Mentions MVCC"]);
        assert_eq!(ins.red_flags, ["Thinks locks are free"]);
        assert_eq!(ins.follow_ups, ["What does SERIALIZABLE cost?"]);
        assert_eq!(ls[end].text, "", "the block ends before the next title");
    }

    #[test]
    fn unlabelled_bullets_are_key_points() {
        let ls = Line::numbered(
            "Interview Insights:\n\nInterviewer's Insight\n\n  • \"Borrowing: shared or unique\"\n  • Lifetimes bound references\nAfter",
        );
        let (ins, end) = parse_block(&ls, 0);
        assert_eq!(
            ins.strong_signals,
            ["Borrowing: shared or unique", "Lifetimes bound references"]
        );
        assert_eq!(end, 6);
    }

    #[test]
    fn glued_trailer_splits_at_labels_but_keeps_inner_colons() {
        let line = "Rows stay locked.What interviewers are really testing: Whether you know the cost. \
                    Especially: deadlocks.Red flag answer: “Locks are free.” Another red flag: none.\
                    War Story: We once lost a day.Follow-up:";
        let segs = segments(line);
        let got: Vec<(Option<&str>, &str)> = segs.iter().map(|s| (s.label, s.value)).collect();
        assert_eq!(
            got,
            [
                (None, "Rows stay locked."),
                (
                    Some("What interviewers are really testing"),
                    "Whether you know the cost. Especially: deadlocks."
                ),
                (
                    Some("Red flag answer"),
                    "“Locks are free.” Another red flag: none."
                ),
                (Some("War Story"), "We once lost a day."),
                (Some("Follow-up"), ""),
            ]
        );
    }
}
