//! Transcripts as Markdown, for reading and sharing. Answers are verbatim in fenced blocks (so
//! nothing in them is read as Markdown or HTML); every other piece of user text is escaped.
//! The whole document passes the terminal sanitiser: a Markdown file is read in a terminal too.

use std::fmt::Write as _;

use super::transcript::{Transcript, TranscriptTurn};
use crate::clock::format_utc;
use crate::grade::Grade;
use crate::render::grade_text::{criteria, graded_by, headline};

/// Text with Markdown's inline syntax and HTML neutralised: it shows as typed.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A fence longer than any run of backticks in the text, so the text cannot close it.
fn fenced(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{}\n{fence}\n", text.trim_end())
}

fn grade(out: &mut String, g: &Grade) {
    let mut by = graded_by(g, escape);
    if let Some(c) = g.cost_usd {
        let _ = write!(by, ", ${c:.4}");
    }
    let _ = writeln!(out, "**{}** ({by})\n", headline(g));
    for k in &g.key_points {
        let _ = write!(out, "- {} {}", k.verdict.mark(), escape(&k.point));
        match &k.evidence {
            Some(e) => {
                let _ = writeln!(out, " — “{}”", escape(e));
            }
            None => out.push('\n'),
        }
    }
    for f in &g.red_flags {
        let _ = writeln!(
            out,
            "- ⚠ red flag: {} — “{}”",
            escape(&f.flag),
            escape(&f.evidence)
        );
    }
    if !g.key_points.is_empty() || !g.red_flags.is_empty() {
        out.push('\n');
    }
    if !g.criteria.is_empty() {
        let _ = writeln!(out, "Criteria: {}\n", criteria(g, escape));
    }
    if !g.feedback.trim().is_empty() {
        let _ = writeln!(out, "Feedback: {}\n", escape(&g.feedback));
    }
    for n in &g.notes {
        let _ = writeln!(out, "*Note: {}*\n", escape(n));
    }
}

fn turn(out: &mut String, t: &TranscriptTurn, heading: &str) {
    let r = t.record;
    let _ = writeln!(out, "{heading}\n");
    let _ = writeln!(out, "**Question.** {}\n", escape(&r.prompt));
    if r.skipped {
        out.push_str("*Skipped.*\n\n");
        return;
    }
    out.push_str("**Answer.**\n\n");
    out.push_str(&fenced(&r.answer));
    out.push('\n');
    if r.hints > 0 {
        let _ = writeln!(out, "*{} hint(s) used.*\n", r.hints);
    }
    match &r.grade {
        Some(g) => grade(out, g),
        None => out.push_str("*Not graded yet.*\n\n"),
    }
    if t.grades.len() > 1 {
        let history: Vec<String> = t
            .grades
            .iter()
            .map(|s| format!("{} ({})", s.grade.score, escape(&s.grade.grader)))
            .collect();
        let _ = writeln!(out, "*Grade history: {}*\n", history.join(" → "));
    }
}

pub fn transcript(t: &Transcript) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Session {} · {} UTC\n",
        t.session.id,
        format_utc(t.session.started_at)
    );
    let _ = writeln!(out, "{}\n", t.tally());
    for q in &t.questions {
        let r = q.turn.record;
        let heading = format!(
            "## {}. {} · {} · {} · `{}`",
            q.number,
            escape(&r.topic),
            escape(&r.kind),
            escape(&r.difficulty),
            r.question_id.replace('`', "'")
        );
        turn(&mut out, &q.turn, &heading);
        for f in &q.follow_ups {
            turn(&mut out, f, "### Follow-up");
        }
    }
    crate::term::clean(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_text_shows_as_typed() {
        assert_eq!(
            escape("<b>__init__</b> & *args"),
            "&lt;b&gt;\\_\\_init\\_\\_&lt;/b&gt; &amp; \\*args"
        );
    }

    #[test]
    fn an_answer_cannot_close_its_fence() {
        let block = fenced("before\n```\n# not a heading\n````");
        assert!(block.starts_with("`````text\n"), "{block}");
        assert!(block.ends_with("\n`````\n"), "{block}");
    }
}
