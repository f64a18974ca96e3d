//! `viva config` (text form) and `viva doctor`: what is configured, and whether the endpoint
//! answers the way the grader needs. The doctor's calls are logged like the grader's.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use serde_json::{Value, json};

use super::Env;
use crate::config::{Config, Endpoint, PRESETS, Server};
use crate::llm::{self, CallPurpose, ChatRequest, LlmClient, Message, Role};

pub fn print_config(described: &Value, out: &mut dyn Write) -> Result<()> {
    let Value::Object(map) = described else {
        return Ok(());
    };
    for (key, value) in map {
        match value {
            Value::Object(o) if o.contains_key("from") => {
                let v = o.get("value").map_or("-".to_string(), show);
                writeln!(out, "{key:<22} {v}  (from {})", show(&o["from"]))?;
            }
            Value::Object(prices) if key == PRICES => print_prices(prices, out)?,
            other => writeln!(out, "{key:<22} {}", show(other))?,
        }
    }
    Ok(())
}

/// The key of `Config::describe` holding the prices per model.
const PRICES: &str = "prices_per_million_tokens";

/// One line per model, in dollars, rather than the JSON object `--json` gives.
fn print_prices(prices: &serde_json::Map<String, Value>, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "prices                 dollars per million tokens, input / output"
    )?;
    for (model, price) in prices {
        let dollars = |side: &str| {
            price[side]
                .as_f64()
                .map_or("-".into(), |d| format!("{d:.2}"))
        };
        writeln!(
            out,
            "  {model:<20} {} / {}",
            dollars("input"),
            dollars("output")
        )?;
    }
    Ok(())
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Runs the checks in order and says what grading will use. Fails (exit 1) when an endpoint is
/// configured but cannot grade.
pub fn run(ctx: &Env, out: &mut dyn Write) -> Result<()> {
    let config = ctx.config()?;
    writeln!(out, "config file: {}", config.path.display())?;
    let voice_works = crate::voice::check::run(&config.voice, out)?;
    grading(ctx, &config, out)?;
    if !voice_works {
        anyhow::bail!("voice input is configured but does not work (see above)");
    }
    Ok(())
}

/// The grading endpoint's checks, or how to set one up.
fn grading(ctx: &Env, config: &crate::config::Config, out: &mut dyn Write) -> Result<()> {
    let Some(endpoint) = config.endpoint()? else {
        writeln!(
            out,
            "no LLM endpoint configured: viva grades offline (the embedded grader)."
        )?;
        return print_setup(&config.path, out);
    };
    writeln!(
        out,
        "endpoint: {}  model: {}",
        endpoint.api_base, endpoint.model
    )?;
    let client = LlmClient::new(&endpoint)?.recording_to(ctx.call_log()?);
    let rt = llm::runtime()?;
    let checked = check(&client, &rt, config, &endpoint, out);
    if let Some(why) = client.take_log_failure() {
        writeln!(out, "! call log: a call could not be logged ({why})")?;
    }
    checked?;
    writeln!(
        out,
        "viva will grade with {} at {}.",
        endpoint.model, endpoint.api_base
    )?;
    Ok(())
}

/// How to point viva at the common servers, for a user who has configured none.
fn print_setup(config_file: &Path, out: &mut dyn Write) -> Result<()> {
    let preset = |name: &str| PRESETS.iter().find(|p| p.name == name);
    let base = |name: &str| preset(name).map_or("", |p| p.api_base);
    let openai_model = preset("openai")
        .and_then(|p| p.default_model)
        .unwrap_or("-");
    writeln!(
        out,
        "To grade with a model, set up one of these and run viva doctor again:"
    )?;
    writeln!(
        out,
        "  OpenAI     export OPENAI_API_KEY=sk-...   ({openai_model} unless --model says otherwise)"
    )?;
    writeln!(
        out,
        "  Ollama     viva --api-base {} --model llama3.1",
        base("ollama")
    )?;
    writeln!(
        out,
        "  llama.cpp  viva --api-base {} --model <the model llama-server loaded>",
        base("llamacpp")
    )?;
    writeln!(
        out,
        "or keep it in {}: provider = \"ollama\" and model = \"llama3.1\"",
        config_file.display()
    )?;
    Ok(())
}

/// The checks themselves: models and context, a completion (required), streaming and speed,
/// structured output.
fn check(
    client: &LlmClient,
    rt: &tokio::runtime::Runtime,
    config: &Config,
    endpoint: &Endpoint,
    out: &mut dyn Write,
) -> Result<()> {
    let listed = rt.block_on(client.models(CallPurpose::Doctor));
    let ours = listed
        .as_ref()
        .ok()
        .and_then(|models| models.iter().find(|m| m.id == endpoint.model).cloned());
    match &listed {
        Ok(models) if ours.is_some() => writeln!(
            out,
            "✓ models: {} listed, including {}",
            models.len(),
            endpoint.model
        )?,
        Ok(models) => writeln!(
            out,
            "! models: {} listed, but not {} (the server may still accept it)",
            models.len(),
            endpoint.model
        )?,
        Err(e) => writeln!(out, "! models: cannot list ({e})")?,
    }
    let server = ours
        .as_ref()
        .and_then(|m| m.owned_by.as_deref())
        .and_then(server_by_owner)
        .unwrap_or(endpoint.server);
    writeln!(out, "  server: {}; {}", server.label(), sampling(endpoint))?;
    print_context(config, server, ours.as_ref().and_then(|m| m.context), out)?;

    let hello = [Message::new(Role::User, "Reply with the single word: ok")];
    let plain = ChatRequest {
        messages: &hello,
        json_schema: None,
        max_tokens: Some(20),
        stream: false,
    };
    match rt.block_on(client.chat(CallPurpose::Doctor, &plain, &mut |_| {})) {
        Ok(r) => writeln!(
            out,
            "✓ completion: {:?} in {} ms",
            llm::log_preview(&r.content),
            llm::millis(r.latency)
        )?,
        Err(e) => {
            writeln!(out, "✗ completion failed: {e}")?;
            writeln!(
                out,
                "viva will fall back to offline grading on every answer until this works."
            )?;
            anyhow::bail!("the endpoint {} cannot complete a chat", endpoint.api_base);
        }
    }

    match measure_speed(client, rt) {
        Ok(speed) => {
            writeln!(out, "✓ streaming")?;
            print_speed(&speed, config, out)?;
        }
        Err(e) => writeln!(
            out,
            "! streaming failed ({e}); grades will still arrive, without live feedback"
        )?,
    }

    let schema = json!({"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"], "additionalProperties": false});
    let ask = [Message::new(Role::User, "Is water wet? Answer as JSON.")];
    let structured = ChatRequest {
        messages: &ask,
        json_schema: Some(&schema),
        max_tokens: Some(50),
        stream: false,
    };
    let supported = match rt.block_on(client.chat(CallPurpose::Doctor, &structured, &mut |_| {})) {
        Ok(r) => serde_json::from_str::<Value>(r.content.trim())
            .is_ok_and(|v| v.get("ok").is_some_and(Value::is_boolean)),
        Err(_) => false,
    };
    if supported {
        writeln!(out, "✓ structured output (json_schema)")?;
    } else {
        writeln!(
            out,
            "! no structured output: the verdict schema goes into the prompt instead"
        )?;
    }
    Ok(())
}

/// The server a model listing's `owned_by` names, where it is one we know.
fn server_by_owner(owner: &str) -> Option<Server> {
    match owner {
        "llamacpp" => Some(Server::LlamaCpp),
        "vllm" => Some(Server::Vllm),
        "library" | "ollama" => Some(Server::Ollama),
        "organization_owner" => Some(Server::LmStudio),
        "openai" | "system" | "openai-internal" => Some(Server::OpenAi),
        _ => None,
    }
}

/// The sampling settings sent, in words.
fn sampling(endpoint: &Endpoint) -> String {
    let s = endpoint.sampling;
    let mut parts = vec!["temperature 0".to_string()];
    if let Some(p) = s.frequency_penalty {
        parts.push(format!("frequency penalty {p}"));
    }
    if let Some(p) = s.presence_penalty {
        parts.push(format!("presence penalty {p}"));
    }
    format!("sampling: {}", parts.join(", "))
}

/// The context window viva plans for against the one the server reports, and how to change
/// the server's where it is smaller.
fn print_context(
    config: &Config,
    server: Server,
    reported: Option<u32>,
    out: &mut dyn Write,
) -> Result<()> {
    let window = config.context_window;
    match reported {
        Some(n) if n < window => {
            writeln!(
                out,
                "! context: the server holds {n} tokens per request, less than the {window} viva plans for: set context_window = {n} in {}, or {}",
                config.path.display(),
                raise_context(server)
            )?;
        }
        Some(n) => writeln!(
            out,
            "✓ context: the server holds {n} tokens per request; a grade fits in {window} (context_window)"
        )?,
        None => writeln!(
            out,
            "  context: the server does not say how much it holds; a grade fits in {window} tokens (context_window). If it holds less, {}",
            raise_context(server)
        )?,
    }
    Ok(())
}

/// Where a server's context length is set.
fn raise_context(server: Server) -> &'static str {
    match server {
        Server::LlamaCpp => "start llama-server with a larger -c (--ctx-size)",
        Server::Ollama => {
            "raise Ollama's context (OLLAMA_CONTEXT_LENGTH, or num_ctx in a Modelfile)"
        }
        Server::Vllm => "start vLLM with a larger --max-model-len",
        Server::LmStudio => "raise the model's context length in LM Studio's load settings",
        _ => "raise the server's context length",
    }
}

/// How fast the endpoint reads a prompt and writes a reply.
struct Speed {
    /// Prompt tokens per second, from the wait for the first token.
    prompt: f64,
    /// Reply tokens per second, after the first.
    reply: f64,
}

/// A prompt of a few hundred tokens read, then a short reply streamed: the time to the first
/// token gives the prompt speed, the tokens after it the writing speed. A fresh prefix each
/// time, so that a server's prompt cache does not flatter the figure.
fn measure_speed(client: &LlmClient, rt: &tokio::runtime::Runtime) -> Result<Speed> {
    let nonce = crate::clock::now_ms();
    let text = format!(
        "Note {nonce}. {}Now count from 1 to 40, the numbers separated by spaces, and nothing else.",
        "A candidate explains how a lock lets one thread run at a time while the others wait. "
            .repeat(16)
    );
    let ask = [Message::new(Role::User, text)];
    let req = ChatRequest {
        messages: &ask,
        json_schema: None,
        max_tokens: Some(SPEED_REPLY_TOKENS),
        stream: true,
    };
    let started = Instant::now();
    let mut first: Option<Instant> = None;
    let mut last = started;
    let mut chunks = 0u32;
    let reply = rt.block_on(client.chat(CallPurpose::Doctor, &req, &mut |_| {
        let now = Instant::now();
        first.get_or_insert(now);
        last = now;
        chunks += 1;
    }))?;
    let first = first.unwrap_or(last);
    let prompt_tokens = reply.usage.map_or_else(
        || crate::grade::llm::budget::prompt_tokens(&ask),
        |u| u.prompt_tokens,
    );
    let written = reply
        .usage
        .map_or(chunks, |u| u.completion_tokens.max(chunks));
    let reading = first.duration_since(started).as_secs_f64().max(1e-3);
    let writing = last.duration_since(first).as_secs_f64();
    Ok(Speed {
        prompt: f64::from(prompt_tokens) / reading,
        reply: if written > 1 && writing > 0.0 {
            f64::from(written - 1) / writing
        } else {
            f64::from(written) / reading
        },
    })
}

/// The reply tokens of the speed check: enough to time, short enough to be quick on 2 cores.
const SPEED_REPLY_TOKENS: u32 = 48;

/// A typical grade on the bank: a prompt of about 1,200 tokens and a reply of about 350 (the
/// median of the 20-answer run on the 1.5B model in BENCHMARKS.md).
const TYPICAL_PROMPT_TOKENS: f64 = 1200.0;
const TYPICAL_REPLY_TOKENS: f64 = 350.0;

/// The speed, what a grade would take at it, and what to do when that is over a minute.
fn print_speed(speed: &Speed, config: &Config, out: &mut dyn Write) -> Result<()> {
    let reply_tokens = config.reply_token_budget.map_or(TYPICAL_REPLY_TOKENS, |b| {
        TYPICAL_REPLY_TOKENS.min(f64::from(b))
    });
    let secs = TYPICAL_PROMPT_TOKENS / speed.prompt + reply_tokens / speed.reply;
    let rates = format!(
        "{:.0} tokens/s reading the prompt, {:.1} tokens/s writing",
        speed.prompt, speed.reply
    );
    if secs <= 60.0 {
        writeln!(out, "✓ speed: {rates}; a grade takes about {secs:.0} s")?;
        return Ok(());
    }
    writeln!(
        out,
        "! speed: {rates}; a grade would take about {secs:.0} s. To wait less:"
    )?;
    writeln!(
        out,
        "    a smaller reply: reply_token_budget = 400 in {} (no reasoning, shorter quotes and feedback)",
        config.path.display()
    )?;
    writeln!(
        out,
        "    a faster model: a smaller one, or a quantised one, or a GPU"
    )?;
    writeln!(
        out,
        "    no model while practising: viva --grader offline --self-check, then viva regrade later"
    )?;
    Ok(())
}
