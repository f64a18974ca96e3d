//! `viva doctor`'s voice checks: the recorder records half a second, and the transcription
//! endpoint transcribes it.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::{Transcriber, analysis, recorder, wav};
use crate::config::VoiceConfig;

/// How long the recorder is tried for.
const TRY_FOR: Duration = Duration::from_millis(500);

/// Runs the checks and prints one line each. False when something configured does not work.
pub fn run(config: &VoiceConfig, out: &mut dyn Write) -> Result<bool> {
    let mut ok = true;
    let mut take = None;
    match recorder::find(
        std::env::var_os("PATH").as_deref(),
        config.recorder.as_deref(),
    ) {
        Err(e) => {
            writeln!(out, "✗ voice recorder: {e:#}")?;
            ok = false;
        }
        Ok(None) => writeln!(
            out,
            "! voice recorder: none found (arecord, rec, pw-record, ffmpeg or sox); --voice answers will be typed"
        )?,
        Ok(Some(r)) => {
            let tried = r.start().and_then(|capture| {
                std::thread::sleep(TRY_FOR);
                capture.stop()
            });
            match tried {
                Ok(samples) => {
                    writeln!(
                        out,
                        "✓ voice recorder: {} recorded {:.1} s (level {:.0} dB)",
                        r.program().display(),
                        samples.len() as f64 / f64::from(wav::SAMPLE_RATE),
                        analysis::level_db(&samples)
                    )?;
                    take = Some(samples);
                }
                Err(e) => {
                    writeln!(out, "✗ voice recorder: {}: {e:#}", r.program().display())?;
                    ok = false;
                }
            }
        }
    }
    let Some(endpoint) = &config.transcribe else {
        writeln!(
            out,
            "! transcription: no endpoint configured ([voice] api_base in config.toml, or VIVA_TRANSCRIBE_API_BASE)"
        )?;
        return Ok(ok);
    };
    // Half a second of near silence when there is no recording to send.
    let samples = take.unwrap_or_else(|| vec![0; wav::SAMPLE_RATE as usize / 2]);
    let transcriber = Transcriber::new(endpoint)?;
    let started = Instant::now();
    let rt = crate::llm::runtime()?;
    match rt.block_on(transcriber.transcribe(wav::encode(&samples))) {
        Ok(t) => writeln!(
            out,
            "✓ transcription: {} answered in {} ms ({} word timings)",
            transcriber.describe(),
            started.elapsed().as_millis(),
            t.words.len()
        )?,
        Err(e) => {
            writeln!(
                out,
                "✗ transcription: {} failed: {e}",
                transcriber.describe()
            )?;
            ok = false;
        }
    }
    Ok(ok)
}
