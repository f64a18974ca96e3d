//! The simulated world of the benchmark: candidates with true topic abilities, a bank whose true
//! difficulty and discrimination the selector never sees (only the tags), a grader, and how the
//! candidate changes while practising.

use crate::learner::sigmoid;
use crate::random::Rng;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum Grading {
    /// s = clip(Beta(pφ, (1−p)φ) + N(0, noise²) + topic bias, 0, 1).
    Graded { phi: f64, noise: f64, bias: f64 },
    /// s ~ Bernoulli(p).
    Binary,
}

/// How the candidate's true ability moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Dynamics {
    /// Static.
    L0,
    /// Learning: θ_t += 0.1·4p(1−p) after each question on t.
    L1,
    /// Learning from mistakes: θ_t += 0.1·(1 − s).
    L2,
    /// L1, plus forgetting between sessions: θ ← θ − 0.2(θ − θ⁰).
    L3,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct World {
    pub topics: usize,
    /// The size of the weakest set to find.
    pub k: usize,
    /// Spread of topic deviations around the general level.
    pub sigma_s: f64,
    pub grading: Grading,
    pub dynamics: Dynamics,
    pub questions_per_topic: usize,
    /// Questions per session (L3 has several sessions, a day apart).
    pub session_len: usize,
}

impl World {
    /// The reference cell: T = 8, K = 2, graded (φ = 4, σ_G = 0.1), static.
    pub fn reference() -> World {
        World {
            topics: 8,
            k: 2,
            sigma_s: 0.75,
            grading: Grading::Graded {
                phi: 4.0,
                noise: 0.1,
                bias: 0.0,
            },
            dynamics: Dynamics::L0,
            questions_per_topic: 60,
            session_len: 8,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimItem {
    pub topic: usize,
    /// The tag's difficulty, −1, 0 or +1: all the selector sees.
    pub b_tag: f64,
    pub b: f64,
    pub a: f64,
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub theta0: Vec<f64>,
    /// The grader's per-topic bias (stress only).
    pub bias: Vec<f64>,
    pub bank: Vec<SimItem>,
}

impl Candidate {
    /// Candidate `index` of a run seeded with `seed`: the same for every policy.
    pub fn generate(world: &World, seed: u64, index: u64) -> Candidate {
        let mut rng = Rng::stream(seed, index);
        let g = rng.normal();
        let theta0 = (0..world.topics)
            .map(|_| g + world.sigma_s * rng.normal())
            .collect();
        let bias_size = match world.grading {
            Grading::Graded { bias, .. } => bias,
            Grading::Binary => 0.0,
        };
        let bias = (0..world.topics)
            .map(|_| {
                if rng.below(2) == 0 {
                    bias_size
                } else {
                    -bias_size
                }
            })
            .collect();
        let mut bank = Vec::with_capacity(world.topics * world.questions_per_topic);
        for topic in 0..world.topics {
            for q in 0..world.questions_per_topic {
                let b_tag = (q % 3) as f64 - 1.0;
                bank.push(SimItem {
                    topic,
                    b_tag,
                    b: b_tag + 0.3 * rng.normal(),
                    a: (0.2 * rng.normal()).exp(),
                });
            }
        }
        Candidate { theta0, bias, bank }
    }
}

/// The true chance of a good answer.
pub fn p_true(theta: f64, item: &SimItem) -> f64 {
    sigmoid(item.a * (theta - item.b))
}

/// One grade in [0, 1].
pub fn grade(grading: &Grading, p: f64, bias: f64, rng: &mut Rng) -> f64 {
    match *grading {
        Grading::Graded { phi, noise, .. } => {
            let p = p.clamp(1e-6, 1.0 - 1e-6);
            (rng.beta(p * phi, (1.0 - p) * phi) + noise * rng.normal() + bias).clamp(0.0, 1.0)
        }
        Grading::Binary => f64::from(u8::from(rng.uniform() < p)),
    }
}

/// The candidate after one question on a topic at true chance `p` and score `s`.
pub fn learn(dynamics: Dynamics, theta: &mut f64, p: f64, s: f64) {
    match dynamics {
        Dynamics::L0 => {}
        Dynamics::L1 | Dynamics::L3 => *theta += 0.1 * 4.0 * p * (1.0 - p),
        Dynamics::L2 => *theta += 0.1 * (1.0 - s),
    }
}

/// Between two sessions: L3 forgets part of what was learned.
pub fn forget(dynamics: Dynamics, theta: &mut [f64], theta0: &[f64]) {
    if dynamics == Dynamics::L3 {
        for (t, t0) in theta.iter_mut().zip(theta0) {
            *t -= 0.2 * (*t - t0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_reproducible_and_the_bank_is_balanced() {
        let w = World::reference();
        let a = Candidate::generate(&w, 1, 5);
        let b = Candidate::generate(&w, 1, 5);
        assert_eq!(a.theta0, b.theta0);
        assert_eq!(a.bank.len(), 480);
        let easy = a.bank.iter().filter(|i| i.b_tag == -1.0).count();
        assert_eq!(easy, 160);
        assert_ne!(a.theta0, Candidate::generate(&w, 1, 6).theta0);
    }

    #[test]
    fn graded_scores_centre_on_the_true_chance() {
        let mut rng = Rng::new(3);
        let g = World::reference().grading;
        let n = 20_000;
        let mean = (0..n).map(|_| grade(&g, 0.7, 0.0, &mut rng)).sum::<f64>() / n as f64;
        assert!((mean - 0.7).abs() < 0.01, "{mean}");
        assert!((0..100).all(|_| (0.0..=1.0).contains(&grade(&g, 0.99, 0.1, &mut rng))));
    }
}
