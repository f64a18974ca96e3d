//! Batch files for graders that run elsewhere. `write_requests` writes one request per answer in
//! the OpenAI Batch API input format, which vLLM's batch runner reads too:
//!
//! ```text
//! {"custom_id": "viva-turn-42", "method": "POST", "url": "/v1/chat/completions", "body": {...}}
//! ```
//!
//! The body is the chat completion the live grader would send (same messages, structured output,
//! temperature 0, not streamed). For a runner whose server rejects `response_format:
//! json_schema`, `BatchSpec::schema_in_prompt` writes the schema into the prompt instead, as the
//! live grader does once a server has refused it. `read_results` reads the output format back,
//!
//! ```text
//! {"id": ..., "custom_id": "viva-turn-42", "response": {"status_code": 200, "request_id": ..., "body": {...}}, "error": null}
//! ```
//!
//! and validates each verdict exactly as a live one (ids, ranges, quotes found in the answer).
//! There is no repair round: an unusable verdict is reported with its line.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use super::{Job, NotGraded, Regraded, job};
use crate::bank::Bank;
use crate::clock::now_ms;
use crate::config::Price;
use crate::grade::llm::budget::{Budget, Trim};
use crate::grade::llm::{self as llm_grade, Form};
use crate::grade::{Grade, verdict};
use crate::lines::lines;
use crate::llm::{self, ChatReply, ChatRequest, tokens};
use crate::prompt::Prompts;
use crate::rubric::Rubrics;
use crate::session::charge_hints;
use crate::store::Store;

const CUSTOM_ID_PREFIX: &str = "viva-turn-";

/// What the requests are made with, and what grades read back are stamped with.
pub struct BatchSpec<'a> {
    pub prompts: &'a Prompts,
    pub answer_budget: usize,
    pub model: &'a str,
    pub price: Option<Price>,
    /// The verdict's schema in the prompt rather than as `response_format`.
    pub schema_in_prompt: bool,
}

/// Writes one request line per job; returns how many.
pub fn write_requests(
    jobs: &[Job],
    rubrics: &Rubrics,
    spec: &BatchSpec,
    out: &mut dyn Write,
) -> Result<usize> {
    for j in jobs {
        let q = &j.question;
        // Batch runners are hosted APIs or vLLM with a large context: the full prompt, the
        // reply sized to the rubric, no length caps in the schema.
        let plan = Budget::default().plan(q, rubrics.for_kind(q.kind), !spec.schema_in_prompt);
        let schema = verdict::schema(q, rubrics.for_kind(q.kind), &plan.shape);
        let (messages, _) = llm_grade::messages(
            spec.prompts,
            spec.answer_budget,
            q,
            rubrics.for_kind(q.kind),
            &j.target.answer,
            &Form {
                shape: plan.shape,
                schema_in_prompt: spec.schema_in_prompt,
                trim: Trim::Whole,
            },
        )?;
        let body = llm::request_body(
            spec.model,
            &ChatRequest {
                messages: &messages,
                json_schema: (!spec.schema_in_prompt).then_some(&schema),
                max_tokens: Some(plan.limit),
                stream: false,
            },
        )?;
        let line = json!({
            "custom_id": format!("{CUSTOM_ID_PREFIX}{}", j.target.turn_id),
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": body,
        });
        writeln!(out, "{line}")?;
    }
    Ok(jobs.len())
}

/// A result line that was not stored: its line number, the field at fault, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rejected {
    pub line: usize,
    pub field: &'static str,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct ReadBack {
    pub regraded: Vec<Regraded>,
    pub rejected: Vec<Rejected>,
}

fn reject(line: usize, field: &'static str, reason: impl Into<String>) -> Rejected {
    Rejected {
        line,
        field,
        reason: reason.into(),
    }
}

/// The chat completion of one output line, or why there is none.
fn completion(v: &Value, line: usize) -> Result<ChatReply, Rejected> {
    match v.get("error") {
        None | Some(Value::Null) => {}
        Some(e) => {
            let message = e
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| e.to_string(), String::from);
            return Err(reject(line, "error", message));
        }
    }
    let response = v
        .get("response")
        .filter(|r| r.is_object())
        .ok_or_else(|| reject(line, "response", "missing"))?;
    // Leniency for runners that put the completion itself under `response`.
    if response.get("status_code").is_none() && response.get("choices").is_some() {
        return ChatReply::from_value(response)
            .map_err(|e| reject(line, "response", e.to_string()));
    }
    let status = response
        .get("status_code")
        .and_then(Value::as_u64)
        .ok_or_else(|| reject(line, "response.status_code", "missing"))?;
    let body = response.get("body").unwrap_or(&Value::Null);
    if status != 200 {
        let message = body
            .get("error")
            .and_then(|e| e.get("message").or(Some(e)))
            .map_or_else(String::new, |m| {
                m.as_str().map_or_else(|| m.to_string(), String::from)
            });
        return Err(reject(
            line,
            "response.status_code",
            format!("{status} {message}").trim_end().to_string(),
        ));
    }
    ChatReply::from_value(body).map_err(|e| reject(line, "response.body", e.to_string()))
}

/// Reads a batch output file and stores a grade for every line that names an answered turn of
/// this store and carries a valid verdict. Lines that do not are returned, not stored.
pub fn read_results(
    path: &Path,
    store: &Store,
    bank: &Bank,
    rubrics: &Rubrics,
    spec: &BatchSpec,
) -> Result<ReadBack> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut seen: HashMap<i64, usize> = HashMap::new();
    let mut back = ReadBack::default();
    for read in lines(&mut std::io::BufReader::new(file)) {
        let (line, text) = read.with_context(|| format!("cannot read {}", path.display()))?;
        let text = match text.text() {
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => text,
            Err(why) => {
                back.rejected.push(reject(line, "line", why));
                continue;
            }
        };
        match read_line(&text, line, &mut seen, store, bank, rubrics, spec)? {
            Ok(r) => back.regraded.push(r),
            Err(r) => back.rejected.push(r),
        }
    }
    Ok(back)
}

fn read_line(
    text: &str,
    line: usize,
    seen: &mut HashMap<i64, usize>,
    store: &Store,
    bank: &Bank,
    rubrics: &Rubrics,
    spec: &BatchSpec,
) -> Result<Result<Regraded, Rejected>> {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Ok(Err(reject(line, "line", format!("not JSON: {e}")))),
    };
    let Some(custom_id) = v.get("custom_id").and_then(Value::as_str) else {
        return Ok(Err(reject(line, "custom_id", "missing")));
    };
    let Some(turn_id) = custom_id
        .strip_prefix(CUSTOM_ID_PREFIX)
        .and_then(|n| n.parse::<i64>().ok())
    else {
        return Ok(Err(reject(
            line,
            "custom_id",
            format!("{custom_id:?} is not one of ours (viva-turn-N)"),
        )));
    };
    // A second result for a turn already graded from this file is a mistake in the file; after
    // a failed line, a later line for the same turn is a retry and welcome.
    if let Some(first) = seen.get(&turn_id) {
        return Ok(Err(reject(
            line,
            "custom_id",
            format!("{custom_id} was already graded from line {first}"),
        )));
    }
    let reply = match completion(&v, line) {
        Ok(r) => r,
        Err(r) => return Ok(Err(r)),
    };
    let Some(target) = store.regrade_target(turn_id)? else {
        return Ok(Err(reject(
            line,
            "custom_id",
            format!("no answered turn {turn_id} in this store"),
        )));
    };
    let job = match job(store, bank, target)? {
        Ok(j) => j,
        Err(NotGraded { reason, .. }) => return Ok(Err(reject(line, "custom_id", reason))),
    };
    let q = &job.question;
    let rubric = rubrics.for_kind(q.kind);
    let checked = match llm_grade::parse(&reply, q, rubric) {
        Ok(c) => c,
        Err(e) => {
            return Ok(Err(reject(
                line,
                "response.body",
                format!("the verdict is unusable: {e}"),
            )));
        }
    };
    let mut grade = stamp(
        verdict::into_grade(checked, q, rubric, &job.target.answer),
        &reply,
        &job.target.answer,
        spec,
    );
    charge_hints(&mut grade, job.target.hints);
    store.insert_grade(turn_id, now_ms(), &grade)?;
    seen.insert(turn_id, line);
    Ok(Ok(Regraded::new(&job.target, &grade)))
}

/// What the live grader adds to a verdict, from the batch reply instead of a timed call.
fn stamp(mut grade: Grade, reply: &ChatReply, answer: &str, spec: &BatchSpec) -> Grade {
    grade.grader = llm_grade::NAME.to_string();
    grade.model = reply.model.clone().or_else(|| Some(spec.model.to_string()));
    grade.prompt_version = Some(spec.prompts.version());
    if let Some(u) = reply.usage {
        grade.tokens_in = Some(u.prompt_tokens);
        grade.tokens_out = Some(u.completion_tokens);
        grade.cost_usd = spec
            .price
            .map(|p| tokens::cost(p, u.prompt_tokens, u.completion_tokens));
    }
    if tokens::truncate(answer, spec.answer_budget).1 {
        grade
            .notes
            .push(llm_grade::truncation_note(spec.answer_budget));
    }
    grade.notes.push("graded through a batch file".to_string());
    grade
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(content: &str) -> Value {
        json!({"model": "m", "choices": [{"message": {"content": content}}]})
    }

    #[test]
    fn output_lines_are_read_in_the_documented_shape_and_one_lenient_variant() {
        let ok = json!({"custom_id": "viva-turn-1", "error": null,
            "response": {"status_code": 200, "request_id": "r", "body": body("{}")}});
        assert_eq!(completion(&ok, 1).unwrap().content, "{}");
        let bare = json!({"custom_id": "viva-turn-1", "response": body("hi")});
        assert_eq!(completion(&bare, 2).unwrap().content, "hi");
        let limited = json!({"custom_id": "viva-turn-1",
            "response": {"status_code": 429, "body": {"error": {"message": "slow down"}}}});
        assert_eq!(
            completion(&limited, 3).unwrap_err(),
            reject(3, "response.status_code", "429 slow down")
        );
        let failed = json!({"custom_id": "viva-turn-1", "response": null,
            "error": {"code": "x", "message": "expired"}});
        assert_eq!(
            completion(&failed, 4).unwrap_err(),
            reject(4, "error", "expired")
        );
        let empty = json!({"custom_id": "viva-turn-1"});
        assert_eq!(
            completion(&empty, 5).unwrap_err(),
            reject(5, "response", "missing")
        );
    }
}
