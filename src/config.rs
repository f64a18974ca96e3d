//! Configuration: flags > environment > `config.toml` > provider preset > defaults. Resolved once
//! into a `Config` that remembers where each value came from, for `viva config`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::error::bad;

/// Which grader to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum GraderChoice {
    /// The LLM when an endpoint is configured, offline otherwise.
    Auto,
    /// Always the LLM; an error when no endpoint is configured.
    Llm,
    /// Always the offline grader, even with an endpoint configured.
    Offline,
}

/// The kind of server behind an endpoint. Hosted APIs run large models and accept a strict
/// subset of JSON Schema; the local servers run small models that need a tight budget, length
/// caps in the schema and a repetition penalty, and accept both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Server {
    OpenAi,
    OpenRouter,
    LlamaCpp,
    Ollama,
    Vllm,
    LmStudio,
    /// Some other OpenAI-compatible server, taken to be self-hosted.
    Other,
}

impl Server {
    /// The server a base URL points at: a hosted API by its host, a local server by the port
    /// its preset uses, otherwise `Other`.
    pub fn of(api_base: &str) -> Server {
        let (host, port) = host_and_port(api_base);
        if host == "api.openai.com" {
            return Server::OpenAi;
        }
        if host == "openrouter.ai" || host.ends_with(".openrouter.ai") {
            return Server::OpenRouter;
        }
        PRESETS
            .iter()
            .filter(|p| !p.server.hosted())
            .find(|p| port.is_some() && host_and_port(p.api_base).1 == port)
            .map_or(Server::Other, |p| p.server)
    }

    /// A hosted API rather than a server the user runs.
    pub fn hosted(self) -> bool {
        matches!(self, Server::OpenAi | Server::OpenRouter)
    }

    /// The server's name as people write it.
    pub fn label(self) -> &'static str {
        match self {
            Server::OpenAi => "OpenAI",
            Server::OpenRouter => "OpenRouter",
            Server::LlamaCpp => "llama.cpp",
            Server::Ollama => "Ollama",
            Server::Vllm => "vLLM",
            Server::LmStudio => "LM Studio",
            Server::Other => "an OpenAI-compatible server",
        }
    }
}

/// The lowercased host of a URL and its port, when it names one.
fn host_and_port(url: &str) -> (String, Option<&str>) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    match authority.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => {
            (h.to_ascii_lowercase(), Some(p))
        }
        _ => (authority.to_ascii_lowercase(), None),
    }
}

/// Known OpenAI-compatible servers: their base URL, whether they need a key, a default model.
pub struct Preset {
    pub name: &'static str,
    pub server: Server,
    pub api_base: &'static str,
    pub needs_key: bool,
    pub default_model: Option<&'static str>,
}

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "openai",
        server: Server::OpenAi,
        api_base: "https://api.openai.com/v1",
        needs_key: true,
        default_model: Some("gpt-4o-mini"),
    },
    Preset {
        name: "ollama",
        server: Server::Ollama,
        api_base: "http://localhost:11434/v1",
        needs_key: false,
        default_model: None,
    },
    Preset {
        name: "llamacpp",
        server: Server::LlamaCpp,
        api_base: "http://localhost:8080/v1",
        needs_key: false,
        default_model: None,
    },
    Preset {
        name: "vllm",
        server: Server::Vllm,
        api_base: "http://localhost:8000/v1",
        needs_key: false,
        default_model: None,
    },
    Preset {
        name: "lmstudio",
        server: Server::LmStudio,
        api_base: "http://localhost:1234/v1",
        needs_key: false,
        default_model: None,
    },
    Preset {
        name: "openrouter",
        server: Server::OpenRouter,
        api_base: "https://openrouter.ai/api/v1",
        needs_key: true,
        default_model: None,
    },
];

/// Dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input: f64,
    pub output: f64,
}

/// Prices of common hosted models; `[prices]` in config.toml adds to and overrides these.
const DEFAULT_PRICES: &[(&str, f64, f64)] = &[
    ("gpt-4o-mini", 0.15, 0.60),
    ("gpt-4o", 2.50, 10.00),
    ("gpt-4.1-mini", 0.40, 1.60),
    ("gpt-4.1", 2.00, 8.00),
];

/// The default deadline of a model call, in read timeouts.
const DEADLINE_READ_TIMEOUTS: u64 = 3;

/// `config.toml`. Every field optional; unknown fields are errors so typos are caught.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub provider: Option<String>,
    pub api_base: Option<String>,
    pub api_key: Option<String>,
    pub model: Option<String>,
    pub grader: Option<GraderChoice>,
    pub follow_ups: Option<u32>,
    pub answer_token_budget: Option<usize>,
    pub connect_timeout_secs: Option<u64>,
    pub read_timeout_secs: Option<u64>,
    /// The most one model call may take, retries and waits included.
    pub deadline_secs: Option<u64>,
    pub max_retries: Option<u32>,
    /// Stream replies (default true); some proxies only do plain responses.
    pub stream: Option<bool>,
    /// The tokens the server holds per request, prompt and reply together (default 4096).
    pub context_window: Option<u32>,
    /// The most tokens one grade's reply may take (default: sized to the question's rubric).
    pub reply_token_budget: Option<u32>,
    /// Sampling penalties against repetition (default 0.2 and none on local servers, none on
    /// hosted APIs): small models loop under greedy decoding without one.
    pub frequency_penalty: Option<f32>,
    pub presence_penalty: Option<f32>,
    #[serde(default)]
    pub prices: BTreeMap<String, Price>,
    /// Spoken answers (`viva --voice`).
    pub voice: Option<VoiceFile>,
}

/// `[voice]` in config.toml: the recorder, and the transcription endpoint, which is set apart
/// from the chat endpoint (a chat server such as Ollama has no transcription).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceFile {
    /// A recorder's name on the PATH or its path: arecord, rec, sox, ffmpeg or pw-record.
    pub recorder: Option<String>,
    /// The OpenAI-compatible base URL that serves `/audio/transcriptions`.
    pub api_base: Option<String>,
    pub api_key: Option<String>,
    pub model: Option<String>,
    /// Keep each answer's audio under `$VIVA_HOME/audio` (default true).
    pub keep_audio: Option<bool>,
    /// Stop recording after this many seconds of silence (default: only Enter stops).
    pub silence_stop_secs: Option<u64>,
    /// The most one transcription may take.
    pub timeout_secs: Option<u64>,
}

/// The transcription model when none is configured: OpenAI's, which local servers alias too.
pub const DEFAULT_TRANSCRIBE_MODEL: &str = "whisper-1";

/// The endpoint spoken answers are transcribed by.
#[derive(Debug, Clone)]
pub struct TranscribeEndpoint {
    pub api_base: String,
    pub api_key: Option<ApiKey>,
    pub model: String,
    pub connect_timeout: Duration,
    pub timeout: Duration,
}

/// Spoken answers, resolved.
#[derive(Debug, Clone)]
pub struct VoiceConfig {
    pub recorder: Option<String>,
    /// None when nothing says where to transcribe.
    pub transcribe: Option<TranscribeEndpoint>,
    pub keep_audio: bool,
    pub silence_stop: Option<Duration>,
}

impl FileConfig {
    /// Reads the file; a missing file is an empty configuration.
    pub fn read(path: &Path) -> Result<FileConfig> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileConfig::default()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let text = crate::lines::utf8(&bytes)
            .map_err(|line| bad(format!("{}:{line}: not UTF-8", path.display())))?;
        let file: FileConfig = toml::from_str(text).map_err(|e| {
            let at = crate::toml_error::locate(text, &e);
            let line = at.line.map_or(String::new(), |l| format!(":{l}"));
            let field = at.field.map_or(String::new(), |f| format!(": field `{f}`"));
            bad(format!("{}{line}{field}: {}", path.display(), at.message))
        })?;
        file.check().map_err(|(field, problem)| {
            let line = key_line(text, field).map_or(String::new(), |l| format!(":{l}"));
            bad(format!(
                "{}{line}: field `{field}`: {problem}",
                path.display()
            ))
        })?;
        Ok(file)
    }

    /// Values that parse but cannot work: a zero timeout, retries without end, a budget that
    /// leaves no answer, an endpoint that is not a URL. Returns the field and what is wrong.
    fn check(&self) -> std::result::Result<(), (&'static str, String)> {
        let within = |field: &'static str, value: Option<u64>, low: u64, high: u64| match value {
            Some(v) if !(low..=high).contains(&v) => {
                Err((field, format!("{v} is not between {low} and {high}")))
            }
            _ => Ok(()),
        };
        within("connect_timeout_secs", self.connect_timeout_secs, 1, 600)?;
        within("read_timeout_secs", self.read_timeout_secs, 1, 3600)?;
        within("deadline_secs", self.deadline_secs, 1, 3600)?;
        within("max_retries", self.max_retries.map(u64::from), 0, 10)?;
        within(
            "answer_token_budget",
            self.answer_token_budget.map(|b| b as u64),
            10,
            100_000,
        )?;
        within(
            "context_window",
            self.context_window.map(u64::from),
            1024,
            10_000_000,
        )?;
        within(
            "reply_token_budget",
            self.reply_token_budget.map(u64::from),
            64,
            100_000,
        )?;
        for (field, value) in [
            ("frequency_penalty", self.frequency_penalty),
            ("presence_penalty", self.presence_penalty),
        ] {
            if let Some(v) = value
                && !(-2.0..=2.0).contains(&v)
            {
                return Err((field, format!("{v} is not between -2 and 2")));
            }
        }
        let voice = self.voice.clone().unwrap_or_default();
        within("silence_stop_secs", voice.silence_stop_secs, 1, 600)?;
        within("timeout_secs", voice.timeout_secs, 1, 3600)?;
        for base in [&self.api_base, &voice.api_base] {
            if let Some(base) = base
                && !(base.starts_with("http://") || base.starts_with("https://"))
            {
                return Err((
                    "api_base",
                    format!("{base:?} is not an http:// or https:// URL"),
                ));
            }
        }
        Ok(())
    }
}

/// The line of `key = ...` in a TOML text, 1-based.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// Command-line values that override everything else.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub model: Option<String>,
    pub api_base: Option<String>,
    pub grader: Option<GraderChoice>,
    pub follow_ups: Option<u32>,
}

/// Where a resolved value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Flag,
    Env,
    File,
    Preset,
    Default,
}

/// An API key that never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// "sk-...abcd": enough to tell keys apart, not enough to use one.
    pub fn masked(&self) -> String {
        let tail: String = self
            .0
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if self.0.chars().count() <= 8 {
            "****".into()
        } else {
            format!("****{tail}")
        }
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// The endpoint the LLM grader talks to.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub api_base: String,
    pub api_key: Option<ApiKey>,
    pub model: String,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// The most one call may take, retries and `Retry-After` waits included: a server that
    /// trickles bytes never trips the read timeout.
    pub deadline: Duration,
    /// Retries of 429 and 5xx responses.
    pub max_retries: u32,
    /// First backoff delay; doubles per retry unless the server sends Retry-After.
    pub retry_base: Duration,
    pub server: Server,
    pub sampling: Sampling,
}

/// Sampling settings sent with every request besides temperature 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Sampling {
    pub frequency_penalty: Option<f32>,
    pub presence_penalty: Option<f32>,
}

/// The frequency penalty sent to local servers unless configured: enough to break a small
/// model's loop inside a JSON string, too little to steer a verdict.
const LOCAL_FREQUENCY_PENALTY: f32 = 0.2;

/// The context window assumed unless configured: the smallest that local servers commonly
/// default to and that a grade is built to fit.
pub const DEFAULT_CONTEXT_WINDOW: u32 = 4096;

#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub grader: GraderChoice,
    pub provider: Option<String>,
    pub api_base: Option<String>,
    pub api_key: Option<ApiKey>,
    pub model: Option<String>,
    pub follow_ups: u32,
    pub answer_token_budget: usize,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub deadline: Duration,
    pub max_retries: u32,
    pub stream: bool,
    pub context_window: u32,
    pub reply_token_budget: Option<u32>,
    /// As configured; `endpoint()` fills in the server's default.
    pub frequency_penalty: Option<f32>,
    pub presence_penalty: Option<f32>,
    pub prices: BTreeMap<String, Price>,
    pub voice: VoiceConfig,
    /// Where each setting came from, by name.
    pub origins: BTreeMap<&'static str, Origin>,
}

/// Picks the first value present, remembering its origin.
fn first<T>(
    origins: &mut BTreeMap<&'static str, Origin>,
    name: &'static str,
    candidates: [(Option<T>, Origin); 4],
) -> Option<T> {
    for (value, origin) in candidates {
        if let Some(v) = value {
            origins.insert(name, origin);
            return Some(v);
        }
    }
    None
}

impl Config {
    /// Resolves the configuration. `env` is the process environment in production and a map in
    /// tests, so that no test depends on the developer's variables.
    pub fn resolve(
        path: PathBuf,
        file: FileConfig,
        flags: &Flags,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config> {
        let env = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| env(n).filter(|v| !v.trim().is_empty()))
        };
        let mut origins = BTreeMap::new();
        let preset = match &file.provider {
            None => None,
            Some(name) => Some(PRESETS.iter().find(|p| p.name == name).ok_or_else(|| {
                let known: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
                bad(format!(
                    "{}: field `provider`: unknown provider {name:?} (known: {})",
                    path.display(),
                    known.join(", ")
                ))
            })?),
        };
        let api_key = first(
            &mut origins,
            "api_key",
            [
                (None, Origin::Flag),
                (env(&["VIVA_API_KEY", "OPENAI_API_KEY"]), Origin::Env),
                (file.api_key.clone(), Origin::File),
                (None, Origin::Preset),
            ],
        );
        // A key with no base means OpenAI itself.
        let openai = &PRESETS[0];
        let implied = preset.or_else(|| api_key.as_ref().map(|_| openai));
        let api_base = first(
            &mut origins,
            "api_base",
            [
                (flags.api_base.clone(), Origin::Flag),
                (env(&["VIVA_API_BASE", "OPENAI_BASE_URL"]), Origin::Env),
                (file.api_base.clone(), Origin::File),
                (implied.map(|p| p.api_base.to_string()), Origin::Preset),
            ],
        );
        let model = first(
            &mut origins,
            "model",
            [
                (flags.model.clone(), Origin::Flag),
                (env(&["VIVA_MODEL"]), Origin::Env),
                (file.model.clone(), Origin::File),
                (
                    implied
                        .filter(|p| api_base.as_deref() == Some(p.api_base))
                        .and_then(|p| p.default_model.map(String::from)),
                    Origin::Preset,
                ),
            ],
        );
        let grader = first(
            &mut origins,
            "grader",
            [
                (flags.grader, Origin::Flag),
                (
                    env(&["VIVA_GRADER"])
                        .map(|g| parse_grader(&g))
                        .transpose()?,
                    Origin::Env,
                ),
                (file.grader, Origin::File),
                (None, Origin::Preset),
            ],
        )
        .unwrap_or_else(|| {
            origins.insert("grader", Origin::Default);
            GraderChoice::Auto
        });
        let follow_ups = first(
            &mut origins,
            "follow_ups",
            [
                (flags.follow_ups, Origin::Flag),
                (None, Origin::Env),
                (file.follow_ups, Origin::File),
                (None, Origin::Preset),
            ],
        )
        .unwrap_or(1);
        let mut prices: BTreeMap<String, Price> = DEFAULT_PRICES
            .iter()
            .map(|(m, i, o)| {
                (
                    m.to_string(),
                    Price {
                        input: *i,
                        output: *o,
                    },
                )
            })
            .collect();
        prices.extend(file.prices);
        let voice = resolve_voice(
            file.voice.unwrap_or_default(),
            api_base.as_deref(),
            api_key.as_deref(),
            &env,
        );
        let read_timeout_secs = file.read_timeout_secs.unwrap_or(60);
        Ok(Config {
            path,
            grader,
            provider: preset.map(|p| p.name.to_string()),
            api_base: api_base.map(|b| b.trim_end_matches('/').to_string()),
            api_key: api_key.map(ApiKey),
            model,
            follow_ups,
            answer_token_budget: file.answer_token_budget.unwrap_or(1500),
            connect_timeout: Duration::from_secs(file.connect_timeout_secs.unwrap_or(5)),
            read_timeout: Duration::from_secs(read_timeout_secs),
            deadline: Duration::from_secs(
                file.deadline_secs
                    .unwrap_or(DEADLINE_READ_TIMEOUTS * read_timeout_secs),
            ),
            max_retries: file.max_retries.unwrap_or(2),
            stream: file.stream.unwrap_or(true),
            context_window: file.context_window.unwrap_or(DEFAULT_CONTEXT_WINDOW),
            reply_token_budget: file.reply_token_budget,
            frequency_penalty: file.frequency_penalty,
            presence_penalty: file.presence_penalty,
            prices,
            voice,
            origins,
        })
    }

    /// The endpoint to grade with, or why there is none. `Ok(None)` means: grade offline.
    pub fn endpoint(&self) -> Result<Option<Endpoint>> {
        let wanted = match self.grader {
            GraderChoice::Offline => return Ok(None),
            GraderChoice::Llm => true,
            GraderChoice::Auto => false,
        };
        let Some(api_base) = self.api_base.clone() else {
            if wanted {
                return Err(bad(
                    "--grader llm: no endpoint configured (set --api-base, VIVA_API_BASE or api_base in config.toml)",
                ));
            }
            return Ok(None);
        };
        let Some(model) = self.model.clone() else {
            return Err(bad(format!(
                "an endpoint is configured ({api_base}) but no model: set --model, VIVA_MODEL or model in {}",
                self.path.display()
            )));
        };
        let server = self
            .provider
            .as_deref()
            .and_then(|name| PRESETS.iter().find(|p| p.name == name))
            .filter(|p| p.api_base == api_base)
            .map_or_else(|| Server::of(&api_base), |p| p.server);
        Ok(Some(Endpoint {
            api_base,
            api_key: self.api_key.clone(),
            model,
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            deadline: self.deadline,
            max_retries: self.max_retries,
            retry_base: Duration::from_millis(500),
            server,
            sampling: self.sampling(server),
        }))
    }

    /// The penalties to send to `server`: as configured, else the server's default.
    pub fn sampling(&self, server: Server) -> Sampling {
        let configured = self.frequency_penalty.is_some() || self.presence_penalty.is_some();
        if configured || server.hosted() {
            return Sampling {
                frequency_penalty: self.frequency_penalty,
                presence_penalty: self.presence_penalty,
            };
        }
        Sampling {
            frequency_penalty: Some(LOCAL_FREQUENCY_PENALTY),
            presence_penalty: None,
        }
    }

    pub fn price(&self, model: &str) -> Option<Price> {
        self.prices.get(model).copied()
    }

    /// A readable dump with the key masked, for `viva config`.
    pub fn describe(&self) -> serde_json::Value {
        let origin = |name: &str| self.origins.get(name).copied().unwrap_or(Origin::Default);
        let transcribe = self.voice.transcribe.as_ref();
        serde_json::json!({
            "config_file": self.path.display().to_string(),
            "grader": {"value": self.grader, "from": origin("grader")},
            "provider": self.provider,
            "api_base": {"value": self.api_base, "from": origin("api_base")},
            "api_key": {"value": self.api_key.as_ref().map(ApiKey::masked), "from": origin("api_key")},
            "model": {"value": self.model, "from": origin("model")},
            "follow_ups": {"value": self.follow_ups, "from": origin("follow_ups")},
            "answer_token_budget": self.answer_token_budget,
            "connect_timeout_secs": self.connect_timeout.as_secs(),
            "read_timeout_secs": self.read_timeout.as_secs(),
            "deadline_secs": self.deadline.as_secs(),
            "max_retries": self.max_retries,
            "stream": self.stream,
            "context_window": self.context_window,
            "reply_token_budget": self.reply_token_budget,
            "frequency_penalty": self.frequency_penalty,
            "presence_penalty": self.presence_penalty,
            "prices_per_million_tokens": self.prices,
            "voice_recorder": self.voice.recorder,
            "transcribe_api_base": transcribe.map(|t| &t.api_base),
            "transcribe_api_key": transcribe.and_then(|t| t.api_key.as_ref()).map(ApiKey::masked),
            "transcribe_model": transcribe.map(|t| &t.model),
            "voice_keep_audio": self.voice.keep_audio,
            "voice_silence_stop_secs": self.voice.silence_stop.map(|d| d.as_secs()),
        })
    }
}

/// Where spoken answers are transcribed: `VIVA_TRANSCRIBE_*` > `[voice]` > OpenAI itself when
/// the chat endpoint is OpenAI's (with its key). Any other chat endpoint is not assumed to
/// transcribe.
fn resolve_voice(
    file: VoiceFile,
    chat_base: Option<&str>,
    chat_key: Option<&str>,
    env: &dyn Fn(&[&str]) -> Option<String>,
) -> VoiceConfig {
    let openai = PRESETS[0].api_base;
    let chat_is_openai = chat_base.is_some_and(|b| b.trim_end_matches('/') == openai);
    let api_base = env(&["VIVA_TRANSCRIBE_API_BASE"])
        .or(file.api_base)
        .or_else(|| chat_is_openai.then(|| openai.to_string()))
        .map(|b| b.trim_end_matches('/').to_string());
    let same_as_chat = api_base.as_deref() == chat_base.map(|b| b.trim_end_matches('/'));
    let api_key = env(&["VIVA_TRANSCRIBE_API_KEY"])
        .or(file.api_key)
        .or_else(|| chat_key.filter(|_| same_as_chat).map(String::from));
    let model = env(&["VIVA_TRANSCRIBE_MODEL"])
        .or(file.model)
        .unwrap_or_else(|| DEFAULT_TRANSCRIBE_MODEL.to_string());
    VoiceConfig {
        recorder: env(&["VIVA_RECORDER"]).or(file.recorder),
        transcribe: api_base.map(|api_base| TranscribeEndpoint {
            api_base,
            api_key: api_key.map(ApiKey),
            model,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(file.timeout_secs.unwrap_or(120)),
        }),
        keep_audio: file.keep_audio.unwrap_or(true),
        silence_stop: file.silence_stop_secs.map(Duration::from_secs),
    }
}

fn parse_grader(s: &str) -> Result<GraderChoice> {
    match s.trim() {
        "auto" => Ok(GraderChoice::Auto),
        "llm" => Ok(GraderChoice::Llm),
        "offline" => Ok(GraderChoice::Offline),
        other => Err(bad(format!(
            "VIVA_GRADER: {other:?} is not one of auto, llm, offline"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(file: &str, flags: Flags, env: &[(&str, &str)]) -> Result<Config> {
        let env: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let file: FileConfig = toml::from_str(file).unwrap();
        Config::resolve(PathBuf::from("config.toml"), file, &flags, &|k| {
            env.get(k).cloned()
        })
    }

    #[test]
    fn nothing_configured_grades_offline() {
        let c = resolve("", Flags::default(), &[]).unwrap();
        assert_eq!(c.grader, GraderChoice::Auto);
        assert!(c.endpoint().unwrap().is_none());
    }

    #[test]
    fn flags_beat_env_beat_file() {
        let file = "api_base = \"http://file/v1\"\nmodel = \"file-model\"";
        let env = [
            ("VIVA_API_BASE", "http://env/v1"),
            ("VIVA_MODEL", "env-model"),
        ];
        let c = resolve(file, Flags::default(), &env).unwrap();
        assert_eq!(
            (c.api_base.as_deref(), c.model.as_deref()),
            (Some("http://env/v1"), Some("env-model"))
        );
        let flags = Flags {
            model: Some("flag-model".into()),
            ..Flags::default()
        };
        let c = resolve(file, flags, &env).unwrap();
        assert_eq!(c.model.as_deref(), Some("flag-model"));
        assert_eq!(c.origins["model"], Origin::Flag);
        assert_eq!(c.origins["api_base"], Origin::Env);
        let c = resolve(file, Flags::default(), &[]).unwrap();
        assert_eq!(c.api_base.as_deref(), Some("http://file/v1"));
    }

    #[test]
    fn viva_variables_beat_openai_ones() {
        let env = [
            ("OPENAI_BASE_URL", "http://openai-env/v1"),
            ("VIVA_API_BASE", "http://viva/v1"),
            ("OPENAI_API_KEY", "sk-openai-123456"),
            ("VIVA_API_KEY", "sk-viva-abcdefgh"),
        ];
        let c = resolve("model = \"m\"", Flags::default(), &env).unwrap();
        assert_eq!(c.api_base.as_deref(), Some("http://viva/v1"));
        assert_eq!(c.api_key.as_ref().unwrap().expose(), "sk-viva-abcdefgh");
    }

    #[test]
    fn a_key_alone_means_openai_with_its_default_model() {
        let c = resolve(
            "",
            Flags::default(),
            &[("OPENAI_API_KEY", "sk-test-000011112222")],
        )
        .unwrap();
        let e = c.endpoint().unwrap().unwrap();
        assert_eq!(e.api_base, "https://api.openai.com/v1");
        assert_eq!(e.model, "gpt-4o-mini");
    }

    #[test]
    fn presets_fill_the_base_and_a_model_is_required() {
        let c = resolve("provider = \"ollama\"", Flags::default(), &[]).unwrap();
        assert_eq!(c.api_base.as_deref(), Some("http://localhost:11434/v1"));
        let err = c.endpoint().unwrap_err().to_string();
        assert!(err.contains("no model"), "{err}");
        assert!(
            resolve("provider = \"nope\"", Flags::default(), &[])
                .unwrap_err()
                .to_string()
                .contains("unknown provider")
        );
    }

    #[test]
    fn offline_choice_wins_over_a_configured_endpoint() {
        let flags = Flags {
            grader: Some(GraderChoice::Offline),
            ..Flags::default()
        };
        let c = resolve("api_base = \"http://x/v1\"\nmodel = \"m\"", flags, &[]).unwrap();
        assert!(c.endpoint().unwrap().is_none());
        let flags = Flags {
            grader: Some(GraderChoice::Llm),
            ..Flags::default()
        };
        assert!(resolve("", flags, &[]).unwrap().endpoint().is_err());
    }

    #[test]
    fn the_key_is_masked_everywhere_it_is_shown() {
        let c = resolve(
            "model = \"m\"",
            Flags::default(),
            &[("VIVA_API_KEY", "sk-secret-value-9876")],
        )
        .unwrap();
        let shown = c.describe().to_string();
        assert!(!shown.contains("sk-secret"), "{shown}");
        assert!(shown.contains("****9876"));
        assert!(!format!("{c:?}").contains("sk-secret"));
    }

    #[test]
    fn transcription_is_configured_apart_from_the_chat_endpoint() {
        let c = resolve(
            "provider = \"ollama\"\nmodel = \"m\"",
            Flags::default(),
            &[],
        )
        .unwrap();
        assert!(c.voice.transcribe.is_none(), "Ollama does not transcribe");
        let file = "api_base = \"http://chat/v1\"\nmodel = \"m\"\napi_key = \"sk-chat-12345678\"\n\
                    [voice]\napi_base = \"http://asr:8000/v1/\"\nmodel = \"base.en\"\nkeep_audio = false\n";
        let c = resolve(file, Flags::default(), &[]).unwrap();
        let t = c.voice.transcribe.as_ref().unwrap();
        assert_eq!(
            (t.api_base.as_str(), t.model.as_str()),
            ("http://asr:8000/v1", "base.en")
        );
        assert!(
            t.api_key.is_none(),
            "the chat key is not sent to another server"
        );
        assert!(!c.voice.keep_audio);
        let c = resolve(
            "",
            Flags::default(),
            &[("OPENAI_API_KEY", "sk-test-000011112222")],
        )
        .unwrap();
        let t = c.voice.transcribe.unwrap();
        assert_eq!(t.model, DEFAULT_TRANSCRIBE_MODEL);
        assert_eq!(t.api_key.unwrap().expose(), "sk-test-000011112222");
    }

    #[test]
    fn the_server_is_known_by_its_preset_host_or_port() {
        assert_eq!(Server::of("https://api.openai.com/v1"), Server::OpenAi);
        assert_eq!(
            Server::of("https://openrouter.ai/api/v1"),
            Server::OpenRouter
        );
        assert_eq!(Server::of("http://localhost:11434/v1"), Server::Ollama);
        assert_eq!(Server::of("http://127.0.0.1:8080/v1"), Server::LlamaCpp);
        assert_eq!(Server::of("http://gpu-box:8000/v1"), Server::Vllm);
        assert_eq!(Server::of("http://localhost:1234/v1"), Server::LmStudio);
        assert_eq!(Server::of("http://127.0.0.1:8091/v1"), Server::Other);
        let c = resolve("provider = \"vllm\"\nmodel = \"m\"", Flags::default(), &[]).unwrap();
        assert_eq!(c.endpoint().unwrap().unwrap().server, Server::Vllm);
    }

    #[test]
    fn local_servers_get_a_small_penalty_unless_one_is_configured() {
        let local = resolve(
            "api_base = \"http://localhost:8080/v1\"\nmodel = \"m\"",
            Flags::default(),
            &[],
        )
        .unwrap();
        let e = local.endpoint().unwrap().unwrap();
        assert_eq!(e.sampling.frequency_penalty, Some(LOCAL_FREQUENCY_PENALTY));
        let hosted = resolve(
            "",
            Flags::default(),
            &[("OPENAI_API_KEY", "sk-test-000011112222")],
        )
        .unwrap();
        assert_eq!(
            hosted.endpoint().unwrap().unwrap().sampling,
            Sampling::default()
        );
        let set = resolve(
            "api_base = \"http://localhost:8080/v1\"\nmodel = \"m\"\npresence_penalty = 0.3",
            Flags::default(),
            &[],
        )
        .unwrap();
        let s = set.endpoint().unwrap().unwrap().sampling;
        assert_eq!((s.frequency_penalty, s.presence_penalty), (None, Some(0.3)));
    }

    #[test]
    fn a_context_window_or_penalty_that_cannot_work_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        for (text, field) in [
            ("context_window = 100\n", "context_window"),
            ("reply_token_budget = 10\n", "reply_token_budget"),
            ("frequency_penalty = 3.5\n", "frequency_penalty"),
        ] {
            std::fs::write(&path, format!("model = \"m\"\n{text}")).unwrap();
            let err = FileConfig::read(&path).unwrap_err().to_string();
            assert!(
                err.contains(&format!("config.toml:2: field `{field}`")),
                "{err}"
            );
        }
    }

    #[test]
    fn file_errors_name_the_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "model = \"m\"\ntimeout = 3\n").unwrap();
        let err = FileConfig::read(&path).unwrap_err().to_string();
        assert!(
            err.contains("config.toml:2:") && err.contains("timeout"),
            "{err}"
        );
    }
}
