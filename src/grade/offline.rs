//! The offline grader: deterministic key-point coverage, with no network and no model.
//!
//! A key point counts when its terms (stemmed, with synonyms) occur close together in the answer,
//! and counts fully only when they sit in connected speech: a bare list of the right buzzwords
//! earns at most "partly" on each point and nothing for accuracy or clarity. A point missed that
//! way can still be "partly" made by one sentence sharing its rarest terms (the specific-term
//! path, for short answers in the candidate's own words). Fillers and restarts are removed before
//! any of this, so how an answer is spoken never changes its content score.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::sync::OnceLock;
use std::time::Instant;

use anyhow::Result;

use super::{CriterionScore, Grade, Grader, KeyPointVerdict, Outcome, RedFlagHit, Verdict};
use crate::bank::Question;
use crate::rubric::{Measure, Rubric};
use crate::words::{Analysis, Token, analyze, content_stems, stem};

pub const NAME: &str = "offline";

/// Words that say little about whether a point was understood: they earn a fraction of the
/// credit of a technical term.
const GENERIC: &[&str] = &[
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
const META: &[&str] = &[
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

/// Red flags about something missing ("Doesn't know...", "Ignores...") cannot be seen in what the
/// answer says; those starting with these words are left to the coverage score and the LLM.
const ABSENCE: &[&str] = &[
    "not", "no", "never", "cannot", "ignore", "ignores", "forget", "forgets", "miss", "misses",
    "unaware", "fail", "fails", "unable", "lack", "lacks", "omit", "omits", "skip", "skips",
    "vague", "only", "just", "can",
];

const NEGATIONS: &[&str] = &[
    "not",
    "no",
    "never",
    "nor",
    "neither",
    "myth",
    "wrong",
    "false",
    "incorrect",
    "misconception",
    "mistake",
    "mistaken",
    // "Writes the wrapper without functools.wraps": the flag is about leaving something out, so
    // an answer that does it ("I always put functools.wraps on the wrapper") does not raise it.
    "without",
];

/// Words that frame a sentence as a warning ("the classic bug is using list.pop(0)"): a strong
/// answer names the misconception to steer clear of it, which is not holding it.
const PITFALL_CUES: &[&str] = &[
    "trap",
    "traps",
    "bug",
    "bugs",
    "mistakes",
    "danger",
    "dangerous",
    "pitfall",
    "pitfalls",
    "gotcha",
    "gotchas",
    "avoid",
    "beware",
    "careful",
    "instead",
];

/// Phrases that, in a short answer, mean the candidate is not answering.
const NON_ANSWERS: &[&[&str]] = &[
    &["do", "not", "know"],
    &["dont", "know"],
    &["dunno"],
    &["no", "idea"],
    &["not", "sure"],
    &["no", "clue"],
    &["not", "remember"],
    &["forgot"],
    &["pass"],
    &["skip"],
    &["idk"],
];

/// How many spoken words a non-answer phrase may come with before we grade the answer anyway
/// ("I'm not sure, but I think the GIL is..." is an answer).
const NON_ANSWER_MAX_WORDS: usize = 12;

fn stem_set(words: &[&str]) -> BTreeSet<String> {
    words.iter().map(|w| stem(w)).collect()
}

fn generic_stems() -> &'static BTreeSet<String> {
    static SET: OnceLock<BTreeSet<String>> = OnceLock::new();
    SET.get_or_init(|| stem_set(GENERIC))
}

fn meta_stems() -> &'static BTreeSet<String> {
    static SET: OnceLock<BTreeSet<String>> = OnceLock::new();
    SET.get_or_init(|| stem_set(META))
}

/// A term to look for, weighted by how much it proves.
#[derive(Debug, Clone)]
struct Term {
    stem: String,
    word: String,
    weight: f64,
    generic: bool,
}

/// The terms of one rubric line. Words of the question's own prompt weigh half: repeating the
/// question is weak evidence of knowing the answer.
fn terms_of(line: &str, prompt_stems: &BTreeSet<String>) -> Vec<Term> {
    let mut seen = BTreeSet::new();
    analyze(line)
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
            Term {
                stem: t.stem.clone(),
                word: t.word.clone(),
                weight,
                generic,
            }
        })
        .collect()
}

/// Evidence a sentence needs for the specific-term path to make a point "partly": the sum of
/// the `specificity` of the point's terms it contains. 0.8 is one term that no other key point of
/// the question uses and at most four of the bank's ~3,000 key points use (rarity
/// 1 - ln 4 / ln 3018 = 0.83; five give 0.799), or two or more less rare ones together.
const SPECIFIC_PARTLY: f64 = 0.8;

/// For each stem, how many key points of the shipped bank use it, out of how many. A word few
/// key points use (`isdisjoint`, `autocomplete`) says more about which point an answer is making
/// than one hundreds use (`object`, `list`); the bank's key points are what answers are matched
/// against, so they are the corpus. Built once per process from the embedded bank, so it is the
/// same for every grade of a build, questions outside the bank included (a word the bank never
/// uses counts as rare).
struct Rarity {
    key_points: f64,
    using: HashMap<String, u32>,
}

fn rarity_table() -> &'static Rarity {
    static TABLE: OnceLock<Rarity> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The shipped bank is validated by its tests; were it ever broken, the table is only
        // empty and every word counts as rare.
        let bank = crate::bank::Bank::load(None).unwrap_or_default();
        let mut using: HashMap<String, u32> = HashMap::new();
        let mut key_points = 0u32;
        for line in bank.questions().iter().flat_map(|q| &q.what_they_test) {
            key_points += 1;
            let stems: BTreeSet<String> = content_stems(line).into_iter().collect();
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
fn rarity(stem: &str) -> f64 {
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
fn specificity(points: &[Vec<Term>], made: &[bool]) -> Vec<Vec<f64>> {
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

/// The best place in the answer for one rubric line.
#[derive(Debug, Clone)]
struct Hit {
    /// Weighted share of the line's terms found together.
    ratio: f64,
    /// Non-generic terms found.
    specific: usize,
    /// Positions in the spoken-token list of the first and last matched term.
    first: usize,
    last: usize,
}

/// The spoken tokens of an answer with the analysis they came from.
struct Answer<'a> {
    text: &'a str,
    analysis: Analysis,
    /// Indices into `analysis.tokens` of the tokens that are not fillers.
    spoken: Vec<usize>,
    /// Each sentence with spoken words, as a range of positions in `spoken`, and whether it is
    /// connected speech.
    sentences: Vec<(Range<usize>, bool)>,
}

impl<'a> Answer<'a> {
    fn new(text: &'a str) -> Answer<'a> {
        let analysis = analyze(text);
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
            let stops = (start..end)
                .filter(|&p| analysis.tokens[spoken[p]].stop)
                .count();
            sentences.push((start..end, is_connected(stops, end - start)));
            start = end;
        }
        Answer {
            text,
            analysis,
            spoken,
            sentences,
        }
    }

    fn tok(&self, pos: usize) -> &Token {
        &self.analysis.tokens[self.spoken[pos]]
    }

    /// Finds the window in which the most of `terms` occur together.
    fn best_window(&self, terms: &[Term]) -> Option<Hit> {
        if terms.is_empty() {
            return None;
        }
        let total: f64 = terms.iter().map(|t| t.weight).sum();
        let width = (2 * terms.len() + 6).clamp(10, 30);
        // Which term each spoken token is, if any (terms are distinct stems): computed once, so
        // the window scan below compares integers, not strings.
        let term_at: Vec<Option<usize>> = (0..self.spoken.len())
            .map(|pos| terms.iter().position(|t| t.stem == self.tok(pos).stem))
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
    fn specific_sentence(&self, terms: &[Term], specificity: &[f64]) -> Option<Hit> {
        let mut best: Option<(f64, Hit)> = None;
        for (range, _) in self.sentences.iter().filter(|(_, connected)| *connected) {
            let mut found = vec![false; terms.len()];
            let (mut first, mut last) = (None, 0);
            for pos in range.clone() {
                if let Some(k) = terms.iter().position(|t| t.stem == self.tok(pos).stem) {
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
    fn explained(&self, hit: &Hit) -> bool {
        let from = hit.first.saturating_sub(3);
        let to = (hit.last + 4).min(self.spoken.len());
        let stops = (from..to).filter(|&p| self.tok(p).stop).count();
        is_connected(stops, to - from)
    }

    /// The candidate's words around a hit: the whole sentence when it is short, else the span.
    fn quote(&self, hit: &Hit) -> String {
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

    fn spoken_words(&self) -> Vec<&str> {
        self.spoken
            .iter()
            .map(|&i| self.analysis.tokens[i].word.as_str())
            .collect()
    }
}

/// Connected speech: at least two function words, and at least one word in five.
fn is_connected(stops: usize, words: usize) -> bool {
    stops >= 2 && stops as f64 / words as f64 >= 0.2
}

fn verdict_for(answer: &Answer, terms: &[Term]) -> (Verdict, Option<Hit>, bool) {
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

fn is_absence_flag(flag: &str) -> bool {
    analyze(flag)
        .tokens
        .iter()
        .filter(|t| !meta_stems().contains(&t.stem))
        .take(2)
        .any(|t| ABSENCE.contains(&t.word.as_str()))
}

/// Whether a sentence of `text` denies what it says. Python's constant `False`, written with its
/// capital ("returns False on failure"), is a value, not a denial.
fn has_negation(text: &str, tokens: &[&Token]) -> bool {
    tokens
        .iter()
        .any(|t| NEGATIONS.contains(&t.word.as_str()) && &text[t.start..t.end] != "False")
}

/// A red flag is raised when one sentence states it: most of its terms, the same polarity.
fn detect_red_flag(
    answer: &Answer,
    flag: &str,
    prompt_stems: &BTreeSet<String>,
) -> Option<RedFlagHit> {
    if is_absence_flag(flag) {
        return None;
    }
    let terms = terms_of(flag, prompt_stems);
    if terms.iter().filter(|t| !t.generic).count() < 2 {
        return None;
    }
    let flag_analysis = analyze(flag);
    let flag_tokens: Vec<&Token> = flag_analysis.tokens.iter().collect();
    let flag_negated = has_negation(flag, &flag_tokens);
    let total: f64 = terms.iter().map(|t| t.weight).sum();
    for (range, _) in &answer.sentences {
        let tokens: Vec<&Token> = range.clone().map(|p| answer.tok(p)).collect();
        // A run is never empty: it starts at a spoken word of its sentence.
        let (start, end) = answer.analysis.sentences[tokens[0].sentence];
        let found: f64 = terms
            .iter()
            .filter(|term| tokens.iter().any(|t| t.stem == term.stem))
            .map(|t| t.weight)
            .sum();
        let warns = tokens
            .iter()
            .any(|t| PITFALL_CUES.contains(&t.word.as_str()));
        let states = if flag_negated {
            has_negation(answer.text, &tokens)
        } else {
            !has_negation(answer.text, &tokens) && !warns
        };
        if found / total >= 0.75 && states {
            return Some(RedFlagHit {
                flag: flag.to_string(),
                evidence: answer.text[start..end].trim().to_string(),
            });
        }
    }
    None
}

/// Why an answer cannot be graded, if it cannot.
fn insufficient(
    answer: &Answer,
    question: &Question,
    prompt_stems: &BTreeSet<String>,
) -> Option<&'static str> {
    let words = answer.spoken_words();
    if words.is_empty() {
        return Some("The answer is empty.");
    }
    let joined: Vec<String> = words.iter().map(|w| w.replace('\'', "")).collect();
    let says_dont_know = NON_ANSWERS.iter().any(|phrase| {
        joined
            .windows(phrase.len())
            .any(|w| w.iter().zip(phrase.iter()).all(|(a, b)| a == b))
    });
    if says_dont_know && words.len() <= NON_ANSWER_MAX_WORDS {
        return Some("The answer says the candidate does not know.");
    }
    // Off-topic: the answer shares almost no vocabulary with the question and its rubric.
    let mut vocabulary: BTreeSet<String> = prompt_stems.clone();
    let rubric_lines = question
        .what_they_test
        .iter()
        .chain(&question.strong_signals)
        .chain(&question.follow_ups)
        .chain(std::iter::once(&question.model_answer));
    for line in rubric_lines {
        vocabulary.extend(analyze(line).content().map(|t| t.stem.clone()));
    }
    let relevant: BTreeSet<&str> = answer
        .analysis
        .content()
        .filter(|t| vocabulary.contains(&t.stem) && !generic_stems().contains(&t.stem))
        .map(|t| t.stem.as_str())
        .collect();
    if relevant.len() < 2 {
        return Some("The answer does not address the question.");
    }
    None
}

/// Share of the answer's sentences that are connected speech (see `Answer::explained`).
fn connected_share(answer: &Answer) -> f64 {
    // Sentences of fewer than three words ("Right.", "So yes.") say nothing either way.
    let long: Vec<bool> = answer
        .sentences
        .iter()
        .filter(|(range, _)| range.len() >= 3)
        .map(|(_, connected)| *connected)
        .collect();
    if long.is_empty() {
        0.0
    } else {
        long.iter().filter(|&&c| c).count() as f64 / long.len() as f64
    }
}

/// The follow-up aimed at the weakest point: the one sharing most terms with the first point
/// missed (or only partly made), else the first follow-up.
pub fn pick_follow_up(question: &Question, verdicts: &[KeyPointVerdict]) -> Option<String> {
    let weakest = verdicts
        .iter()
        .find(|v| v.verdict == Verdict::Missed)
        .or_else(|| verdicts.iter().find(|v| v.verdict == Verdict::Partly));
    let Some(weakest) = weakest else {
        return question.follow_ups.first().cloned();
    };
    let point: BTreeSet<String> = analyze(&weakest.point)
        .content()
        .map(|t| t.stem.clone())
        .collect();
    let mut best: Option<(usize, &String)> = None;
    for f in &question.follow_ups {
        let overlap = analyze(f)
            .content()
            .filter(|t| point.contains(&t.stem))
            .count();
        if best.is_none_or(|(b, _)| overlap > b) {
            best = Some((overlap, f));
        }
    }
    best.map(|(_, f)| f.clone())
}

/// The stems of the question's own words: repeating them in an answer proves little.
fn prompt_stems(question: &Question) -> BTreeSet<String> {
    analyze(&question.prompt)
        .content()
        .map(|t| t.stem.clone())
        .collect()
}

/// A hint for a key point: its most telling words, without giving away the explanation.
pub fn hint(question: &Question, point: usize) -> Option<String> {
    let line = question.what_they_test.get(point)?;
    let prompt_stems = prompt_stems(question);
    // Code names are what a candidate would say: what the point puts in backticks (`bytes`,
    // `__aenter__`) and words written as code without them (typing.NamedTuple, sys.exit(),
    // __slots__). They go first, then the other technical words in the point's order.
    let unquoted = line
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| ",;:!?\"'`".contains(c))
                .trim_end_matches('.')
        })
        .filter(|w| looks_like_code(w))
        // conftest.py is said "conftest".
        .map(|w| w.trim_end_matches(".py"));
    let in_code: BTreeSet<String> = line
        .split('`')
        .skip(1)
        .step_by(2)
        .chain(unquoted)
        .flat_map(content_stems)
        .collect();
    let mut terms = terms_of(line, &prompt_stems);
    terms.retain(|t| !t.generic && !t.stem.chars().all(|c| c.is_ascii_digit()));
    terms.sort_by(|a, b| {
        let code = |t: &Term| in_code.contains(&t.stem);
        code(b).cmp(&code(a)).then(b.weight.total_cmp(&a.weight))
    });
    let words: Vec<String> = terms.iter().take(3).map(|t| t.word.clone()).collect();
    (!words.is_empty()).then(|| format!("think about: {}", words.join(", ")))
}

/// A word written as code: a dotted name (typing.NamedTuple, not "e.g"), a call, or a name
/// with an underscore.
fn looks_like_code(word: &str) -> bool {
    let dotted = word
        .split('.')
        .filter(|part| part.chars().filter(|c| c.is_alphanumeric()).count() >= 2)
        .count()
        >= 2;
    dotted || word.ends_with("()") || (word.contains('_') && word.chars().any(char::is_alphabetic))
}

#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineGrader;

impl Grader for OfflineGrader {
    fn name(&self) -> &str {
        NAME
    }

    fn grade(&self, question: &Question, rubric: &Rubric, answer_text: &str) -> Result<Grade> {
        let started = Instant::now();
        let answer = Answer::new(answer_text);
        let prompt_stems = prompt_stems(question);

        if let Some(reason) = insufficient(&answer, question, &prompt_stems) {
            return Ok(insufficient_grade(question, rubric, reason, started));
        }

        let red_flags: Vec<RedFlagHit> = question
            .red_flags
            .iter()
            .filter_map(|f| detect_red_flag(&answer, f, &prompt_stems))
            .collect();

        let point_terms: Vec<Vec<Term>> = question
            .what_they_test
            .iter()
            .map(|line| terms_of(line, &prompt_stems))
            .collect();
        let mut verdicts: Vec<(Verdict, Option<Hit>, bool)> = point_terms
            .iter()
            .map(|terms| verdict_for(&answer, terms))
            .collect();
        // The specific-term path, for the points missed above. It only ever turns a miss into
        // "partly", and only for an answer that states no misconception the rubric names. It
        // also asks the answer to be about this question: to have made some point by the rule
        // above, or to single out at least two points this way. A single rare word shared with
        // one point is what an answer to a neighbouring question produces too (measured in
        // ARCHITECTURE.md).
        if red_flags.is_empty() && verdicts.iter().any(|(v, _, _)| *v == Verdict::Missed) {
            let made: Vec<bool> = verdicts
                .iter()
                .map(|(v, _, _)| *v != Verdict::Missed)
                .collect();
            let specificity = specificity(&point_terms, &made);
            let found: Vec<Option<Hit>> = verdicts
                .iter()
                .zip(&point_terms)
                .zip(&specificity)
                .map(|(((verdict, _, _), terms), specificity)| {
                    (*verdict == Verdict::Missed)
                        .then(|| answer.specific_sentence(terms, specificity))
                        .flatten()
                })
                .collect();
            let engaged = made.contains(&true) || found.iter().flatten().count() >= 2;
            if engaged {
                for (verdict, hit) in verdicts.iter_mut().zip(found) {
                    if let Some(hit) = hit {
                        *verdict = (Verdict::Partly, Some(hit), true);
                    }
                }
            }
        }

        let mut key_points = Vec::new();
        let mut explained_points = 0;
        let mut named_only = 0;
        for (i, (line, (verdict, hit, explained))) in
            question.what_they_test.iter().zip(verdicts).enumerate()
        {
            if verdict != Verdict::Missed {
                if explained {
                    explained_points += 1;
                } else {
                    named_only += 1;
                }
            }
            key_points.push(KeyPointVerdict {
                id: i + 1,
                point: line.clone(),
                verdict,
                evidence: hit
                    .filter(|_| verdict != Verdict::Missed)
                    .map(|h| answer.quote(&h)),
            });
        }
        let n = key_points.len().max(1) as f64;
        let coverage = key_points.iter().map(|k| k.verdict.credit()).sum::<f64>() / n;
        let touched = key_points
            .iter()
            .filter(|k| k.verdict != Verdict::Missed)
            .count() as f64
            / n;

        // Accuracy needs something checkable said: explained points, half the list for full credit.
        let accuracy = (2.0 * explained_points as f64 / n).min(1.0)
            * (1.0 - 0.5 * red_flags.len() as f64).max(0.0);

        let signal_credit: f64 = question
            .strong_signals
            .iter()
            .map(|s| verdict_for(&answer, &terms_of(s, &prompt_stems)).0.credit())
            .sum();
        let depth = (signal_credit / question.strong_signals.len().clamp(1, 2) as f64).min(1.0);
        let clarity = connected_share(&answer) * (2.0 * touched).min(1.0);

        let mut criteria = Vec::new();
        let mut total = 0.0;
        for c in &rubric.criteria {
            let value = match c.measure {
                Measure::Coverage => coverage,
                Measure::Accuracy => accuracy,
                Measure::Depth => depth,
                Measure::Clarity => clarity,
            };
            total += c.weight * value;
            criteria.push(CriterionScore {
                id: c.id.clone(),
                name: c.name.clone(),
                weight: c.weight,
                level: (value * 4.0).round() as u8,
            });
        }
        let feedback = feedback(&key_points, &red_flags, named_only);
        let follow_up = pick_follow_up(question, &key_points);
        Ok(Grade {
            score: (total * 100.0).round().clamp(0.0, 100.0) as u8,
            outcome: Outcome::Graded,
            criteria,
            key_points,
            red_flags,
            feedback,
            follow_up,
            grader: NAME.to_string(),
            model: None,
            prompt_version: None,
            rubric_version: rubric.version_tag(),
            tokens_in: None,
            tokens_out: None,
            cost_usd: None,
            latency_ms: started.elapsed().as_millis() as u64,
            notes: Vec::new(),
        })
    }
}

fn insufficient_grade(
    question: &Question,
    rubric: &Rubric,
    reason: &str,
    started: Instant,
) -> Grade {
    let key_points: Vec<KeyPointVerdict> = question
        .what_they_test
        .iter()
        .enumerate()
        .map(|(i, p)| KeyPointVerdict {
            id: i + 1,
            point: p.clone(),
            verdict: Verdict::Missed,
            evidence: None,
        })
        .collect();
    Grade {
        score: 0,
        outcome: Outcome::InsufficientEvidence,
        criteria: rubric
            .criteria
            .iter()
            .map(|c| CriterionScore {
                id: c.id.clone(),
                name: c.name.clone(),
                weight: c.weight,
                level: 0,
            })
            .collect(),
        follow_up: None,
        key_points,
        red_flags: Vec::new(),
        feedback: format!("Not enough evidence to grade. {reason}"),
        grader: NAME.to_string(),
        model: None,
        prompt_version: None,
        rubric_version: rubric.version_tag(),
        tokens_in: None,
        tokens_out: None,
        cost_usd: None,
        latency_ms: started.elapsed().as_millis() as u64,
        notes: Vec::new(),
    }
}

fn feedback(points: &[KeyPointVerdict], flags: &[RedFlagHit], named_only: usize) -> String {
    let covered = points
        .iter()
        .filter(|p| p.verdict == Verdict::Covered)
        .count();
    let partly = points
        .iter()
        .filter(|p| p.verdict == Verdict::Partly)
        .count();
    let mut out = format!("You made {covered} of {} key points", points.len());
    if partly > 0 {
        out.push_str(&format!(" and touched {partly} more"));
    }
    out.push('.');
    if let Some(missed) = points.iter().find(|p| p.verdict == Verdict::Missed) {
        out.push_str(&format!(
            " Missing: {}.",
            missed.point.trim_end_matches('.')
        ));
    }
    if named_only >= 2 {
        out.push_str(" Several points were only named: say how each works and why it matters.");
    }
    if let Some(flag) = flags.first() {
        out.push_str(&format!(" Red flag: {}.", flag.flag.trim_end_matches('.')));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{Difficulty, Kind, Source};
    use crate::rubric::Rubrics;

    fn gil() -> Question {
        Question {
            id: "gil".into(),
            topic: "concurrency".into(),
            kind: Kind::Concept,
            difficulty: Difficulty::Hard,
            difficulty_estimated: false,
            tags: vec![],
            companies: vec![],
            concepts: vec![],
            prompt: "What is the GIL, and what does it mean for multithreaded Python programs?".into(),
            what_they_test: vec![
                "The GIL is a mutex that lets only one thread execute Python bytecode at a time".into(),
                "It protects reference counting, which is not thread safe".into(),
                "Threads still help I/O-bound work because the GIL is released while waiting on I/O".into(),
                "CPU-bound work needs multiprocessing or native code to run in parallel".into(),
                "asyncio handles many I/O-bound tasks on a single thread".into(),
            ],
            strong_signals: vec!["Mentions the free-threaded build from PEP 703".into(), "Measures before choosing".into()],
            red_flags: vec![
                "Claims threads make CPU-bound Python code run in parallel".into(),
                "Doesn't know that C extensions release the GIL".into(),
            ],
            follow_ups: vec![
                "How would you parallelise image resizing?".into(),
                "When does asyncio beat threads for I/O?".into(),
            ],
            model_answer: "The GIL is a lock...".into(),
            source: Source { file: "t".into(), line: 1 },
        }
    }

    fn grade(answer: &str) -> Grade {
        OfflineGrader
            .grade(&gil(), Rubrics::embedded().for_kind(Kind::Concept), answer)
            .unwrap()
    }

    /// `answer` graded against question `id` of the shipped bank.
    fn grade_bank(id: &str, answer: &str) -> Grade {
        let bank = crate::bank::Bank::load(None).unwrap();
        let q = bank.get(id).unwrap();
        OfflineGrader
            .grade(q, Rubrics::embedded().for_kind(q.kind), answer)
            .unwrap()
    }

    const GOOD: &str = "The GIL is a mutex in CPython that lets only one thread execute bytecode at a time. \
        It exists because reference counting is not thread safe, so the lock protects the counts. \
        Threads are still useful for I/O-bound work since the GIL is released while a thread waits on I/O. \
        For CPU-bound work you need multiprocessing, or native code, to really run in parallel. \
        And asyncio can handle lots of I/O-bound tasks on a single thread with an event loop.";

    #[test]
    fn a_plain_correct_explanation_scores_high() {
        let g = grade(GOOD);
        assert_eq!(g.outcome, Outcome::Graded);
        assert!(g.score >= 70, "score {} {:#?}", g.score, g.key_points);
        assert!(g.count(Verdict::Covered) >= 4, "{:#?}", g.key_points);
        let first = &g.key_points[0];
        assert!(
            first
                .evidence
                .as_deref()
                .unwrap()
                .contains("only one thread")
        );
    }

    #[test]
    fn buzzwords_score_clearly_below_an_explanation() {
        let stuffed = grade("GIL mutex threads reference counting multiprocessing asyncio");
        let good = grade(GOOD);
        assert_eq!(
            stuffed.count(Verdict::Covered),
            0,
            "{:#?}",
            stuffed.key_points
        );
        assert!(
            stuffed.score + 40 <= good.score,
            "stuffed {} good {}",
            stuffed.score,
            good.score
        );
    }

    #[test]
    fn fillers_and_restarts_cost_nothing() {
        let spoken = "So, um, the GIL is, like, a mutex in CPython that that lets only one thread, you know, execute bytecode at a time. \
            Uh, it exists because reference counting is not, um, thread safe, so the lock protects the counts. \
            Threads are basically still useful for I/O-bound work since the GIL is released while a thread waits on I/O. \
            For CPU-bound work you need, uh, multiprocessing, or native code, to really run in parallel. \
            And asyncio can, I mean, handle lots of I/O-bound tasks on a single thread with an event loop.";
        assert_eq!(grade(spoken).score, grade(GOOD).score);
    }

    #[test]
    fn empty_dont_know_and_off_topic_are_insufficient() {
        for answer in [
            "",
            "   \n ",
            "um, uh",
            "I don't know",
            "no idea, sorry",
            "My favourite food is pizza with olives and cheese.",
        ] {
            let g = grade(answer);
            assert_eq!(g.outcome, Outcome::InsufficientEvidence, "{answer:?}");
            assert_eq!(g.score, 0);
            assert!(g.key_points.iter().all(|k| k.evidence.is_none()));
        }
    }

    #[test]
    fn hedged_but_real_answer_is_graded() {
        let g = grade(
            "I'm not sure, but I think the GIL is a lock so only one thread runs Python bytecode at a time.",
        );
        assert_eq!(g.outcome, Outcome::Graded);
        assert!(g.score > 0);
    }

    #[test]
    fn a_stated_misconception_is_a_red_flag_and_its_denial_is_not() {
        let wrong = grade(
            "The GIL is a lock, but threads make CPU-bound Python code run in parallel anyway.",
        );
        assert_eq!(wrong.red_flags.len(), 1, "{:#?}", wrong.red_flags);
        assert!(wrong.red_flags[0].evidence.contains("CPU-bound"));
        let right = grade(
            "The GIL is a lock, so threads do not make CPU-bound Python code run in parallel.",
        );
        assert!(right.red_flags.is_empty(), "{:#?}", right.red_flags);
    }

    #[test]
    fn a_misconception_named_as_a_pitfall_is_not_a_red_flag() {
        let warned = grade(
            "The GIL is a lock. The classic trap is thinking threads make CPU-bound Python code run in parallel.",
        );
        assert!(warned.red_flags.is_empty(), "{:#?}", warned.red_flags);
        let held = grade(
            "The GIL is a lock. I find that threads make CPU-bound Python code run in parallel.",
        );
        assert_eq!(held.red_flags.len(), 1, "{:#?}", held.red_flags);
    }

    /// A flag about leaving something out ("without functools.wraps") is raised by an answer
    /// that leaves it out, not by one that does it.
    #[test]
    fn a_flag_about_an_omission_is_raised_only_by_the_omission() {
        let flags = |answer: &str| {
            grade_bank("decorator-how-they-work", answer)
                .red_flags
                .len()
        };
        assert_eq!(
            flags(
                "A decorator takes a function and returns a wrapper. I always put functools.wraps on the \
                 wrapper so the name and docstring of the function carry over."
            ),
            0
        );
        assert_eq!(
            flags(
                "A decorator takes a function and returns a wrapper. I write the wrapper without \
                 functools.wraps, so the name and docstring of the function are lost, which is fine."
            ),
            1
        );
    }

    /// A hint names what a candidate would say: the point's code names before its verbs, and
    /// never a version number.
    #[test]
    fn hints_name_the_code_of_a_point_first() {
        let bank = crate::bank::Bank::load(None).unwrap();
        let q = bank.get("strings-encoding-decoding").unwrap();
        // "`str` holds Unicode code points and `bytes` holds raw bytes; `str.encode()` …"
        let first = hint(q, 0).unwrap();
        assert!(first.contains("bytes"), "{first}");
        assert!(!first.contains("holds"), "{first}");
        // "… UTF-8 mode is planned to become the default in 3.15 (PEP 686)"
        let second = hint(q, 1).unwrap();
        assert!(
            !second.contains("686") && !second.contains("15"),
            "{second}"
        );
        // Code written without backticks counts too: "typing.NamedTuple, or
        // collections.namedtuple, creates a tuple subclass…" and "conftest.py holds fixtures…".
        let named = hint(bank.get("namedtuple-usage").unwrap(), 0).unwrap();
        assert!(
            named.contains("namedtuple") && !named.contains("creates"),
            "{named}"
        );
        let conftest = hint(bank.get("fixtures-conftest").unwrap(), 0).unwrap();
        assert!(
            conftest.contains("conftest") && !conftest.contains("py,"),
            "{conftest}"
        );
    }

    /// `False` in a flag is Python's constant, not a denial: the flag is raised by an answer that
    /// returns it, and not by one that says it does not.
    #[test]
    fn false_the_constant_is_not_a_negation() {
        let flags = |answer: &str| grade_bank("clean-function-design", answer).red_flags.len();
        assert_eq!(
            flags(
                "Small functions with clear names. On failure my function returns False or an error \
                 string, and the value on success."
            ),
            1
        );
        assert_eq!(
            flags(
                "Small functions with clear names. On failure my function never returns False or an \
                 error string; it raises, and returns the value on success."
            ),
            0
        );
    }

    #[test]
    fn grading_is_deterministic() {
        let a = grade(GOOD);
        let b = grade(GOOD);
        assert_eq!(
            (a.score, a.key_points, a.criteria),
            (b.score, b.key_points, b.criteria)
        );
    }

    /// The specific-term path on a bank question: an own-words answer sharing only a rare word or
    /// two with each point it makes earns "partly" on those points, and not when it also states a
    /// named misconception, when it is a bare list, or when one point is all it touches.
    #[test]
    fn rare_shared_terms_in_a_sentence_make_a_point_partly() {
        let grade = |answer: &str| grade_bank("numpy-broadcasting-rules", answer);
        let verdicts = |answer: &str| -> Vec<Verdict> {
            grade(answer).key_points.iter().map(|k| k.verdict).collect()
        };
        let own_words = "NumPy compares the shapes starting from the last axis, and each pair of sizes has to be \
            equal or one of them has to be one. So three by four plus four works, the row just gets \
            stretched down, but three by four plus three fails unless you reshape it to three by one first.";
        let g = grade(own_words);
        let partly: Vec<usize> = g
            .key_points
            .iter()
            .filter(|k| k.verdict == Verdict::Partly)
            .map(|k| k.id)
            .collect();
        assert_eq!(partly, [3, 5], "{:#?}", g.key_points);
        assert!(
            g.key_points[2]
                .evidence
                .as_deref()
                .unwrap()
                .contains("stretched")
        );
        assert!(g.score >= 30, "score {}", g.score);

        // A named misconception: no benefit of the doubt.
        let flagged = format!(
            "{own_words} Broadcasting physically copies the smaller array until the shapes match."
        );
        let g = grade(&flagged);
        assert_eq!(g.red_flags.len(), 1, "{:#?}", g.red_flags);
        assert_eq!(
            g.key_points[4].verdict,
            Verdict::Missed,
            "{:#?}",
            g.key_points
        );
        // A bare list is no sentence of connected speech.
        let list = "shapes stretched reshape row three four";
        assert!(verdicts(list).iter().all(|v| *v == Verdict::Missed));
        // One rare word for one point, and nothing else made: not enough to be about this question.
        let one_point = "A size-one axis just gets stretched to fit the other one.";
        assert!(verdicts(one_point).iter().all(|v| *v == Verdict::Missed));
    }

    #[test]
    fn follow_up_aims_at_the_weakest_point() {
        let g = grade(
            "The GIL is a mutex that lets only one thread execute bytecode at a time, and it protects reference counting which is not thread safe.",
        );
        // The first missed point is about threads and I/O; so is the second follow-up.
        assert_eq!(g.key_points[2].verdict, Verdict::Missed);
        assert_eq!(
            g.follow_up.as_deref(),
            Some("When does asyncio beat threads for I/O?")
        );
    }
}
