//! Layout: a table of questions. Either a Markdown pipe table whose header names a question
//! column, or an HTML table flattened by the scrape into lines of cells joined by spaces:
//! `Sno Question Title Practice Links Companies Asking Difficulty Topics` over rows such as
//! `7 What is X? Some Docs Acme, Globex Hard Internals`.
//!
//! A flattened row has no separators, so the columns are recovered from what the table itself
//! shows: the difficulty word splits the row; company names are the comma-separated names (and
//! the endings that several rows share after different links); link labels are what stands
//! between a title's question mark and its first company.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use super::repair::Line;
use super::text::{is_blank, strip_markup};
use super::titled::{difficulty_in, list};
use super::{Claims, Extracted, Layout, TitleSource};
use crate::bank::Difficulty;

static ROW: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(\d{1,4})\s+(\S.*)$").expect("valid regex"));
static DIFFICULTY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(Easy|Medium|Hard)\b").expect("valid regex"));
/// A tag before the title such as `[HARD]`.
static TITLE_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[[A-Za-z ]+\]\s*").expect("valid regex"));

/// The columns a header names, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Number,
    Question,
    Link,
    Companies,
    Difficulty,
    Topics,
    Other,
}

fn column_of(word: &str) -> Column {
    let w = word.to_lowercase();
    if w.contains("question") || w == "title" || w == "prompt" {
        Column::Question
    } else if w.contains("link") || w.contains("resource") || w == "practice" || w == "source" {
        Column::Link
    } else if w.contains("compan") || w == "asked" {
        Column::Companies
    } else if w.contains("difficulty") || w == "level" {
        Column::Difficulty
    } else if w.contains("topic") || w.contains("tag") || w.contains("categor") || w == "area" {
        Column::Topics
    } else if matches!(
        w.as_str(),
        "#" | "no" | "no." | "sno" | "s.no" | "num" | "number"
    ) {
        Column::Number
    } else {
        Column::Other
    }
}

/// The distinct columns a flattened header names (adjacent words naming the same column, such
/// as "Question Title", count once).
fn header_columns(text: &str) -> Option<Vec<Column>> {
    let t = strip_markup(text);
    if t.ends_with(['.', '?', ':']) || t.split_whitespace().count() > 15 {
        return None;
    }
    let mut cols: Vec<Column> = Vec::new();
    for w in t.split_whitespace() {
        let c = column_of(w);
        if c != Column::Other && cols.last() != Some(&c) {
            cols.push(c);
        }
    }
    let known = cols.iter().filter(|c| **c != Column::Number).count();
    (cols.contains(&Column::Question) && known >= 3).then_some(cols)
}

/// One flattened row, split at its difficulty word.
struct Row<'a> {
    at: usize,
    left: &'a str,
    difficulty: Option<Difficulty>,
    right: &'a str,
}

fn split_row<'a>(at: usize, body: &'a str, has_difficulty: bool) -> Row<'a> {
    let m = has_difficulty
        .then(|| DIFFICULTY.find_iter(body).last())
        .flatten();
    match m {
        Some(m) => Row {
            at,
            left: body[..m.start()].trim(),
            difficulty: Difficulty::parse(&m.as_str().to_lowercase()),
            right: body[m.end()..].trim(),
        },
        None => Row {
            at,
            left: body.trim(),
            difficulty: None,
            right: "",
        },
    }
}

/// Word-wise suffixes of a text, longest first.
fn suffixes(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    (0..words.len()).map(|k| words[k..].join(" ")).collect()
}

/// Company names the table shows: every name after a comma, and each ending of "link + first
/// company" that follows at least two different words across the rows.
fn company_names(rows: &[Row]) -> HashSet<String> {
    let mut names: HashSet<String> = HashSet::new();
    let mut before: HashMap<String, BTreeSet<String>> = HashMap::new();
    for r in rows {
        let mut parts = r.left.split(", ");
        let first = parts.next().unwrap_or("");
        names.extend(parts.map(|p| p.trim().to_string()));
        let Some(q) = first.rfind('?') else { continue };
        let words: Vec<&str> = first[q + 1..].split_whitespace().collect();
        for k in 1..words.len() {
            before
                .entry(words[k..].join(" "))
                .or_default()
                .insert(words[k - 1].to_string());
        }
    }
    names.extend(
        before
            .into_iter()
            .filter(|(_, prev)| prev.len() >= 2)
            .map(|(name, _)| name),
    );
    names
}

fn longest_known_suffix(text: &str, names: &HashSet<String>) -> Option<String> {
    suffixes(text).into_iter().find(|s| names.contains(s))
}

/// Reads a flattened table: header at `at`, rows below. Returns the questions and the index
/// past the table.
fn flattened(lines: &[Line], at: usize, cols: &[Column]) -> Option<(Vec<Extracted>, usize)> {
    let has = |c: Column| cols.contains(&c);
    let mut rows = Vec::new();
    let mut end = at + 1;
    let mut expected: Option<u32> = None;
    for (k, line) in lines.iter().enumerate().skip(at + 1) {
        if is_blank(&line.text) {
            continue;
        }
        let Some(c) = ROW.captures(&line.text) else {
            break;
        };
        let n: u32 = c[1].parse().unwrap_or(0);
        if expected.is_some_and(|e| n != e) {
            break;
        }
        expected = Some(n + 1);
        let body = c.get(2).expect("group 2").as_str();
        rows.push(split_row(k, body, has(Column::Difficulty)));
        end = k + 1;
    }
    if rows.len() < 2 {
        return None;
    }
    let topics_after_difficulty = cols
        .iter()
        .position(|c| *c == Column::Topics)
        .zip(cols.iter().position(|c| *c == Column::Difficulty))
        .is_some_and(|(t, d)| t > d);
    let names = if has(Column::Companies) {
        company_names(&rows)
    } else {
        HashSet::new()
    };
    // Link labels: between a title's question mark and its first company.
    let mut labels: Vec<String> = Vec::new();
    if has(Column::Link) {
        for r in &rows {
            let first = r.left.split(", ").next().unwrap_or("");
            let Some(q) = first.rfind('?') else { continue };
            let rest = first[q + 1..].trim();
            if let Some(company) = longest_known_suffix(rest, &names) {
                let label = rest[..rest.len() - company.len()].trim();
                if !label.is_empty() && !labels.iter().any(|l| l == label) {
                    labels.push(label.to_string());
                }
            }
        }
        labels.sort_by_key(|l| std::cmp::Reverse(l.len()));
    }
    let questions = rows
        .iter()
        .map(|r| {
            let mut parts = r.left.splitn(2, ", ");
            let first = parts.next().unwrap_or("");
            let more = parts.next();
            let (title, company1) = split_title(first, &labels, &names, has(Column::Companies));
            let mut companies: Vec<String> = company1.into_iter().collect();
            companies.extend(more.map(list).unwrap_or_default());
            let tags = if topics_after_difficulty {
                list(r.right)
            } else {
                Vec::new()
            };
            Extracted {
                title: TITLE_TAG.replace(&title, "").trim().to_string(),
                title_source: TitleSource::TableRow,
                difficulty: r.difficulty,
                tags,
                companies,
                section: None,
                insight: Default::default(),
                answer: String::new(),
                layout: Layout::Table,
                line: lines[r.at].no,
            }
        })
        .collect();
    Some((questions, end))
}

/// Splits "title + link + first company" using the learned link labels and company names.
fn split_title(
    first: &str,
    labels: &[String],
    names: &HashSet<String>,
    has_companies: bool,
) -> (String, Option<String>) {
    if !has_companies {
        return (first.trim().to_string(), None);
    }
    // The rightmost link label separates the title from the company.
    let padded = format!(" {first} ");
    let by_label = labels
        .iter()
        .filter_map(|l| padded.rfind(&format!(" {l} ")).map(|at| (at, l)))
        .max_by_key(|&(at, l)| (at, l.len()));
    if let Some((at, l)) = by_label {
        let title = padded[..at].trim();
        let company = padded[at + l.len() + 1..].trim();
        if !title.is_empty() {
            return (
                title.to_string(),
                (!company.is_empty()).then(|| company.to_string()),
            );
        }
    }
    if let Some(company) = longest_known_suffix(first, names) {
        let title = first[..first.len() - company.len()].trim();
        if !title.is_empty() {
            return (title.to_string(), Some(company));
        }
    }
    match first.rfind('?') {
        Some(q) => (first[..=q].trim().to_string(), None),
        None => (first.trim().to_string(), None),
    }
}

/// `| a | b |` cells.
fn cells(text: &str) -> Option<Vec<&str>> {
    let t = text.trim();
    let inner = t
        .strip_prefix('|')?
        .strip_suffix('|')
        .unwrap_or(t.strip_prefix('|')?);
    Some(inner.split('|').map(str::trim).collect())
}

fn is_separator(text: &str) -> bool {
    cells(text).is_some_and(|cs| {
        cs.iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
    })
}

/// Reads a pipe table whose header names a question column.
fn piped(lines: &[Line], at: usize) -> Option<(Vec<Extracted>, usize)> {
    let header = cells(&lines[at].text)?;
    if !lines.get(at + 1).is_some_and(|l| is_separator(&l.text)) {
        return None;
    }
    let cols: Vec<Column> = header
        .iter()
        .map(|h| {
            let words: Vec<Column> = h.split_whitespace().map(column_of).collect();
            words
                .iter()
                .copied()
                .find(|c| *c != Column::Other)
                .unwrap_or(Column::Other)
        })
        .collect();
    let q_col = cols.iter().position(|c| *c == Column::Question)?;
    let col = |c: Column| cols.iter().position(|x| *x == c);
    let mut out = Vec::new();
    let mut end = at + 2;
    for (k, line) in lines.iter().enumerate().skip(at + 2) {
        let Some(row) = cells(&line.text) else { break };
        end = k + 1;
        let cell = |i: Option<usize>| i.and_then(|i| row.get(i)).map_or("", |c| strip_markup(c));
        let title = TITLE_TAG.replace(cell(Some(q_col)), "").trim().to_string();
        if title.is_empty() {
            continue;
        }
        out.push(Extracted {
            title,
            title_source: TitleSource::TableRow,
            difficulty: difficulty_in(cell(col(Column::Difficulty))),
            tags: list(cell(col(Column::Topics))),
            companies: list(cell(col(Column::Companies))),
            section: None,
            insight: Default::default(),
            answer: String::new(),
            layout: Layout::Table,
            line: line.no,
        });
    }
    Some((out, end))
}

pub fn parse(lines: &[Line], claims: &mut Claims) -> Vec<Extracted> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let found = piped(lines, i)
            .or_else(|| header_columns(&lines[i].text).and_then(|cols| flattened(lines, i, &cols)));
        match found {
            Some((qs, end)) if !qs.is_empty() => {
                claims.claim(i..end);
                out.extend(qs);
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flattened_table_is_split_by_what_its_rows_share() {
        let table = "No Question Reference Link Companies Difficulty Topics\n\
            1 What is a hypervisor? Vendor Docs Initech, Globex Easy Virtualisation\n\
            2 What is a cgroup? Kernel Wiki Initech Medium Containers, Linux\n\
            3 Explain copy on write Kernel Wiki Umbrella Corp Hard Storage\n\
            4 [HARD] Why do containers share a kernel? Vendor Docs Initech, Umbrella Corp Hard Isolation\n\
            5 What does an init process do? Kernel Wiki Hooli Easy Processes\n\
            After the table";
        let ls = Line::numbered(table);
        let mut claims = Claims::new(ls.len());
        let qs = parse(&ls, &mut claims);
        let got: Vec<(&str, Vec<&str>)> = qs
            .iter()
            .map(|q| {
                (
                    q.title.as_str(),
                    q.companies.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("What is a hypervisor?", vec!["Initech", "Globex"]),
                ("What is a cgroup?", vec!["Initech"]),
                ("Explain copy on write", vec!["Umbrella Corp"]),
                (
                    "Why do containers share a kernel?",
                    vec!["Initech", "Umbrella Corp"]
                ),
                ("What does an init process do?", vec!["Hooli"]),
            ]
        );
        assert_eq!(qs[1].tags, ["Containers", "Linux"]);
        assert_eq!(qs[2].difficulty, Some(Difficulty::Hard));
        assert!(claims.free_parts().iter().any(|p| p.contains(&6)));
    }

    #[test]
    fn a_pipe_table_is_read_by_its_header() {
        let table = "| # | Question | Level | Tags |\n|---|---|:---:|---|\n\
            | 1 | What is a **deadlock**? | medium | locking |\n| 2 | Explain two-phase commit | Hard | transactions, distributed |\n";
        let ls = Line::numbered(table);
        let qs = parse(&ls, &mut Claims::new(ls.len()));
        assert_eq!(qs.len(), 2);
        assert_eq!(qs[0].difficulty, Some(Difficulty::Medium));
        assert_eq!(qs[1].tags, ["transactions", "distributed"]);
        assert_eq!(qs[1].line, 4);
    }
}
