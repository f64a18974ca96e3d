//! Integration tests: the `viva` binary driven as a user drives it, each test in its own
//! temporary VIVA_HOME, with no network and none of the developer's configuration.

mod adaptive;
mod bank;
mod cli;
mod delivery;
#[path = "../support/fake_asr.rs"]
mod fake_asr;
#[path = "../support/fake_llm.rs"]
mod fake_llm;
mod fuzz;
mod grade;
mod import;
mod import_guides;
#[path = "../support/import_score.rs"]
mod import_score;
mod interview_pty;
mod llm;
mod practice;
mod pty;
mod regrade;
mod review;
mod voice;

use std::path::Path;

use assert_cmd::Command;

/// Variables that would point a test at the developer's model or force colour on.
const PRIVATE_VARS: [&str; 10] = [
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "VIVA_API_KEY",
    "VIVA_API_BASE",
    "VIVA_MODEL",
    "VIVA_TRANSCRIBE_API_BASE",
    "VIVA_TRANSCRIBE_API_KEY",
    "VIVA_TRANSCRIBE_MODEL",
    "VIVA_RECORDER",
    "CLICOLOR_FORCE",
];

/// `viva` with a private data directory and a scrubbed environment.
pub fn viva(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("viva").unwrap();
    cmd.env("VIVA_HOME", home).env("NO_COLOR", "1");
    for var in PRIVATE_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// `program` (`viva` itself, or a shell that starts it) as a plain process, for a
/// pseudo-terminal or a pipe read line by line: a private data directory, a scrubbed
/// environment and an xterm.
pub fn process(program: &Path, home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(program);
    cmd.env("VIVA_HOME", home).env("TERM", "xterm");
    for var in PRIVATE_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// The `viva` binary under test.
pub fn viva_bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("viva")
}

pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn json_of(cmd: &mut Command) -> serde_json::Value {
    serde_json::from_str(&stdout_of(cmd)).unwrap()
}
