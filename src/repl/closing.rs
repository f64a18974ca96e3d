//! The answer being typed when viva is closed (SIGHUP as the terminal goes away, or SIGTERM) is
//! saved under `$VIVA_HOME` and offered back on the next start: without this, closing the window
//! lost everything not yet submitted, and only loose lines survived in the history.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// An answer left unsubmitted when viva was closed, as the draft file holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsent {
    /// The bank question's id.
    pub question: String,
    /// The question as it was shown: a follow-up's text differs from its bank question's.
    pub prompt: String,
    pub lines: Vec<String>,
}

/// What is being answered right now, shared with the thread that waits for the signals.
#[derive(Debug, Default)]
pub struct Typing {
    /// The question's id and its text as shown.
    pub question: Option<(String, String)>,
    /// The answer's submitted lines while one is being read; None between answers, when what
    /// is typed (a self-check, a question about a grade) is no answer.
    pub answer: Option<Vec<String>>,
    /// The line still being edited.
    pub line: String,
}

impl Typing {
    /// The answer as it stands, if anything of it was typed.
    fn unsent(&self) -> Option<Unsent> {
        let (question, prompt) = self.question.clone()?;
        let mut lines = self.answer.clone()?;
        if !self.line.trim().is_empty() {
            lines.push(self.line.clone());
        }
        lines
            .iter()
            .any(|l| !l.trim().is_empty())
            .then_some(Unsent {
                question,
                prompt,
                lines,
            })
    }
}

pub type Shared = Arc<Mutex<Typing>>;

/// Locks the shared state even after a panic elsewhere: saving a draft must not fail for that.
pub fn lock(typing: &Shared) -> std::sync::MutexGuard<'_, Typing> {
    typing.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The draft a closed viva left, if any (an unreadable one is as good as none).
pub fn load(path: &Path) -> Option<Unsent> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// Forgets the draft once it is restored or discarded.
pub fn remove(path: &Path) {
    // Nothing to remove is the usual case.
    let _ = std::fs::remove_file(path);
}

/// Writes the draft readable by its owner only, like the store: an answer is private.
fn save(path: &Path, unsent: &Unsent) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(&serde_json::to_vec(unsent)?)?;
    file.sync_all()
}

/// Waits for SIGHUP and SIGTERM on a thread of its own; on either, saves what is being typed to
/// `path`, gives the terminal back its settings and exits as the signal would have (128 + its
/// number). The handlers are in place when this returns, before any prompt is shown.
pub fn watch(typing: Shared, path: PathBuf) -> io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let (mut hangup, mut terminate) = {
        let _context = runtime.enter();
        (
            signal(SignalKind::hangup())?,
            signal(SignalKind::terminate())?,
        )
    };
    let settings = TerminalSettings::now();
    std::thread::spawn(move || {
        let signal = runtime.block_on(async {
            tokio::select! {
                _ = hangup.recv() => libc::SIGHUP,
                _ = terminate.recv() => libc::SIGTERM,
            }
        });
        let unsent = lock(&typing).unsent();
        if let Some(unsent) = unsent {
            // Exiting is what the signal asks for, saved or not.
            let _ = save(&path, &unsent);
        }
        settings.restore();
        std::process::exit(128 + signal);
    });
    Ok(())
}

/// The terminal's settings before the line editor put it in raw mode, which it undoes only when
/// a read returns: exiting in the middle of one would leave a SIGTERM'd shell unusable.
struct TerminalSettings(Option<libc::termios>);

impl TerminalSettings {
    fn now() -> TerminalSettings {
        let mut settings = std::mem::MaybeUninit::<libc::termios>::uninit();
        // SAFETY: tcgetattr fills the struct when it returns 0, and it is read only then.
        let ok = unsafe { libc::tcgetattr(libc::STDIN_FILENO, settings.as_mut_ptr()) } == 0;
        TerminalSettings(ok.then(|| unsafe { settings.assume_init() }))
    }

    fn restore(&self) {
        if let Some(settings) = &self.0 {
            // SAFETY: a valid termios read by tcgetattr; after a hangup this fails, harmlessly.
            unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, settings) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_being_edited_is_part_of_the_draft() {
        let typing = Typing {
            question: Some(("gil".into(), "What is the GIL?".into())),
            answer: Some(vec!["first".into()]),
            line: "half a line".into(),
        };
        assert_eq!(
            typing.unsent().unwrap().lines,
            ["first".to_string(), "half a line".to_string()]
        );
        let blank = Typing {
            question: typing.question.clone(),
            answer: Some(Vec::new()),
            line: "  ".into(),
        };
        assert_eq!(blank.unsent(), None, "nothing typed, nothing saved");
        let between = Typing {
            answer: None,
            ..typing
        };
        assert_eq!(between.unsent(), None, "a self-check line is no answer");
    }

    #[test]
    fn a_draft_is_saved_private_and_read_back() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("draft.json");
        let unsent = Unsent {
            question: "gil".into(),
            prompt: "What is the GIL?".into(),
            lines: vec!["a lock".into()],
        };
        save(&path, &unsent).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(load(&path), Some(unsent));
        remove(&path);
        assert_eq!(load(&path), None);
    }
}
