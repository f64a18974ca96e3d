//! The question bank: questions with their interviewer insight, the topics they belong to, and
//! loading from the embedded `data/` plus the user's `$VIVA_HOME/bank/`.

pub mod import;
mod load;

pub use load::{BankError, parse_questions, parse_topics};

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::embedded;

/// How hard a question is, as the guides or our estimate put it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Easy,
    Medium,
    Hard,
}

impl Difficulty {
    pub const ALL: [Difficulty; 3] = [Difficulty::Easy, Difficulty::Medium, Difficulty::Hard];

    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
        }
    }

    pub fn parse(s: &str) -> Option<Difficulty> {
        Difficulty::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

impl fmt::Display for Difficulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a question selects its rubric in `rubrics/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Concept,
    Coding,
    Design,
    Debugging,
    Behavioral,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Concept,
        Kind::Coding,
        Kind::Design,
        Kind::Debugging,
        Kind::Behavioral,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Concept => "concept",
            Kind::Coding => "coding",
            Kind::Design => "design",
            Kind::Debugging => "debugging",
            Kind::Behavioral => "behavioral",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Topic {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// Where a question came from, for messages and `bank show`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Source {
    pub file: String,
    pub line: usize,
}

/// One interview question with the rubric material a grader needs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Question {
    pub id: String,
    pub topic: String,
    pub kind: Kind,
    pub difficulty: Difficulty,
    /// True when the difficulty is our estimate rather than a guide's label.
    pub difficulty_estimated: bool,
    pub tags: Vec<String>,
    pub companies: Vec<String>,
    pub concepts: Vec<String>,
    pub prompt: String,
    pub what_they_test: Vec<String>,
    /// Other ways a key point is commonly said, by the point's text: the offline grader credits
    /// the point when an answer makes it in any of them.
    pub also: std::collections::BTreeMap<String, Vec<String>>,
    pub strong_signals: Vec<String>,
    pub red_flags: Vec<String>,
    pub follow_ups: Vec<FollowUp>,
    pub model_answer: String,
    /// Progressive hints, gentlest first: a nudge, the concept to recall, half an answer.
    pub hints: Vec<String>,
    /// Set when this is a follow-up built from the question it follows (see `follow_up`). Not
    /// serialized: it holds a candidate's answer, which a prompt must fence.
    #[serde(skip)]
    pub follows: Option<Box<Follows>>,
    pub source: Source,
}

/// A follow-up the interviewer may ask once a question is answered.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FollowUp {
    pub prompt: String,
    /// Its own rubric. None for a prompt listed without one (`follow_ups = [...]` in a user's
    /// bank, or a follow-up a model asks), which only a model can grade.
    pub rubric: Option<FollowUpRubric>,
}

/// What a follow-up is graded against: a small rubric of its own.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FollowUpRubric {
    pub key_points: Vec<String>,
    /// Other phrasings of a key point, by the point's text (as `Question::also`).
    pub also: BTreeMap<String, Vec<String>>,
    pub red_flags: Vec<String>,
    pub model_answer: String,
}

/// What a follow-up question follows: the question and the candidate's answer to it, which a
/// model grading the follow-up reads as context.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Follows {
    pub prompt: String,
    pub answer: String,
    /// The follow-up has a rubric of its own. Without one it is graded against the points the
    /// answer left open, which only a model can judge; offline it is practice, not scored.
    pub own_rubric: bool,
}

impl Question {
    /// The bank follow-up asked as `prompt`, if the bank lists one.
    pub fn bank_follow_up(&self, prompt: &str) -> Option<&FollowUp> {
        let same = |f: &&FollowUp| f.prompt.trim().eq_ignore_ascii_case(prompt.trim());
        self.follow_ups.iter().find(same)
    }

    /// The question a follow-up asked as `prompt` after `answer` is graded against. A bank
    /// follow-up with a rubric brings its own key points, red flags and model answer; any other
    /// (a model's own follow-up, a user's follow-up listed without a rubric) is graded against
    /// the points of this question in `open` (the ones the answer left open; all when empty).
    /// Either way it keeps this question's id, topic and kind, and knows what it follows.
    pub fn follow_up(&self, prompt: &str, answer: &str, open: &[String]) -> Question {
        let rubric = self.bank_follow_up(prompt).and_then(|f| f.rubric.clone());
        let follows = Follows {
            prompt: self.prompt.clone(),
            answer: answer.to_string(),
            own_rubric: rubric.is_some(),
        };
        let mut q = Question {
            prompt: prompt.to_string(),
            follow_ups: self
                .follow_ups
                .iter()
                .filter(|f| f.prompt != prompt)
                .cloned()
                .collect(),
            hints: Vec::new(),
            follows: Some(Box::new(follows)),
            ..self.clone()
        };
        match rubric {
            Some(r) => {
                q.what_they_test = r.key_points;
                q.also = r.also;
                q.red_flags = r.red_flags;
                q.model_answer = r.model_answer;
                q.strong_signals = Vec::new();
            }
            None if !open.is_empty() => q.what_they_test = open.to_vec(),
            None => {}
        }
        q
    }

    /// A follow-up without a rubric of its own: only a model can grade it.
    pub fn needs_a_model(&self) -> bool {
        self.follows.as_ref().is_some_and(|f| !f.own_rubric)
    }
}

/// The loaded bank: topics in their declared order and questions by id.
#[derive(Debug, Clone, Default)]
pub struct Bank {
    topics: Vec<Topic>,
    questions: Vec<Question>,
    /// The problems of the user's bank files left out by `load`.
    skipped: Vec<BankError>,
}

/// One TOML text to load, named for messages.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    pub layer: Layer,
}

/// Embedded files are the shipped bank; user files may extend it and override its questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Embedded,
    User,
}

impl SourceFile {
    pub fn read(path: &Path, layer: Layer) -> Result<SourceFile, BankError> {
        let name = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| BankError::file(&name, e.to_string()))?;
        Ok(SourceFile { name, text, layer })
    }
}

impl Bank {
    /// The embedded bank extended by the `.toml` files of `user_dir` (when it exists). A user
    /// file with a problem is left out, its problems kept in `skipped`, so that one broken file
    /// does not stop an interview; `viva bank check` still fails on it.
    pub fn load(user_dir: Option<&Path>) -> Result<Bank, Vec<BankError>> {
        let mut sources = embedded_sources();
        let mut skipped = Vec::new();
        if let Some(dir) = user_dir {
            for path in toml_files(dir).map_err(|e| vec![e])? {
                match SourceFile::read(&path, Layer::User) {
                    Ok(file) => sources.push(file),
                    Err(e) => skipped.push(e),
                }
            }
        }
        loop {
            let errors = match Bank::from_sources(&sources) {
                Ok(bank) => return Ok(Bank { skipped, ..bank }),
                Err(errors) => errors,
            };
            let broken: Vec<String> = sources
                .iter()
                .filter(|s| s.layer == Layer::User && errors.iter().any(|e| e.file == s.name))
                .map(|s| s.name.clone())
                .collect();
            if broken.is_empty() {
                return Err(errors);
            }
            sources.retain(|s| !broken.contains(&s.name));
            skipped.extend(errors.into_iter().filter(|e| broken.contains(&e.file)));
        }
    }

    /// Builds a bank from TOML texts. Files named `topics.toml` declare topics, every other file
    /// declares questions. A user question whose id is already in the embedded bank replaces it;
    /// any other repeated id is an error. All errors are collected, not just the first.
    pub fn from_sources(sources: &[SourceFile]) -> Result<Bank, Vec<BankError>> {
        let mut errors = Vec::new();
        let mut topics: Vec<Topic> = Vec::new();
        for src in sources.iter().filter(|s| is_topics_file(&s.name)) {
            match parse_topics(&src.name, &src.text) {
                Ok(ts) => {
                    for t in ts {
                        match topics.iter_mut().find(|e| e.id == t.id) {
                            Some(existing) => *existing = t,
                            None => topics.push(t),
                        }
                    }
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        let topic_ids: Vec<&str> = topics.iter().map(|t| t.id.as_str()).collect();
        let mut questions: Vec<(Question, Layer)> = Vec::new();
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for src in sources.iter().filter(|s| !is_topics_file(&s.name)) {
            let parsed = match parse_questions(&src.name, &src.text, &topic_ids) {
                Ok(qs) => qs,
                Err(mut e) => {
                    errors.append(&mut e);
                    continue;
                }
            };
            for q in parsed {
                let Some(&at) = index.get(&q.id) else {
                    index.insert(q.id.clone(), questions.len());
                    questions.push((q, src.layer));
                    continue;
                };
                let (earlier, earlier_layer) = &questions[at];
                if *earlier_layer == Layer::Embedded && src.layer == Layer::User {
                    questions[at] = (q, Layer::User);
                } else {
                    let msg = format!(
                        "duplicate id {:?} (first defined at {}:{})",
                        q.id, earlier.source.file, earlier.source.line
                    );
                    errors.push(BankError::at(&q.source.file, q.source.line, "id", msg));
                }
            }
        }
        if errors.is_empty() {
            let questions = questions.into_iter().map(|(q, _)| q).collect();
            Ok(Bank {
                topics,
                questions,
                skipped: Vec::new(),
            })
        } else {
            Err(errors)
        }
    }

    /// What `load` left out: each problem of a user bank file it skipped.
    pub fn skipped(&self) -> &[BankError] {
        &self.skipped
    }

    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }

    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.id == id)
    }

    pub fn questions(&self) -> &[Question] {
        &self.questions
    }

    pub fn get(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

/// The shipped bank files, compiled into the binary.
pub fn embedded_sources() -> Vec<SourceFile> {
    embedded::DATA
        .iter()
        .map(|(name, text)| SourceFile {
            name: name.to_string(),
            text: text.to_string(),
            layer: Layer::Embedded,
        })
        .collect()
}

fn is_topics_file(name: &str) -> bool {
    Path::new(name).file_name().and_then(|f| f.to_str()) == Some("topics.toml")
}

/// The `.toml` files of a directory, sorted so that loading is deterministic. A missing
/// directory is simply empty.
pub fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, BankError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(BankError::file(dir.display().to_string(), e.to_string())),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    Ok(files)
}
