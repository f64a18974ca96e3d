//! `viva regrade`: which answers, with which grader, how many at a time, or through batch files.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use clap::{ArgGroup, Args};

use super::Env;
use crate::config::Config;
use crate::error::bad;
use crate::grade::Grader;
use crate::grade::offline::OfflineGrader;
use crate::llm::CallPurpose;
use crate::regrade;
use crate::regrade::batch::{self, BatchSpec};
use crate::regrade::summary::{self, RegradeSummary};
use crate::store::Selection;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").args(["session", "since", "all", "ungraded"])))]
pub struct RegradeArgs {
    /// The answers of one session
    #[arg(long, value_name = "ID")]
    session: Option<i64>,
    /// The answers given on or after this day (YYYY-MM-DD, UTC)
    #[arg(long, value_name = "DATE", value_parser = super::date_arg)]
    since: Option<i64>,
    /// Every answer
    #[arg(long)]
    all: bool,
    /// The answers that have no grade (grading failed or was cancelled)
    #[arg(long)]
    ungraded: bool,
    /// Model requests in flight at once
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    concurrency: u32,
    /// Write the grading requests to FILE (OpenAI Batch API input format) instead of grading
    #[arg(long, value_name = "FILE", conflicts_with = "batch_in")]
    batch_out: Option<PathBuf>,
    /// With --batch-out: put the verdict's JSON schema in the prompt instead of asking for
    /// structured output (for servers that reject `response_format: json_schema`)
    #[arg(long, requires = "batch_out")]
    schema_in_prompt: bool,
    /// Store the grades of a batch output FILE (OpenAI Batch API output format)
    #[arg(long, value_name = "FILE", conflicts_with = "which")]
    batch_in: Option<PathBuf>,
    /// The summary as JSON
    #[arg(long)]
    json: bool,
}

impl RegradeArgs {
    fn selection(&self) -> Result<Selection> {
        Ok(if let Some(id) = self.session {
            Selection::Session(id)
        } else if let Some(ms) = self.since {
            Selection::Since(ms)
        } else if self.all {
            Selection::All
        } else if self.ungraded {
            Selection::Ungraded
        } else {
            return Err(bad(
                "regrade: say which answers: --session ID, --since DATE, --all or --ungraded",
            ));
        })
    }
}

pub fn run(ctx: &Env, args: RegradeArgs, out: &mut dyn Write) -> Result<()> {
    let config = ctx.config()?;
    let store = ctx.store()?;
    let bank = ctx.bank()?;
    let rubrics = ctx.rubrics()?;
    if let Some(path) = &args.batch_in {
        let prompts = ctx.prompts()?;
        let model = config.model.clone().unwrap_or_else(|| "unknown".into());
        let spec = spec(&config, &prompts, &model);
        let back = batch::read_results(path, &store, &bank, &rubrics, &spec)?;
        let s = summary::summarize(&back.regraded, vec![], vec![], false, 0);
        print_summary(&s, args.json, out)?;
        if back.rejected.is_empty() {
            return Ok(());
        }
        let lines: Vec<String> = back
            .rejected
            .iter()
            .map(|r| format!("{}:{}: {}: {}", path.display(), r.line, r.field, r.reason))
            .collect();
        return Err(bad(format!(
            "{} line{} of {} not stored (the other grades are):\n{}",
            lines.len(),
            if lines.len() == 1 { "" } else { "s" },
            path.display(),
            lines.join("\n")
        )));
    }
    let selection = args.selection()?;
    if let Selection::Session(id) = selection
        && store.session(id)?.is_none()
    {
        return Err(bad(format!("no session {id} (see: viva review list)")));
    }
    // Spoken answers whose transcription failed are transcribed first, and then graded as
    // ungraded answers are.
    let spoken = crate::voice::pending::finish(&store, &config.voice)?;
    if spoken.transcribed > 0 {
        eprintln!(
            "viva: transcribed {} spoken answer{}",
            spoken.transcribed,
            if spoken.transcribed == 1 { "" } else { "s" }
        );
    }
    for (turn, why) in &spoken.failed {
        eprintln!("viva: turn {turn} could not be transcribed ({why}); its audio is kept");
    }
    let untranscribed = spoken.failed.len();
    let (jobs, skipped) = regrade::jobs(&store, &bank, store.regrade_targets(&selection)?)?;
    if let Some(path) = &args.batch_out {
        let model = config.model.clone().ok_or_else(|| {
            bad("--batch-out: name the model the requests are for (--model, VIVA_MODEL or model in config.toml)")
        })?;
        let prompts = ctx.prompts()?;
        let spec = BatchSpec {
            schema_in_prompt: args.schema_in_prompt,
            ..spec(&config, &prompts, &model)
        };
        let n = write_batch(path, &jobs, &rubrics, &spec)?;
        writeln!(
            out,
            "wrote {n} grading request{} for {model} to {}",
            if n == 1 { "" } else { "s" },
            path.display()
        )?;
        writeln!(
            out,
            "run it with the OpenAI Batch API or vLLM's batch runner, then: viva regrade --batch-in RESULTS.jsonl"
        )?;
        for s in &skipped {
            writeln!(out, "  turn {} left out: {}", s.turn_id, s.reason)?;
        }
        return Ok(());
    }
    // The model alone, never wrapped in the offline fallback: an outage must not write offline
    // grades over stored answers in the model's name.
    let llm = ctx
        .llm_grader(&config)?
        .map(|(grader, describe)| (grader.logged_as(CallPurpose::Regrade), describe));
    let (grader, describe, concurrency): (&(dyn Grader + Sync), &str, usize) = match &llm {
        Some((grader, describe)) => (grader, describe, args.concurrency as usize),
        // The offline grader is CPU-bound and takes a millisecond: nothing to overlap.
        None => (&OfflineGrader, "grading offline", 1),
    };
    eprintln!(
        "viva: re-grading {} answer{}, {describe}, {concurrency} at a time",
        jobs.len(),
        if jobs.len() == 1 { "" } else { "s" }
    );
    let progress = super::progress_bar(jobs.len() as u64);
    let done = regrade::run(&store, &rubrics, &jobs, grader, concurrency, &mut |p| {
        progress.set_position(p.done as u64)
    })?;
    progress.finish_and_clear();
    let failed = done.failed.len();
    let s = summary::summarize(
        &done.regraded,
        done.failed,
        skipped,
        done.interrupted,
        done.not_done,
    );
    print_summary(&s, args.json, out)?;
    if done.interrupted {
        out.flush()?;
        return Err(anyhow!(
            "interrupted: {} answers not re-graded",
            done.not_done
        ));
    }
    if failed > 0 {
        return Err(anyhow!(
            "{failed} answer{} could not be graded (listed above); their old grades stand",
            if failed == 1 { "" } else { "s" }
        ));
    }
    if untranscribed > 0 {
        return Err(anyhow!(
            "{untranscribed} spoken answer{} could not be transcribed; the audio is kept for the next viva regrade",
            if untranscribed == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}

fn spec<'a>(config: &Config, prompts: &'a crate::prompt::Prompts, model: &'a str) -> BatchSpec<'a> {
    BatchSpec {
        prompts,
        answer_budget: config.answer_token_budget,
        model,
        price: config.price(model),
        schema_in_prompt: false,
    }
}

fn write_batch(
    path: &Path,
    jobs: &[regrade::Job],
    rubrics: &crate::rubric::Rubrics,
    spec: &BatchSpec,
) -> Result<usize> {
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
    );
    let n = batch::write_requests(jobs, rubrics, spec, &mut file)?;
    file.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(n)
}

fn print_summary(s: &RegradeSummary, json: bool, out: &mut dyn Write) -> Result<()> {
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(s)?)?;
    } else {
        write!(out, "{}", summary::render(s))?;
    }
    Ok(())
}
