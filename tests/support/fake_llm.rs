//! A real OpenAI-compatible HTTP server on 127.0.0.1 for the tests and the benches: it answers
//! chat completions (plain or streamed as server-sent events) from a script, records every
//! request, and can misbehave in each of the ways real servers do. One copy, included by path
//! (`tests/it/main.rs`, `benches/*.rs`), so a fix to how it speaks reaches every user.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

/// One scripted reply to a chat-completion request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A JSON body with a status and extra headers.
    Json {
        status: u16,
        body: Value,
        headers: Vec<(&'static str, String)>,
    },
    /// A raw body (malformed or non-JSON replies).
    Raw { status: u16, body: String },
    /// Server-sent events with these data payloads, then `[DONE]`; with `stall`, the server stops
    /// sending after the events and keeps the connection open that long.
    Sse {
        events: Vec<String>,
        stall: Option<Duration>,
    },
    /// A stream that never ends and never goes quiet: an SSE comment every `every`, for `for_`.
    /// No read timeout ever fires; only an overall deadline stops the wait.
    Trickle { every: Duration, for_: Duration },
    /// `content` streamed a few characters at a time, one piece every `every`, like a slow
    /// local model writing; then `[DONE]`.
    Drip { content: String, every: Duration },
    /// A correct verdict built from the request itself: every key point covered with a quote
    /// from the answer, every criterion at `level`. Streamed when the request asks for it.
    Verdict { level: u8 },
}

impl Reply {
    pub fn ok(body: Value) -> Reply {
        Reply::Json {
            status: 200,
            body,
            headers: vec![],
        }
    }

    pub fn status(status: u16, body: Value) -> Reply {
        Reply::Json {
            status,
            body,
            headers: vec![],
        }
    }

    /// A plain completion whose content is `content`.
    pub fn content(content: &str) -> Reply {
        Reply::ok(json!({"object": "chat.completion", "model": "test-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 100, "total_tokens": 1000}}))
    }
}

/// How the server behaves beyond its script.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// Every chat request waits this long before it is answered, like a model thinking.
    pub latency: Duration,
    /// The reply once the script has run out (none: a 500 saying so).
    pub repeat: Option<Reply>,
    /// Requests from this one on (counting from 0) hang for a minute, like a stuck model.
    pub hang_from: Option<usize>,
}

#[derive(Clone)]
struct Shared {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    requests: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    behaviour: Arc<Behaviour>,
    in_flight: Arc<AtomicUsize>,
    max_in_flight: Arc<AtomicUsize>,
}

/// Counts a request as in flight until it is answered (or abandoned).
struct InFlight(Arc<AtomicUsize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

pub struct FakeLlm {
    pub base: String,
    shared: Shared,
    _runtime: std::thread::JoinHandle<()>,
}

impl FakeLlm {
    pub fn start(replies: Vec<Reply>) -> FakeLlm {
        FakeLlm::start_with(replies, Behaviour::default())
    }

    pub fn start_with(replies: Vec<Reply>, behaviour: Behaviour) -> FakeLlm {
        let shared = Shared {
            replies: Arc::new(Mutex::new(replies.into())),
            requests: Arc::default(),
            behaviour: Arc::new(behaviour),
            in_flight: Arc::default(),
            max_in_flight: Arc::default(),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let state = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app = Router::new()
                    .route("/v1/chat/completions", post(chat))
                    .route(
                        "/v1/models",
                        // As llama.cpp lists a model: its owner, and the context it holds.
                        get(|| async {
                            axum::Json(json!({"data": [{"id": "test-model", "owned_by": "llamacpp", "meta": {"n_ctx": 2048}}]}))
                        }),
                    )
                    .with_state(state);
                axum::serve(listener, app).await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        FakeLlm {
            base: format!("http://{addr}/v1"),
            shared,
            _runtime: thread,
        }
    }

    /// The JSON bodies of the chat requests received, in order.
    pub fn requests(&self) -> Vec<Value> {
        self.shared
            .requests
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// The most chat requests the server was handling at the same moment.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    pub fn headers(&self) -> Vec<HeaderMap> {
        self.shared
            .requests
            .lock()
            .unwrap()
            .iter()
            .map(|(h, _)| h.clone())
            .collect()
    }
}

async fn chat(State(s): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let number = {
        let mut requests = s.requests.lock().unwrap();
        requests.push((headers, request.clone()));
        requests.len() - 1
    };
    let now = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    s.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let _in_flight = InFlight(s.in_flight.clone());
    if !s.behaviour.latency.is_zero() {
        tokio::time::sleep(s.behaviour.latency).await;
    }
    if s.behaviour.hang_from.is_some_and(|from| number >= from) {
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    let reply = s
        .replies
        .lock()
        .unwrap()
        .pop_front()
        .or_else(|| s.behaviour.repeat.clone());
    match reply {
        None => respond(
            500,
            "application/json",
            json!({"error": {"message": "no scripted reply"}}).to_string(),
            vec![],
        ),
        // A successful completion asked for as a stream is sent as one, as real servers do.
        Some(Reply::Json {
            status: 200, body, ..
        }) if request["stream"] == true && body.get("choices").is_some() => {
            let choice = &body["choices"][0];
            let mut chunk = json!({"choices": [{"index": 0, "delta": choice["message"], "finish_reason": choice["finish_reason"]}]});
            if let Some(m) = body.get("model") {
                chunk["model"] = m.clone();
            }
            let mut events = vec![chunk.to_string()];
            if let Some(u) = body.get("usage") {
                events.push(json!({"choices": [], "usage": u}).to_string());
            }
            sse(events, None)
        }
        Some(Reply::Json {
            status,
            body,
            headers,
        }) => respond(status, "application/json", body.to_string(), headers),
        Some(Reply::Raw { status, body }) => respond(status, "application/json", body, vec![]),
        Some(Reply::Sse { events, stall }) => sse(events, stall),
        Some(Reply::Trickle { every, for_ }) => trickle(every, for_),
        Some(Reply::Drip { content, every }) => drip(&content, every),
        Some(Reply::Verdict { level }) => {
            let content = verdict_for(&request, level).to_string();
            if request["stream"] == true {
                // Stream the content in small pieces, as a model would.
                let mut events: Vec<String> = content
                    .as_bytes()
                    .chunks(16)
                    .map(|c| json!({"choices": [{"index": 0, "delta": {"content": String::from_utf8_lossy(c)}}]}).to_string())
                    .collect();
                events.push(json!({"choices": [], "usage": {"prompt_tokens": 1000, "completion_tokens": 200}}).to_string());
                sse(events, None)
            } else {
                let body = json!({"model": "test-model", "choices": [{"message": {"content": content}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 1000, "completion_tokens": 200}});
                respond(200, "application/json", body.to_string(), vec![])
            }
        }
    }
}

fn respond(
    status: u16,
    content_type: &str,
    body: String,
    headers: Vec<(&'static str, String)>,
) -> Response {
    let mut r = Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", content_type);
    for (k, v) in headers {
        r = r.header(k, v);
    }
    r.body(Body::from(body)).unwrap()
}

fn sse(events: Vec<String>, stall: Option<Duration>) -> Response {
    let mut chunks: Vec<String> = events
        .into_iter()
        .map(|e| format!("data: {e}\n\n"))
        .collect();
    if stall.is_none() {
        chunks.push("data: [DONE]\n\n".to_string());
    }
    let stream =
        futures::stream::unfold((chunks.into_iter(), stall), |(mut it, stall)| async move {
            match it.next() {
                Some(c) => Some((Ok::<_, std::io::Error>(c), (it, stall))),
                None => {
                    if let Some(d) = stall {
                        tokio::time::sleep(d).await;
                    }
                    None
                }
            }
        });
    Response::builder()
        .status(200)
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap()
}

fn trickle(every: Duration, for_: Duration) -> Response {
    let beats = (for_.as_millis() / every.as_millis().max(1)) as usize;
    let stream = futures::stream::unfold(0usize, move |sent| async move {
        if sent >= beats {
            return None;
        }
        tokio::time::sleep(every).await;
        Some((
            Ok::<_, std::io::Error>(": keep-alive\n\n".to_string()),
            sent + 1,
        ))
    });
    Response::builder()
        .status(200)
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap()
}

fn drip(content: &str, every: Duration) -> Response {
    let chars: Vec<char> = content.chars().collect();
    let mut events: Vec<String> = chars
        .chunks(4)
        .map(|c| {
            let piece: String = c.iter().collect();
            format!(
                "data: {}\n\n",
                json!({"choices": [{"index": 0, "delta": {"content": piece}}]})
            )
        })
        .collect();
    events.push("data: [DONE]\n\n".to_string());
    let stream = futures::stream::unfold(events.into_iter(), move |mut it| async move {
        let event = it.next()?;
        tokio::time::sleep(every).await;
        Some((Ok::<_, std::io::Error>(event), it))
    });
    Response::builder()
        .status(200)
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap()
}

/// The text between the answer fences of the user message.
pub fn fenced_answer(request: &Value) -> String {
    let user = request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "user")
        .unwrap()["content"]
        .as_str()
        .unwrap()
        .to_string();
    let start = user.find("<candidate_answer>\n").unwrap() + "<candidate_answer>\n".len();
    let end = user.rfind("\n</candidate_answer>").unwrap();
    user[start..end].to_string()
}

/// A verdict that passes validation (for a chat request or a batch request's body): it reads the criterion ids and key point count off the
/// rendered prompt and quotes the answer.
pub fn verdict_for(request: &Value, level: u8) -> Value {
    let user = request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "user")
        .unwrap()["content"]
        .as_str()
        .unwrap()
        .to_string();
    let criteria: Vec<String> = user
        .lines()
        .filter_map(|l| {
            l.strip_prefix("- \"")
                .and_then(|r| r.split('"').next())
                .map(String::from)
        })
        .collect();
    let points = user
        .split("# Key points")
        .nth(1)
        .unwrap()
        .lines()
        .skip(1)
        .take_while(|l| {
            l.split_once(". ")
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
        })
        .count();
    let answer = fenced_answer(request);
    let quote: String = answer
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    json!({
        "reasoning": "The candidate explains the main mechanism clearly.",
        "insufficient_evidence": false,
        "criteria": criteria.iter().map(|c| (c.clone(), json!(level))).collect::<serde_json::Map<_, _>>(),
        "key_points": (1..=points).map(|i| json!({"id": i, "verdict": "covered", "evidence": quote})).collect::<Vec<_>>(),
        "red_flags": [],
        "feedback": "Solid answer.",
        "follow_up": "What would change under the free-threaded build?"
    })
}
