//! A real OpenAI-compatible transcription server on 127.0.0.1 for the tests and the benches:
//! `POST /v1/audio/transcriptions` (multipart) answered from a script with `verbose_json` and
//! word timings, or with a failure. It records each request's form fields and the size of the
//! audio it was sent. Included by path, like `fake_llm.rs`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// One scripted reply.
#[derive(Debug, Clone)]
pub enum AsrReply {
    /// `verbose_json`: the text, and one timing per word.
    Heard {
        text: String,
        words: Vec<(String, f64, f64)>,
    },
    /// A status with an OpenAI-style error body.
    Fail(u16),
}

impl AsrReply {
    /// The text's words said one after another from `start`, each `each` seconds long.
    pub fn evenly(text: &str, start: f64, each: f64) -> AsrReply {
        let words = text
            .split_whitespace()
            .enumerate()
            .map(|(i, w)| {
                let at = start + i as f64 * each;
                (w.to_string(), at, at + each * 0.8)
            })
            .collect();
        AsrReply::Heard {
            text: text.to_string(),
            words,
        }
    }
}

/// One request as received: its text fields, and how many bytes of audio came.
#[derive(Debug, Clone)]
pub struct AsrRequest {
    pub fields: BTreeMap<String, Vec<String>>,
    pub audio_bytes: usize,
    pub file_name: Option<String>,
}

#[derive(Clone)]
struct Shared {
    replies: Arc<Mutex<VecDeque<AsrReply>>>,
    repeat: Option<AsrReply>,
    requests: Arc<Mutex<Vec<AsrRequest>>>,
}

pub struct FakeAsr {
    pub base: String,
    shared: Shared,
    _runtime: std::thread::JoinHandle<()>,
}

impl FakeAsr {
    pub fn start(replies: Vec<AsrReply>) -> FakeAsr {
        FakeAsr::start_repeating(replies, None)
    }

    /// As `start`, answering `repeat` once the script has run out.
    pub fn start_repeating(replies: Vec<AsrReply>, repeat: Option<AsrReply>) -> FakeAsr {
        let shared = Shared {
            replies: Arc::new(Mutex::new(replies.into())),
            repeat,
            requests: Arc::default(),
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
                    .route("/v1/audio/transcriptions", post(transcribe))
                    .with_state(state);
                axum::serve(listener, app).await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        FakeAsr {
            base: format!("http://{addr}/v1"),
            shared,
            _runtime: thread,
        }
    }

    pub fn requests(&self) -> Vec<AsrRequest> {
        self.shared.requests.lock().unwrap().clone()
    }
}

async fn transcribe(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let boundary = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_string())
        .unwrap_or_default();
    let request = parse_form(&body, &boundary);
    s.requests.lock().unwrap().push(request);
    let reply = s
        .replies
        .lock()
        .unwrap()
        .pop_front()
        .or_else(|| s.repeat.clone());
    match reply {
        None => error(500, "no scripted transcription"),
        Some(AsrReply::Fail(status)) => error(status, "the transcription failed"),
        Some(AsrReply::Heard { text, words }) => {
            let duration = words.last().map_or(0.0, |w| w.2);
            axum::Json(json!({
                "task": "transcribe",
                "language": "english",
                "duration": duration,
                "text": text,
                "words": words.iter().map(|(w, a, b)| json!({"word": w, "start": a, "end": b})).collect::<Vec<Value>>(),
                "segments": [{"id": 0, "start": 0.0, "end": duration, "text": text}],
            }))
            .into_response()
        }
    }
}

fn error(status: u16, message: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(json!({"error": {"message": message, "type": "server_error"}})),
    )
        .into_response()
}

/// The text fields of a multipart form and the size of its `file` part.
fn parse_form(body: &[u8], boundary: &str) -> AsrRequest {
    let mut request = AsrRequest {
        fields: BTreeMap::new(),
        audio_bytes: 0,
        file_name: None,
    };
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut parts = Vec::new();
    let mut at = 0;
    while let Some(i) = find(&body[at..], delimiter) {
        parts.push(at + i);
        at += i + delimiter.len();
    }
    for pair in parts.windows(2) {
        let part = &body[pair[0] + delimiter.len()..pair[1]];
        let Some(split) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..split]);
        let content = &part[split + 4..part.len().saturating_sub(2)];
        let attr = |key: &str| {
            head.split(&format!("{key}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(String::from)
        };
        let Some(name) = attr("name") else { continue };
        if name == "file" {
            request.audio_bytes = content.len();
            request.file_name = attr("filename");
        } else {
            request
                .fields
                .entry(name)
                .or_default()
                .push(String::from_utf8_lossy(content).into_owned());
        }
    }
    request
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
