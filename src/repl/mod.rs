//! The terminal front end over the session engine. Answers span several lines and are submitted
//! by an empty line (blank lines inside a ``` fence belong to the answer). On a terminal it reads
//! through rustyline with a history file; otherwise it reads plain lines, so answers can be piped.
//! Questions about a grade (`/why`, `/model`, `/retry`, `/dispute`) live in `dialogue`; the
//! real-mode time limit in `timer`; the answer saved when viva is closed in `closing`.

mod closing;
mod dialogue;
mod self_check;
mod timer;
mod voice;

use std::io::{self, BufRead, Write};
use std::path::PathBuf;

use anyhow::Result;
use rustyline::ExternalPrinter as _;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;

pub use closing::Unsent;
pub use dialogue::Ask;
pub use timer::Notify;

use crate::bank::Question;
use crate::clock::now_ms;
use crate::delivery::clock;
use crate::grade::Progress;
use crate::read_aloud::Speaker;
use crate::render;
use crate::session::{Asked, Scorecard, Session};
use crate::term::{DIM, Spinner, paint};

/// One read from the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    Line(String),
    /// Ctrl-C, with the text it cleared from the line being edited.
    Interrupted(String),
    /// Ctrl-D or end of input.
    Eof,
}

/// Where lines come from: a terminal editor or a plain stream.
pub trait LineSource {
    fn read(&mut self, prompt: &str) -> io::Result<Read>;

    /// As `read`, with `initial` already typed on the line where it can be edited.
    fn read_with_initial(&mut self, prompt: &str, initial: &str) -> io::Result<Read> {
        let _ = initial;
        self.read(prompt)
    }

    /// Someone is typing at a terminal (not a pipe): questions only they could answer, like
    /// the self-check, are asked.
    fn is_terminal(&self) -> bool {
        false
    }

    /// Remembers a submitted line in the history, where there is one.
    fn remember(&mut self, _line: &str) {}

    /// A way to print above the line being typed (the timer's warnings); None on a plain
    /// stream, where nothing can be shown until the next line is read.
    fn notifier(&mut self) -> Option<Notify> {
        None
    }

    /// The question now asked, whose answer is saved if viva is closed while it is typed.
    fn asking(&mut self, _question: &Question) {}

    /// The answer's lines so far while one is being read, None between answers: what is saved
    /// (with the line being edited) if viva is closed.
    fn typing(&mut self, _answer: Option<&[String]>) {}

    /// The answer a closed viva left unsent, where drafts are kept.
    fn unsent(&mut self) -> Option<Unsent> {
        None
    }

    /// Forgets the unsent answer once it is restored or discarded.
    fn forget_unsent(&mut self) {}
}

/// Sees the line being edited at every keystroke (rustyline asks its hinter for a hint each
/// time), so that Ctrl-C and a closed terminal know what was on it. It never hints.
struct LineTap(closing::Shared);

impl rustyline::hint::Hinter for LineTap {
    type Hint = String;

    fn hint(&self, line: &str, _pos: usize, _ctx: &rustyline::Context<'_>) -> Option<String> {
        closing::lock(&self.0).line = line.to_string();
        None
    }
}

impl rustyline::completion::Completer for LineTap {
    type Candidate = String;
}
impl rustyline::highlight::Highlighter for LineTap {}
impl rustyline::validate::Validator for LineTap {}
impl rustyline::Helper for LineTap {}

/// rustyline on a terminal, with a history file that is saved as lines are submitted, and the
/// answer being typed saved to `draft` if viva is closed (SIGHUP or SIGTERM).
pub struct Terminal {
    editor: rustyline::Editor<LineTap, FileHistory>,
    history: PathBuf,
    draft: PathBuf,
    typing: closing::Shared,
}

impl Terminal {
    pub fn new(history: PathBuf, draft: PathBuf) -> Result<Terminal> {
        let mut editor = rustyline::Editor::new()?;
        // A missing history file is normal on the first run.
        let _ = editor.load_history(&history);
        let typing = closing::Shared::default();
        editor.set_helper(Some(LineTap(typing.clone())));
        closing::watch(typing.clone(), draft.clone())?;
        Ok(Terminal {
            editor,
            history,
            draft,
            typing,
        })
    }

    /// One read; a Ctrl-C says what it cleared from the line.
    fn edit(
        &mut self,
        readline: impl FnOnce(&mut rustyline::Editor<LineTap, FileHistory>) -> rustyline::Result<String>,
    ) -> io::Result<Read> {
        let read = readline(&mut self.editor);
        let line = std::mem::take(&mut closing::lock(&self.typing).line);
        match read {
            Err(ReadlineError::Interrupted) => Ok(Read::Interrupted(line)),
            other => read_result(other),
        }
    }
}

fn read_result(read: rustyline::Result<String>) -> io::Result<Read> {
    match read {
        Ok(line) => Ok(Read::Line(line)),
        Err(ReadlineError::Interrupted) => Ok(Read::Interrupted(String::new())),
        Err(ReadlineError::Eof) => Ok(Read::Eof),
        Err(ReadlineError::Io(e)) => Err(e),
        Err(e) => Err(io::Error::other(e)),
    }
}

impl LineSource for Terminal {
    fn read(&mut self, prompt: &str) -> io::Result<Read> {
        self.edit(|editor| editor.readline(prompt))
    }

    fn read_with_initial(&mut self, prompt: &str, initial: &str) -> io::Result<Read> {
        self.edit(|editor| editor.readline_with_initial(prompt, (initial, "")))
    }

    fn is_terminal(&self) -> bool {
        true
    }

    fn remember(&mut self, line: &str) {
        if self.editor.add_history_entry(line).unwrap_or(false) {
            // History is a convenience: failing to save it must not stop the interview.
            let _ = self.editor.append_history(&self.history);
        }
    }

    fn notifier(&mut self) -> Option<Notify> {
        let mut printer = self.editor.create_external_printer().ok()?;
        Some(Box::new(move |msg| {
            let _ = printer.print(msg);
        }))
    }

    fn asking(&mut self, question: &Question) {
        closing::lock(&self.typing).question = Some((question.id.clone(), question.prompt.clone()));
    }

    fn typing(&mut self, answer: Option<&[String]>) {
        let mut typing = closing::lock(&self.typing);
        typing.answer = answer.map(<[String]>::to_vec);
        typing.line.clear();
    }

    fn unsent(&mut self) -> Option<Unsent> {
        closing::load(&self.draft)
    }

    fn forget_unsent(&mut self) {
        closing::remove(&self.draft);
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
    /// Spoken answers on or off.
    Voice,
}

/// What the user gave at the answer prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Answer(String),
    /// Input ended in the middle of an answer: grade what was typed, then stop.
    LastAnswer(String),
    Command(Command),
    /// A question about a grade (`dialogue`).
    Dialogue(Ask),
    /// One of our commands used wrongly: its usage.
    Usage(String),
    /// A line came after the time limit: the answer as it stands (maybe empty).
    TimeUp(String),
    Unknown(String),
    Eof,
}

/// An answer being typed: its lines so far, and the answer a Ctrl-C last cleared, which
/// `/undo` brings back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    lines: Vec<String>,
    cleared: Vec<String>,
}

/// Whether a ``` fence is open after `lines`: blank lines and command words inside one are
/// part of the answer.
fn fence_open(lines: &[String]) -> bool {
    lines
        .iter()
        .filter(|l| l.trim_start().starts_with("```"))
        .count()
        % 2
        == 1
}

pub const HELP: &str = "\
Answer in your own words, as you would say it aloud; an empty line submits.
Blank lines inside a ``` fence stay part of the answer.
  /hint              a hint for the current question (study mode; each costs points)
  /repeat            show the question again
  /skip              skip this question
  /status            what viva believes about you: per-topic estimates, weakest topics, reviews due
  /quit              end the session (Ctrl-D too)
  /voice             speak your answers (Enter records, Enter stops), or type them again
  /undo              bring back the answer Ctrl-C cleared
Ctrl-C clears the line being typed; on an empty line, the whole answer.
  /help              this text
/hint, /repeat, /status and /help work in the middle of an answer too; /quit submits it first.
";

fn parse_command(line: &str) -> Input {
    match line.trim() {
        "/help" | "/?" => Input::Command(Command::Help),
        "/skip" => Input::Command(Command::Skip),
        "/hint" => Input::Command(Command::Hint),
        "/repeat" => Input::Command(Command::Repeat),
        "/status" => Input::Command(Command::Status),
        "/voice" => Input::Command(Command::Voice),
        "/quit" | "/exit" | "/q" => Input::Command(Command::Quit),
        other => match dialogue::parse(other) {
            Some(Ok(ask)) => Input::Dialogue(ask),
            Some(Err(usage)) => Input::Usage(usage),
            None => Input::Unknown(other.to_string()),
        },
    }
}

/// Reads one answer or command. `notice` receives messages for the user (Ctrl-C cleared input).
/// With a deadline (Unix ms) the prompt shows the time left, and the first
/// line submitted after it ends the answer. Reading goes on from `draft`; a command typed in the
/// middle of an answer that leaves it open (/hint, /repeat, /status, /help) is returned with the
/// answer so far kept in `draft`, and anything else leaves `draft` empty.
pub fn read_input_until(
    src: &mut dyn LineSource,
    notice: &mut dyn Write,
    deadline: Option<i64>,
    draft: &mut Draft,
) -> io::Result<Input> {
    let input = read_input(src, notice, deadline, draft);
    // An answer set aside by a command is still unsent; a submitted one is stored.
    src.typing((!draft.lines.is_empty()).then_some(&draft.lines));
    input
}

fn read_input(
    src: &mut dyn LineSource,
    notice: &mut dyn Write,
    deadline: Option<i64>,
    draft: &mut Draft,
) -> io::Result<Input> {
    let Draft {
        mut lines,
        mut cleared,
    } = std::mem::take(draft);
    loop {
        src.typing(Some(&lines));
        let base = if lines.is_empty() { "> " } else { ". " };
        let in_fence = fence_open(&lines);
        match src.read(&timer::prompt(base, deadline))? {
            Read::Line(line) if !in_fence && line.trim() == "/undo" => {
                src.remember("/undo");
                undo(&mut lines, &mut cleared, notice)?;
            }
            Read::Line(line) => {
                if lines.is_empty() && line.trim_start().starts_with('/') {
                    src.remember(line.trim());
                    return Ok(parse_command(&line));
                }
                // Mid-answer, only a command word alone on its line is a command (a path like
                // /usr/bin is text), and never inside a code fence. None of them drops the
                // draft: /quit submits it, as the end of input does.
                if !in_fence && let Input::Command(command) = parse_command(&line) {
                    src.remember(line.trim());
                    match command {
                        Command::Quit => return Ok(Input::LastAnswer(lines.join("\n"))),
                        Command::Skip => writeln!(
                            notice,
                            "(an answer is being typed: an empty line submits it, Ctrl-C clears it)"
                        )?,
                        _ => {
                            *draft = Draft { lines, cleared };
                            return Ok(Input::Command(command));
                        }
                    }
                    continue;
                }
                if deadline.is_some_and(|d| now_ms() >= d) {
                    if !line.trim().is_empty() {
                        src.remember(&line);
                        lines.push(line);
                    }
                    return Ok(Input::TimeUp(lines.join("\n")));
                }
                if line.trim().is_empty() {
                    if lines.is_empty() {
                        continue;
                    }
                    if !in_fence {
                        return Ok(Input::Answer(lines.join("\n")));
                    }
                }
                if !line.trim().is_empty() {
                    src.remember(&line);
                }
                lines.push(line);
            }
            Read::Interrupted(line) if !line.trim().is_empty() && !lines.is_empty() => writeln!(
                notice,
                "(line cleared: Ctrl-C again clears the whole answer)"
            )?,
            Read::Interrupted(_) => {
                if lines.iter().any(|l| !l.trim().is_empty()) {
                    writeln!(notice, "(answer cleared: /undo brings it back)")?;
                    cleared = std::mem::take(&mut lines);
                }
                lines.clear();
            }
            Read::Eof if lines.iter().any(|l| !l.trim().is_empty()) => {
                return Ok(Input::LastAnswer(lines.join("\n")));
            }
            Read::Eof => return Ok(Input::Eof),
        }
    }
}

/// `/undo`: the answer Ctrl-C cleared comes back, before anything typed since, and is shown.
fn undo(
    lines: &mut Vec<String>,
    cleared: &mut Vec<String>,
    notice: &mut dyn Write,
) -> io::Result<()> {
    if cleared.is_empty() {
        return writeln!(notice, "(nothing to undo)");
    }
    let typed_since = std::mem::replace(lines, std::mem::take(cleared));
    lines.extend(typed_since);
    writeln!(notice, "(answer restored:)")?;
    show_lines(lines, notice)
}

/// An answer's lines as they go on being typed: indented, so they read as quoted.
fn show_lines(lines: &[String], out: &mut dyn Write) -> io::Result<()> {
    lines.iter().try_for_each(|l| writeln!(out, "  {l}"))
}

/// What the front end does besides reading and printing.
#[derive(Default)]
pub struct ReplOptions {
    /// Reads questions aloud (`--speak`).
    pub speaker: Option<Speaker>,
    /// Offers the self-check after a model's grade too, not only after an offline one
    /// (`--self-check`).
    pub self_check_models: bool,
    /// Spoken answers, while on (`--voice`, `/voice`).
    pub voice: Option<crate::voice::Voice>,
    /// Sets voice up when `/voice` first turns it on.
    pub voice_setup: Option<VoiceSetup>,
    /// The grader's token count, shown while a model grades.
    pub progress: Option<Progress>,
}

/// A spinner's label: `what`, then the tokens the model has sent since it started (when there
/// is a count) and the seconds waited.
pub(crate) fn progress_label(
    what: &'static str,
    progress: Option<Progress>,
) -> impl Fn() -> String + Send + 'static {
    let started = std::time::Instant::now();
    let base = progress.as_ref().map_or(0, Progress::tokens);
    move || {
        let secs = started.elapsed().as_secs();
        let tokens = progress.as_ref().map_or(0, |p| p.tokens() - base);
        match (tokens, secs) {
            (0, 0) => what.to_string(),
            (0, s) => format!("{what} {s} s"),
            (n, s) => format!("{what} {n} tokens · {s} s"),
        }
    }
}

/// Sets up voice input, or says why it cannot be.
pub type VoiceSetup = Box<dyn Fn() -> Result<crate::voice::Voice, String>>;

/// How the question loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every question was asked.
    Complete,
    /// `/quit`, Ctrl-D or the end of input.
    Quit,
}

fn intro(session: &Session) -> String {
    match session.mode().time_limit_ms() {
        None => format!(
            "viva mock interview · session {} · study mode · /help for commands\n",
            session.id()
        ),
        Some(limit) => format!(
            "viva mock interview · session {} · real mode: {} per question, no hints, feedback at the end · /help for commands\n",
            session.id(),
            clock(limit as f64 / 1000.0)
        ),
    }
}

/// Runs the questions of a session: asks, reads, grades, and answers questions about grades.
pub fn run(
    session: &mut Session,
    src: &mut dyn LineSource,
    out: &mut dyn Write,
    options: &mut ReplOptions,
) -> Result<Ended> {
    writeln!(out, "{}", intro(session))?;
    let limit = session.mode().time_limit_ms();
    let (mut next, mut resumed) = offer_unsent(session, src, out)?.unzip();
    let mut tip_shown = false;
    'questions: loop {
        let asked = match next.take() {
            Some(asked) => Some(asked),
            None => session.ask_next()?,
        };
        let Some(asked) = asked else {
            // Study mode: a last chance to ask about the last answer before the summary.
            if !session.mode().is_real()
                && !session.attempts().is_empty()
                && let Some(retry) = wrap_up(session, src, out)?
            {
                next = Some(retry);
                continue;
            }
            return Ok(Ended::Complete);
        };
        if limit.is_some() {
            // Why a question was picked ("weakest: concurrency (38)") would leak the feedback
            // a real interview holds back.
            let shown = Asked {
                reason: String::new(),
                ..asked.clone()
            };
            writeln!(out, "{}", render::question_header(&shown))?;
        } else {
            writeln!(out, "{}", render::question_header(&asked))?;
        }
        if let Some(limit) = limit {
            writeln!(
                out,
                "{}",
                paint(
                    DIM,
                    &format!("⏱ {} to answer", clock(limit as f64 / 1000.0))
                )
            )?;
        }
        out.flush()?;
        src.asking(&asked.question);
        if let Some(speaker) = options.speaker.as_mut()
            && let Err(e) = speaker.say(&asked.question.prompt)
        {
            writeln!(out, "--speak: {e}")?;
        }
        let deadline = limit.map(|l| session.current_asked_at().unwrap_or_else(now_ms) + l);
        let notifier = deadline.and_then(|_| src.notifier());
        let live = notifier.is_some();
        let mut timer =
            deadline.map(|d| timer::Timer::start(d, limit.unwrap_or_default(), notifier));
        // An answer interrupted by /hint, /repeat, /status or /help goes on after it.
        let mut draft = resumed.take().unwrap_or_default();
        loop {
            if !draft.lines.is_empty() {
                writeln!(
                    out,
                    "{}",
                    paint(
                        DIM,
                        "(your answer so far is kept: go on, or an empty line submits it)"
                    )
                )?;
            }
            let input = if options.voice.is_some() && draft.lines.is_empty() {
                match voice::answer(session, src, out, options, &mut tip_shown, &mut draft)? {
                    voice::Spoke::Answered => {
                        timer.take();
                        continue 'questions;
                    }
                    voice::Spoke::Input(input) => input,
                }
            } else {
                read_input_until(src, out, deadline, &mut draft)?
            };
            if matches!(
                input,
                Input::Answer(_)
                    | Input::LastAnswer(_)
                    | Input::TimeUp(_)
                    | Input::Command(Command::Skip)
            ) {
                // The question is over: no warning may print into the grading that follows.
                timer.take();
            }
            match input {
                Input::Answer(text) => {
                    answer(session, &text, src, out, options, &mut tip_shown)?;
                    continue 'questions;
                }
                Input::LastAnswer(text) => {
                    answer(session, &text, src, out, options, &mut tip_shown)?;
                    return Ok(Ended::Quit);
                }
                Input::TimeUp(text) => {
                    if !live {
                        writeln!(out, "Time is up.")?;
                    }
                    if text.trim().is_empty() {
                        session.skip()?;
                        writeln!(out, "Nothing was said in time: skipped.\n")?;
                    } else {
                        answer(session, &text, src, out, options, &mut tip_shown)?;
                    }
                    continue 'questions;
                }
                Input::Command(Command::Skip) => {
                    session.skip()?;
                    writeln!(out, "Skipped.\n")?;
                    continue 'questions;
                }
                Input::Command(Command::Hint) if session.mode().is_real() => {
                    writeln!(out, "No hints in a real interview.")?
                }
                Input::Command(Command::Hint) => match session.hint() {
                    Some(h) => writeln!(
                        out,
                        "Hint {}/{}: {} {}",
                        h.level,
                        h.of,
                        h.text,
                        paint(DIM, &format!("(−{} points)", h.cost))
                    )?,
                    None if session.hints_used() == 0 => {
                        writeln!(out, "This question has no hints.")?
                    }
                    None => writeln!(out, "No more hints for this question.")?,
                },
                Input::Command(Command::Repeat) => {
                    if let Some(q) = session.current() {
                        writeln!(out, "{}", render::question_text(q))?;
                    }
                }
                Input::Command(Command::Help) => write!(out, "{HELP}{}", dialogue::HELP)?,
                Input::Command(Command::Voice) => voice::toggle(options, out)?,
                Input::Dialogue(ask) => {
                    if let Some(retry) =
                        dialogue::handle(ask, session, out, dialogue::Phase::Interview)?
                    {
                        next = Some(retry);
                        continue 'questions;
                    }
                }
                Input::Usage(usage) => writeln!(out, "{usage}")?,
                Input::Command(Command::Status) => write!(
                    out,
                    "{}",
                    render::status(&session.status(), crate::clock::now_ms())
                )?,
                Input::Unknown(cmd) => {
                    writeln!(out, "Unknown command {cmd}. Type /help for the list.")?
                }
                Input::Command(Command::Quit) | Input::Eof => return Ok(Ended::Quit),
            }
            out.flush()?;
        }
    }
}

/// Offers back the answer a closed viva left unsent. Enter restores it: its question is asked
/// first and the answer goes on from where it was. `/discard` drops it; Ctrl-D leaves it for
/// the next start.
fn offer_unsent(
    session: &mut Session,
    src: &mut dyn LineSource,
    out: &mut dyn Write,
) -> Result<Option<(Asked, Draft)>> {
    let Some(unsent) = src.unsent() else {
        return Ok(None);
    };
    let question = unsent.prompt.lines().next().unwrap_or_default();
    writeln!(
        out,
        "You were answering \"{question}\" when viva was closed:"
    )?;
    show_lines(&unsent.lines, out)?;
    writeln!(out, "Enter to restore, or /discard")?;
    loop {
        out.flush()?;
        match src.read("> ")? {
            Read::Line(line) if line.trim().is_empty() => break,
            Read::Line(line) if line.trim() == "/discard" => {
                src.forget_unsent();
                writeln!(out, "(discarded)\n")?;
                return Ok(None);
            }
            Read::Line(_) => writeln!(out, "Enter restores that answer; /discard drops it.")?,
            Read::Interrupted(_) | Read::Eof => return Ok(None),
        }
    }
    src.forget_unsent();
    let Some(asked) = session.resume(&unsent.question, &unsent.prompt) else {
        writeln!(
            out,
            "(its question is no longer in the bank; the answer is above)\n"
        )?;
        return Ok(None);
    };
    let draft = Draft {
        lines: unsent.lines,
        cleared: Vec::new(),
    };
    Ok(Some((asked, draft)))
}

/// After the last question of a study session: questions about the last answer, until an
/// empty line. Returns the question to ask again on `/retry`.
fn wrap_up(
    session: &mut Session,
    src: &mut dyn LineSource,
    out: &mut dyn Write,
) -> Result<Option<Asked>> {
    writeln!(
        out,
        "That was the last question. Ask about your last answer (/why, /model, /retry, /dispute TEXT), or press Enter for the summary."
    )?;
    loop {
        out.flush()?;
        let line = match src.read("> ")? {
            Read::Line(line) => line,
            Read::Interrupted(_) | Read::Eof => return Ok(None),
        };
        let line = line.trim();
        if line.is_empty() {
            return Ok(None);
        }
        src.remember(line);
        match parse_command(line) {
            Input::Dialogue(ask) => {
                if let Some(retry) =
                    dialogue::handle(ask, session, out, dialogue::Phase::Interview)?
                {
                    return Ok(Some(retry));
                }
            }
            Input::Usage(usage) => writeln!(out, "{usage}")?,
            Input::Command(Command::Quit) => return Ok(None),
            _ => writeln!(
                out,
                "Press Enter for the summary, or ask with /why, /model, /retry or /dispute TEXT."
            )?,
        }
    }
}

fn answer(
    session: &mut Session,
    text: &str,
    src: &mut dyn LineSource,
    out: &mut dyn Write,
    options: &ReplOptions,
    tip_shown: &mut bool,
) -> Result<()> {
    answer_with(session, text, None, src, out, options, tip_shown)
}

/// Stores, grades and shows one answer, typed or (with `spoken`) transcribed.
fn answer_with(
    session: &mut Session,
    text: &str,
    spoken: Option<&crate::voice::Spoken>,
    src: &mut dyn LineSource,
    out: &mut dyn Write,
    options: &ReplOptions,
    tip_shown: &mut bool,
) -> Result<()> {
    if spoken.is_none() && !src.is_terminal() {
        // Piped answers are not echoed by a terminal: show which answer went to which question.
        writeln!(out, "{}", render::piped_answer(text))?;
    }
    let real = session.mode().is_real();
    let mut spinner = Spinner::start_with(progress_label("grading…", options.progress.clone()));
    // The grader's reasoning is shown as it streams in, so a slow model is visibly working;
    // in real mode it is feedback, and held back. Between lines of it, and while the model
    // writes the verdict after it, the spinner counts tokens and seconds.
    let mut streamed = false;
    let mut line_open = false;
    let mut on_text = |chunk: &str| {
        if real {
            return;
        }
        spinner.pause();
        if !streamed {
            let _ = write!(out, "\nGrader: ");
            streamed = true;
        }
        let _ = write!(out, "{chunk}");
        let _ = out.flush();
        line_open = !chunk.ends_with('\n');
        if !line_open {
            spinner.resume();
        }
    };
    let answered = match spoken {
        Some(spoken) => session.answer_spoken(text, spoken, &mut on_text)?,
        None => session.answer(text, &mut on_text)?,
    };
    spinner.stop();
    if line_open {
        writeln!(out)?;
    }
    if real {
        let over = session
            .attempts()
            .last()
            .and_then(|a| a.over_ms)
            .map_or(String::new(), |o| {
                format!(", {} over the time limit", clock(o as f64 / 1000.0))
            });
        let saved = match (&answered.error, &answered.practice) {
            (Some(_), _) => "answer saved, but grading failed; it can be re-graded",
            (None, Some(_)) => "answer saved as practice, not scored",
            (None, None) => "answer saved · feedback at the end",
        };
        writeln!(out, "{}\n", paint(DIM, &format!("({saved}{over})")))?;
        return Ok(out.flush()?);
    }
    match (&answered.grade, &answered.error) {
        (Some(g), _) => writeln!(out, "\n{}", render::grade(g))?,
        (None, Some(e)) => writeln!(
            out,
            "\nYour answer is saved, but grading failed: {e}\nRe-grade it later.\n"
        )?,
        (None, None) => {
            if let Some(why) = &answered.practice {
                writeln!(
                    out,
                    "\n{}\n",
                    paint(DIM, &format!("Saved, not scored: {why}."))
                )?;
            }
        }
    }
    let block = render::delivery::block(&answered.delivery);
    if !block.is_empty() {
        writeln!(out, "{block}")?;
    }
    if !*tip_shown && answered.grade.is_some() {
        writeln!(
            out,
            "{}\n",
            paint(
                DIM,
                "About this grade: /why explains it · /model shows a model answer · /retry answers again · /dispute TEXT objects"
            )
        )?;
        *tip_shown = true;
    }
    if let Some(g) = &answered.grade
        && self_check::offered(g, src, options.self_check_models)
        && let Some(attempt) = session.attempts().last().cloned()
    {
        self_check::ask(session, &attempt, src, out)?;
    }
    out.flush()?;
    Ok(())
}

/// Closes the session and prints the summary; in real mode, first the debrief of every answer
/// and the self-check of each grade, and then (when the interview ran to its end) questions
/// about the grades until an empty line.
pub fn finish(
    session: &mut Session,
    src: &mut dyn LineSource,
    out: &mut dyn Write,
    ended: Ended,
    self_check_models: bool,
) -> Result<Scorecard> {
    if !session.mode().is_real() {
        let summary = session.finish()?;
        writeln!(out, "{}", render::summary(&summary))?;
        return Ok(summary);
    }
    let limit = session.mode().time_limit_ms();
    writeln!(
        out,
        "{}",
        render::debrief::debrief(session.attempts(), limit)
    )?;
    // The feedback held back is out: each grade can be checked now, before the summary.
    let to_check: Vec<_> = session
        .attempts()
        .iter()
        .filter(|a| {
            a.grade
                .as_ref()
                .is_some_and(|g| self_check::offered(g, src, self_check_models))
        })
        .cloned()
        .collect();
    for attempt in &to_check {
        writeln!(out, "{}", render::dialogue::check_heading(attempt))?;
        self_check::ask(session, attempt, src, out)?;
    }
    let summary = session.finish()?;
    writeln!(out, "{}", render::summary(&summary))?;
    if ended == Ended::Complete && !session.attempts().is_empty() {
        writeln!(
            out,
            "Questions about a grade? /why N, /model N, /dispute N TEXT. An empty line ends."
        )?;
        loop {
            out.flush()?;
            let line = match src.read("> ")? {
                Read::Line(line) => line,
                Read::Interrupted(_) | Read::Eof => break,
            };
            let line = line.trim();
            if line.is_empty() {
                break;
            }
            src.remember(line);
            match parse_command(line) {
                Input::Dialogue(ask) => {
                    dialogue::handle(ask, session, out, dialogue::Phase::Debrief)?;
                }
                Input::Usage(usage) => writeln!(out, "{usage}")?,
                Input::Command(Command::Quit) => break,
                _ => writeln!(
                    out,
                    "Ask with /why N, /model N or /dispute N TEXT; an empty line ends."
                )?,
            }
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every input of `text`, read as the question loop reads them (a draft kept across an
    /// aside command).
    fn inputs(text: &str) -> Vec<Input> {
        let mut src = Plain::new(text.as_bytes());
        let mut sink = Vec::new();
        let mut got = Vec::new();
        let mut draft = Draft::default();
        loop {
            let i = read_input_until(&mut src, &mut sink, None, &mut draft).unwrap();
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

    #[test]
    fn a_command_in_the_middle_of_an_answer_keeps_what_was_typed() {
        // /hint is done and the answer goes on; /skip is refused; /quit submits.
        let got = inputs("first part\n/hint\n/skip\nsecond part\n\nagain\n/quit\n");
        assert_eq!(
            got,
            [
                Input::Command(Command::Hint),
                Input::Answer("first part\nsecond part".into()),
                Input::LastAnswer("again".into()),
            ]
        );
        let mut src = Plain::new("typed\n/skip\n\n".as_bytes());
        let mut notice = Vec::new();
        assert_eq!(
            read_input_until(&mut src, &mut notice, None, &mut Draft::default()).unwrap(),
            Input::Answer("typed".into())
        );
        assert!(
            String::from_utf8(notice)
                .unwrap()
                .contains("an empty line submits it")
        );
    }

    #[test]
    fn a_command_word_inside_a_code_fence_is_text() {
        let got = inputs("see\n```\n/status\n```\n\n");
        assert_eq!(got[0], Input::Answer("see\n```\n/status\n```".into()));
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
            Read::Interrupted(String::new()),
            Read::Line("right answer".into()),
            Read::Line(String::new()),
        ]);
        let mut notice = Vec::new();
        assert_eq!(
            read_input_until(&mut src, &mut notice, None, &mut Draft::default()).unwrap(),
            Input::Answer("right answer".into())
        );
        assert_eq!(
            String::from_utf8(notice).unwrap(),
            "(answer cleared: /undo brings it back)\n"
        );
    }

    #[test]
    fn ctrl_c_clears_the_line_then_the_answer_and_undo_brings_it_back() {
        let mut src = Scripted(vec![
            Read::Line("kept".into()),
            Read::Interrupted("half a line".into()),
            Read::Interrupted(String::new()),
            Read::Line("/undo".into()),
            Read::Line("more".into()),
            Read::Line(String::new()),
        ]);
        let mut notice = Vec::new();
        assert_eq!(
            read_input_until(&mut src, &mut notice, None, &mut Draft::default()).unwrap(),
            Input::Answer("kept\nmore".into())
        );
        let notice = String::from_utf8(notice).unwrap();
        assert!(notice.starts_with("(line cleared"), "{notice}");
        assert!(notice.contains("(answer restored:)\n  kept\n"), "{notice}");
    }
}
