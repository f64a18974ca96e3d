//! Recording through an external program, as `--speak` speaks through one: arecord, sox's
//! `rec` (or `sox -d`), ffmpeg or pw-record, found on the PATH or named in config, so viva links
//! no audio library. Each is asked for 16 kHz mono 16-bit PCM on its standard output; a WAV
//! header in front of it (some recorders always write one) is skipped. The recorder runs in
//! its own process group, so a Ctrl-C at the terminal reaches viva and not it.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::wav::{self, SAMPLE_RATE};
use crate::programs::{executable, on_path};

/// The recorders viva knows, in order of preference on the PATH.
const KNOWN: &[&str] = &["arecord", "rec", "pw-record", "ffmpeg", "sox"];

/// What to tell the user when no recorder is found.
pub const NONE_FOUND: &str = "--voice: no audio recorder found (looked for arecord, rec, pw-record, ffmpeg and sox on the PATH), so answers will be typed. Install one (Debian/Ubuntu: apt install alsa-utils, or sox; macOS: brew install sox), or name yours in config.toml:\n  [voice]\n  recorder = \"/path/to/arecord\"";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Arecord,
    Rec,
    Sox,
    Ffmpeg,
    PwRecord,
}

fn kind_of(program: &Path) -> Option<Kind> {
    match program.file_name()?.to_str()? {
        "arecord" => Some(Kind::Arecord),
        "rec" => Some(Kind::Rec),
        "sox" => Some(Kind::Sox),
        "ffmpeg" => Some(Kind::Ffmpeg),
        "pw-record" => Some(Kind::PwRecord),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorder {
    program: PathBuf,
    kind: Kind,
}

/// The recorder to use: the one `configured` names (a name on `path` or a path), else the first
/// known one on `path`. Ok(None) when there is none; an error when the configured one cannot be
/// used.
pub fn find(path: Option<&OsStr>, configured: Option<&str>) -> Result<Option<Recorder>> {
    let Some(name) = configured else {
        return Ok(KNOWN.iter().find_map(|name| {
            on_path(path, name).map(|program| Recorder {
                kind: kind_of(&program).expect("a known name"),
                program,
            })
        }));
    };
    let program = if name.contains(std::path::MAIN_SEPARATOR) {
        let p = PathBuf::from(name);
        executable(&p).then_some(p)
    } else {
        on_path(path, name)
    };
    let Some(program) = program else {
        bail!("[voice] recorder = {name:?}: no such program on the PATH");
    };
    let Some(kind) = kind_of(&program) else {
        bail!(
            "[voice] recorder = {name:?}: viva knows how to run {}, not this program",
            KNOWN.join(", ")
        );
    };
    Ok(Some(Recorder { program, kind }))
}

/// `SAMPLE_RATE` as recorders take it on their command line.
const RATE: &str = "16000";

/// sox's options for 16 kHz mono signed 16-bit raw PCM on stdout.
const SOX_RAW_OUT: [&str; 11] = [
    "-r",
    RATE,
    "-c",
    "1",
    "-b",
    "16",
    "-e",
    "signed-integer",
    "-t",
    "raw",
    "-",
];

impl Recorder {
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The arguments that make it write 16 kHz mono s16le PCM to stdout from the default input.
    fn args(&self) -> Vec<&'static str> {
        let rate = RATE;
        match self.kind {
            Kind::Arecord => vec!["-q", "-t", "raw", "-f", "S16_LE", "-r", rate, "-c", "1"],
            // sox's `rec` is `sox -d`: the same output options, the default input implied.
            Kind::Rec => [&["-q"][..], &SOX_RAW_OUT].concat(),
            Kind::Sox => [&["-q", "-d"][..], &SOX_RAW_OUT].concat(),
            Kind::Ffmpeg => {
                let input: &[&'static str] = if cfg!(target_os = "macos") {
                    &["-f", "avfoundation", "-i", ":0"]
                } else {
                    &["-f", "alsa", "-i", "default"]
                };
                let mut args = vec!["-hide_banner", "-loglevel", "error", "-nostdin"];
                args.extend_from_slice(input);
                args.extend_from_slice(&["-ac", "1", "-ar", rate, "-f", "s16le", "-"]);
                args
            }
            Kind::PwRecord => vec!["--rate", rate, "--channels", "1", "--format", "s16", "-"],
        }
    }

    /// Starts recording.
    pub fn start(&self) -> Result<Capture> {
        let mut command = Command::new(&self.program);
        command
            .args(self.args())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start {}", self.program.display()))?;
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let errors = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(AtomicBool::new(false));
        drain(child.stdout.take(), bytes.clone(), Some(closed.clone()));
        drain(child.stderr.take(), errors.clone(), None);
        Ok(Capture {
            child,
            bytes,
            errors,
            closed,
            program: self.program.clone(),
        })
    }
}

/// Copies a child's output into `into` on a thread of its own, until the pipe closes, and then
/// sets `closed`. The thread is never joined: a recorder's own child may hold the pipe open
/// after it exits.
fn drain(
    from: Option<impl Read + Send + 'static>,
    into: Arc<Mutex<Vec<u8>>>,
    closed: Option<Arc<AtomicBool>>,
) {
    let Some(mut from) = from else { return };
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            lock(&into).extend_from_slice(&buf[..n]);
        }
        if let Some(closed) = closed {
            closed.store(true, Ordering::SeqCst);
        }
    });
}

fn lock(m: &Mutex<Vec<u8>>) -> std::sync::MutexGuard<'_, Vec<u8>> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The PCM in what a recorder wrote: after the WAV header when there is one.
fn pcm(bytes: &[u8]) -> &[u8] {
    if bytes.starts_with(b"RIFF") {
        wav::data_offset(bytes).map_or(&[][..], |at| &bytes[at..])
    } else {
        bytes
    }
}

/// A recording in progress.
pub struct Capture {
    child: Child,
    bytes: Arc<Mutex<Vec<u8>>>,
    errors: Arc<Mutex<Vec<u8>>>,
    /// The recorder's stdout has closed: every byte it wrote is in `bytes`.
    closed: Arc<AtomicBool>,
    program: PathBuf,
}

/// How long a recorder gets to flush and exit after it is told to stop.
const STOP_GRACE: Duration = Duration::from_millis(1500);
/// How long the last bytes get to arrive through the pipe once the recorder has exited.
const DRAIN_GRACE: Duration = Duration::from_millis(300);

impl Capture {
    /// Seconds of audio so far.
    pub fn seconds(&self) -> f64 {
        pcm(&lock(&self.bytes)).len() as f64 / f64::from(SAMPLE_RATE * 2)
    }

    /// The last `secs` of audio, for the level meter and the silence stop.
    pub fn tail(&self, secs: f64) -> Vec<i16> {
        let bytes = lock(&self.bytes);
        let pcm = pcm(&bytes);
        let want = ((secs * f64::from(SAMPLE_RATE)) as usize * 2).min(pcm.len() & !1);
        wav::samples(&pcm[(pcm.len() & !1) - want..pcm.len() & !1])
    }

    /// Why the recorder stopped by itself, if it did: its exit and what it said.
    pub fn failed(&mut self) -> Option<String> {
        let status = self.child.try_wait().ok().flatten()?;
        // Its last words may still be in the pipe.
        std::thread::sleep(DRAIN_GRACE);
        Some(self.describe_exit(status))
    }

    fn describe_exit(&self, status: std::process::ExitStatus) -> String {
        let said = String::from_utf8_lossy(&lock(&self.errors))
            .trim()
            .to_string();
        let said = said.lines().last().unwrap_or_default().to_string();
        format!(
            "{} stopped ({status}){}",
            self.program.display(),
            if said.is_empty() {
                String::new()
            } else {
                format!(": {}", crate::term::clean(&said))
            }
        )
    }

    /// Stops the recorder (SIGINT, as a person at its terminal would) and returns every sample
    /// it wrote. An error when it wrote nothing.
    pub fn stop(mut self) -> Result<Vec<i16>> {
        let exited = self.halt();
        // The reader thread holds the last bytes until the pipe closes.
        let deadline = Instant::now() + DRAIN_GRACE;
        while !self.closed.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        let samples = wav::samples(pcm(&lock(&self.bytes)));
        if samples.is_empty() {
            let why = exited.map_or_else(
                || format!("{} did not stop", self.program.display()),
                |s| self.describe_exit(s),
            );
            bail!("nothing was recorded: {why}");
        }
        Ok(samples)
    }

    /// Stops the recorder and drops what it recorded (Ctrl-C while recording).
    pub fn discard(mut self) {
        self.halt();
    }

    fn halt(&mut self) -> Option<std::process::ExitStatus> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(status);
        }
        #[cfg(unix)]
        // SAFETY: kill(2) on our own child's pid; a stale pid is impossible while `child` is
        // unreaped.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGINT);
        }
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = self.child.kill();
        self.child.wait().ok()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn the_configured_recorder_wins_and_an_unknown_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        script(dir.path(), "ffmpeg", "");
        script(dir.path(), "arecord", "");
        script(dir.path(), "myrec", "");
        let path = std::env::join_paths([dir.path()]).unwrap();
        let first = find(Some(&path), None).unwrap().unwrap();
        assert_eq!(first.program(), dir.path().join("arecord"));
        let named = find(Some(&path), Some("ffmpeg")).unwrap().unwrap();
        assert_eq!(named.kind, Kind::Ffmpeg);
        let err = find(Some(&path), Some("myrec")).unwrap_err().to_string();
        assert!(err.contains("viva knows how to run arecord"), "{err}");
        assert!(find(Some(&path), Some("rec")).is_err());
        let empty = std::env::join_paths([dir.path().join("none")]).unwrap();
        assert_eq!(find(Some(&empty), None).unwrap(), None);
    }

    #[test]
    fn a_capture_returns_the_samples_after_a_wav_header() {
        let dir = tempfile::tempdir().unwrap();
        let audio = dir.path().join("take.wav");
        let samples: Vec<i16> = (0..16_000).map(|i| (i % 100) as i16).collect();
        wav::write(&audio, &samples).unwrap();
        let rec = script(
            dir.path(),
            "arecord",
            &format!("cat '{}'\nexec sleep 30", audio.display()),
        );
        let r = find(None, Some(rec.to_str().unwrap())).unwrap().unwrap();
        let capture = r.start().unwrap();
        let started = Instant::now();
        while capture.seconds() < 1.0 {
            assert!(started.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(capture.tail(0.01).len(), 160);
        assert_eq!(capture.stop().unwrap(), samples);
    }

    #[test]
    fn a_recorder_that_fails_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let rec = script(
            dir.path(),
            "arecord",
            "echo 'audio open error: no such device' >&2\nexit 1",
        );
        let r = find(None, Some(rec.to_str().unwrap())).unwrap().unwrap();
        let mut capture = r.start().unwrap();
        let started = Instant::now();
        let why = loop {
            if let Some(why) = capture.failed() {
                break why;
            }
            assert!(started.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(why.contains("no such device"), "{why}");
        let err = capture.stop().unwrap_err().to_string();
        assert!(err.contains("nothing was recorded"), "{err}");
    }
}
