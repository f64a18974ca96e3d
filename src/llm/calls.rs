//! The call log: every request a client sends, with its reply, tokens, time and outcome, for a
//! sink to keep (in the manner of simonw/llm; the app's sink is the store's `calls` table).
//! A record carries the request body only: the API key travels in the headers, never logged.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use serde_json::Value;

use super::{LlmError, Usage, millis};
use crate::clock::now_ms;

/// What a call was for, so the log tells live grading from re-grading, repairs, disputes and
/// `viva doctor`'s checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallPurpose {
    Grade,
    /// The one request to fix an unusable verdict.
    Repair,
    Regrade,
    Dispute,
    Doctor,
}

impl CallPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            CallPurpose::Grade => "grade",
            CallPurpose::Repair => "repair",
            CallPurpose::Regrade => "regrade",
            CallPurpose::Dispute => "dispute",
            CallPurpose::Doctor => "doctor",
        }
    }
}

/// One call as it went over the wire.
#[derive(Debug)]
pub struct CallRecord<'a> {
    /// When the request was sent, in Unix milliseconds.
    pub created_at: i64,
    pub purpose: CallPurpose,
    pub model: &'a str,
    pub api_base: &'a str,
    /// The request body sent.
    pub request: &'a Value,
    /// The reply's text; None when the call failed.
    pub reply: Option<&'a str>,
    pub finish_reason: Option<&'a str>,
    /// Tokens as the server reported them: None when it did not (grades estimate them; the log
    /// records only what was reported).
    pub tokens_in: Option<u32>,
    pub tokens_out: Option<u32>,
    pub duration_ms: u64,
    /// Why the call failed; None when it succeeded.
    pub error: Option<String>,
}

/// Where a client records its calls. A failed write is returned, and the client keeps it for
/// its caller: a log that cannot be written must not cost the user a grade.
pub trait CallSink: Send + Sync {
    fn record(&self, call: &CallRecord<'_>) -> anyhow::Result<()>;
}

/// A client's sink, and the last write it refused until the caller takes it.
pub(super) struct CallRecorder {
    sink: Arc<dyn CallSink>,
    failure: Mutex<Option<String>>,
}

impl CallRecorder {
    pub(super) fn new(sink: Arc<dyn CallSink>) -> CallRecorder {
        CallRecorder {
            sink,
            failure: Mutex::new(None),
        }
    }

    pub(super) fn take_failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Starts the clock on a call about to be sent with `request` as its body.
    pub(super) fn start<'r>(
        &'r self,
        purpose: CallPurpose,
        model: &'r str,
        api_base: &'r str,
        request: Value,
    ) -> InFlight<'r> {
        InFlight {
            recorder: self,
            purpose,
            model,
            api_base,
            request,
            created_at: now_ms(),
            started: Instant::now(),
            recorded: false,
        }
    }
}

/// How a call ended, as far as the log cares.
#[derive(Debug, Default)]
pub(super) struct Outcome<'a> {
    pub reply: Option<&'a str>,
    pub finish_reason: Option<&'a str>,
    pub usage: Option<Usage>,
    pub error: Option<&'a LlmError>,
}

/// A call on its way: recorded when it ends, or as cancelled when its future is dropped first
/// (Ctrl-C while grading abandons the request).
pub(super) struct InFlight<'r> {
    recorder: &'r CallRecorder,
    purpose: CallPurpose,
    model: &'r str,
    api_base: &'r str,
    request: Value,
    created_at: i64,
    started: Instant,
    recorded: bool,
}

impl InFlight<'_> {
    pub(super) fn finish(mut self, outcome: Outcome) {
        self.record(outcome);
    }

    fn record(&mut self, outcome: Outcome) {
        self.recorded = true;
        let call = CallRecord {
            created_at: self.created_at,
            purpose: self.purpose,
            model: self.model,
            api_base: self.api_base,
            request: &self.request,
            reply: outcome.reply,
            finish_reason: outcome.finish_reason,
            tokens_in: outcome.usage.map(|u| u.prompt_tokens),
            tokens_out: outcome.usage.map(|u| u.completion_tokens),
            duration_ms: millis(self.started.elapsed()),
            error: outcome.error.map(ToString::to_string),
        };
        if let Err(e) = self.recorder.sink.record(&call) {
            *self
                .recorder
                .failure
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(format!("{e:#}"));
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.recorded {
            self.record(Outcome {
                error: Some(&LlmError::Cancelled),
                ..Outcome::default()
            });
        }
    }
}
