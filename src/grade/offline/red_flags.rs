//! Red flags: a misconception the rubric names, raised when one sentence of the answer states it
//! with the same polarity, and not when the answer denies it or warns against it.

use std::collections::BTreeSet;
use std::ops::Range;

use super::matching::Answer;
use super::polarity::{Claim, Reading, inverts};
use crate::grade::RedFlagHit;
use crate::grade::terms::read;
use crate::grade::terms::{meta_stems, terms_of};

/// Red flags about something missing ("Doesn't know...", "Ignores...") cannot be seen in what the
/// answer says; those starting with these words are left to the coverage score and the LLM.
pub(super) const ABSENCE: &[&str] = &[
    "not", "no", "never", "cannot", "ignore", "ignores", "forget", "forgets", "miss", "misses",
    "unaware", "fail", "fails", "unable", "lack", "lacks", "omit", "omits", "skip", "skips",
    "vague", "only", "just", "can",
];

/// Words that frame a sentence as a warning ("the classic bug is using list.pop(0)"): a strong
/// answer names the misconception to steer clear of it, which is not holding it.
pub(super) const PITFALL_CUES: &[&str] = &[
    "trap",
    "traps",
    "bug",
    "bugs",
    "mistakes",
    "danger",
    "dangerous",
    "pitfall",
    "pitfalls",
    "gotcha",
    "gotchas",
    "avoid",
    "beware",
    "careful",
    "instead",
    "rather",
    "unlike",
    "whereas",
];

pub(super) fn is_absence_flag(flag: &str) -> bool {
    read(flag)
        .tokens
        .iter()
        .filter(|t| !meta_stems().contains(&t.stem))
        .take(2)
        .any(|t| ABSENCE.contains(&t.word.as_str()))
}

/// The misconception a flag names, without the correction some flags append ("Claims deepcopy
/// recurses forever, though its memo dict ..."): the correction is not what the answer says.
fn misconception(flag: &str) -> &str {
    [
        ", though ",
        ", although ",
        ", even though ",
        ", whereas ",
        ", but ",
        "; ",
    ]
    .iter()
    .filter_map(|cut| flag.find(cut))
    .min()
    .map_or(flag, |at| &flag[..at])
}

/// A red flag is raised when one sentence states it: most of its terms, the same polarity, and
/// not framed as a pitfall to avoid.
pub(super) fn detect_red_flag(
    answer: &Answer,
    flag: &str,
    prompt_stems: &BTreeSet<String>,
) -> Option<RedFlagHit> {
    if is_absence_flag(flag) {
        return None;
    }
    let said = misconception(flag);
    let terms = terms_of(said, prompt_stems);
    if terms.iter().filter(|t| !t.generic).count() < 2 {
        return None;
    }
    let claim = Claim::of(said, &terms);
    if is_confusion_flag(flag) {
        // Naming both things is what a correct answer does too; the misconception is saying
        // they are the same.
        return answer
            .sentences
            .iter()
            .find(|(range, _)| {
                states(answer, range.clone(), &claim, STATES_SHARE)
                    && range
                        .clone()
                        .any(|p| SAMENESS.contains(&answer.tok(p).word.as_str()))
            })
            .map(|(range, _)| RedFlagHit {
                flag: flag.to_string(),
                evidence: answer.sentence_text(range.start),
            });
    }
    stating_sentence(answer, &claim, STATES_SHARE).map(|evidence| RedFlagHit {
        flag: flag.to_string(),
        evidence,
    })
}

/// Flags about mixing two things up ("Confuses nonlocal with global").
fn is_confusion_flag(flag: &str) -> bool {
    let lower = flag.to_lowercase();
    ["confuses ", "conflates ", "mixes up ", "treats "]
        .iter()
        .any(|verb| lower.starts_with(verb))
        && [" with ", " and ", " as "]
            .iter()
            .any(|w| lower.contains(w))
}

/// Words that say two things are one ("nonlocal is just an alias for global").
const SAMENESS: &[&str] = &[
    "same",
    "alias",
    "identical",
    "equivalent",
    "interchangeable",
    "interchangeably",
    "just",
    "synonym",
    "equal",
    "both",
    "either",
];

/// Share of a flag's weighted terms one sentence must carry to state it.
const STATES_SHARE: f64 = 0.75;

/// The first sentence that states `claim`: `share` of its weighted terms, not inverted, and not
/// a warning against it.
pub(super) fn stating_sentence(answer: &Answer, claim: &Claim, share: f64) -> Option<String> {
    answer
        .sentences
        .iter()
        .find(|(range, _)| states(answer, range.clone(), claim, share))
        .map(|(range, _)| answer.sentence_text(range.start))
}

/// Whether the sentence at spoken positions `range` states `claim` (see `stating_sentence`).
pub(super) fn states(answer: &Answer, range: Range<usize>, claim: &Claim, share: f64) -> bool {
    let total: f64 = claim.terms.iter().map(|t| t.weight).sum();
    let matched: Vec<usize> = range
        .clone()
        .filter(|&p| claim.terms.iter().any(|t| answer.tok(p).says(&t.stem)))
        .collect();
    let found: f64 = claim
        .terms
        .iter()
        .filter(|term| matched.iter().any(|&p| answer.tok(p).says(&term.stem)))
        .map(|t| t.weight)
        .sum();
    if matched.is_empty() || found / total < share {
        return false;
    }
    let warns = !claim.negated
        && range
            .clone()
            .any(|p| PITFALL_CUES.contains(&answer.tok(p).word.as_str()));
    !warns && !inverts(answer, range, &matched, claim, Reading::RedFlag)
}
