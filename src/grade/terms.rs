//! The terms of a rubric line (a key point, a red flag, a strong signal): its stemmed content
//! words, each weighted by how much finding it in an answer proves. Shared by the offline grader
//! and the hints every grader offers.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::lexicon::{CANON_MARK, Lexicon};
use crate::bank::Question;
use crate::words::{Analysis, Token, content_stems, stem};

/// Words that say little about whether a point was understood: they earn a fraction of the
/// credit of a technical term.
pub(crate) const GENERIC: &[&str] = &[
    "python",
    "code",
    "use",
    "used",
    "using",
    "work",
    "works",
    "make",
    "makes",
    "way",
    "thing",
    "things",
    "allow",
    "allows",
    "need",
    "needs",
    "want",
    "good",
    "better",
    "well",
    "new",
    "get",
    "gets",
    "run",
    "runs",
    "like",
    "lot",
    "case",
    "cases",
    "different",
    "difference",
    "example",
    "time",
    "program",
    "value",
    "values",
    "set",
    "call",
    "called",
    "return",
    "returns",
    "also",
    "important",
    "really",
    "simple",
    "easy",
    "help",
    "helps",
    "give",
    "gives",
    "happen",
    "happens",
    "know",
    "see",
    "two",
    "first",
    "second",
    "instead",
    "still",
    "always",
    "never",
    "many",
];

/// Words of a rubric line that describe the candidate rather than the subject ("Claims that...",
/// "Explains why..."). They are not looked for in the answer.
pub(crate) const META: &[&str] = &[
    "claim",
    "claims",
    "claiming",
    "say",
    "says",
    "saying",
    "think",
    "thinks",
    "believe",
    "believes",
    "assume",
    "assumes",
    "state",
    "states",
    "suggest",
    "suggests",
    "confuse",
    "confuses",
    "conflate",
    "conflates",
    "treat",
    "treats",
    "describe",
    "describes",
    "mention",
    "mentions",
    "mentioning",
    "candidate",
    "answer",
    "explain",
    "explains",
    "explaining",
    "understand",
    "understands",
    "understanding",
    "know",
    "knows",
    "knowing",
    "recognize",
    "recognizes",
    "note",
    "notes",
    "noting",
    "aware",
    "correctly",
    "clearly",
    "able",
    "point",
    "points",
    "concept",
    "idea",
    "ideas",
];

pub(crate) fn stem_set(words: &[&str]) -> BTreeSet<String> {
    words.iter().map(|w| stem(w)).collect()
}

pub(crate) fn generic_stems() -> &'static BTreeSet<String> {
    static SET: OnceLock<BTreeSet<String>> = OnceLock::new();
    SET.get_or_init(|| stem_set(GENERIC))
}

pub(crate) fn meta_stems() -> &'static BTreeSet<String> {
    static SET: OnceLock<BTreeSet<String>> = OnceLock::new();
    SET.get_or_init(|| stem_set(META))
}

/// A term to look for, weighted by how much it proves.
#[derive(Debug, Clone)]
pub(crate) struct Term {
    pub(crate) stem: String,
    pub(crate) weight: f64,
    pub(crate) generic: bool,
    /// For a lexicon phrase, the content stems of its own words: an answer that says one of
    /// them ("only one thread can execute" for "only one thread executes") meets the term too.
    pub(crate) words: Vec<String>,
}

impl Term {
    /// Whether an answer's token says this term.
    pub(crate) fn said_by(&self, token: &Token) -> bool {
        token.says(&self.stem) || self.words.contains(&token.stem)
    }
}

/// The terms of one rubric line. Words of the question's own prompt weigh half: repeating the
/// question is weak evidence of knowing the answer.
pub(crate) fn terms_of(line: &str, prompt_stems: &BTreeSet<String>) -> Vec<Term> {
    let mut seen = BTreeSet::new();
    read(line)
        .content()
        .filter(|t| !meta_stems().contains(&t.stem) && seen.insert(t.stem.clone()))
        .map(|t| {
            let generic = generic_stems().contains(&t.stem);
            let weight = if generic {
                0.3
            } else if prompt_stems.contains(&t.stem) {
                0.5
            } else {
                1.0
            };
            let words = if t.stem.starts_with(CANON_MARK) {
                content_stems(&t.word)
            } else {
                Vec::new()
            };
            Term {
                stem: t.stem.clone(),
                weight,
                generic,
                words,
            }
        })
        .collect()
}

/// The stems of the question's own words: repeating them in an answer proves little.
pub(crate) fn prompt_stems(question: &Question) -> BTreeSet<String> {
    read(&question.prompt)
        .content()
        .map(|t| t.stem.clone())
        .collect()
}

/// A rubric line as the graders read it: its phrasings through the paraphrase lexicon.
pub(crate) fn read(line: &str) -> Analysis {
    Lexicon::shipped().read_line(line)
}

/// An answer as the graders read it (see `Lexicon::read_answer`).
pub(crate) fn read_answer(text: &str) -> Analysis {
    Lexicon::shipped().read_answer(text)
}
