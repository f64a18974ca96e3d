//! Where viva keeps the user's data: `$VIVA_HOME`, or the platform data directory.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};

#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// `explicit` comes from `--home` or `VIVA_HOME` (clap reads both).
    pub fn resolve(explicit: Option<PathBuf>) -> Result<Home> {
        let root = match explicit {
            Some(dir) => dir,
            None => dirs::data_dir()
                .map(|d| d.join("viva"))
                .ok_or_else(|| anyhow!("no data directory on this platform: set VIVA_HOME"))?,
        };
        Ok(Home { root })
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
}
