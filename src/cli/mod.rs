//! Command-line parsing, settings validation and dispatch. Parsing is clap's; everything after
//! it works on validated values.

mod bank_cmd;
mod grade_cmd;
mod sim_cmd;
mod status_cmd;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::bank::{Bank, Difficulty};
use crate::error::bad;
use crate::grade::offline::OfflineGrader;
use crate::home::Home;
use crate::repl::{self, LineSource, Plain, Terminal};
use crate::review;
use crate::rubric::Rubrics;
use crate::select::Filters;
use crate::session::{Session, Settings};
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "viva",
    version,
    about = "Adaptive mock interviews in the terminal: answer aloud, get graded against a rubric.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Data directory: the store, history and user bank files [default: the platform data dir]
    #[arg(long, env = "VIVA_HOME", global = true, value_name = "DIR")]
    home: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,

    /// Bare `viva` runs a practice session with these options.
    #[command(flatten)]
    practice: PracticeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a mock interview (the default command).
    Practice(PracticeArgs),
    /// Grade JSON Lines from stdin: {"question_id": ..., "answer": ...} or {"question": {...}, "answer": ...}.
    Grade,
    /// Browse and check the question bank.
    #[command(subcommand)]
    Bank(BankCommand),
    /// Past sessions and their graded transcripts.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// What viva believes about you: per-topic estimates, the likely weakest, reviews due.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// The selector's simulation benchmark: simulated candidates, every policy, every target.
    Sim {
        /// Simulated candidates per cell and policy (the documented run uses 3000)
        #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        candidates: u32,
        /// Seed of the candidates, banks and grader
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Run only this cell (repeatable; default: all)
        #[arg(long = "cell", value_name = "NAME")]
        cells: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Args)]
struct PracticeArgs {
    /// Number of questions to ask
    #[arg(long, short = 'n', default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=500))]
    count: u32,
    /// Only ask questions of this topic (repeatable)
    #[arg(long = "topic", short = 't', value_name = "TOPIC")]
    topics: Vec<String>,
    /// Only ask questions of this difficulty
    #[arg(long, value_enum)]
    difficulty: Option<DifficultyArg>,
    /// Only ask questions reported at this company
    #[arg(long)]
    company: Option<String>,
    /// Seed for the question order, to make a session reproducible
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DifficultyArg {
    Easy,
    Medium,
    Hard,
}

impl From<DifficultyArg> for Difficulty {
    fn from(d: DifficultyArg) -> Difficulty {
        match d {
            DifficultyArg::Easy => Difficulty::Easy,
            DifficultyArg::Medium => Difficulty::Medium,
            DifficultyArg::Hard => Difficulty::Hard,
        }
    }
}

#[derive(Debug, Subcommand)]
enum BankCommand {
    /// List questions.
    List {
        #[arg(long = "topic", short = 't')]
        topics: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one question with its rubric.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Counts per topic, kind and difficulty, and rubric completeness.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Validate bank files (default: the whole bank, shipped and user files).
    Check {
        paths: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ReviewCommand {
    /// List past sessions.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one session's graded transcript.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

/// Everything a command needs, loaded once.
struct Env {
    home: Home,
}

impl Env {
    fn bank(&self) -> Result<Bank> {
        Bank::load(Some(&self.home.bank_dir()))
            .map_err(|errors| bank_cmd::errors_to_bad_input(&errors))
    }

    fn rubrics(&self) -> Result<Rubrics> {
        Rubrics::load(Some(&self.home.rubrics_dir())).map_err(|e| bad(format!("{e:#}")))
    }

    fn store(&self) -> Result<Store> {
        Store::open(&self.home.db())
    }
}

pub fn run(cli: Cli, out: &mut dyn Write) -> Result<()> {
    let ctx = Env {
        home: Home::resolve(cli.home)?,
    };
    match cli.command {
        None => practice(&ctx, cli.practice, out),
        Some(Command::Practice(args)) => practice(&ctx, args, out),
        Some(Command::Grade) => {
            let stdin = std::io::stdin();
            grade_cmd::run(&ctx.bank()?, &ctx.rubrics()?, &mut stdin.lock(), out)
        }
        Some(Command::Bank(cmd)) => match cmd {
            BankCommand::List { topics, json } => bank_cmd::list(&ctx.bank()?, &topics, json, out),
            BankCommand::Show { id, json } => bank_cmd::show(&ctx.bank()?, &id, json, out),
            BankCommand::Stats { json } => bank_cmd::stats(&ctx.bank()?, json, out),
            BankCommand::Check { paths, json } => bank_cmd::check(&ctx.home, &paths, json, out),
        },
        Some(Command::Review(cmd)) => match cmd {
            ReviewCommand::List { json } => review::list(&ctx.store()?, json, out),
            ReviewCommand::Show { id, json } => review::show(&ctx.store()?, id, json, out),
        },
        Some(Command::Status { json }) => status_cmd::run(&ctx.bank()?, &ctx.store()?, json, out),
        Some(Command::Sim {
            candidates,
            seed,
            cells,
            json,
        }) => sim_cmd::run(candidates as usize, seed, &cells, json, out),
    }
}

fn practice(ctx: &Env, args: PracticeArgs, out: &mut dyn Write) -> Result<()> {
    let bank = ctx.bank()?;
    let rubrics = ctx.rubrics()?;
    let settings = practice_settings(&bank, args)?;
    let store = ctx.store()?;
    let grader = OfflineGrader;
    let mut session = Session::start(&bank, &rubrics, &grader, &store, settings)?;
    let stdin = std::io::stdin();
    let mut source: Box<dyn LineSource> = if stdin.is_terminal() {
        std::fs::create_dir_all(ctx.home.root())
            .with_context(|| format!("cannot create {}", ctx.home.root().display()))?;
        Box::new(Terminal::new(ctx.home.history())?)
    } else {
        Box::new(Plain::new(stdin.lock()))
    };
    // Whatever happens in the loop, the session is closed and summarised.
    let result = repl::run(&mut session, source.as_mut(), out);
    repl::finish(session, out)?;
    result
}

/// Checks the practice options against the bank, so that a typo in a topic name is an error
/// rather than an empty session.
fn practice_settings(bank: &Bank, args: PracticeArgs) -> Result<Settings> {
    for t in &args.topics {
        if bank.topic(t).is_none() {
            let known: Vec<&str> = bank.topics().iter().map(|t| t.id.as_str()).collect();
            return Err(bad(format!(
                "--topic: unknown topic {t:?} (known: {})",
                known.join(", ")
            )));
        }
    }
    let filters = Filters {
        topics: args.topics,
        difficulty: args.difficulty.map(Difficulty::from),
        company: args.company,
    };
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
    })
}
