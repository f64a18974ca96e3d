//! Answers to the candidate's questions about a grade: `/why`, `/model`, what became of a
//! `/dispute`, and the self-check line.

use std::fmt::Write as _;

use super::{mark, shorten};
use crate::grade::{Grade, Outcome, Verdict};
use crate::rubric::Rubric;
use crate::session::{AnsweredTurn, Disputed};
use crate::term::{self, ACCENT, BAD, DIM, TITLE, paint};

fn which(a: &AnsweredTurn) -> String {
    match (a.follow_up, a.retry) {
        (true, true) => format!("the retried follow-up on question {}", a.number),
        (true, false) => format!("the follow-up on question {}", a.number),
        (false, true) => format!("question {} (retry)", a.number),
        (false, false) => format!("question {}", a.number),
    }
}

/// The last grade explained point by point, with the words that earned each verdict and the
/// rubric's descriptor for each criterion level.
pub fn why(a: &AnsweredTurn, rubric: &Rubric) -> String {
    let mut out = String::new();
    let Some(g) = &a.grade else {
        let _ = writeln!(
            out,
            "The answer to {} has no grade yet (grading failed); it is saved for re-grading.",
            which(a)
        );
        return out;
    };
    let _ = writeln!(
        out,
        "{}",
        paint(
            TITLE,
            &format!(
                "Why {} scored {}/100 ({} grader):",
                which(a),
                g.score,
                g.grader
            )
        )
    );
    if g.outcome == Outcome::InsufficientEvidence {
        let _ = writeln!(out, "{}", g.feedback);
        return out;
    }
    for k in &g.key_points {
        let _ = writeln!(
            out,
            "  {} {}. {}",
            mark(k.verdict),
            k.id,
            term::code(&k.point)
        );
        let reason = match (k.verdict, &k.evidence) {
            (Verdict::Covered, Some(e)) => {
                format!("covered: made and explained, in \"{}\"", shorten(e, 200))
            }
            (Verdict::Partly, Some(e)) => format!(
                "partly: named or half made, in \"{}\"; say how it works and why it matters",
                shorten(e, 200)
            ),
            (Verdict::Missed, _) | (_, None) => {
                "missed: nothing in the answer makes this point".to_string()
            }
        };
        let _ = writeln!(out, "      {reason}");
    }
    for f in &g.red_flags {
        let _ = writeln!(
            out,
            "  {} red flag: {}, raised by \"{}\"",
            paint(BAD, "!"),
            f.flag.trim_end_matches('.'),
            shorten(&f.evidence, 200)
        );
    }
    let _ = writeln!(out, "{}", paint(TITLE, "Criteria:"));
    for c in &g.criteria {
        let descriptor = rubric
            .criteria
            .iter()
            .find(|rc| rc.id == c.id)
            .and_then(|rc| rc.levels.get(usize::from(c.level)))
            .map_or("", String::as_str);
        let _ = writeln!(
            out,
            "  {} {}/4 (weight {:.0}%): {descriptor}",
            c.name,
            c.level,
            c.weight * 100.0
        );
    }
    for n in &g.notes {
        let _ = writeln!(out, "{}", paint(DIM, &format!("note: {n}")));
    }
    if let Some(c) = &a.self_check {
        let _ = writeln!(
            out,
            "{}",
            paint(
                TITLE,
                &format!(
                    "Your check: {}/100, from the points you say you made (it counts for your scores):",
                    c.score
                )
            )
        );
        for k in &c.key_points {
            let _ = writeln!(out, "  {} {}. {}", mark(k.verdict), k.id, k.point);
        }
    }
    let _ = writeln!(
        out,
        "{}",
        paint(
            DIM,
            "Delivery (fillers, pace, length) never changes this score. Disagree? /dispute and say why."
        )
    );
    out
}

/// The self-check line's question, with viva's marks to confirm or correct.
pub fn self_check_prompt(g: &Grade) -> String {
    let made: Vec<String> = g
        .key_points
        .iter()
        .filter(|k| k.verdict != Verdict::Missed)
        .map(|k| k.id.to_string())
        .collect();
    let marks = if made.is_empty() {
        "none of the points".to_string()
    } else {
        format!("points {}", made.join(" "))
    };
    format!(
        "Check viva's marks: it found {marks} of {}. Enter keeps them · type the numbers of the points you made (1 3) · m shows the model answer",
        g.key_points.len()
    )
}

/// What the candidate's check made of viva's grade.
pub fn self_checked(viva: &Grade, checked: &Grade) -> String {
    let made = checked.count(Verdict::Covered);
    format!(
        "Checked by you: {made} of {} points, {}/100 (viva's grade: {}/100). Yours counts; /why shows both.",
        checked.key_points.len(),
        paint(ACCENT, &checked.score.to_string()),
        viva.score
    )
}

/// Which answer a self-check in the debrief is about.
pub fn check_heading(a: &AnsweredTurn) -> String {
    paint(TITLE, &format!("Check {}:", which(a)))
}

pub fn model_answer(a: &AnsweredTurn) -> String {
    let q = &a.question;
    format!(
        "{}\n{}\n",
        paint(
            TITLE,
            &format!("Model answer for question {} ({}):", a.number, q.id)
        ),
        term::code(q.model_answer.trim())
    )
}

pub fn disputed(d: &Disputed) -> String {
    let mut out = String::new();
    match d {
        Disputed::Regraded {
            number,
            before,
            after,
            changes,
        } => {
            let old = before
                .as_ref()
                .map_or("no grade".to_string(), |b| format!("{}/100", b.score));
            let _ = writeln!(
                out,
                "{} {}",
                paint(TITLE, &format!("Re-graded question {number}:")),
                paint(ACCENT, &format!("{old} → {}/100", after.score))
            );
            if changes.is_empty() {
                let _ = writeln!(out, "The grade stands: nothing changed.");
            }
            for c in changes {
                let _ = writeln!(out, "  - {c}");
            }
            let _ = writeln!(out, "Grader: {}", term::code(&after.feedback));
            let _ = writeln!(
                out,
                "{}",
                paint(DIM, "Both grades are kept; the new one counts.")
            );
        }
        Disputed::Flagged { number, reason } => {
            let _ = writeln!(out, "Objection to question {number} recorded: {reason}.");
        }
    }
    out
}
