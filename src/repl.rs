//! The terminal front end over the session engine. Answers span several lines and are submitted
//! by an empty line (blank lines inside a ``` fence belong to the answer). On a terminal it reads
//! through rustyline with a history file; otherwise it reads plain lines, so answers can be piped.

use std::io::{self, BufRead, Write};
use std::path::PathBuf;

use anyhow::Result;
use rustyline::error::ReadlineError;

use crate::render;
use crate::session::{Session, Summary};

/// One read from the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    Line(String),
    /// Ctrl-C.
    Interrupted,
    /// Ctrl-D or end of input.
    Eof,
}

/// Where lines come from: a terminal editor or a plain stream.
pub trait LineSource {
    fn read(&mut self, prompt: &str) -> io::Result<Read>;

    /// Remembers a submitted line in the history, where there is one.
    fn remember(&mut self, _line: &str) {}
}

/// rustyline on a terminal, with a history file that is saved as lines are submitted.
pub struct Terminal {
    editor: rustyline::DefaultEditor,
    history: PathBuf,
}

impl Terminal {
    pub fn new(history: PathBuf) -> Result<Terminal> {
        let mut editor = rustyline::DefaultEditor::new()?;
        // A missing history file is normal on the first run.
        let _ = editor.load_history(&history);
        Ok(Terminal { editor, history })
    }
}

impl LineSource for Terminal {
    fn read(&mut self, prompt: &str) -> io::Result<Read> {
        match self.editor.readline(prompt) {
            Ok(line) => Ok(Read::Line(line)),
            Err(ReadlineError::Interrupted) => Ok(Read::Interrupted),
            Err(ReadlineError::Eof) => Ok(Read::Eof),
            Err(ReadlineError::Io(e)) => Err(e),
            Err(e) => Err(io::Error::other(e)),
        }
    }

    fn remember(&mut self, line: &str) {
        if self.editor.add_history_entry(line).unwrap_or(false) {
            // History is a convenience: failing to save it must not stop the interview.
            let _ = self.editor.append_history(&self.history);
        }
    }
}

/// Plain lines from any reader (a pipe, a file, a test).
pub struct Plain<R: BufRead> {
    reader: R,
}

impl<R: BufRead> Plain<R> {
    pub fn new(reader: R) -> Plain<R> {
        Plain { reader }
    }
}

impl<R: BufRead> LineSource for Plain<R> {
    fn read(&mut self, _prompt: &str) -> io::Result<Read> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Ok(Read::Eof);
        }
        let trimmed = line.trim_end_matches(['\n', '\r']).to_string();
        Ok(Read::Line(trimmed))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Help,
    Skip,
    Hint,
    Repeat,
    Status,
    Quit,
}

/// What the user gave at the answer prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Answer(String),
    /// Input ended in the middle of an answer: grade what was typed, then stop.
    LastAnswer(String),
    Command(Command),
    Unknown(String),
    Eof,
}

pub const HELP: &str = "\
Answer in your own words, as you would say it aloud; an empty line submits.
Blank lines inside a ``` fence stay part of the answer.
  /hint    a hint for the current question
  /repeat  show the question again
  /skip    skip this question
  /status  what viva believes about you: per-topic estimates, weakest topics, reviews due
  /quit    end the session (Ctrl-D too); Ctrl-C clears the answer being typed
  /help    this text
";

fn parse_command(line: &str) -> Input {
    match line.trim() {
        "/help" | "/?" => Input::Command(Command::Help),
        "/skip" => Input::Command(Command::Skip),
        "/hint" => Input::Command(Command::Hint),
        "/repeat" => Input::Command(Command::Repeat),
        "/status" => Input::Command(Command::Status),
        "/quit" | "/exit" | "/q" => Input::Command(Command::Quit),
        other => Input::Unknown(other.to_string()),
    }
}

/// Reads one answer or command. `notice` receives messages for the user (Ctrl-C cleared input).
pub fn read_input(src: &mut dyn LineSource, notice: &mut dyn Write) -> io::Result<Input> {
    let mut lines: Vec<String> = Vec::new();
    let mut in_fence = false;
    loop {
        let prompt = if lines.is_empty() { "> " } else { ". " };
        match src.read(prompt)? {
            Read::Line(line) => {
                if lines.is_empty() && line.trim_start().starts_with('/') {
                    src.remember(line.trim());
                    return Ok(parse_command(&line));
                }
                if line.trim().is_empty() {
                    if lines.is_empty() {
                        continue;
                    }
                    if !in_fence {
                        return Ok(Input::Answer(lines.join("\n")));
                    }
                }
                if line.trim_start().starts_with("```") {
                    in_fence = !in_fence;
                }
                if !line.trim().is_empty() {
                    src.remember(&line);
                }
                lines.push(line);
            }
            Read::Interrupted => {
                if !lines.is_empty() {
                    writeln!(notice, "(answer cleared)")?;
                }
                lines.clear();
                in_fence = false;
            }
            Read::Eof if lines.iter().any(|l| !l.trim().is_empty()) => {
                return Ok(Input::LastAnswer(lines.join("\n")));
            }
            Read::Eof => return Ok(Input::Eof),
        }
    }
}

/// Runs a whole session: asks, reads, grades, and prints the summary at the end.
pub fn run(session: &mut Session, src: &mut dyn LineSource, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "viva mock interview · session {} · /help for commands\n",
        session.id()
    )?;
    'questions: while let Some(asked) = session.ask_next() {
        writeln!(out, "{}", render::question_header(&asked))?;
        out.flush()?;
        loop {
            let input = read_input(src, out)?;
            match input {
                Input::Answer(text) => {
                    answer(session, &text, out)?;
                    continue 'questions;
                }
                Input::LastAnswer(text) => {
                    answer(session, &text, out)?;
                    break 'questions;
                }
                Input::Command(Command::Skip) => {
                    session.skip()?;
                    writeln!(out, "Skipped.\n")?;
                    continue 'questions;
                }
                Input::Command(Command::Hint) => match session.hint() {
                    Some(h) => writeln!(out, "Hint: {h}")?,
                    None => writeln!(out, "No more hints for this question.")?,
                },
                Input::Command(Command::Repeat) => {
                    if let Some(q) = session.current() {
                        writeln!(out, "{}", render::question_text(q))?;
                    }
                }
                Input::Command(Command::Status) => write!(
                    out,
                    "{}",
                    render::status(&session.status(), crate::clock::now_ms())
                )?,
                Input::Command(Command::Help) => write!(out, "{HELP}")?,
                Input::Unknown(cmd) => {
                    writeln!(out, "Unknown command {cmd}. Type /help for the list.")?
                }
                Input::Command(Command::Quit) | Input::Eof => break 'questions,
            }
            out.flush()?;
        }
    }
    Ok(())
}

fn answer(session: &mut Session, text: &str, out: &mut dyn Write) -> Result<()> {
    let answered = session.answer(text)?;
    match (&answered.grade, &answered.error) {
        (Some(g), _) => writeln!(out, "\n{}", render::grade(g))?,
        (None, Some(e)) => writeln!(
            out,
            "\nYour answer is saved, but grading failed: {e}\nRe-grade it later.\n"
        )?,
        (None, None) => {}
    }
    out.flush()?;
    Ok(())
}

/// Prints the end-of-session summary.
pub fn finish(session: Session, out: &mut dyn Write) -> Result<Summary> {
    let summary = session.finish()?;
    writeln!(out, "{}", render::summary(&summary))?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(text: &str) -> Vec<Input> {
        let mut src = Plain::new(text.as_bytes());
        let mut sink = Vec::new();
        let mut got = Vec::new();
        loop {
            let i = read_input(&mut src, &mut sink).unwrap();
            let done = matches!(i, Input::Eof | Input::LastAnswer(_));
            got.push(i);
            if done {
                return got;
            }
        }
    }

    #[test]
    fn an_empty_line_submits_and_leading_blanks_are_ignored() {
        let got = inputs("\n\nfirst line\nsecond line\n\n/skip\n");
        assert_eq!(
            got,
            [
                Input::Answer("first line\nsecond line".into()),
                Input::Command(Command::Skip),
                Input::Eof
            ]
        );
    }

    #[test]
    fn blank_lines_inside_a_fence_do_not_submit() {
        let got = inputs("look:\n```\ndef f():\n\n    return 1\n```\n\n");
        assert_eq!(
            got[0],
            Input::Answer("look:\n```\ndef f():\n\n    return 1\n```".into())
        );
    }

    #[test]
    fn input_ending_mid_answer_keeps_the_answer() {
        let got = inputs("typed but never submitted");
        assert_eq!(got, [Input::LastAnswer("typed but never submitted".into())]);
    }

    #[test]
    fn a_slash_inside_an_answer_is_text() {
        let got = inputs("it uses\n/usr/bin paths\n\n");
        assert_eq!(got[0], Input::Answer("it uses\n/usr/bin paths".into()));
    }

    struct Scripted(Vec<Read>);
    impl LineSource for Scripted {
        fn read(&mut self, _: &str) -> io::Result<Read> {
            Ok(if self.0.is_empty() {
                Read::Eof
            } else {
                self.0.remove(0)
            })
        }
    }

    #[test]
    fn ctrl_c_clears_the_answer_being_typed() {
        let mut src = Scripted(vec![
            Read::Line("wrong start".into()),
            Read::Interrupted,
            Read::Line("right answer".into()),
            Read::Line(String::new()),
        ]);
        let mut notice = Vec::new();
        assert_eq!(
            read_input(&mut src, &mut notice).unwrap(),
            Input::Answer("right answer".into())
        );
        assert_eq!(String::from_utf8(notice).unwrap(), "(answer cleared)\n");
    }
}
