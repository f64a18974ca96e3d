//! Choosing the interviewer's follow-up: the bank follow-up aimed at the weakest key point.

use std::collections::BTreeSet;

use super::{KeyPointVerdict, Verdict};
use crate::bank::Question;
use crate::words::analyze;

/// The follow-up aimed at the weakest point: the one sharing most terms with the first point
/// missed (or only partly made), else the first follow-up.
pub fn pick_follow_up(question: &Question, verdicts: &[KeyPointVerdict]) -> Option<String> {
    let weakest = verdicts
        .iter()
        .find(|v| v.verdict == Verdict::Missed)
        .or_else(|| verdicts.iter().find(|v| v.verdict == Verdict::Partly));
    let Some(weakest) = weakest else {
        return question.follow_ups.first().map(|f| f.prompt.clone());
    };
    let point: BTreeSet<String> = analyze(&weakest.point)
        .content()
        .map(|t| t.stem.clone())
        .collect();
    let mut best: Option<(usize, &String)> = None;
    for f in question.follow_ups.iter().map(|f| &f.prompt) {
        let overlap = analyze(f)
            .content()
            .filter(|t| point.contains(&t.stem))
            .count();
        if best.is_none_or(|(b, _)| overlap > b) {
            best = Some((overlap, f));
        }
    }
    best.map(|(_, f)| f.clone())
}
