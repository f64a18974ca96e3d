//! `viva config` (text form) and `viva doctor`: what is configured, and whether the endpoint
//! answers the way the grader needs. The doctor's calls are logged like the grader's.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde_json::{Value, json};

use super::Env;
use crate::config::{Endpoint, PRESETS};
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
    let checked = check(&client, &rt, &endpoint, out);
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

/// The checks themselves: models, a completion (required), streaming, structured output.
fn check(
    client: &LlmClient,
    rt: &tokio::runtime::Runtime,
    endpoint: &Endpoint,
    out: &mut dyn Write,
) -> Result<()> {
    match rt.block_on(client.models(CallPurpose::Doctor)) {
        Ok(models) if models.contains(&endpoint.model) => writeln!(
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

    let streamed = ChatRequest {
        stream: true,
        ..plain.clone()
    };
    match rt.block_on(client.chat(CallPurpose::Doctor, &streamed, &mut |_| {})) {
        Ok(_) => writeln!(out, "✓ streaming")?,
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
