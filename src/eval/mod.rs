//! The agreement set and `viva eval`: answers labelled by a person who saw no grader's output on
//! them, and how closely a grader agrees with those labels. A grade is a claim about an answer;
//! this is how the claim is checked.

pub mod metrics;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::bank::Bank;
use crate::error::BadInput;

/// The shipped set, compiled in by build.rs.
pub fn shipped_set() -> (&'static str, &'static str) {
    crate::embedded::EVAL
        .iter()
        .find(|(name, _)| name.ends_with("agreement.toml"))
        .copied()
        .expect("build.rs embeds data/eval/agreement.toml")
}

/// What the labeller judged an answer to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Excellent,
    Good,
    Partial,
    Poor,
    /// Fluent, but resting on a misconception the rubric names as a red flag.
    Wrong,
    /// Terms of the rubric without a claim connecting them.
    Stuffing,
    /// An answer that addresses the grader instead of the question.
    Injection,
    Empty,
}

impl Label {
    pub const ALL: [Label; 8] = [
        Label::Excellent,
        Label::Good,
        Label::Partial,
        Label::Poor,
        Label::Wrong,
        Label::Stuffing,
        Label::Injection,
        Label::Empty,
    ];

    /// The human scores a label allows: a row outside its band is a labelling slip.
    pub fn band(self) -> (u8, u8) {
        match self {
            Label::Excellent => (85, 100),
            Label::Good => (65, 84),
            Label::Partial => (40, 64),
            Label::Poor => (15, 39),
            Label::Wrong => (0, 25),
            Label::Stuffing => (0, 15),
            Label::Injection => (0, 10),
            Label::Empty => (0, 0),
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = serde_json::to_value(self).expect("a label serializes");
        f.write_str(name.as_str().unwrap_or_default())
    }
}

/// Split by question: graders are tuned on `dev` and reported on `test`. `fixture` rows belong to
/// tests of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Dev,
    Test,
    Fixture,
}

/// One labelled answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelledAnswer {
    pub id: String,
    /// A bank question id.
    pub question: String,
    pub split: Split,
    pub label: Label,
    /// A correct answer that avoids the rubric's own wording.
    #[serde(default)]
    pub paraphrase: bool,
    /// The labeller's score, 0 to 100.
    pub score: u8,
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetFile {
    answer: Vec<LabelledAnswer>,
}

/// Reads a set and checks it against the bank: known questions, unique ids, scores inside their
/// label's band, one split per question. Errors name the file, the line and the field.
pub fn parse_set(text: &str, file: &str, bank: &Bank) -> Result<Vec<LabelledAnswer>, BadInput> {
    let set: SetFile = toml::from_str(text).map_err(|e| {
        let at = crate::toml_error::locate(text, &e);
        let line = at.line.map_or(String::new(), |l| format!(":{l}"));
        let field = at.field.map_or(String::new(), |f| format!(" field `{f}`:"));
        BadInput(format!("{file}{line}:{field} {}", at.message))
    })?;
    // Each row starts at its `[[answer]]` header; errors point there.
    let starts: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[answer]]")
        .map(|(i, _)| i + 1)
        .collect();
    let mut ids = std::collections::HashSet::new();
    let mut splits: std::collections::HashMap<&str, Split> = std::collections::HashMap::new();
    for (i, row) in set.answer.iter().enumerate() {
        let at = |field: &str, message: String| {
            let line = starts.get(i).map_or(String::new(), |l| format!(":{l}"));
            BadInput(format!("{file}{line}: field `{field}`: {message}"))
        };
        if !ids.insert(row.id.as_str()) {
            return Err(at("id", format!("{:?} appears twice", row.id)));
        }
        if bank.get(&row.question).is_none() {
            return Err(at(
                "question",
                format!("no question {:?} in the bank", row.question),
            ));
        }
        let (low, high) = row.label.band();
        if !(low..=high).contains(&row.score) {
            return Err(at(
                "score",
                format!(
                    "{} is outside the band of `{}` ({low} to {high})",
                    row.score, row.label
                ),
            ));
        }
        let split = *splits.entry(row.question.as_str()).or_insert(row.split);
        if split != row.split {
            return Err(at(
                "split",
                format!(
                    "question {:?} is already in the {:?} split; a question's rows share one",
                    row.question, split
                ),
            ));
        }
    }
    Ok(set.answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank() -> Bank {
        Bank::load(None).unwrap()
    }

    #[test]
    fn the_shipped_set_is_valid_and_large_enough() {
        let (file, text) = shipped_set();
        let rows = parse_set(text, file, &bank()).unwrap();
        let questions: std::collections::HashSet<&str> =
            rows.iter().map(|r| r.question.as_str()).collect();
        assert!(rows.len() >= 300, "{} rows", rows.len());
        assert!(questions.len() >= 40, "{} questions", questions.len());
        for label in Label::ALL {
            assert!(rows.iter().any(|r| r.label == label), "no {label} row");
        }
        assert!(rows.iter().any(|r| r.paraphrase));
        assert!(rows.iter().any(|r| r.split == Split::Test));
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let text = "[[answer]]\nid = \"a\"\nquestion = \"gil-what-it-is\"\nsplit = \"dev\"\n\
                    label = \"good\"\nscore = 70\ntext = \"x\"\n\n\
                    [[answer]]\nid = \"b\"\nquestion = \"gil-what-it-is\"\nsplit = \"dev\"\n\
                    label = \"poor\"\nscore = 90\ntext = \"y\"\n";
        let err = parse_set(text, "set.toml", &bank()).unwrap_err().0;
        assert_eq!(
            err,
            "set.toml:9: field `score`: 90 is outside the band of `poor` (15 to 39)"
        );
        let typo = text.replace("label = \"good\"", "label = \"great\"");
        let err = parse_set(&typo, "set.toml", &bank()).unwrap_err().0;
        assert!(err.starts_with("set.toml:5: field `label`:"), "{err}");
        let unknown = text.replace(
            "question = \"gil-what-it-is\"\nsplit = \"dev\"\nlabel = \"poor\"",
            "question = \"nosuch\"\nsplit = \"dev\"\nlabel = \"poor\"",
        );
        let err = parse_set(&unknown, "set.toml", &bank()).unwrap_err().0;
        assert_eq!(
            err,
            "set.toml:9: field `question`: no question \"nosuch\" in the bank"
        );
    }
}
