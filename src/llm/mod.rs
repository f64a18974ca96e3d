//! The OpenAI-compatible client. Requests are built with async-openai's typed builders and sent
//! through our own reqwest client (timeouts) and retry policy; responses are read through byot as
//! JSON values and picked apart leniently, because local servers (Ollama, llama.cpp, vLLM, LM
//! Studio) send fields, omissions and error shapes the strict types reject. A client given a
//! call sink records every call it makes (`calls`).

mod calls;
pub(crate) mod reply;
pub mod retry;
pub mod tokens;

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    ChatCompletionStreamOptions, CreateChatCompletionRequest, CreateChatCompletionRequestArgs,
    ResponseFormat, ResponseFormatJsonSchema,
};
use futures::StreamExt;
use serde::Serialize;
use serde_json::{Value, json};

pub use calls::{CallPurpose, CallRecord, CallSink};
use calls::{CallRecorder, Outcome};
pub use reply::{ChatReply, Usage};

use crate::config::{Endpoint, Sampling, Server};
use retry::{RetryPolicy, Retrying};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn new(role: Role, content: impl Into<String>) -> Message {
        Message {
            role,
            content: content.into(),
        }
    }
}

/// What to ask of one chat completion.
#[derive(Debug, Clone)]
pub struct ChatRequest<'a> {
    pub messages: &'a [Message],
    /// Ask for structured output with this schema (`response_format: json_schema`).
    pub json_schema: Option<&'a Value>,
    pub max_tokens: Option<u32>,
    pub stream: bool,
}

/// Why a call failed. Every variant leads to the offline grader, so the distinctions are for the
/// message the user sees and for the log.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("the server answered {status}: {message}")]
    Http { status: u16, message: String },
    #[error("the server reported an error: {0}")]
    Api(String),
    #[error("timed out waiting for the server")]
    Timeout,
    #[error("no complete reply within the {} s deadline", .0.as_secs())]
    Deadline(Duration),
    #[error("cannot connect to {0}")]
    Connect(String),
    #[error("the connection failed: {0}")]
    Transport(String),
    #[error("the stream broke off: {0}")]
    Stream(String),
    #[error("the reply could not be read: {0}")]
    Malformed(String),
    #[error("{}", retry::TooLarge)]
    TooLarge,
    #[error("the reply ran past the limit of {0} tokens it was sent")]
    OverLimit(u32),
    #[error("cancelled")]
    Cancelled,
}

/// The shortest configured key that is scrubbed from text: shorter ones are placeholders that
/// local servers ignore (`none`, `local`), and scrubbing them would cut ordinary words out of
/// replies.
const MIN_KEY_LEN: usize = 8;

/// The scrubbing of `LlmClient::scrub`, for any text and key.
pub fn scrub(text: &str, key: Option<&str>) -> String {
    static SECRET: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let secret = SECRET.get_or_init(|| {
        regex::Regex::new(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}|\bsk-[A-Za-z0-9_-]{8,}")
            .expect("a valid pattern")
    });
    let text = match key.filter(|k| k.len() >= MIN_KEY_LEN) {
        Some(k) => text.replace(k, "[redacted]"),
        None => text.to_string(),
    };
    secret
        .replace_all(&text, |c: &regex::Captures| {
            format!("{}[redacted]", c.get(1).map_or("", |m| m.as_str()))
        })
        .into_owned()
}

impl LlmError {
    /// The same error with `scrub` applied to every message it carries.
    fn scrubbed(self, scrub: impl Fn(&str) -> String) -> LlmError {
        match self {
            LlmError::Http { status, message } => LlmError::Http {
                status,
                message: scrub(&message),
            },
            LlmError::Api(m) => LlmError::Api(scrub(&m)),
            LlmError::Connect(m) => LlmError::Connect(scrub(&m)),
            LlmError::Transport(m) => LlmError::Transport(scrub(&m)),
            LlmError::Stream(m) => LlmError::Stream(scrub(&m)),
            LlmError::Malformed(m) => LlmError::Malformed(scrub(&m)),
            other => other,
        }
    }

    /// True when the server rejected the request itself (4xx other than 429), e.g. an unsupported
    /// `response_format`.
    pub fn is_rejection(&self) -> bool {
        matches!(self, LlmError::Http { status, .. } if (400..500).contains(status) && *status != 429)
    }
}

pub struct LlmClient {
    inner: async_openai::Client<OpenAIConfig>,
    pub model: String,
    pub api_base: String,
    calls: Option<CallRecorder>,
    /// The configured key, scrubbed from everything a call returns or records.
    key: Option<String>,
    /// The most one call may take, retries included.
    deadline: Duration,
    pub server: Server,
    sampling: Sampling,
}

/// One model a server lists, with what it says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub id: String,
    /// Who the server says owns it: "llamacpp", "vllm", "library" (Ollama) and so on.
    pub owned_by: Option<String>,
    /// The context the server holds for it, when it says: llama.cpp's `meta.n_ctx`, vLLM's
    /// `max_model_len`, LM Studio's loaded context length.
    pub context: Option<u32>,
}

impl ModelInfo {
    fn from_value(m: &Value) -> Option<ModelInfo> {
        let id = m
            .get("id")
            .or_else(|| m.get("name"))
            .and_then(Value::as_str)?;
        let number = |v: Option<&Value>| {
            v.and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
        };
        let context = number(m.pointer("/meta/n_ctx"))
            .or_else(|| number(m.get("max_model_len")))
            .or_else(|| number(m.get("loaded_context_length")))
            .or_else(|| number(m.get("context_length")))
            .or_else(|| number(m.get("max_context_length")));
        Some(ModelInfo {
            id: id.to_string(),
            owned_by: m.get("owned_by").and_then(Value::as_str).map(String::from),
            context,
        })
    }
}

impl LlmClient {
    pub fn new(endpoint: &Endpoint) -> anyhow::Result<LlmClient> {
        // reqwest has no timeouts by default: a stalled server would hang the interview.
        let http = reqwest::Client::builder()
            .connect_timeout(endpoint.connect_timeout)
            .read_timeout(endpoint.read_timeout)
            .build()?;
        let policy = RetryPolicy {
            max_retries: endpoint.max_retries,
            base: endpoint.retry_base,
        };
        // Always set both: OpenAIConfig would otherwise fall back to OPENAI_* variables.
        let config = OpenAIConfig::new()
            .with_api_base(endpoint.api_base.clone())
            .with_api_key(
                endpoint
                    .api_key
                    .as_ref()
                    .map_or("", |k| k.expose())
                    .to_string(),
            );
        let inner = async_openai::Client::with_config(config)
            .with_http_service(Retrying::new(http, policy));
        Ok(LlmClient {
            inner,
            model: endpoint.model.clone(),
            api_base: endpoint.api_base.clone(),
            calls: None,
            deadline: endpoint.deadline,
            server: endpoint.server,
            sampling: endpoint.sampling,
            key: endpoint
                .api_key
                .as_ref()
                .map(|k| k.expose().to_string())
                .filter(|k| !k.is_empty()),
        })
    }

    /// Records every call made through this client in `sink`.
    pub fn recording_to(mut self, sink: Arc<dyn CallSink>) -> LlmClient {
        self.calls = Some(CallRecorder::new(sink));
        self
    }

    /// `text` without the configured key or anything shaped like a secret (`sk-…`, `Bearer …`):
    /// servers echo keys in their error messages, and those end up in notes, logs and on screen.
    fn scrub(&self, text: &str) -> String {
        scrub(text, self.key.as_deref())
    }

    /// Why a call could not be recorded, once: the caller decides how to tell the user.
    pub fn take_log_failure(&self) -> Option<String> {
        self.calls.as_ref().and_then(CallRecorder::take_failure)
    }

    /// One chat completion, recorded as `purpose`. With `stream`, `on_delta` receives the
    /// content as it arrives.
    pub async fn chat(
        &self,
        purpose: CallPurpose,
        req: &ChatRequest<'_>,
        on_delta: &mut dyn FnMut(&str),
    ) -> Result<ChatReply, LlmError> {
        let request = build(&self.model, req, self.server, self.sampling)?;
        let call = match &self.calls {
            Some(recorder) => Some(
                recorder.start(
                    purpose,
                    &self.model,
                    &self.api_base,
                    serde_json::to_value(&request)
                        .map_err(|e| LlmError::Malformed(format!("request: {e}")))?,
                ),
            ),
            None => None,
        };
        let started = Instant::now();
        let result = tokio::time::timeout(self.deadline, self.send(req.stream, request, on_delta))
            .await
            .unwrap_or(Err(LlmError::Deadline(self.deadline)))
            .and_then(|r| within_limit(r, req.max_tokens))
            .map(|mut r| {
                r.content = self.scrub(&r.content);
                r
            })
            .map_err(|e| e.scrubbed(|t| self.scrub(t)));
        let latency = started.elapsed();
        if let Some(call) = call {
            let reply = result.as_ref().ok();
            call.finish(Outcome {
                reply: reply.map(|r| r.content.as_str()),
                finish_reason: reply.and_then(|r| r.finish_reason.as_deref()),
                usage: reply.and_then(|r| r.usage),
                error: result.as_ref().err(),
            });
        }
        let mut reply = result?;
        reply.latency = latency;
        Ok(reply)
    }

    async fn send(
        &self,
        stream: bool,
        request: CreateChatCompletionRequest,
        on_delta: &mut dyn FnMut(&str),
    ) -> Result<ChatReply, LlmError> {
        if stream {
            let mut stream = self
                .inner
                .chat()
                .create_stream_byot::<_, Value>(request)
                .await
                .map_err(classify)?;
            let mut acc = reply::StreamAccumulator::default();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(classify)?;
                if let Some(text) = acc.push(&chunk)? {
                    on_delta(&text);
                }
            }
            acc.finish()
        } else {
            let value: Value = self
                .inner
                .chat()
                .create_byot(request)
                .await
                .map_err(classify)?;
            ChatReply::from_value(&value)
        }
    }

    /// The models the server offers, the listing recorded as `purpose`.
    pub async fn models(&self, purpose: CallPurpose) -> Result<Vec<ModelInfo>, LlmError> {
        let call = self.calls.as_ref().map(|recorder| {
            recorder.start(
                purpose,
                &self.model,
                &self.api_base,
                json!({"method": "GET", "path": "/models"}),
            )
        });
        let models = self.inner.models();
        let result = match tokio::time::timeout(self.deadline, models.list_byot::<Value>()).await {
            Ok(listed) => listed.map_err(classify),
            Err(_) => Err(LlmError::Deadline(self.deadline)),
        }
        .and_then(|value| match reply::error_message(&value) {
            Some(err) => Err(LlmError::Api(err)),
            None => Ok(value),
        })
        .map_err(|e| e.scrubbed(|t| self.scrub(t)));
        if let Some(call) = call {
            let listing = result.as_ref().ok().map(Value::to_string);
            call.finish(Outcome {
                reply: listing.as_deref(),
                error: result.as_ref().err(),
                ..Outcome::default()
            });
        }
        let value = result?;
        let data = value
            .get("data")
            .or_else(|| value.get("models"))
            .and_then(Value::as_array);
        Ok(data
            .map(|models| models.iter().filter_map(ModelInfo::from_value).collect())
            .unwrap_or_default())
    }
}

/// The reply, unless its text runs past the completion limit the request set: a server that
/// ignores the limit must not cost more time, tokens or screen than was asked for.
fn within_limit(reply: ChatReply, max_tokens: Option<u32>) -> Result<ChatReply, LlmError> {
    match max_tokens {
        // Every token is at least one byte: a shorter text needs no counting.
        Some(max)
            if reply.content.len() > max as usize
                && tokens::count(&reply.content) > max as usize =>
        {
            Err(LlmError::OverLimit(max))
        }
        _ => Ok(reply),
    }
}

/// The typed request for one chat completion, as it goes over `server`'s wire.
fn build(
    model: &str,
    req: &ChatRequest,
    server: Server,
    sampling: Sampling,
) -> Result<CreateChatCompletionRequest, LlmError> {
    let messages: Vec<ChatCompletionRequestMessage> = req
        .messages
        .iter()
        .map(|m| match m.role {
            Role::System => ChatCompletionRequestSystemMessage::from(m.content.as_str()).into(),
            Role::User => ChatCompletionRequestUserMessage::from(m.content.as_str()).into(),
            Role::Assistant => {
                ChatCompletionRequestAssistantMessage::from(m.content.as_str()).into()
            }
        })
        .collect();
    let mut args = CreateChatCompletionRequestArgs::default();
    args.model(model.to_string())
        .messages(messages)
        .temperature(0.0_f32);
    if let Some(max) = req.max_tokens {
        args.max_completion_tokens(max);
        // OpenAI's reasoning models refuse `max_tokens`; Ollama and LM Studio read only it.
        if server != Server::OpenAi {
            #[allow(deprecated)]
            args.max_tokens(max);
        }
    }
    if let Some(p) = sampling.frequency_penalty {
        args.frequency_penalty(p);
    }
    if let Some(p) = sampling.presence_penalty {
        args.presence_penalty(p);
    }
    if let Some(schema) = req.json_schema {
        args.response_format(ResponseFormat::JsonSchema {
            json_schema: ResponseFormatJsonSchema {
                description: None,
                name: "verdict".into(),
                schema: schema.clone(),
                strict: Some(true),
            },
        });
    }
    if req.stream {
        args.stream(true)
            .stream_options(ChatCompletionStreamOptions {
                include_usage: Some(true),
                ..Default::default()
            });
    }
    args.build()
        .map_err(|e| LlmError::Malformed(format!("request: {e}")))
}

/// The JSON body of one chat completion, exactly as `LlmClient::chat` would send it; the batch
/// files (`viva regrade --batch-out`) carry these.
pub fn request_body(model: &str, req: &ChatRequest) -> Result<Value, LlmError> {
    serde_json::to_value(build(model, req, Server::OpenAi, Sampling::default())?)
        .map_err(|e| LlmError::Malformed(format!("request: {e}")))
}

/// Turns async-openai's errors into ours, reading error bodies leniently: integer codes and
/// Ollama's `{"error": "..."}` fail the strict error type and arrive as deserialization errors
/// that still carry the body.
pub(crate) fn classify(e: OpenAIError) -> LlmError {
    match e {
        OpenAIError::ApiError(r) => LlmError::Http {
            status: r.status_code.as_u16(),
            message: r.api_error.message,
        },
        OpenAIError::JSONDeserialize(err, body) => match serde_json::from_str::<Value>(&body)
            .ok()
            .as_ref()
            .and_then(reply::error_message)
        {
            Some(message) => LlmError::Api(message),
            None => LlmError::Malformed(format!("{err}: {}", reply::clip(&body, 200))),
        },
        OpenAIError::Reqwest(err) => reqwest_error(&err),
        OpenAIError::StreamError(err) => {
            let text = err.to_string();
            if text.contains("timed out") || text.contains("timeout") {
                LlmError::Timeout
            } else {
                LlmError::Stream(text)
            }
        }
        OpenAIError::Boxed(err) => match err.downcast_ref::<reqwest::Error>() {
            Some(r) => reqwest_error(r),
            None => LlmError::Transport(err.to_string()),
        },
        other => LlmError::Transport(other.to_string()),
    }
}

fn reqwest_error(err: &reqwest::Error) -> LlmError {
    if retry::caused_by::<retry::TooLarge>(err) {
        LlmError::TooLarge
    } else if err.is_timeout() {
        LlmError::Timeout
    } else if err.is_connect() {
        LlmError::Connect(
            err.url()
                .map_or_else(|| "the server".into(), |u| u.to_string()),
        )
    } else {
        LlmError::Transport(err.to_string())
    }
}

/// A small current-thread runtime for callers that are not async (the session engine).
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Runs a future, abandoning it (and so closing its connection) when the user presses Ctrl-C.
pub async fn cancellable<T>(fut: impl Future<Output = Result<T, LlmError>>) -> Result<T, LlmError> {
    tokio::select! {
        r = fut => r,
        _ = tokio::signal::ctrl_c() => Err(LlmError::Cancelled),
    }
}

/// Milliseconds, for logs and grades.
pub fn millis(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// The start of a reply, for one-line displays.
pub fn log_preview(s: &str) -> String {
    reply::clip(s.trim(), 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(server: Server, sampling: Sampling) -> Value {
        let messages = [Message::new(Role::User, "hi")];
        let req = ChatRequest {
            messages: &messages,
            json_schema: None,
            max_tokens: Some(300),
            stream: false,
        };
        serde_json::to_value(build("m", &req, server, sampling).unwrap()).unwrap()
    }

    /// OpenAI's reasoning models refuse `max_tokens`; Ollama and LM Studio read nothing else.
    #[test]
    fn the_completion_limit_is_spelled_the_way_the_server_reads_it() {
        let openai = body(Server::OpenAi, Sampling::default());
        assert_eq!(openai["max_completion_tokens"], 300);
        assert!(openai.get("max_tokens").is_none(), "{openai}");
        assert!(openai.get("frequency_penalty").is_none(), "{openai}");
        let penalty = Sampling {
            frequency_penalty: Some(0.25),
            presence_penalty: None,
        };
        let ollama = body(Server::Ollama, penalty);
        assert_eq!(
            (
                ollama["max_tokens"].as_u64(),
                ollama["max_completion_tokens"].as_u64()
            ),
            (Some(300), Some(300))
        );
        assert_eq!(ollama["frequency_penalty"], 0.25);
        assert!(ollama.get("presence_penalty").is_none(), "{ollama}");
    }

    #[test]
    fn a_placeholder_key_is_not_scrubbed_from_replies() {
        assert_eq!(scrub("Jython has none", Some("none")), "Jython has none");
        assert_eq!(
            scrub("key sk9-secret-value", Some("sk9-secret-value")),
            "key [redacted]"
        );
    }

    #[test]
    fn a_model_listing_says_the_context_where_the_server_does() {
        let llamacpp = json!({"id": "q", "owned_by": "llamacpp", "meta": {"n_ctx": 8192, "n_ctx_train": 32768}});
        let info = ModelInfo::from_value(&llamacpp).unwrap();
        assert_eq!(
            (info.owned_by.as_deref(), info.context),
            (Some("llamacpp"), Some(8192))
        );
        let vllm = json!({"id": "q", "owned_by": "vllm", "max_model_len": 4096});
        assert_eq!(ModelInfo::from_value(&vllm).unwrap().context, Some(4096));
        let ollama = json!({"id": "llama3.1:latest", "owned_by": "library"});
        assert_eq!(ModelInfo::from_value(&ollama).unwrap().context, None);
    }
}
