//! `viva report`: progress across all sessions. Per topic the ability estimate with its
//! uncertainty and a sparkline of scores over time, the likeliest weakest topics, the questions
//! due for review, and totals. Reads only the store: no bank, no grader.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use anyhow::Result;
use serde::Serialize;

use super::chart::{bars, sparkline};
use super::estimate::{self, Estimates};
use crate::clock::format_utc;
use crate::store::{Attempt, SessionDelivery, Store, Totals};

/// A latest attempt below this score (or with not enough evidence) is a failure.
pub const PASS_SCORE: u8 = 60;
/// Weakest topics listed, at most.
const WEAKEST_SHOWN: usize = 3;
/// Due questions listed in the terminal (all of them in `--json`).
const DUE_SHOWN: usize = 10;
const SPARK_WIDTH: usize = 16;

#[derive(Debug, Clone, Serialize)]
pub struct TopicProgress {
    pub topic: String,
    pub answers: usize,
    pub estimate: f64,
    pub uncertainty: f64,
    pub p_weakest: f64,
    /// Latest scores of the topic's questions in the order they were answered.
    pub trend: String,
    pub last_answered_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Weak {
    pub topic: String,
    pub probability: f64,
}

/// A question whose latest attempt failed.
#[derive(Debug, Clone, Serialize)]
pub struct Due {
    pub question_id: String,
    pub topic: String,
    pub score: u8,
    pub graded: bool,
    pub answered_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub estimate_method: &'static str,
    pub due_rule: String,
    pub topics: Vec<TopicProgress>,
    pub weakest: Vec<Weak>,
    pub due: Vec<Due>,
    pub totals: Totals,
    /// Answers graded (latest grade), of `totals.answers`.
    pub graded_answers: usize,
    /// Delivery per session over the latest sessions with measured answers, oldest first
    /// (`viva review delivery` lists every session).
    pub delivery: Vec<SessionDelivery>,
}

/// Questions due for review: a question is due when its latest attempt failed (scored under 60,
/// or had not enough evidence), i.e. it failed and has not been passed since. Oldest failure
/// first. (`viva status` has the spaced-review view; it needs a replay of every answer, which
/// the report's time budget does not allow: see ARCHITECTURE.md.)
pub fn due(attempts: &[Attempt]) -> Vec<Due> {
    let mut latest: HashMap<&str, &Attempt> = HashMap::new();
    for a in attempts {
        latest.insert(&a.question_id, a);
    }
    let mut due: Vec<Due> = latest
        .into_values()
        .filter(|a| !a.graded || a.score < PASS_SCORE)
        .map(|a| Due {
            question_id: a.question_id.clone(),
            topic: a.topic.clone(),
            score: a.score,
            graded: a.graded,
            answered_at: a.answered_at,
        })
        .collect();
    due.sort_by(|a, b| (a.answered_at, &a.question_id).cmp(&(b.answered_at, &b.question_id)));
    due
}

pub fn build(store: &Store) -> Result<Report> {
    let attempts = store.attempts()?;
    let Estimates { method, topics } = estimate::estimate(&attempts);
    let mut scores: BTreeMap<&str, (Vec<u8>, i64)> = BTreeMap::new();
    for a in &attempts {
        let entry = scores.entry(&a.topic).or_default();
        entry.0.push(a.score);
        entry.1 = entry.1.max(a.answered_at);
    }
    let progress: Vec<TopicProgress> = topics
        .iter()
        .map(|t| {
            let (s, last) = scores.get(t.topic.as_str()).cloned().unwrap_or_default();
            TopicProgress {
                topic: t.topic.clone(),
                answers: t.answers,
                estimate: t.value,
                uncertainty: t.uncertainty,
                p_weakest: t.p_weakest,
                trend: sparkline(&s, SPARK_WIDTH),
                last_answered_at: last,
            }
        })
        .collect();
    let mut weakest: Vec<Weak> = topics
        .iter()
        .filter(|t| t.p_weakest >= 0.005)
        .map(|t| Weak {
            topic: t.topic.clone(),
            probability: t.p_weakest,
        })
        .collect();
    weakest.sort_by(|a, b| b.probability.total_cmp(&a.probability));
    weakest.truncate(WEAKEST_SHOWN);
    Ok(Report {
        estimate_method: method,
        due_rule: format!(
            "latest attempt scored under {PASS_SCORE} or had not enough evidence (viva status shows spaced review)"
        ),
        topics: progress,
        weakest,
        due: due(&attempts),
        totals: store.totals()?,
        graded_answers: attempts.iter().filter(|a| a.graded).count(),
        delivery: store.delivery_by_session(SPARK_WIDTH)?,
    })
}

fn plural(n: i64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn duration(ms: i64) -> String {
    let minutes = ms / 60_000;
    if minutes < 60 {
        format!("{minutes} min")
    } else {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    }
}

pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let t = &r.totals;
    if t.sessions == 0 {
        out.push_str("No sessions yet. Start one with: viva practice\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{} · {} ({} graded) · {} follow-ups · {} skipped · {} practised",
        plural(t.sessions, "session"),
        plural(t.answers, "answer"),
        r.graded_answers,
        t.follow_ups,
        t.skipped,
        duration(t.practised_ms)
    );
    if r.topics.is_empty() {
        out.push_str("\nNo graded answers yet.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "\nPer topic: {} (0–100), trend oldest → newest; viva status shows the adaptive model's view",
        r.estimate_method
    );
    let _ = writeln!(
        out,
        "  {:<16} {:>13}  {:>7}  {:>6}  trend",
        "topic", "estimate", "answers", "weak%"
    );
    for p in &r.topics {
        let _ = writeln!(
            out,
            "  {:<16} {:>6.0} ± {:<4.0}  {:>7}  {:>5.0}%  {}",
            p.topic,
            p.estimate,
            p.uncertainty,
            p.answers,
            p.p_weakest * 100.0,
            p.trend
        );
    }
    if !r.weakest.is_empty() {
        let parts: Vec<String> = r
            .weakest
            .iter()
            .map(|w| format!("{} ({:.0}%)", w.topic, w.probability * 100.0))
            .collect();
        let _ = writeln!(out, "\nWeakest: {}", parts.join(", "));
    }
    out.push_str(&delivery_trend(&r.delivery));
    if r.due.is_empty() {
        let _ = writeln!(out, "\nNothing due for review.");
    } else {
        let _ = writeln!(
            out,
            "\nDue for review: {} question{} (failed and not passed since)",
            r.due.len(),
            if r.due.len() == 1 { "" } else { "s" }
        );
        for d in r.due.iter().take(DUE_SHOWN) {
            let score = if d.graded {
                format!("{:>3}", d.score)
            } else {
                "  -".to_string()
            };
            let _ = writeln!(
                out,
                "  {score}  {}  {:<16} {}",
                format_utc(d.answered_at),
                d.topic,
                d.question_id
            );
        }
        if r.due.len() > DUE_SHOWN {
            let _ = writeln!(
                out,
                "  … and {} more (--json lists all)",
                r.due.len() - DUE_SHOWN
            );
        }
    }
    out
}

/// How delivery moved from the first session to the latest, each measure with bars scaled to
/// its own largest value (a shape over time; the numbers give the scale).
fn delivery_trend(sessions: &[SessionDelivery]) -> String {
    let mut out = String::new();
    let (Some(first), Some(last)) = (sessions.first(), sessions.last()) else {
        return out;
    };
    let _ = writeln!(
        out,
        "\nDelivery over the last {} (viva review delivery lists all):",
        plural(sessions.len() as i64, "session")
    );
    let mut row = |label: &str, values: Vec<f64>, from: f64, to: f64| {
        let top = values.iter().copied().fold(0.0, f64::max);
        let _ = writeln!(
            out,
            "  {label:<24} {from:>5.1} → {to:<5.1}  {}",
            bars(&values, top, SPARK_WIDTH)
        );
    };
    let fillers: Vec<f64> = sessions.iter().map(|s| s.fillers_per_100).collect();
    row(
        "fillers per 100 words",
        fillers,
        first.fillers_per_100,
        last.fillers_per_100,
    );
    let hedges: Vec<f64> = sessions.iter().map(|s| s.hedges_per_100).collect();
    row(
        "hedges per 100 words",
        hedges,
        first.hedges_per_100,
        last.hedges_per_100,
    );
    let paced: Vec<f64> = sessions.iter().filter_map(|s| s.mean_wpm).collect();
    if let (Some(&from), Some(&to)) = (paced.first(), paced.last()) {
        row("pace (words per minute)", paced.clone(), from, to);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(q: &str, at: i64, score: u8, graded: bool) -> Attempt {
        Attempt {
            question_id: q.into(),
            topic: "oop".into(),
            answered_at: at,
            score,
            graded,
        }
    }

    #[test]
    fn a_question_is_due_when_it_failed_and_was_not_passed_since() {
        let due = due(&[
            attempt("failed-then-passed", 1, 30, true),
            attempt("passed-then-failed", 2, 90, true),
            attempt("never-passed", 3, 59, true),
            attempt("failed-then-passed", 4, 60, true),
            attempt("passed-then-failed", 5, 40, true),
            attempt("did-not-know", 6, 0, false),
            attempt("passed", 7, 75, true),
        ]);
        let ids: Vec<&str> = due.iter().map(|d| d.question_id.as_str()).collect();
        assert_eq!(ids, ["never-passed", "passed-then-failed", "did-not-know"]);
    }
}
