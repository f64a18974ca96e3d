//! Where viva keeps the user's data: `$VIVA_HOME`, or the platform data directory.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};

#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
    config: PathBuf,
}

impl Home {
    /// `explicit` comes from `--home` or `VIVA_HOME` (clap reads both).
    /// With an explicit home, everything (config.toml included) lives in it; otherwise data goes
    /// to the platform data directory and config.toml to the platform config directory.
    pub fn resolve(explicit: Option<PathBuf>) -> Result<Home> {
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
}
