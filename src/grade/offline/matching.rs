//! Finding a rubric line in an answer: the answer's spoken tokens and sentences, the window where
//! a line's terms occur together, and whether the words around them are connected speech.

use std::ops::Range;

use super::rarity::SPECIFIC_PARTLY;
use crate::grade::Verdict;
use crate::grade::terms::Term;
use crate::grade::terms::read_answer;
use crate::words::{Analysis, Token};

/// The best place in the answer for one rubric line.
#[derive(Debug, Clone)]
pub(super) struct Hit {
    /// Weighted share of the line's terms found together.
    pub(super) ratio: f64,
    /// Non-generic terms found.
    pub(super) specific: usize,
    /// Positions in the spoken-token list of the first and last matched term.
    pub(super) first: usize,
    pub(super) last: usize,
}

/// The spoken tokens of an answer with the analysis they came from.
pub(super) struct Answer<'a> {
    pub(super) text: &'a str,
    pub(super) analysis: Analysis,
    /// Indices into `analysis.tokens` of the tokens that are not fillers.
    pub(super) spoken: Vec<usize>,
    /// Each sentence with spoken words, as a range of positions in `spoken`, and whether it is
    /// connected speech.
    pub(super) sentences: Vec<(Range<usize>, bool)>,
}

impl<'a> Answer<'a> {
    pub(super) fn new(text: &'a str) -> Answer<'a> {
        let analysis = read_answer(text);
        let spoken: Vec<usize> = (0..analysis.tokens.len())
            .filter(|&i| !analysis.tokens[i].filler)
            .collect();
        // Spoken tokens come in text order, so each sentence is one run of positions.
        let mut sentences = Vec::new();
        let mut start = 0;
        while start < spoken.len() {
            let sentence = analysis.tokens[spoken[start]].sentence;
            let end = (start..spoken.len())
                .find(|&p| analysis.tokens[spoken[p]].sentence != sentence)
                .unwrap_or(spoken.len());
            // Words a lexicon phrase absorbed are silent, not function words of the sentence.
            let stops = (start..end)
                .filter(|&p| {
                    let t = &analysis.tokens[spoken[p]];
                    t.stop && !t.stem.is_empty()
                })
                .count();
            let items = clause_lengths(text, &analysis, &spoken[start..end]);
            let connected = is_connected(stops, end - start) && !is_comma_chain(&items);
            sentences.push((start..end, connected));
            start = end;
        }
        Answer {
            text,
            analysis,
            spoken,
            sentences,
        }
    }

    pub(super) fn tok(&self, pos: usize) -> &Token {
        &self.analysis.tokens[self.spoken[pos]]
    }

    /// Finds the window in which the most of `terms` occur together.
    pub(super) fn best_window(&self, terms: &[Term]) -> Option<Hit> {
        if terms.is_empty() {
            return None;
        }
        let total: f64 = terms.iter().map(|t| t.weight).sum();
        let width = (2 * terms.len() + 6).clamp(10, 30);
        // Which term each spoken token is, if any (terms are distinct stems): computed once, so
        // the window scan below compares integers, not strings.
        let term_at: Vec<Option<usize>> = (0..self.spoken.len())
            .map(|pos| terms.iter().position(|t| t.said_by(self.tok(pos))))
            .collect();
        let mut best: Option<Hit> = None;
        let mut found = vec![false; terms.len()];
        for start in 0..self.spoken.len() {
            if term_at[start].is_none() {
                continue;
            }
            found.iter_mut().for_each(|f| *f = false);
            let end = (start + width).min(self.spoken.len());
            let mut last = start;
            for (pos, term) in term_at.iter().enumerate().take(end).skip(start) {
                if let Some(k) = *term
                    && !found[k]
                {
                    found[k] = true;
                    last = pos;
                }
            }
            let weight: f64 = terms
                .iter()
                .zip(&found)
                .filter(|(_, f)| **f)
                .map(|(t, _)| t.weight)
                .sum();
            let specific = terms
                .iter()
                .zip(&found)
                .filter(|(t, f)| **f && !t.generic)
                .count();
            let hit = Hit {
                ratio: weight / total,
                specific,
                first: start,
                last,
            };
            if best.as_ref().is_none_or(|b| hit.ratio > b.ratio) {
                best = Some(hit);
            }
        }
        best
    }

    /// The specific-term path: the sentence of connected speech whose terms of the point add up
    /// to the most `specificity`, when that reaches `SPECIFIC_PARTLY`. A bare list of terms is
    /// never a connected sentence, so it never earns anything this way.
    pub(super) fn specific_sentence(&self, terms: &[Term], specificity: &[f64]) -> Option<Hit> {
        let mut best: Option<(f64, Hit)> = None;
        for (range, _) in self.sentences.iter().filter(|(_, connected)| *connected) {
            let mut found = vec![false; terms.len()];
            let (mut first, mut last) = (None, 0);
            for pos in range.clone() {
                if let Some(k) = terms.iter().position(|t| t.said_by(self.tok(pos))) {
                    found[k] = true;
                    first.get_or_insert(pos);
                    last = pos;
                }
            }
            let Some(first) = first else { continue };
            let evidence: f64 = (0..terms.len())
                .filter(|&k| found[k])
                .map(|k| specificity[k])
                .sum();
            if evidence >= SPECIFIC_PARTLY && best.as_ref().is_none_or(|(b, _)| evidence > *b) {
                let total: f64 = terms.iter().map(|t| t.weight).sum();
                let matched = || {
                    terms
                        .iter()
                        .zip(&found)
                        .filter(|(_, f)| **f)
                        .map(|(t, _)| t)
                };
                let hit = Hit {
                    ratio: matched().map(|t| t.weight).sum::<f64>() / total,
                    specific: matched().filter(|t| !t.generic).count(),
                    first,
                    last,
                };
                best = Some((evidence, hit));
            }
        }
        best.map(|(_, hit)| hit)
    }

    /// Whether the words around a hit are connected speech rather than a list of terms: a few
    /// function words ("is", "because", "the") around the matched terms.
    pub(super) fn explained(&self, hit: &Hit) -> bool {
        let from = hit.first.saturating_sub(3);
        let to = (hit.last + 4).min(self.spoken.len());
        let stops = (from..to).filter(|&p| self.tok(p).stop).count();
        is_connected(stops, to - from)
    }

    /// The whole sentence holding spoken position `pos`, as the candidate wrote it.
    pub(super) fn sentence_text(&self, pos: usize) -> String {
        let (start, end) = self.analysis.sentences[self.tok(pos).sentence];
        self.text[start..end].trim().to_string()
    }

    /// The candidate's words around a hit: the whole sentence when it is short, else the span.
    pub(super) fn quote(&self, hit: &Hit) -> String {
        let (first, last) = (self.tok(hit.first), self.tok(hit.last));
        let sentences = &self.analysis.sentences;
        let (s0, s1) = (sentences[first.sentence].0, sentences[last.sentence].1);
        let (start, end) = if s1 - s0 <= 240 {
            (s0, s1)
        } else {
            (first.start, last.end)
        };
        self.text[start..end].trim().to_string()
    }

    pub(super) fn spoken_words(&self) -> Vec<&str> {
        self.spoken
            .iter()
            .map(|&i| self.analysis.tokens[i].word.as_str())
            .collect()
    }
}

/// Whether a clause break (a comma, colon, semicolon or bracket) stands between two tokens of
/// `text`. Punctuation that belongs to a filler between them ("the, um, lock" has one break;
/// "the um, lock" has none) does not count, so how an answer is spoken never changes how it
/// is read.
pub(super) fn clause_break(text: &str, tokens: &[Token], from: usize, to: usize) -> bool {
    (from..to).any(|i| {
        !tokens[i].filler
            && text
                .get(tokens[i].end..tokens[i + 1].start)
                .is_some_and(|gap| gap.contains([',', ':', ';', '(', ')']))
    })
}

/// The number of spoken words in each clause of a sentence (`spoken` holds its token indices).
fn clause_lengths(text: &str, analysis: &Analysis, spoken: &[usize]) -> Vec<usize> {
    let mut items = vec![0];
    for (k, &i) in spoken.iter().enumerate() {
        if k > 0 && clause_break(text, &analysis.tokens, spoken[k - 1], i) {
            items.push(0);
        }
        *items.last_mut().expect("never empty") += 1;
    }
    items
}

/// A run of short clauses ("third module, deferred import, TYPE_CHECKING, cycle"): a list,
/// however many function words its items carry.
fn is_comma_chain(items: &[usize]) -> bool {
    items.len() >= 4 && items.iter().filter(|&&words| words <= 3).count() * 3 >= items.len() * 2
}

/// Share of the answer's spoken words that stand in lists rather than sentences: in sentences
/// that are not connected speech, or of fewer than three words ("Set. Seen. O(1).").
pub(super) fn listed_share(answer: &Answer) -> f64 {
    let listed: usize = answer
        .sentences
        .iter()
        .filter(|(range, connected)| !connected || range.len() < 3)
        .map(|(range, _)| range.len())
        .sum();
    listed as f64 / answer.spoken.len().max(1) as f64
}

/// Connected speech: at least two function words, and at least one word in five.
pub(super) fn is_connected(stops: usize, words: usize) -> bool {
    stops >= 2 && stops as f64 / words as f64 >= 0.2
}

/// How one rubric line fares in an answer: the verdict, where it was found, and whether the
/// words around it are connected speech.
pub(super) type Found = (Verdict, Option<Hit>, bool);

pub(super) fn verdict_for(answer: &Answer, terms: &[Term]) -> Found {
    let Some(hit) = answer.best_window(terms) else {
        return (Verdict::Missed, None, false);
    };
    let specific_total = terms.iter().filter(|t| !t.generic).count();
    let explained = answer.explained(&hit);
    let enough_terms = hit.specific >= specific_total.min(2);
    let verdict = if hit.ratio >= 0.5 && enough_terms && explained {
        Verdict::Covered
    } else if (hit.ratio >= 0.5 && enough_terms) || (hit.ratio >= 0.25 && hit.specific >= 1) {
        Verdict::Partly
    } else {
        Verdict::Missed
    };
    (verdict, Some(hit), explained)
}
