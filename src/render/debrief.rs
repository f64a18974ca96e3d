//! The debrief of a real-mode interview: every answer with the feedback held back during the
//! session (the summary follows once the candidate has checked the grades).

use std::fmt::Write as _;

use super::{delivery, grade, shorten};
use crate::delivery::clock;
use crate::session::AnsweredTurn;
use crate::term::{BAD, DIM, TITLE, paint};

pub fn debrief(attempts: &[AnsweredTurn], limit_ms: Option<i64>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", paint(TITLE, "Debrief"));
    for a in attempts {
        let what = if a.follow_up {
            format!("Follow-up on question {}", a.number)
        } else {
            format!("Question {} · {}", a.number, a.question.topic)
        };
        let took = clock(a.delivery.duration_ms.max(0) as f64 / 1000.0);
        let time = match (a.over_ms, limit_ms) {
            (Some(over), _) => paint(
                BAD,
                &format!("{took}, {} over the limit", clock(over as f64 / 1000.0)),
            ),
            (None, Some(limit)) => format!("{took} of {}", clock(limit as f64 / 1000.0)),
            (None, None) => took,
        };
        let _ = writeln!(
            out,
            "{} {}",
            paint(TITLE, &what),
            paint(DIM, &format!("({time})"))
        );
        let _ = writeln!(out, "{}", a.question.prompt);
        let _ = writeln!(
            out,
            "{}",
            paint(DIM, &format!("You said: \"{}\"", shorten(&a.answer, 300)))
        );
        match &a.grade {
            Some(g) => out.push_str(&grade(g)),
            None => out.push_str("(not graded: grading failed; the answer is saved)\n"),
        }
        out.push_str(&delivery::block(&a.delivery));
        out.push('\n');
    }
    out
}
