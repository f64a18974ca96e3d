//! Spoken answers at the prompt (`--voice`, `/voice`): Enter records, Enter stops (Ctrl-C
//! discards the take), the transcript is shown, and Enter submits it, `e` edits it, `r` records
//! again. A failed transcription keeps the audio: try again, type the answer, or keep it for
//! `viva regrade`. Typing a line instead of pressing Enter answers in text as usual.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use super::{Draft, Input, LineSource, Read, ReplOptions, parse_command};
use crate::delivery::clock;
use crate::session::Session;
use crate::term::{DIM, Spinner, paint};
use crate::voice::keys::{Key, Keys};
use crate::voice::{Untranscribed, Voice, analysis, audio_ms, wav};

/// How often the level meter is redrawn.
const TICK: Duration = Duration::from_millis(100);
/// Below this the last stretch of a take is silence, for the silence stop.
const SILENT_DB: f64 = -45.0;

/// How a take ended.
enum Take {
    Recorded(Vec<i16>),
    /// Ctrl-C: dropped.
    Discarded,
    /// The recorder could not record; why.
    Failed(String),
}

/// What the candidate chose at the voice prompt.
pub(super) enum Spoke {
    /// The answer is stored (and graded, unless kept for later): the next question.
    Answered,
    /// Read the rest as usual: a typed answer (its first line in the draft) or a command.
    Input(Input),
}

/// One answer by voice, or what the candidate typed instead.
pub(super) fn answer(
    session: &mut Session,
    src: &mut dyn LineSource,
    out: &mut dyn Write,
    options: &mut ReplOptions,
    tip_shown: &mut bool,
    draft: &mut Draft,
) -> Result<Spoke> {
    loop {
        out.flush()?;
        let line = match src.read("🎤 Enter records (or type your answer) > ")? {
            Read::Line(line) => line,
            Read::Interrupted(_) => continue,
            Read::Eof => return Ok(Spoke::Input(Input::Eof)),
        };
        if !line.trim().is_empty() {
            if line.trim_start().starts_with('/') {
                src.remember(line.trim());
                return Ok(Spoke::Input(parse_command(&line)));
            }
            src.remember(&line);
            draft.lines.push(line);
            return Ok(Spoke::Input(super::read_input_until(
                src, out, None, draft,
            )?));
        }
        let Some(voice) = options.voice.as_ref() else {
            return Ok(Spoke::Input(super::read_input_until(
                src, out, None, draft,
            )?));
        };
        let path = voice.take_path(session.id())?;
        let samples = match record(voice, src, out)? {
            Take::Recorded(samples) => samples,
            Take::Discarded => {
                writeln!(out, "(take discarded)")?;
                continue;
            }
            Take::Failed(why) => {
                writeln!(out, "Recording failed: {why}\nType your answer instead.")?;
                return Ok(Spoke::Input(super::read_input_until(
                    src, out, None, draft,
                )?));
            }
        };
        wav::write(&path, &samples)?;
        match review(session, src, out, options, tip_shown, &path, &samples)? {
            Reviewed::Done(spoke) => return Ok(spoke),
            Reviewed::Again => {
                let _ = std::fs::remove_file(&path);
            }
            Reviewed::Type => {
                return Ok(Spoke::Input(super::read_input_until(
                    src, out, None, draft,
                )?));
            }
        }
    }
}

enum Reviewed {
    Done(Spoke),
    /// Record again (`r`).
    Again,
    /// Type the answer instead (after a failed transcription).
    Type,
}

/// Transcribes the take and lets the candidate submit, edit or redo it.
fn review(
    session: &mut Session,
    src: &mut dyn LineSource,
    out: &mut dyn Write,
    options: &ReplOptions,
    tip_shown: &mut bool,
    path: &Path,
    samples: &[i16],
) -> Result<Reviewed> {
    let Some(voice) = options.voice.as_ref() else {
        return Ok(Reviewed::Type);
    };
    loop {
        let mut spinner = Spinner::start("transcribing…");
        let transcribed = voice.transcribe(path);
        spinner.stop();
        let transcript = match transcribed {
            Ok(t) => t,
            Err(e) => {
                writeln!(
                    out,
                    "Transcription failed: {e}\nYour recording is kept: {}",
                    path.display()
                )?;
                match after_failure(src, out)? {
                    Failure::Retry => continue,
                    Failure::Type => return Ok(Reviewed::Type),
                    Failure::Later { then_quit } => {
                        session.answer_later(&Untranscribed {
                            audio_path: path.display().to_string(),
                            audio_ms: audio_ms(samples),
                        })?;
                        writeln!(
                            out,
                            "{}\n",
                            paint(
                                DIM,
                                "(spoken answer saved; viva regrade --ungraded transcribes and grades it)"
                            )
                        )?;
                        return Ok(Reviewed::Done(if then_quit {
                            Spoke::Input(Input::Eof)
                        } else {
                            Spoke::Answered
                        }));
                    }
                }
            }
        };
        let mut text = transcript.text.clone();
        loop {
            writeln!(out, "Your answer, as heard:")?;
            for l in text.lines() {
                writeln!(out, "  {l}")?;
            }
            out.flush()?;
            match src.read("Enter submits · e edits · r records again > ")? {
                Read::Line(l) if l.trim().is_empty() => break,
                Read::Line(l) if l.trim() == "e" => {
                    if let Read::Line(edited) = src.read_with_initial("edit> ", &text)?
                        && !edited.trim().is_empty()
                    {
                        text = edited;
                    }
                }
                Read::Line(l) if l.trim() == "r" => return Ok(Reviewed::Again),
                Read::Line(_) | Read::Interrupted(_) => writeln!(
                    out,
                    "Enter submits the answer, e edits it, r records again."
                )?,
                // Closing the input submits what was said rather than losing it.
                Read::Eof => {
                    let spoken = voice.spoken(path, samples, &transcript);
                    super::answer_with(
                        session,
                        &text,
                        Some(&spoken),
                        src,
                        out,
                        options,
                        tip_shown,
                    )?;
                    return Ok(Reviewed::Done(Spoke::Input(Input::Eof)));
                }
            }
        }
        let spoken = voice.spoken(path, samples, &transcript);
        super::answer_with(session, &text, Some(&spoken), src, out, options, tip_shown)?;
        return Ok(Reviewed::Done(Spoke::Answered));
    }
}

enum Failure {
    Retry,
    Type,
    Later { then_quit: bool },
}

fn after_failure(src: &mut dyn LineSource, out: &mut dyn Write) -> Result<Failure> {
    loop {
        out.flush()?;
        match src.read("Enter tries again · t types the answer · l keeps it for later > ")? {
            Read::Line(l) if l.trim().is_empty() => return Ok(Failure::Retry),
            Read::Line(l) if l.trim() == "t" => return Ok(Failure::Type),
            Read::Line(l) if l.trim() == "l" => return Ok(Failure::Later { then_quit: false }),
            Read::Eof => return Ok(Failure::Later { then_quit: true }),
            _ => writeln!(
                out,
                "Enter tries the transcription again, t types the answer, l keeps the recording for viva regrade."
            )?,
        }
    }
}

/// Records one take: from the terminal's keys with a level meter, or, when input is not a
/// terminal, until the next line.
fn record(voice: &Voice, src: &mut dyn LineSource, out: &mut dyn Write) -> Result<Take> {
    let mut capture = match voice.recorder.start() {
        Ok(c) => c,
        Err(e) => return Ok(Take::Failed(format!("{e:#}"))),
    };
    if !src.is_terminal() {
        return Ok(match src.read("recording · Enter stops > ")? {
            Read::Interrupted(_) => {
                capture.discard();
                Take::Discarded
            }
            Read::Line(_) | Read::Eof => stopped(capture.stop()),
        });
    }
    out.flush()?;
    let mut keys = match Keys::take() {
        Ok(k) => k,
        Err(e) => {
            capture.discard();
            return Ok(Take::Failed(format!(
                "cannot read keys from the terminal: {e}"
            )));
        }
    };
    let mut err = std::io::stderr();
    let mut heard = false;
    let mut drawn = 0;
    let take = loop {
        match keys.next(TICK)? {
            Some(Key::Enter | Key::End) => break stopped(capture.stop()),
            Some(Key::Interrupt) => {
                capture.discard();
                break Take::Discarded;
            }
            Some(Key::Other) | None => {}
        }
        if let Some(why) = capture.failed() {
            break match capture.stop() {
                Ok(samples) => Take::Recorded(samples),
                Err(_) => Take::Failed(why),
            };
        }
        let secs = capture.seconds();
        let level = analysis::level_db(&capture.tail(0.1));
        heard |= level > SILENT_DB;
        if let Some(quiet) = voice.silence_stop
            && heard
            && secs > quiet.as_secs_f64()
            && loudest(&capture.tail(quiet.as_secs_f64())) < SILENT_DB
        {
            break stopped(capture.stop());
        }
        // Our own line, redrawn in place: the only output while recording.
        let line = format!(
            "● {} {}  Enter stops · Ctrl-C discards ",
            clock(secs),
            meter(level)
        );
        drawn = line.chars().count();
        let _ = write!(err, "\r{line}");
        let _ = err.flush();
    };
    drop(keys);
    let _ = write!(err, "\r{}\r", " ".repeat(drawn));
    let _ = err.flush();
    if let Take::Recorded(samples) = &take {
        writeln!(
            out,
            "{}",
            paint(
                DIM,
                &format!("(recorded {})", clock(samples.len() as f64 / 16_000.0))
            )
        )?;
    }
    Ok(take)
}

fn stopped(result: Result<Vec<i16>>) -> Take {
    match result {
        Ok(samples) => Take::Recorded(samples),
        Err(e) => Take::Failed(format!("{e:#}")),
    }
}

/// The loudest 20 ms of `samples`, in dB.
fn loudest(samples: &[i16]) -> f64 {
    samples
        .chunks(320)
        .map(analysis::level_db)
        .fold(-100.0, f64::max)
}

/// Ten bars from -60 dB to 0.
fn meter(db: f64) -> String {
    let lit = (((db + 60.0) / 6.0).clamp(0.0, 10.0)) as usize;
    format!("{}{}", "▮".repeat(lit), "▯".repeat(10 - lit))
}

/// `/voice`: turns spoken answers on (setting them up the first time) or off.
pub(super) fn toggle(options: &mut ReplOptions, out: &mut dyn Write) -> Result<()> {
    if options.voice.is_some() {
        options.voice = None;
        writeln!(
            out,
            "Voice off: answers are typed. /voice turns it on again."
        )?;
        return Ok(());
    }
    let Some(setup) = options.voice_setup.as_ref() else {
        writeln!(out, "Voice input is not available here.")?;
        return Ok(());
    };
    match setup() {
        Ok(voice) => {
            writeln!(
                out,
                "Voice on: recording with {}, transcribing with {}. /voice types again.",
                voice.recorder.program().display(),
                voice.transcriber.describe()
            )?;
            options.voice = Some(voice);
        }
        Err(why) => writeln!(out, "{why}")?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meter_spans_sixty_decibels() {
        assert_eq!(meter(-100.0), "▯".repeat(10));
        assert_eq!(meter(0.0), "▮".repeat(10));
        assert_eq!(meter(-30.0), format!("{}{}", "▮".repeat(5), "▯".repeat(5)));
    }
}
