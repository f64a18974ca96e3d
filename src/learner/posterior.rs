//! The Gaussian posterior over topic abilities and its one-step update.
//!
//! Abilities θ ∈ ℝ^T live on a logistic scale: the chance of a good answer to an item of
//! difficulty b is σ(a·(θ_t − b)). The prior couples topics through a shared general level
//! (Σ₀ = σ_g²·11ᵀ + σ_s²·I), so an answer on one topic moves every topic a little.

use crate::random::Rng;

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// A score outside [0, 1] (or not a number) given to the update.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("score {0} is outside [0, 1]")]
pub struct ScoreOutOfRange(pub f64);

#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    mean: Vec<f64>,
    /// Row-major T×T covariance, kept symmetric.
    cov: Vec<f64>,
}

impl Posterior {
    /// The prior: every topic at 0, general spread `sigma_g`, topic deviation `sigma_s`.
    pub fn prior(topics: usize, sigma_g: f64, sigma_s: f64) -> Posterior {
        let mut cov = vec![sigma_g * sigma_g; topics * topics];
        for t in 0..topics {
            cov[t * topics + t] += sigma_s * sigma_s;
        }
        Posterior {
            mean: vec![0.0; topics],
            cov,
        }
    }

    pub fn topics(&self) -> usize {
        self.mean.len()
    }

    /// The mean vector and the row-major covariance, for a snapshot.
    pub fn parts(&self) -> (&[f64], &[f64]) {
        (&self.mean, &self.cov)
    }

    /// A posterior from `parts`; the lengths are the caller's to check (T and T×T).
    pub fn from_parts(mean: Vec<f64>, cov: Vec<f64>) -> Posterior {
        debug_assert_eq!(cov.len(), mean.len() * mean.len());
        Posterior { mean, cov }
    }

    pub fn mean(&self, t: usize) -> f64 {
        self.mean[t]
    }

    pub fn means(&self) -> &[f64] {
        &self.mean
    }

    pub fn var(&self, t: usize) -> f64 {
        self.cov[t * self.topics() + t]
    }

    pub fn sd(&self, t: usize) -> f64 {
        self.var(t).sqrt()
    }

    pub fn cov(&self, i: usize, j: usize) -> f64 {
        self.cov[i * self.topics() + j]
    }

    /// The plug-in chance of a good answer to an item of difficulty `b`, discrimination `a`.
    pub fn p_success(&self, t: usize, b: f64, a: f64) -> f64 {
        sigmoid(a * (self.mean[t] - b))
    }

    /// One Laplace (Kalman) step after a score `s` on topic `t`. `m` is the information of a
    /// graded score relative to a pass/fail one (1 for pass/fail). Returns the predicted chance
    /// p̂ the score was compared with. The variance of every topic shrinks or stays.
    pub fn update(
        &mut self,
        t: usize,
        b: f64,
        a: f64,
        s: f64,
        m: f64,
    ) -> Result<f64, ScoreOutOfRange> {
        if !(0.0..=1.0).contains(&s) {
            return Err(ScoreOutOfRange(s));
        }
        let p = self.p_success(t, b, a);
        self.step(t, m * a * a * p * (1.0 - p), m * a * (s - p));
        Ok(p)
    }

    /// One exact (Kalman) step after a direct Gaussian measurement `y` = θ_t + noise of
    /// variance `noise_var`. No answer is such a measurement; the simulation's ceiling
    /// (`sim::ceiling`) uses it to ask what a selector could do with answers of known information.
    pub fn measure(&mut self, t: usize, y: f64, noise_var: f64) {
        let gradient = (y - self.mean[t]) / noise_var;
        self.step(t, 1.0 / noise_var, gradient);
    }

    /// The shared step: information `info` about θ_t and the log-likelihood's slope `gradient`
    /// at the current mean.
    fn step(&mut self, t: usize, info: f64, gradient: f64) {
        let n = self.topics();
        // Sherman–Morrison: Σ ← Σ − (I / (1 + I·c_t))·c·cᵀ with c = Σ·e_t.
        let c: Vec<f64> = (0..n).map(|i| self.cov[i * n + t]).collect();
        let k = info / (1.0 + info * c[t]);
        for i in 0..n {
            for j in 0..n {
                self.cov[i * n + j] -= k * c[i] * c[j];
            }
        }
        // The mean moves along the updated column: μ ← μ + g·Σ·e_t.
        for i in 0..n {
            self.mean[i] += gradient * self.cov[i * n + t];
        }
    }

    /// Adds `q` to the variance of topic `t`: ability drifts (learning, forgetting).
    pub fn drift(&mut self, t: usize, q: f64) {
        let n = self.topics();
        self.cov[t * n + t] += q;
    }

    /// The lower Cholesky factor of Σ, for correlated draws.
    pub fn cholesky(&self) -> Vec<f64> {
        let n = self.topics();
        let mut l = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let mut sum = self.cov[i * n + j];
                for k in 0..j {
                    sum -= l[i * n + k] * l[j * n + k];
                }
                if i == j {
                    // Rounding can leave a tiny negative pivot after many updates.
                    l[i * n + i] = sum.max(1e-12).sqrt();
                } else {
                    l[i * n + j] = sum / l[j * n + j];
                }
            }
        }
        l
    }

    /// One draw θ̃ ~ N(μ, Σ) into `out`, given the Cholesky factor.
    pub fn draw(&self, chol: &[f64], rng: &mut Rng, out: &mut Vec<f64>) {
        let n = self.topics();
        let z: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        out.clear();
        for i in 0..n {
            let row = &chol[i * n..i * n + i + 1];
            out.push(self.mean[i] + row.iter().zip(&z).map(|(l, z)| l * z).sum::<f64>());
        }
    }

    /// For each topic of `among`, the share of `draws` posterior draws in which it is one of the
    /// `k` lowest of `among`.
    pub fn p_weakest(&self, among: &[usize], k: usize, draws: usize, rng: &mut Rng) -> Vec<f64> {
        let chol = self.cholesky();
        let mut hits = vec![0usize; among.len()];
        let mut theta = Vec::with_capacity(self.topics());
        let mut order: Vec<usize> = (0..among.len()).collect();
        for _ in 0..draws {
            self.draw(&chol, rng, &mut theta);
            order.sort_by(|&x, &y| theta[among[x]].total_cmp(&theta[among[y]]));
            for &i in order.iter().take(k) {
                hits[i] += 1;
            }
        }
        hits.iter().map(|&h| h as f64 / draws as f64).collect()
    }

    /// A lower bound (Bonferroni) on the chance that the `k` topics of `among` with the lowest
    /// means are truly the `k` lowest: 1 − Σ P(θ_j < θ_i) over i inside, j outside the set.
    /// Closed form, so the selector can ask it at every step.
    pub fn p_weakest_set_right(&self, among: &[usize], k: usize) -> f64 {
        let mut sorted = among.to_vec();
        sorted.sort_by(|&x, &y| self.mean[x].total_cmp(&self.mean[y]));
        let (inside, outside) = sorted.split_at(k.min(sorted.len()));
        let mut miss = 0.0;
        for &i in inside {
            for &j in outside {
                let var = (self.var(i) + self.var(j) - 2.0 * self.cov(i, j)).max(1e-12);
                miss += normal_cdf((self.mean[i] - self.mean[j]) / var.sqrt());
            }
        }
        (1.0 - miss).max(0.0)
    }
}

/// The chance of success p = σ(θ − b) averaged over θ ~ N(μ, var): its mean, its variance and
/// the mean of p(1 − p) (7-point Gauss–Hermite).
pub fn predictive(mu: f64, var: f64, b: f64) -> (f64, f64, f64) {
    const NODES: [(f64, f64); 7] = [
        (-3.750_439_717_725_742, 0.000_548_268_855_972_218),
        (-2.366_759_410_734_541, 0.030_757_123_967_586_5),
        (-1.154_405_394_739_968, 0.240_123_178_605_013),
        (0.0, 0.457_142_857_142_857),
        (1.154_405_394_739_968, 0.240_123_178_605_013),
        (2.366_759_410_734_541, 0.030_757_123_967_586_5),
        (3.750_439_717_725_742, 0.000_548_268_855_972_218),
    ];
    let sd = var.max(0.0).sqrt();
    let (mut m1, mut m2) = (0.0, 0.0);
    for (x, w) in NODES {
        // Probabilists' nodes: θ = μ + sd·x with weights summing to 1.
        let p = sigmoid(mu + sd * x - b);
        m1 += w * p;
        m2 += w * p * p;
    }
    (m1, (m2 - m1 * m1).max(0.0), m1 - m2)
}

/// Φ(x), from the complementary error function (Numerical Recipes' erfc, error < 1.2e-7).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let erfc = t * poly.exp();
    if x >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::Rng;
    use proptest::prelude::*;

    fn posterior_after(history: &[(usize, i8, f64)]) -> Posterior {
        let mut p = Posterior::prior(5, 1.0, 0.75);
        for &(t, b, s) in history {
            p.update(t, f64::from(b), 1.0, s, 2.0).unwrap();
        }
        p
    }

    proptest! {
        #[test]
        fn the_variance_of_the_updated_topic_never_grows(
            history in prop::collection::vec((0usize..5, -1i8..=1, 0.0f64..=1.0), 0..30),
            t in 0usize..5, b in -1i8..=1, s in 0.0f64..=1.0, m in 1.0f64..4.0,
        ) {
            let mut p = posterior_after(&history);
            let before: Vec<f64> = (0..5).map(|i| p.var(i)).collect();
            p.update(t, f64::from(b), 1.0, s, m).unwrap();
            prop_assert!(p.var(t) <= before[t]);
            prop_assert!(p.var(t) > 0.0);
            // Pooling never makes any other topic less certain either.
            for (i, v) in before.iter().enumerate() {
                prop_assert!(p.var(i) <= v + 1e-12);
            }
        }

        #[test]
        fn scores_outside_the_unit_interval_are_rejected(
            s in prop_oneof![-1e6f64..-1e-9, 1.0f64 + 1e-9..1e6, Just(f64::NAN), Just(f64::INFINITY)],
        ) {
            let mut p = Posterior::prior(3, 1.0, 0.75);
            let before = p.clone();
            prop_assert!(p.update(1, 0.0, 1.0, s, 1.0).is_err());
            prop_assert_eq!(p, before, "a rejected score leaves the posterior untouched");
        }
    }

    #[test]
    fn a_poor_answer_lowers_its_topic_most_and_the_others_a_little() {
        let mut p = Posterior::prior(3, 1.0, 0.75);
        p.update(0, 0.0, 1.0, 0.1, 1.0).unwrap();
        assert!(p.mean(0) < p.mean(1));
        assert!(p.mean(1) < 0.0, "pooling through the general level");
        assert_eq!(p.mean(1), p.mean(2));
    }

    #[test]
    fn one_topic_behaves_as_elo_with_a_shrinking_step() {
        // With one topic the step is K = variance·a, so equal surprises move μ less each time.
        let mut p = Posterior::prior(1, 1.0, 0.0);
        let mut steps = Vec::new();
        for _ in 0..4 {
            let before = p.mean(0);
            let v = p.var(0);
            let phat = p.p_success(0, before, 1.0);
            p.update(0, before, 1.0, 1.0, 1.0).unwrap();
            let v_after = v / (1.0 + phat * (1.0 - phat) * v);
            assert!((p.mean(0) - before - v_after * (1.0 - phat)).abs() < 1e-12);
            steps.push(p.mean(0) - before);
        }
        assert!(steps.windows(2).all(|w| w[1] < w[0]), "{steps:?}");
    }

    #[test]
    fn draws_follow_the_posterior_and_the_bound_is_a_lower_bound() {
        let mut p = Posterior::prior(4, 1.0, 0.75);
        for _ in 0..6 {
            p.update(0, 0.0, 1.0, 0.2, 2.0).unwrap();
            p.update(1, 0.0, 1.0, 0.35, 2.0).unwrap();
            p.update(2, 0.0, 1.0, 0.6, 2.0).unwrap();
            p.update(3, 0.0, 1.0, 0.8, 2.0).unwrap();
        }
        let mut rng = Rng::new(5);
        let chol = p.cholesky();
        let mut theta = Vec::new();
        let n = 20_000;
        let mut sum = 0.0;
        let mut right = 0;
        for _ in 0..n {
            p.draw(&chol, &mut rng, &mut theta);
            sum += theta[0];
            let mut order: Vec<usize> = (0..4).collect();
            order.sort_by(|&a, &b| theta[a].total_cmp(&theta[b]));
            right += usize::from(order[..2].contains(&0) && order[..2].contains(&1));
        }
        assert!((sum / n as f64 - p.mean(0)).abs() < 0.02);
        let bound = p.p_weakest_set_right(&[0, 1, 2, 3], 2);
        let sampled = right as f64 / n as f64;
        assert!(bound <= sampled + 0.01, "{bound} vs {sampled}");
        assert!(bound > 0.5, "{bound}");
        let shares = p.p_weakest(&[0, 1, 2, 3], 2, 2000, &mut rng);
        assert!(shares[0] > shares[2] && shares[1] > shares[3], "{shares:?}");
        assert!((shares.iter().sum::<f64>() - 2.0).abs() < 1e-9);
    }

    #[test]
    fn the_predictive_spread_grows_with_uncertainty() {
        let (mean, var, pq) = predictive(0.0, 0.0, 0.0);
        assert!((mean - 0.5).abs() < 1e-12 && var < 1e-12 && (pq - 0.25).abs() < 1e-12);
        let (mean, var, pq) = predictive(0.0, 1.0, 0.0);
        assert!((mean - 0.5).abs() < 1e-9);
        assert!(var > 0.03 && var < 0.05, "{var}");
        assert!((pq + var - 0.25).abs() < 1e-9, "E[p(1−p)] = E[p] − E[p²]");
    }

    #[test]
    fn normal_cdf_matches_known_values() {
        for (x, want) in [(0.0, 0.5), (1.0, 0.841_344_75), (-1.959_964, 0.025)] {
            assert!((normal_cdf(x) - want).abs() < 1e-6, "{x}");
        }
    }
}
