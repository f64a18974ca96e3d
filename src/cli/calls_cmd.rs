//! `viva review calls`: the model-call log, one line a call, or the full rows as JSON.

use std::io::Write;

use anyhow::Result;

use crate::clock::format_utc;
use crate::render::shorten;
use crate::store::{Store, StoredCall};

/// Room for an error on a line; `--json` has the whole message.
const ERROR_WIDTH: usize = 60;

pub fn list(store: &Store, limit: usize, json: bool, out: &mut dyn Write) -> Result<()> {
    let calls = store.recent_calls(limit)?;
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&calls)?)?;
    } else {
        write!(out, "{}", render(&calls))?;
    }
    Ok(())
}

/// Time, purpose, model, tokens in and out, duration, and the outcome.
fn render(calls: &[StoredCall]) -> String {
    if calls.is_empty() {
        return "no model calls logged\n".into();
    }
    let model_width = calls.iter().map(|c| c.model.chars().count()).max();
    let model_width = model_width.unwrap_or_default().max("model".len());
    let mut out = format!(
        "{:<16}  {:<8} {:<model_width$}  {:>13}  {:>9}  outcome\n",
        "time", "purpose", "model", "tokens in/out", "duration"
    );
    for c in calls {
        let tokens = match (c.tokens_in, c.tokens_out) {
            (Some(i), Some(o)) => format!("{i}/{o}"),
            _ => "-".into(),
        };
        let outcome = match &c.error {
            None => "ok".to_string(),
            Some(e) => format!("error: {}", shorten(e, ERROR_WIDTH)),
        };
        out.push_str(&format!(
            "{:<16}  {:<8} {:<model_width$}  {tokens:>13}  {:>6} ms  {outcome}\n",
            format_utc(c.created_at),
            c.purpose,
            c.model,
            c.duration_ms,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(id: i64, tokens: Option<i64>, error: Option<&str>) -> StoredCall {
        StoredCall {
            id,
            created_at: 0,
            purpose: "grade".into(),
            model: "test-model".into(),
            api_base: "http://localhost/v1".into(),
            request: json!({}),
            reply: error.is_none().then(|| "ok".into()),
            finish_reason: None,
            tokens_in: tokens,
            tokens_out: tokens.map(|t| t / 5),
            duration_ms: 812,
            error: error.map(String::from),
            turn_id: None,
        }
    }

    #[test]
    fn one_line_a_call_under_a_header() {
        let text = render(&[
            call(2, None, Some("timed out waiting for the server")),
            call(1, Some(1000), None),
        ]);
        assert_eq!(
            text,
            "time              purpose  model       tokens in/out   duration  outcome\n\
             1970-01-01 00:00  grade    test-model              -     812 ms  error: timed out waiting for the server\n\
             1970-01-01 00:00  grade    test-model       1000/200     812 ms  ok\n"
        );
        assert_eq!(render(&[]), "no model calls logged\n");
    }
}
