//! `viva review list|show|search`, `viva report` and `viva export`: argument handling over the
//! `review` module.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::{ArgGroup, Args, Subcommand, ValueEnum};

use crate::bank::Bank;
use crate::render::plural;
use crate::review::{self, export, report};
use crate::store::{SessionFilter, Store};

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// List past sessions, newest first.
    List {
        /// Only sessions that asked a question of this topic
        #[arg(long, short = 't')]
        topic: Option<String>,
        /// Only sessions started on or after this day (YYYY-MM-DD, UTC)
        #[arg(long, value_name = "DATE", value_parser = super::date_arg)]
        since: Option<i64>,
        /// Print the sessions as JSON
        #[arg(long)]
        json: bool,
    },
    /// Show one session's graded transcript.
    Show {
        /// The session to show (see: viva review list)
        id: i64,
        /// Print the transcript as JSON, every grade and dispute included
        #[arg(long)]
        json: bool,
    },
    /// Find answers and feedback containing every word given.
    Search {
        /// Words every match contains, in any order
        #[arg(required = true, value_name = "WORD")]
        words: Vec<String>,
        /// How many matches to show at most
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print the matches as JSON
        #[arg(long)]
        json: bool,
    },
    /// Delivery per session over time: fillers, hedges, restarts, pace.
    Delivery {
        /// Print the figures as JSON
        #[arg(long)]
        json: bool,
    },
    /// Recent model calls, newest first; --json gives the full rows, requests and replies.
    Calls {
        /// How many calls to show at most
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print the full rows as JSON, requests and replies included
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Md,
    Json,
    Jsonl,
    Html,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["id", "all"])))]
pub struct ExportArgs {
    /// The session to export (see: viva review list)
    id: Option<i64>,
    /// Export every session
    #[arg(long)]
    all: bool,
    /// Markdown, JSON, JSON Lines or one self-contained HTML page
    #[arg(long, value_enum, default_value = "md")]
    format: FormatArg,
    /// Write to FILE (a new path or a regular file) instead of standard output (-)
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn review(ctx: &super::Env, cmd: ReviewCommand, out: &mut dyn Write) -> Result<()> {
    let store = &ctx.store()?;
    match cmd {
        ReviewCommand::List { topic, since, json } => {
            let topic = topic
                .map(|t| super::filters::topic(&ctx.bank()?, &t))
                .transpose()?;
            let filter = SessionFilter {
                topic,
                since,
                id: None,
            };
            review::list(store, &filter, json, out)
        }
        ReviewCommand::Show { id, json } => review::show(store, id, json, out),
        ReviewCommand::Search { words, limit, json } => {
            review::search(store, &words.join(" "), limit, json, out)
        }
        ReviewCommand::Delivery { json } => review::delivery(store, json, out),
        ReviewCommand::Calls { limit, json } => super::calls_cmd::list(store, limit, json, out),
    }
}

pub fn report(bank: &Bank, store: &Store, json: bool, out: &mut dyn Write) -> Result<()> {
    let topics = bank.topics().iter().map(|t| t.id.clone()).collect();
    let r = report::build(store, topics)?;
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?;
    } else {
        write!(out, "{}", report::render(&r))?;
    }
    Ok(())
}

pub fn export(store: &Store, args: ExportArgs, out: &mut dyn Write) -> Result<()> {
    let format = match args.format {
        FormatArg::Md => export::Format::Markdown,
        FormatArg::Json => export::Format::Json,
        FormatArg::Jsonl => export::Format::Jsonl,
        FormatArg::Html => export::Format::Html,
    };
    let sessions = export::load(store, if args.all { None } else { args.id })?;
    match args.output {
        Some(path) if path.as_os_str() != "-" => {
            export::save(&path, |file| export::write(&sessions, format, file))?;
            writeln!(
                out,
                "exported {} to {}",
                plural(sessions.len(), "session"),
                path.display()
            )?;
            Ok(())
        }
        _ => export::write(&sessions, format, out),
    }
}
