//! A spinner on stderr while something slow (a model grading) runs. It draws only when both
//! outputs are terminals, and only after a short delay, so fast work shows nothing at all. Its
//! label may change as it spins (tokens so far, seconds waited), and it can step aside while
//! other text is written on its line, then come back on a fresh one.

use std::io::Write;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const FRAMES: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const DELAY: Duration = Duration::from_millis(150);
const TICK: Duration = Duration::from_millis(80);

/// What the drawing thread and the owner share: whether to draw, since when, and how wide the
/// line drawn is (to erase it).
#[derive(Debug)]
struct Line {
    paused: bool,
    since: Instant,
    drawn: usize,
}

impl Line {
    fn erase(&mut self, err: &mut dyn Write) {
        if self.drawn > 0 {
            // Spaces rather than an erase sequence: right on any terminal.
            let _ = write!(err, "\r{}\r", " ".repeat(self.drawn));
            let _ = err.flush();
            self.drawn = 0;
        }
    }
}

pub struct Spinner {
    /// Dropping the sender wakes the thread at once, however long it was to wait.
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
    line: Option<Arc<Mutex<Line>>>,
}

impl Spinner {
    /// Starts spinning with `label` when the terminal can show it; otherwise does nothing.
    pub fn start(label: &str) -> Spinner {
        let label = label.to_string();
        Spinner::start_with(move || label.clone())
    }

    /// Starts spinning with a label drawn afresh every frame.
    pub fn start_with(label: impl Fn() -> String + Send + 'static) -> Spinner {
        if !super::interactive() {
            return Spinner {
                stop: None,
                thread: None,
                line: None,
            };
        }
        let (tx, rx) = mpsc::channel::<()>();
        let line = Arc::new(Mutex::new(Line {
            paused: false,
            since: Instant::now(),
            drawn: 0,
        }));
        let shared = Arc::clone(&line);
        let thread = std::thread::spawn(move || {
            let mut err = std::io::stderr();
            for frame in FRAMES.iter().cycle() {
                if rx.recv_timeout(TICK) != Err(RecvTimeoutError::Timeout) {
                    break;
                }
                let mut line = shared.lock().unwrap_or_else(|p| p.into_inner());
                if line.paused || line.since.elapsed() < DELAY {
                    continue;
                }
                let text = format!("{frame} {}", label());
                let width = text.chars().count();
                // Pad over a longer line drawn before.
                let pad = line.drawn.saturating_sub(width);
                let _ = write!(err, "\r{text}{}", " ".repeat(pad));
                let _ = err.flush();
                line.drawn = width + pad;
            }
            shared
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .erase(&mut err);
        });
        Spinner {
            stop: Some(tx),
            thread: Some(thread),
            line: Some(line),
        }
    }

    /// Erases the spinner and keeps it off until `resume`: other text is about to be written
    /// on its line. Returns once the line is clean.
    pub fn pause(&self) {
        if let Some(line) = &self.line {
            let mut line = line.lock().unwrap_or_else(|p| p.into_inner());
            line.paused = true;
            line.erase(&mut std::io::stderr());
        }
    }

    /// Lets the spinner draw again, after the usual delay, on the line the cursor is at (the
    /// caller ends its text with a newline first).
    pub fn resume(&self) {
        if let Some(line) = &self.line {
            let mut line = line.lock().unwrap_or_else(|p| p.into_inner());
            line.paused = false;
            line.since = Instant::now();
        }
    }

    /// Stops and erases the spinner; returns once the line is clean.
    pub fn stop(&mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop();
    }
}
