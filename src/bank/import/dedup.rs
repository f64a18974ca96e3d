//! Duplicates: an imported question that asks what a bank question (or an earlier imported
//! one) asks. Questions are compared by their words (stems and synonyms from the grader's text
//! analysis, weighted towards rare words) in three ways: how much of the question's title the
//! candidate's subject (title, tags, concepts, key points) contains, how alike the two titles
//! are, and how alike the bodies (rubric lists and answer) are. A guide's short title and the
//! bank's spoken prompt seldom agree word for word, so the body weighs most.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::Extracted;
use crate::bank::Question;
use crate::words::content_stems;

/// The score from which two questions are the same. The weights and this threshold were set
/// on the seed guides, whose questions carry concept ids: at this point 92% of the marked
/// duplicates name a bank question of the same concept (see examples/import_eval.rs).
const DUPLICATE: f64 = 1.35;
/// How many postings one question's search reads before it stops gathering candidates.
const MAX_VISITS: usize = 2000;
/// How many candidates, by title, have their bodies compared.
const BODY_CANDIDATES: usize = 40;
/// How much of a title a duplicate must share at least (costs nothing on the seed guides).
const SOME_TITLE: f64 = 0.4;

/// What one question is compared by.
#[derive(Debug, Clone, Default)]
pub struct Text {
    /// The question as asked (a bank question's prompt).
    pub title: String,
    /// Words naming what it is about: the title, tags, concepts.
    pub subject: String,
    /// The rubric lists and the answer.
    pub body: String,
}

impl Text {
    pub fn of_bank(q: &Question) -> Text {
        Text {
            title: q.prompt.clone(),
            subject: format!(
                "{} {} {}",
                q.tags.join(" "),
                q.concepts.join(" ").replace('_', " "),
                q.what_they_test.join(" ")
            ),
            body: [
                q.what_they_test.join(" "),
                q.strong_signals.join(" "),
                q.red_flags.join(" "),
                q.follow_ups
                    .iter()
                    .map(|f| f.prompt.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                q.model_answer.clone(),
            ]
            .join(" "),
        }
    }

    pub fn of_import(q: &Extracted) -> Text {
        Text {
            title: q.title.clone(),
            subject: q.tags.join(" "),
            body: [
                q.insight.what_they_test.join(" "),
                q.insight.strong_signals.join(" "),
                q.insight.red_flags.join(" "),
                q.insight.follow_ups.join(" "),
                q.answer.clone(),
            ]
            .join(" "),
        }
    }
}

/// The words of a title that say what it is about: the words that only ask ("Explain",
/// "What is the difference between", "How does … work") go, so that "Explain the GIL." and
/// "What is the GIL?" are the same title, and two titles that share only their asking words
/// are not alike.
fn asked_about(title: &str) -> String {
    const ASKING: &[&str] = &[
        "explain",
        "describe",
        "define",
        "discuss",
        "tell",
        "give",
        "compare",
        "contrast",
        "difference",
        "differences",
        "different",
        "differ",
        "between",
        "work",
        "works",
        "working",
        "mean",
        "means",
        "meaning",
        "purpose",
        "role",
        "concept",
        "example",
        "examples",
        "use",
        "used",
        "using",
        "would",
        "could",
        "should",
        "happen",
        "happens",
        "main",
        "key",
        "important",
        "common",
        "understand",
        "understanding",
        "walk",
        "through",
        "python",
        "python's",
    ];
    title
        .split_whitespace()
        .filter(|w| {
            let bare = w
                .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                .to_lowercase();
            !ASKING.contains(&bare.as_str())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A unit-length sparse vector over term ids.
type Vector = Vec<(u32, f64)>;

/// A candidate found for a question, with its similarities (0 to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub index: usize,
    /// Cosine of the two titles.
    pub title: f64,
    /// Share of the question's title (by weight) that the candidate's subject contains.
    pub cover: f64,
    /// Cosine of the two bodies.
    pub body: f64,
}

impl Match {
    /// How strongly the evidence says "the same question": the candidate's subject holds the
    /// question's title words, the titles agree, and above all the rubrics and answers agree.
    pub fn score(&self) -> f64 {
        self.cover + 0.5 * self.title + 1.5 * self.body
    }

    /// The same question: a high score, and titles that have words in common, so that two
    /// questions sharing a section's rubric (a list of key concepts) are not taken for one.
    pub fn is_duplicate(&self) -> bool {
        self.score() >= DUPLICATE && (self.cover >= SOME_TITLE || self.title >= SOME_TITLE)
    }
}

/// Vectors of a fixed set of questions, with postings to find candidates fast.
pub struct Index {
    idf: Vec<f64>,
    title: Vec<Vector>,
    subject: Vec<Vec<u32>>,
    body: Vec<Vector>,
    postings: FastMap<u32, Vec<usize>>,
}

/// The multiply-rotate hash of rustc (FxHash): the maps here are keyed by short words and
/// small integers of our own making, where SipHash's resistance to crafted keys buys nothing
/// and costs a third of the import time.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Term ids of texts: each distinct word is stemmed once, then looked up.
#[derive(Default)]
struct Terms {
    by_word: FastMap<String, Vec<u32>>,
    by_stem: FastMap<String, u32>,
    buf: String,
}

impl Terms {
    fn of(&mut self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let word_char = |c: char| c.is_alphanumeric() || c == '_' || c == '\'' || c == '’';
        for word in text
            .split(|c: char| !word_char(c))
            .filter(|w| !w.is_empty())
        {
            self.buf.clear();
            self.buf.extend(word.chars().flat_map(char::to_lowercase));
            if let Some(ids) = self.by_word.get(self.buf.as_str()) {
                out.extend(ids);
                continue;
            }
            let ids: Vec<u32> = content_stems(&self.buf)
                .into_iter()
                .map(|stem| {
                    let next = self.by_stem.len() as u32;
                    *self.by_stem.entry(stem).or_insert(next)
                })
                .collect();
            out.extend(&ids);
            self.by_word.insert(self.buf.clone(), ids);
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl Index {
    /// Builds vectors for all the texts; rarity is measured over them.
    pub fn new(texts: &[Text]) -> Index {
        let mut terms = Terms::default();
        let mut sets: Vec<[Vec<u32>; 3]> = Vec::with_capacity(texts.len());
        for t in texts {
            let title = terms.of(&asked_about(&t.title));
            let mut subject = terms.of(&t.subject);
            subject.extend(&title);
            subject.sort_unstable();
            subject.dedup();
            let body = terms.of(&t.body);
            sets.push([title, subject, body]);
        }
        let mut df = vec![0.0; terms.by_stem.len()];
        for [_, subject, body] in &sets {
            let mut all: Vec<u32> = subject.iter().chain(body).copied().collect();
            all.sort_unstable();
            all.dedup();
            for &id in &all {
                df[id as usize] += 1.0;
            }
        }
        let n = texts.len().max(1) as f64;
        let idf: Vec<f64> = df.iter().map(|&d| (1.0 + n / d).ln()).collect();
        let vector = |terms: &[u32]| -> Vector {
            let norm = terms
                .iter()
                .map(|&t| idf[t as usize].powi(2))
                .sum::<f64>()
                .sqrt();
            if norm == 0.0 {
                return Vec::new();
            }
            terms.iter().map(|&t| (t, idf[t as usize] / norm)).collect()
        };
        let mut index = Index {
            title: Vec::with_capacity(texts.len()),
            subject: Vec::with_capacity(texts.len()),
            body: Vec::with_capacity(texts.len()),
            postings: FastMap::default(),
            idf: Vec::new(),
        };
        for (k, [title, subject, body]) in sets.into_iter().enumerate() {
            index.title.push(vector(&title));
            index.body.push(vector(&body));
            for &t in &subject {
                index.postings.entry(t).or_default().push(k);
            }
            index.subject.push(subject);
        }
        index.idf = idf;
        index
    }

    /// The questions `candidates` admits whose subject shares a word with question `k`'s
    /// title: the closest by title, with their bodies compared.
    ///
    /// The work per question is bounded, so an import is linear in the size of the guide: the
    /// title's rarest words gather candidates through their postings until `MAX_VISITS`
    /// entries were read (the rarest at least from its first holders); a commoner word past that budget only adds to the candidates
    /// already gathered (looked up in their sorted subjects), as it could not make a title
    /// match on its own.
    pub fn matches(&self, k: usize, candidates: impl Fn(usize) -> bool) -> Vec<Match> {
        let total: f64 = self.title[k]
            .iter()
            .map(|&(t, _)| self.idf[t as usize].powi(2))
            .sum();
        let postings = |t: u32| self.postings.get(&t).map_or(&[][..], Vec::as_slice);
        let mut terms: Vec<u32> = self.title[k].iter().map(|&(t, _)| t).collect();
        terms.sort_by_key(|&t| postings(t).len());
        let mut covered: FastMap<usize, f64> = FastMap::default();
        let mut budget = MAX_VISITS;
        for (n, t) in terms.into_iter().enumerate() {
            let w = self.idf[t as usize].powi(2);
            let mut list = postings(t);
            // The rarest word always gathers, from its first holders on (the bank's questions,
            // then the earliest imported ones: what a duplicate would name).
            if n == 0 {
                list = &list[..list.len().min(budget)];
            }
            if list.len() <= budget {
                budget -= list.len();
                for &other in list {
                    if other != k && candidates(other) {
                        *covered.entry(other).or_default() += w;
                    }
                }
            } else {
                budget = 0;
                for (&other, c) in &mut covered {
                    if self.subject[other].binary_search(&t).is_ok() {
                        *c += w;
                    }
                }
            }
        }
        let mut found: Vec<Match> = covered
            .into_iter()
            .map(|(other, c)| Match {
                index: other,
                title: cosine(&self.title[k], &self.title[other]),
                cover: if total > 0.0 { c / total } else { 0.0 },
                body: 0.0,
            })
            .collect();
        // Bodies are long: compare them only for the candidates whose titles come closest.
        if found.len() > BODY_CANDIDATES {
            found.select_nth_unstable_by(BODY_CANDIDATES, |a, b| {
                title_evidence(b).total_cmp(&title_evidence(a))
            });
            found.truncate(BODY_CANDIDATES);
        }
        for m in &mut found {
            m.body = cosine(&self.body[k], &self.body[m.index]);
        }
        found
    }
}

fn title_evidence(m: &Match) -> f64 {
    m.cover + 0.5 * m.title
}

/// The strongest of a question's matches.
pub fn best(matches: &[Match]) -> Option<&Match> {
    matches
        .iter()
        .max_by(|a, b| a.score().total_cmp(&b.score()))
}

fn cosine(a: &Vector, b: &Vector) -> f64 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    dot
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(title: &str, body: &str) -> Text {
        Text {
            title: title.to_string(),
            subject: String::new(),
            body: body.to_string(),
        }
    }

    #[test]
    fn paraphrases_meet_and_neighbours_stay_apart() {
        let texts = [
            text(
                "How does MVCC let readers and writers proceed without blocking?",
                "snapshots versions visibility vacuum",
            ),
            text(
                "Why are B-tree indexes the default in relational databases?",
                "balanced fan-out range scans",
            ),
            text(
                "Explain how MVCC lets readers avoid blocking writers",
                "versions snapshots visibility",
            ),
            text(
                "Why are B-tree indexes the default?",
                "range scans sorted order",
            ),
            text("What is a hash index good for?", "equality lookups only"),
        ];
        let index = Index::new(&texts);
        let bank = |k: usize| k < 2;
        let best_of = |k: usize| best(&index.matches(k, bank)).cloned();
        let a = best_of(2).unwrap();
        assert_eq!((a.index, a.is_duplicate()), (0, true), "{a:?}");
        let b = best_of(3).unwrap();
        assert_eq!((b.index, b.is_duplicate()), (1, true), "{b:?}");
        let c = best_of(4);
        assert!(c.as_ref().is_none_or(|m| !m.is_duplicate()), "{c:?}");
    }
}
