//! The candidate's questions about a grade, apart from the answer loop: `/why`, `/model`,
//! `/retry` and `/dispute`. In study mode they work between questions, about the last answer
//! (or question N); in real mode feedback waits for the debrief, where `/why`, `/model` and
//! `/dispute` work too.

use std::io::Write;

use anyhow::Result;

use crate::render;
use crate::session::{Asked, Session};
use crate::term::Spinner;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    Why(Option<usize>),
    Model(Option<usize>),
    Retry,
    Dispute(Option<usize>, String),
}

/// Where in the session a question is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Interview,
    /// After a real-mode debrief: the feedback is out, the interview is over.
    Debrief,
}

pub const HELP: &str = "\
  /why [N]           explain the last grade (or question N's) point by point, quoting you
  /model [N]         the model answer, once you have answered (study mode)
  /retry             answer the last question again (study mode)
  /dispute [N] TEXT  object to a grade: a model re-grades it and says what changed;
                     the offline grader records it and flags the answer for re-grading
";

fn number(rest: &str, cmd: &str) -> Result<Option<usize>, String> {
    if rest.is_empty() {
        return Ok(None);
    }
    rest.trim_start_matches('#')
        .parse()
        .map(Some)
        .map_err(|_| format!("{cmd} takes a question number, like {cmd} 2"))
}

/// Parses one of our commands; None when the line is not one, an error with the usage when it
/// is one used wrongly.
pub fn parse(line: &str) -> Option<Result<Ask, String>> {
    let line = line.trim();
    let (cmd, rest) = line
        .split_once(char::is_whitespace)
        .map_or((line, ""), |(c, r)| (c, r.trim()));
    Some(match cmd {
        "/why" => number(rest, cmd).map(Ask::Why),
        "/model" => number(rest, cmd).map(Ask::Model),
        "/retry" if rest.is_empty() => Ok(Ask::Retry),
        "/retry" => Err("/retry takes nothing: it asks the last question again".to_string()),
        "/dispute" => {
            // "/dispute 2 I did explain it": a leading number names the question.
            let (n, text) = match rest.split_once(char::is_whitespace) {
                Some((first, more)) => match first.trim_start_matches('#').parse::<usize>() {
                    Ok(n) => (Some(n), more.trim()),
                    Err(_) => (None, rest),
                },
                None => (None, rest),
            };
            if text.is_empty() {
                Err("Usage: /dispute [N] TEXT, saying why the grade is wrong".to_string())
            } else {
                Ok(Ask::Dispute(n, text.to_string()))
            }
        }
        _ => return None,
    })
}

fn missing(n: Option<usize>) -> String {
    match n {
        Some(n) => format!("There is no answer to question {n} yet."),
        None => "Nothing to ask about yet: answer a question first.".to_string(),
    }
}

/// Answers one question about a grade. Returns the question to ask next when it is a retry.
pub fn handle(
    ask: Ask,
    session: &mut Session,
    out: &mut dyn Write,
    phase: Phase,
) -> Result<Option<Asked>> {
    let real = session.mode().is_real();
    if real && phase == Phase::Interview {
        let msg = match ask {
            Ask::Retry => "No retries in a real interview.",
            _ => "In a real interview the feedback waits for the debrief at the end; ask there.",
        };
        writeln!(out, "{msg}")?;
        return Ok(None);
    }
    match ask {
        Ask::Why(n) => match session.attempt(n) {
            Some(a) => write!(
                out,
                "{}",
                render::dialogue::why(a, session.rubric(&a.question))
            )?,
            None => writeln!(out, "{}", missing(n))?,
        },
        Ask::Model(n) => match session.attempt(n) {
            Some(a) => write!(out, "{}", render::dialogue::model_answer(a))?,
            None => writeln!(out, "{}", missing(n))?,
        },
        Ask::Retry if phase == Phase::Debrief => {
            writeln!(out, "The interview is over: no retries now.")?
        }
        Ask::Retry => match session.retry() {
            Some(asked) => return Ok(Some(asked)),
            None => writeln!(out, "{}", missing(None))?,
        },
        Ask::Dispute(n, text) => {
            let mut spinner = Spinner::start_with(super::progress_label("re-grading…", None));
            let outcome = session.dispute(n, &text);
            spinner.stop();
            match outcome? {
                Some(d) => write!(out, "{}", render::dialogue::disputed(&d))?,
                None => writeln!(out, "{}", missing(n))?,
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_and_without_a_question_number() {
        assert_eq!(parse("/why"), Some(Ok(Ask::Why(None))));
        assert_eq!(parse("/why 2"), Some(Ok(Ask::Why(Some(2)))));
        assert_eq!(parse("/model #3"), Some(Ok(Ask::Model(Some(3)))));
        assert_eq!(parse("/retry"), Some(Ok(Ask::Retry)));
        assert_eq!(
            parse("/dispute I did explain the lock"),
            Some(Ok(Ask::Dispute(None, "I did explain the lock".into())))
        );
        assert_eq!(
            parse("/dispute 2 point three is there"),
            Some(Ok(Ask::Dispute(Some(2), "point three is there".into())))
        );
        assert!(matches!(parse("/dispute"), Some(Err(_))));
        assert!(matches!(parse("/why two"), Some(Err(_))));
        assert_eq!(parse("/status"), None);
    }
}
