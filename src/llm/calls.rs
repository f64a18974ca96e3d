//! The call log: every request a client sends, with its reply, tokens, time and outcome, for a
//! sink to keep (in the manner of simonw/llm; the app's sink is the store's `calls` table).
//! A record carries the request body only: the API key travels in the headers, never logged.

use serde_json::Value;

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
