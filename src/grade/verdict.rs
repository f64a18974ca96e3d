//! The LLM's verdict: its JSON schema, lenient extraction from a reply, validation against the
//! question and rubric, and conversion into a `Grade`.

use serde::Serialize;
use serde_json::{Value, json};

use super::{CriterionScore, Grade, KeyPointVerdict, Outcome, RedFlagHit, Verdict};
use crate::bank::Question;
use crate::rubric::{Measure, Rubric};

/// What a verdict may hold: the model's reasoning or not, and the longest each text may be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// A `reasoning` field first. Under constrained decoding it makes the model think before it
    /// decides; without it, a small model rambles, so the field is left out.
    pub reasoning: bool,
    /// The length caps, in characters.
    pub caps: Caps,
    /// Whether the caps go into the schema as `maxLength` (local servers enforce them in their
    /// grammar) or only into the prompt (hosted strict modes reject the keyword).
    pub capped_schema: bool,
}

/// The longest each text of a verdict may be, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Caps {
    pub reasoning: usize,
    pub evidence: usize,
    pub feedback: usize,
    pub follow_up: usize,
}

impl Caps {
    /// Room for a few sentences of reasoning and feedback and a short quote per point.
    pub const FULL: Caps = Caps {
        reasoning: 120,
        evidence: 50,
        feedback: 140,
        follow_up: 120,
    };

    /// Every cap scaled by `factor`, none below the length of a useful quote or sentence.
    pub fn scaled(self, factor: f64) -> Caps {
        let scale = |n: usize, floor: usize| ((n as f64 * factor) as usize).max(floor);
        Caps {
            reasoning: scale(self.reasoning, 60),
            evidence: scale(self.evidence, 40),
            feedback: scale(self.feedback, 60),
            follow_up: scale(self.follow_up, 60),
        }
    }
}

/// The schema sent as `response_format` (or written into the prompt where the server lacks
/// structured output), sized to this question and rubric. Keys are in the order a model should
/// write them (reasoning first, so it thinks before it decides; serde_json keeps insertion order),
/// and every array holds exactly one entry per criterion and key point, with ids drawn from
/// the rubric: under constrained decoding a point without a verdict cannot be written.
pub fn schema(question: &Question, rubric: &Rubric, shape: &Shape) -> Value {
    let points = question.what_they_test.len();
    let point_ids: Vec<usize> = (1..=points).collect();
    let criterion_ids: Vec<&str> = rubric.criteria.iter().map(|c| c.id.as_str()).collect();
    let flag_ids: Vec<usize> = (1..=question.red_flags.len()).collect();
    let text = |cap: usize| {
        if shape.capped_schema {
            json!({"type": "string", "maxLength": cap})
        } else {
            json!({"type": "string"})
        }
    };
    let follow_up = if shape.capped_schema {
        json!({"type": ["string", "null"], "maxLength": shape.caps.follow_up})
    } else {
        json!({"type": ["string", "null"]})
    };
    let caps = &shape.caps;
    let mut properties = serde_json::Map::new();
    if shape.reasoning {
        properties.insert("reasoning".into(), text(caps.reasoning));
    }
    properties.insert("insufficient_evidence".into(), json!({"type": "boolean"}));
    properties.insert(
        "key_points".into(),
        json!({"type": "array", "minItems": points, "maxItems": points, "items": {
            "type": "object",
            "properties": {
                "id": {"type": "integer", "enum": point_ids},
                "verdict": {"type": "string", "enum": ["covered", "partly", "missed"]},
                "evidence": text(caps.evidence)},
            "required": ["id", "verdict", "evidence"], "additionalProperties": false}}),
    );
    // One level per criterion, keyed by its id: a line each where a list of objects would
    // take four, and every line is tokens a small model writes slowly.
    let level = json!({"type": "integer", "minimum": 0, "maximum": 4});
    properties.insert(
        "criteria".into(),
        json!({"type": "object",
            "properties": criterion_ids.iter().map(|id| (id.to_string(), level.clone())).collect::<serde_json::Map<_, _>>(),
            "required": criterion_ids, "additionalProperties": false}),
    );
    properties.insert(
        "red_flags".into(),
        red_flags_schema(&flag_ids, text(caps.evidence)),
    );
    properties.insert("feedback".into(), text(caps.feedback));
    properties.insert("follow_up".into(), follow_up);
    let required: Vec<&String> = properties.keys().collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false
    })
}

/// The largest verdict `shape` allows for this question, every text at its cap: what a reply
/// budget must hold. Pretty-printed, as small models write it.
pub fn largest(question: &Question, rubric: &Rubric, shape: &Shape) -> String {
    let filler = |cap: usize| {
        let words = "the lock lets one thread run bytecode while others wait for it ";
        words.repeat(cap / words.len() + 1)[..cap].to_string()
    };
    let caps = &shape.caps;
    let mut v = serde_json::Map::new();
    if shape.reasoning {
        v.insert("reasoning".into(), json!(filler(caps.reasoning)));
    }
    v.insert("insufficient_evidence".into(), json!(false));
    v.insert(
        "key_points".into(),
        (1..=question.what_they_test.len())
            .map(|i| json!({"id": i, "verdict": "partly", "evidence": filler(caps.evidence)}))
            .collect(),
    );
    v.insert(
        "criteria".into(),
        Value::Object(
            rubric
                .criteria
                .iter()
                .map(|c| (c.id.clone(), json!(3)))
                .collect(),
        ),
    );
    v.insert(
        "red_flags".into(),
        (1..=question.red_flags.len().min(MAX_RED_FLAGS))
            .map(|i| json!({"id": i, "evidence": filler(caps.evidence)}))
            .collect(),
    );
    v.insert("feedback".into(), json!(filler(caps.feedback)));
    v.insert("follow_up".into(), json!(filler(caps.follow_up)));
    serde_json::to_string_pretty(&Value::Object(v)).unwrap_or_default()
}

/// The most red flags a verdict raises: two misconceptions already sink an answer, and each
/// flag is a quote a small model takes seconds to write.
pub const MAX_RED_FLAGS: usize = 2;

/// The red flags raised, each at most once and at most `MAX_RED_FLAGS`; none can be when the
/// question lists none (an empty `enum` is not a schema every server accepts).
fn red_flags_schema(ids: &[usize], evidence: Value) -> Value {
    if ids.is_empty() {
        return json!({"type": "array", "maxItems": 0});
    }
    json!({"type": "array", "maxItems": ids.len().min(MAX_RED_FLAGS), "items": {
        "type": "object",
        "properties": {"id": {"type": "integer", "enum": ids}, "evidence": evidence},
        "required": ["id", "evidence"], "additionalProperties": false}})
}

/// Finds the JSON object in a reply: the whole reply, a fenced ```json block, or the last
/// complete top-level `{...}` (models that think aloud before answering). One pass over the
/// reply, whatever it holds: a reply of nothing but braces costs as much as any other.
pub fn extract(reply: &str) -> Result<Value, String> {
    let trimmed = reply.trim();
    if let Ok(v @ Value::Object(_)) = serde_json::from_str(trimmed) {
        return Ok(v);
    }
    if let Some(start) = trimmed.rfind("```json") {
        let body = &trimmed[start + 7..];
        let body = body.split("```").next().unwrap_or(body);
        if let Ok(v @ Value::Object(_)) = serde_json::from_str(body.trim()) {
            return Ok(v);
        }
    }
    for span in top_level_objects(trimmed).into_iter().rev() {
        if let Ok(v @ Value::Object(_)) = serde_json::from_str(&trimmed[span]) {
            return Ok(v);
        }
    }
    Err("the reply contains no complete JSON object".to_string())
}

/// The byte ranges of the outermost `{...}` of a text, in order. Braces inside JSON strings do
/// not count; quotes outside an object are prose and do not start strings. An object still
/// open at the end (a reply cut at the token limit) is not one: its inner objects are parts of
/// a verdict, never a verdict.
fn top_level_objects(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let (mut depth, mut start, mut in_string, mut escaped) = (0usize, 0, false, false);
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' if depth > 0 => in_string = true,
            b'{' => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
            }
            b'}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    spans.push(start..i + 1);
                }
            }
            _ => {}
        }
    }
    spans
}

fn int(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
        .or_else(|| v.as_str()?.trim().parse().ok())
}

/// A verdict that passed validation, still to be checked against the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub insufficient: bool,
    pub levels: Vec<u8>,
    pub points: Vec<(Verdict, String)>,
    pub flags: Vec<(usize, String)>,
    pub feedback: String,
    pub follow_up: Option<String>,
}

/// Validates ids and ranges. The error text goes back to the model in the repair request, so it
/// says exactly what is wrong.
pub fn validate(v: &Value, question: &Question, rubric: &Rubric) -> Result<Checked, String> {
    let arr = |k: &str| {
        v.get(k)
            .and_then(Value::as_array)
            .ok_or_else(|| format!("`{k}` must be an array"))
    };
    let mut levels = vec![None; rubric.criteria.len()];
    // The schema asks for `{"coverage": 3, ...}`; a list of `{"id", "level"}` is read too.
    let listed: Vec<(&str, Option<&Value>)> = match v.get("criteria") {
        Some(Value::Object(map)) => map.iter().map(|(id, l)| (id.as_str(), Some(l))).collect(),
        _ => arr("criteria")
            .map_err(|_| "`criteria` must map each criterion id to a level".to_string())?
            .iter()
            .map(|c| {
                c.get("id")
                    .and_then(Value::as_str)
                    .map(|id| (id, c.get("level")))
                    .ok_or("every criterion needs a string `id`")
            })
            .collect::<Result<_, _>>()?,
    };
    for (id, level) in listed {
        let at = rubric
            .criteria
            .iter()
            .position(|rc| rc.id == id)
            .ok_or_else(|| format!("unknown criterion id {id:?}"))?;
        let level = level.and_then(int).filter(|l| (0..=4).contains(l));
        levels[at] =
            Some(level.ok_or_else(|| {
                format!("criterion {id:?}: `level` must be an integer from 0 to 4")
            })? as u8);
    }
    let levels: Vec<u8> = levels
        .iter()
        .zip(&rubric.criteria)
        .map(|(l, c)| l.ok_or_else(|| format!("criterion {:?} is missing", c.id)))
        .collect::<Result<_, _>>()?;
    let n = question.what_they_test.len();
    let mut points: Vec<Option<(Verdict, String)>> = vec![None; n];
    for p in arr("key_points")? {
        let id = p
            .get("id")
            .and_then(int)
            .filter(|i| (1..=n as i64).contains(i))
            .ok_or_else(|| format!("key point ids run from 1 to {n}"))?;
        let verdict = match p
            .get("verdict")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("covered") => Verdict::Covered,
            Some("partly") | Some("partial") | Some("partially") => Verdict::Partly,
            Some("missed") => Verdict::Missed,
            other => {
                return Err(format!(
                    "key point {id}: verdict {other:?} is not covered, partly or missed"
                ));
            }
        };
        let evidence = without_fence(p.get("evidence").and_then(Value::as_str).unwrap_or(""));
        points[id as usize - 1] = Some((verdict, evidence));
    }
    let points: Vec<(Verdict, String)> = points
        .into_iter()
        .enumerate()
        .map(|(i, p)| p.ok_or_else(|| format!("key point {} has no verdict", i + 1)))
        .collect::<Result<_, _>>()?;
    let m = question.red_flags.len();
    let mut flags = Vec::new();
    for f in v
        .get("red_flags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = f
            .get("id")
            .and_then(int)
            .filter(|i| (1..=m as i64).contains(i))
            .ok_or_else(|| format!("red flag ids run from 1 to {m}"))?;
        flags.push((
            id as usize - 1,
            without_fence(f.get("evidence").and_then(Value::as_str).unwrap_or("")),
        ));
    }
    let insufficient = match v.get("insufficient_evidence") {
        Some(Value::Bool(b)) => *b,
        None | Some(Value::Null) => false,
        Some(other) => {
            return Err(format!(
                "`insufficient_evidence` must be true or false, not {other}"
            ));
        }
    };
    Ok(Checked {
        insufficient,
        levels,
        points,
        flags,
        feedback: v
            .get("feedback")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_string(),
        follow_up: v
            .get("follow_up")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from),
    })
}

/// A quote without the answer's fence tags: small models copy `<candidate_answer>` along with
/// the first words they quote, and the tag is no word of the answer.
fn without_fence(quote: &str) -> String {
    static TAG: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let tag = TAG.get_or_init(|| {
        regex::Regex::new(r"(?i)<\s*/?\s*candidate_answer\s*>").expect("a valid pattern")
    });
    tag.replace_all(quote, "").trim().to_string()
}

/// Lowercased words, for checking that a quote really is in the answer.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// True when the quote's words appear, in order and together, in the answer. The last word of
/// a quote of several may be the start of the answer's word: a quote cut at its length cap
/// ends mid-word.
pub fn quoted_from(answer: &str, quote: &str) -> bool {
    let q = words(quote);
    let Some((last, head)) = q.split_last() else {
        return false;
    };
    let a = words(answer);
    a.windows(q.len()).any(|w| {
        let (w_last, w_head) = w.split_last().expect("windows are never empty");
        w_head == head
            && (w_last == last || (!head.is_empty() && w_last.starts_with(last.as_str())))
    })
}

/// The highest level a criterion may take when the evidenced key points earn `credit` (0 to 1):
/// coverage exactly what was evidenced, every other criterion at most one level above it. A
/// verdict that quotes nothing from the answer earns nothing, however well it rates the rest.
fn evidenced_level(credit: f64, measure: Measure) -> u8 {
    let covered = (credit * 4.0).round() as u8;
    match measure {
        Measure::Coverage => covered,
        _ if credit == 0.0 => 0,
        _ => (covered + 1).min(4),
    }
}

/// Turns a checked verdict into a grade. Credit for a point needs a quote that is really in the
/// answer: an unverifiable quote is not credited, and the user is told.
pub fn into_grade(c: Checked, question: &Question, rubric: &Rubric, answer: &str) -> Grade {
    let mut notes = Vec::new();
    let mut key_points = Vec::new();
    let mut downgraded = Vec::new();
    for (i, (verdict, evidence)) in c.points.into_iter().enumerate() {
        let credited = verdict == Verdict::Missed || quoted_from(answer, &evidence);
        if !credited {
            downgraded.push((i + 1).to_string());
        }
        key_points.push(KeyPointVerdict {
            id: i + 1,
            point: question.what_they_test[i].clone(),
            verdict: if credited { verdict } else { Verdict::Missed },
            evidence: (credited && verdict != Verdict::Missed).then_some(evidence),
        });
    }
    if !downgraded.is_empty() {
        notes.push(format!(
            "the grader's evidence for key point {} is not in your answer, so it was not credited",
            downgraded.join(", ")
        ));
    }
    let credit =
        key_points.iter().map(|k| k.verdict.credit()).sum::<f64>() / key_points.len().max(1) as f64;
    let levels: Vec<u8> = c
        .levels
        .iter()
        .zip(&rubric.criteria)
        .map(|(&level, crit)| level.min(evidenced_level(credit, crit.measure)))
        .collect();
    let red_flags = c
        .flags
        .into_iter()
        .filter(|(_, e)| quoted_from(answer, e))
        .map(|(i, evidence)| RedFlagHit {
            flag: question.red_flags[i].clone(),
            evidence,
        })
        .collect();
    let criteria: Vec<CriterionScore> = rubric
        .criteria
        .iter()
        .zip(&levels)
        .map(|(rc, &level)| CriterionScore {
            id: rc.id.clone(),
            name: rc.name.clone(),
            weight: rc.weight,
            level,
        })
        .collect();
    let total: f64 = criteria
        .iter()
        .map(|c| c.weight * f64::from(c.level) / 4.0)
        .sum();
    // "Not enough evidence" says the answer holds nothing to grade; a verdict that credits
    // points with quotes found in the answer contradicts it, and the quotes are checked while
    // the flag is not. Small models set it on good answers.
    let insufficient = c.insufficient && credit == 0.0;
    if c.insufficient && !insufficient {
        notes.push(
            "the grader called the evidence insufficient but credited quoted points, so the answer was graded"
                .to_string(),
        );
    }
    let outcome = if insufficient {
        Outcome::InsufficientEvidence
    } else {
        Outcome::Graded
    };
    Grade {
        score: if insufficient {
            0
        } else {
            (total * 100.0).round().clamp(0.0, 100.0) as u8
        },
        outcome,
        criteria,
        key_points,
        red_flags,
        feedback: c.feedback,
        follow_up: c.follow_up,
        notes,
        ..Grade::blank("", rubric.version_tag())
    }
}

/// Pulls the human-readable part out of a streaming reply as it arrives: the `reasoning` string
/// of a JSON verdict, or the prose before the JSON when the model writes text first.
#[derive(Debug, Default)]
pub struct ReasoningStream {
    buf: String,
    /// Bytes of `buf` already turned into output.
    consumed: usize,
    state: StreamState,
    /// The text given out so far does not end with a newline.
    line_open: bool,
}

#[derive(Debug, Default, PartialEq)]
enum StreamState {
    #[default]
    Start,
    /// Prose mode: text until a ``` fence or a line opening a JSON object.
    Prose,
    /// JSON mode, looking for the reasoning string.
    SeekReasoning,
    /// Inside the reasoning string.
    InString,
    Done,
}

impl ReasoningStream {
    /// The readable text in `chunk`. When the reasoning ends, its last line is ended with a
    /// newline, so a display can go on below it.
    pub fn feed(&mut self, chunk: &str) -> String {
        let was_done = self.state == StreamState::Done;
        let mut out = self.read(chunk);
        if let Some(c) = out.chars().last() {
            self.line_open = c != '\n';
        }
        if !was_done && self.state == StreamState::Done && self.line_open {
            out.push('\n');
            self.line_open = false;
        }
        out
    }

    fn read(&mut self, chunk: &str) -> String {
        self.buf.push_str(chunk);
        let mut out = String::new();
        loop {
            match self.state {
                StreamState::Start => match self.buf.trim_start().chars().next() {
                    None => return out,
                    Some('{') => self.state = StreamState::SeekReasoning,
                    Some(_) => self.state = StreamState::Prose,
                },
                StreamState::Prose => {
                    let rest = &self.buf[self.consumed..];
                    let stop = rest.find("```").or_else(|| rest.find("\n{"));
                    // Hold back a possible partial fence at the end.
                    let safe = stop.unwrap_or(rest.len().saturating_sub(2));
                    let safe = (0..=safe)
                        .rev()
                        .find(|&i| rest.is_char_boundary(i))
                        .unwrap_or(0);
                    out.push_str(&rest[..safe]);
                    self.consumed += safe;
                    if stop.is_some() {
                        self.state = StreamState::Done;
                    }
                    return out;
                }
                StreamState::SeekReasoning => {
                    let Some(key) = self.buf.find("\"reasoning\"") else {
                        return out;
                    };
                    let after = &self.buf[key + 11..];
                    let Some(quote) = after.find('"') else {
                        return out;
                    };
                    if !after[..quote]
                        .trim()
                        .trim_start_matches(':')
                        .trim()
                        .is_empty()
                    {
                        self.state = StreamState::Done;
                        continue;
                    }
                    self.consumed = key + 11 + quote + 1;
                    self.state = StreamState::InString;
                }
                StreamState::InString => {
                    let rest = &self.buf[self.consumed..];
                    let mut chars = rest.char_indices().peekable();
                    let mut used = 0;
                    while let Some((i, c)) = chars.next() {
                        match c {
                            '"' => {
                                self.consumed += i + 1;
                                self.state = StreamState::Done;
                                return out;
                            }
                            '\\' => {
                                let Some(&(_, e)) = chars.peek() else { break };
                                chars.next();
                                match e {
                                    'n' => out.push('\n'),
                                    't' => out.push('\t'),
                                    'u' => {
                                        // \uXXXX needs all four digits before it can be decoded.
                                        let hex = rest.get(i + 2..i + 6);
                                        let Some(cp) =
                                            hex.and_then(|h| u32::from_str_radix(h, 16).ok())
                                        else {
                                            break;
                                        };
                                        out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                                        for _ in 0..4 {
                                            chars.next();
                                        }
                                        used = i + 6;
                                        continue;
                                    }
                                    other => out.push(other),
                                }
                                used = i + 2;
                            }
                            c => {
                                out.push(c);
                                used = i + c.len_utf8();
                            }
                        }
                    }
                    self.consumed += used;
                    return out;
                }
                StreamState::Done => return out,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_json_from_prose_and_fences() {
        assert!(extract("{\"a\": 1}").is_ok());
        assert_eq!(
            extract("Let me think. {not json} Then:\n```json\n{\"a\": 2}\n```").unwrap()["a"],
            2
        );
        assert_eq!(
            extract("thinking... final answer {\"a\": {\"b\": 3}} done").unwrap()["a"]["b"],
            3
        );
        assert!(extract("no object here").is_err());
        // Braces inside strings are text.
        assert_eq!(
            extract(r#"ok: {"a": "x } y {", "b": 1} end"#).unwrap()["b"],
            1
        );
    }

    #[test]
    fn a_quote_is_read_without_the_fence_tag_a_model_copied() {
        let bank = crate::bank::Bank::load(None).unwrap();
        let q = bank.get("gil-what-it-is").unwrap();
        let rubric = crate::rubric::Rubrics::embedded().for_kind(q.kind).clone();
        let mut points: Vec<Value> = (1..=q.what_they_test.len())
            .map(|i| json!({"id": i, "verdict": "missed", "evidence": ""}))
            .collect();
        points[0] = json!({"id": 1, "verdict": "covered", "evidence": "<candidate_answer> only one thread runs"});
        let v = json!({"criteria": {"coverage": 1, "accuracy": 1, "depth": 1, "clarity": 1}, "key_points": points});
        let checked = validate(&v, q, &rubric).unwrap();
        assert_eq!(checked.points[0].1, "only one thread runs");
        let g = into_grade(checked, q, &rubric, "So only one thread runs bytecode.");
        assert_eq!(g.key_points[0].verdict, Verdict::Covered);
    }

    #[test]
    fn insufficient_evidence_does_not_stand_beside_credited_quotes() {
        let bank = crate::bank::Bank::load(None).unwrap();
        let q = bank.get("gil-what-it-is").unwrap();
        let rubric = crate::rubric::Rubrics::embedded().for_kind(q.kind).clone();
        let mut points: Vec<Value> = (1..=q.what_they_test.len())
            .map(|i| json!({"id": i, "verdict": "missed", "evidence": ""}))
            .collect();
        let v = |points: &[Value]| json!({"insufficient_evidence": true, "criteria": {"coverage": 2, "accuracy": 2, "depth": 2, "clarity": 2}, "key_points": points});
        let answer = "So only one thread runs bytecode at a time.";
        let nothing = into_grade(
            validate(&v(&points), q, &rubric).unwrap(),
            q,
            &rubric,
            answer,
        );
        assert_eq!(
            (nothing.outcome, nothing.score),
            (Outcome::InsufficientEvidence, 0)
        );
        points[0] =
            json!({"id": 1, "verdict": "covered", "evidence": "only one thread runs bytecode"});
        let graded = into_grade(
            validate(&v(&points), q, &rubric).unwrap(),
            q,
            &rubric,
            answer,
        );
        assert_eq!(graded.outcome, Outcome::Graded);
        assert!(graded.score > 0);
        assert!(
            graded
                .notes
                .iter()
                .any(|n| n.contains("called the evidence insufficient"))
        );
    }

    #[test]
    fn criteria_are_read_as_a_map_or_a_list() {
        let bank = crate::bank::Bank::load(None).unwrap();
        let q = bank.get("gil-what-it-is").unwrap();
        let rubric = crate::rubric::Rubrics::embedded().for_kind(q.kind).clone();
        let points: Vec<Value> = (1..=q.what_they_test.len())
            .map(|i| json!({"id": i, "verdict": "missed", "evidence": ""}))
            .collect();
        let map = json!({"criteria": {"coverage": 1, "accuracy": 2, "depth": 3, "clarity": 4}, "key_points": points});
        assert_eq!(validate(&map, q, &rubric).unwrap().levels, [1, 2, 3, 4]);
        let list = json!({"criteria": [{"id": "depth", "level": 3}, {"id": "coverage", "level": 1},
            {"id": "clarity", "level": 4}, {"id": "accuracy", "level": 2}], "key_points": points});
        assert_eq!(validate(&list, q, &rubric).unwrap().levels, [1, 2, 3, 4]);
        let missing = json!({"criteria": {"coverage": 1}, "key_points": points});
        assert!(
            validate(&missing, q, &rubric)
                .unwrap_err()
                .contains("is missing")
        );
    }

    /// A reply cut at the token limit holds complete inner objects; none of them is the verdict.
    #[test]
    fn a_truncated_reply_has_no_object_rather_than_an_inner_one() {
        let cut = r#"{"reasoning": "r", "criteria": [{"id": "coverage", "level": 3}, {"id": "acc"#;
        assert!(extract(cut).is_err());
    }

    /// A megabyte of braces is read in one pass (it used to try every pair of braces).
    #[test]
    fn a_reply_of_braces_is_no_json_and_no_hang() {
        let bomb = "{".repeat(500_000) + &"}".repeat(500_000);
        assert!(extract(&bomb).is_err());
        let unbalanced = "}".repeat(500_000) + &"{".repeat(500_000);
        assert!(extract(&unbalanced).is_err());
    }

    #[test]
    fn quotes_must_be_in_the_answer() {
        let answer = "So, the GIL is a lock; only one thread runs bytecode.";
        assert!(quoted_from(answer, "only one thread runs  bytecode"));
        assert!(quoted_from(answer, "the gil is a LOCK"));
        assert!(!quoted_from(answer, "the GIL protects reference counts"));
        assert!(!quoted_from(answer, ""));
        // Cut at a length cap in the middle of a word.
        assert!(quoted_from(answer, "only one thread runs byteco"));
        assert!(!quoted_from(answer, "byteco"));
        assert!(!quoted_from(answer, "one thread walks"));
    }

    #[test]
    fn reasoning_streams_out_of_json_chunk_by_chunk() {
        let full =
            r#"{"reasoning": "Point 1 is \"covered\":\nthe \u00e9 quote.", "feedback": "x"}"#;
        let mut s = ReasoningStream::default();
        let mut out = String::new();
        for chunk in full.as_bytes().chunks(3) {
            out.push_str(&s.feed(std::str::from_utf8(chunk).unwrap()));
        }
        assert_eq!(out, "Point 1 is \"covered\":\nthe é quote.\n");
    }

    #[test]
    fn prose_before_a_json_block_streams_and_the_json_does_not() {
        let mut s = ReasoningStream::default();
        let mut out = s.feed("The answer covers ");
        out.push_str(&s.feed("point 1.\n```json\n{\"a\": 1}\n```"));
        assert_eq!(out, "The answer covers point 1.\n");
    }
}
