//! Where viva keeps the user's data: `$VIVA_HOME`, or the platform data directory.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};

use crate::error::bad;

#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
    config: PathBuf,
}

impl Home {
    /// `flag` is `--home`, `env` the value of `VIVA_HOME`; the flag wins.
    /// With an explicit home, everything (config.toml included) lives in it; otherwise data goes
    /// to the platform data directory and config.toml to the platform config directory.
    pub fn resolve(flag: Option<PathBuf>, env: Option<OsString>) -> Result<Home> {
        let explicit = match (flag, env) {
            (Some(dir), _) => Some(checked("--home", dir)?),
            (None, Some(dir)) => Some(checked("VIVA_HOME", PathBuf::from(dir))?),
            (None, None) => None,
        };
        if let Some(root) = explicit {
            return Ok(Home {
                config: root.join("config.toml"),
                root,
            });
        }
        let root = dirs::data_dir()
            .map(|d| d.join("viva"))
            .ok_or_else(|| anyhow!("no data directory on this platform: set VIVA_HOME"))?;
        let config = dirs::config_dir().map_or_else(
            || root.join("config.toml"),
            |d| d.join("viva").join("config.toml"),
        );
        Ok(Home { root, config })
    }

    pub fn config_file(&self) -> &Path {
        &self.config
    }

    /// User prompt templates: a file replaces the shipped template of the same name.
    pub fn prompts_dir(&self) -> PathBuf {
        self.root.join("prompts")
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn db(&self) -> PathBuf {
        self.root.join("viva.db")
    }

    /// User bank files: add questions or override shipped ones by id.
    pub fn bank_dir(&self) -> PathBuf {
        self.root.join("bank")
    }

    /// User rubrics: `<kind>.toml` replaces the shipped rubric of that kind.
    pub fn rubrics_dir(&self) -> PathBuf {
        self.root.join("rubrics")
    }

    pub fn history(&self) -> PathBuf {
        self.root.join("history.txt")
    }

    /// The answer being typed when viva was closed, offered back on the next start.
    pub fn draft(&self) -> PathBuf {
        self.root.join("draft.json")
    }
}

/// A home named by `source` (`--home` or `VIVA_HOME`) that can hold viva's files: not empty, and
/// a directory or nothing yet (it is created on first use). Said here, before any command trips
/// over it with a message about some file inside.
fn checked(source: &str, dir: PathBuf) -> Result<PathBuf> {
    if dir.as_os_str().is_empty() {
        return Err(bad(format!(
            "{source} is empty: set it to a directory for viva's data, or unset it to use {}",
            default_hint()
        )));
    }
    if dir.exists() && !dir.is_dir() {
        return Err(bad(format!(
            "{source} is {}, which is a file: it must be a directory for viva's data",
            dir.display()
        )));
    }
    Ok(dir)
}

/// Where data goes without VIVA_HOME, for messages.
fn default_hint() -> String {
    dirs::data_dir().map_or("the platform data directory".into(), |d| {
        d.join("viva").display().to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_viva_home_is_named_as_the_problem() {
        let err = Home::resolve(None, Some(OsString::new()))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("VIVA_HOME is empty"), "{err}");
    }

    #[test]
    fn a_home_that_is_a_file_is_named_as_the_problem() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let err = Home::resolve(None, Some(file.path().into()))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("VIVA_HOME is "), "{err}");
        assert!(err.contains("which is a file"), "{err}");
        let err = Home::resolve(Some(file.path().into()), None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("--home is "), "{err}");
    }

    #[test]
    fn the_flag_wins_over_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::resolve(Some(dir.path().into()), Some("elsewhere".into())).unwrap();
        assert_eq!(home.root(), dir.path());
    }
}
