//! Plain-text rendering of questions, grades and summaries, shared by the REPL and `viva review`.

use std::fmt::Write as _;

use crate::bank::Question;
use crate::clock::format_utc;
use crate::grade::{Grade, Outcome};
use crate::learner::Status;
use crate::session::{Asked, Summary};
use crate::store::{SessionSummary, TurnRecord};

pub fn question_header(asked: &Asked) -> String {
    let q = asked.question;
    format!(
        "Question {}/{} · {} · {} · {}\n({})\n\n{}\n",
        asked.number, asked.total, q.topic, q.kind, q.difficulty, asked.reason, q.prompt
    )
}

pub fn question_text(q: &Question) -> String {
    format!("{}\n", q.prompt)
}

/// A grade as the candidate reads it after answering.
pub fn grade(g: &Grade) -> String {
    let mut out = String::new();
    match g.outcome {
        Outcome::Graded => {
            let _ = writeln!(out, "Score: {}/100 ({} grader)", g.score, g.grader);
        }
        Outcome::InsufficientEvidence => {
            let _ = writeln!(
                out,
                "Score: {}/100, not enough evidence to grade ({} grader)",
                g.score, g.grader
            );
        }
    }
    for k in &g.key_points {
        let _ = writeln!(out, "  {} {}", k.verdict.mark(), k.point);
        if let Some(e) = &k.evidence {
            let _ = writeln!(out, "      you said: \"{}\"", shorten(e, 160));
        }
    }
    for f in &g.red_flags {
        let _ = writeln!(out, "  ! red flag: {}", f.flag);
        let _ = writeln!(out, "      you said: \"{}\"", shorten(&f.evidence, 160));
    }
    if !g.criteria.is_empty() {
        let parts: Vec<String> = g
            .criteria
            .iter()
            .map(|c| format!("{} {}/4", c.name, c.level))
            .collect();
        let _ = writeln!(out, "  {}", parts.join(" · "));
    }
    let _ = writeln!(out, "{}", g.feedback);
    for n in &g.notes {
        let _ = writeln!(out, "note: {n}");
    }
    if let Some(f) = &g.follow_up {
        let _ = writeln!(out, "An interviewer might follow up: {f}");
    }
    out
}

pub fn summary(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Session {} finished: {} asked, {} answered, {} skipped.",
        s.session_id, s.asked, s.answered, s.skipped
    );
    match s.mean_score {
        Some(m) => {
            let _ = writeln!(out, "Mean score: {m:.0}/100");
        }
        None => {
            let _ = writeln!(out, "No graded answers.");
        }
    }
    for (topic, t) in &s.topics {
        let score = t.mean_score.map_or("-".to_string(), |m| format!("{m:.0}"));
        let _ = writeln!(out, "  {topic:<16} {score:>4}  ({} graded)", t.graded);
    }
    if let (Some(best), Some(worst)) = (&s.best, &s.worst)
        && best != worst
    {
        let _ = writeln!(
            out,
            "Best: {} ({}). Worst: {} ({}).",
            best.0, best.1, worst.0, worst.1
        );
    }
    let _ = writeln!(out, "Review it with: viva review show {}", s.session_id);
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
        "From {} answer{}. Expected score on a medium question (± one standard deviation), weakest first;
P(weakest {}) is the chance the topic is among your {} weakest.
",
        s.answers,
        if s.answers == 1 { "" } else { "s" },
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
                "  {:<36} {score}, {days} day{} ago, recall {:.0}%",
                d.item,
                if days == 1 { "" } else { "s" },
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
        "{:>5}  {:<16}  {:>9}  {:>8}  {:>5}",
        "id", "started (UTC)", "questions", "answered", "mean"
    );
    for s in sessions {
        let mean = s.mean_score.map_or("-".to_string(), |m| format!("{m:.0}"));
        let _ = writeln!(
            out,
            "{:>5}  {:<16}  {:>9}  {:>8}  {:>5}",
            s.id,
            format_utc(s.started_at),
            s.questions,
            s.answered,
            mean
        );
    }
    out
}

pub fn transcript(session: &SessionSummary, turns: &[TurnRecord]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Session {} · started {} UTC",
        session.id,
        format_utc(session.started_at)
    );
    if let Some(m) = session.mean_score {
        let _ = writeln!(out, "Mean score: {m:.0}/100");
    }
    for t in turns {
        let _ = writeln!(
            out,
            "\n{}. [{} · {} · {}] {}",
            t.seq, t.topic, t.kind, t.difficulty, t.question_id
        );
        let _ = writeln!(out, "Q: {}", t.prompt);
        if t.skipped {
            let _ = writeln!(out, "(skipped)");
            continue;
        }
        let _ = writeln!(out, "A: {}", t.answer.trim());
        if t.hints > 0 {
            let _ = writeln!(
                out,
                "({} hint{} used)",
                t.hints,
                if t.hints == 1 { "" } else { "s" }
            );
        }
        match &t.grade {
            Some(g) => out.push_str(&grade(g)),
            None => out.push_str("(not graded yet)\n"),
        }
    }
    out
}

/// At most `max` characters, cut at a char boundary with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        return s;
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{cut}…")
}
