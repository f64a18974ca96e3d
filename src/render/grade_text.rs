//! The parts of a grade that the terminal, Markdown and HTML renderings word alike. Each caller
//! passes its own `escape`, since grader names, models and criterion names come from
//! configuration and bank files.

use std::fmt::Write as _;

use crate::grade::{Grade, Outcome, Verdict};

/// The score, or that the answer gave too little to grade. An approximate score says so.
pub fn headline(g: &Grade) -> String {
    match g.outcome {
        Outcome::Graded => format!("Score: {}/100{}", g.score, approximate(g)),
        Outcome::InsufficientEvidence => "Not enough evidence to grade".to_string(),
    }
}

/// " (approximate)" for a grade made by a grader that cannot check everything the rubric asks.
pub fn approximate(g: &Grade) -> &'static str {
    if g.approximate && g.outcome == Outcome::Graded {
        " (approximate)"
    } else {
        ""
    }
}

/// Who graded: the grader, then the model and the tokens it used when a model graded.
pub fn graded_by(g: &Grade, escape: fn(&str) -> String) -> String {
    let mut by = format!("{} grader", escape(&g.grader));
    if let Some(m) = &g.model {
        let _ = write!(by, ", {}", escape(m));
    }
    if let (Some(i), Some(o)) = (g.tokens_in, g.tokens_out) {
        let _ = write!(by, ": {i} tokens in, {o} out");
    }
    by
}

/// Each criterion's level on one line, in rubric order. The coverage criterion is counted in
/// key points made, the count the feedback and the self-check use, rather than a 0-4 level
/// that would read as a second, different count.
pub fn criteria(g: &Grade, escape: fn(&str) -> String) -> String {
    let parts: Vec<String> = g
        .criteria
        .iter()
        .map(|c| match c.id.as_str() {
            COVERAGE if !g.key_points.is_empty() => format!(
                "{} {} of {}",
                escape(&c.name),
                g.count(Verdict::Covered),
                g.key_points.len()
            ),
            _ => format!("{} {}/4", escape(&c.name), c.level),
        })
        .collect();
    parts.join(" · ")
}

/// The id of the criterion that counts key points (the concept rubric's "Key points").
const COVERAGE: &str = "coverage";
