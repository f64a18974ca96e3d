//! Finding an external program (a speech synthesizer, an audio recorder) on a PATH-style list,
//! so the build links no audio library.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// A file the user may run.
pub fn executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// `name` in the first directory of `path` (a PATH-style list) that has it executable.
pub fn on_path(path: Option<&OsStr>, name: &str) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|d| d.join(name))
        .find(|candidate| executable(candidate))
}
