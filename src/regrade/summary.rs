//! How scores moved between the old grades and the new ones, per topic: what someone changing
//! the rubric or the model wants to know before trusting the new grader.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use super::{NotGraded, Regraded};
use crate::render::plural;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Movement {
    pub topic: String,
    pub regraded: usize,
    /// Answers that had a grade before, so the two can be compared.
    pub compared: usize,
    /// Means over the compared answers, of the replaced grades and of the new ones.
    pub mean_before: Option<f64>,
    pub mean_after: Option<f64>,
    /// Mean of all the new grades, compared or not.
    pub mean_new: Option<f64>,
    /// Compared answers whose score went up, down, or stayed within one point.
    pub up: usize,
    pub down: usize,
    pub same: usize,
}

/// What a re-grade run did, by topic and overall, for the table and for `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct RegradeSummary {
    pub previous_graders: Vec<String>,
    pub graders: Vec<String>,
    pub regraded: usize,
    pub topics: Vec<Movement>,
    pub overall: Movement,
    pub failed: Vec<NotGraded>,
    pub skipped: Vec<NotGraded>,
    pub interrupted: bool,
    pub not_done: usize,
}

fn movement(topic: &str, items: &[&Regraded]) -> Movement {
    let pairs: Vec<(f64, f64)> = items
        .iter()
        .filter_map(|r| {
            r.before
                .as_ref()
                .map(|b| (f64::from(b.0), f64::from(r.after.0)))
        })
        .collect();
    let mean = |xs: Vec<f64>| (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64);
    Movement {
        topic: topic.to_string(),
        regraded: items.len(),
        compared: pairs.len(),
        mean_before: mean(pairs.iter().map(|p| p.0).collect()),
        mean_after: mean(pairs.iter().map(|p| p.1).collect()),
        mean_new: mean(items.iter().map(|r| f64::from(r.after.0)).collect()),
        up: pairs.iter().filter(|(b, a)| a - b > 1.0).count(),
        down: pairs.iter().filter(|(b, a)| b - a > 1.0).count(),
        same: pairs.iter().filter(|(b, a)| (a - b).abs() <= 1.0).count(),
    }
}

pub fn summarize(
    regraded: &[Regraded],
    failed: Vec<NotGraded>,
    skipped: Vec<NotGraded>,
    interrupted: bool,
    not_done: usize,
) -> RegradeSummary {
    let mut by_topic: BTreeMap<&str, Vec<&Regraded>> = BTreeMap::new();
    for r in regraded {
        by_topic.entry(&r.topic).or_default().push(r);
    }
    let previous: BTreeSet<String> = regraded
        .iter()
        .filter_map(|r| r.before.as_ref().map(|b| b.2.clone()))
        .collect();
    let graders: BTreeSet<String> = regraded.iter().map(|r| r.grader.clone()).collect();
    RegradeSummary {
        previous_graders: previous.into_iter().collect(),
        graders: graders.into_iter().collect(),
        regraded: regraded.len(),
        topics: by_topic
            .iter()
            .map(|(topic, items)| movement(topic, items))
            .collect(),
        overall: movement("all", &regraded.iter().collect::<Vec<_>>()),
        failed,
        skipped,
        interrupted,
        not_done,
    }
}

fn score(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{v:.1}"))
}

/// How many answers were re-graded and by which graders; with none, only that.
fn headline(s: &RegradeSummary) -> String {
    if s.regraded == 0 {
        return "No answers were re-graded.\n".to_string();
    }
    let from = if s.previous_graders.is_empty() {
        "ungraded".to_string()
    } else {
        s.previous_graders.join(", ")
    };
    format!(
        "Re-graded {}: {from} → {}\n",
        plural(s.regraded, "answer"),
        s.graders.join(", ")
    )
}

pub fn render(s: &RegradeSummary) -> String {
    let mut out = String::new();
    out.push_str(&headline(s));
    if s.regraded > 0 {
        let _ = writeln!(
            out,
            "  {:<16} {:>5} {:>7} {:>8} {:>7} {:>7}  {:>3} {:>3} {:>3}",
            "topic", "n", "mean", "compared", "before", "after", "up", "dn", "="
        );
        for m in s.topics.iter().chain(std::iter::once(&s.overall)) {
            let _ = writeln!(
                out,
                "  {:<16} {:>5} {:>7} {:>8} {:>7} {:>7}  {:>3} {:>3} {:>3}",
                m.topic,
                m.regraded,
                score(m.mean_new),
                m.compared,
                score(m.mean_before),
                score(m.mean_after),
                m.up,
                m.down,
                m.same
            );
        }
        out.push_str(
            "  (mean: of the new grades; before → after: the same answers, graded before and now; up/dn: moved by more than a point)\n",
        );
    }
    for f in &s.failed {
        let _ = writeln!(out, "  turn {} not graded: {}", f.turn_id, f.reason);
    }
    for f in &s.skipped {
        let _ = writeln!(out, "  turn {} skipped: {}", f.turn_id, f.reason);
    }
    if s.interrupted {
        let _ = writeln!(
            out,
            "Interrupted: {} left as they were; the grades above are stored.",
            plural(s.not_done, "answer")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(topic: &str, before: Option<u8>, after: u8) -> Regraded {
        Regraded {
            turn_id: 1,
            topic: topic.into(),
            before: before.map(|b| (b, true, "offline".into())),
            after: (after, true),
            grader: "llm (m)".into(),
        }
    }

    #[test]
    fn movement_per_topic_compares_only_answers_graded_before() {
        let s = summarize(
            &[
                r("oop", Some(40), 70),
                r("oop", Some(80), 60),
                r("oop", None, 90),
                r("web", Some(50), 50),
            ],
            vec![],
            vec![],
            false,
            0,
        );
        let oop = &s.topics[0];
        assert_eq!((oop.regraded, oop.compared, oop.up, oop.down), (3, 2, 1, 1));
        assert_eq!(oop.mean_before, Some(60.0));
        assert_eq!(oop.mean_after, Some(65.0));
        assert_eq!(oop.mean_new, Some((70.0 + 60.0 + 90.0) / 3.0));
        assert_eq!(s.topics[1].same, 1);
        assert_eq!(s.overall.regraded, 4);
        assert_eq!(s.previous_graders, ["offline"]);
        assert_eq!(s.graders, ["llm (m)"]);
    }
}
