//! `viva sim`: the simulation benchmark of the selector (see `sim`).

use std::io::Write;

use anyhow::Result;

use crate::error::bad;
use crate::sim::{self, BenchmarkOptions};

pub fn run(
    candidates: usize,
    seed: u64,
    cells: &[String],
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let known: Vec<&str> = sim::cells().iter().map(|c| c.name).collect();
    if let Some(unknown) = cells.iter().find(|c| !known.contains(&c.as_str())) {
        return Err(bad(format!(
            "--cell: unknown cell {unknown:?} (known: {})",
            known.join(", ")
        )));
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let opts = BenchmarkOptions {
        candidates,
        seed,
        threads,
    };
    let report = sim::benchmark(
        &opts,
        |name| cells.is_empty() || cells.iter().any(|c| c == name),
        |name| eprintln!("viva sim: {name}…"),
    );
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", sim::report::markdown(&report))?;
    }
    Ok(())
}
