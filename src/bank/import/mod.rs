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
mod insight;
mod markdown;
mod qa;
pub mod repair;
mod table;
mod text;
mod titled;
mod trailer;

use std::ops::Range;

use serde::Serialize;

pub use insight::Insight;
pub use repair::{Line, Repairs};

use super::Difficulty;

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

    pub fn is_claimed(&self, i: usize) -> bool {
        self.taken.get(i).copied().unwrap_or(true)
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

/// Finds the questions of one guide.
pub fn extract(text: &str) -> Extraction {
    let (lines, repairs) = repair::repair(text);
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

#[doc(hidden)]
pub fn debug_line(l: &str) -> String {
    format!(
        "code={} prose={} bullet={:?} segs={:?}",
        text::looks_like_code(l),
        text::prose_like(l),
        text::bullet(l).map(|b| b.indent),
        insight::segments(l)
            .iter()
            .map(|s| s.label)
            .collect::<Vec<_>>()
    )
}
