//! Reading the interviewer's questions aloud (`--speak`) through a speech synthesizer on the
//! PATH: espeak-ng, espeak, or macOS `say`. Speech runs in its own process and is never waited
//! for, so input is never blocked; a new question cuts off the one still being read.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::programs::on_path;

/// Synthesizers we know, in order of preference. Each takes the text as its last argument.
const SYNTHESIZERS: &[&str] = &["espeak-ng", "espeak", "say"];

pub struct Speaker {
    program: PathBuf,
    speaking: Option<Child>,
}

/// The first known synthesizer on `path` (a PATH-style list).
pub fn find(path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    SYNTHESIZERS.iter().find_map(|name| on_path(path, name))
}

/// What to tell the user when no synthesizer is installed.
pub const NONE_FOUND: &str = "--speak: no speech synthesizer found (looked for espeak-ng, espeak and say on the PATH); questions will not be read aloud. Install espeak-ng to hear them.";

impl Speaker {
    /// A speaker using the first synthesizer on the PATH, if any.
    pub fn detect() -> Option<Speaker> {
        find(std::env::var_os("PATH").as_deref()).map(|program| Speaker {
            program,
            speaking: None,
        })
    }

    pub fn program(&self) -> &Path {
        &self.program
    }

    /// Starts reading `text` aloud and returns at once. A failure to start is reported, never
    /// fatal: the interview goes on in text.
    pub fn say(&mut self, text: &str) -> Result<(), String> {
        self.hush();
        let child = Command::new(&self.program)
            .arg(text)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", self.program.display()))?;
        self.speaking = Some(child);
        Ok(())
    }

    /// Stops what is being read, and reaps the process.
    fn hush(&mut self) {
        if let Some(mut child) = self.speaking.take() {
            if child.try_wait().ok().flatten().is_none() {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.hush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_first_known_synthesizer_on_the_path_is_found() {
        use std::os::unix::fs::PermissionsExt;
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let say = b.path().join("say");
        std::fs::write(&say, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&say, std::fs::Permissions::from_mode(0o755)).unwrap();
        // Not executable: not a synthesizer.
        std::fs::write(a.path().join("espeak-ng"), "").unwrap();
        let path = std::env::join_paths([a.path(), b.path()]).unwrap();
        assert_eq!(find(Some(&path)), Some(say));
        let empty = std::env::join_paths([a.path()]).unwrap();
        assert_eq!(find(Some(&empty)), None);
    }
}
