//! How telling a word is: its rarity among the bank's key points, and how much each term of a
//! key point proves on its own that this point is being made (the specific-term path).

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use crate::grade::terms::Term;
use crate::grade::terms::read;

/// Evidence a sentence needs for the specific-term path to make a point "partly": the sum of
/// the `specificity` of the point's terms it contains. 0.8 is one term that no other key point of
/// the question uses and at most four of the bank's ~3,000 key points use (rarity
/// 1 - ln 4 / ln 3018 = 0.83; five give 0.799), or two or more less rare ones together.
pub(super) const SPECIFIC_PARTLY: f64 = 0.8;

/// For each stem, how many key points of the shipped bank use it, out of how many. A word few
/// key points use (`isdisjoint`, `autocomplete`) says more about which point an answer is making
/// than one hundreds use (`object`, `list`); the bank's key points are what answers are matched
/// against, so they are the corpus. Built once per process from the embedded bank, so it is the
/// same for every grade of a build, questions outside the bank included (a word the bank never
/// uses counts as rare).
pub(super) struct Rarity {
    pub(super) key_points: f64,
    pub(super) using: HashMap<String, u32>,
}

pub(super) fn rarity_table() -> &'static Rarity {
    static TABLE: OnceLock<Rarity> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The shipped bank is validated by its tests; were it ever broken, the table is only
        // empty and every word counts as rare.
        let bank = crate::bank::Bank::load(None).unwrap_or_default();
        let mut using: HashMap<String, u32> = HashMap::new();
        let mut key_points = 0u32;
        for line in bank.questions().iter().flat_map(|q| &q.what_they_test) {
            key_points += 1;
            let stems: BTreeSet<String> = read(line).content().map(|t| t.stem.clone()).collect();
            for stem in stems {
                *using.entry(stem).or_default() += 1;
            }
        }
        Rarity {
            key_points: f64::from(key_points.max(2)),
            using,
        }
    })
}

/// Inverse document frequency over the bank's key points, scaled to 0..=1: 1 for a stem at most
/// one key point uses, 0 for one they all use.
pub(super) fn rarity(stem: &str) -> f64 {
    let table = rarity_table();
    let using = f64::from(table.using.get(stem).copied().unwrap_or(0).max(1));
    ((table.key_points / using).ln() / table.key_points.ln()).clamp(0.0, 1.0)
}

/// How much each term of each key point proves on its own that this point is being made: its
/// rarity in the bank, divided by the number of this question's key points that use it (a word
/// several points share does not say which one is meant, so it counts for each in part), and 0
/// when a point the answer has already made (`made`) uses it too: the word is accounted for by
/// that point. Only a point's own technical words count: generic words, words of the question's
/// prompt (repeating the question proves nothing) and one-letter names (`a`, `b`, `x` are said
/// in passing) are 0.
pub(super) fn specificity(points: &[Vec<Term>], made: &[bool]) -> Vec<Vec<f64>> {
    let mut shared: HashMap<&str, f64> = HashMap::new();
    let mut accounted: BTreeSet<&str> = BTreeSet::new();
    for (terms, &made) in points.iter().zip(made) {
        for t in terms {
            *shared.entry(t.stem.as_str()).or_default() += 1.0;
            if made {
                accounted.insert(t.stem.as_str());
            }
        }
    }
    points
        .iter()
        .map(|terms| {
            terms
                .iter()
                .map(|t| {
                    let own = t.weight >= 1.0 && t.stem.chars().nth(1).is_some();
                    if own && !accounted.contains(t.stem.as_str()) {
                        rarity(&t.stem) / shared[t.stem.as_str()]
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect()
}
