//! The simulation benchmark of docs/selector.md (`viva sim`): simulated candidates
//! and grader, learner dynamics L0–L3, viva's selector against the baselines, every metric, and
//! the targets T1–T10 checked against the figures (T11, the selector's speed, is measured by
//! `cargo bench --bench viva`).
//!
//! Every policy meets the same candidates, banks and grader streams (seeded per candidate), so the
//! comparison is paired; means come with 95% intervals.

pub mod ceiling;
pub mod report;
pub mod run;
pub mod world;

use std::time::Instant;

use serde::Serialize;

use crate::learner::Precision;
pub use run::{PolicyKind, RunOutcome};
pub use world::{Dynamics, Grading, World};

#[derive(Debug, Clone, Copy)]
pub struct BenchmarkOptions {
    pub candidates: usize,
    pub seed: u64,
    pub threads: usize,
}

/// One world and the policies and budgets run in it.
#[derive(Debug, Clone)]
pub struct Cell {
    pub name: &'static str,
    pub world: World,
    pub policies: Vec<PolicyKind>,
    pub budgets: Vec<usize>,
}

pub const BUDGETS: [usize; 5] = [8, 16, 24, 32, 48];

/// The cells of the benchmark: the reference world with every policy and budget, then the
/// variations each target needs.
pub fn cells() -> Vec<Cell> {
    use PolicyKind::*;
    let reference = World::reference();
    let with = |f: &dyn Fn(&mut World)| {
        let mut w = reference;
        f(&mut w);
        w
    };
    let pair = vec![Engine, RoundRobin];
    let learning = vec![Engine, RoundRobin, Oracle];
    vec![
        Cell {
            name: "reference",
            world: reference,
            policies: PolicyKind::ALL.to_vec(),
            budgets: BUDGETS.to_vec(),
        },
        Cell {
            name: "binary",
            world: with(&|w| w.grading = Grading::Binary),
            policies: vec![Engine, RoundRobin, Random],
            budgets: vec![24, 48],
        },
        Cell {
            name: "L1",
            world: with(&|w| w.dynamics = Dynamics::L1),
            policies: learning.clone(),
            budgets: vec![24, 48],
        },
        Cell {
            name: "L2",
            world: with(&|w| w.dynamics = Dynamics::L2),
            policies: learning.clone(),
            budgets: vec![24, 48],
        },
        Cell {
            name: "L3",
            world: with(&|w| w.dynamics = Dynamics::L3),
            policies: learning,
            budgets: vec![24, 48],
        },
        Cell {
            name: "grader stress",
            world: with(&|w| {
                w.grading = Grading::Graded {
                    phi: 2.0,
                    noise: 0.2,
                    bias: 0.1,
                }
            }),
            policies: pair.clone(),
            budgets: vec![24, 48],
        },
        Cell {
            name: "near ties (σs 0.5)",
            world: with(&|w| w.sigma_s = 0.5),
            policies: pair.clone(),
            budgets: vec![24, 48],
        },
        Cell {
            name: "spread (σs 1.0)",
            world: with(&|w| w.sigma_s = 1.0),
            policies: pair.clone(),
            budgets: vec![24, 48],
        },
        Cell {
            name: "T 6",
            world: with(&|w| w.topics = 6),
            policies: pair.clone(),
            budgets: vec![24, 48],
        },
        Cell {
            name: "T 12",
            world: with(&|w| w.topics = 12),
            policies: pair.clone(),
            budgets: vec![24, 48],
        },
        Cell {
            name: "K 3",
            world: with(&|w| w.k = 3),
            policies: pair,
            budgets: vec![24, 48],
        },
    ]
}

/// A mean with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stat {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

impl Stat {
    pub fn of(xs: impl Iterator<Item = f64>) -> Stat {
        let xs: Vec<f64> = xs.collect();
        let n = xs.len().max(1) as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
        let half = 1.96 * (var / n).sqrt();
        Stat {
            mean,
            low: mean - half,
            high: mean + half,
        }
    }
}

/// A share with its 95% (Wilson) interval, or None when nothing was counted.
fn share(hits: usize, of: usize) -> Option<Stat> {
    (of > 0).then(|| {
        let n = of as f64;
        let p = hits as f64 / n;
        let z = 1.96;
        let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
        let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
        Stat {
            mean: p,
            low: centre - half,
            high: centre + half,
        }
    })
}

/// One policy at one budget in one world, over every candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub policy: PolicyKind,
    pub budget: usize,
    pub precision: Stat,
    pub eps_precision: Stat,
    /// √(mean squared error of μ over topics and candidates), interval from the MSE's.
    pub rmse: Stat,
    pub interval_coverage: Option<Stat>,
    pub claims: usize,
    pub claim_accuracy: Option<Stat>,
    pub gain: Stat,
    pub drill_in_band: Option<Stat>,
    /// Foundation questions per run, and their share in the band.
    pub foundation_per_run: f64,
    pub foundation_in_band: Option<Stat>,
    pub covered_early: Option<Stat>,
    pub unplanned_repeats_per_session: f64,
    pub planned_repeats_per_session: f64,
    pub retest_success: Option<Stat>,
}

impl Row {
    fn aggregate(policy: PolicyKind, budget: usize, topics: usize, runs: &[RunOutcome]) -> Row {
        let sum = |f: fn(&RunOutcome) -> usize| runs.iter().map(f).sum::<usize>();
        let mse = Stat::of(runs.iter().map(|r| r.squared_error / topics as f64));
        let early: Vec<bool> = runs.iter().filter_map(|r| r.covered_early).collect();
        Row {
            policy,
            budget,
            precision: Stat::of(runs.iter().map(|r| r.precision)),
            eps_precision: Stat::of(runs.iter().map(|r| r.eps_precision)),
            rmse: Stat {
                mean: mse.mean.sqrt(),
                low: mse.low.max(0.0).sqrt(),
                high: mse.high.sqrt(),
            },
            interval_coverage: share(sum(|r| r.interval_hits), runs.len() * topics),
            claims: sum(|r| r.claims),
            claim_accuracy: share(sum(|r| r.claims_right), sum(|r| r.claims)),
            gain: Stat::of(runs.iter().map(|r| r.gain)),
            drill_in_band: share(sum(|r| r.drill_in_band), sum(|r| r.drill_questions)),
            foundation_per_run: sum(|r| r.foundation_questions) as f64 / runs.len() as f64,
            foundation_in_band: share(
                sum(|r| r.foundation_in_band),
                sum(|r| r.foundation_questions),
            ),
            covered_early: share(early.iter().filter(|&&c| c).count(), early.len()),
            unplanned_repeats_per_session: sum(|r| r.unplanned_repeats) as f64 / runs.len() as f64,
            planned_repeats_per_session: sum(|r| r.planned_repeats) as f64 / runs.len() as f64,
            retest_success: share(sum(|r| r.retests_passed), sum(|r| r.retests)),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CellResult {
    pub name: &'static str,
    pub world: World,
    /// The grader's information multiplier, measured on separate calibration candidates.
    pub grader_multiplier: f64,
    pub rows: Vec<Row>,
}

impl CellResult {
    pub fn row(&self, policy: PolicyKind, budget: usize) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.policy == policy && r.budget == budget)
    }
}

/// Candidates (with their own seed) on which a cell's grader is calibrated.
const CALIBRATION_CANDIDATES: usize = 300;
/// How many observations the calibrated multiplier weighs at the start of a run.
const CALIBRATION_WEIGHT: f64 = 50.0;
const SEED_CALIBRATION: u64 = 0x6361_6C69;

/// Measures the grader's information multiplier the way a deployment would: from the residuals
/// of many interviews (round-robin, 48 questions, uncalibrated learners), never from the
/// simulator's parameters.
pub fn calibrate(world: &World, opts: &BenchmarkOptions) -> f64 {
    let calibration = BenchmarkOptions {
        candidates: CALIBRATION_CANDIDATES,
        seed: opts.seed ^ SEED_CALIBRATION,
        ..*opts
    };
    let runs = run_parallel(
        world,
        PolicyKind::RoundRobin,
        48,
        &calibration,
        Precision::default(),
    );
    let estimates: Vec<Precision> = runs.iter().map(|r| r.precision_estimate).collect();
    Precision::measured(&estimates).unwrap_or(1.0)
}

/// Runs `cell` for every policy and budget over `opts.candidates` candidates.
pub fn run_cell(cell: &Cell, opts: &BenchmarkOptions) -> CellResult {
    let m = calibrate(&cell.world, opts);
    let start = Precision::starting_at(m, CALIBRATION_WEIGHT);
    let mut rows = Vec::new();
    for &policy in &cell.policies {
        for &budget in &cell.budgets {
            let runs = run_parallel(&cell.world, policy, budget, opts, start);
            rows.push(Row::aggregate(policy, budget, cell.world.topics, &runs));
        }
    }
    CellResult {
        name: cell.name,
        world: cell.world,
        grader_multiplier: m,
        rows,
    }
}

/// Candidates split over threads; outcomes come back in candidate order, so the figures do not
/// depend on the number of threads.
fn run_parallel(
    world: &World,
    policy: PolicyKind,
    budget: usize,
    opts: &BenchmarkOptions,
    precision: Precision,
) -> Vec<RunOutcome> {
    let threads = opts.threads.max(1);
    let chunk = opts.candidates.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..opts.candidates)
            .step_by(chunk)
            .map(|start| {
                let end = (start + chunk).min(opts.candidates);
                scope.spawn(move || {
                    (start..end)
                        .map(|i| run::run(world, policy, budget, opts.seed, i as u64, precision))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a simulation thread panicked"))
            .collect()
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchmarkReport {
    pub candidates: usize,
    pub seed: u64,
    pub seconds: f64,
    pub cells: Vec<CellResult>,
    pub targets: Vec<report::TargetCheck>,
    /// What a selector could reach with answers of known information (with the reference cell).
    pub ceiling: Option<Vec<ceiling::CeilingRow>>,
}

/// Runs the cells `wanted` picks and checks the targets (those whose cells did not run are
/// reported as not computed).
pub fn benchmark(
    opts: &BenchmarkOptions,
    wanted: impl Fn(&str) -> bool,
    mut progress: impl FnMut(&str),
) -> BenchmarkReport {
    let started = Instant::now();
    let mut results = Vec::new();
    for cell in cells().into_iter().filter(|c| wanted(c.name)) {
        progress(cell.name);
        results.push(run_cell(&cell, opts));
    }
    let targets = report::targets(&results);
    let ceiling = results
        .iter()
        .any(|c| c.name == "reference")
        .then(|| ceiling::ceiling(opts));
    BenchmarkReport {
        candidates: opts.candidates,
        seed: opts.seed,
        seconds: started.elapsed().as_secs_f64(),
        cells: results,
        targets,
        ceiling,
    }
}
