//! Spoken answers (`viva --voice`): a take is recorded by an external program (`recorder`),
//! saved as a 16 kHz mono WAV under `$VIVA_HOME/audio` (`wav`), transcribed by an
//! OpenAI-compatible endpoint (`transcribe`), and measured from the audio itself (`analysis`):
//! speaking time, pace and pauses. The terminal side (keys while recording, the level meter, the
//! transcript shown for Enter, edit or re-record) is `repl::voice`; a recording whose
//! transcription failed is stored pending and finished by `viva regrade` (`pending`).

pub mod analysis;
pub mod check;
pub mod keys;
pub mod pending;
pub mod recorder;
pub mod transcribe;
pub mod wav;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::config::VoiceConfig;
use crate::delivery::Speech;
use crate::llm::LlmError;
pub use recorder::Recorder;
pub use transcribe::{Transcriber, Transcript};

/// One word of a transcript and when it was said, in seconds from the start of the recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub word: String,
    pub start: f64,
    pub end: f64,
}

/// A transcribed spoken answer, as the session stores it with its turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Spoken {
    /// Where the audio is kept; None when `keep_audio` is off.
    pub audio_path: Option<String>,
    pub audio_ms: i64,
    pub speech: Speech,
    /// "model at endpoint".
    pub transcriber: String,
    pub words: Vec<Word>,
}

/// A recording whose transcription failed: kept, to be transcribed later.
#[derive(Debug, Clone, PartialEq)]
pub struct Untranscribed {
    pub audio_path: String,
    pub audio_ms: i64,
}

/// Where spoken answers' audio goes.
pub fn audio_dir(home: &Path) -> PathBuf {
    home.join("audio")
}

/// What `--voice` needs: a recorder and somewhere to transcribe.
pub struct Voice {
    pub recorder: Recorder,
    pub transcriber: Transcriber,
    pub audio_dir: PathBuf,
    pub keep_audio: bool,
    pub silence_stop: Option<std::time::Duration>,
    /// One runtime for every transcription of the session: the HTTP client's pooled
    /// connections belong to the runtime they were opened on.
    runtime: tokio::runtime::Runtime,
}

impl Voice {
    /// Sets up voice input, or says in one message why answers will be typed instead.
    pub fn setup(config: &VoiceConfig, home: &Path) -> std::result::Result<Voice, String> {
        let recorder = recorder::find(
            std::env::var_os("PATH").as_deref(),
            config.recorder.as_deref(),
        )
        .map_err(|e| format!("--voice: {e:#}; answers will be typed."))?
        .ok_or_else(|| recorder::NONE_FOUND.to_string())?;
        let Some(endpoint) = &config.transcribe else {
            return Err(NO_TRANSCRIPTION.to_string());
        };
        let cannot = |e: anyhow::Error| format!("--voice: {e:#}; answers will be typed.");
        let transcriber = Transcriber::new(endpoint).map_err(cannot)?;
        Ok(Voice {
            recorder,
            transcriber,
            audio_dir: audio_dir(home),
            keep_audio: config.keep_audio,
            silence_stop: config.silence_stop,
            runtime: crate::llm::runtime().map_err(cannot)?,
        })
    }

    /// A new file for a take of session `session`.
    pub fn take_path(&self, session: i64) -> Result<PathBuf> {
        crate::store::create_private_dir(&self.audio_dir)
            .with_context(|| format!("cannot create {}", self.audio_dir.display()))?;
        Ok(self
            .audio_dir
            .join(format!("session-{session}-{}.wav", crate::clock::now_ms())))
    }

    /// Transcribes a saved take, waiting for it; Ctrl-C abandons the request.
    pub fn transcribe(&self, wav: &Path) -> std::result::Result<Transcript, LlmError> {
        let bytes = std::fs::read(wav)
            .map_err(|e| LlmError::Transport(format!("cannot read {}: {e}", wav.display())))?;
        self.runtime
            .block_on(crate::llm::cancellable(self.transcriber.transcribe(bytes)))
    }

    /// The spoken answer of a transcribed take. Without `keep_audio` the file goes now.
    pub fn spoken(&self, wav: &Path, samples: &[i16], transcript: &Transcript) -> Spoken {
        let audio_path = if self.keep_audio {
            Some(wav.display().to_string())
        } else {
            let _ = std::fs::remove_file(wav);
            None
        };
        Spoken {
            audio_path,
            audio_ms: audio_ms(samples),
            speech: analysis::speech(samples, &transcript.words),
            transcriber: self.transcriber.describe(),
            words: transcript.words.clone(),
        }
    }
}

pub fn audio_ms(samples: &[i16]) -> i64 {
    samples.len() as i64 * 1000 / i64::from(wav::SAMPLE_RATE)
}

/// What to tell the user when no transcription endpoint is configured.
pub const NO_TRANSCRIPTION: &str = "--voice: no transcription endpoint configured, so answers will be typed. Point viva at an OpenAI-compatible server with /v1/audio/transcriptions (OpenAI, speaches, vLLM, LocalAI, whisper.cpp's server) in config.toml:\n  [voice]\n  api_base = \"http://localhost:8000/v1\"\n  model = \"whisper-1\"\nor set VIVA_TRANSCRIBE_API_BASE (an OpenAI key alone also works).";
