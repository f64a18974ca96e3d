//! Command-line parsing, settings validation and dispatch. Parsing is clap's; everything after
//! it works on validated values.

mod bank_cmd;
mod calls_cmd;
mod doctor_cmd;
mod eval_cmd;
mod filters;
mod grade_cmd;
mod import_cmd;
mod practice_cmd;
mod regrade_cmd;
mod review_cmd;
mod sim_cmd;
mod status_cmd;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use crate::bank::Bank;
use crate::config::{Config, FileConfig, Flags, GraderChoice};
use crate::error::bad;
use crate::grade::Grader;
use crate::grade::llm::LlmGrader;
use crate::grade::llm::budget::Budget;
use crate::grade::llm::fallback::Fallback;
use crate::grade::offline::OfflineGrader;
use crate::home::Home;
use crate::llm::{CallSink, LlmClient};
use crate::prompt::Prompts;
use crate::rubric::Rubrics;
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "viva",
    version,
    about = "Adaptive mock interviews in the terminal: answer aloud, get graded against a rubric."
)]
pub struct Cli {
    /// Data directory: the store, history, config.toml and user bank files [env: VIVA_HOME]
    /// [default: the platform data dir]
    // VIVA_HOME is read by `Home::resolve`, not clap, so that an empty or wrong VIVA_HOME is
    // reported as such rather than as a bad flag, and usage lines do not show it as given.
    #[arg(long, global = true, value_name = "DIR")]
    home: Option<PathBuf>,

    /// Model to grade with [env: VIVA_MODEL]
    #[arg(long, global = true, help_heading = GRADING)]
    model: Option<String>,

    /// OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 [env: VIVA_API_BASE, OPENAI_BASE_URL]
    #[arg(long, global = true, value_name = "URL", help_heading = GRADING)]
    api_base: Option<String>,

    /// Which grader to use: the LLM when configured (auto), always the LLM, or offline
    #[arg(long, global = true, value_enum, help_heading = GRADING)]
    grader: Option<GraderChoice>,

    #[command(subcommand)]
    command: Option<Command>,

    /// Bare `viva` runs a practice session with these options.
    #[command(flatten)]
    practice: PracticeArgs,
}

/// The heading of the grading options every command accepts, so that each command's own options
/// are not lost among them.
const GRADING: &str = "Grading options";

/// The whole command tree, for tests that check every command's help.
pub fn command() -> clap::Command {
    Cli::command()
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
    /// Past sessions, their graded transcripts, and search over them.
    #[command(subcommand)]
    Review(review_cmd::ReviewCommand),
    /// Progress across sessions: ability per topic, weakest topics, questions due, totals.
    Report {
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// Export sessions as Markdown, JSON, JSON Lines or one self-contained HTML page.
    Export(review_cmd::ExportArgs),
    /// Grade stored answers again with the grader configured now.
    ///
    /// The old grades are kept and the latest wins. With --batch-out and --batch-in the grading
    /// is handed to a batch runner (the OpenAI Batch API, vllm run-batch) through files.
    Regrade(regrade_cmd::RegradeArgs),
    /// Grade the labelled agreement set and print how closely the grader agrees with the labels.
    Eval(eval_cmd::EvalArgs),
    /// Print the resolved configuration (the API key masked).
    Config {
        /// Print the configuration as JSON, each value with where it came from
        #[arg(long)]
        json: bool,
    },
    /// Check that the configured endpoint can grade, or show how to configure one.
    ///
    /// Lists the models, asks for a tiny completion, a streamed one and structured output, and
    /// says what grading will use. Exits 1 when an endpoint is configured but cannot grade.
    Doctor,
    /// What viva believes about you: per-topic estimates, the likely weakest, reviews due.
    Status {
        /// Print the status as JSON
        #[arg(long)]
        json: bool,
    },
    /// The selector's simulation benchmark: simulated candidates, every policy, every target.
    ///
    /// A developer's benchmark (see BENCHMARKS.md), hidden from the command list.
    #[command(hide = true)]
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
        /// Print the results as JSON
        #[arg(long)]
        json: bool,
    },
    /// Turn interview guides into bank questions.
    ///
    /// Reads titled questions with a Difficulty/Tags/Asked-by line and an interviewer-insight
    /// block; untitled answers ending in "What interviewers are really testing / Red flag answer
    /// / Follow-up" trailers and scenario blocks; plain question-and-answer pages; articles
    /// with questions in their (flattened) code; Markdown headings and lists; tables of
    /// questions; and articles whose headings were stripped. Mojibake, escaped blocks and glued
    /// sentences are repaired. Duplicates of the bank and of each other are marked.
    Import(ImportArgs),
}

#[derive(Debug, Clone, Args)]
struct ImportArgs {
    /// Guides to read (text or Markdown)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print the questions as JSON
    #[arg(long)]
    json: bool,
    /// Write a bank file (duplicates left out) to drop into $VIVA_HOME/bank/
    #[arg(long, value_name = "FILE.toml")]
    out: Option<PathBuf>,
    /// With --out, write duplicates too (marked in a comment)
    #[arg(long, requires = "out")]
    keep_duplicates: bool,
}

#[derive(Debug, Clone, Args)]
struct PracticeArgs {
    /// Number of questions to ask
    #[arg(long, short = 'n', default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=500))]
    count: u32,
    /// Only ask questions of this topic (repeatable)
    #[arg(long = "topic", short = 't', value_name = "TOPIC")]
    topics: Vec<String>,
    /// Only ask questions of this difficulty: easy, medium or hard
    #[arg(long)]
    difficulty: Option<String>,
    /// Only ask questions reported at this company
    #[arg(long)]
    company: Option<String>,
    /// Seed for the question order, to make a session reproducible
    #[arg(long)]
    seed: Option<u64>,
    /// Follow-up questions at most per question [default: 1, or follow_ups in config.toml]
    #[arg(long, value_name = "N")]
    follow_ups: Option<u32>,
    /// study: feedback after each answer, hints, /model, /retry; real: a time limit per
    /// question, no hints, feedback at the end
    #[arg(long, value_enum, default_value_t = ModeArg::Study)]
    mode: ModeArg,
    /// Time limit per question in real mode, in minutes (decimals allowed) [default: 3]
    #[arg(long, value_name = "M")]
    minutes: Option<f64>,
    /// Read the questions aloud (espeak-ng, espeak or say, when installed)
    #[arg(long)]
    speak: bool,
    /// Speak your answers: Enter records, Enter stops, and the transcript is the answer (needs
    /// a recorder such as arecord and a transcription endpoint, see `[voice]` in config.toml)
    #[arg(long)]
    voice: bool,
    /// Offer the self-check of key points after a model's grade too (offline grades always
    /// get it at a terminal)
    #[arg(long)]
    self_check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModeArg {
    Study,
    Real,
}

/// The real-mode time limit when --minutes is not given: the top of the 1–3 minute band.
const DEFAULT_MINUTES: f64 = 3.0;

impl PracticeArgs {
    /// True when no practice option was given (bare `viva` defaults).
    fn is_default(&self) -> bool {
        self.count == 10
            && self.topics.is_empty()
            && self.difficulty.is_none()
            && self.company.is_none()
            && self.seed.is_none()
            && self.follow_ups.is_none()
            && self.mode == ModeArg::Study
            && self.minutes.is_none()
            && !self.speak
            && !self.voice
    }
}

#[derive(Debug, Subcommand)]
enum BankCommand {
    /// List questions.
    List {
        /// Only questions of this topic (repeatable)
        #[arg(long = "topic", short = 't', value_name = "TOPIC")]
        topics: Vec<String>,
        /// Only questions of this kind: concept, coding, design, debugging or behavioral
        #[arg(long)]
        kind: Option<String>,
        /// Only questions of this difficulty: easy, medium or hard
        #[arg(long)]
        difficulty: Option<String>,
        /// Print the questions as JSON
        #[arg(long)]
        json: bool,
    },
    /// Show one question with its rubric.
    Show {
        /// The question's id (see: viva bank list)
        id: String,
        /// Print the question as JSON
        #[arg(long)]
        json: bool,
    },
    /// Counts per topic, kind and difficulty, and rubric completeness.
    Stats {
        /// Print the counts as JSON
        #[arg(long)]
        json: bool,
    },
    /// Validate bank files (default: the whole bank, shipped and user files).
    Check {
        /// Bank files to check against the shipped topics [default: the whole bank]
        #[arg(value_name = "FILE")]
        paths: Vec<PathBuf>,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
}

/// Everything a command needs, loaded once.
struct Env {
    home: Home,
    flags: Flags,
}

impl Env {
    fn config(&self) -> Result<Config> {
        let path = self.home.config_file().to_path_buf();
        let file = FileConfig::read(&path)?;
        Config::resolve(path, file, &self.flags, &|name| std::env::var(name).ok())
    }

    /// The grader the configuration asks for, and a line saying which it is.
    fn grader(&self, config: &Config) -> Result<(Box<dyn Grader>, String)> {
        Ok(match self.llm_grader(config)? {
            Some((grader, describe)) => (Box::new(Fallback::new(grader)), describe),
            None => (
                Box::new(OfflineGrader),
                "grading offline (no LLM endpoint configured)".into(),
            ),
        })
    }

    /// The LLM grader when the configuration asks for one (None: grade offline).
    fn llm_grader(&self, config: &Config) -> Result<Option<(LlmGrader, String)>> {
        let Some(endpoint) = config.endpoint()? else {
            return Ok(None);
        };
        let describe = format!("grading with {} at {}", endpoint.model, endpoint.api_base);
        let client = LlmClient::new(&endpoint)?.recording_to(self.call_log()?);
        let prompts = self.prompts()?;
        let mut grader = LlmGrader::new(
            client,
            prompts,
            config.price(&endpoint.model),
            config.answer_token_budget,
        )?;
        grader = grader.within(Budget {
            context_window: config.context_window,
            reply_tokens: config.reply_token_budget,
            capped_schema: !endpoint.server.hosted(),
        });
        if !config.stream {
            grader = grader.without_streaming();
        }
        Ok(Some((grader, describe)))
    }

    fn prompts(&self) -> Result<Prompts> {
        Prompts::load(Some(&self.home.prompts_dir()))
    }

    fn bank(&self) -> Result<Bank> {
        let bank = Bank::load(Some(&self.home.bank_dir()))
            .map_err(|errors| bank_cmd::errors_to_bad_input(&errors))?;
        bank_cmd::warn_skipped(&bank);
        Ok(bank)
    }

    fn rubrics(&self) -> Result<Rubrics> {
        Rubrics::load(Some(&self.home.rubrics_dir())).map_err(|e| bad(format!("{e:#}")))
    }

    fn store(&self) -> Result<Store> {
        Store::open(&self.home.db())
    }

    /// Where LLM clients record their calls: the store, on a connection of its own.
    fn call_log(&self) -> Result<Arc<dyn CallSink>> {
        Ok(Arc::new(Mutex::new(self.store()?)))
    }
}

pub fn run(cli: Cli, out: &mut dyn Write) -> Result<()> {
    let practice_args = match &cli.command {
        Some(Command::Practice(args)) => args.clone(),
        None => cli.practice.clone(),
        Some(_) if cli.practice.is_default() => cli.practice.clone(),
        Some(_) => {
            return Err(bad(
                "practice options (--count, --topic, ...) go with `viva` or `viva practice`",
            ));
        }
    };
    let flags = Flags {
        model: cli.model,
        api_base: cli.api_base,
        grader: cli.grader,
        follow_ups: practice_args.follow_ups,
    };
    let ctx = Env {
        home: Home::resolve(cli.home, std::env::var_os("VIVA_HOME"))?,
        flags,
    };
    match cli.command {
        None | Some(Command::Practice(_)) => practice_cmd::run(&ctx, practice_args, out),
        Some(Command::Grade) => {
            let config = ctx.config()?;
            let (grader, _) = ctx.grader(&config)?;
            let stdin = std::io::stdin();
            grade_cmd::run(
                &ctx.bank()?,
                &ctx.rubrics()?,
                grader.as_ref(),
                &mut stdin.lock(),
                out,
            )
        }
        Some(Command::Config { json }) => {
            let described = ctx.config()?.describe();
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&described)?)?;
            } else {
                doctor_cmd::print_config(&described, out)?;
            }
            Ok(())
        }
        Some(Command::Doctor) => doctor_cmd::run(&ctx, out),
        Some(Command::Bank(cmd)) => match cmd {
            BankCommand::List {
                topics,
                kind,
                difficulty,
                json,
            } => {
                let bank = ctx.bank()?;
                let filters = filters::resolve(&bank, &topics, difficulty.as_deref(), None)?;
                let kind = filters::kind(kind.as_deref())?;
                bank_cmd::list(&bank, &filters, kind, json, out)
            }
            BankCommand::Show { id, json } => bank_cmd::show(&ctx.bank()?, &id, json, out),
            BankCommand::Stats { json } => bank_cmd::stats(&ctx.bank()?, json, out),
            BankCommand::Check { paths, json } => bank_cmd::check(&ctx.home, &paths, json, out),
        },
        Some(Command::Review(cmd)) => review_cmd::review(&ctx, cmd, out),
        Some(Command::Report { json }) => {
            review_cmd::report(&ctx.bank()?, &ctx.store()?, json, out)
        }
        Some(Command::Export(args)) => review_cmd::export(&ctx.store()?, args, out),
        Some(Command::Regrade(args)) => regrade_cmd::run(&ctx, args, out),
        Some(Command::Import(args)) => import_cmd::run(
            &ctx.bank()?,
            &import_cmd::ImportOptions {
                files: args.files,
                json: args.json,
                out: args.out,
                keep_duplicates: args.keep_duplicates,
            },
            out,
        ),
        Some(Command::Eval(args)) => {
            let config = ctx.config()?;
            let (grader, _) = ctx.grader(&config)?;
            eval_cmd::run(&ctx.bank()?, &ctx.rubrics()?, grader.as_ref(), args, out)
        }
        Some(Command::Status { json }) => status_cmd::run(&ctx.bank()?, &ctx.store()?, json, out),
        Some(Command::Sim {
            candidates,
            seed,
            cells,
            json,
        }) => sim_cmd::run(candidates as usize, seed, &cells, json, out),
    }
}

/// `--since DATE`: a day, read as midnight UTC.
fn date_arg(s: &str) -> std::result::Result<i64, String> {
    crate::clock::parse_date(s).ok_or_else(|| format!("expected a date as YYYY-MM-DD, got {s:?}"))
}

/// A progress bar on stderr, hidden when stderr is not a terminal (logs, pipes, tests).
fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:30} {pos}/{len} answers · {elapsed} · eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}
