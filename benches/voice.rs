//! Benchmark, release build: `cargo bench --bench voice`.
//!
//! viva's own overhead from the end of a 60 s recording to its transcript on screen, against a
//! local transcription server that answers at once: stopping the recorder (a fake `arecord`
//! that has written the take and waits to be stopped), writing the WAV, the multipart upload
//! and reply over loopback, reading the reply, printing the transcript. Then, on its own, the
//! audio analysis done when the answer is submitted.

use std::path::Path;
use std::time::{Duration, Instant};

#[path = "../tests/support/fake_asr.rs"]
#[allow(dead_code, reason = "the bench needs only a server that answers")]
mod fake_asr;

use fake_asr::{AsrReply, FakeAsr};
use viva::config::{TranscribeEndpoint, VoiceConfig};
use viva::voice::{Voice, analysis, wav};

const RATE: usize = 16_000;

/// 60 s of speech-like audio: 5 s stretches of tone with half-second gaps, and two pauses.
fn answer_audio() -> Vec<i16> {
    let mut out = Vec::new();
    let mut secs = 0.0;
    let mut stretch = 0;
    while secs < 60.0 {
        let (sound, gap) = if stretch % 4 == 3 {
            (5.0, 2.5)
        } else {
            (5.0, 0.5)
        };
        out.extend((0..(sound * RATE as f64) as usize).map(|i| {
            (8000.0 * (2.0 * std::f64::consts::PI * 200.0 * i as f64 / RATE as f64).sin()) as i16
        }));
        out.extend(std::iter::repeat_n(3i16, (gap * RATE as f64) as usize));
        secs += sound + gap;
        stretch += 1;
    }
    out.truncate(60 * RATE);
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn fake_recorder(dir: &Path, take: &Path) {
    let script = dir.join("arecord");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ncat '{}'\nexec sleep 60\n", take.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let runs = if bench { 50 } else { 2 };
    let dir = tempfile::tempdir().unwrap();
    let audio = answer_audio();
    let take = dir.path().join("take.wav");
    wav::write(&take, &audio).unwrap();
    fake_recorder(dir.path(), &take);
    // About 150 words a minute, each with its timing, as a real server would send.
    let text: Vec<String> = (0..150).map(|i| format!("word{}", i % 37)).collect();
    let asr = FakeAsr::start_repeating(vec![], Some(AsrReply::evenly(&text.join(" "), 0.0, 0.4)));
    let config = VoiceConfig {
        recorder: Some(dir.path().join("arecord").display().to_string()),
        transcribe: Some(TranscribeEndpoint {
            api_base: asr.base.clone(),
            api_key: None,
            model: "whisper-1".into(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
        }),
        keep_audio: true,
        silence_stop: None,
    };
    let home = dir.path().join("home");
    let voice = Voice::setup(&config, &home).unwrap();
    let mut totals = Vec::new();
    let mut parts = [Vec::new(), Vec::new(), Vec::new()];
    let mut analysis_times = Vec::new();
    for _ in 0..runs {
        let capture = voice.recorder.start().unwrap();
        while capture.seconds() < 60.0 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let path = voice.take_path(1).unwrap();
        let started = Instant::now();
        let samples = capture.stop().unwrap();
        let stopped = started.elapsed();
        wav::write(&path, &samples).unwrap();
        let written = started.elapsed();
        let transcript = voice.transcribe(&path).unwrap();
        let mut screen = Vec::new();
        for line in transcript.text.lines() {
            use std::io::Write;
            writeln!(screen, "  {line}").unwrap();
        }
        let total = started.elapsed();
        totals.push(total);
        parts[0].push(stopped);
        parts[1].push(written - stopped);
        parts[2].push(total - written);
        let t = Instant::now();
        std::hint::black_box(analysis::speech(&samples, &transcript.words));
        analysis_times.push(t.elapsed());
        std::fs::remove_file(&path).unwrap();
    }
    totals.sort();
    for p in &mut parts {
        p.sort();
    }
    analysis_times.sort();
    println!(
        "end of a 60 s recording to its transcript on screen ({runs} runs): p50 {:.1} ms, p95 {:.1} ms",
        percentile(&totals, 0.5).as_secs_f64() * 1e3,
        percentile(&totals, 0.95).as_secs_f64() * 1e3
    );
    for (name, p) in [
        "stop the recorder",
        "write the WAV",
        "upload, transcribe, read",
    ]
    .iter()
    .zip(&parts)
    {
        println!(
            "  {name}: p50 {:.2} ms",
            percentile(p, 0.5).as_secs_f64() * 1e3
        );
    }
    println!(
        "audio analysis of the 60 s take (speaking time, pauses): p50 {:.2} ms",
        percentile(&analysis_times, 0.5).as_secs_f64() * 1e3
    );
}
