//! Transcription through an OpenAI-compatible `/audio/transcriptions` endpoint (OpenAI,
//! speaches/faster-whisper-server, vLLM, LocalAI, whisper.cpp's server). async-openai builds the
//! multipart request (its `audio` feature adds only types and the form: reqwest's multipart is
//! already compiled in for it), sent through our reqwest client and retry policy; the reply is
//! read through byot as JSON and picked apart leniently, because local servers leave out fields
//! the strict type requires (`usage`, `language`, `duration`) and put word timings in segments.

use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::types::audio::{
    AudioInput, AudioResponseFormat, CreateTranscriptionRequestArgs, TimestampGranularity,
};
use serde_json::Value;

use super::Word;
use crate::config::TranscribeEndpoint;
use crate::llm::retry::{RetryPolicy, Retrying};
use crate::llm::{LlmError, classify, scrub};

/// Whisper follows the style of its prompt: a prompt full of fillers keeps the "um"s and "like"s
/// it would otherwise clean away, and the delivery notes need them.
pub const FILLER_PROMPT: &str =
    "So, um, the way I see it, uh, it's like... you know, mm, I mean, it depends, right?";

/// What the server heard.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub text: String,
    /// Word timings, where the server gives them.
    pub words: Vec<Word>,
}

pub struct Transcriber {
    client: async_openai::Client<OpenAIConfig>,
    model: String,
    api_base: String,
    key: Option<String>,
    timeout: Duration,
}

impl Transcriber {
    pub fn new(endpoint: &TranscribeEndpoint) -> anyhow::Result<Transcriber> {
        let http = reqwest::Client::builder()
            .connect_timeout(endpoint.connect_timeout)
            .read_timeout(endpoint.timeout)
            .build()?;
        // One retry of a 429 or 5xx: the user is waiting, and the audio is kept if it fails.
        let policy = RetryPolicy {
            max_retries: 1,
            base: Duration::from_millis(500),
        };
        let key = endpoint.api_key.as_ref().map(|k| k.expose().to_string());
        let config = OpenAIConfig::new()
            .with_api_base(endpoint.api_base.clone())
            .with_api_key(key.clone().unwrap_or_default());
        Ok(Transcriber {
            client: async_openai::Client::with_config(config)
                .with_http_service(Retrying::new(http, policy)),
            model: endpoint.model.clone(),
            api_base: endpoint.api_base.clone(),
            key: key.filter(|k| !k.is_empty()),
            timeout: endpoint.timeout,
        })
    }

    /// "whisper-1 at http://localhost:8000/v1", as stored with each transcript.
    pub fn describe(&self) -> String {
        format!("{} at {}", self.model, self.api_base)
    }

    /// Transcribes one WAV file's bytes.
    pub async fn transcribe(&self, wav: Vec<u8>) -> Result<Transcript, LlmError> {
        let request = CreateTranscriptionRequestArgs::default()
            .file(AudioInput::from_vec_u8("answer.wav".into(), wav))
            .model(self.model.clone())
            .prompt(FILLER_PROMPT)
            .response_format(AudioResponseFormat::VerboseJson)
            .timestamp_granularities(vec![
                TimestampGranularity::Word,
                TimestampGranularity::Segment,
            ])
            .temperature(0.0_f32)
            .build()
            .map_err(|e| LlmError::Malformed(format!("request: {e}")))?;
        let audio = self.client.audio();
        let transcription = audio.transcription();
        let sent = transcription.create_verbose_json_byot::<_, Value>(request);
        let value = match tokio::time::timeout(self.timeout, sent).await {
            Ok(reply) => reply.map_err(classify),
            Err(_) => Err(LlmError::Deadline(self.timeout)),
        }
        .map_err(|e| self.scrubbed(e))?;
        read_reply(&value).map_err(|e| self.scrubbed(e))
    }

    fn scrubbed(&self, e: LlmError) -> LlmError {
        let text = scrub(&e.to_string(), self.key.as_deref());
        match e {
            LlmError::Http { status, .. } => LlmError::Http {
                status,
                message: text,
            },
            LlmError::Timeout | LlmError::Deadline(_) | LlmError::Cancelled => e,
            _ => LlmError::Transport(text),
        }
    }
}

/// The text and word timings of a verbose_json reply (or a plain json one): words at the top
/// level as OpenAI sends them, or inside each segment as some local servers do.
pub fn read_reply(value: &Value) -> Result<Transcript, LlmError> {
    if let Some(message) = crate::llm::reply::error_message(value) {
        return Err(LlmError::Api(message));
    }
    let Some(text) = value.get("text").and_then(Value::as_str) else {
        return Err(LlmError::Malformed(format!(
            "no \"text\" in the transcription reply: {}",
            crate::llm::log_preview(&value.to_string())
        )));
    };
    let word = |w: &Value| -> Option<Word> {
        Some(Word {
            word: w.get("word").and_then(Value::as_str)?.trim().to_string(),
            start: w.get("start").and_then(Value::as_f64)?,
            end: w.get("end").and_then(Value::as_f64)?,
        })
    };
    let top = value.get("words").and_then(Value::as_array);
    let words: Vec<Word> = match top {
        Some(ws) => ws.iter().filter_map(word).collect(),
        None => value
            .get("segments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("words").and_then(Value::as_array))
            .flatten()
            .filter_map(word)
            .collect(),
    };
    Ok(Transcript {
        text: text.trim().to_string(),
        words,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn words_are_read_at_the_top_or_inside_segments() {
        let openai = json!({"text": " um the lock ", "words": [{"word": "um", "start": 0.1, "end": 0.3}, {"word": "the", "start": 0.5, "end": 0.6}]});
        let t = read_reply(&openai).unwrap();
        assert_eq!(t.text, "um the lock");
        assert_eq!(t.words.len(), 2);
        let local = json!({"text": "hi", "segments": [{"words": [{"word": " hi", "start": 1.0, "end": 1.2}]}]});
        assert_eq!(read_reply(&local).unwrap().words[0].word, "hi");
        let plain = json!({"text": "no timings"});
        assert!(read_reply(&plain).unwrap().words.is_empty());
        assert!(matches!(
            read_reply(&json!({"error": {"message": "model not found"}})),
            Err(LlmError::Api(_))
        ));
        assert!(matches!(
            read_reply(&json!({"segments": []})),
            Err(LlmError::Malformed(_))
        ));
    }
}
