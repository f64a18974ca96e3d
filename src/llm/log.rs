//! Every model call, appended as one JSON line: the messages, the reply, model, tokens, duration
//! and outcome (in the manner of simonw/llm). The API key is never part of a record: it travels
//! only in the request headers, which are not logged.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use super::{Message, Usage};

#[derive(Debug, Serialize)]
pub struct CallRecord<'a> {
    pub at: i64,
    pub api_base: &'a str,
    pub model: &'a str,
    pub purpose: &'a str,
    pub messages: &'a [Message],
    pub structured: bool,
    pub response: Option<&'a str>,
    pub error: Option<String>,
    pub usage: Option<Usage>,
    pub duration_ms: u64,
}

/// Where call records go; `None` keeps no log (tests that do not look at it).
#[derive(Debug, Clone, Default)]
pub struct CallLog {
    path: Option<PathBuf>,
}

impl CallLog {
    pub fn to_file(path: PathBuf) -> CallLog {
        CallLog { path: Some(path) }
    }

    /// Appends a record. A log that cannot be written must not cost the user a grade, so
    /// failures are reported once on stderr and otherwise ignored.
    pub fn record(&self, rec: &CallRecord) {
        let Some(path) = &self.path else { return };
        let result = (|| -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            let line = serde_json::to_string(rec).map_err(std::io::Error::other)?;
            writeln!(f, "{line}")
        })();
        if let Err(e) = result {
            eprintln!(
                "viva: cannot write the model-call log {}: {e}",
                path.display()
            );
        }
    }
}
