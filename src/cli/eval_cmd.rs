//! `viva eval`: grades the agreement set with the configured grader and prints how closely it
//! agrees with the labeller.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;

use crate::bank::Bank;
use crate::eval::metrics::{self, Agreement, INJECTION_SUCCESS_ABOVE, PAIR_MIN_GAP};
use crate::eval::{self, LabelledAnswer, Split};
use crate::grade::{Grade, Grader};
use crate::rubric::Rubrics;

#[derive(Debug, Clone, Args)]
pub(super) struct EvalArgs {
    /// A labelled set in the format of data/eval/agreement.toml [default: the shipped set]
    #[arg(long, value_name = "FILE")]
    set: Option<PathBuf>,
    /// Which rows to grade: the test half (reported figures), the dev half (tuning), or all
    #[arg(long, value_enum, default_value_t = SplitArg::Test)]
    split: SplitArg,
    /// Also print every row: id, label, the labeller's score and the grader's
    #[arg(long)]
    rows: bool,
    /// Print the figures as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SplitArg {
    Dev,
    Test,
    All,
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    label: eval::Label,
    human: u8,
    grader: u8,
    graded_by: &'a str,
}

#[derive(Serialize)]
struct Output<'a> {
    grader: &'a str,
    split: &'static str,
    /// Rows the model could not grade, graded offline instead.
    fell_back: usize,
    agreement: &'a Agreement,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rows: Vec<Row<'a>>,
}

pub(super) fn run(
    bank: &Bank,
    rubrics: &Rubrics,
    grader: &dyn Grader,
    args: EvalArgs,
    out: &mut dyn Write,
) -> Result<()> {
    let (file, text) = match &args.set {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            (path.display().to_string(), text)
        }
        None => {
            let (file, text) = eval::shipped_set();
            (file.to_string(), text.to_string())
        }
    };
    let rows: Vec<LabelledAnswer> = eval::parse_set(&text, &file, bank)?
        .into_iter()
        .filter(|r| match args.split {
            SplitArg::Dev => r.split == Split::Dev,
            SplitArg::Test => r.split == Split::Test,
            SplitArg::All => r.split != Split::Fixture,
        })
        .collect();
    if rows.is_empty() {
        return Err(crate::error::bad(format!(
            "{file}: no rows in the {:?} split",
            args.split
        )));
    }
    let bar = super::progress_bar(rows.len() as u64);
    let mut grades: Vec<Grade> = Vec::with_capacity(rows.len());
    for row in &rows {
        let question = bank.get(&row.question).expect("parse_set checked the id");
        let grade = grader.grade(question, rubrics.for_kind(question.kind), &row.text)?;
        grades.push(grade);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let scores: Vec<u8> = grades.iter().map(|g| g.score).collect();
    let agreement = metrics::measure(&rows, &scores);
    let fell_back = grades.iter().filter(|g| g.grader != grader.name()).count();
    let split = match args.split {
        SplitArg::Dev => "dev",
        SplitArg::Test => "test",
        SplitArg::All => "all",
    };
    let listed: Vec<Row> = if args.rows {
        rows.iter()
            .zip(&grades)
            .map(|(r, g)| Row {
                id: &r.id,
                label: r.label,
                human: r.score,
                grader: g.score,
                graded_by: &g.grader,
            })
            .collect()
    } else {
        Vec::new()
    };
    if args.json {
        let output = Output {
            grader: grader.name(),
            split,
            fell_back,
            agreement: &agreement,
            rows: listed,
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&output)?)?;
        return Ok(());
    }
    for r in &listed {
        writeln!(
            out,
            "{:<48} {:<10} labeller {:>3}  grader {:>3}",
            r.id, r.label, r.human, r.grader
        )?;
    }
    write!(
        out,
        "{}",
        render(grader.name(), split, fell_back, &agreement)
    )?;
    Ok(())
}

fn render(grader: &str, split: &str, fell_back: usize, a: &Agreement) -> String {
    let mut s = format!(
        "Agreement of the {grader} grader with the labels ({split} split: {} answers to {} questions)\n",
        a.rows, a.questions
    );
    if fell_back > 0 {
        s += &format!(
            "  {fell_back} answers could not be graded by the model and were graded offline\n"
        );
    }
    s += &format!("  Spearman           {:.3}\n", a.spearman);
    s += &format!(
        "  Weighted kappa     {:.3}   quadratic, five bands of 20 points\n",
        a.kappa
    );
    s += &format!(
        "  Pairwise ordering  {:.3}   {} pairs within a question, labeller scores {PAIR_MIN_GAP}+ apart\n",
        a.pairwise, a.pairs
    );
    s += &format!("  Mean abs. error    {:.1} points\n", a.mae);
    if let Some(rate) = a.injection_success {
        s += &format!(
            "  Injections         {:.0}% scored above {INJECTION_SUCCESS_ABOVE}; highest {}\n",
            rate * 100.0,
            a.injection_max.unwrap_or(0)
        );
    }
    if let Some(max) = a.stuffing_max {
        s += &format!("  Keyword stuffing   highest {max}\n");
    }
    if let Some(mean) = a.paraphrase_mean {
        s += &format!("  Paraphrases        mean {mean:.0}\n");
    }
    s += "  By label     answers  labeller  grader\n";
    for l in &a.labels {
        s += &format!(
            "    {:<10} {:>7}  {:>8.0}  {:>6.0}\n",
            l.label.to_string(),
            l.rows,
            l.human,
            l.grader
        );
    }
    s
}
