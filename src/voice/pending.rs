//! Spoken answers whose transcription failed during the session: `viva regrade` transcribes
//! them first, so that they are graded with the other ungraded answers.

use std::path::Path;

use anyhow::Result;

use super::{Transcriber, Transcript, analysis, wav};
use crate::config::VoiceConfig;
use crate::delivery::{self, FOLLOW_UP_TARGET, QUESTION_TARGET};
use crate::store::{PendingRecording, Store};

/// What a pass over the pending recordings did.
#[derive(Debug, Default, PartialEq)]
pub struct Finished {
    pub transcribed: usize,
    /// (turn, why) for each recording still pending.
    pub failed: Vec<(i64, String)>,
}

/// Transcribes every pending recording with the configured endpoint and stores each transcript
/// as its turn's answer, with its delivery. A failure leaves that recording pending.
pub fn finish(store: &Store, config: &VoiceConfig) -> Result<Finished> {
    let pending = store.pending_recordings()?;
    let mut done = Finished::default();
    if pending.is_empty() {
        return Ok(done);
    }
    let Some(endpoint) = &config.transcribe else {
        done.failed = pending
            .iter()
            .map(|p| {
                (
                    p.turn_id,
                    "no transcription endpoint configured ([voice] api_base)".to_string(),
                )
            })
            .collect();
        return Ok(done);
    };
    let transcriber = Transcriber::new(endpoint)?;
    let rt = crate::llm::runtime()?;
    for p in pending {
        match transcribe_one(store, &transcriber, &rt, &p, config.keep_audio) {
            Ok(()) => done.transcribed += 1,
            Err(e) => done.failed.push((p.turn_id, format!("{e:#}"))),
        }
    }
    Ok(done)
}

fn transcribe_one(
    store: &Store,
    transcriber: &Transcriber,
    rt: &tokio::runtime::Runtime,
    p: &PendingRecording,
    keep_audio: bool,
) -> Result<()> {
    let Some(path) = p.audio_path.as_deref() else {
        anyhow::bail!("its audio was not kept");
    };
    let samples = wav::read(Path::new(path))?;
    let bytes = wav::encode(&samples);
    let transcript: Transcript =
        rt.block_on(crate::llm::cancellable(transcriber.transcribe(bytes)))?;
    let target = if p.parent_id.is_some() {
        FOLLOW_UP_TARGET
    } else {
        QUESTION_TARGET
    };
    let speech = analysis::speech(&samples, &transcript.words);
    let d = delivery::measure_spoken(&transcript.text, p.answered_at - p.asked_at, target, speech);
    let kept = keep_audio.then_some(path);
    store.store_transcript(
        p.turn_id,
        &transcript.text,
        &transcriber.describe(),
        &serde_json::to_string(&transcript.words)?,
        kept,
        &d,
    )?;
    if !keep_audio {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}
