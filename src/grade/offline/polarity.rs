//! Polarity: whether the words the answer shares with a rubric line say what the line says or its
//! opposite. A sentence carrying a key point's words can deny it ("defaults are not evaluated
//! once") or invert it with an opposite phrasing ("evaluated on each call"); such a sentence earns
//! nothing for the point, and says the opposite of it. The same reading keeps a red flag from
//! being raised by an answer that refutes the misconception.

use std::ops::Range;

use super::matching::{Answer, Hit, clause_break};
use crate::grade::lexicon::Lexicon;
use crate::grade::terms::{Term, read};
use crate::words::Token;

/// Words that deny what they govern: the words right after them.
const DENIALS: &[&str] = &[
    "not", "no", "never", "nor", "neither", "cannot", "nothing",
    // "Writes the wrapper without functools.wraps": the flag is about leaving something out, so
    // an answer that does it ("I always put functools.wraps on the wrapper") does not raise it.
    "without",
];

/// Words that mark a whole sentence as a refutation ("it's a myth that ..."): a red flag is not
/// raised by a sentence calling it wrong.
const REFUTATIONS: &[&str] = &[
    "myth",
    "wrong",
    "false",
    "incorrect",
    "misconception",
    "mistake",
    "mistaken",
];

/// Words that deny without a grammatical denial ("useless for CPU-bound work").
const NEGATIVES: &[&str] = &[
    "useless",
    "pointless",
    "worthless",
    "fails",
    "fail",
    "lack",
    "lacks",
    "avoid",
    "unable",
    "hardly",
    "barely",
    "instead",
    "rather",
    "without",
    "impossible",
];

/// How many words before a shared term a denial governs it ("does not really make ..."), within
/// one clause: a clause break between them ends the denial's reach ("not the language: Jython").
const DENIAL_REACH: usize = 4;

/// Words that make a sentence set two things against each other ("I/O-bound work benefits, but
/// CPU-bound work doesn't"): it names both sides of an opposite on purpose, so its polarity
/// against one key point cannot be read off its words.
const CONTRASTS: &[&str] = &[
    "only", "just", "merely", "rather", "instead", "unlike", "whereas", "but", "versus",
];

/// Whether a token is one of `words`. Python's constants `False` and `None`, written with their
/// capital ("returns False on failure"), are values, not denials.
fn is(text: &str, t: &Token, words: &[&str]) -> bool {
    words.contains(&t.word.as_str()) && !matches!(&text[t.start..t.end], "False" | "None")
}

/// A rubric line's polarity: which of its terms it denies ("Default values are evaluated once,
/// not on each call" denies "each call"), and whether it is a denial at all.
pub(super) struct Claim<'a> {
    pub(super) terms: &'a [Term],
    /// For each term, whether the line itself denies it.
    denied: Vec<bool>,
    /// For each term, the clause of the line it is first said in.
    clause: Vec<usize>,
    pub(super) negated: bool,
}

impl<'a> Claim<'a> {
    pub(super) fn of(line: &str, terms: &'a [Term]) -> Claim<'a> {
        let analysis = read(line);
        let spoken: Vec<&Token> = analysis.spoken().collect();
        let denied_at = |i: usize| {
            (i.saturating_sub(DENIAL_REACH)..i).any(|d| {
                is(line, spoken[d], DENIALS)
                    && !line
                        .get(spoken[d].end..spoken[i].start)
                        .is_some_and(|gap| gap.contains([',', ':', ';', '(', ')']))
            })
        };
        // A term the line says both ways ("not the creation time; creation time is ...") is
        // not one it denies.
        let denied = terms
            .iter()
            .map(|term| {
                let mut at = (0..spoken.len()).filter(|&i| spoken[i].stem == term.stem);
                at.clone().next().is_some() && at.all(denied_at)
            })
            .collect();
        let negated = spoken
            .iter()
            .any(|t| is(line, t, DENIALS) || is(line, t, REFUTATIONS));
        let mut clause_of = vec![0; spoken.len()];
        for i in 1..spoken.len() {
            let gap = line.get(spoken[i - 1].end..spoken[i].start).unwrap_or("");
            clause_of[i] = clause_of[i - 1] + usize::from(gap.contains([',', ':', ';', '(', ')']));
        }
        let clause = terms
            .iter()
            .map(|term| {
                (0..spoken.len())
                    .find(|&i| spoken[i].stem == term.stem)
                    .map_or(usize::MAX, |i| clause_of[i])
            })
            .collect();
        Claim {
            terms,
            denied,
            clause,
            negated,
        }
    }
}

/// What a sentence is read against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reading {
    /// A misconception: a refutation anywhere in the sentence denies it, as does a denial
    /// governing one of its terms. Missing a flag costs less than raising one on a correct
    /// answer.
    RedFlag,
    /// A key point: only a denial governing one of its terms, in a sentence that sets nothing
    /// against anything. A false contradiction would take away a point the candidate made.
    KeyPoint,
}

/// Whether the sentence at spoken positions `sentence`, which shares the terms at `matched`
/// with `claim`, says the opposite of it. Each of the claim's terms is read with its polarity
/// (denied or not, in the claim and in the sentence): a term said with the other polarity, or
/// the opposite of a term said with the same polarity, inverts; a polar term said the same way
/// agrees. The sentence inverts the claim when it has inversions and no more agreements.
pub(super) fn inverts(
    answer: &Answer,
    sentence: Range<usize>,
    matched: &[usize],
    claim: &Claim,
    reading: Reading,
) -> bool {
    let Some((&first, &last)) = matched.first().zip(matched.last()) else {
        return false;
    };
    let words: Vec<&Token> = sentence.clone().map(|p| answer.tok(p)).collect();
    match reading {
        Reading::RedFlag => {
            if words.iter().any(|t| is(answer.text, t, REFUTATIONS)) {
                return true;
            }
        }
        Reading::KeyPoint => {
            if words.iter().any(|t| CONTRASTS.contains(&t.word.as_str())) {
                return false;
            }
        }
    }
    // "without" marks an omission, which only a red flag is about ("... without functools.wraps").
    let denials = match reading {
        Reading::RedFlag => DENIALS,
        Reading::KeyPoint => &DENIALS[..DENIALS.len() - 1],
    };
    let denied_at = |p: usize| {
        (p.saturating_sub(DENIAL_REACH).max(sentence.start)..p).any(|q| {
            let denial = answer.tok(q);
            is(answer.text, denial, denials)
                && !clause_break(
                    answer.text,
                    &answer.analysis.tokens,
                    answer.spoken[q],
                    answer.spoken[p],
                )
        })
    };
    let negative = words
        .iter()
        .any(|t| is(answer.text, t, DENIALS) || NEGATIVES.contains(&t.word.as_str()));
    let lexicon = Lexicon::shipped();
    let near = first.saturating_sub(DENIAL_REACH).max(sentence.start)
        ..(last + 1 + DENIAL_REACH).min(sentence.end);
    let (mut inversions, mut agreements) = (0, 0);
    // How many of a clause's own technical terms the sentence says: a denied clause said back
    // plainly must be said in full, not through one shared word.
    let clause_said = |clause: usize| {
        claim
            .terms
            .iter()
            .zip(&claim.clause)
            .filter(|(t, c)| {
                **c == clause && !t.generic && sentence.clone().any(|p| t.said_by(answer.tok(p)))
            })
            .count()
    };
    for (k, (term, &claim_denies)) in claim.terms.iter().zip(&claim.denied).enumerate() {
        let polar = claim_denies || lexicon.has_opposite(&term.stem);
        let said: Vec<usize> = sentence
            .clone()
            .filter(|&p| term.said_by(answer.tok(p)))
            .collect();
        if !said.is_empty() {
            // Said twice, once denied ("need not be hashable ... never hashable"): a key point is
            // not made, while a misconception counts as denied only where every mention is.
            let answer_denies = match reading {
                Reading::KeyPoint => said.iter().any(|&p| denied_at(p)),
                Reading::RedFlag => said.iter().all(|&p| denied_at(p)),
            };
            if answer_denies == claim_denies {
                agreements += usize::from(polar || answer_denies);
            } else if reading == Reading::RedFlag
                || (answer_denies && (!claim.negated || lexicon.has_opposite(&term.stem)))
                || (!answer_denies
                    && term.weight >= 1.0
                    && !negative
                    && clause_said(claim.clause[k]) >= 3)
            {
                // A line that denies something itself ("runs only when executed directly, not
                // when imported") is paraphrased with denials of its own in many places; there
                // only a denied term with a known opposite is read as an inversion of a key
                // point. A term the line denies, said plainly, inverts it only in a sentence
                // with no denial or negative word at all ("threads speed up CPU-bound code").
                inversions += 1;
            }
        } else if let Some(p) = near.clone().find(|&p| {
            // A line that affirms both sides ("on Unix ... on Windows") is not inverted by an
            // answer naming one of them; one that denies a side ("once, not on each call") is.
            if claim
                .terms
                .iter()
                .zip(&claim.denied)
                .any(|(other, denied)| !denied && lexicon.are_opposite(&term.stem, &other.stem))
            {
                return false;
            }
            let t = answer.tok(p);
            lexicon.are_opposite(&term.stem, &t.stem)
                || t.canon
                    .as_ref()
                    .is_some_and(|c| lexicon.are_opposite(&term.stem, c))
        }) {
            if denied_at(p) == claim_denies {
                inversions += 1;
            } else {
                agreements += 1;
            }
        }
    }
    inversions > 0 && inversions >= agreements
}

/// Share of a key point's weighted terms a sentence must carry to contradict it.
const CONTRADICTION_SHARE: f64 = 0.5;

/// The sentence of `hit` that says the opposite of `claim`, if one does: the sentence holding
/// most of the hit's shared terms.
pub(super) fn contradicting_sentence(
    answer: &Answer,
    hit: &Hit,
    claim: &Claim,
) -> Option<Range<usize>> {
    let matched: Vec<usize> = (hit.first..=hit.last)
        .filter(|&p| claim.terms.iter().any(|t| t.said_by(answer.tok(p))))
        .collect();
    let (range, _) = answer
        .sentences
        .iter()
        .max_by_key(|(range, _)| matched.iter().filter(|p| range.contains(p)).count())?;
    let in_sentence: Vec<usize> = matched
        .iter()
        .copied()
        .filter(|p| range.contains(p))
        .collect();
    // Only a sentence that makes most of the point can say its opposite.
    let total: f64 = claim.terms.iter().map(|t| t.weight).sum();
    let found: f64 = claim
        .terms
        .iter()
        .filter(|t| in_sentence.iter().any(|&p| t.said_by(answer.tok(p))))
        .map(|t| t.weight)
        .sum();
    if found < CONTRADICTION_SHARE * total {
        return None;
    }
    inverts(
        answer,
        range.clone(),
        &in_sentence,
        claim,
        Reading::KeyPoint,
    )
    .then(|| range.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::terms::terms_of;

    /// Whether `sentence` says the opposite of `point`, read as a key point.
    fn contradicts(point: &str, sentence: &str) -> bool {
        let terms = terms_of(point, &Default::default());
        let claim = Claim::of(point, &terms);
        let answer = Answer::new(sentence);
        let matched: Vec<usize> = (0..answer.spoken_words().len())
            .filter(|&p| terms.iter().any(|t| t.said_by(answer.tok(p))))
            .collect();
        inverts(
            &answer,
            answer.sentences[0].0.clone(),
            &matched,
            &claim,
            Reading::KeyPoint,
        )
    }

    #[test]
    fn a_denied_or_inverted_point_is_a_contradiction_and_its_paraphrase_is_not() {
        let once = "Default values are evaluated once, when the def statement runs";
        assert!(!contradicts(
            once,
            "Defaults are evaluated once, at definition time."
        ));
        assert!(contradicts(once, "Defaults are evaluated on each call."));
        assert!(contradicts(once, "Default values are not evaluated once."));

        let hashable = "Tuples of immutable values are hashable";
        assert!(!contradicts(
            hashable,
            "A tuple of immutable values can be hashed."
        ));
        assert!(contradicts(
            hashable,
            "A tuple of immutable values is not hashable."
        ));

        let releases = "A thread releases the GIL while it blocks on I/O";
        assert!(!contradicts(
            releases,
            "The GIL is released while a thread blocks on I/O."
        ));
        assert!(contradicts(
            releases,
            "A thread never releases the GIL while it blocks on I/O."
        ));
    }

    #[test]
    fn a_contrast_or_a_denied_claim_is_not_read_backwards() {
        let cpu = "Threads do not speed up CPU-bound pure-Python code";
        assert!(!contradicts(
            cpu,
            "Threads give no speedup for CPU-bound pure-Python code."
        ));
        let io = "Threads still overlap network and disk waits because I/O releases the GIL";
        assert!(!contradicts(
            io,
            "Threads overlap network waits, but CPU-bound code gets nothing from them."
        ));
    }
}
