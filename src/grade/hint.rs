//! Hints: a nudge towards a key point, naming its most telling words without the explanation.
//! Any grader's session offers them, so they read the rubric, never a grade.

use std::collections::BTreeSet;

use super::terms::{Term, prompt_stems, terms_of};
use crate::bank::Question;
use crate::words::content_stems;

/// A hint for a key point: its most telling words, without giving away the explanation.
pub fn hint(question: &Question, point: usize) -> Option<String> {
    let line = question.what_they_test.get(point)?;
    let prompt_stems = prompt_stems(question);
    // Code names are what a candidate would say: what the point puts in backticks (`bytes`,
    // `__aenter__`) and words written as code without them (typing.NamedTuple, sys.exit(),
    // __slots__). They go first, then the other technical words in the point's order.
    let unquoted = line
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| ",;:!?\"'`".contains(c))
                .trim_end_matches('.')
        })
        .filter(|w| looks_like_code(w))
        // conftest.py is said "conftest".
        .map(|w| w.trim_end_matches(".py"));
    let in_code: BTreeSet<String> = line
        .split('`')
        .skip(1)
        .step_by(2)
        .chain(unquoted)
        .flat_map(content_stems)
        .collect();
    let mut terms = terms_of(line, &prompt_stems);
    terms.retain(|t| !t.generic && !t.stem.chars().all(|c| c.is_ascii_digit()));
    terms.sort_by(|a, b| {
        let code = |t: &Term| in_code.contains(&t.stem);
        code(b).cmp(&code(a)).then(b.weight.total_cmp(&a.weight))
    });
    let words: Vec<String> = terms.iter().take(3).map(|t| t.word.clone()).collect();
    (!words.is_empty()).then(|| format!("think about: {}", words.join(", ")))
}

/// A word written as code: a dotted name (typing.NamedTuple, not "e.g"), a call, or a name
/// with an underscore.
fn looks_like_code(word: &str) -> bool {
    let dotted = word
        .split('.')
        .filter(|part| part.chars().filter(|c| c.is_alphanumeric()).count() >= 2)
        .count()
        >= 2;
    dotted || word.ends_with("()") || (word.contains('_') && word.chars().any(char::is_alphabetic))
}
