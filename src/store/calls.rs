//! The `calls` table: every model call the LLM client makes, recorded through it as its call
//! sink, and listed by `viva review calls`.

use std::sync::{Mutex, PoisonError};

use anyhow::Result;
use rusqlite::named_params;
use serde::Serialize;
use serde_json::Value;

use super::Store;
use crate::llm::{CallRecord, CallSink};

#[derive(Debug, Clone, Serialize)]
pub struct StoredCall {
    pub id: i64,
    pub created_at: i64,
    pub purpose: String,
    pub model: String,
    pub api_base: String,
    /// The request body as sent: JSON, or the stored text should it not parse.
    pub request: Value,
    pub reply: Option<String>,
    pub finish_reason: Option<String>,
    pub tokens_in: Option<i64>,
    pub tokens_out: Option<i64>,
    pub duration_ms: i64,
    /// Why the call failed; None when it succeeded.
    pub error: Option<String>,
    pub turn_id: Option<i64>,
}

fn stored_call(r: &rusqlite::Row) -> rusqlite::Result<StoredCall> {
    let request: String = r.get(5)?;
    Ok(StoredCall {
        id: r.get(0)?,
        created_at: r.get(1)?,
        purpose: r.get(2)?,
        model: r.get(3)?,
        api_base: r.get(4)?,
        request: serde_json::from_str(&request).unwrap_or(Value::String(request)),
        reply: r.get(6)?,
        finish_reason: r.get(7)?,
        tokens_in: r.get(8)?,
        tokens_out: r.get(9)?,
        duration_ms: r.get(10)?,
        error: r.get(11)?,
        turn_id: r.get(12)?,
    })
}

impl Store {
    /// Records one model call; returns its id.
    pub fn insert_call(&self, call: &CallRecord) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO calls (created_at, purpose, model, api_base, request, reply, finish_reason,
                                tokens_in, tokens_out, duration_ms, error)
             VALUES (:created_at, :purpose, :model, :api_base, :request, :reply, :finish_reason,
                     :tokens_in, :tokens_out, :duration_ms, :error)",
            named_params! {
                ":created_at": call.created_at,
                ":purpose": call.purpose.as_str(),
                ":model": call.model,
                ":api_base": call.api_base,
                ":request": call.request.to_string(),
                ":reply": call.reply,
                ":finish_reason": call.finish_reason,
                ":tokens_in": call.tokens_in,
                ":tokens_out": call.tokens_out,
                ":duration_ms": call.duration_ms as i64,
                ":error": call.error,
            },
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The latest `limit` calls, newest first.
    pub fn recent_calls(&self, limit: usize) -> Result<Vec<StoredCall>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, created_at, purpose, model, api_base, request, reply, finish_reason,
                    tokens_in, tokens_out, duration_ms, error, turn_id
             FROM calls ORDER BY id DESC LIMIT :limit",
        )?;
        let rows = stmt.query_map(named_params! { ":limit": limit as i64 }, stored_call)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The store as a client's call log. It takes a connection of its own, behind a lock: graders
/// run concurrently, and the caller's connection goes on writing turns and grades meanwhile.
impl CallSink for Mutex<Store> {
    fn record(&self, call: &CallRecord) -> Result<()> {
        self.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert_call(call)
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::{CallPurpose, LlmError};
    use serde_json::json;

    #[test]
    fn calls_are_listed_newest_first_with_their_request_as_json() {
        let store = Store::open_in_memory().unwrap();
        let request = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
        let ok = CallRecord {
            created_at: 1,
            purpose: CallPurpose::Grade,
            model: "m",
            api_base: "http://localhost/v1",
            request: &request,
            reply: Some("{\"ok\": true}"),
            finish_reason: Some("stop"),
            tokens_in: Some(12),
            tokens_out: Some(3),
            duration_ms: 40,
            error: None,
        };
        store.insert_call(&ok).unwrap();
        let failed = CallRecord {
            created_at: 2,
            purpose: CallPurpose::Repair,
            reply: None,
            finish_reason: None,
            tokens_in: None,
            tokens_out: None,
            error: Some(LlmError::Timeout.to_string()),
            ..ok
        };
        store.insert_call(&failed).unwrap();

        let calls = store.recent_calls(10).unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].purpose, "repair");
        assert_eq!(
            calls[0].error.as_deref(),
            Some("timed out waiting for the server")
        );
        assert_eq!(calls[0].tokens_in, None);
        assert_eq!(calls[1].request, request);
        assert_eq!(calls[1].reply.as_deref(), Some("{\"ok\": true}"));
        assert_eq!(
            (calls[1].tokens_in, calls[1].tokens_out),
            (Some(12), Some(3))
        );
        assert_eq!(calls[1].turn_id, None);
        assert_eq!(store.recent_calls(1).unwrap()[0].id, calls[0].id);
    }
}
