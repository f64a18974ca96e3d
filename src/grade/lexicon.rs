//! The paraphrase lexicon (data/lexicon/lexicon.toml): phrasings that mean the same thing in an
//! interview ("hashable", "can be hashed", "usable as a dict key"), and pairs of phrasings that
//! invert a claim ("once" / "on each call"). Rubric lines and answers are both read through it,
//! so a point said in other words meets the point, and a point said backwards can be told apart.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;

use crate::words::{Analysis, analyze};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    #[serde(default)]
    same: Vec<Same>,
    #[serde(default)]
    opposite: Vec<Opposite>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Same {
    say: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Opposite {
    a: Vec<String>,
    b: Vec<String>,
}

/// One phrasing: its stems in order, and the canonical stem every phrasing of its group becomes.
struct Phrase {
    stems: Vec<String>,
    canon: String,
}

pub(crate) struct Lexicon {
    /// Phrasings by their first stem, longest first.
    by_first: HashMap<String, Vec<Phrase>>,
    /// Pairs of canonical stems that invert each other, both ways round.
    opposites: HashSet<(String, String)>,
    /// Every canonical stem that has an opposite.
    with_opposite: HashSet<String>,
}

/// Canonical stems start with a character no word has, so they never meet a plain stem.
pub(crate) const CANON_MARK: char = '≡';

fn stems_of(phrase: &str) -> Vec<String> {
    analyze(&phrase.to_lowercase())
        .spoken()
        .map(|t| t.stem.clone())
        .collect()
}

impl Lexicon {
    /// The shipped lexicon, read once per process.
    pub(crate) fn shipped() -> &'static Lexicon {
        static LEXICON: OnceLock<Lexicon> = OnceLock::new();
        LEXICON.get_or_init(|| {
            let text = crate::embedded::LEXICON
                .iter()
                .map(|(_, text)| *text)
                .collect::<Vec<_>>()
                .join("\n");
            // The shipped file is checked by a test; were it ever broken, grading goes on
            // without paraphrases rather than failing every grade.
            Lexicon::parse(&text).unwrap_or_else(|_| Lexicon::parse("").expect("empty parses"))
        })
    }

    pub(crate) fn parse(text: &str) -> Result<Lexicon, toml::de::Error> {
        let file: LexiconFile = toml::from_str(text)?;
        let mut canon_of: HashMap<Vec<String>, String> = HashMap::new();
        for group in &file.same {
            let Some(first) = group.say.first() else {
                continue;
            };
            let canon = format!("{CANON_MARK}{}", stems_of(first).join("_"));
            for phrase in &group.say {
                let stems = stems_of(phrase);
                if !stems.is_empty() {
                    canon_of.entry(stems).or_insert_with(|| canon.clone());
                }
            }
        }
        let mut opposites = HashSet::new();
        for pair in &file.opposite {
            let mut side = |phrases: &[String]| -> Vec<String> {
                phrases
                    .iter()
                    .map(|p| stems_of(p))
                    .filter(|s| !s.is_empty())
                    .map(|stems| {
                        canon_of
                            .entry(stems.clone())
                            .or_insert_with(|| format!("{CANON_MARK}{}", stems.join("_")))
                            .clone()
                    })
                    .collect()
            };
            let (a, b) = (side(&pair.a), side(&pair.b));
            for x in &a {
                for y in &b {
                    if x != y {
                        opposites.insert((x.clone(), y.clone()));
                        opposites.insert((y.clone(), x.clone()));
                    }
                }
            }
        }
        let mut by_first: HashMap<String, Vec<Phrase>> = HashMap::new();
        for (stems, canon) in canon_of {
            by_first
                .entry(stems[0].clone())
                .or_default()
                .push(Phrase { stems, canon });
        }
        for phrases in by_first.values_mut() {
            phrases.sort_by(|a, b| {
                b.stems
                    .len()
                    .cmp(&a.stems.len())
                    .then(a.canon.cmp(&b.canon))
            });
        }
        let with_opposite = opposites.iter().map(|(a, _)| a.clone()).collect();
        Ok(Lexicon {
            by_first,
            opposites,
            with_opposite,
        })
    }

    /// Whether a canonical stem has an opposite.
    pub(crate) fn has_opposite(&self, stem: &str) -> bool {
        self.with_opposite.contains(stem)
    }

    /// Whether two canonical stems invert each other.
    pub(crate) fn are_opposite(&self, a: &str, b: &str) -> bool {
        self.opposites.contains(&(a.to_string(), b.to_string()))
    }

    /// Reads a rubric line through the lexicon: each phrasing found (within a sentence, fillers
    /// skipped, longest first) becomes one token with its group's canonical stem, written as the
    /// phrase was said; the other words of the phrase become silent function words. The line's
    /// term is then the phrase, which any phrasing of its group makes.
    pub(crate) fn read_line(&self, text: &str) -> Analysis {
        self.read(text, true)
    }

    /// Reads an answer through the lexicon: each phrasing found marks its first token with the
    /// group's canonical stem, and every word keeps its own stem too, so the answer meets a
    /// rubric line that uses the phrase or only one of its words. A denial inside a phrase
    /// ("cannot be changed") is part of the phrase, not a denial of what follows.
    pub(crate) fn read_answer(&self, text: &str) -> Analysis {
        self.read(text, false)
    }

    fn read(&self, text: &str, absorb: bool) -> Analysis {
        let mut analysis = analyze(text);
        let spoken: Vec<usize> = (0..analysis.tokens.len())
            .filter(|&i| !analysis.tokens[i].filler)
            .collect();
        let mut p = 0;
        while p < spoken.len() {
            let first = &analysis.tokens[spoken[p]];
            let matched = self.by_first.get(&first.stem).and_then(|phrases| {
                phrases.iter().find(|phrase| {
                    phrase.stems.len() <= spoken.len() - p
                        && phrase.stems.iter().enumerate().all(|(k, s)| {
                            let t = &analysis.tokens[spoken[p + k]];
                            t.stem == *s && t.sentence == first.sentence
                        })
                })
            });
            let Some(phrase) = matched else {
                p += 1;
                continue;
            };
            let len = phrase.stems.len();
            if absorb {
                let said: Vec<String> = (p..p + len)
                    .map(|q| analysis.tokens[spoken[q]].word.clone())
                    .collect();
                let head = &mut analysis.tokens[spoken[p]];
                head.stem = phrase.canon.clone();
                head.word = said.join(" ");
                head.stop = false;
                for &i in &spoken[p + 1..p + len] {
                    let t = &mut analysis.tokens[i];
                    t.stem.clear();
                    t.word.clear();
                    t.stop = true;
                }
            } else {
                analysis.tokens[spoken[p]].canon = Some(phrase.canon.clone());
                for &i in &spoken[p + 1..p + len] {
                    let t = &mut analysis.tokens[i];
                    if matches!(t.word.as_str(), "not" | "no" | "never" | "cannot") {
                        t.word.clear();
                    }
                }
            }
            p += len;
        }
        analysis
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(lexicon: &Lexicon, text: &str) -> Vec<String> {
        lexicon
            .read_line(text)
            .content()
            .map(|t| t.stem.clone())
            .collect()
    }

    #[test]
    fn phrasings_of_one_group_meet() {
        let lexicon = Lexicon::shipped();
        assert_eq!(
            stems(lexicon, "tuples are hashable"),
            stems(lexicon, "tuples can be hashed")
        );
        assert_eq!(
            stems(lexicon, "the GIL is a mutex"),
            stems(lexicon, "the GIL is a lock")
        );
    }

    #[test]
    fn opposite_phrasings_are_known_and_a_negation_inside_a_phrase_is_absorbed() {
        let lexicon = Lexicon::shipped();
        let once = stems(lexicon, "once");
        let each_call = stems(lexicon, "on each call");
        assert!(lexicon.are_opposite(&once[0], &each_call[0]));
        let read = lexicon.read_line("strings cannot be changed");
        assert!(read.tokens.iter().all(|t| t.word != "not"));
    }

    #[test]
    fn the_shipped_lexicon_parses_and_keeps_each_phrase_in_one_group() {
        let text: String = crate::embedded::LEXICON
            .iter()
            .map(|(_, t)| *t)
            .collect::<Vec<_>>()
            .join("\n");
        let file: LexiconFile = toml::from_str(&text).unwrap();
        assert!(file.same.len() >= 150 && file.opposite.len() >= 30);
        let mut seen = HashMap::new();
        for (g, group) in file.same.iter().enumerate() {
            for phrase in &group.say {
                let stems = stems_of(phrase);
                if let Some(other) = seen.insert(stems, g) {
                    assert_eq!(other, g, "{phrase:?} is in two groups");
                }
            }
        }
    }
}
