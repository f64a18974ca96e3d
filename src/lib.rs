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
pub mod eval;
pub mod grade;
pub mod home;
pub mod learner;
pub mod llm;
pub mod prompt;
pub mod random;
pub mod read_aloud;
pub mod regrade;
pub mod render;
pub mod repl;
pub mod review;
pub mod rubric;
pub mod select;
pub mod session;
pub mod sim;
pub mod store;
pub mod term;
pub mod toml_error;
pub mod words;

/// The files of data/, rubrics/ and prompts/, compiled in by build.rs.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
