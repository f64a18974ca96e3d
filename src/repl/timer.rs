//! The visible time limit of a real-mode question: warnings printed above the line being typed
//! (through rustyline's external printer) as the limit nears, and "time is up" when it passes.
//! The REPL itself ends the answer at the first line submitted after the deadline.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::clock::now_ms;
use crate::delivery::clock;

/// Prints a message while a line is being read.
pub type Notify = Box<dyn FnMut(String) + Send>;

pub const TIME_UP: &str = "⏱ Time is up: the next Enter submits your answer as it stands.";

/// Milliseconds left at which to warn, largest first, ending with 0 (time is up): half time on
/// long limits, then one minute and thirty seconds when there is room for them.
pub fn checkpoints(limit_ms: i64) -> Vec<i64> {
    let mut marks = Vec::new();
    if limit_ms >= 120_000 {
        marks.push(limit_ms / 2);
    }
    for left in [60_000, 30_000] {
        if limit_ms >= 2 * left && !marks.contains(&left) {
            marks.push(left);
        }
    }
    marks.push(0);
    marks
}

/// "[2:41] > ": the prompt with the time left, or the plain prompt without a limit.
pub fn prompt(base: &str, deadline: Option<i64>) -> String {
    match deadline {
        None => base.to_string(),
        Some(d) => {
            let left = d - now_ms();
            if left <= 0 {
                format!("[time up] {base}")
            } else {
                // Round up, so the prompt never says 0:00 before time is up.
                format!("[{}] {base}", clock((left as f64 / 1000.0).ceil()))
            }
        }
    }
}

pub struct Timer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Timer {
    /// Warns through `notify` as `deadline` (Unix ms) nears; does nothing without a notifier.
    pub fn start(deadline: i64, limit_ms: i64, notify: Option<Notify>) -> Timer {
        let Some(mut notify) = notify else {
            return Timer {
                stop: None,
                thread: None,
            };
        };
        let (tx, rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            for left in checkpoints(limit_ms) {
                let wait = deadline - left - now_ms();
                if wait > 0 {
                    match rx.recv_timeout(Duration::from_millis(wait as u64)) {
                        Err(RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                } else if left > 0 {
                    // Already past this warning (a short limit): skip it.
                    continue;
                }
                notify(if left == 0 {
                    TIME_UP.to_string()
                } else {
                    format!("⏱ {} left", clock(left as f64 / 1000.0))
                });
            }
        });
        Timer {
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn warnings_fit_the_limit() {
        assert_eq!(checkpoints(180_000), [90_000, 60_000, 30_000, 0]);
        assert_eq!(checkpoints(120_000), [60_000, 30_000, 0]);
        assert_eq!(checkpoints(90_000), [30_000, 0]);
        assert_eq!(checkpoints(6_000), [0]);
    }

    #[test]
    fn time_up_is_announced_and_a_stopped_timer_says_nothing() {
        let said = Arc::new(Mutex::new(Vec::new()));
        let sink = said.clone();
        let timer = Timer::start(
            now_ms() + 50,
            50,
            Some(Box::new(move |m| sink.lock().unwrap().push(m))),
        );
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while said.lock().unwrap().is_empty() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(timer);
        assert_eq!(*said.lock().unwrap(), [TIME_UP.to_string()]);

        let quiet = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = quiet.clone();
        let timer = Timer::start(
            now_ms() + 60_000,
            60_000,
            Some(Box::new(move |m| sink.lock().unwrap().push(m))),
        );
        drop(timer);
        assert!(quiet.lock().unwrap().is_empty());
    }

    #[test]
    fn the_prompt_shows_the_time_left() {
        assert_eq!(prompt("> ", None), "> ");
        assert_eq!(prompt("> ", Some(now_ms() + 90_000)), "[1:30] > ");
        assert_eq!(prompt("> ", Some(now_ms() - 1)), "[time up] > ");
    }
}
