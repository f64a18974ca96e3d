//! The self-check line after a grade: the candidate confirms viva's key-point marks (Enter),
//! says which points they made (`1 3 4`), or compares with the model answer first (`m`). The
//! offline grader reads words, not meaning, so it is offered after every approximate grade at a
//! terminal (and after a model's with `--self-check`); never to piped input, where nobody is
//! there to answer.

use std::io::Write;

use anyhow::Result;

use super::{LineSource, Read};
use crate::grade::{Grade, Outcome};
use crate::render;
use crate::session::{AnsweredTurn, Session};

/// What the candidate typed at the self-check line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reply {
    /// Enter: viva's marks stand.
    Accept,
    /// The numbers of the points they made.
    Made(Vec<usize>),
    /// Show the model answer, then ask again.
    Model,
}

/// Reads one reply about a grade with `points` key points; an error is the one-line hint.
fn parse(line: &str, points: usize) -> Result<Reply, String> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(Reply::Accept);
    }
    if line.eq_ignore_ascii_case("m") {
        return Ok(Reply::Model);
    }
    let hint = || {
        format!(
            "Type the numbers of the points you made, from 1 to {points} (like 1 3), Enter to keep viva's marks, or m for the model answer."
        )
    };
    let mut made = Vec::new();
    for word in line.split(|c: char| c.is_whitespace() || c == ',') {
        if word.is_empty() {
            continue;
        }
        match word.parse::<usize>() {
            Ok(n) if (1..=points).contains(&n) => made.push(n),
            _ => return Err(hint()),
        }
    }
    made.sort_unstable();
    made.dedup();
    Ok(Reply::Made(made))
}

/// Whether the candidate is asked to check `grade`: a graded answer with key points, read at a
/// terminal, graded offline (approximate) or by a model with `--self-check`.
pub fn offered(grade: &Grade, src: &dyn LineSource, with_models: bool) -> bool {
    src.is_terminal()
        && grade.outcome == Outcome::Graded
        && !grade.key_points.is_empty()
        && (grade.approximate || with_models)
        && !grade.is_self_checked()
}

/// Asks for the check of `attempt`'s grade until a valid reply, and stores what the candidate
/// says they made. Ctrl-C or the end of input keeps viva's marks.
pub fn ask(
    session: &mut Session,
    attempt: &AnsweredTurn,
    src: &mut dyn LineSource,
    out: &mut dyn Write,
) -> Result<()> {
    let Some(grade) = &attempt.grade else {
        return Ok(());
    };
    writeln!(out, "{}", render::dialogue::self_check_prompt(grade))?;
    let mut typed = String::new();
    loop {
        out.flush()?;
        let line = match src.read_with_initial("check> ", &typed)? {
            Read::Line(line) => line,
            Read::Interrupted(_) | Read::Eof => return Ok(()),
        };
        match parse(&line, grade.key_points.len()) {
            Ok(Reply::Accept) => {
                writeln!(out, "Kept viva's marks.\n")?;
                return Ok(());
            }
            Ok(Reply::Model) => {
                write!(out, "{}", render::dialogue::model_answer(attempt))?;
                writeln!(out, "{}", render::dialogue::self_check_prompt(grade))?;
                typed.clear();
            }
            Ok(Reply::Made(made)) => {
                if let Some(checked) = session.self_check(attempt.turn_id, &made)? {
                    writeln!(out, "{}\n", render::dialogue::self_checked(grade, &checked))?;
                }
                return Ok(());
            }
            Err(hint) => {
                writeln!(out, "{hint}")?;
                // What was typed comes back to be corrected, not typed again.
                typed = line;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_parse_and_bad_ones_get_a_hint() {
        assert_eq!(parse("", 4), Ok(Reply::Accept));
        assert_eq!(parse("  M ", 4), Ok(Reply::Model));
        assert_eq!(parse("3 1, 4 1", 4), Ok(Reply::Made(vec![1, 3, 4])));
        assert!(parse("1 5", 4).unwrap_err().contains("from 1 to 4"));
        assert!(parse("one", 4).is_err());
        assert!(parse("0", 4).is_err());
    }
}
