//! Parsing and validating bank files. Every error names the file, the line and the field, so a
//! user editing `$VIVA_HOME/bank/*.toml` can go straight to the mistake.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::{Difficulty, FollowUp, FollowUpRubric, Kind, Question, Source, Topic};

/// Bounds on the rubric lists of a question, from the bank format.
const WHAT_THEY_TEST: (usize, usize) = (3, 7);
const AT_LEAST_ONE: (usize, usize) = (1, usize::MAX);
/// A follow-up probes one thing: a few points make its rubric.
const FOLLOW_UP_POINTS: (usize, usize) = (2, 4);
/// A nudge, the concept to recall, half an answer.
const HINTS: (usize, usize) = (1, 3);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankError {
    pub file: String,
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl BankError {
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> BankError {
        BankError {
            file: file.into(),
            line: None,
            field: None,
            message: message.into(),
        }
    }

    pub fn at(file: &str, line: usize, field: &str, message: impl Into<String>) -> BankError {
        BankError {
            file: file.to_string(),
            line: Some(line),
            field: Some(field.to_string()),
            message: message.into(),
        }
    }
}

impl fmt::Display for BankError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for BankError {}

/// Maps byte offsets to 1-based line numbers with one scan of the text.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

/// A TOML syntax or shape error, positioned.
fn toml_error(file: &str, text: &str, err: toml::de::Error) -> BankError {
    let at = crate::toml_error::locate(text, &err);
    BankError {
        file: file.to_string(),
        line: at.line,
        field: at.field,
        message: at.message,
    }
}

/// The `[[key]]` entries of a bank file, each deserialized on its own so that one entry's error
/// does not hide the next: every syntax error, every unknown field (top-level or in an entry) and
/// the first wrongly typed value of each entry are all reported.
fn entries<T: DeserializeOwned>(
    file: &str,
    text: &str,
    key: &str,
) -> Result<Vec<Spanned<T>>, Vec<BankError>> {
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        return Err(syntax
            .into_iter()
            .map(|e| toml_error(file, text, e))
            .collect());
    }
    let lines = Lines::new(text);
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for (name, value) in doc.into_inner() {
        let line = lines.line_of(name.span().start);
        if name.get_ref() != key {
            let msg = format!("unknown field `{}`, expected `{key}`", name.get_ref());
            errors.push(BankError::at(file, line, name.get_ref(), msg));
            continue;
        }
        let DeValue::Array(items) = value.into_inner() else {
            errors.push(BankError::at(
                file,
                line,
                key,
                format!("expected [[{key}]] tables"),
            ));
            continue;
        };
        for item in items {
            match entry(item) {
                Ok(v) => parsed.push(v),
                Err(es) => errors.extend(es.into_iter().map(|e| toml_error(file, text, e))),
            }
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        // Top to bottom, as the file is read and edited.
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// One entry, deserialized again without each unknown field found, so all of them are named.
fn entry<T: DeserializeOwned>(
    mut item: Spanned<DeValue>,
) -> Result<Spanned<T>, Vec<toml::de::Error>> {
    let mut errors = Vec::new();
    loop {
        let err = match Spanned::<T>::deserialize(ValueDeserializer::from(item.clone())) {
            Ok(v) if errors.is_empty() => return Ok(v),
            Ok(_) => return Err(errors),
            Err(e) => e,
        };
        let unknown = err
            .message()
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string);
        errors.push(err);
        let removed = match (unknown, item.get_mut()) {
            (Some(field), DeValue::Table(table)) => table.remove(field.as_str()).is_some(),
            _ => false,
        };
        if !removed {
            return Err(errors);
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    id: Option<Spanned<String>>,
    name: Option<String>,
    description: Option<String>,
}

pub fn parse_topics(file: &str, text: &str) -> Result<Vec<Topic>, Vec<BankError>> {
    let raw: Vec<Spanned<RawTopic>> = entries(file, text, "topic")?;
    let lines = Lines::new(text);
    let mut errors = Vec::new();
    let mut topics: Vec<Topic> = Vec::new();
    for entry in raw {
        let line = lines.line_of(entry.span().start);
        let t = entry.into_inner();
        let Some(id) = t.id.filter(|id| !id.get_ref().trim().is_empty()) else {
            errors.push(BankError::at(file, line, "id", "missing or empty"));
            continue;
        };
        let id_line = lines.line_of(id.span().start);
        let id = id.into_inner();
        if !is_kebab(&id) {
            errors.push(BankError::at(
                file,
                id_line,
                "id",
                format!("{id:?} is not kebab-case"),
            ));
        } else if topics.iter().any(|t| t.id == id) {
            errors.push(BankError::at(
                file,
                id_line,
                "id",
                format!("duplicate topic {id:?}"),
            ));
        } else {
            topics.push(Topic {
                name: t.name.unwrap_or_else(|| id.clone()),
                description: t.description.unwrap_or_default(),
                id,
            });
        }
    }
    if errors.is_empty() {
        Ok(topics)
    } else {
        Err(errors)
    }
}

/// Every field optional, so that a missing one is reported by name and line instead of by serde's
/// first-error-wins message.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Option<Spanned<String>>,
    topic: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    difficulty: Option<Spanned<String>>,
    difficulty_source: Option<Spanned<String>>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    companies: Vec<String>,
    #[serde(default)]
    concepts: Vec<String>,
    prompt: Option<Spanned<String>>,
    what_they_test: Option<Spanned<Vec<String>>>,
    strong_signals: Option<Spanned<Vec<String>>>,
    red_flags: Option<Spanned<Vec<String>>>,
    /// Follow-up prompts without a rubric of their own.
    follow_ups: Option<Spanned<Vec<String>>>,
    model_answer: Option<Spanned<String>>,
    hints: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    also: Vec<Spanned<RawAlso>>,
    /// `[[question.follow_up]]`: follow-ups with a rubric of their own.
    #[serde(default)]
    follow_up: Vec<Spanned<RawFollowUp>>,
}

/// `[[question.follow_up]]`: a prompt, and its rubric (all three fields, or none).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFollowUp {
    prompt: Option<Spanned<String>>,
    key_points: Option<Spanned<Vec<String>>>,
    red_flags: Option<Spanned<Vec<String>>>,
    model_answer: Option<Spanned<String>>,
    #[serde(default)]
    also: Vec<Spanned<RawAlso>>,
}

/// `[[question.also]]`: other phrasings of key point `point` (1-based).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlso {
    point: Option<usize>,
    #[serde(default)]
    say: Vec<String>,
}

/// A phrasing needs this many content words to say anything a grader can find.
const ALSO_MIN_WORDS: usize = 2;

/// Collects the errors of one question while its fields are checked.
struct Checker<'a> {
    file: &'a str,
    lines: &'a Lines,
    /// Line of the `[[question]]` entry, used for missing fields.
    line: usize,
    errors: Vec<BankError>,
}

impl Checker<'_> {
    fn err(&mut self, span: Option<Range<usize>>, field: &str, message: impl Into<String>) {
        let line = span.map_or(self.line, |s| self.lines.line_of(s.start));
        self.errors
            .push(BankError::at(self.file, line, field, message));
    }

    fn text(
        &mut self,
        value: Option<Spanned<String>>,
        field: &str,
    ) -> Option<(String, Range<usize>)> {
        match value {
            None => {
                self.err(None, field, "missing");
                None
            }
            Some(v) if v.get_ref().trim().is_empty() => {
                self.err(Some(v.span()), field, "empty");
                None
            }
            Some(v) => {
                let span = v.span();
                self.printable(Some(span.clone()), field, [v.get_ref()]);
                Some((v.into_inner().trim().to_string(), span))
            }
        }
    }

    /// Bank text is shown on terminals, where a control character or an escape sequence would
    /// be obeyed (and bidi overrides reorder what is shown), so a bank file may hold none.
    fn printable<'s>(
        &mut self,
        span: Option<Range<usize>>,
        field: &str,
        values: impl IntoIterator<Item = &'s String>,
    ) {
        let found = values
            .into_iter()
            .flat_map(|v| v.chars())
            .find(|&c| crate::term::is_unsafe(c));
        if let Some(c) = found {
            let msg = format!(
                "contains a control character or bidi override (U+{:04X})",
                u32::from(c)
            );
            self.err(span, field, msg);
        }
    }

    /// `also` tables: other phrasings of the key points `points`, by the point's text.
    fn also(
        &mut self,
        entries: Vec<Spanned<RawAlso>>,
        points: &[String],
        field: &str,
    ) -> BTreeMap<String, Vec<String>> {
        let mut also: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for entry in entries {
            let span = entry.span();
            let RawAlso { point, say } = entry.into_inner();
            self.printable(Some(span.clone()), field, &say);
            let Some(point) = point.filter(|p| (1..=points.len()).contains(p)) else {
                let msg = format!("`point` must name a key point, 1 to {}", points.len());
                self.err(Some(span), field, msg);
                continue;
            };
            let say: Vec<String> = say.iter().map(|s| s.trim().to_string()).collect();
            if say.is_empty() {
                self.err(Some(span), field, "`say` lists no phrasing");
            } else if let Some(thin) = say
                .iter()
                .find(|s| crate::words::content_stems(s).len() < ALSO_MIN_WORDS)
            {
                let msg = format!("{thin:?} has fewer than {ALSO_MIN_WORDS} content words");
                self.err(Some(span), field, msg);
            } else if let Some(same) = say.iter().find(|s| **s == points[point - 1]) {
                self.err(Some(span), field, format!("{same:?} repeats the key point"));
            } else {
                also.entry(points[point - 1].clone())
                    .or_default()
                    .extend(say);
            }
        }
        also
    }

    /// One `[[question.follow_up]]` table; None when it has errors (pushed).
    fn follow_up(&mut self, span: Range<usize>, raw: RawFollowUp) -> Option<FollowUp> {
        let before = self.errors.len();
        let line = self.lines.line_of(span.start);
        let outer = std::mem::replace(&mut self.line, line);
        let prompt = self.text(raw.prompt, "follow_up.prompt");
        let has_rubric =
            raw.key_points.is_some() || raw.red_flags.is_some() || raw.model_answer.is_some();
        let rubric = if has_rubric {
            let key_points = self.list(raw.key_points, "follow_up.key_points", FOLLOW_UP_POINTS);
            let red_flags = self.list(raw.red_flags, "follow_up.red_flags", AT_LEAST_ONE);
            let model_answer = self.text(raw.model_answer, "follow_up.model_answer");
            let also = self.also(raw.also, &key_points, "follow_up.also");
            model_answer.map(|(model_answer, _)| FollowUpRubric {
                key_points,
                also,
                red_flags,
                model_answer,
            })
        } else {
            if let Some(a) = raw.also.first() {
                self.err(
                    Some(a.span()),
                    "follow_up.also",
                    "phrasings need key points: give the follow-up `key_points`, `red_flags` and `model_answer`",
                );
            }
            None
        };
        self.line = outer;
        let (prompt, _) = prompt?;
        (self.errors.len() == before).then_some(FollowUp { prompt, rubric })
    }

    fn list(
        &mut self,
        value: Option<Spanned<Vec<String>>>,
        field: &str,
        (min, max): (usize, usize),
    ) -> Vec<String> {
        let Some(v) = value else {
            self.err(
                None,
                field,
                "missing (a rubric list must have at least one entry)",
            );
            return Vec::new();
        };
        let span = v.span();
        self.printable(Some(span.clone()), field, v.get_ref());
        let items: Vec<String> = v
            .into_inner()
            .into_iter()
            .map(|s| s.trim().to_string())
            .collect();
        if items.is_empty() {
            self.err(
                Some(span),
                field,
                "empty (a rubric list must have at least one entry)",
            );
        } else if items.iter().any(String::is_empty) {
            self.err(Some(span), field, "contains an empty entry");
        } else if items.len() < min || items.len() > max {
            self.err(
                Some(span),
                field,
                format!("has {} entries; expected {min} to {max}", items.len()),
            );
        }
        items
    }
}

/// Parses the questions of one file, checking each against the known topic ids.
pub fn parse_questions(
    file: &str,
    text: &str,
    topics: &[&str],
) -> Result<Vec<Question>, Vec<BankError>> {
    let raw: Vec<Spanned<RawQuestion>> = entries(file, text, "question")?;
    let lines = Lines::new(text);
    let mut errors = Vec::new();
    let mut questions: Vec<Question> = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for entry in raw {
        let line = lines.line_of(entry.span().start);
        let mut c = Checker {
            file,
            lines: &lines,
            line,
            errors: Vec::new(),
        };
        let raw = entry.into_inner();

        let id = c.text(raw.id, "id");
        if let Some((id, span)) = &id {
            if !is_kebab(id) {
                c.err(
                    Some(span.clone()),
                    "id",
                    format!("{id:?} is not kebab-case"),
                );
            } else if let Some(prev) = seen.get(id) {
                let msg = format!("duplicate id {id:?} (first defined at line {prev})");
                c.err(Some(span.clone()), "id", msg);
            } else {
                seen.insert(id.clone(), line);
            }
        }
        let topic = c.text(raw.topic, "topic");
        if let Some((t, span)) = &topic
            && !topics.contains(&t.as_str())
        {
            let msg = format!("unknown topic {t:?} (known: {})", topics.join(", "));
            c.err(Some(span.clone()), "topic", msg);
        }
        let kind = c.text(raw.kind, "kind").and_then(|(k, span)| {
            let parsed = Kind::parse(&k);
            if parsed.is_none() {
                let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                c.err(
                    Some(span),
                    "kind",
                    format!("unknown kind {k:?} (known: {})", known.join(", ")),
                );
            }
            parsed
        });
        let difficulty = c.text(raw.difficulty, "difficulty").and_then(|(d, span)| {
            let parsed = Difficulty::parse(&d);
            if parsed.is_none() {
                c.err(
                    Some(span),
                    "difficulty",
                    format!("{d:?} is not one of easy, medium, hard"),
                );
            }
            parsed
        });
        let difficulty_estimated = match raw.difficulty_source {
            None => false,
            Some(s) => match s.get_ref().as_str() {
                "guide" => false,
                "estimated" => true,
                other => {
                    let msg = format!("{other:?} is not one of guide, estimated");
                    c.err(Some(s.span()), "difficulty_source", msg);
                    false
                }
            },
        };
        let prompt = c.text(raw.prompt, "prompt");
        let what_they_test = c.list(raw.what_they_test, "what_they_test", WHAT_THEY_TEST);
        let strong_signals = c.list(raw.strong_signals, "strong_signals", AT_LEAST_ONE);
        let red_flags = c.list(raw.red_flags, "red_flags", AT_LEAST_ONE);
        let mut follow_ups: Vec<FollowUp> = match raw.follow_ups {
            Some(list) => c
                .list(Some(list), "follow_ups", AT_LEAST_ONE)
                .into_iter()
                .map(|prompt| FollowUp {
                    prompt,
                    rubric: None,
                })
                .collect(),
            None => Vec::new(),
        };
        for entry in raw.follow_up {
            let span = entry.span();
            if let Some(f) = c.follow_up(span, entry.into_inner()) {
                follow_ups.push(f);
            }
        }
        if follow_ups.is_empty() {
            c.err(
                None,
                "follow_up",
                "missing (a question needs at least one follow-up: a [[question.follow_up]] table, or a `follow_ups` list)",
            );
        }
        let model_answer = c.text(raw.model_answer, "model_answer");
        let hints = match raw.hints {
            Some(h) => c.list(Some(h), "hints", HINTS),
            None => Vec::new(),
        };
        c.printable(None, "tags", &raw.tags);
        c.printable(None, "companies", &raw.companies);
        c.printable(None, "concepts", &raw.concepts);
        let also = c.also(raw.also, &what_they_test, "also");

        if !c.errors.is_empty() {
            errors.append(&mut c.errors);
            continue;
        }
        // Every Option is Some here: each None above pushed an error.
        let (
            Some((id, _)),
            Some((topic, _)),
            Some(kind),
            Some(difficulty),
            Some((prompt, _)),
            Some((model_answer, _)),
        ) = (id, topic, kind, difficulty, prompt, model_answer)
        else {
            unreachable!("a missing field is always reported as an error");
        };
        questions.push(Question {
            id,
            topic,
            kind,
            difficulty,
            difficulty_estimated,
            tags: raw.tags,
            companies: raw.companies,
            concepts: raw.concepts,
            prompt,
            what_they_test,
            also,
            strong_signals,
            red_flags,
            follow_ups,
            model_answer,
            hints,
            follows: None,
            source: Source {
                file: file.to_string(),
                line,
            },
        });
    }
    if errors.is_empty() {
        Ok(questions)
    } else {
        Err(errors)
    }
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOPICS: &[&str] = &["concurrency", "oop"];

    fn good() -> String {
        r#"
[[question]]
id = "gil-basics"
topic = "concurrency"
kind = "concept"
difficulty = "hard"
prompt = "What is the GIL?"
what_they_test = ["one thread runs bytecode at a time", "reference counting is not thread safe", "I/O releases the lock"]
strong_signals = ["mentions the free-threaded build"]
red_flags = ["claims threads speed up CPU-bound code"]
follow_ups = ["How would you parallelise image resizing?"]
model_answer = "The GIL is a lock..."
"#
        .to_string()
    }

    fn errors_of(text: &str) -> Vec<BankError> {
        parse_questions("bank/x.toml", text, TOPICS).unwrap_err()
    }

    #[test]
    fn also_phrasings_attach_to_their_point_and_are_checked() {
        let text = format!(
            "{}\n[[question.also]]\npoint = 1\nsay = [\"threads take turns running Python code\"]\n",
            good()
        );
        let qs = parse_questions("bank/x.toml", &text, TOPICS).unwrap();
        assert_eq!(
            qs[0].also["one thread runs bytecode at a time"],
            ["threads take turns running Python code"]
        );

        let out_of_range = text.replace("point = 1", "point = 4");
        let errs = errors_of(&out_of_range);
        assert_eq!(errs[0].field.as_deref(), Some("also"));
        assert_eq!(errs[0].line, Some(14));
        assert!(errs[0].message.contains("1 to 3"), "{}", errs[0].message);

        let thin = text.replace("threads take turns running Python code", "threads");
        let errs = errors_of(&thin);
        assert!(
            errs[0].message.contains("fewer than 2 content words"),
            "{}",
            errs[0].message
        );
    }

    #[test]
    fn follow_up_tables_carry_their_own_rubric_and_are_checked() {
        let table = "\n[[question.follow_up]]\nprompt = \"Why not threads?\"\n\
            key_points = [\"the GIL serialises bytecode\", \"processes each get an interpreter\"]\n\
            red_flags = [\"says threads run Python code in parallel\"]\n\
            model_answer = \"Because of the GIL...\"\n\
            \n[[question.follow_up.also]]\npoint = 2\nsay = [\"every process has its own interpreter and lock\"]\n";
        let text = format!(
            "{}{table}",
            good().replace(
                "hard\"\n",
                "hard\"\nhints = [\"What does the lock guard?\", \"Recall reference counts.\"]\n"
            )
        );
        let qs = parse_questions("bank/x.toml", &text, TOPICS).unwrap();
        let q = &qs[0];
        assert_eq!(q.hints.len(), 2);
        assert_eq!(q.follow_ups.len(), 2, "the listed prompt and the table");
        assert!(q.follow_ups[0].rubric.is_none());
        let rubric = q.follow_ups[1].rubric.as_ref().unwrap();
        assert_eq!(rubric.key_points.len(), 2);
        assert_eq!(
            rubric.also["processes each get an interpreter"],
            ["every process has its own interpreter and lock"]
        );

        // One key point is too few; the error names the field and its line.
        let thin = text.replace(", \"processes each get an interpreter\"", "");
        let errs = errors_of(&thin);
        assert_eq!(errs[0].field.as_deref(), Some("follow_up.key_points"));
        let line = thin
            .lines()
            .position(|l| l.starts_with("key_points"))
            .unwrap()
            + 1;
        assert_eq!(errs[0].line, Some(line));
        assert!(
            errs[0].message.contains("expected 2 to 4"),
            "{}",
            errs[0].message
        );
        // A rubric needs all its parts.
        let no_answer = text.replace("model_answer = \"Because of the GIL...\"\n", "");
        let errs = errors_of(&no_answer);
        assert_eq!(errs[0].field.as_deref(), Some("follow_up.model_answer"));
        assert_eq!(errs[0].message, "missing");
    }

    #[test]
    fn a_complete_question_parses() {
        let qs = parse_questions("bank/x.toml", &good(), TOPICS).unwrap();
        assert_eq!(qs.len(), 1);
        assert_eq!(qs[0].difficulty, Difficulty::Hard);
        assert_eq!(qs[0].source.line, 2);
        assert!(!qs[0].difficulty_estimated);
    }

    #[test]
    fn bad_difficulty_names_file_line_and_field() {
        let text = good().replace("\"hard\"", "\"extreme\"");
        let errs = errors_of(&text);
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].to_string(),
            "bank/x.toml:6: field `difficulty`: \"extreme\" is not one of easy, medium, hard"
        );
    }

    #[test]
    fn unknown_topic_and_kind_are_reported_together() {
        let text = good()
            .replace("\"concurrency\"", "\"cooking\"")
            .replace("\"concept\"", "\"quiz\"");
        let errs = errors_of(&text);
        let fields: Vec<_> = errs.iter().map(|e| e.field.clone().unwrap()).collect();
        assert_eq!(fields, ["topic", "kind"]);
        assert_eq!(errs[0].line, Some(4));
        assert_eq!(errs[1].line, Some(5));
    }

    #[test]
    fn empty_prompt_and_empty_rubric_list() {
        let text = good()
            .replace("\"What is the GIL?\"", "\"  \"")
            .replace("[\"mentions the free-threaded build\"]", "[]");
        let errs = errors_of(&text);
        let got: Vec<_> = errs
            .iter()
            .map(|e| (e.field.clone().unwrap(), e.line.unwrap()))
            .collect();
        assert_eq!(
            got,
            [("prompt".to_string(), 7), ("strong_signals".to_string(), 9)]
        );
    }

    #[test]
    fn missing_rubric_list_points_at_the_question() {
        let text = good().replace(
            "red_flags = [\"claims threads speed up CPU-bound code\"]\n",
            "",
        );
        let errs = errors_of(&text);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field.as_deref(), Some("red_flags"));
        assert_eq!(errs[0].line, Some(2));
    }

    #[test]
    fn too_few_key_points() {
        let text = good().replace(", \"I/O releases the lock\"", "");
        let errs = errors_of(&text);
        assert_eq!(errs[0].field.as_deref(), Some("what_they_test"));
        assert!(errs[0].message.contains("expected 3 to 7"), "{}", errs[0]);
    }

    #[test]
    fn unknown_field_is_named_with_its_line() {
        let text = good().replace("prompt =", "promt =");
        let errs = errors_of(&text);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field.as_deref(), Some("promt"));
        assert_eq!(errs[0].line, Some(7));
    }

    #[test]
    fn duplicate_id_within_a_file() {
        let text = format!("{}{}", good(), good());
        let errs = errors_of(&text);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field.as_deref(), Some("id"));
        assert!(
            errs[0].message.contains("first defined at line 2"),
            "{}",
            errs[0]
        );
    }

    #[test]
    fn syntax_error_has_a_line() {
        let errs = errors_of("[[question]]\nid = \"x\"\nprompt = \"unterminated\n");
        assert_eq!(errs[0].line, Some(3));
    }

    #[test]
    fn topics_parse_and_reject_duplicates() {
        let text = "[[topic]]\nid = \"oop\"\nname = \"OOP\"\n\n[[topic]]\nid = \"oop\"\n";
        let errs = parse_topics("topics.toml", text).unwrap_err();
        assert_eq!(errs[0].line, Some(6));
    }
}
