//! Plain-text rendering of questions, grades and summaries, shared by the REPL and `viva review`.

use std::fmt::Write as _;

use crate::bank::Question;
use crate::clock::format_utc;
use crate::grade::{Grade, Outcome};
use crate::session::{Asked, Summary};
use crate::store::{SessionSummary, TurnRecord};

pub fn question_header(asked: &Asked) -> String {
    let q = &asked.question;
    if asked.follow_up {
        return format!("Follow-up on question {}\n\n{}\n", asked.number, q.prompt);
    }
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
    if let (Some(i), Some(o)) = (g.tokens_in, g.tokens_out) {
        let cost = g.cost_usd.map_or(String::new(), |c| format!(", ${c:.4}"));
        let model = g.model.as_deref().unwrap_or("model");
        let _ = writeln!(
            out,
            "({model}: {i} tokens in, {o} out{cost}, {:.1} s)",
            g.latency_ms as f64 / 1000.0
        );
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
    if s.follow_ups > 0 {
        let _ = writeln!(out, "Follow-up questions: {}", s.follow_ups);
    }
    if s.tokens_in + s.tokens_out > 0 {
        let cost = s.cost_usd.map_or(String::new(), |c| format!(", ${c:.4}"));
        let _ = writeln!(
            out,
            "Model usage: {} tokens in, {} out{cost}",
            s.tokens_in, s.tokens_out
        );
    }
    let _ = writeln!(out, "Review it with: viva review show {}", s.session_id);
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

/// A session's graded transcript; each follow-up is indented under the question it followed.
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
    // Numbered by question, as the session numbered them; follow-ups share their number.
    for (n, t) in turns.iter().filter(|t| t.parent_id.is_none()).enumerate() {
        let _ = writeln!(
            out,
            "\n{}. [{} · {} · {}] {}",
            n + 1,
            t.topic,
            t.kind,
            t.difficulty,
            t.question_id
        );
        out.push_str(&turn_body(t));
        for f in turns.iter().filter(|f| f.parent_id == Some(t.id)) {
            let block = format!("Follow-up:\n{}", turn_body(f));
            for line in block.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    out
}

/// Question, answer and grade of one turn.
fn turn_body(t: &TurnRecord) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Q: {}", t.prompt);
    if t.skipped {
        let _ = writeln!(out, "(skipped)");
        return out;
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
