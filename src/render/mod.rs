//! Rendering of questions, grades and summaries, shared by the REPL and `viva review`. Text is
//! written with ANSI styles (`term`); the output stream drops them where colour is not wanted,
//! and wraps lines to the terminal.

pub mod debrief;
pub mod delivery;
pub mod dialogue;
pub mod grade_text;

use std::fmt::Write as _;

use crate::bank::Question;
use crate::clock::format_utc;
use crate::delivery::clock;
use crate::grade::{Grade, Outcome, Verdict};
use crate::learner::Status;
use crate::session::{Asked, Scorecard};
use crate::store::{ScoreTally, SessionScores, SessionSummary};
use anstyle::Style;

use crate::term::{self, BAD, CODE, DIM, GOOD, PARTLY, TITLE, paint};

/// An answer read from a pipe, shown under its question (a terminal would have echoed it).
pub fn piped_answer(text: &str) -> String {
    let mut out = paint(DIM, "Answer (from standard input):");
    for line in text.lines() {
        out.push_str("\n  ");
        out.push_str(line);
    }
    out
}

pub fn question_header(asked: &Asked) -> String {
    let q = &asked.question;
    if asked.retry {
        let what = if asked.follow_up {
            "the follow-up on question"
        } else {
            "question"
        };
        return format!(
            "{}\n\n{}\n",
            paint(TITLE, &format!("Again: {what} {}", asked.number)),
            term::code(&q.prompt)
        );
    }
    if asked.follow_up {
        return format!(
            "{}\n\n{}\n",
            paint(TITLE, &format!("Follow-up on question {}", asked.number)),
            term::code(&q.prompt)
        );
    }
    // The reason can give a score away; a real-mode front end leaves it empty.
    let reason = if asked.reason.is_empty() {
        String::new()
    } else {
        format!("{}\n", paint(DIM, &format!("({})", asked.reason)))
    };
    format!(
        "{}\n{reason}\n{}\n",
        paint(
            TITLE,
            &format!(
                "Question {}/{} · {} · {} · {}",
                asked.number, asked.total, q.topic, q.kind, q.difficulty
            )
        ),
        term::code(&q.prompt)
    )
}

fn mark(v: Verdict) -> String {
    let style = match v {
        Verdict::Covered => GOOD,
        Verdict::Partly => PARTLY,
        Verdict::Missed => BAD,
    };
    paint(style, v.mark())
}

pub fn question_text(q: &Question) -> String {
    format!("{}\n", term::code(&q.prompt))
}

/// The colour of a score's band, so a glance tells a strong answer from a weak one.
fn band(score: f64) -> Style {
    let style = if score >= 70.0 {
        GOOD
    } else if score >= 40.0 {
        PARTLY
    } else {
        BAD
    };
    style.bold()
}

/// "Score: N/100" in the colour of its band.
pub fn score(score: u8) -> String {
    paint(band(f64::from(score)), &format!("Score: {score}/100"))
}

/// The words of the answer that earned a verdict, under it. One line is cut at a clause or
/// word boundary; code (several lines) keeps its lines and indentation, so it reads as code.
fn you_said(out: &mut String, evidence: &str) {
    let lines: Vec<&str> = evidence.trim().lines().collect();
    if lines.len() == 1 {
        let _ = writeln!(
            out,
            "      {}",
            paint(DIM, &format!("you said: \"{}\"", shorten(evidence, 160)))
        );
        return;
    }
    let _ = writeln!(out, "      {}", paint(DIM, "you said:"));
    for line in lines.iter().take(QUOTED_LINES) {
        let _ = writeln!(out, "        {}", paint(CODE, line.trim_end()));
    }
    if lines.len() > QUOTED_LINES {
        let _ = writeln!(out, "        {}", paint(DIM, "…"));
    }
}

/// Lines of code quoted under a verdict; a longer quote ends with an ellipsis.
const QUOTED_LINES: usize = 6;

/// A grade as the candidate reads it after answering.
pub fn grade(g: &Grade) -> String {
    let mut out = String::new();
    match g.outcome {
        Outcome::Graded => {
            let approximate = if g.approximate { ", approximate" } else { "" };
            let _ = writeln!(out, "{} ({} grader{approximate})", score(g.score), g.grader);
        }
        Outcome::InsufficientEvidence => {
            let _ = writeln!(
                out,
                "{}, not enough evidence to grade ({} grader)",
                score(g.score),
                g.grader
            );
        }
    }
    for k in &g.key_points {
        let _ = writeln!(out, "  {} {}", mark(k.verdict), term::code(&k.point));
        if let Some(e) = &k.evidence {
            you_said(&mut out, e);
        }
    }
    for f in &g.red_flags {
        let _ = writeln!(out, "  {} red flag: {}", paint(BAD, "!"), f.flag);
        you_said(&mut out, &f.evidence);
    }
    if !g.criteria.is_empty() {
        let _ = writeln!(out, "  {}", grade_text::criteria(g, str::to_string));
    }
    let _ = writeln!(out, "{}", term::code(&g.feedback));
    for n in &g.notes {
        let _ = writeln!(out, "{}", paint(DIM, &format!("note: {n}")));
    }
    if let (Some(i), Some(o)) = (g.tokens_in, g.tokens_out) {
        let cost = g.cost_usd.map_or(String::new(), |c| format!(", ${c:.4}"));
        let model = g.model.as_deref().unwrap_or("model");
        let _ = writeln!(
            out,
            "{}",
            paint(
                DIM,
                &format!(
                    "({model}: {i} tokens in, {o} out{cost}, {:.1} s)",
                    g.latency_ms as f64 / 1000.0
                )
            )
        );
    }
    out
}

/// The end-of-session debrief: score per topic, best and worst answers, retries, delivery,
/// what to practise next, time and cost.
pub fn summary(s: &Scorecard) -> String {
    let mut out = String::new();
    let mode = if s.mode.is_real() { "real" } else { "study" };
    let _ = writeln!(
        out,
        "{} {}",
        paint(
            TITLE,
            &format!("Session {} finished: {}.", s.session_id, tally(s))
        ),
        paint(
            DIM,
            &format!(
                "({mode} mode, {})",
                clock(s.duration_ms.max(0) as f64 / 1000.0)
            )
        )
    );
    match s.scores.questions.mean {
        Some(mean) => {
            let _ = writeln!(out, "{}", paint(band(mean), &scores_line(&s.scores)));
        }
        // Answered but never graded: every answer was "I don't know", empty or off the topic.
        None if s.answered > 0 => {
            let _ = writeln!(
                out,
                "No answer gave enough evidence for a score: say what you do know, even in part."
            );
        }
        None => {
            let _ = writeln!(out, "No graded answers.");
        }
    }
    for (topic, t) in &s.topics {
        let score = t.mean.map_or("-".to_string(), |m| format!("{m:.0}"));
        let _ = writeln!(out, "  {topic:<16} {score:>4}  ({} graded)", t.graded);
    }
    // Equal scores have no best and worst.
    if let (Some(best), Some(worst)) = (&s.best, &s.worst)
        && best.1 != worst.1
    {
        let _ = writeln!(
            out,
            "Best: {} ({}). Worst: {} ({}).",
            best.0, best.1, worst.0, worst.1
        );
    }
    for r in &s.retries {
        let score = |x: Option<u8>| x.map_or("-".to_string(), |v| v.to_string());
        let what = if r.follow_up {
            "the follow-up on question"
        } else {
            "question"
        };
        let _ = writeln!(
            out,
            "Retried {what} {} ({}): {} → {}",
            r.number,
            r.question_id,
            score(r.first),
            score(r.retry)
        );
    }
    if s.over_time > 0 {
        let _ = writeln!(
            out,
            "Over the time limit: {}.",
            plural(s.over_time, "answer")
        );
    }
    if let Some(d) = &s.delivery {
        let _ = writeln!(out, "{}", delivery::summary_line(d));
    }
    if !s.practise.is_empty() {
        let _ = writeln!(out, "{}", paint(TITLE, "Practise next:"));
        for p in &s.practise {
            let _ = writeln!(out, "  - {} ({}): {}", p.topic, p.question_id, p.point);
        }
    }
    if s.tokens_in + s.tokens_out > 0 {
        let cost = s.cost_usd.map_or(String::new(), |c| format!(", ${c:.4}"));
        let _ = writeln!(
            out,
            "Model usage: {} tokens in, {} out{cost}",
            s.tokens_in, s.tokens_out
        );
    }
    let _ = writeln!(
        out,
        "{}",
        paint(
            DIM,
            &format!("Review it with: viva review show {}", s.session_id)
        )
    );
    out
}

/// What became of the questions and follow-ups asked: "3 questions asked, 2 answered, 1
/// skipped; 1 follow-up, 1 skipped". A skipped follow-up is told apart, so a `/skip` always shows.
fn tally(s: &Scorecard) -> String {
    let mut out = format!(
        "{} asked, {} answered, {} skipped",
        plural(s.asked, "question"),
        s.answered,
        s.skipped
    );
    if s.left_open > 0 {
        let _ = write!(out, ", {} left unanswered", s.left_open);
    }
    if s.follow_ups > 0 {
        let _ = write!(out, "; {}", plural(s.follow_ups, "follow-up"));
        if s.follow_ups_skipped > 0 {
            let _ = write!(out, ", {} skipped", s.follow_ups_skipped);
        }
    }
    out
}

/// The learner's per-topic estimates (weakest first) and the reviews due.
pub fn status(s: &Status, now_ms: i64) -> String {
    let mut out = String::new();
    if s.answers == 0 {
        out.push_str(
            "No answers yet: every topic starts at the same estimate. Start with: viva practice
",
        );
        return out;
    }
    let _ = writeln!(
        out,
        "From {}. Expected score on a medium question (± one standard deviation), weakest first;
P(weakest {}) is the chance the topic is among your {} weakest.
",
        plural(s.answers, "answer"),
        s.k,
        s.k
    );
    let _ = writeln!(
        out,
        "  {:<16} {:>10}  {:>12}  {:>7}",
        "topic",
        "expected",
        format!("P(weakest {})", s.k),
        "answers"
    );
    for t in &s.topics {
        let expected = format!(
            "{:.0}% ± {:.0}",
            100.0 * t.expected_score,
            50.0 * (t.expected_high - t.expected_low)
        );
        let _ = writeln!(
            out,
            "  {:<16} {:>10}  {:>11.0}%  {:>7}",
            t.topic,
            expected,
            100.0 * t.p_weakest,
            t.answers
        );
    }
    if s.reviews_due.is_empty() {
        out.push_str(
            "
No reviews due.
",
        );
    } else {
        let _ = writeln!(
            out,
            "
Reviews due ({}):",
            s.reviews_due.len()
        );
        for d in &s.reviews_due {
            let days = (now_ms - d.last_at_ms) / 86_400_000;
            let score = d.last_score.map_or("no answer".to_string(), |x| {
                format!("scored {:.0}", 100.0 * x)
            });
            let _ = writeln!(
                out,
                "  {:<36} {score}, {} ago, recall {:.0}%",
                d.item,
                plural(days, "day"),
                100.0 * d.retrievability
            );
        }
    }
    out
}

pub fn session_list(sessions: &[SessionSummary]) -> String {
    let mut out = String::new();
    if sessions.is_empty() {
        out.push_str("No sessions yet. Start one with: viva practice\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{:>5}  {:<16}  {:>9}  {:>8}  scores",
        "id", "started (UTC)", "questions", "answered"
    );
    for s in sessions {
        let _ = writeln!(
            out,
            "{:>5}  {:<16}  {:>9}  {:>8}  {}",
            s.id,
            format_utc(s.started_at),
            s.questions,
            s.answered,
            scores_line(&s.scores)
        );
    }
    out
}

/// A session's scores in the one wording every view of a session uses (summary, review,
/// report, exports), so the same session reads the same everywhere.
pub fn scores_line(s: &SessionScores) -> String {
    let tally = |label: &str, t: &ScoreTally| {
        let mean = t.mean.map_or("-".to_string(), |m| format!("{m:.0}/100"));
        format!("{label} {mean} ({} graded)", t.graded)
    };
    format!(
        "{} · {}",
        tally("questions", &s.questions),
        tally("follow-ups", &s.follow_ups)
    )
}

/// `n` and the noun, in the plural unless `n` is one: "1 answer", "3 answers".
pub fn plural<N: std::fmt::Display + PartialEq + From<u8>>(n: N, noun: &str) -> String {
    let s = if n == N::from(1) { "" } else { "s" };
    format!("{n} {noun}{s}")
}

/// On one line and at most `max` characters. A longer text is cut after the last clause (a
/// `,` `;` `:` `.`) in its second half, else at the last word, never inside a word, and ends
/// with an ellipsis.
pub fn shorten(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        return s;
    }
    let head: String = s.chars().take(max.saturating_sub(1)).collect();
    let words = head
        .rfind(' ')
        .map_or(head.as_str(), |i| head[..i].trim_end());
    let clause = words
        .rfind([',', ';', ':', '.'])
        .filter(|&i| i >= words.len() / 2)
        .map(|i| &words[..i]);
    format!("{}…", clause.unwrap_or(words))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> String {
        anstream::adapter::strip_str(s).to_string()
    }

    #[test]
    fn a_long_quote_is_cut_at_a_clause_or_a_word_never_inside_one() {
        let said =
            "the lock is released while waiting, so threads help with I/O but not with computing";
        assert_eq!(shorten(said, 60), "the lock is released while waiting…");
        assert_eq!(
            shorten("one two three four five six seven", 20),
            "one two three four…"
        );
        assert_eq!(shorten("short  and\nsweet", 60), "short and sweet");
    }

    #[test]
    fn quoted_code_keeps_its_lines_and_indentation() {
        let mut out = String::new();
        you_said(&mut out, "def f(xs):\n    for x in xs:\n        yield x\n");
        assert_eq!(
            plain(&out),
            "      you said:\n        def f(xs):\n            for x in xs:\n                yield x\n"
        );
    }

    #[test]
    fn scores_are_coloured_by_band() {
        assert_eq!(score(0), paint(BAD.bold(), "Score: 0/100"));
        assert_eq!(score(55), paint(PARTLY.bold(), "Score: 55/100"));
        assert_eq!(score(100), paint(GOOD.bold(), "Score: 100/100"));
    }
}
