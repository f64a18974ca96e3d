//! `viva grade`: JSON Lines in, one JSON grade per line out. This is how graders are evaluated,
//! so an inline question needs only `prompt` and `what_they_test`.

use std::io::{BufRead, Write};

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::bank::{Bank, Difficulty, FollowUp, Kind, Question, Source};
use crate::error::BadInput;
use crate::grade::{Grade, Grader};
use crate::lines::lines;
use crate::rubric::Rubrics;

/// The longest answer graded: an interview answer is a few KB, and grading time and a model's
/// prompt grow with its length. Longer answers are cut at a character boundary, with a note.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    question_id: Option<String>,
    question: Option<InlineQuestion>,
    answer: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InlineQuestion {
    id: Option<String>,
    topic: Option<String>,
    kind: Option<Kind>,
    difficulty: Option<Difficulty>,
    prompt: String,
    what_they_test: Vec<String>,
    #[serde(default)]
    strong_signals: Vec<String>,
    #[serde(default)]
    red_flags: Vec<String>,
    #[serde(default)]
    follow_ups: Vec<String>,
    #[serde(default)]
    model_answer: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    companies: Vec<String>,
    #[serde(default)]
    concepts: Vec<String>,
    #[serde(default)]
    difficulty_source: Option<String>,
}

impl InlineQuestion {
    fn into_question(self, line: usize) -> Question {
        Question {
            id: self.id.unwrap_or_else(|| format!("stdin-{line}")),
            topic: self.topic.unwrap_or_default(),
            kind: self.kind.unwrap_or(Kind::Concept),
            difficulty: self.difficulty.unwrap_or(Difficulty::Medium),
            difficulty_estimated: self.difficulty_source.as_deref() == Some("estimated"),
            tags: self.tags,
            companies: self.companies,
            concepts: self.concepts,
            prompt: self.prompt,
            what_they_test: self.what_they_test,
            also: Default::default(),
            strong_signals: self.strong_signals,
            red_flags: self.red_flags,
            follow_ups: self
                .follow_ups
                .into_iter()
                .map(|prompt| FollowUp {
                    prompt,
                    rubric: None,
                })
                .collect(),
            model_answer: self.model_answer,
            hints: Vec::new(),
            follows: None,
            source: Source {
                file: "stdin".into(),
                line,
            },
        }
    }
}

#[derive(Serialize)]
struct Output<'a> {
    line: usize,
    question_id: &'a str,
    #[serde(flatten)]
    grade: &'a Grade,
}

/// Turns one input line into the question and the answer to grade.
fn parse(bank: &Bank, line_no: usize, line: &str) -> Result<(Question, String), String> {
    let req: Request = serde_json::from_str(line).map_err(|e| format!("stdin:{line_no}: {e}"))?;
    let answer = req
        .answer
        .ok_or_else(|| format!("stdin:{line_no}: field `answer`: missing"))?;
    let question = match (req.question_id, req.question) {
        (Some(_), Some(_)) => {
            return Err(format!(
                "stdin:{line_no}: give `question_id` or `question`, not both"
            ));
        }
        (None, None) => {
            return Err(format!(
                "stdin:{line_no}: field `question_id` or `question`: missing"
            ));
        }
        (Some(id), None) => bank.get(&id).cloned().ok_or_else(|| {
            format!("stdin:{line_no}: field `question_id`: no question {id:?} in the bank")
        })?,
        (None, Some(q)) => {
            if q.prompt.trim().is_empty() {
                return Err(format!("stdin:{line_no}: field `question.prompt`: empty"));
            }
            if q.what_they_test.iter().all(|p| p.trim().is_empty()) {
                return Err(format!(
                    "stdin:{line_no}: field `question.what_they_test`: empty"
                ));
            }
            q.into_question(line_no)
        }
    };
    Ok((question, answer))
}

pub fn run(
    bank: &Bank,
    rubrics: &Rubrics,
    grader: &dyn Grader,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<()> {
    let mut failures = 0;
    for line in lines(input) {
        let (line_no, line) = line?;
        let parsed = line
            .text()
            .map_err(|why| format!("stdin:{line_no}: {why}"))
            .and_then(|l| match l.trim().is_empty() {
                true => Ok(None),
                false => parse(bank, line_no, &l).map(Some),
            });
        match parsed {
            Ok(None) => {}
            Ok(Some((question, answer))) => {
                let (answer, cut) = capped(answer);
                let mut grade =
                    grader.grade(&question, rubrics.for_kind(question.kind), &answer)?;
                if cut {
                    grade.notes.push(format!(
                        "the answer was cut to its first {} KB",
                        MAX_ANSWER_BYTES / 1024
                    ));
                }
                let output = Output {
                    line: line_no,
                    question_id: &question.id,
                    grade: &grade,
                };
                writeln!(out, "{}", serde_json::to_string(&output)?)?;
            }
            Err(message) => {
                failures += 1;
                eprintln!("viva grade: {message}");
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({"line": line_no, "error": message})
                )?;
            }
        }
    }
    out.flush()?;
    if failures > 0 {
        return Err(BadInput(format!("{failures} input line(s) could not be graded")).into());
    }
    Ok(())
}

/// The answer cut to `MAX_ANSWER_BYTES` at a character boundary, and whether it was cut.
fn capped(mut answer: String) -> (String, bool) {
    if answer.len() <= MAX_ANSWER_BYTES {
        return (answer, false);
    }
    let end = (0..=MAX_ANSWER_BYTES)
        .rev()
        .find(|&i| answer.is_char_boundary(i))
        .unwrap_or(0);
    answer.truncate(end);
    (answer, true)
}
