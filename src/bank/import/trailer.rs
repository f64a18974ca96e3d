//! Layout: answers that end in an insight trailer. The question headings were lost, so each
//! answer starts right after the previous trailer (or a section heading) and ends with a line
//! such as `What interviewers are really testing: …Red flag answer: …Follow-up:` and its
//! bullets. Scenario blocks have the same shape: `Scenario: …What weak candidates say:`,
//! bullets, `What strong candidates say:`, bullets, `Follow-up:`, numbered questions.

use super::insight::{Field, Insight, Segment, field_of, segments};
use super::repair::{Line, unglue};
use super::text::{
    bullet, clearly_asks, heading_like, is_blank, lead_sentence, looks_like_code, prose_like,
    strip_markup, summary,
};
use super::{Claims, Extracted, Layout, TitleSource};

/// Words of a title taken from the first sentence of an untitled answer.
const LEAD_WORDS: usize = 30;

fn known_label(seg: &Segment) -> Option<Field> {
    seg.label.and_then(field_of)
}

/// A line that opens a trailer: holding an insight label that is followed by a list, or two
/// insight labels. A bullet opens one only when the label is glued to the end of its text.
fn opens_trailer(lines: &[Line], i: usize) -> bool {
    let text = &lines[i].text;
    let segs = match bullet(text) {
        Some(b) => {
            let segs = segments(b.body);
            if segs.first().is_none_or(|s| s.label.is_some()) {
                return false;
            }
            segs
        }
        None => segments(text),
    };
    let known: Vec<&Segment> = segs.iter().filter(|s| known_label(s).is_some()).collect();
    let list_follows = known.last().is_some_and(|s| s.value.is_empty())
        && lines[i + 1..]
            .iter()
            .find(|l| !is_blank(&l.text))
            .is_some_and(|l| bullet(&l.text).is_some());
    known.len() >= 2 || (known.len() == 1 && list_follows)
}

/// A line that continues a trailer: a bullet, or a line that starts with an insight label.
fn continues_trailer(text: &str) -> bool {
    bullet(text).is_some()
        || segments(text)
            .first()
            .is_some_and(|s| s.label.is_some_and(|l| field_of(l).is_some()))
}

/// Where a trailer that continues at `from` ends. Code quoted inside a list item (blank and
/// code lines followed by more items) belongs to the trailer.
fn trailer_end(lines: &[Line], from: usize) -> usize {
    let mut end = from;
    while end < lines.len() {
        let next = (end..lines.len()).find(|&k| !is_blank(&lines[k].text) && !code_at(lines, k));
        let Some(next) = next else { break };
        if standalone_heading(lines, next) {
            break;
        }
        // A line of code that opens a trailer of its own is the next answer, not a quote.
        if let Some(k) = (end..next).find(|&k| opens_trailer(lines, k)) {
            return end.min(k);
        }
        let code_between = (end..next).any(|k| code_at(lines, k));
        if continues_trailer(&lines[next].text)
            && (!code_between || bullet(&lines[next].text).is_some())
        {
            end = next + 1;
        } else {
            break;
        }
    }
    end
}

/// A line of code, counting a comment line that heads code (`# BUG: …` above a class).
fn code_at(lines: &[Line], i: usize) -> bool {
    let text = lines[i].text.trim_start();
    if bullet(text).is_some() {
        return false;
    }
    looks_like_code(text)
        || (["# ", "// ", "-- "].iter().any(|c| text.starts_with(c))
            && lines
                .get(i + 1)
                .is_some_and(|next| looks_like_code(&next.text)))
}

/// A section heading: a short line standing alone between blank lines.
fn standalone_heading(lines: &[Line], i: usize) -> bool {
    let blank_before = i == 0 || is_blank(&lines[i - 1].text);
    let blank_after = lines.get(i + 1).is_none_or(|l| is_blank(&l.text));
    blank_before && blank_after && heading_like(&lines[i].text)
}

/// Reads the insight of a trailer (lines `from..to`); returns it with the answer text that
/// precedes the first label on the opening line.
fn read_trailer(lines: &[Line], from: usize, to: usize) -> (Insight, String) {
    let mut insight = Insight::default();
    let mut field: Option<Field> = None;
    let mut lead = String::new();
    let mut base_indent: Option<usize> = None;
    for (k, line) in lines[from..to].iter().enumerate() {
        // The opening line is read for its labels even when it is a list item itself.
        let opening = k == 0;
        let text = match bullet(&line.text) {
            Some(b) if opening => b.body,
            _ => line.text.as_str(),
        };
        if let Some(b) = bullet(text) {
            let base = *base_indent.get_or_insert(b.indent);
            if let Some(f) = field
                && b.indent <= base
            {
                insight.push(f, b.body);
            }
            continue;
        }
        let mut seen_known = false;
        for seg in segments(text) {
            match (known_label(&seg), seen_known) {
                (Some(f), _) => {
                    seen_known = true;
                    field = Some(f);
                    base_indent = None;
                    insight.push(f, seg.value);
                }
                // Labels that are not insight ("War Story:") end the item before them.
                (None, true) => field = None,
                (None, false) => {
                    if !lead.is_empty() {
                        lead.push(' ');
                    }
                    if let Some(l) = seg.label {
                        lead.push_str(l);
                        lead.push_str(": ");
                    }
                    lead.push_str(seg.value);
                }
            }
        }
    }
    (insight, lead)
}

/// A question title kept above its answer (`How does X work?` on a line of its own, prose
/// below): guides whose headings survived put one before each answer.
fn title_at(lines: &[Line], k: usize) -> bool {
    let text = &lines[k].text;
    let next = lines[k + 1..].iter().find(|l| !is_blank(&l.text));
    // Not a comment in code, an indented line, or a line a colon announced.
    let plain_line = !text.starts_with(char::is_whitespace)
        && !text.starts_with(['#', '/', '-', '|'])
        && !lines[..k]
            .iter()
            .rev()
            .find(|l| !is_blank(&l.text))
            .is_some_and(|l| l.text.trim_end().ends_with(':'));
    plain_line
        && bullet(text).is_none()
        && text.split_whitespace().count() <= 30
        && clearly_asks(text)
        && !segments(text).iter().any(|s| known_label(s).is_some())
        && next.is_some_and(|l| {
            bullet(&l.text).is_none()
                && !clearly_asks(&l.text)
                && !looks_like_code(&l.text)
                && prose_like(&l.text)
        })
}

/// A titled question whose answer has no trailer: from its title to `end`.
fn untrailed(lines: &[Line], at: usize, end: usize, section: &Option<String>) -> Extracted {
    let answer = lines[at + 1..end]
        .iter()
        .map(|l| unglue(&l.text))
        .collect::<Vec<_>>();
    Extracted {
        title: strip_markup(&lines[at].text).to_string(),
        title_source: TitleSource::Heading,
        difficulty: None,
        tags: Vec::new(),
        companies: Vec::new(),
        section: section.clone(),
        insight: Insight::default(),
        answer: summary(answer.iter().map(String::as_str), 700),
        layout: Layout::Trailer,
        line: lines[at].no,
    }
}

/// Reads `from..to` for section headings and question titles: the section in force at `to`,
/// where the answer that ends at `to` starts, whether that start is a title, and the titled
/// questions before it that had no trailer.
fn block_parts(
    lines: &[Line],
    from: usize,
    to: usize,
    section: &mut Option<String>,
) -> (usize, bool, Vec<Extracted>) {
    let mut start = from;
    let mut title: Option<usize> = None;
    let mut earlier = Vec::new();
    for k in from..to {
        if title_at(lines, k) {
            if let Some(t) = title {
                earlier.push(untrailed(lines, t, k, section));
            }
            title = Some(k);
        } else if standalone_heading(lines, k) {
            if let Some(t) = title.take() {
                earlier.push(untrailed(lines, t, k, section));
            }
            *section = Some(strip_markup(&lines[k].text).to_string());
            start = k + 1;
        }
    }
    match title {
        Some(t) => (t, true, earlier),
        None => (start, false, earlier),
    }
}

pub fn parse(lines: &[Line], claims: &mut Claims) -> Vec<Extracted> {
    let mut out = Vec::new();
    let mut block_start = 0;
    let mut section: Option<String> = None;
    let mut titled = false;
    let mut i = 0;
    while i < lines.len() {
        if !opens_trailer(lines, i) {
            i += 1;
            continue;
        }
        let end = trailer_end(lines, i + 1);
        // The answer starts after the last section heading (or at the last title) before
        // the trailer.
        let (mut start, has_title, earlier) = block_parts(lines, block_start, i, &mut section);
        if let Some(first) = earlier.first()
            && let Some(k) = (block_start..i).find(|&k| lines[k].no == first.line)
        {
            claims.claim(k..start);
        }
        out.extend(earlier);
        titled |= has_title;
        while start < i && is_blank(&lines[start].text) {
            start += 1;
        }
        let (insight, lead) = read_trailer(lines, i, end);
        let first = unglue(&lines[start].text);
        let (title, title_source, body_from) = if has_title {
            (
                strip_markup(&first).to_string(),
                TitleSource::Heading,
                start + 1,
            )
        } else {
            match first.strip_prefix("Scenario:") {
                Some(rest) => {
                    let situation = segments(rest)
                        .into_iter()
                        .take_while(|s| known_label(s).is_none())
                        .map(|s| s.value)
                        .collect::<Vec<_>>()
                        .join(" ");
                    (situation, TitleSource::Scenario, start)
                }
                None => (
                    lead_sentence(&first, LEAD_WORDS),
                    TitleSource::AnswerLead,
                    start,
                ),
            }
        };
        let answer_lines = lines[body_from.min(i)..i]
            .iter()
            .map(|l| unglue(&l.text))
            .chain(std::iter::once(lead))
            .collect::<Vec<_>>();
        claims.claim(start..end);
        out.push(Extracted {
            title,
            title_source,
            difficulty: None,
            tags: Vec::new(),
            companies: Vec::new(),
            section: section.clone(),
            insight,
            answer: summary(answer_lines.iter().map(String::as_str), 700),
            layout: Layout::Trailer,
            line: lines[start].no,
        });
        block_start = end;
        i = end;
    }
    // In a guide with titles, titled answers after the last trailer have none of their own.
    if titled && block_start < lines.len() {
        let mut rest_section = section.clone();
        let (last, has_title, earlier) =
            block_parts(lines, block_start, lines.len(), &mut rest_section);
        let mut tail = earlier;
        if has_title {
            let end = (last + 1..lines.len())
                .find(|&k| standalone_heading(lines, k))
                .unwrap_or(lines.len());
            tail.push(untrailed(lines, last, end, &rest_section));
        }
        for q in &tail {
            if let Some(k) = lines.iter().position(|l| l.no == q.line) {
                claims.claim(k..k + 1);
            }
        }
        out.extend(tail);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"Docs home

2. Storage

A write-ahead log records each change before the data pages are written.
It makes crash recovery a replay.What interviewers are really testing: Whether durability is understood.Red flag answer: “The OS flushes everything.”Follow-up:
  • “What does fsync cost?”
  • “How big should a WAL segment be?”
Vacuum reclaims dead tuples left by updates.
What interviewers are really testing: MVCC housekeeping.Red flag answer: Never heard of bloat.Follow-up:
  • “When does autovacuum fall behind?”

Scenarios

Scenario: Replication lag grows every night during the batch load.What weak candidates say:
  • Add more replicas.
What strong candidates say:
  • Measure where the lag comes from first.
    • a nested detail
-- the batch job, quoted in an item:
INSERT INTO big SELECT * FROM staging;
  • Then throttle it.
Follow-up:
  1. “How would you throttle the load?”

Closing words
"#;

    #[test]
    fn answers_are_cut_after_each_trailer() {
        let ls = Line::numbered(PAGE);
        let mut claims = Claims::new(ls.len());
        let qs = parse(&ls, &mut claims);
        assert_eq!(qs.len(), 3);
        assert_eq!(qs[0].line, 5);
        assert_eq!(qs[0].section.as_deref(), Some("2. Storage"));
        assert_eq!(qs[0].title_source, TitleSource::AnswerLead);
        assert!(qs[0].title.starts_with("A write-ahead log records"));
        assert_eq!(
            qs[0].insight.what_they_test,
            ["Whether durability is understood."]
        );
        assert_eq!(qs[0].insight.red_flags, ["The OS flushes everything."]);
        assert_eq!(qs[0].insight.follow_ups.len(), 2);
        assert_eq!(qs[1].line, 9);
        assert_eq!(
            qs[1].insight.follow_ups,
            ["When does autovacuum fall behind?"]
        );
        let s = &qs[2];
        assert_eq!(s.title_source, TitleSource::Scenario);
        assert_eq!(
            s.title,
            "Replication lag grows every night during the batch load."
        );
        assert_eq!(s.section.as_deref(), Some("Scenarios"));
        assert_eq!(s.insight.red_flags, ["Add more replicas."]);
        assert_eq!(
            s.insight.strong_signals,
            [
                "Measure where the lag comes from first.",
                "Then throttle it."
            ]
        );
        assert_eq!(s.insight.follow_ups, ["How would you throttle the load?"]);
        assert!(
            claims.free_parts().iter().any(|p| p.contains(&0)),
            "the page header is left to other layouts"
        );
        assert!(
            claims
                .free_parts()
                .iter()
                .any(|p| p.contains(&(ls.len() - 1))),
            "so is the text after the last trailer"
        );
    }
}
