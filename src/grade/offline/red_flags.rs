//! Red flags: a misconception the rubric names, raised when one sentence of the answer states it
//! with the same polarity, and not when the answer denies it or warns against it.

use std::collections::BTreeSet;

use super::matching::Answer;
use crate::grade::RedFlagHit;
use crate::grade::terms::{meta_stems, terms_of};
use crate::words::{Token, analyze};

/// Red flags about something missing ("Doesn't know...", "Ignores...") cannot be seen in what the
/// answer says; those starting with these words are left to the coverage score and the LLM.
pub(super) const ABSENCE: &[&str] = &[
    "not", "no", "never", "cannot", "ignore", "ignores", "forget", "forgets", "miss", "misses",
    "unaware", "fail", "fails", "unable", "lack", "lacks", "omit", "omits", "skip", "skips",
    "vague", "only", "just", "can",
];

pub(super) const NEGATIONS: &[&str] = &[
    "not",
    "no",
    "never",
    "nor",
    "neither",
    "myth",
    "wrong",
    "false",
    "incorrect",
    "misconception",
    "mistake",
    "mistaken",
    // "Writes the wrapper without functools.wraps": the flag is about leaving something out, so
    // an answer that does it ("I always put functools.wraps on the wrapper") does not raise it.
    "without",
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
];

pub(super) fn is_absence_flag(flag: &str) -> bool {
    analyze(flag)
        .tokens
        .iter()
        .filter(|t| !meta_stems().contains(&t.stem))
        .take(2)
        .any(|t| ABSENCE.contains(&t.word.as_str()))
}

/// Whether a sentence of `text` denies what it says. Python's constant `False`, written with its
/// capital ("returns False on failure"), is a value, not a denial.
pub(super) fn has_negation(text: &str, tokens: &[&Token]) -> bool {
    tokens
        .iter()
        .any(|t| NEGATIONS.contains(&t.word.as_str()) && &text[t.start..t.end] != "False")
}

/// A red flag is raised when one sentence states it: most of its terms, the same polarity.
pub(super) fn detect_red_flag(
    answer: &Answer,
    flag: &str,
    prompt_stems: &BTreeSet<String>,
) -> Option<RedFlagHit> {
    if is_absence_flag(flag) {
        return None;
    }
    let terms = terms_of(flag, prompt_stems);
    if terms.iter().filter(|t| !t.generic).count() < 2 {
        return None;
    }
    let flag_analysis = analyze(flag);
    let flag_tokens: Vec<&Token> = flag_analysis.tokens.iter().collect();
    let flag_negated = has_negation(flag, &flag_tokens);
    let total: f64 = terms.iter().map(|t| t.weight).sum();
    for (range, _) in &answer.sentences {
        let tokens: Vec<&Token> = range.clone().map(|p| answer.tok(p)).collect();
        // A run is never empty: it starts at a spoken word of its sentence.
        let (start, end) = answer.analysis.sentences[tokens[0].sentence];
        let found: f64 = terms
            .iter()
            .filter(|term| tokens.iter().any(|t| t.stem == term.stem))
            .map(|t| t.weight)
            .sum();
        let warns = tokens
            .iter()
            .any(|t| PITFALL_CUES.contains(&t.word.as_str()));
        let states = if flag_negated {
            has_negation(answer.text, &tokens)
        } else {
            !has_negation(answer.text, &tokens) && !warns
        };
        if found / total >= 0.75 && states {
            return Some(RedFlagHit {
                flag: flag.to_string(),
                evidence: answer.text[start..end].trim().to_string(),
            });
        }
    }
    None
}
