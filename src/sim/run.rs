//! One simulated candidate interviewed by one policy for a budget of questions.

use crate::learner::{Memory, Params, Posterior, Precision, sigmoid};
use crate::random::Rng;
use crate::select::policy::{Item, Policy, Situation, Turn, Why};

use super::world::{self, Candidate, Dynamics, Grading, World};

/// The selection rules compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyKind {
    /// viva's selector (`select::policy`).
    Engine,
    Random,
    /// Topics in turn, medium questions.
    RoundRobin,
    /// The topic with the lowest raw mean score.
    Greedy,
    /// Beta-Thompson sampling on raw scores.
    BetaThompson,
    /// Always drills the truly weakest topic (knows θ).
    Oracle,
}

impl PolicyKind {
    pub const ALL: [PolicyKind; 6] = [
        PolicyKind::Engine,
        PolicyKind::Random,
        PolicyKind::RoundRobin,
        PolicyKind::Greedy,
        PolicyKind::BetaThompson,
        PolicyKind::Oracle,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Engine => "viva",
            PolicyKind::Random => "random",
            PolicyKind::RoundRobin => "round-robin",
            PolicyKind::Greedy => "greedy lowest mean",
            PolicyKind::BetaThompson => "Beta-Thompson",
            PolicyKind::Oracle => "oracle drill",
        }
    }

    /// Policies that rank topics by raw mean score report their weakest set that way.
    fn ranks_by_raw_mean(self) -> bool {
        matches!(self, PolicyKind::Greedy | PolicyKind::BetaThompson)
    }
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    pub precision: f64,
    pub eps_precision: f64,
    /// Σ over topics of (μ − θ)², and of topics whose 90% interval holds θ.
    pub squared_error: f64,
    pub interval_hits: usize,
    /// Topics claimed among the weakest with probability ≥ 0.9, and how many truly were.
    pub claims: usize,
    pub claims_right: usize,
    /// Σ over the initially weakest K of θ_end − θ⁰.
    pub gain: f64,
    pub drill_questions: usize,
    pub drill_in_band: usize,
    /// Questions on a weakest topic that has none in the drill band, and those in it anyway.
    pub foundation_questions: usize,
    pub foundation_in_band: usize,
    /// Every topic asked by question ⌈1.5·T⌉ (None when the budget is shorter).
    pub covered_early: Option<bool>,
    pub unplanned_repeats: usize,
    pub planned_repeats: usize,
    /// FSRS reviews, in a later session, of questions failed earlier; and those passed.
    pub retests: usize,
    pub retests_passed: usize,
    /// The grader-precision estimate at the end, for calibration.
    pub precision_estimate: Precision,
}

const DAY_MS: i64 = 86_400_000;
/// Posterior draws behind the "among the weakest" claims.
const CLAIM_DRAWS: usize = 200;
const SEED_GRADER: u64 = 0x6752_4144;
const SEED_POLICY: u64 = 0x706F_6C79;

/// Interviews candidate `index` of `seed` with `kind` for `budget` questions; the learner's
/// grader-precision estimate starts from `precision`.
pub fn run(
    world: &World,
    kind: PolicyKind,
    budget: usize,
    seed: u64,
    index: u64,
    precision: Precision,
) -> RunOutcome {
    let cand = Candidate::generate(world, seed, index);
    let mut grader_rng = Rng::stream(seed ^ SEED_GRADER, index);
    let mut rng = Rng::stream(seed ^ SEED_POLICY, index);
    let t_count = world.topics;
    let params = Params::default();
    let mut theta = cand.theta0.clone();
    let mut posterior = Posterior::prior(t_count, params.sigma_g, params.sigma_s);
    let mut precision = precision;
    let mut memory: Memory<usize> = Memory::default();
    let mut raw: Vec<(f64, f64)> = vec![(0.0, 0.0); t_count];
    let mut asked_ever = vec![false; cand.bank.len()];
    let mut failed_ever = vec![false; cand.bank.len()];
    let mut covered = vec![false; t_count];
    let policy = Policy::new(world.k);
    let deadline = (policy.coverage_factor * t_count as f64).ceil() as usize;
    let mut out = RunOutcome::default();
    let mut answered = 0;
    let session_len = if world.dynamics == Dynamics::L3 {
        world.session_len
    } else {
        budget
    };
    let mut day = 0;
    while answered < budget {
        if day > 0 {
            world::forget(world.dynamics, &mut theta, &cand.theta0);
            for t in 0..t_count {
                posterior.drift(t, params.drift_per_day);
            }
        }
        let session_start = day * DAY_MS;
        let this_session = session_len.min(budget - answered);
        let items: Vec<Item> = cand
            .bank
            .iter()
            .zip(&asked_ever)
            .map(|(it, &asked)| Item {
                topic: it.topic,
                b: it.b_tag,
                kind: 0,
                fresh: !asked,
            })
            .collect();
        let due: Vec<usize> = memory
            .due(session_start, session_start)
            .into_iter()
            .map(|d| d.item)
            .collect();
        let mut asked = vec![false; cand.bank.len()];
        let mut log: Vec<Turn> = Vec::new();
        let answered_before = answered;
        for position in 0..this_session {
            let (item, why) = match kind {
                PolicyKind::Engine => {
                    let choice = policy.choose(
                        &Situation {
                            posterior: &posterior,
                            items: &items,
                            asked: &asked,
                            log: &log,
                            due: &due,
                            budget: this_session,
                            covered: &covered,
                            answered_before,
                        },
                        &mut rng,
                    );
                    match choice {
                        Some(c) => (c.item, c.why),
                        None => break,
                    }
                }
                other => match baseline(other, &cand, &theta, &raw, &asked, answered, &mut rng) {
                    Some(i) => (i, Why::Drill),
                    None => break,
                },
            };
            let it = &cand.bank[item];
            let t = it.topic;
            let p = world::p_true(theta[t], it);
            let s = world::grade(&world.grading, p, cand.bias[t], &mut grader_rng);
            let failed = s < policy.fail_below;
            if asked[item] {
                if why.is_review() {
                    out.planned_repeats += 1;
                } else {
                    out.unplanned_repeats += 1;
                }
            }
            let in_band = usize::from((0.55..=0.9).contains(&p));
            if kind == PolicyKind::Engine && why == Why::Drill {
                out.drill_questions += 1;
                out.drill_in_band += in_band;
            }
            if kind == PolicyKind::Engine && why == Why::Foundation {
                out.foundation_questions += 1;
                out.foundation_in_band += in_band;
            }
            if matches!(why, Why::Due { .. }) && failed_ever[item] {
                out.retests += 1;
                out.retests_passed += usize::from(!failed);
            }
            let m = match world.grading {
                Grading::Graded { .. } => precision.multiplier(&params),
                Grading::Binary => 1.0,
            };
            precision.record(s, posterior.mean(t), posterior.var(t), it.b_tag);
            posterior
                .update(t, it.b_tag, 1.0, s, m)
                .expect("simulated scores are in [0, 1]");
            posterior.drift(t, params.drift_per_answer);

            raw[t].0 += s;
            raw[t].1 += 1.0;
            let at = session_start + (position as i64 + 1) * 60_000;
            memory.review(&item, Some(s), at);
            world::learn(world.dynamics, &mut theta[t], p, s);
            asked[item] = true;
            asked_ever[item] = true;
            failed_ever[item] |= failed;
            covered[t] = true;
            log.push(Turn { item, failed, why });
            answered += 1;
            if answered == deadline {
                out.covered_early = Some(covered.iter().all(|&c| c));
            }
        }
        if log.is_empty() {
            break;
        }
        day += 1;
    }
    score_run(
        world,
        kind,
        &cand.theta0,
        &theta,
        &posterior,
        &raw,
        &mut rng,
        &mut out,
    );
    out.precision_estimate = precision;
    out
}

/// The K indices of the lowest values.
pub(super) fn lowest_k(values: &[f64], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    order.truncate(k);
    order
}

#[allow(clippy::too_many_arguments)]
fn score_run(
    world: &World,
    kind: PolicyKind,
    theta0: &[f64],
    theta: &[f64],
    posterior: &Posterior,
    raw: &[(f64, f64)],
    rng: &mut Rng,
    out: &mut RunOutcome,
) {
    let k = world.k;
    let truth = lowest_k(theta, k);
    let estimate = if kind.ranks_by_raw_mean() {
        let means: Vec<f64> = raw
            .iter()
            .map(|&(sum, n)| if n > 0.0 { sum / n } else { 0.5 })
            .collect();
        lowest_k(&means, k)
    } else {
        lowest_k(posterior.means(), k)
    };
    let kth = theta[truth[k - 1]];
    out.precision = estimate.iter().filter(|t| truth.contains(t)).count() as f64 / k as f64;
    out.eps_precision =
        estimate.iter().filter(|&&t| theta[t] <= kth + 0.3).count() as f64 / k as f64;
    for (t, &th) in theta.iter().enumerate() {
        let err = posterior.mean(t) - th;
        out.squared_error += err * err;
        out.interval_hits += usize::from(err.abs() <= 1.644_854 * posterior.sd(t));
    }
    let initially_weakest = lowest_k(theta0, k);
    out.gain = initially_weakest
        .iter()
        .map(|&t| theta[t] - theta0[t])
        .sum();
    if kind == PolicyKind::Engine {
        let all: Vec<usize> = (0..theta.len()).collect();
        let p_weakest = posterior.p_weakest(&all, k, CLAIM_DRAWS, rng);
        for (t, &p) in p_weakest.iter().enumerate() {
            if p >= 0.9 {
                out.claims += 1;
                out.claims_right += usize::from(truth.contains(&t));
            }
        }
    }
}

/// The baselines' picks; None when nothing is left to ask.
fn baseline(
    kind: PolicyKind,
    cand: &Candidate,
    theta: &[f64],
    raw: &[(f64, f64)],
    asked: &[bool],
    answered: usize,
    rng: &mut Rng,
) -> Option<usize> {
    let t_count = theta.len();
    let open_in = |t: usize, tag: Option<f64>| -> Vec<usize> {
        cand.bank
            .iter()
            .enumerate()
            .filter(|(i, it)| it.topic == t && !asked[*i] && tag.is_none_or(|b| it.b_tag == b))
            .map(|(i, _)| i)
            .collect()
    };
    let any = |xs: Vec<usize>, rng: &mut Rng| (!xs.is_empty()).then(|| xs[rng.below(xs.len())]);
    match kind {
        PolicyKind::Engine => unreachable!("the engine is not a baseline"),
        PolicyKind::Random => {
            let open: Vec<usize> = (0..cand.bank.len()).filter(|&i| !asked[i]).collect();
            any(open, rng)
        }
        PolicyKind::RoundRobin => {
            let t = answered % t_count;
            any(open_in(t, Some(0.0)), rng).or_else(|| any(open_in(t, None), rng))
        }
        PolicyKind::Greedy => {
            // Untried topics first, then the lowest raw mean.
            let key = |t: usize| {
                let (sum, n) = raw[t];
                if n == 0.0 { f64::NEG_INFINITY } else { sum / n }
            };
            let t = (0..t_count)
                .filter(|&t| !open_in(t, None).is_empty())
                .min_by(|&a, &b| key(a).total_cmp(&key(b)))?;
            any(open_in(t, None), rng)
        }
        PolicyKind::BetaThompson => {
            let t = (0..t_count)
                .filter(|&t| !open_in(t, None).is_empty())
                .map(|t| {
                    let (sum, n) = raw[t];
                    (t, rng.beta(1.0 + sum, 1.0 + n - sum))
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))?
                .0;
            any(open_in(t, None), rng)
        }
        PolicyKind::Oracle => {
            let t = (0..t_count)
                .filter(|&t| !open_in(t, None).is_empty())
                .min_by(|&a, &b| theta[a].total_cmp(&theta[b]))?;
            // Tags only, as the engine: the tag whose chance is nearest the drill target.
            let mut open = open_in(t, None);
            open.sort_by(|&a, &b| {
                let d = |i: usize| (sigmoid(theta[t] - cand.bank[i].b_tag) - 0.72).abs();
                d(a).total_cmp(&d(b))
            });
            let best = open.len().min(3);
            Some(open[rng.below(best)])
        }
    }
}
