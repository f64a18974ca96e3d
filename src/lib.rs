//! viva: an adaptive mock-interview engine for the terminal.

pub mod bank;
pub mod clock;
pub mod grade;
pub mod rubric;
pub mod store;

/// The files of data/, rubrics/ and prompts/, compiled in by build.rs.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
