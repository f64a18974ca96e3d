//! Lenient reading of chat-completion replies, streamed or not. Only what we use is required:
//! the content. `object`, `finish_reason`, `usage` and `model` may be missing or odd.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::LlmError;
use super::retry::{CUT_OFF, MAX_REPLY_BYTES};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatReply {
    pub content: String,
    /// Thinking text that some servers send apart from the content (`reasoning_content`).
    pub reasoning: String,
    pub finish_reason: Option<String>,
    /// Server-reported usage, when the server reports it.
    pub usage: Option<Usage>,
    pub model: Option<String>,
    pub latency: Duration,
}

/// The message of an error body: `{"error": "..."}` (Ollama), `{"error": {"message": ...}}`
/// (OpenAI, with string or integer codes), or `{"detail": ...}` (some proxies).
pub fn error_message(v: &Value) -> Option<String> {
    let e = v.get("error").or_else(|| v.get("detail"))?;
    match e {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => Some(
            o.get("message")
                .and_then(Value::as_str)
                .map(String::from)
                .unwrap_or_else(|| e.to_string()),
        ),
        other => Some(other.to_string()),
    }
}

pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        // Some servers send content as a list of parts.
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str).or_else(|| p.as_str()))
            .collect(),
        _ => String::new(),
    }
}

fn usage(v: &Value) -> Option<Usage> {
    let u = v.get("usage")?;
    let n = |k: &str| u.get(k).and_then(Value::as_u64).map(|n| n as u32);
    Some(Usage {
        prompt_tokens: n("prompt_tokens")?,
        completion_tokens: n("completion_tokens").unwrap_or(0),
    })
}

fn finish_reason(choice: &Value) -> Option<String> {
    choice
        .get("finish_reason")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

impl ChatReply {
    pub fn from_value(v: &Value) -> Result<ChatReply, LlmError> {
        if let Some(message) = error_message(v) {
            return Err(LlmError::Api(message));
        }
        let choice = v.get("choices").and_then(|c| c.get(0)).ok_or_else(|| {
            LlmError::Malformed(format!("no choices in {}", clip(&v.to_string(), 200)))
        })?;
        let message = choice.get("message").unwrap_or(&Value::Null);
        Ok(ChatReply {
            content: text(message.get("content")),
            reasoning: text(
                message
                    .get("reasoning_content")
                    .or_else(|| message.get("reasoning")),
            ),
            finish_reason: finish_reason(choice),
            usage: usage(v),
            model: v.get("model").and_then(Value::as_str).map(String::from),
            latency: Duration::ZERO,
        })
    }
}

/// Collects a streamed reply chunk by chunk.
#[derive(Debug, Default)]
pub struct StreamAccumulator {
    reply: ChatReply,
    chunks: usize,
}

impl StreamAccumulator {
    /// Adds a chunk; returns the new content text, if any, for display.
    pub fn push(&mut self, chunk: &Value) -> Result<Option<String>, LlmError> {
        if chunk.get(CUT_OFF).is_some() {
            return self.cut_off();
        }
        if let Some(message) = error_message(chunk) {
            return Err(LlmError::Api(message));
        }
        self.chunks += 1;
        if let Some(u) = usage(chunk) {
            self.reply.usage = Some(u);
        }
        if let Some(m) = chunk.get("model").and_then(Value::as_str) {
            self.reply.model = Some(m.to_string());
        }
        let Some(choice) = chunk.get("choices").and_then(|c| c.get(0)) else {
            return Ok(None);
        };
        if let Some(r) = finish_reason(choice) {
            self.reply.finish_reason = Some(r);
        }
        let delta = choice
            .get("delta")
            .or_else(|| choice.get("message"))
            .unwrap_or(&Value::Null);
        self.reply.reasoning.push_str(&text(
            delta
                .get("reasoning_content")
                .or_else(|| delta.get("reasoning")),
        ));
        let content = text(delta.get("content"));
        self.reply.content.push_str(&content);
        if self.reply.content.len() + self.reply.reasoning.len() > MAX_REPLY_BYTES {
            return Err(LlmError::TooLarge);
        }
        Ok(Some(content).filter(|c| !c.is_empty()))
    }

    /// The stream closed without `[DONE]`: complete only if the server said why it finished.
    fn cut_off(&self) -> Result<Option<String>, LlmError> {
        match self.reply.finish_reason {
            Some(_) => Ok(None),
            None => Err(LlmError::Stream(
                "it ended without [DONE] or a finish reason".into(),
            )),
        }
    }

    pub fn finish(self) -> Result<ChatReply, LlmError> {
        if self.chunks == 0 {
            return Err(LlmError::Malformed(
                "the stream ended before any data".into(),
            ));
        }
        Ok(self.reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_minimal_local_server_reply_is_enough() {
        // No object, no usage, an empty finish_reason, reasoning kept apart.
        let v = json!({"choices": [{"message": {"content": "hi", "reasoning_content": "thinking"}, "finish_reason": ""}]});
        let r = ChatReply::from_value(&v).unwrap();
        assert_eq!(
            (r.content.as_str(), r.reasoning.as_str()),
            ("hi", "thinking")
        );
        assert_eq!((r.finish_reason, r.usage), (None, None));
    }

    #[test]
    fn error_bodies_of_every_shape_are_errors() {
        for v in [
            json!({"error": "model not found"}),
            json!({"error": {"message": "model not found", "code": 404}}),
            json!({"error": {"message": "model not found", "code": "not_found"}}),
        ] {
            assert_eq!(
                ChatReply::from_value(&v).unwrap_err(),
                LlmError::Api("model not found".into()),
                "{v}"
            );
        }
    }

    #[test]
    fn streamed_chunks_add_up_with_usage_from_the_last_one() {
        let mut acc = StreamAccumulator::default();
        assert_eq!(
            acc.push(&json!({"choices": [{"delta": {"role": "assistant"}}]}))
                .unwrap(),
            None
        );
        assert_eq!(
            acc.push(&json!({"choices": [{"delta": {"content": "Hel"}}]}))
                .unwrap()
                .as_deref(),
            Some("Hel")
        );
        acc.push(
            &json!({"choices": [{"delta": {"content": "lo"}, "finish_reason": "weird_reason"}]}),
        )
        .unwrap();
        acc.push(&json!({"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 2}}))
            .unwrap();
        let r = acc.finish().unwrap();
        assert_eq!(r.content, "Hello");
        assert_eq!(r.finish_reason.as_deref(), Some("weird_reason"));
        assert_eq!(
            r.usage,
            Some(Usage {
                prompt_tokens: 7,
                completion_tokens: 2
            })
        );
    }
}
