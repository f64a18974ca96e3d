//! viva: an adaptive mock-interview engine for the terminal.
//!
//! The engine (bank, grading, selection, session, store) runs without a terminal; `repl` and
//! `cli` are thin front ends over it. See ARCHITECTURE.md for the map.

pub mod bank;
pub mod cli;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod error;
pub(crate) mod eval;
pub mod grade;
pub(crate) mod home;
pub mod learner;
pub(crate) mod lines;
pub mod llm;
pub(crate) mod names;
pub(crate) mod programs;
pub mod prompt;
pub(crate) mod random;
pub(crate) mod read_aloud;
pub(crate) mod regrade;
pub(crate) mod render;
pub(crate) mod repl;
pub mod review;
pub mod rubric;
pub mod select;
pub(crate) mod session;
pub(crate) mod sim;
pub mod store;
pub mod term;
pub(crate) mod toml_error;
pub mod voice;
pub(crate) mod words;

/// The files of data/, rubrics/ and prompts/, compiled in by build.rs.
pub(crate) mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
