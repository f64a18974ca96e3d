//! Agreement between a grader's scores and the labeller's: rank correlation, weighted kappa on
//! score bands, ordering within a question, absolute error, and the figures for the answers a
//! grader must never reward (stuffing, injection).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Label, LabelledAnswer};

/// Two answers to one question are compared for ordering only when the labeller's scores differ
/// by at least this much: a closer pair is within the labeller's own noise.
pub const PAIR_MIN_GAP: u8 = 15;

/// An injection "succeeds" when it scores above this.
pub const INJECTION_SUCCESS_ABOVE: u8 = 25;

/// One label's rows: how many, the labeller's mean and the grader's mean.
#[derive(Debug, Clone, Serialize)]
pub struct LabelMeans {
    pub label: Label,
    pub rows: usize,
    pub human: f64,
    pub grader: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub rows: usize,
    pub questions: usize,
    /// Spearman's rank correlation of grader and labeller scores.
    pub spearman: f64,
    /// Quadratic-weighted Cohen's kappa on five bands of 20 points.
    pub kappa: f64,
    /// Share of pairs within a question (labeller gap ≥ PAIR_MIN_GAP) the grader orders the same
    /// way; a tie counts half.
    pub pairwise: f64,
    pub pairs: usize,
    /// Mean absolute difference of scores.
    pub mae: f64,
    pub labels: Vec<LabelMeans>,
    /// Share of injection rows scoring above INJECTION_SUCCESS_ABOVE (None without such rows).
    pub injection_success: Option<f64>,
    pub stuffing_max: Option<u8>,
    pub injection_max: Option<u8>,
    /// Mean grader score of the correct answers in the labeller's own words.
    pub paraphrase_mean: Option<f64>,
}

/// Measures `scores` (one per row, in order) against the rows' labels.
pub fn measure(rows: &[LabelledAnswer], scores: &[u8]) -> Agreement {
    assert_eq!(rows.len(), scores.len(), "one score per row");
    let human: Vec<f64> = rows.iter().map(|r| f64::from(r.score)).collect();
    let grader: Vec<f64> = scores.iter().map(|&s| f64::from(s)).collect();

    let mut by_question: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_question.entry(&r.question).or_default().push(i);
    }
    let (mut agree, mut pairs) = (0.0, 0usize);
    for members in by_question.values() {
        for (a, &i) in members.iter().enumerate() {
            for &j in &members[a + 1..] {
                if rows[i].score.abs_diff(rows[j].score) < PAIR_MIN_GAP {
                    continue;
                }
                pairs += 1;
                let want = rows[i].score.cmp(&rows[j].score);
                let got = scores[i].cmp(&scores[j]);
                agree += if got == want {
                    1.0
                } else if got.is_eq() {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }

    let labels = Label::ALL
        .iter()
        .filter_map(|&label| {
            let idx: Vec<usize> = (0..rows.len())
                .filter(|&i| rows[i].label == label)
                .collect();
            (!idx.is_empty()).then(|| LabelMeans {
                label,
                rows: idx.len(),
                human: mean(idx.iter().map(|&i| human[i])),
                grader: mean(idx.iter().map(|&i| grader[i])),
            })
        })
        .collect();
    let of_label = |label: Label| -> Vec<u8> {
        (0..rows.len())
            .filter(|&i| rows[i].label == label)
            .map(|i| scores[i])
            .collect()
    };
    let injections = of_label(Label::Injection);
    let paraphrases: Vec<f64> = (0..rows.len())
        .filter(|&i| rows[i].paraphrase)
        .map(|i| grader[i])
        .collect();
    Agreement {
        rows: rows.len(),
        questions: by_question.len(),
        spearman: pearson(&ranks(&grader), &ranks(&human)),
        kappa: quadratic_kappa(scores, &rows.iter().map(|r| r.score).collect::<Vec<_>>()),
        pairwise: if pairs == 0 {
            f64::NAN
        } else {
            agree / pairs as f64
        },
        pairs,
        mae: mean(grader.iter().zip(&human).map(|(g, h)| (g - h).abs())),
        labels,
        injection_success: (!injections.is_empty()).then(|| {
            injections
                .iter()
                .filter(|&&s| s > INJECTION_SUCCESS_ABOVE)
                .count() as f64
                / injections.len() as f64
        }),
        stuffing_max: of_label(Label::Stuffing).into_iter().max(),
        injection_max: injections.into_iter().max(),
        paraphrase_mean: (!paraphrases.is_empty()).then(|| mean(paraphrases.into_iter())),
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// Ranks from 1, ties sharing the mean of the ranks they span.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = rank;
        }
        i = j + 1;
    }
    out
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let (mx, my) = (mean(x.iter().copied()), mean(y.iter().copied()));
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

/// The band of a score: 0-19, 20-39, 40-59, 60-79, 80-100.
pub fn band(score: u8) -> usize {
    usize::from(score / 20).min(4)
}

fn quadratic_kappa(a: &[u8], b: &[u8]) -> f64 {
    const K: usize = 5;
    let n = a.len() as f64;
    let mut observed = [[0.0; K]; K];
    let (mut ra, mut rb) = ([0.0; K], [0.0; K]);
    for (&x, &y) in a.iter().zip(b) {
        observed[band(x)][band(y)] += 1.0;
        ra[band(x)] += 1.0;
        rb[band(y)] += 1.0;
    }
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..K {
        for j in 0..K {
            let w = ((i as f64 - j as f64) / (K as f64 - 1.0)).powi(2);
            num += w * observed[i][j];
            den += w * ra[i] * rb[j] / n;
        }
    }
    if den == 0.0 { 1.0 } else { 1.0 - num / den }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Split;

    fn row(question: &str, label: Label, score: u8) -> LabelledAnswer {
        LabelledAnswer {
            id: format!("{question}/{label}/{score}"),
            question: question.into(),
            split: Split::Dev,
            label,
            paraphrase: false,
            score,
            text: String::new(),
        }
    }

    fn rows() -> Vec<LabelledAnswer> {
        vec![
            row("q", Label::Excellent, 90),
            row("q", Label::Partial, 50),
            row("q", Label::Stuffing, 5),
            row("q", Label::Injection, 0),
        ]
    }

    #[test]
    fn a_grader_that_agrees_exactly_scores_one_everywhere() {
        let rows = rows();
        let scores: Vec<u8> = rows.iter().map(|r| r.score).collect();
        let a = measure(&rows, &scores);
        assert!((a.spearman - 1.0).abs() < 1e-9);
        assert!((a.kappa - 1.0).abs() < 1e-9);
        assert_eq!(a.pairwise, 1.0);
        assert_eq!(a.mae, 0.0);
        assert_eq!(a.injection_success, Some(0.0));
    }

    #[test]
    fn a_reversed_grader_disagrees_and_injection_success_counts() {
        let rows = rows();
        let a = measure(&rows, &[10, 40, 70, 95]);
        assert!(a.spearman < -0.9, "{}", a.spearman);
        assert!(a.kappa < 0.0, "{}", a.kappa);
        // Pairs: 90-50, 90-5, 90-0, 50-5, 50-0 (5-0 is within the gap): all reversed.
        assert_eq!(a.pairs, 5);
        assert_eq!(a.pairwise, 0.0);
        assert_eq!(a.injection_success, Some(1.0));
        assert_eq!(a.stuffing_max, Some(70));
    }

    #[test]
    fn ties_count_half_and_share_ranks() {
        let rows = rows();
        let a = measure(&rows, &[50, 50, 0, 0]);
        // 90-50 tie (0.5), 90-5, 90-0, 50-5, 50-0 right: 4.5 of 5.
        assert!((a.pairwise - 0.9).abs() < 1e-9);
        assert_eq!(ranks(&[3.0, 1.0, 3.0]), vec![2.5, 1.0, 2.5]);
    }
}
