//! Importing interview guides: documents in the layouts of scraped guides become questions
//! with the interviewer insight the guide gives them.
//!
//! The pipeline: `repair` the text (mojibake, escaped blocks), then find questions layout by
//! layout. Anchored layouts run first over the whole document and claim the lines they own
//! (titled questions, answers with insight trailers, questions embedded in code); the lines no
//! one claimed are split into parts, and each part is read by the free-form layouts (tables,
//! Markdown, question-and-answer pages). A document in which nothing was found and whose
//! structure was flattened away is read as a damaged article. `dedup` then marks questions
//! that repeat one another or the bank, and `bank_file` writes the result as a bank file.

pub mod bank_file;
pub mod dedup;
mod embedded;
mod flattened;
pub mod guess;
pub mod html;
pub mod input;
mod insight;
mod markdown;
#[cfg(test)]
mod props;
mod qa;
pub mod repair;
mod table;
mod text;
mod titled;
mod trailer;

use std::collections::HashMap;
use std::ops::Range;

use serde::Serialize;

pub use insight::Insight;
pub use repair::{Line, Repairs};

use super::{Bank, Difficulty, Kind};

/// The layout a question was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Title, metadata line, answer, interviewer-insight block.
    Titled,
    /// Untitled answers that end in an insight trailer, and scenario blocks.
    Trailer,
    /// Questions embedded in an article's flattened code.
    Embedded,
    /// A table of questions, with pipes or flattened.
    Table,
    /// Markdown headings and bullet lists.
    Markdown,
    /// A page of questions each followed by its answer.
    QuestionAnswer,
    /// An article whose headings were stripped: title fragments and untitled answers.
    Flattened,
}

impl Layout {
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Titled => "titled",
            Layout::Trailer => "trailer",
            Layout::Embedded => "embedded",
            Layout::Table => "table",
            Layout::Markdown => "markdown",
            Layout::QuestionAnswer => "question_answer",
            Layout::Flattened => "flattened",
        }
    }
}

/// Where a question's title came from; anything but a heading or list item is a guess that a
/// person should check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TitleSource {
    Heading,
    ListItem,
    TableRow,
    Embedded,
    Scenario,
    /// The surviving fragment of a stripped heading.
    Fragment,
    /// The first sentence of an untitled answer.
    AnswerLead,
}

impl TitleSource {
    /// Whether the title is the guide's own question, rather than reconstructed.
    pub fn is_verbatim(self) -> bool {
        matches!(
            self,
            TitleSource::Heading
                | TitleSource::ListItem
                | TitleSource::TableRow
                | TitleSource::Embedded
                | TitleSource::Scenario
        )
    }
}

/// One question as found in a guide.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extracted {
    pub title: String,
    pub title_source: TitleSource,
    pub difficulty: Option<Difficulty>,
    pub tags: Vec<String>,
    pub companies: Vec<String>,
    pub section: Option<String>,
    #[serde(flatten)]
    pub insight: Insight,
    /// A short prose summary of the guide's answer (empty when it has none).
    pub answer: String,
    pub layout: Layout,
    /// 1-based line of the original file where the question starts.
    pub line: usize,
}

/// The questions of one document and what the repair changed.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    pub questions: Vec<Extracted>,
    pub repairs: Repairs,
    /// The repaired lines, for checks and tools.
    pub lines: Vec<Line>,
}

/// Which lines a layout has taken; the free-form layouts read only the rest.
#[derive(Debug, Clone)]
pub struct Claims {
    taken: Vec<bool>,
}

impl Claims {
    fn new(len: usize) -> Claims {
        Claims {
            taken: vec![false; len],
        }
    }

    pub fn claim(&mut self, range: Range<usize>) {
        let end = range.end.min(self.taken.len());
        for t in &mut self.taken[range.start.min(end)..end] {
            *t = true;
        }
    }

    /// Maximal runs of unclaimed lines.
    pub fn free_parts(&self) -> Vec<Range<usize>> {
        let mut parts = Vec::new();
        let mut start = None;
        for (i, &t) in self.taken.iter().enumerate() {
            match (t, start) {
                (false, None) => start = Some(i),
                (true, Some(s)) => {
                    parts.push(s..i);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            parts.push(s..self.taken.len());
        }
        parts
    }
}

/// Finds the questions of one guide (text, Markdown or a saved web page).
pub fn extract(text: &str) -> Extraction {
    let (lines, repairs) = if html::is_html(text) {
        repair::repair_lines(html::to_lines(text))
    } else {
        repair::repair(text)
    };
    let mut claims = Claims::new(lines.len());
    let mut questions = titled::parse(&lines, &mut claims);
    // Order matters: a layout reads only what the ones before it left.
    let layouts: [Parser; 5] = [
        embedded::parse,
        markdown::parse,
        trailer::parse,
        table::parse,
        qa::parse,
    ];
    for parse in layouts {
        questions.extend(in_free_parts(&lines, &mut claims, parse));
    }
    if questions.is_empty() && flattened::applies(&lines) {
        questions = flattened::parse(&lines);
    }
    // A title with no word in it ("**", "?") is not a question, whatever the layout saw.
    questions.retain(|q| q.title.chars().any(char::is_alphanumeric));
    questions.sort_by_key(|q| q.line);
    Extraction {
        questions,
        repairs,
        lines,
    }
}

type Parser = fn(&[Line], &mut Claims) -> Vec<Extracted>;

/// Runs a layout on each unclaimed part of a document and records what it claimed.
fn in_free_parts(lines: &[Line], claims: &mut Claims, parse: Parser) -> Vec<Extracted> {
    let mut out = Vec::new();
    for part in claims.free_parts() {
        let mut sub = Claims::new(part.len());
        out.extend(parse(&lines[part.clone()], &mut sub));
        for (k, &taken) in sub.taken.iter().enumerate() {
            if taken {
                claims.taken[part.start + k] = true;
            }
        }
    }
    out
}

/// A guide to import: its name (for messages and sources) and its text.
#[derive(Debug, Clone)]
pub struct Guide {
    pub file: String,
    pub text: String,
}

/// A question imported from a guide: what was found, where, and what was guessed.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    /// A new bank id, unique against the bank and the other imported questions.
    pub id: String,
    pub file: String,
    #[serde(flatten)]
    pub question: Extracted,
    /// Guessed: the guides do not say.
    pub topic: String,
    /// Guessed from the wording of the title.
    pub kind: Kind,
    /// The bank question, or earlier imported question, this one repeats.
    pub duplicate_of: Option<String>,
    /// The most similar question, duplicate or not, for a person to review.
    pub closest: Option<Closest>,
}

/// A similar question and how similar it is (cosine of weighted words, 0 to 1).
#[derive(Debug, Clone, Serialize)]
pub struct Closest {
    pub id: String,
    pub title_similarity: f64,
    pub body_similarity: f64,
}

/// Everything an import found.
#[derive(Debug, Clone, Default)]
pub struct ImportFindings {
    pub questions: Vec<Imported>,
    /// What the repair changed, per guide.
    pub repairs: Vec<(String, Repairs)>,
}

/// Imports guides against a bank: extracts their questions, gives them ids, guesses topic and
/// kind, and marks duplicates of the bank and of each other.
pub fn import(guides: &[Guide], bank: &Bank) -> ImportFindings {
    let mut found: Vec<(String, Extracted)> = Vec::new();
    let mut repairs = Vec::new();
    for g in guides {
        let ex = extract(&g.text);
        repairs.push((g.file.clone(), ex.repairs));
        found.extend(ex.questions.into_iter().map(|q| (g.file.clone(), q)));
    }
    let shipped = bank.questions();
    let nb = shipped.len();
    let mut texts: Vec<dedup::Text> = shipped.iter().map(dedup::Text::of_bank).collect();
    texts.extend(found.iter().map(|(_, q)| dedup::Text::of_import(q)));
    let index = dedup::Index::new(&texts);
    let mut ids = Ids {
        taken: shipped.iter().map(|q| q.id.clone()).collect(),
        ..Ids::default()
    };
    let mut questions: Vec<Imported> = Vec::with_capacity(found.len());
    // A question seen word for word earlier in the import (a guide that repeats itself, or
    // the same guide twice) is its duplicate without a search.
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (k, (file, q)) in found.into_iter().enumerate() {
        let me = nb + k;
        let key = (q.title.to_lowercase(), q.answer.clone());
        if let Some(&first) = seen.get(&key) {
            let earlier: &Imported = &questions[first];
            let repeat = Imported {
                id: ids.unique(&slug(&q.title)),
                file,
                kind: earlier.kind,
                topic: earlier.topic.clone(),
                duplicate_of: Some(earlier.id.clone()),
                closest: Some(Closest {
                    id: earlier.id.clone(),
                    title_similarity: 1.0,
                    body_similarity: 1.0,
                }),
                question: q,
            };
            questions.push(repeat);
            continue;
        }
        seen.insert(key, k);
        let matches = index.matches(me, |o| o < me);
        let id_of = |i: usize| {
            if i < nb {
                shipped[i].id.clone()
            } else {
                questions[i - nb].id.clone()
            }
        };
        let best = dedup::best(&matches);
        let duplicate_of = best.filter(|m| m.is_duplicate()).map(|m| id_of(m.index));
        let closest = best.map(|m| Closest {
            id: id_of(m.index),
            title_similarity: round2(m.title),
            body_similarity: round2(m.body),
        });
        let bank_matches: Vec<dedup::Match> =
            matches.into_iter().filter(|m| m.index < nb).collect();
        let topic = guess::topic_from_neighbours(&bank_matches, |i| shipped[i].topic.clone())
            .unwrap_or_else(|| {
                let text = format!("{} {} {}", q.title, q.tags.join(" "), q.answer);
                guess::topic_from_descriptions(&text, bank.topics())
            });
        let id = ids.unique(&slug(&q.title));
        questions.push(Imported {
            id,
            file,
            kind: guess::kind(&q.title, q.title_source),
            topic,
            duplicate_of,
            closest,
            question: q,
        });
    }
    ImportFindings { questions, repairs }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A kebab-case id from a title's first four content words. Question words and words every
/// bank question could carry ("python", "difference", "use") are left out: ids are typed at
/// `viva bank show` and read in transcripts, so they should be short and say the subject.
fn slug(title: &str) -> String {
    const NOT_SUBJECT: &[&str] = &[
        "what",
        "how",
        "why",
        "when",
        "which",
        "explain",
        "describe",
        "python",
        "python's",
        "compare",
        "difference",
        "different",
        "differences",
        "between",
        "using",
        "work",
        "works",
        "mean",
        "means",
        "understanding",
        "fundamental",
        "available",
        "implement",
        "example",
        "give",
        "would",
        "you",
        "your",
        "s",
    ];
    let words_of = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect()
    };
    let all = words_of(title);
    let subject: Vec<String> = all
        .iter()
        .filter(|w| !crate::words::is_stop_word(w) && !NOT_SUBJECT.contains(&w.as_str()))
        .take(4)
        .cloned()
        .collect();
    if !subject.is_empty() {
        return subject.join("-");
    }
    // "How does `with` work?": the code the title names is its subject, stop word or not.
    let code: Vec<String> = title
        .split('`')
        .skip(1)
        .step_by(2)
        .flat_map(words_of)
        .take(4)
        .collect();
    if !code.is_empty() {
        return code.join("-");
    }
    // Otherwise every word but the question words; a title has at least one word.
    let rest: Vec<String> = all
        .iter()
        .filter(|w| !["what", "how", "why", "when", "which", "who"].contains(&w.as_str()))
        .take(4)
        .cloned()
        .collect();
    match (rest.is_empty(), all.is_empty()) {
        (false, _) => rest.join("-"),
        (true, false) => all.join("-"),
        // No Latin word at all (ids are ASCII kebab-case): the import numbers them.
        (true, true) => "question".to_string(),
    }
}

/// Ids given so far, and for each base the next number to try: a guide that repeats one
/// title a thousand times must not try a thousand numbers for each copy.
#[derive(Default)]
struct Ids {
    taken: std::collections::HashSet<String>,
    next: std::collections::HashMap<String, usize>,
}

impl Ids {
    fn unique(&mut self, base: &str) -> String {
        let n = self.next.entry(base.to_string()).or_insert(1);
        let mut id = if *n == 1 {
            base.to_string()
        } else {
            format!("{base}-{n}")
        };
        while self.taken.contains(&id) {
            *n += 1;
            id = format!("{base}-{n}");
        }
        *n += 1;
        self.taken.insert(id.clone());
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_subject_of_the_title_in_a_few_words() {
        assert_eq!(
            slug("How do you implement abstract classes in Python?"),
            "abstract-classes"
        );
        assert_eq!(
            slug("What's the difference between a process and a thread in Python?"),
            "process-thread"
        );
        assert_eq!(
            slug("Explain how the event loop schedules coroutines, callbacks and futures"),
            "event-loop-schedules-coroutines"
        );
        assert_eq!(slug("How does `with` work?"), "with");
        assert_eq!(slug("How would you do it?"), "would-you-do-it");
    }
}
