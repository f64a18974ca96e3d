//! `viva report`: progress across all sessions. Per topic the learner's ability estimate with its
//! uncertainty and a sparkline of scores over time, the likeliest weakest topics, the questions
//! spaced review says are due, delivery over time, and totals. Reads the store and the bank's
//! topic list; no grader.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use anyhow::Result;
use serde::Serialize;

use super::chart::{bars, sparkline};
use crate::clock::{format_utc, now_ms};
use crate::learner::memory::DESIRED_RETENTION;
use crate::learner::{Params, snapshot};
use crate::render::{plural, scores_line};
use crate::store::{SessionDelivery, SessionSummary, Store, Totals};

/// Weakest topics listed, at most.
const WEAKEST_SHOWN: usize = 3;
/// Due questions listed in the terminal (all of them in `--json`).
const DUE_SHOWN: usize = 10;
const SPARK_WIDTH: usize = 16;
/// Latest sessions whose scores are listed.
const SESSIONS_SHOWN: usize = 5;

#[derive(Debug, Clone, Serialize)]
pub struct TopicProgress {
    pub topic: String,
    pub answers: u32,
    /// The expected score on a medium question, 0–100.
    pub estimate: f64,
    /// Half the width of the expected score's ±1 sd band, in points.
    pub uncertainty: f64,
    /// P(the topic is among the K weakest).
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

/// A question spaced review says to ask again.
#[derive(Debug, Clone, Serialize)]
pub struct DueQuestion {
    pub question_id: String,
    pub topic: String,
    /// The last score, None when the last answer showed nothing to score.
    pub score: Option<u8>,
    /// The chance the answer is still remembered now.
    pub recall: f64,
    pub answered_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProgressReport {
    pub estimate_method: String,
    pub due_rule: String,
    /// Topics with answers, weakest first.
    pub topics: Vec<TopicProgress>,
    pub weakest: Vec<Weak>,
    pub due: Vec<DueQuestion>,
    pub totals: Totals,
    /// Answers graded (effective grade), of `totals.answers`.
    pub graded_answers: usize,
    /// The latest sessions, newest first, with their scores.
    pub sessions: Vec<SessionSummary>,
    /// Delivery per session over the latest sessions with measured answers, oldest first
    /// (`viva review delivery` lists every session).
    pub delivery: Vec<SessionDelivery>,
}

/// The report for the bank's `topics`: the learner's estimates and spaced review (the same
/// model `viva status` and question selection use, resumed from its snapshot), the trends and
/// totals from the stored attempts.
pub fn build(store: &Store, topics: Vec<String>) -> Result<ProgressReport> {
    let now = now_ms();
    let status = snapshot::load(store, topics, Params::default())?.summary(now);
    let attempts = store.question_grades()?;
    let mut scores: BTreeMap<&str, (Vec<u8>, i64)> = BTreeMap::new();
    let mut topic_of: HashMap<&str, &str> = HashMap::new();
    for a in &attempts {
        let entry = scores.entry(&a.topic).or_default();
        entry.0.push(a.score);
        entry.1 = entry.1.max(a.answered_at);
        topic_of.insert(&a.question_id, &a.topic);
    }
    let progress: Vec<TopicProgress> = status
        .topics
        .iter()
        .filter(|t| t.answers > 0)
        .map(|t| {
            let (s, last) = scores.get(t.topic.as_str()).cloned().unwrap_or_default();
            TopicProgress {
                topic: t.topic.clone(),
                answers: t.answers,
                estimate: t.expected_score * 100.0,
                uncertainty: (t.expected_high - t.expected_low) * 50.0,
                p_weakest: t.p_weakest,
                trend: sparkline(&s, SPARK_WIDTH),
                last_answered_at: last,
            }
        })
        .collect();
    let mut weakest: Vec<Weak> = progress
        .iter()
        .filter(|t| t.p_weakest >= 0.005)
        .map(|t| Weak {
            topic: t.topic.clone(),
            probability: t.p_weakest,
        })
        .collect();
    weakest.sort_by(|a, b| b.probability.total_cmp(&a.probability));
    weakest.truncate(WEAKEST_SHOWN);
    let due = status
        .reviews_due
        .iter()
        .map(|d| DueQuestion {
            topic: topic_of.get(d.item.as_str()).unwrap_or(&"-").to_string(),
            question_id: d.item.clone(),
            score: d.last_score.map(|s| (s * 100.0).round() as u8),
            recall: d.retrievability,
            answered_at: d.last_at_ms,
        })
        .collect();
    Ok(ProgressReport {
        estimate_method: format!(
            "expected score on a medium question ± 1 sd (learner model); weak% = P(among the {} weakest)",
            status.k
        ),
        due_rule: format!(
            "spaced review (FSRS): the chance of recalling the answer has fallen below {:.0}%",
            DESIRED_RETENTION * 100.0
        ),
        topics: progress,
        weakest,
        due,
        totals: store.totals()?,
        graded_answers: attempts.iter().filter(|a| a.graded).count(),
        sessions: latest_sessions(store)?,
        delivery: store.delivery_by_session(SPARK_WIDTH)?,
    })
}

fn latest_sessions(store: &Store) -> Result<Vec<SessionSummary>> {
    let mut sessions = Vec::new();
    for id in store.session_ids()?.into_iter().rev().take(SESSIONS_SHOWN) {
        sessions.extend(store.session(id)?);
    }
    Ok(sessions)
}

/// Time practised, in whole minutes; under one minute says so rather than "0 min".
fn duration(ms: i64) -> String {
    let minutes = ms / 60_000;
    if minutes == 0 {
        "under a minute".to_string()
    } else if minutes < 60 {
        format!("{minutes} min")
    } else {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    }
}

pub fn render(r: &ProgressReport) -> String {
    let mut out = String::new();
    let t = &r.totals;
    if t.sessions == 0 {
        out.push_str("No sessions yet. Start one with: viva practice\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{} · {} ({} graded) · {} · {} skipped · {} practised",
        plural(t.sessions, "session"),
        plural(t.answers, "answer"),
        r.graded_answers,
        plural(t.follow_ups, "follow-up"),
        t.skipped,
        duration(t.practised_ms)
    );
    let _ = writeln!(out, "\nLatest sessions:");
    for s in &r.sessions {
        let _ = writeln!(
            out,
            "  session {:<4} {}  {}",
            s.id,
            format_utc(s.started_at),
            scores_line(&s.scores)
        );
    }
    if r.topics.is_empty() {
        out.push_str("\nNo graded answers yet.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "\nPer topic, weakest first: {}; trend of scores oldest → newest",
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
            "\nDue for review: {} (likeliest to be forgotten first)",
            plural(r.due.len(), "question")
        );
        for d in r.due.iter().take(DUE_SHOWN) {
            let score = d.score.map_or("  -".to_string(), |s| format!("{s:>3}"));
            let _ = writeln!(
                out,
                "  {score}  recall {:>3.0}%  {}  {:<16} {}",
                d.recall * 100.0,
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
        plural(sessions.len(), "session")
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
