//! The offline grader: deterministic key-point coverage, with no network and no model.
//!
//! A key point counts when its terms (stemmed, with synonyms) occur close together in the answer,
//! and counts fully only when they sit in connected speech: a bare list of the right buzzwords
//! earns at most "partly" on each point and nothing for accuracy or clarity. A point missed that
//! way can still be "partly" made by one sentence sharing its rarest terms (the specific-term
//! path, for short answers in the candidate's own words). Fillers and restarts are removed before
//! any of this, so how an answer is spoken never changes its content score.

mod feedback;
mod injection;
mod matching;
mod polarity;
mod rarity;
mod red_flags;

use std::collections::BTreeSet;
use std::ops::Range;
use std::time::Instant;

use anyhow::Result;

use self::feedback::feedback;
use self::injection::instruction_to_grader;
use self::matching::{Answer, Found, Hit, listed_share, verdict_for};
use self::polarity::{Claim, contradicting_sentence};
use self::rarity::specificity;
use self::red_flags::{detect_red_flag, states};
use super::follow_up::pick_follow_up;
use super::terms::{Term, generic_stems, prompt_stems, read, terms_of};
use super::{
    CriterionScore, Grade, Grader, KeyPointVerdict, Outcome, PracticeOnly, RedFlagHit, Verdict,
};
use crate::bank::Question;
use crate::rubric::{Measure, Rubric};

pub const NAME: &str = "offline";

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
        return Some("You said you don't know: say the part you do know, even if unsure.");
    }
    // Off-topic: the answer shares almost no vocabulary with the question and its rubric.
    let mut vocabulary: BTreeSet<String> = prompt_stems.clone();
    let rubric_lines = question
        .what_they_test
        .iter()
        .chain(&question.strong_signals)
        .chain(question.follow_ups.iter().map(|f| &f.prompt))
        .chain(std::iter::once(&question.model_answer));
    for line in rubric_lines {
        vocabulary.extend(read(line).content().map(|t| t.stem.clone()));
    }
    let relevant: BTreeSet<&str> = answer
        .analysis
        .content()
        .flat_map(|t| std::iter::once(t.stem.as_str()).chain(t.canon.as_deref()))
        .filter(|stem| vocabulary.contains(*stem) && !generic_stems().contains(*stem))
        .collect();
    if relevant.len() < 2 {
        return Some("The answer does not address the question.");
    }
    None
}

#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineGrader;

impl Grader for OfflineGrader {
    fn name(&self) -> &str {
        NAME
    }

    fn grade(&self, question: &Question, rubric: &Rubric, answer_text: &str) -> Result<Grade> {
        if question.needs_a_model() {
            return Err(PracticeOnly::offline().into());
        }
        let started = Instant::now();
        let answer = Answer::new(answer_text);
        let prompt_stems = prompt_stems(question);

        if let Some(reason) = insufficient(&answer, question, &prompt_stems) {
            return Ok(insufficient_grade(question, rubric, reason, started));
        }

        let mut red_flags: Vec<RedFlagHit> = question
            .red_flags
            .iter()
            .filter_map(|f| detect_red_flag(&answer, f, &prompt_stems))
            .collect();

        // Polarity is read against the point in the bank's own words: a paraphrase helps an
        // answer make the point, never makes it say the point backwards.
        let own_terms: Vec<Vec<Term>> = question
            .what_they_test
            .iter()
            .map(|line| terms_of(line, &prompt_stems))
            .collect();
        let claims: Vec<Claim> = question
            .what_they_test
            .iter()
            .zip(&own_terms)
            .map(|(line, terms)| Claim::of(line, terms))
            .collect();
        // Each point is read in the phrasing the answer comes closest to: its own words or one
        // of the bank's `also` phrasings.
        let (point_terms, mut verdicts): (Vec<Vec<Term>>, Vec<Found>) = question
            .what_they_test
            .iter()
            .zip(&own_terms)
            .map(|(point, own)| closest_reading(&answer, question, point, own, &prompt_stems))
            .unzip();
        // Polarity: a point's words said backwards ("evaluated on each call" for "evaluated
        // once") earn nothing, and are a contradiction of the point.
        let mut contradicted: Vec<Option<Range<usize>>> = vec![None; verdicts.len()];
        for (i, (verdict, hit, _)) in verdicts.iter_mut().enumerate() {
            if *verdict == Verdict::Missed {
                continue;
            }
            if let Some(sentence) = hit
                .as_ref()
                .and_then(|h| contradicting_sentence(&answer, h, &claims[i]))
            {
                *verdict = Verdict::Missed;
                contradicted[i] = Some(sentence);
            }
        }
        // The specific-term path, for the points missed above. It only ever turns a miss into
        // "partly", and only for an answer that states no misconception the rubric names. It
        // also asks the answer to be about this question: to have made some point by the rule
        // above, or to single out at least two points this way. A single rare word shared with
        // one point is what an answer to a neighbouring question produces too (measured in
        // docs/offline-grader.md).
        if red_flags.is_empty()
            && contradicted.iter().all(Option::is_none)
            && verdicts.iter().any(|(v, _, _)| *v == Verdict::Missed)
        {
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
                for (i, (verdict, hit)) in verdicts.iter_mut().zip(found).enumerate() {
                    if let Some(hit) = hit
                        && contradicting_sentence(&answer, &hit, &claims[i]).is_none()
                    {
                        *verdict = (Verdict::Partly, Some(hit), true);
                    }
                }
            }
        }

        // A contradicted point raises the red flag that names the misconception when the
        // sentence states it in any words (half its terms); otherwise the feedback says which
        // point the answer says backwards, and the point is only missed. Polarity read off words
        // is wrong now and then, so it alone never caps a score.
        let mut contradictions = Vec::new();
        for (i, sentence) in contradicted.iter().enumerate() {
            let Some(sentence) = sentence else { continue };
            let evidence = answer.sentence_text(sentence.start);
            let named = question.red_flags.iter().find(|flag| {
                let terms = terms_of(flag, &prompt_stems);
                let claim = Claim::of(flag, &terms);
                states(&answer, sentence.clone(), &claim, CONTRADICTION_FLAG_SHARE)
            });
            match named {
                Some(flag) if !red_flags.iter().any(|r| &r.flag == flag) => {
                    red_flags.push(RedFlagHit {
                        flag: flag.clone(),
                        evidence,
                    });
                }
                Some(_) => {}
                None => contradictions.push(i + 1),
            }
        }
        let injection = instruction_to_grader(answer_text);
        if let Some(evidence) = &injection {
            red_flags.push(RedFlagHit {
                flag: INJECTION_FLAG.to_string(),
                evidence: evidence.clone(),
            });
        }

        let mut key_points = Vec::new();
        let mut named_only = 0;
        for (i, (line, (verdict, hit, explained))) in
            question.what_they_test.iter().zip(verdicts).enumerate()
        {
            if verdict != Verdict::Missed && !explained {
                named_only += 1;
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
        let listed = listed_share(&answer) > LISTED_SHARE;
        // Depth: the strong signals the answer makes, by the key-point rule; two make it full.
        let signal_credit: f64 = question
            .strong_signals
            .iter()
            .map(|s| verdict_for(&answer, &terms_of(s, &prompt_stems)).0.credit())
            .sum();
        let depth = (!question.strong_signals.is_empty())
            .then(|| (signal_credit / question.strong_signals.len().clamp(1, 2) as f64).min(1.0));
        let score = score(
            measured(coverage, depth),
            red_flags.len(),
            listed,
            injection.is_some(),
        );

        // Only the criteria with a rule the offline grader can check are reported: key points
        // and depth. Accuracy and clarity have no level here rather than an invented one.
        let criteria = rubric
            .criteria
            .iter()
            .filter_map(|c| {
                let value = match c.measure {
                    Measure::Coverage => coverage,
                    Measure::Depth => depth?,
                    Measure::Accuracy | Measure::Clarity => return None,
                };
                Some(CriterionScore {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    weight: c.weight,
                    level: (value * 4.0).round() as u8,
                })
            })
            .collect();
        let feedback = feedback(&key_points, &red_flags, &contradictions, named_only);
        let follow_up = pick_follow_up(question, &key_points);
        Ok(Grade {
            score,
            criteria,
            key_points,
            red_flags,
            feedback,
            follow_up,
            latency_ms: started.elapsed().as_millis() as u64,
            ..Grade::offline(rubric)
        })
    }
}

/// The reading of `point` the answer makes best, among its own terms (`own`) and those of its
/// `also` phrasings: the best verdict, then the largest share of its terms. Returns the terms
/// and the verdict, each computed once.
fn closest_reading(
    answer: &Answer,
    question: &Question,
    point: &str,
    own: &[Term],
    prompt_stems: &BTreeSet<String>,
) -> (Vec<Term>, Found) {
    let rank =
        |v: &(Verdict, Option<Hit>, bool)| (v.0.credit(), v.1.as_ref().map_or(0.0, |h| h.ratio));
    let mut best = (own.to_vec(), verdict_for(answer, own));
    for line in question.also.get(point).into_iter().flatten() {
        let terms = terms_of(line, prompt_stems);
        let verdict = verdict_for(answer, &terms);
        if rank(&verdict) > rank(&best.1) {
            best = (terms, verdict);
        }
    }
    best
}

/// Share of a red flag's terms a contradicting sentence must carry for that flag to be the
/// misconception it states (lower than for a flag raised on its own: the sentence is already
/// known to invert a key point).
const CONTRADICTION_FLAG_SHARE: f64 = 0.5;

const INJECTION_FLAG: &str = "Tells the grader what to score instead of answering the question";

/// Above this share of its words in lists, an answer is a list of terms.
const LISTED_SHARE: f64 = 0.5;

/// The offline score, from what the grader can check: key-point coverage, raised red flags,
/// whether the answer is a bare list of terms, and instructions to the grader.
///
/// Coverage maps to the score on a concave curve: making half of a question's points in an
/// interview is a passing answer, not a 50. A stated misconception caps the score, because a
/// fluent answer resting on one is wrong whatever else it names; so does a list of terms (it
/// names points without making any) and an answer that instructs the grader.
/// The content an answer shows, 0 to 1: key points, and depth (the strong signals) beside them
/// when the question lists any (a follow-up's small rubric lists none).
pub(crate) fn measured(coverage: f64, depth: Option<f64>) -> f64 {
    match depth {
        Some(depth) => (1.0 - DEPTH_WEIGHT) * coverage + DEPTH_WEIGHT * depth,
        None => coverage,
    }
}

pub(crate) fn score(coverage: f64, red_flags: usize, listed: bool, injection: bool) -> u8 {
    let mut score = 100.0 * coverage.powf(COVERAGE_CURVE);
    let cap = match red_flags {
        0 => 100.0,
        1 => ONE_FLAG_CAP,
        _ => FLAGS_CAP,
    };
    score = score.min(cap);
    if listed {
        score = score.min(LIST_CAP);
    }
    if injection {
        score = score.min(INJECTION_CAP);
    }
    score.round().clamp(0.0, 100.0) as u8
}

const COVERAGE_CURVE: f64 = 0.4;
/// Share of the measured content that is depth (strong signals) rather than key points.
const DEPTH_WEIGHT: f64 = 0.2;
const ONE_FLAG_CAP: f64 = 30.0;
const FLAGS_CAP: f64 = 15.0;
const LIST_CAP: f64 = 20.0;
const INJECTION_CAP: f64 = 10.0;

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
        outcome: Outcome::InsufficientEvidence,
        key_points,
        feedback: format!("Not enough evidence to grade. {reason}"),
        latency_ms: started.elapsed().as_millis() as u64,
        ..Grade::offline(rubric)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{Difficulty, FollowUp, Kind, Source};
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
            also: Default::default(),
            strong_signals: vec!["Mentions the free-threaded build from PEP 703".into(), "Measures before choosing".into()],
            red_flags: vec![
                "Claims threads make CPU-bound Python code run in parallel".into(),
                "Doesn't know that C extensions release the GIL".into(),
            ],
            follow_ups: ["How would you parallelise image resizing?", "When does asyncio beat threads for I/O?"]
                .map(|prompt| FollowUp { prompt: prompt.into(), rubric: None })
                .into(),
            model_answer: "The GIL is a lock...".into(),
            hints: vec![],
            follows: None,
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

    /// `answer` to the shipped follow-up whose prompt starts with `prompt`, graded against the
    /// follow-up's own rubric as a session builds it.
    fn grade_follow_up(prompt: &str, answer: &str) -> Grade {
        let bank = crate::bank::Bank::load(None).unwrap();
        let (parent, follow_up) = bank
            .questions()
            .iter()
            .find_map(|q| {
                let f = q.follow_ups.iter().find(|f| f.prompt.starts_with(prompt))?;
                Some((q, f))
            })
            .unwrap_or_else(|| panic!("no follow-up starts {prompt:?}"));
        let q = parent.follow_up(&follow_up.prompt, "", &[]);
        assert!(
            !q.needs_a_model(),
            "{prompt}: the follow-up has its own rubric"
        );
        OfflineGrader
            .grade(&q, Rubrics::embedded().for_kind(q.kind), answer)
            .unwrap()
    }

    /// Follow-ups answered well in the candidate's own words pass against their own rubric,
    /// and wrong answers to them fail (the cases a new user met scoring 0 and 22 against the
    /// parent's rubric).
    #[test]
    fn follow_ups_are_graded_against_their_own_rubric() {
        let cases = [
            (
                "Why does a new entry point not show up",
                "Because nothing reads pyproject.toml when the program runs. The entry points are \
                 recorded in the installed metadata, an entry_points.txt file inside the dist-info \
                 folder, and that file is only written at install time. The launcher script in the \
                 venv's bin directory is also generated by the installer. An editable install just \
                 points imports at my source tree and leaves the metadata frozen, so after adding a \
                 script I run pip install -e . again.",
                "Entry points are read from pyproject.toml every time the program starts, so you \
                 only need to restart your shell or reboot the computer and it shows up.",
            ),
            (
                "How would you write a decorator that takes arguments",
                "You need one more layer, a factory. retry(times) returns the real decorator, the \
                 decorator takes func and returns the wrapper:\n\
                 ```python\n\
                 def retry(times):\n    def decorator(func):\n        @functools.wraps(func)\n\
                 \x20       def wrapper(*args, **kwargs):\n            for attempt in range(times):\n\
                 \x20               try:\n                    return func(*args, **kwargs)\n\
                 \x20               except Exception:\n                    if attempt == times - 1:\n\
                 \x20                       raise\n        return wrapper\n    return decorator\n\
                 ```\n\
                 So @retry(times=3) is evaluated first as a plain call, and what it returns is what \
                 decorates the function. The wrapper sees times and func through the closure, and \
                 wraps goes on the innermost wrapper.",
                "You just write @retry with no parentheses and it picks up the default of three, \
                 and you put functools.wraps on the retry factory itself.",
            ),
            (
                "How would you handle a payload that is several gigabytes long?",
                "I wouldn't call json.load on it: it reads the whole document into memory and the \
                 Python objects take several times the file size. I'd stream it with ijson, \
                 something like ijson.items(f, 'item'), so I get one record at a time, validate \
                 each one and write them out in batches, and memory stays flat. If I control the \
                 producer I'd switch the format to JSON Lines so every line parses on its own.",
                "json.load already streams the file piece by piece, so it's fine, and \
                 model_validate_json handles files of any size in constant memory.",
            ),
        ];
        for (prompt, good, wrong) in cases {
            let g = grade_follow_up(prompt, good);
            eprintln!(
                "{prompt}: {} / {}",
                g.score,
                grade_follow_up(prompt, wrong).score
            );
            assert!(
                g.score >= 60,
                "{prompt}: good answer scored {}: {g:#?}",
                g.score
            );
            let w = grade_follow_up(prompt, wrong);
            assert!(
                w.score < 35,
                "{prompt}: wrong answer scored {}: {w:#?}",
                w.score
            );
        }
    }

    /// A prompt that offers a choice accepts either: "dataclasses or pydantic" answered the
    /// pydantic way passes.
    #[test]
    fn a_prompts_other_option_earns_the_point() {
        let g = grade_bank(
            "dataclass-json-parsing",
            "I'd go with pydantic. I declare a BaseModel subclass with typed fields, nested \
             models for the nested objects, and call Model.model_validate_json on the raw text, \
             which parses and validates in one step and coerces the types. Bad input raises a \
             ValidationError that lists every field that failed with its path, so I can return \
             a clear 422. Field constraints and field_validator methods cover the custom rules, \
             and model_dump_json goes the other way.",
        );
        assert!(g.score >= 60, "{g:#?}");
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
        // The point's own words only: `also` phrasings would make some of these points outright.
        let bank = crate::bank::Bank::load(None).unwrap();
        let mut q = bank.get("numpy-broadcasting-rules").unwrap().clone();
        q.also.clear();
        let grade = |answer: &str| {
            OfflineGrader
                .grade(&q, Rubrics::embedded().for_kind(q.kind), answer)
                .unwrap()
        };
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

    /// Minimal pairs: the same words, said one way and the other. The negated sentence never
    /// earns the point the affirmative one makes.
    #[test]
    fn a_negated_key_point_is_never_credited() {
        let pairs = [
            (
                "mutable-default-arguments",
                0,
                "Default values are evaluated once, when the def statement runs.",
                "Default values are not evaluated once, they are evaluated on each call.",
            ),
            (
                "mutable-default-arguments",
                0,
                "Python evaluates the default list once, at definition time.",
                "Python evaluates the default list on each call, creating a fresh one every time.",
            ),
            (
                "gil-what-it-is",
                3,
                "Threads do not speed up CPU-bound pure-Python code; use processes for that.",
                "Threads speed up CPU-bound pure-Python code, so processes are rarely worth it.",
            ),
            (
                "gil-what-it-is",
                2,
                "A thread releases the GIL while it blocks on I/O, so threads overlap network waits.",
                "A thread never releases the GIL while it blocks on I/O, so threads cannot overlap network waits.",
            ),
            (
                "mutable-immutable-why-it-matters",
                3,
                "Mutable default arguments are evaluated once at definition time and shared across calls.",
                "Mutable default arguments are not evaluated once, and never shared across calls.",
            ),
        ];
        for (id, point, said, negated) in pairs {
            let made = grade_bank(id, said);
            let denied = grade_bank(id, negated);
            assert_ne!(
                made.key_points[point].verdict,
                Verdict::Missed,
                "{id}: {said:?} should make point {}",
                point + 1
            );
            assert_eq!(
                denied.key_points[point].verdict,
                Verdict::Missed,
                "{id}: {negated:?} was credited for point {}",
                point + 1
            );
            assert!(denied.score < made.score, "{id}: {negated:?}");
        }
    }

    /// A correct statement in other words earns the point: "can be hashed" is "hashable".
    #[test]
    fn a_paraphrase_from_the_lexicon_meets_the_point() {
        let q = gil();
        let rubric = &Rubrics::embedded().for_kind(Kind::Concept).clone();
        let lock = OfflineGrader
            .grade(
                &q,
                rubric,
                "The GIL is a mutual exclusion lock in CPython: only one thread can execute bytecode at a time.",
            )
            .unwrap();
        assert_ne!(lock.key_points[0].verdict, Verdict::Missed, "{lock:#?}");
    }

    /// A point the bank lists in other words is credited when the answer uses them.
    #[test]
    fn an_also_phrasing_credits_its_point() {
        let mut q = gil();
        let answer = "Two threads can never be inside the interpreter loop together; they take turns on one big lock.";
        let rubric = Rubrics::embedded().for_kind(Kind::Concept).clone();
        let before = OfflineGrader.grade(&q, &rubric, answer).unwrap();
        assert_ne!(before.key_points[0].verdict, Verdict::Covered);
        q.also.insert(
            q.what_they_test[0].clone(),
            vec!["threads take turns on one lock inside the interpreter".into()],
        );
        let after = OfflineGrader.grade(&q, &rubric, answer).unwrap();
        assert_eq!(after.key_points[0].verdict, Verdict::Covered, "{after:#?}");
        assert_eq!(after.key_points[0].point, q.what_they_test[0]);
    }
}
