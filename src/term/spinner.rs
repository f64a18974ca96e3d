//! A spinner on stderr while something slow (a model grading) runs. It draws only when both
//! outputs are terminals, and only after a short delay, so fast work shows nothing at all.

use std::io::Write;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

const FRAMES: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const DELAY: Duration = Duration::from_millis(150);
const TICK: Duration = Duration::from_millis(80);

pub struct Spinner {
    /// Dropping the sender wakes the thread at once, however long it was to wait.
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    /// Starts spinning with `label` when the terminal can show it; otherwise does nothing.
    pub fn start(label: &str) -> Spinner {
        if !super::interactive() {
            return Spinner {
                stop: None,
                thread: None,
            };
        }
        let (tx, rx) = mpsc::channel::<()>();
        let label = label.to_string();
        let thread = std::thread::spawn(move || {
            if rx.recv_timeout(DELAY) != Err(RecvTimeoutError::Timeout) {
                return;
            }
            let mut err = std::io::stderr();
            let mut drawn = 0;
            for frame in FRAMES.iter().cycle() {
                let line = format!("{frame} {label}");
                drawn = line.chars().count();
                let _ = write!(err, "\r{line}");
                let _ = err.flush();
                if rx.recv_timeout(TICK) != Err(RecvTimeoutError::Timeout) {
                    break;
                }
            }
            // Spaces rather than an erase sequence: right on any terminal.
            let _ = write!(err, "\r{}\r", " ".repeat(drawn));
            let _ = err.flush();
        });
        Spinner {
            stop: Some(tx),
            thread: Some(thread),
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
