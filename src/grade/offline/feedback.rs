//! The offline grade's feedback sentence: what was made, what is missing, what was said the
//! opposite way round, what was flagged.

use crate::grade::{KeyPointVerdict, RedFlagHit, Verdict};

pub(super) fn feedback(
    points: &[KeyPointVerdict],
    flags: &[RedFlagHit],
    contradicted: &[usize],
    named_only: usize,
) -> String {
    let covered = points
        .iter()
        .filter(|p| p.verdict == Verdict::Covered)
        .count();
    let partly = points
        .iter()
        .filter(|p| p.verdict == Verdict::Partly)
        .count();
    let mut out = format!("You made {covered} of {} key points", points.len());
    if partly > 0 {
        out.push_str(&format!(" and touched {partly} more"));
    }
    out.push('.');
    if let Some(missed) = points.iter().find(|p| p.verdict == Verdict::Missed) {
        out.push_str(&format!(
            " Missing: {}.",
            missed.point.trim_end_matches('.')
        ));
    }
    for id in contradicted {
        out.push_str(&format!(
            " Key point {id} is said the opposite way round: {}.",
            points[id - 1].point.trim_end_matches('.')
        ));
    }
    if named_only >= 2 {
        out.push_str(" Several points were only named: say how each works and why it matters.");
    }
    if let Some(flag) = flags.first() {
        out.push_str(&format!(" Red flag: {}.", flag.flag.trim_end_matches('.')));
    }
    out
}
