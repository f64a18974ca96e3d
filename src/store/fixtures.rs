//! Turns and grades for the store's tests.

use super::NewTurn;
use crate::grade::{Grade, Outcome};

/// An answer to the GIL question, the `seq`-th turn of its session.
pub fn turn(session_id: i64, seq: u32, answer: &str) -> NewTurn<'_> {
    NewTurn {
        session_id,
        parent_id: None,
        seq,
        question_id: "gil",
        topic: "concurrency",
        kind: "concept",
        difficulty: "hard",
        prompt: "What is the GIL?",
        answer,
        skipped: false,
        hints: 0,
        asked_at: 1,
        answered_at: 2,
        retry_of: None,
    }
}

/// An answer on `topic`, asked and answered at `at`.
pub fn turn_at<'a>(session_id: i64, topic: &'a str, answer: &'a str, at: i64) -> NewTurn<'a> {
    NewTurn {
        session_id,
        parent_id: None,
        retry_of: None,
        seq: 1,
        question_id: "q",
        topic,
        kind: "concept",
        difficulty: "easy",
        prompt: "p",
        answer,
        skipped: false,
        hints: 0,
        asked_at: at,
        answered_at: at,
    }
}

pub fn grade(score: u8) -> Grade {
    Grade::bare(score, Outcome::Graded)
}

pub fn grade_with_feedback(score: u8, feedback: &str) -> Grade {
    Grade {
        feedback: feedback.into(),
        ..grade(score)
    }
}
