//! What any selector could reach on the reference world's candidates if every answer were a
//! Gaussian measurement of θ_t carrying a known information I (noise variance 1/I), with no tag
//! error, no mismatch between item and candidate, and an exact posterior.
//!
//! This world is more informative than the benchmark's. A score of the simulated grader carries
//! 1.04·a² at p = 0.5 and less away from it (the test below computes it), so 1.13 on average
//! over the bank's discriminations (E[a²] = e^0.08) is the most an answer can hold, and only for a
//! question whose true difficulty sits exactly at the candidate's level, which three difficulty
//! tags and their error rarely allow. The precision@2 viva's diagnosis rule reaches here bounds
//! what it can reach in the benchmark, and the information at which it reaches T1 tells how far
//! the target is from what the answers hold. ARCHITECTURE.md ("Probes of the ceiling") has the
//! reasoning.

use serde::Serialize;

use super::run::lowest_k;
use super::world::{Candidate, World};
use super::{BenchmarkOptions, Stat};
use crate::learner::Posterior;
use crate::random::Rng;
use crate::select::policy::lucb;

/// The information levels reported: where viva's own figures sit (0.9: viva reaches about this
/// world's precision there when told the true item parameters), every answer at p = 0.5 with
/// a = 1 (1.0), and the benchmark's absolute most (1.13, see above).
pub const INFORMATION: [f64; 3] = [0.9, 1.0, 1.13];

const SEED_MEASUREMENTS: u64 = 0x6365_696C;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CeilingRow {
    /// Information of one answer about θ_t.
    pub information: f64,
    pub round_robin_24: Stat,
    pub round_robin_48: Stat,
    /// viva's diagnosis rule (LUCB after one answer per topic) at N = 24.
    pub lucb_24: Stat,
    pub lucb_24_rmse: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Rule {
    RoundRobin,
    Lucb,
}

/// The ceiling rows of the reference world, on the candidates of the benchmark's run.
pub fn ceiling(opts: &BenchmarkOptions) -> Vec<CeilingRow> {
    let world = World::reference();
    // Only the true abilities matter here: each candidate is drawn once, not once per run.
    let candidates: Vec<Vec<f64>> = (0..opts.candidates as u64)
        .map(|i| Candidate::generate(&world, opts.seed, i).theta0)
        .collect();
    INFORMATION
        .iter()
        .map(|&information| {
            let runs = |rule, budget| -> Vec<(f64, f64)> {
                (0u64..)
                    .zip(&candidates)
                    .map(|(i, theta)| run(&world, theta, rule, budget, information, opts.seed, i))
                    .collect()
            };
            let precision = |xs: &[(f64, f64)]| Stat::of(xs.iter().map(|x| x.0));
            let lucb = runs(Rule::Lucb, 24);
            let mse = lucb.iter().map(|x| x.1).sum::<f64>() / lucb.len().max(1) as f64;
            CeilingRow {
                information,
                round_robin_24: precision(&runs(Rule::RoundRobin, 24)),
                round_robin_48: precision(&runs(Rule::RoundRobin, 48)),
                lucb_24: precision(&lucb),
                lucb_24_rmse: mse.sqrt(),
            }
        })
        .collect()
}

/// One candidate of true abilities `theta`: precision@K of the K lowest posterior means, and
/// the mean squared error of μ.
fn run(
    world: &World,
    theta: &[f64],
    rule: Rule,
    budget: usize,
    information: f64,
    seed: u64,
    i: u64,
) -> (f64, f64) {
    let topics = world.topics;
    let mut rng = Rng::stream(seed ^ SEED_MEASUREMENTS, i);
    let mut posterior = Posterior::prior(topics, 1.0, world.sigma_s);
    let all: Vec<usize> = (0..topics).collect();
    let noise_var = 1.0 / information;
    for n in 0..budget {
        let t = match rule {
            Rule::Lucb if n >= topics => lucb(&posterior, &all, world.k),
            _ => n % topics,
        };
        posterior.measure(t, theta[t] + noise_var.sqrt() * rng.normal(), noise_var);
    }
    let truth = lowest_k(theta, world.k);
    let hits = lowest_k(posterior.means(), world.k)
        .iter()
        .filter(|t| truth.contains(t))
        .count();
    let squared = (0..topics)
        .map(|t| (posterior.mean(t) - theta[t]).powi(2))
        .sum::<f64>()
        / topics as f64;
    (hits as f64 / world.k as f64, squared)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learner::posterior::normal_cdf;

    /// The Fisher information about θ (a = 1) of one score of the reference grader,
    /// clip(Beta(4p, 4(1 − p)) + N(0, 0.1²), 0, 1), by quadrature: the score's distribution
    /// binned (the two clipped ends as point masses), differentiated in p.
    fn grader_information(p: f64) -> f64 {
        let (phi, noise, bins, grid) = (4.0, 0.1, 200, 2000);
        let probs = |p: f64| {
            let (a, b) = (p * phi, (1.0 - p) * phi);
            let xs: Vec<f64> = (0..grid).map(|i| (i as f64 + 0.5) / grid as f64).collect();
            let dens: Vec<f64> = xs
                .iter()
                .map(|x: &f64| x.powf(a - 1.0) * (1.0 - x).powf(b - 1.0))
                .collect();
            let total: f64 = dens.iter().sum();
            let mut out = vec![0.0; bins + 2];
            for (x, d) in xs.iter().zip(&dens) {
                let w = d / total;
                let cdf = |s: f64| normal_cdf((s - x) / noise);
                out[0] += w * cdf(0.0);
                out[bins + 1] += w * (1.0 - cdf(1.0));
                for j in 0..bins {
                    let (lo, hi) = (j as f64 / bins as f64, (j + 1) as f64 / bins as f64);
                    out[j + 1] += w * (cdf(hi) - cdf(lo));
                }
            }
            out
        };
        let h = 0.01;
        let (mid, up, down) = (probs(p), probs(p + h), probs(p - h));
        let fisher_p: f64 = (0..mid.len())
            .filter(|&j| mid[j] > 1e-12)
            .map(|j| ((up[j] - down[j]) / (2.0 * h)).powi(2) / mid[j])
            .sum();
        (p * (1.0 - p)).powi(2) * fisher_p
    }

    #[test]
    fn the_reference_grader_gives_about_one_unit_of_information_at_best() {
        // The premise of the ceiling: with a = 1 an answer carries at most about 1.04 (at
        // p = 0.5), so 1.13 is the most on average over discriminations a ~ LogNormal(0, 0.2).
        let best = grader_information(0.5);
        assert!((1.0..1.08).contains(&best), "{best}");
        for p in [0.3, 0.7] {
            assert!(grader_information(p) < best);
        }
    }

    #[test]
    fn more_information_finds_more_and_lucb_beats_round_robin_on_the_same_candidates() {
        let opts = BenchmarkOptions {
            candidates: 1500,
            seed: 7,
            threads: 1,
        };
        let rows = ceiling(&opts);
        assert_eq!(rows.len(), INFORMATION.len());
        let (low, high) = (rows[0], rows[rows.len() - 1]);
        assert!(high.lucb_24.mean > low.lucb_24.mean, "{rows:?}");
        assert!(high.lucb_24_rmse < low.lucb_24_rmse, "{rows:?}");
        for r in &rows {
            assert!(r.lucb_24.mean > r.round_robin_24.mean + 0.02, "{r:?}");
            assert!(r.round_robin_48.mean > r.round_robin_24.mean, "{r:?}");
        }
    }
}
