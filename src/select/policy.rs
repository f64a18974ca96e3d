//! The selection policy on plain indices, shared by `viva practice` and the simulation benchmark
//! (`viva sim`), so that the benchmark measures the code that runs.
//!
//! In order of precedence:
//! 1. coverage: every allowed topic is asked within the first ⌈1.5·T⌉ questions;
//! 2. reviews (at most a quarter of the slots): a question failed this session comes back after at
//!    least four others, as an unasked sibling of the same kind when there is one; then the
//!    questions FSRS finds due from earlier days, least retrievable first;
//! 3. diagnose (until the weakest-K set is right with probability ≥ 0.8, or four answers per
//!    topic): the LUCB rule asks the topic whose membership in the weakest set is least settled;
//! 4. drill: Thompson sampling for the weakest topic; a drill question when the bank has one the
//!    candidate likely answers well 55–90% of the time, else a "foundation" question (the
//!    topic is below the bank's easiest questions: the best fitting one, the user is told so);
//!
//! and inside the chosen topic, an unasked question whose predicted success is closest to the
//! phase's target (0.55 to diagnose, 0.72 to drill), uniformly among the best three.
//!
//! ARCHITECTURE.md ("Choosing the next question") records why this departs from the
//! recommended model: the benchmark figures behind each choice.

use crate::learner::Posterior;
use crate::learner::posterior::normal_cdf;
use crate::random::Rng;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// Size of the weakest set to find.
    pub k: usize,
    pub p_diagnose: f64,
    pub p_drill: f64,
    /// A drill question has a chance of success in this band with probability at least
    /// `drill_sureness` under the posterior; otherwise the turn is a foundation one.
    pub drill_band: (f64, f64),
    pub drill_sureness: f64,
    /// Diagnosis stops once P(estimated weakest set is right) reaches this...
    pub confidence: f64,
    /// ...or once the candidate has answered this many questions per allowed topic (in all).
    pub diagnose_per_topic: f64,
    pub review_share: f64,
    /// Questions that must pass before a failed one comes back.
    pub review_gap: usize,
    /// A score below this is a failure worth a review.
    pub fail_below: f64,
    /// The question is drawn uniformly among this many best-targeted ones.
    pub best_of: usize,
    /// Every topic is asked within the first ⌈coverage_factor·T⌉ questions.
    pub coverage_factor: f64,
}

impl Policy {
    pub fn new(k: usize) -> Policy {
        Policy {
            k,
            p_diagnose: 0.55,
            p_drill: 0.72,
            drill_band: (0.55, 0.9),
            drill_sureness: 0.8,
            confidence: 0.8,
            diagnose_per_topic: 4.0,
            review_share: 0.25,
            review_gap: 4,
            fail_below: 0.6,
            best_of: 3,
            coverage_factor: 1.5,
        }
    }
}

/// An askable question as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Item {
    pub topic: usize,
    /// Difficulty on the ability scale (from the tag).
    pub b: f64,
    /// The rubric kind: a sibling for a review shares it.
    pub kind: u8,
    /// Never asked in an earlier session: such questions are preferred.
    pub fresh: bool,
}

/// One question asked in this session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Turn {
    pub item: usize,
    /// Scored below `fail_below`, or answered with nothing to score.
    pub failed: bool,
    pub why: Why,
}

/// Why a question was chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Why {
    /// Every topic early: this topic had not been asked.
    Coverage,
    /// Brings back the session turn at this index, which failed.
    Review {
        of: usize,
    },
    /// Due by FSRS; `rank` in the due list.
    Due {
        rank: usize,
    },
    Diagnose,
    /// The weakest topic by Thompson sampling, at a question predicted in the drill band.
    Drill,
    /// The weakest topic by Thompson sampling, which has no question the candidate is likely
    /// to answer well: its easiest fitting question.
    Foundation,
}

impl Why {
    pub fn is_review(self) -> bool {
        matches!(self, Why::Review { .. } | Why::Due { .. })
    }
}

/// Everything the policy looks at for one pick.
#[derive(Debug, Clone, Copy)]
pub struct Situation<'a> {
    pub posterior: &'a Posterior,
    /// The questions the user's filters allow.
    pub items: &'a [Item],
    /// Per item: already asked in this session.
    pub asked: &'a [bool],
    /// This session's questions so far.
    pub log: &'a [Turn],
    /// Items due for review from earlier days, most urgent first.
    pub due: &'a [usize],
    /// Questions planned for this session.
    pub budget: usize,
    /// Per topic: asked before, in an earlier session or this one.
    pub covered: &'a [bool],
    /// Questions answered in earlier sessions (the coverage deadline counts from the first).
    pub answered_before: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    pub item: usize,
    pub why: Why,
}

impl Policy {
    pub fn choose(&self, s: &Situation, rng: &mut Rng) -> Option<Choice> {
        let topics = s.posterior.topics();
        let mut open: Vec<Vec<usize>> = vec![Vec::new(); topics];
        let mut allowed = vec![false; topics];
        for (i, item) in s.items.iter().enumerate() {
            allowed[item.topic] = true;
            if !s.asked[i] {
                open[item.topic].push(i);
            }
        }
        let available: Vec<usize> = (0..topics).filter(|&t| !open[t].is_empty()).collect();

        let allowed = allowed.iter().filter(|&&a| a).count();
        let deadline = (self.coverage_factor * allowed as f64).ceil() as usize;
        let uncovered: Vec<usize> = available
            .iter()
            .copied()
            .filter(|&t| !s.covered[t])
            .collect();
        if !uncovered.is_empty() && s.answered_before + s.log.len() + uncovered.len() >= deadline {
            let t = argmax_random(&uncovered, |t| s.posterior.sd(t), rng);
            let item = self.best_targeted(&open[t], s, self.p_diagnose, rng);
            return Some(Choice {
                item,
                why: Why::Coverage,
            });
        }
        let answered = s.answered_before + s.log.len();
        let diagnosing = available.len() > self.k
            && (answered as f64) < self.diagnose_per_topic * allowed as f64
            && s.posterior.p_weakest_set_right(&available, self.k) < self.confidence;
        let target = if diagnosing {
            self.p_diagnose
        } else {
            self.p_drill
        };
        if let Some(review) = self.review(s, &open, target, rng) {
            return Some(review);
        }
        if available.is_empty() {
            return None;
        }
        let (topic, why, target) = if diagnosing {
            let topic = lucb(s.posterior, &available, self.k);
            (topic, Why::Diagnose, self.p_diagnose)
        } else {
            let topic = thompson_lowest(s.posterior, &available, rng);
            // Items share a few difficulties: test each difficulty once.
            let mut tried: Vec<f64> = Vec::new();
            let drillable = open[topic].iter().any(|&i| {
                let b = s.items[i].b;
                if tried.contains(&b) {
                    return false;
                }
                tried.push(b);
                self.in_band(s.posterior, topic, b) >= self.drill_sureness
            });
            let weak = open[topic]
                .iter()
                .all(|&i| s.posterior.p_success(topic, s.items[i].b, 1.0) < self.p_drill);
            match (drillable, weak) {
                (true, _) => (topic, Why::Drill, self.p_drill),
                (false, true) => (topic, Why::Foundation, self.p_drill),
                // Too uncertain to aim at the drill band: measure it first.
                (false, false) => (topic, Why::Diagnose, self.p_diagnose),
            }
        };
        let item = self.best_targeted(&open[topic], s, target, rng);
        Some(Choice { item, why })
    }

    /// P(the chance of success on an item of difficulty `b` is inside the drill band).
    fn in_band(&self, p: &Posterior, t: usize, b: f64) -> f64 {
        let logit = |x: f64| (x / (1.0 - x)).ln();
        let (mu, sd) = (p.mean(t) - b, p.sd(t).max(1e-9));
        normal_cdf((logit(self.drill_band.1) - mu) / sd)
            - normal_cdf((logit(self.drill_band.0) - mu) / sd)
    }

    /// A failed question of this session, four or more questions ago (as a sibling aimed at
    /// `target` when there is one), or an item due from an earlier day; None when the review
    /// share is spent or nothing is waiting.
    fn review(
        &self,
        s: &Situation,
        open: &[Vec<usize>],
        target: f64,
        rng: &mut Rng,
    ) -> Option<Choice> {
        let done = s.log.iter().filter(|t| t.why.is_review()).count();
        if done as f64 >= (self.review_share * s.budget as f64).floor() {
            return None;
        }
        let position = s.log.len();
        for (i, turn) in s.log.iter().enumerate() {
            if position - i - 1 < self.review_gap {
                break;
            }
            // A failed review does not spawn another: one second chance per question.
            if !turn.failed
                || turn.why.is_review()
                || s.log[i + 1..]
                    .iter()
                    .any(|l| l.why == Why::Review { of: i })
            {
                continue;
            }
            let failed = &s.items[turn.item];
            let siblings: Vec<usize> = open[failed.topic]
                .iter()
                .copied()
                .filter(|&j| s.items[j].kind == failed.kind)
                .collect();
            let item = if siblings.is_empty() {
                turn.item
            } else {
                self.best_targeted(&siblings, s, target, rng)
            };
            return Some(Choice {
                item,
                why: Why::Review { of: i },
            });
        }
        s.due
            .iter()
            .enumerate()
            .find(|(_, item)| !s.asked[**item])
            .map(|(rank, &item)| Choice {
                item,
                why: Why::Due { rank },
            })
    }

    /// Among `candidates` (one topic), never-asked questions first, the predicted success
    /// closest to `target`; uniformly among the best few, ties in random order.
    fn best_targeted(
        &self,
        candidates: &[usize],
        s: &Situation,
        target: f64,
        rng: &mut Rng,
    ) -> usize {
        let fresh: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&i| s.items[i].fresh)
            .collect();
        let pool = if fresh.is_empty() { candidates } else { &fresh };
        let mut ranked: Vec<(f64, u64, usize)> = pool
            .iter()
            .map(|&i| {
                let item = &s.items[i];
                let p = s.posterior.p_success(item.topic, item.b, 1.0);
                ((p - target).abs(), rng.next_u64(), i)
            })
            .collect();
        let best = self.best_of.min(ranked.len());
        ranked.select_nth_unstable_by(best - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        ranked[rng.below(best)].2
    }
}

/// LUCB: I = the k lowest means; h = argmax over I of μ + 2σ, l = argmin outside I of μ − 2σ;
/// ask whichever of the two is less certain. `available` holds more than `k` topics.
pub fn lucb(p: &Posterior, available: &[usize], k: usize) -> usize {
    let mut sorted = available.to_vec();
    sorted.sort_by(|&a, &b| p.mean(a).total_cmp(&p.mean(b)));
    let (inside, outside) = sorted.split_at(k);
    let beta = 2.0;
    let h = *inside
        .iter()
        .max_by(|&&a, &&b| (p.mean(a) + beta * p.sd(a)).total_cmp(&(p.mean(b) + beta * p.sd(b))))
        .expect("k ≥ 1");
    let l = *outside
        .iter()
        .min_by(|&&a, &&b| (p.mean(a) - beta * p.sd(a)).total_cmp(&(p.mean(b) - beta * p.sd(b))))
        .expect("more topics than k");
    if p.sd(h) >= p.sd(l) { h } else { l }
}

/// Thompson sampling for the minimum: the lowest topic of one posterior draw.
pub fn thompson_lowest(p: &Posterior, available: &[usize], rng: &mut Rng) -> usize {
    let chol = p.cholesky();
    let mut theta = Vec::with_capacity(p.topics());
    p.draw(&chol, rng, &mut theta);
    *available
        .iter()
        .min_by(|&&a, &&b| theta[a].total_cmp(&theta[b]))
        .expect("a topic is available")
}

fn argmax_random(xs: &[usize], key: impl Fn(usize) -> f64, rng: &mut Rng) -> usize {
    let best = xs.iter().map(|&x| key(x)).fold(f64::NEG_INFINITY, f64::max);
    let ties: Vec<usize> = xs
        .iter()
        .copied()
        .filter(|&x| key(x) >= best - 1e-12)
        .collect();
    ties[rng.below(ties.len())]
}
