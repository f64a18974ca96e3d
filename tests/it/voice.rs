//! Spoken answers without a microphone: a fake recorder (a script named `arecord` that plays a
//! WAV the test generated, of tones and silences of known lengths) and the fake transcription
//! server of the test kit. The speaking time, pace and pauses viva stores are checked against
//! the generated audio.

use std::path::{Path, PathBuf};

use rexpect::session::{PtySession, spawn_command};
use serde_json::Value;

use crate::fake_asr::{AsrReply, FakeAsr};

const RATE: usize = 16_000;

/// A stretch of the generated recording.
#[derive(Clone, Copy)]
enum Part {
    /// A tone at a speaking level.
    Sound(f64),
    /// Near silence (a faint hiss, as a real room has).
    Quiet(f64),
}

fn samples(parts: &[Part]) -> Vec<i16> {
    let mut out = Vec::new();
    for p in parts {
        match *p {
            Part::Sound(secs) => out.extend((0..(secs * RATE as f64) as usize).map(|i| {
                let t = i as f64 / RATE as f64;
                (9000.0 * (2.0 * std::f64::consts::PI * 180.0 * t).sin()) as i16
            })),
            Part::Quiet(secs) => {
                out.extend((0..(secs * RATE as f64) as usize).map(|i| ((i * 31) % 17) as i16 - 8))
            }
        }
    }
    out
}

/// A 16 kHz mono 16-bit WAV file, written here rather than by viva's own code.
fn write_wav(path: &Path, samples: &[i16]) {
    let data = (samples.len() * 2) as u32;
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&(RATE as u32).to_le_bytes());
    b.extend_from_slice(&(RATE as u32 * 2).to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data.to_le_bytes());
    for s in samples {
        b.extend_from_slice(&s.to_le_bytes());
    }
    std::fs::write(path, b).unwrap();
}

/// A directory holding a fake `arecord` that plays take 1, then take 2, … of `takes` (the last
/// one again when they run out), and then waits to be stopped, as a recorder does.
fn fake_recorder(takes: &[Vec<i16>]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, t) in takes.iter().enumerate() {
        write_wav(&dir.path().join(format!("take{}.wav", i + 1)), t);
    }
    let d = dir.path().display();
    let script = format!(
        "#!/bin/sh\nn=$(cat '{d}/count' 2>/dev/null || echo 0)\nn=$((n + 1))\necho $n > '{d}/count'\n\
         f='{d}/take'$n.wav\n[ -f \"$f\" ] || f='{d}/take{}.wav'\ncat \"$f\"\nexec sleep 60\n",
        takes.len()
    );
    let path = dir.path().join("arecord");
    std::fs::write(&path, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

/// `viva practice --voice` on a pseudo-terminal, with the fake recorder first on the PATH and
/// the fake server as the transcription endpoint.
fn spawn_voice(home: &Path, recorder: &Path, asr: &str, extra: &[&str]) -> PtySession {
    let mut cmd = crate::process(&crate::viva_bin(), home);
    let path = std::env::join_paths([recorder, Path::new("/usr/bin"), Path::new("/bin")]).unwrap();
    cmd.env("PATH", path)
        .env("NO_COLOR", "1")
        .env("VIVA_TRANSCRIBE_API_BASE", asr)
        .args([
            "practice",
            "--count",
            "1",
            "--follow-ups",
            "0",
            "--seed",
            "2",
            "--voice",
        ])
        .args(extra);
    spawn_command(cmd, Some(30_000)).unwrap()
}

/// Presses Enter to record, waits until the take (of `secs` seconds) is in, presses Enter.
fn record(p: &mut PtySession, shown_secs: &str) {
    p.exp_string("Enter records").unwrap();
    p.send_line("").unwrap();
    p.exp_string(shown_secs).unwrap();
    p.exp_string("Ctrl-C discards").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
}

fn finish(p: &mut PtySession) {
    p.exp_string("press Enter for the summary").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("").unwrap();
    p.exp_string(" finished: ").unwrap();
    p.exp_eof().unwrap();
}

fn first_turn(home: &Path) -> Value {
    let v = crate::json_of(crate::viva(home).args(["review", "show", "1", "--json"]));
    v["turns"][0].clone()
}

/// Ten words that the tokenizer counts one each and never as a filler or a restart.
const WORDS: [&str; 10] = [
    "threads",
    "share",
    "memory",
    "while",
    "processes",
    "keep",
    "separate",
    "heaps",
    "under",
    "load",
];

/// `n` words, timed evenly over `from..to` seconds.
fn said(n: usize, from: f64, to: f64) -> Vec<(String, f64, f64)> {
    let each = (to - from) / n as f64;
    (0..n)
        .map(|i| {
            let at = from + i as f64 * each;
            (WORDS[i % WORDS.len()].to_string(), at, at + each * 0.9)
        })
        .collect()
}

fn within(got: f64, want: f64, share: f64) -> bool {
    (got - want).abs() <= want * share
}

#[test]
fn a_spoken_answer_is_transcribed_shown_submitted_and_measured_from_its_audio() {
    // 1 s before speaking, 12 s, a 3 s pause, 10 s, a 2.5 s pause, 8 s, 1 s after: 30 s spoken.
    let take = samples(&[
        Part::Quiet(1.0),
        Part::Sound(12.0),
        Part::Quiet(3.0),
        Part::Sound(10.0),
        Part::Quiet(2.5),
        Part::Sound(8.0),
        Part::Quiet(1.0),
    ]);
    let words: Vec<_> = [
        said(30, 1.0, 13.0),
        said(25, 16.0, 26.0),
        said(20, 28.5, 36.5),
    ]
    .concat();
    let text = words
        .iter()
        .map(|w| w.0.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let asr = FakeAsr::start(vec![AsrReply::Heard {
        text: text.clone(),
        words: words.clone(),
    }]);
    let recorder = fake_recorder(&[take]);
    let home = tempfile::tempdir().unwrap();
    let mut p = spawn_voice(home.path(), recorder.path(), &asr.base, &[]);
    p.exp_string("Question 1/1").unwrap();
    record(&mut p, "0:38");
    p.exp_string("Your answer, as heard:").unwrap();
    p.exp_string("threads share memory while").unwrap();
    p.exp_string("e edits").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Score: ").unwrap();
    p.exp_string("0:30 speaking").unwrap();
    p.exp_string("150 wpm").unwrap();
    p.exp_string(
        "2 pauses over 2 s: 3.0 s at 0:13 after \"load\" (the longest), 2.5 s at 0:26 after \"processes\"",
    )
    .unwrap();
    finish(&mut p);

    // What the server was asked for.
    let requests = asr.requests();
    assert_eq!(requests.len(), 1);
    let f = &requests[0].fields;
    assert_eq!(f["response_format"], ["verbose_json"]);
    assert!(f["timestamp_granularities[]"].contains(&"word".to_string()));
    assert!(f["prompt"][0].contains("um"), "fillers are prompted for");
    assert_eq!(requests[0].audio_bytes, 44 + 75 * RATE, "37.5 s of audio");
    assert_eq!(requests[0].file_name.as_deref(), Some("answer.wav"));

    // What was stored, against the generated audio.
    let turn = first_turn(home.path());
    assert_eq!(turn["answer"], text.as_str());
    let audio = PathBuf::from(turn["recording"]["audio_path"].as_str().unwrap());
    assert!(audio.starts_with(home.path().join("audio")), "{audio:?}");
    assert_eq!(
        std::fs::metadata(&audio).unwrap().len() as usize,
        44 + 75 * RATE
    );
    let speech = &turn["delivery"]["speech"];
    let speaking = speech["speaking_secs"].as_f64().unwrap();
    assert!(within(speaking, 30.0, 0.05), "speaking time {speaking}");
    let wpm = speech["wpm"].as_f64().unwrap();
    assert!(within(wpm, 150.0, 0.05), "pace {wpm}");
    let pauses = speech["pauses"].as_array().unwrap();
    assert_eq!(pauses.len(), 2, "{pauses:?}");
    for (pause, (at, secs)) in pauses.iter().zip([(13.0, 3.0), (26.0, 2.5)]) {
        assert!(
            within(pause["at_secs"].as_f64().unwrap(), at, 0.05),
            "{pause}"
        );
        assert!(
            within(pause["secs"].as_f64().unwrap(), secs, 0.05),
            "{pause}"
        );
    }
    assert_eq!(turn["delivery"]["words"], 75);

    let shown = crate::stdout_of(crate::viva(home.path()).args(["review", "show", "1"]));
    assert!(shown.contains("spoken answer"), "{shown}");
    assert!(shown.contains(&audio.display().to_string()), "{shown}");
}

#[test]
fn r_records_again_e_edits_and_only_the_second_take_is_kept() {
    let first = samples(&[Part::Sound(4.0), Part::Quiet(0.5)]);
    let second = samples(&[Part::Sound(6.0), Part::Quiet(0.5)]);
    let asr = FakeAsr::start(vec![
        AsrReply::evenly("threads share memory", 0.0, 1.0),
        AsrReply::evenly("processes keep separate heaps under load", 0.0, 0.8),
    ]);
    let recorder = fake_recorder(&[first, second]);
    let home = tempfile::tempdir().unwrap();
    let mut p = spawn_voice(home.path(), recorder.path(), &asr.base, &[]);
    record(&mut p, "0:05");
    p.exp_string("threads share memory").unwrap();
    p.exp_string("e edits").unwrap();
    p.send_line("r").unwrap();
    record(&mut p, "0:07");
    p.exp_string("processes keep separate heaps under load")
        .unwrap();
    p.exp_string("e edits").unwrap();
    // `e` puts the transcript on the line to be edited; the cursor is at its end.
    p.send_line("e").unwrap();
    p.exp_string("edit> ").unwrap();
    p.send_line(" at scale").unwrap();
    p.exp_string("processes keep separate heaps under load at scale")
        .unwrap();
    p.exp_string("e edits").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Score: ").unwrap();
    finish(&mut p);

    assert_eq!(asr.requests().len(), 2);
    let turn = first_turn(home.path());
    assert_eq!(
        turn["answer"],
        "processes keep separate heaps under load at scale"
    );
    let kept: Vec<_> = std::fs::read_dir(home.path().join("audio"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 1, "the first take is deleted: {kept:?}");
    assert_eq!(
        std::fs::metadata(&kept[0]).unwrap().len() as usize,
        44 + (6.5 * RATE as f64) as usize * 2
    );
}

#[test]
fn a_failed_transcription_keeps_the_audio_and_regrade_finishes_it() {
    let take = samples(&[Part::Quiet(0.5), Part::Sound(5.0), Part::Quiet(0.5)]);
    // A rejected request, tried again by hand, then a server that keeps failing.
    let down = FakeAsr::start_repeating(vec![AsrReply::Fail(400)], Some(AsrReply::Fail(500)));
    let recorder = fake_recorder(&[take]);
    let home = tempfile::tempdir().unwrap();
    let mut p = spawn_voice(home.path(), recorder.path(), &down.base, &[]);
    record(&mut p, "0:06");
    p.exp_string("Transcription failed").unwrap();
    p.exp_string("Your recording is kept: ").unwrap();
    p.exp_string("keeps it for later").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Transcription failed").unwrap();
    p.exp_string("keeps it for later").unwrap();
    p.send_line("l").unwrap();
    p.exp_string("viva regrade --ungraded transcribes and grades it")
        .unwrap();
    p.exp_string(" finished: ").unwrap();
    p.exp_eof().unwrap();

    let turn = first_turn(home.path());
    assert_eq!(turn["answer"], "");
    assert_eq!(turn["recording"]["status"], "pending");
    assert!(turn["grade"].is_null());
    let audio = PathBuf::from(turn["recording"]["audio_path"].as_str().unwrap());
    assert!(audio.is_file(), "the audio is kept: {audio:?}");
    let shown = crate::stdout_of(crate::viva(home.path()).args(["review", "show", "1"]));
    assert!(shown.contains("not transcribed yet"), "{shown}");

    // With the server still down, regrade leaves it pending and says so.
    let out = crate::viva(home.path())
        .env("VIVA_TRANSCRIBE_API_BASE", &down.base)
        .args(["regrade", "--ungraded"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("could not be transcribed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(first_turn(home.path())["recording"]["status"], "pending");

    let up = FakeAsr::start(vec![AsrReply::evenly(
        "threads share memory while processes keep separate heaps",
        0.5,
        0.6,
    )]);
    crate::stdout_of(
        crate::viva(home.path())
            .env("VIVA_TRANSCRIBE_API_BASE", &up.base)
            .args(["regrade", "--ungraded"]),
    );
    let turn = first_turn(home.path());
    assert_eq!(
        turn["answer"],
        "threads share memory while processes keep separate heaps"
    );
    assert_eq!(turn["recording"]["status"], "transcribed");
    assert!(turn["grade"]["score"].is_u64(), "{turn}");
    let speaking = turn["delivery"]["speech"]["speaking_secs"]
        .as_f64()
        .unwrap();
    assert!(within(speaking, 5.0, 0.05), "{speaking}");
}

#[test]
fn with_no_recorder_voice_explains_and_the_session_goes_on_typed() {
    let empty = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = crate::stdout_of(
        crate::viva(home.path())
            .env("PATH", empty.path())
            .env("VIVA_TRANSCRIBE_API_BASE", "http://127.0.0.1:9/v1")
            .args(["practice", "--count", "1", "--follow-ups", "0", "--voice"])
            .write_stdin("threads share memory while processes keep separate heaps\n\n"),
    );
    assert!(out.contains("no audio recorder found"), "{out}");
    assert!(out.contains("apt install alsa-utils"), "{out}");
    assert!(out.contains("recorder = "), "{out}");
    assert!(out.contains("Score: "), "the typed answer is graded: {out}");
}

/// A typed answer has no pace: not after the answer, not in review, report or export.
#[test]
fn typed_answers_show_no_pace_anywhere() {
    let home = tempfile::tempdir().unwrap();
    let practice = crate::stdout_of(
        crate::viva(home.path())
            .args(["practice", "--count", "1", "--follow-ups", "0", "--seed", "3"])
            .write_stdin(
                "a lock lets one thread run at a time, and threads still help with waiting on the network\n\n",
            ),
    );
    assert!(
        practice.contains("pace not measured for typed answers"),
        "{practice}"
    );
    let pace = regex::Regex::new(r"\d+ (wpm|words a minute)").unwrap();
    let review = crate::stdout_of(crate::viva(home.path()).args(["review", "show", "1"]));
    let report = crate::stdout_of(crate::viva(home.path()).args(["report"]));
    let trend = crate::stdout_of(crate::viva(home.path()).args(["review", "delivery"]));
    let export =
        crate::stdout_of(crate::viva(home.path()).args(["export", "1", "--format", "json"]));
    let markdown = crate::stdout_of(crate::viva(home.path()).args(["export", "1"]));
    for (name, text) in [
        ("practice", &practice),
        ("review", &review),
        ("report", &report),
        ("trend", &trend),
        ("export", &export),
        ("markdown", &markdown),
    ] {
        assert!(!pace.is_match(text), "{name} shows a pace:\n{text}");
    }
    assert!(
        review.contains("pace not measured for typed answers"),
        "{review}"
    );
    assert!(!export.contains("\"wpm\""), "{export}");
}

#[test]
fn ctrl_c_while_recording_discards_only_that_take() {
    let dropped = samples(&[Part::Sound(3.0)]);
    let kept = samples(&[Part::Sound(2.0), Part::Quiet(0.4)]);
    let asr = FakeAsr::start(vec![AsrReply::evenly("threads share memory", 0.0, 0.6)]);
    let recorder = fake_recorder(&[dropped, kept]);
    let home = tempfile::tempdir().unwrap();
    let mut p = spawn_voice(home.path(), recorder.path(), &asr.base, &[]);
    p.exp_string("Enter records").unwrap();
    p.send_line("").unwrap();
    p.exp_string("0:03").unwrap();
    p.exp_string("Ctrl-C discards").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("(take discarded)").unwrap();
    record(&mut p, "0:02");
    p.exp_string("threads share memory").unwrap();
    p.exp_string("e edits").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Score: ").unwrap();
    finish(&mut p);

    assert_eq!(asr.requests().len(), 1, "the discarded take is not sent");
    assert_eq!(
        asr.requests()[0].audio_bytes,
        44 + (2.4 * RATE as f64) as usize * 2
    );
    assert_eq!(first_turn(home.path())["answer"], "threads share memory");
}

#[test]
fn doctor_records_half_a_second_and_tries_the_transcription_endpoint() {
    let recorder = fake_recorder(&[samples(&[Part::Sound(1.0)])]);
    let asr = FakeAsr::start(vec![AsrReply::evenly("hello", 0.0, 0.4)]);
    let home = tempfile::tempdir().unwrap();
    let path =
        std::env::join_paths([recorder.path(), Path::new("/usr/bin"), Path::new("/bin")]).unwrap();
    let out = crate::stdout_of(
        crate::viva(home.path())
            .env("PATH", &path)
            .env("VIVA_TRANSCRIBE_API_BASE", &asr.base)
            .arg("doctor"),
    );
    assert!(out.contains("✓ voice recorder: "), "{out}");
    assert!(out.contains("recorded 1.0 s"), "{out}");
    assert!(out.contains("✓ transcription: whisper-1 at "), "{out}");
    assert_eq!(asr.requests().len(), 1);

    let down = FakeAsr::start_repeating(vec![], Some(AsrReply::Fail(404)));
    let failed = crate::viva(home.path())
        .env("PATH", &path)
        .env("VIVA_TRANSCRIBE_API_BASE", &down.base)
        .arg("doctor")
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(1));
    let text = String::from_utf8_lossy(&failed.stdout);
    assert!(text.contains("✗ transcription: "), "{text}");
}

/// Real-model tier (`cargo test -- --ignored real_asr`): a sentence spoken by espeak-ng, with a
/// 3 s pause put in, through a real Whisper server (`tests/asr_server.py`, whose model comes
/// from a PyPI package) at VIVA_REAL_ASR_BASE. The filler survives transcription and the pause
/// is found after the word before it.
#[test]
#[ignore = "needs espeak-ng and a real transcription server at VIVA_REAL_ASR_BASE"]
fn real_asr_keeps_fillers_and_places_the_pause() {
    let base = std::env::var("VIVA_REAL_ASR_BASE")
        .expect("set VIVA_REAL_ASR_BASE to a transcription server (see README)");
    let dir = tempfile::tempdir().unwrap();
    let said = dir.path().join("said.wav");
    let status = std::process::Command::new("espeak-ng")
        .args(["-s", "150", "-w"])
        .arg(&said)
        .arg("So, um, the global interpreter lock lets one thread run at a time. Threads still help when you wait on the network.")
        .status()
        .expect("espeak-ng is installed");
    assert!(status.success());
    // espeak-ng writes 22,050 Hz: resample to 16 kHz, then put 3 s of silence after 4 s.
    let bytes = std::fs::read(&said).unwrap();
    let rate = u32::from_le_bytes(bytes[24..28].try_into().unwrap()) as f64;
    let data = bytes.windows(4).position(|w| w == b"data").unwrap() + 8;
    let source: Vec<f64> = bytes[data..]
        .chunks_exact(2)
        .map(|b| f64::from(i16::from_le_bytes([b[0], b[1]])))
        .collect();
    let n = (source.len() as f64 * RATE as f64 / rate) as usize;
    let mut take: Vec<i16> = (0..n)
        .map(|i| {
            let at = i as f64 * rate / RATE as f64;
            let (j, frac) = (at as usize, at.fract());
            let next = source.get(j + 1).copied().unwrap_or(source[j]);
            (source[j] * (1.0 - frac) + next * frac) as i16
        })
        .collect();
    take.splice(4 * RATE..4 * RATE, std::iter::repeat_n(0, 3 * RATE));
    let recorder = fake_recorder(&[take]);
    let home = tempfile::tempdir().unwrap();
    let mut p = spawn_voice(home.path(), recorder.path(), &base, &[]);
    record(&mut p, "Enter stops");
    p.exp_string("e edits").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Score: ").unwrap();
    finish(&mut p);
    let turn = first_turn(home.path());
    let answer = turn["answer"].as_str().unwrap().to_lowercase();
    assert!(answer.contains("um"), "the filler is kept: {answer}");
    assert!(answer.contains("interpreter lock"), "{answer}");
    let pauses = turn["delivery"]["speech"]["pauses"].as_array().unwrap();
    assert!(
        pauses
            .iter()
            .any(|p| within(p["secs"].as_f64().unwrap(), 3.0, 0.2) && p["after_word"].is_string()),
        "{pauses:?}"
    );
}
