//! Writing imported questions as a bank file that the loader accepts.
//!
//! A guide seldom gives everything the bank format demands (3–7 key points and at least one
//! strong signal, red flag and follow-up, a model answer), so the writer fills the gaps, in
//! this order, and says what it filled in a comment above the question and with the tag
//! `rubric-filled`:
//! - key points (`what_they_test`): the guide's, then its strong signals (copied, they are
//!   what a strong answer covers), then sentences of its answer, then generic points;
//!   more than seven are cut to seven;
//! - strong signals, red flags, follow-ups: the guide's, else one generic entry each;
//! - model answer: the guide's answer, else a note that the guide has none;
//! - difficulty: the guide's, else `medium` with `difficulty_source = "estimated"`.
//!
//! Topic and kind are always guesses: tagged `topic-guessed` and `kind-guessed`, and named in
//! the comment. Every question is tagged `imported`; a title reconstructed from an untitled
//! answer is tagged `title-guessed`. Duplicates are left out unless asked for.

use super::Imported;
use crate::bank::{BankError, parse_questions};

const MAX_KEY_POINTS: usize = 7;
const MIN_KEY_POINTS: usize = 3;

/// Generic rubric entries for what a guide leaves out. They ask for what any good answer has:
/// an explanation, an example and a limit.
const GENERIC_KEY_POINTS: [&str; 3] = [
    "Explains how it works and why, not only what it is",
    "Gives a concrete example of where it is used",
    "Names a limitation, trade-off or common mistake",
];
const GENERIC_STRONG: &str = "Illustrates the answer with a concrete example from real use";
const GENERIC_RED_FLAG: &str = "Gives only a definition, with no explanation of how or why";
const GENERIC_FOLLOW_UP: &str =
    "Can you give an example of when you would use this, and when you would not?";

/// What writing the file did.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub text: String,
    pub written: usize,
    /// Ids left out as duplicates, with the id each repeats.
    pub left_out: Vec<(String, String)>,
}

/// A TOML string, quoted and escaped.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "[]".to_string();
    }
    let mut out = String::from("[\n");
    for i in items {
        out.push_str("  ");
        out.push_str(&quoted(i));
        out.push_str(",\n");
    }
    out.push(']');
    out
}

/// A comment line with nothing that could end the comment early.
fn comment(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("# {clean}\n")
}

/// Sentences of an answer that can serve as key points: whole, and of a speakable length.
fn answer_points(answer: &str) -> Vec<String> {
    super::text::sentences(answer)
        .into_iter()
        .filter(|s| (4..=40).contains(&s.split_whitespace().count()) && !s.ends_with('…'))
        .map(|s| s.trim_end_matches('.').to_string())
        .collect()
}

/// One question, with its comment, as TOML; the notes say what was filled.
fn question(q: &Imported) -> String {
    let x = &q.question;
    let ins = &x.insight;
    let mut notes: Vec<String> = Vec::new();

    let mut key_points = ins.what_they_test.clone();
    let before = key_points.len();
    let add = |points: &mut Vec<String>, new: &str| {
        if points.len() < MIN_KEY_POINTS && !points.iter().any(|p| p == new) {
            points.push(new.to_string());
        }
    };
    for s in &ins.strong_signals {
        add(&mut key_points, s);
    }
    let from_signals = key_points.len() - before;
    for s in answer_points(&x.answer) {
        add(&mut key_points, &s);
    }
    let from_answer = key_points.len() - before - from_signals;
    for s in GENERIC_KEY_POINTS {
        add(&mut key_points, s);
    }
    let generic = key_points.len() - before - from_signals - from_answer;
    for (n, what) in [
        (from_signals, "from the strong signals"),
        (from_answer, "from the answer"),
        (generic, "generic"),
    ] {
        if n > 0 {
            notes.push(format!("what_they_test +{n} {what}"));
        }
    }
    if key_points.len() > MAX_KEY_POINTS {
        notes.push(format!(
            "what_they_test cut from {} to {MAX_KEY_POINTS}",
            key_points.len()
        ));
        key_points.truncate(MAX_KEY_POINTS);
    }
    let mut or_generic = |items: &[String], field: &str, generic: &str| -> Vec<String> {
        if items.is_empty() {
            notes.push(format!("{field} generic"));
            vec![generic.to_string()]
        } else {
            items.to_vec()
        }
    };
    let strong = or_generic(&ins.strong_signals, "strong_signals", GENERIC_STRONG);
    let red = or_generic(&ins.red_flags, "red_flags", GENERIC_RED_FLAG);
    let follow = or_generic(&ins.follow_ups, "follow_ups", GENERIC_FOLLOW_UP);
    let model_answer = if x.answer.trim().is_empty() {
        notes.push("model_answer: the guide has none".to_string());
        format!(
            "The guide gives no answer to this question ({}:{}).",
            q.file, x.line
        )
    } else {
        x.answer.clone()
    };

    let mut tags: Vec<String> = x.tags.iter().map(|t| t.to_lowercase()).collect();
    tags.extend(["imported", "topic-guessed", "kind-guessed"].map(String::from));
    if !notes.is_empty() {
        tags.push("rubric-filled".to_string());
    }
    if !x.title_source.is_verbatim() {
        tags.push("title-guessed".to_string());
    }
    let companies: Vec<String> = x.companies.iter().map(|c| c.to_lowercase()).collect();

    let mut out = String::new();
    out.push_str(&comment(&format!(
        "imported from {}:{} ({} layout); topic {} and kind {} guessed",
        q.file,
        x.line,
        x.layout.as_str(),
        q.topic,
        q.kind
    )));
    if !x.title_source.is_verbatim() {
        out.push_str(&comment(
            "the guide has no title here: the prompt was taken from the answer; reword it",
        ));
    }
    if !notes.is_empty() {
        out.push_str(&comment(&format!("filled: {}", notes.join("; "))));
    }
    if let Some(d) = &q.duplicate_of {
        out.push_str(&comment(&format!("duplicate of {d}")));
    }
    out.push_str("[[question]]\n");
    out.push_str(&format!("id = {}\n", quoted(&q.id)));
    out.push_str(&format!("topic = {}\n", quoted(&q.topic)));
    out.push_str(&format!("kind = {}\n", quoted(q.kind.as_str())));
    match x.difficulty {
        Some(d) => out.push_str(&format!("difficulty = {}\n", quoted(d.as_str()))),
        None => out.push_str("difficulty = \"medium\"\ndifficulty_source = \"estimated\"\n"),
    }
    out.push_str(&format!("tags = {}\n", list(&tags)));
    out.push_str(&format!("companies = {}\n", list(&companies)));
    out.push_str(&format!("prompt = {}\n", quoted(&x.title)));
    out.push_str(&format!("what_they_test = {}\n", list(&key_points)));
    out.push_str(&format!("strong_signals = {}\n", list(&strong)));
    out.push_str(&format!("red_flags = {}\n", list(&red)));
    out.push_str(&format!("follow_ups = {}\n", list(&follow)));
    out.push_str(&format!("model_answer = {}\n", quoted(&model_answer)));
    out
}

/// The bank file of imported questions; duplicates are left out unless `keep_duplicates`.
/// The text is checked with the bank loader against `topics` before it is returned, so a
/// file this writes always loads.
pub fn write(
    questions: &[Imported],
    keep_duplicates: bool,
    name: &str,
    topics: &[&str],
) -> Result<Written, Vec<BankError>> {
    let mut w = Written::default();
    w.text.push_str(&comment(
        "Questions imported by `viva import`. Topics and kinds are guesses, and entries tagged",
    ));
    w.text.push_str(&comment(
        "rubric-filled have generic rubric lines: review them before relying on the grades.",
    ));
    for q in questions {
        if let (Some(d), false) = (&q.duplicate_of, keep_duplicates) {
            w.left_out.push((q.id.clone(), d.clone()));
            continue;
        }
        w.text.push('\n');
        w.text.push_str(&question(q));
        w.written += 1;
    }
    parse_questions(name, &w.text, topics)?;
    Ok(w)
}
