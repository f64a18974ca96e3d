//! The per-topic ability estimate `viva report` shows, and the probability that each topic is the
//! weakest. `estimate` is the only source: the report, its JSON and the HTML export follow it.
//!
//! It is the mean score of the topic's latest attempts with its standard error, and P(weakest)
//! treats each topic's mean as an independent normal. The learner's posterior (`viva status`)
//! needs a replay of every answer, too slow for the report on a long history (ARCHITECTURE.md).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::store::Attempt;

/// What the numbers mean; shown with them so they are not mistaken for the learner's estimate.
pub const METHOD: &str = "mean score ± standard error";

/// Used as the spread of scores when there are fewer than two answers in all.
const DEFAULT_SPREAD: f64 = 25.0;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicEstimate {
    pub topic: String,
    /// On the 0–100 score scale.
    pub value: f64,
    /// One standard deviation of the estimate, on the same scale.
    pub uncertainty: f64,
    /// How many answers it rests on.
    pub answers: usize,
    /// The probability that this is the weakest topic.
    pub p_weakest: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Estimates {
    pub method: &'static str,
    /// Topics in name order.
    pub topics: Vec<TopicEstimate>,
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn sample_sd(xs: &[f64]) -> f64 {
    let m = mean(xs);
    (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

/// The estimate source. An answer with not enough evidence counts as 0: not knowing is evidence
/// of weakness, and leaving it out would make a topic answered only with "I don't know" vanish.
pub fn estimate(attempts: &[Attempt]) -> Estimates {
    let mut by_topic: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for a in attempts {
        by_topic
            .entry(a.topic.as_str())
            .or_default()
            .push(f64::from(a.score));
    }
    let all: Vec<f64> = attempts.iter().map(|a| f64::from(a.score)).collect();
    // A topic with one answer has no spread of its own: borrow the spread of all answers.
    let pooled = if all.len() >= 2 {
        sample_sd(&all).max(1.0)
    } else {
        DEFAULT_SPREAD
    };
    let mut topics: Vec<TopicEstimate> = by_topic
        .into_iter()
        .map(|(topic, scores)| {
            let sd = if scores.len() >= 2 {
                sample_sd(&scores).max(1.0)
            } else {
                pooled
            };
            TopicEstimate {
                topic: topic.to_string(),
                value: mean(&scores),
                uncertainty: sd / (scores.len() as f64).sqrt(),
                answers: scores.len(),
                p_weakest: 0.0,
            }
        })
        .collect();
    let p = p_lowest(
        &topics
            .iter()
            .map(|t| (t.value, t.uncertainty))
            .collect::<Vec<_>>(),
    );
    for (t, p) in topics.iter_mut().zip(p) {
        t.p_weakest = p;
    }
    Estimates {
        method: METHOD,
        topics,
    }
}

/// For independent normals (mean, sd), the probability that each is the lowest:
/// ∫ φᵢ(x) ∏ⱼ≠ᵢ (1 − Φⱼ(x)) dx, by the midpoint rule over ±7 sd of all of them.
fn p_lowest(normals: &[(f64, f64)]) -> Vec<f64> {
    const STEPS: usize = 1200;
    match normals.len() {
        0 => return vec![],
        1 => return vec![1.0],
        _ => {}
    }
    let lo = normals
        .iter()
        .map(|(m, s)| m - 7.0 * s)
        .fold(f64::INFINITY, f64::min);
    let hi = normals
        .iter()
        .map(|(m, s)| m + 7.0 * s)
        .fold(f64::NEG_INFINITY, f64::max);
    let dx = (hi - lo) / STEPS as f64;
    let mut p = vec![0.0; normals.len()];
    let mut survive = vec![0.0; normals.len()];
    for step in 0..STEPS {
        let x = lo + (step as f64 + 0.5) * dx;
        for (s, (m, sd)) in survive.iter_mut().zip(normals) {
            *s = 1.0 - normal_cdf((x - m) / sd);
        }
        for (i, (m, sd)) in normals.iter().enumerate() {
            let z = (x - m) / sd;
            let density = (-0.5 * z * z).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt());
            if density < 1e-300 {
                continue;
            }
            let others: f64 = survive
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, s)| s)
                .product();
            p[i] += density * others * dx;
        }
    }
    let total: f64 = p.iter().sum();
    if total > 0.0 {
        p.iter_mut().for_each(|x| *x /= total);
    }
    p
}

/// Φ(z) through the complementary error function (Numerical Recipes' Chebyshev fit,
/// relative error below 1.2e-7: far finer than a percentage shown to the user).
fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(topic: &str, score: u8) -> Attempt {
        Attempt {
            question_id: format!("{topic}-q"),
            topic: topic.into(),
            answered_at: 0,
            score,
            graded: true,
        }
    }

    #[test]
    fn the_normal_cdf_matches_known_values() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.96) - 0.975_002).abs() < 1e-5);
        assert!((normal_cdf(-1.0) - 0.158_655).abs() < 1e-5);
    }

    #[test]
    fn mean_and_standard_error_per_topic() {
        let e = estimate(&[
            attempt("oop", 40),
            attempt("oop", 60),
            attempt("web", 90),
            attempt("web", 70),
        ]);
        let oop = &e.topics[0];
        assert_eq!(
            (oop.topic.as_str(), oop.value, oop.answers),
            ("oop", 50.0, 2)
        );
        // sd of {40, 60} is 14.14; over √2 answers that is 10.
        assert!((oop.uncertainty - 10.0).abs() < 1e-9, "{}", oop.uncertainty);
    }

    #[test]
    fn the_clearly_weaker_topic_is_almost_surely_the_weakest_and_ties_split_evenly() {
        let p = p_lowest(&[(30.0, 5.0), (80.0, 5.0), (85.0, 5.0)]);
        assert!(p[0] > 0.999, "{p:?}");
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let tie = p_lowest(&[(50.0, 10.0), (50.0, 10.0)]);
        assert!((tie[0] - 0.5).abs() < 1e-3, "{tie:?}");
        // Two normals apart by one sd of their difference: P(first lower) = Φ(1) = 0.841.
        let apart = p_lowest(&[(40.0, 10.0 / 2f64.sqrt()), (50.0, 10.0 / 2f64.sqrt())]);
        assert!((apart[0] - 0.841_345).abs() < 1e-3, "{apart:?}");
    }

    #[test]
    fn uncertain_topics_share_the_probability() {
        // One answer each: wide estimates, so the lower mean is likelier but far from certain.
        let e = estimate(&[attempt("a", 40), attempt("b", 60)]);
        let (a, b) = (&e.topics[0], &e.topics[1]);
        assert!(a.p_weakest > b.p_weakest && a.p_weakest < 0.9, "{e:?}");
    }
}
