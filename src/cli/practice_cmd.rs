//! `viva` and `viva practice`: an interview session at the terminal or from a pipe.

use std::io::{IsTerminal, Write};

use anyhow::{Context, Result};

use super::{DEFAULT_MINUTES, Env, ModeArg, PracticeArgs};
use crate::bank::Bank;
use crate::error::bad;
use crate::read_aloud::{self, Speaker};
use crate::repl::{self, LineSource, Plain, Terminal};
use crate::session::{Mode, Session, Settings};
use crate::voice::Voice;

pub(super) fn run(ctx: &Env, args: PracticeArgs, out: &mut dyn Write) -> Result<()> {
    let bank = ctx.bank()?;
    let rubrics = ctx.rubrics()?;
    let config = ctx.config()?;
    let speak = args.speak;
    let voice = args.voice;
    let self_check_models = args.self_check;
    let settings = practice_settings(&bank, args, config.follow_ups)?;
    let store = ctx.store()?;
    let (grader, describe) = ctx.grader(&config)?;
    writeln!(out, "viva: {describe}")?;
    let mut options = repl::ReplOptions {
        self_check_models,
        progress: grader.progress(),
        ..repl::ReplOptions::default()
    };
    if speak {
        options.speaker = Speaker::detect();
        match &options.speaker {
            Some(s) => writeln!(
                out,
                "viva: reading questions aloud with {}",
                s.program().display()
            )?,
            None => writeln!(out, "{}", read_aloud::NONE_FOUND)?,
        }
    }
    let voice_config = config.voice.clone();
    let home = ctx.home.root().to_path_buf();
    let setup: repl::VoiceSetup = Box::new(move || Voice::setup(&voice_config, &home));
    if voice {
        match setup() {
            Ok(v) => {
                writeln!(
                    out,
                    "viva: answers by voice, recorded with {} and transcribed by {}; Enter records, Enter stops",
                    v.recorder.program().display(),
                    v.transcriber.describe()
                )?;
                options.voice = Some(v);
            }
            Err(why) => writeln!(out, "{why}")?,
        }
    }
    options.voice_setup = Some(setup);
    let mut session = Session::start(&bank, &rubrics, grader.as_ref(), &store, settings)?;
    let stdin = std::io::stdin();
    let mut source: Box<dyn LineSource> = if stdin.is_terminal() {
        std::fs::create_dir_all(ctx.home.root())
            .with_context(|| format!("cannot create {}", ctx.home.root().display()))?;
        Box::new(Terminal::new(ctx.home.history(), ctx.home.draft())?)
    } else {
        Box::new(Plain::new(stdin.lock()))
    };
    // Whatever happens in the loop, the session is closed and summarised.
    let result = repl::run(&mut session, source.as_mut(), out, &mut options);
    let ended = *result.as_ref().unwrap_or(&repl::Ended::Quit);
    repl::finish(&mut session, source.as_mut(), out, ended, self_check_models)?;
    result.map(|_| ())
}

/// Checks the practice options against the bank, so that a typo in a topic name is an error
/// rather than an empty session.
fn practice_settings(bank: &Bank, args: PracticeArgs, follow_ups: u32) -> Result<Settings> {
    let mode = match (args.mode, args.minutes) {
        (ModeArg::Study, Some(_)) => {
            return Err(bad(
                "--minutes sets the time limit of --mode real; study mode has none",
            ));
        }
        (ModeArg::Study, None) => Mode::Study,
        (ModeArg::Real, minutes) => {
            let minutes = minutes.unwrap_or(DEFAULT_MINUTES);
            if !(minutes.is_finite() && (0.05..=60.0).contains(&minutes)) {
                return Err(bad(format!(
                    "--minutes: {minutes} is not a time limit from 0.05 (3 seconds) to 60"
                )));
            }
            Mode::Real { minutes }
        }
    };
    let filters = super::filters::resolve(
        bank,
        &args.topics,
        args.difficulty.as_deref(),
        args.company.as_deref(),
    )?;
    let available = bank
        .questions()
        .iter()
        .filter(|q| filters.allows(q))
        .count();
    if available == 0 {
        return Err(bad(
            "no question in the bank matches --topic, --difficulty and --company together",
        ));
    }
    Ok(Settings {
        count: args.count as usize,
        filters,
        seed: args.seed.unwrap_or_else(|| crate::clock::now_ms() as u64),
        follow_ups,
        mode,
    })
}
