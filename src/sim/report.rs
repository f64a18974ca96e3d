//! The targets T1–T10 checked against the figures, and the Markdown tables of `viva sim`.

use std::fmt::Write as _;

use serde::Serialize;

use super::run::PolicyKind;
use super::{BUDGETS, BenchmarkReport, CellResult, Row, Stat};

#[derive(Debug, Clone, Serialize)]
pub struct TargetCheck {
    pub id: &'static str,
    pub metric: &'static str,
    pub target: &'static str,
    pub figure: String,
    /// None when the figure could not be computed (a cell was not run).
    pub met: Option<bool>,
    /// Retired: the target sits above the information ceiling (`viva sim`'s ceiling table), so
    /// its figure is reported, not judged.
    pub retired: bool,
}

/// Targets no selector can meet on this benchmark: they sit above the information ceiling.
const RETIRED: &[&str] = &["T1", "T3", "T4"];

fn cell<'a>(cells: &'a [CellResult], name: &str) -> Option<&'a CellResult> {
    cells.iter().find(|c| c.name == name)
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// Learning gain of `policy` on the initially weakest topics as a share of the oracle's.
fn gain_share(c: &CellResult, policy: PolicyKind, budget: usize) -> Option<f64> {
    let oracle = c.row(PolicyKind::Oracle, budget)?.gain.mean;
    Some(c.row(policy, budget)?.gain.mean / oracle)
}

/// Pools a share over the rows of one policy.
fn pooled(rows: &[&Row], f: fn(&Row) -> Option<Stat>, weight: fn(&Row) -> usize) -> Option<f64> {
    let mut num = 0.0;
    let mut den = 0.0;
    for r in rows {
        if let Some(s) = f(r) {
            num += s.mean * weight(r) as f64;
            den += weight(r) as f64;
        }
    }
    (den > 0.0).then(|| num / den)
}

pub fn targets(cells: &[CellResult]) -> Vec<TargetCheck> {
    use PolicyKind::{Engine, RoundRobin};
    let mut out = Vec::new();
    let mut push = |id, metric, target, figure: String, met: Option<bool>| {
        out.push(TargetCheck {
            id,
            metric,
            target,
            figure,
            met,
            retired: RETIRED.contains(&id),
        })
    };
    let reference = cell(cells, "reference");
    let engine = |b| reference.and_then(|c| c.row(Engine, b));
    let rr = |b| reference.and_then(|c| c.row(RoundRobin, b));

    let t1 = engine(24).map(|r| r.precision);
    push(
        "T1",
        "precision@2 at N = 24",
        "≥ 0.70",
        t1.map_or("-".into(), fmt_stat),
        t1.map(|s| s.mean >= 0.70),
    );

    let (e24, e48) = (engine(24), engine(48));
    push(
        "T2",
        "ε-precision@2 at N = 24 / 48",
        "≥ 0.85 / ≥ 0.93",
        match (e24, e48) {
            (Some(a), Some(b)) => {
                format!("{:.3} / {:.3}", a.eps_precision.mean, b.eps_precision.mean)
            }
            _ => "-".into(),
        },
        e24.zip(e48)
            .map(|(a, b)| a.eps_precision.mean >= 0.85 && b.eps_precision.mean >= 0.93),
    );

    // The smallest budget of the grid that reaches round-robin's N = 48 precision, and the
    // budget interpolated linearly between the grid points around it.
    let parity = rr(48).map(|r| r.precision.mean).map(|bar| {
        let mut previous: Option<(usize, f64)> = None;
        for &b in &BUDGETS {
            let Some(p) = engine(b).map(|r| r.precision.mean) else {
                continue;
            };
            if p >= bar {
                let exact = previous.map_or(b as f64, |(b0, p0)| {
                    b0 as f64 + (b - b0) as f64 * (bar - p0) / (p - p0)
                });
                return Some((b, exact));
            }
            previous = Some((b, p));
        }
        None
    });
    push(
        "T3",
        "items to reach round-robin's N = 48 precision",
        "≤ 24",
        match (parity, rr(48)) {
            (Some(Some((n, exact))), Some(r)) => format!(
                "{exact:.1} interpolated, {n} on the grid (round-robin at 48: {:.3})",
                r.precision.mean
            ),
            (Some(None), Some(r)) => format!("> 48 (round-robin at 48: {:.3})", r.precision.mean),
            _ => "-".into(),
        },
        parity.map(|p| p.is_some_and(|(_, exact)| exact <= 24.0)),
    );

    let worst_ratio = BUDGETS
        .iter()
        .filter_map(|&b| Some(engine(b)?.rmse.mean / rr(b)?.rmse.mean))
        .fold(None, |acc: Option<f64>, x| {
            Some(acc.map_or(x, |a| a.max(x)))
        });
    push(
        "T4",
        "RMSE at N = 24; worst ratio to round-robin over N",
        "≤ 0.52; ≤ 1.05",
        match (e24, worst_ratio) {
            (Some(r), Some(w)) => format!("{:.3}; {w:.3}", r.rmse.mean),
            _ => "-".into(),
        },
        e24.zip(worst_ratio)
            .map(|(r, w)| r.rmse.mean <= 0.52 && w <= 1.05),
    );

    let engine_rows: Vec<&Row> = BUDGETS.iter().filter_map(|&b| engine(b)).collect();
    let accuracy = pooled(&engine_rows, |r| r.claim_accuracy, |r| r.claims);
    let claims: usize = engine_rows.iter().map(|r| r.claims).sum();
    push(
        "T5",
        "realized accuracy when claiming ≥ 0.9 (all N)",
        "≥ 0.88",
        accuracy.map_or("no claims".into(), |a| {
            format!("{a:.3} over {claims} claims")
        }),
        accuracy.map(|a| a >= 0.88),
    );

    let binary = cell(cells, "binary").and_then(|c| c.row(Engine, 48));
    push(
        "T6",
        "binary grading, precision@2 at N = 48",
        "≥ 0.62",
        binary.map_or("-".into(), |r| fmt_stat(r.precision)),
        binary.map(|r| r.precision.mean >= 0.62),
    );

    let l1 = cell(cells, "L1");
    let shares = l1.and_then(|c| Some((gain_share(c, Engine, 24)?, gain_share(c, Engine, 48)?)));
    push(
        "T7",
        "L1 learning gain on the initial weakest 2, share of oracle at N = 24 / 48",
        "≥ 60% / ≥ 80%",
        shares.map_or("-".into(), |(a, b)| format!("{} / {}", pct(a), pct(b))),
        shares.map(|(a, b)| a >= 0.6 && b >= 0.8),
    );

    let mut t8 = Vec::new();
    let mut t8_met = Some(true);
    for name in ["L2", "L3", "grader stress"] {
        let Some(c) = cell(cells, name) else {
            t8_met = None;
            continue;
        };
        if let (Some(e), Some(r)) = (c.row(Engine, 24), c.row(RoundRobin, 24)) {
            let d = e.precision.mean - r.precision.mean;
            t8.push(format!("{name} precision {d:+.3}"));
            t8_met = t8_met.map(|m| m && d >= -0.02);
        }
        for b in [24, 48] {
            if let (Some(e), Some(r)) = (gain_share(c, Engine, b), gain_share(c, RoundRobin, b)) {
                let d = e - r;
                t8.push(format!("{name} gain@{b} {d:+.3}"));
                t8_met = t8_met.map(|m| m && d >= -0.02);
            }
        }
    }
    push(
        "T8",
        "L2, L3, grader stress: viva minus round-robin on T1 (precision@2, N = 24) and T7 (gain share)",
        "≥ −0.02 each",
        t8.join("; "),
        t8_met,
    );

    let l3 = cell(cells, "L3");
    let retest = l3.and_then(|c| {
        let rows: Vec<&Row> = c.rows.iter().filter(|r| r.policy == Engine).collect();
        pooled(&rows, |r| r.retest_success, |r| r.budget)
    });
    push(
        "T9",
        "L3 delayed re-test success on previously failed questions (FSRS, r = 0.9)",
        "≥ 0.85",
        retest.map_or("no re-tests".into(), pct),
        retest.map(|r| r >= 0.85),
    );

    let band = pooled(&engine_rows, |r| r.drill_in_band, |r| r.budget);
    let foundation: f64 = engine_rows
        .iter()
        .map(|r| r.foundation_per_run)
        .sum::<f64>()
        / engine_rows.iter().map(|r| r.budget as f64).sum::<f64>();
    let early = pooled(&engine_rows, |r| r.covered_early, |r| r.budget);
    let repeats: f64 = engine_rows
        .iter()
        .map(|r| r.unplanned_repeats_per_session)
        .sum();
    push(
        "T10",
        "drill questions at p ∈ [0.55, 0.9]; every topic by question 12; unplanned repeats",
        "≥ 80%; 100%; 0",
        format!(
            "{}; {}; {repeats} (foundation turns, not counted as drill: {} of questions)",
            band.map_or("-".into(), pct),
            early.map_or("-".into(), pct),
            pct(foundation)
        ),
        band.zip(early)
            .map(|(b, e)| b >= 0.8 && e >= 1.0 && repeats == 0.0),
    );
    out
}

fn fmt_stat(s: Stat) -> String {
    format!("{:.3} [{:.3}, {:.3}]", s.mean, s.low, s.high)
}

fn opt(s: Option<Stat>, f: fn(f64) -> String) -> String {
    s.map_or("-".into(), |s| f(s.mean))
}

/// The report as Markdown: the targets, then one table per cell.
pub fn markdown(report: &BenchmarkReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "viva sim: {} candidates per cell, seed {}, {:.0} s\n",
        report.candidates, report.seed, report.seconds
    );
    let _ = writeln!(
        out,
        "| # | metric | target | figure | met |\n|---|---|---|---|---|"
    );
    for t in &report.targets {
        let met = match t.met {
            _ if t.retired => "retired",
            Some(true) => "yes",
            Some(false) => "no",
            None => "-",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {met} |",
            t.id, t.metric, t.target, t.figure
        );
    }
    let _ = writeln!(
        out,
        "| T11 | selector step, T = 20, 5,000 questions | < 1 ms | `cargo bench --bench viva` | - |"
    );
    for c in &report.cells {
        let w = &c.world;
        let _ = writeln!(
            out,
            "\n### {} (T = {}, K = {}, σs = {}, {:?}, {}; measured grader multiplier {:.2})\n",
            c.name,
            w.topics,
            w.k,
            w.sigma_s,
            w.dynamics,
            match w.grading {
                super::Grading::Binary => "binary".to_string(),
                super::Grading::Graded { phi, noise, bias } =>
                    format!("graded φ = {phi}, σG = {noise}, bias ±{bias}"),
            },
            c.grader_multiplier
        );
        let _ = writeln!(
            out,
            "| policy | N | precision@K | ε-precision | RMSE | 90% coverage | claim accuracy | gain | drill in band | foundation per run (in band) | all topics by ⌈1.5T⌉ | repeats (unplanned/planned) | re-test success |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        );
        for r in &c.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.3} | {:.3} | {} | {} | {:.3} | {} | {:.1} ({}) | {} | {:.2}/{:.2} | {} |",
                r.policy.name(),
                r.budget,
                fmt_stat(r.precision),
                r.eps_precision.mean,
                r.rmse.mean,
                opt(r.interval_coverage, pct),
                r.claim_accuracy
                    .map_or("-".into(), |s| format!("{} of {}", pct(s.mean), r.claims)),
                r.gain.mean,
                opt(r.drill_in_band, pct),
                r.foundation_per_run,
                opt(r.foundation_in_band, pct),
                opt(r.covered_early, pct),
                r.unplanned_repeats_per_session,
                r.planned_repeats_per_session,
                opt(r.retest_success, pct),
            );
        }
    }
    if let Some(rows) = &report.ceiling {
        let _ = writeln!(
            out,
            "\n### Ceiling: the reference candidates, if every answer measured θ_t with information I\n\n\
             No tag error, no item mismatch, an exact posterior. A graded answer carries 1.04·a² at \
             p = 0.5 and less elsewhere: 1.13 is the benchmark's most; viva's figures sit near 0.9.\n"
        );
        let _ = writeln!(
            out,
            "| I | round-robin, N = 24 | round-robin, N = 48 | LUCB, N = 24 | LUCB RMSE, N = 24 |\n|---|---|---|---|---|"
        );
        for r in rows {
            let _ = writeln!(
                out,
                "| {:.2} | {} | {} | {} | {:.3} |",
                r.information,
                fmt_stat(r.round_robin_24),
                fmt_stat(r.round_robin_48),
                fmt_stat(r.lucb_24),
                r.lucb_24_rmse
            );
        }
        // The selector as a share of the most its answers could tell it.
        let engine = cell(&report.cells, "reference").and_then(|c| c.row(PolicyKind::Engine, 24));
        let top = rows.iter().map(|r| r.lucb_24.mean).fold(f64::NAN, f64::max);
        if let Some(e) = engine {
            let _ = writeln!(
                out,
                "
viva's precision@2 at N = 24 is {:.3}: {} of the ceiling's {top:.3}.",
                e.precision.mean,
                pct(e.precision.mean / top)
            );
        }
    }
    out
}
