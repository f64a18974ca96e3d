//! Layout: an article whose headings were stripped by the scrape, with code and tables
//! flattened into the text. What survives of a heading is its inline-code part glued to the
//! answer (`is and ==?`, `None in Python?None is a singleton…`, sometimes over two lines); other
//! answers start untitled, right after the code that closed the previous answer. So a question
//! starts at a title fragment (text ending in `?` that is short and not code), or at a prose
//! sentence about something new: one that follows code, or one that follows a finished
//! sentence and defines its subject ("A closure is …"). A sentence shares its rarer words with
//! the answer it continues, so "about something new" is measured by those words. Titles of
//! untitled answers are their first sentence, marked as such.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::repair::{Line, glue_points, unglue};
use super::text::{is_blank, lead_sentence, looks_like_code, prose_like, summary, word_share};
use super::{Extracted, Layout, TitleSource};
use crate::grade::text::content_stems;

static DEFINITION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:A|An|The)\s+)?[A-Za-z][\w-]*(?:\s+[a-z][\w-]*){0,2}\s+(?:is|are|means|refers to)\s")
        .expect("valid regex")
});

/// Longest title fragment, in words.
const FRAGMENT_WORDS: usize = 12;
/// Longest line that can continue a fragment from the line above.
const CONTINUATION_WORDS: usize = 6;
const LEAD_WORDS: usize = 30;
/// Longest cell of a flattened table, in words, and the fewest cells in a row that make one.
const CELL_WORDS: usize = 4;
const TABLE_CELLS: usize = 3;
/// Share of a sentence's (rarity-weighted) words found in the answer before it above which
/// the sentence continues that answer.
const COHESION: f64 = 0.3;

/// A document reads as flattened when hardly any line is blank or indented.
pub fn applies(lines: &[Line]) -> bool {
    let n = lines.len();
    let blank = lines.iter().filter(|l| is_blank(&l.text)).count();
    let indented = lines
        .iter()
        .filter(|l| l.text.starts_with("  ") || l.text.starts_with('\t'))
        .count();
    n >= 10 && blank * 10 < n && indented * 10 < n
}

/// A piece of a line between lost paragraph breaks.
#[derive(Debug, Clone)]
struct Piece {
    no: usize,
    text: String,
}

fn pieces(lines: &[Line]) -> Vec<Piece> {
    let mut out = Vec::new();
    for line in lines {
        let text = line.text.trim();
        if text.is_empty() {
            continue;
        }
        let mut start = 0;
        for at in glue_points(text) {
            out.push(Piece {
                no: line.no,
                text: text[start..at].trim().to_string(),
            });
            start = at;
        }
        out.push(Piece {
            no: line.no,
            text: text[start..].trim().to_string(),
        });
    }
    out
}

/// Code in a flattened article: what `looks_like_code` says, and every `#` comment (there are
/// no Markdown headings left in such a text).
fn is_code(text: &str) -> bool {
    let t = text.trim_start();
    let sentence = prose_like(t) && t.split_whitespace().count() >= 6 && !is_statement(t);
    (looks_like_code(t) && !sentence) || t.starts_with("# ")
}

/// The prose of a piece that opens with the stripped rest of a bold label or table cell: inline
/// code closed by a bracket whose opening was stripped with the label, then a colon or comma
/// (`.toml): The format…`, `[]), can be…`). A balanced token (`len(),` in a list of calls
/// broken over lines) is not such a rest; what follows the token is mostly words.
fn residue_body(text: &str) -> Option<&str> {
    let t = text.trim();
    let (first, rest) = t.split_once(' ')?;
    let closed = (first.ends_with("):") || first.ends_with("),"))
        && first.matches(')').count() > first.matches('(').count();
    let plain = first
        .trim_end_matches([':', ','])
        .chars()
        .all(|c| c.is_alphabetic() || c == '-' || c == '\'');
    let body = rest.trim();
    (closed && !plain && body.split_whitespace().count() >= 2 && word_share(body) >= 0.6)
        .then_some(body)
}

/// Code for the purpose of finding answers: a piece that opens with the residue of a label is
/// prose, whatever inline code it starts with.
fn is_code_piece(text: &str) -> bool {
    is_code(text) && residue_body(text).is_none()
}

/// An inline-code term glossed in brackets (`set-returning (a function that…`, `max_conn (the
/// pool size) caps…`): a technical token, not a plain word, then an opening bracket.
fn glossed_term(text: &str) -> bool {
    let mut tokens = text.split_whitespace();
    let (Some(first), Some(second)) = (tokens.next(), tokens.next()) else {
        return false;
    };
    let technical = first
        .chars()
        .any(|c| matches!(c, '-' | '_' | '.') || c.is_ascii_digit())
        && first
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && first.chars().any(char::is_alphabetic);
    technical && second.starts_with('(') && word_share(text) >= 0.6
}

/// A statement of code rather than the inline code of a title ("`enumerate()` do?").
fn is_statement(text: &str) -> bool {
    const OPENERS: &[&str] = &[
        "def ", "class ", "return", "import ", "print(", "try:", "except", "else:", "elif ",
        "raise ", "let ", "fn ", "const ", "var ",
    ];
    // Words that also open English sentences are statements only with their colon.
    const BLOCK_OPENERS: &[&str] = &["if ", "for ", "while ", "with "];
    let t = text.trim();
    t.contains(" = ")
        || t.contains(" # ")
        || t.contains("//")
        || OPENERS.iter().any(|o| t.starts_with(o))
        || (BLOCK_OPENERS.iter().any(|o| t.starts_with(o)) && t.ends_with(':'))
}

/// The title fragment of a piece, if it opens with one: the text up to a `?` that ends the
/// piece or is glued to the answer after it. Fragments are mostly inline code, so only code
/// statements are refused.
fn fragment(text: &str) -> Option<&str> {
    let q = text.find('?')?;
    let (head, rest) = (&text[..=q], &text[q + 1..]);
    let glued_or_end = rest.is_empty() || !rest.starts_with(char::is_whitespace);
    let words = head.split_whitespace().count();
    let statement = head.contains(" = ") || head.contains(" # ") || head.contains("//");
    (glued_or_end && (1..=FRAGMENT_WORDS).contains(&words) && !statement).then_some(head)
}

/// A line that is the first half of a fragment split over two lines: short, not a statement,
/// and left open (a trailing comma, a joining word, an unclosed bracket).
fn continues_into_fragment(text: &str) -> bool {
    let t = text.trim();
    let tokens: Vec<&str> = t.split_whitespace().collect();
    let joins = tokens
        .iter()
        .any(|w| matches!(*w, "and" | "or" | "vs" | "vs." | "/" | "&"));
    let open = t.ends_with(',') || joins || t.matches('(').count() > t.matches(')').count();
    let statement = t.contains(" = ") || t.contains(" # ") || t.ends_with(':');
    (1..=CONTINUATION_WORDS).contains(&tokens.len())
        && !statement
        && !t.ends_with(['.', ';', ':', '?', '!'])
        && open
}

/// Content stems of a text.
fn stems(text: &str) -> Vec<String> {
    let mut v = content_stems(text);
    v.sort();
    v.dedup();
    v
}

/// A sentence that opens an answer: prose, and about something new. A note that follows the
/// code of an answer ("Immutable objects are hashable…" after code about mutability) shares
/// its rarer words with the answer; a new answer does not. Rarity is measured over the pieces
/// of the document.
fn opens_answer(text: &str, answer_so_far: &[String], rarity: &HashMap<String, f64>) -> bool {
    let t = residue_body(text).unwrap_or(text).trim();
    let words = t.split_whitespace().count();
    // A sentence of words (inline code may make up to 40% of it).
    if words < 4 || word_share(t) < 0.6 || is_code_piece(text) {
        return false;
    }
    let own = stems(&lead_sentence(t, LEAD_WORDS));
    let weight = |s: &String| rarity.get(s).copied().unwrap_or(1.0);
    let total: f64 = own.iter().map(weight).sum();
    if total == 0.0 {
        return false;
    }
    let shared: f64 = own
        .iter()
        .filter(|s| answer_so_far.binary_search(s).is_ok())
        .map(weight)
        .sum();
    shared / total < COHESION
}

fn capitalised(text: &str) -> bool {
    text.trim()
        .starts_with(|c: char| c.is_uppercase() || c == '"' || c == '“')
}

/// A finished sentence, or a sentence announcing a list with a colon (the list may be lost).
fn ends_sentence(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with(['.', '!', ')']) || (t.ends_with(':') && prose_like(t))
}

/// "A lambda is …", "Monkey patching is …": a sentence that defines its subject (not a
/// pronoun: "It is …" continues what came before).
fn defines(text: &str) -> bool {
    const PRONOUNS: &[&str] = &[
        "It", "This", "That", "These", "Those", "They", "There", "Here",
    ];
    let t = text.trim();
    let first = t.split_whitespace().next().unwrap_or("");
    DEFINITION.is_match(t) && !PRONOUNS.contains(&first)
}

/// A cell of a table flattened into one cell per line: a few words, not code, not a title
/// fragment, not a sentence announcing something.
fn table_cell(text: &str) -> bool {
    let t = text.trim();
    (1..=CELL_WORDS).contains(&t.split_whitespace().count())
        && !is_code_piece(t)
        && fragment(t).is_none()
        && !t.ends_with(['?', ':'])
}

/// Where an untitled answer can open, by what precedes it: after code, a capitalised sentence,
/// the residue of a label or an inline-code term with its gloss; after a finished sentence, a
/// definition.
fn opens_after(piece: &Piece, before: &Piece) -> bool {
    let t = &piece.text;
    let capital = capitalised(t);
    (is_code_piece(&before.text) && (capital || residue_body(t).is_some() || glossed_term(t)))
        || (capital && defines(t) && ends_sentence(&before.text))
}

pub fn parse(lines: &[Line]) -> Vec<Extracted> {
    let ps = pieces(lines);
    let piece_stems: Vec<Vec<String>> = ps.iter().map(|p| stems(&p.text)).collect();
    let mut df: HashMap<String, f64> = HashMap::new();
    for s in piece_stems.iter().flatten() {
        *df.entry(s.clone()).or_default() += 1.0;
    }
    let n = ps.len().max(1) as f64;
    let rarity: HashMap<String, f64> = df.into_iter().map(|(s, d)| (s, (n / d).ln())).collect();

    let mut starts: Vec<(usize, String, TitleSource)> = Vec::new();
    let mut answer_so_far: Vec<String> = Vec::new();
    // The piece holding the last title fragment: the prose right after it is its answer.
    let mut last_fragment: Option<usize> = None;
    for k in 0..ps.len() {
        if let Some(head) = fragment(&ps[k].text) {
            last_fragment = Some(k);
            let mut first = k;
            let mut title = head.to_string();
            while first > 0 && continues_into_fragment(&ps[first - 1].text) {
                first -= 1;
                title = format!("{} {title}", ps[first].text.trim());
            }
            if starts.last().is_none_or(|s| s.0 < first) {
                starts.push((first, title, TitleSource::Fragment));
                answer_so_far.clear();
            }
        } else if k > 0
            && last_fragment.is_none_or(|f| f + 1 < k)
            && !is_code_piece(&ps[k].text)
            && opens_after(&ps[k], &ps[k - 1])
            && opens_answer(&ps[k].text, &answer_so_far, &rarity)
        {
            let title = lead_sentence(&unglue(&ps[k].text), LEAD_WORDS);
            starts.push((k, title, TitleSource::AnswerLead));
            answer_so_far.clear();
        } else if k > 0
            && last_fragment.is_none_or(|f| f + 1 < k)
            && is_code_piece(&ps[k - 1].text)
            && ps.len() >= k + TABLE_CELLS
            && ps[k..k + TABLE_CELLS].iter().all(|p| table_cell(&p.text))
        {
            // An answer that opened with a table, flattened after the code of the previous one:
            // its cells are all that is left of it to title it by.
            let cells: Vec<&str> = ps[k..]
                .iter()
                .take_while(|p| table_cell(&p.text))
                .map(|p| p.text.trim())
                .collect();
            let title = lead_sentence(&cells.join(" "), FRAGMENT_WORDS);
            starts.push((k, title, TitleSource::AnswerLead));
            answer_so_far.clear();
        }
        answer_so_far.extend(piece_stems[k].iter().cloned());
        answer_so_far.sort();
        answer_so_far.dedup();
    }
    let mut out = Vec::new();
    for (n, (first, title, source)) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(ps.len(), |s| s.0);
        let answer = summary(ps[*first..end].iter().map(|p| p.text.as_str()), 700);
        out.push(Extracted {
            title: title.clone(),
            title_source: *source,
            difficulty: None,
            tags: Vec::new(),
            companies: Vec::new(),
            section: None,
            insight: Default::default(),
            answer,
            layout: Layout::Flattened,
            line: ps[*first].no,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Line> {
        text.lines()
            .enumerate()
            .map(|(i, t)| Line {
                no: i + 1,
                text: t.to_string(),
            })
            .collect()
    }

    /// A Git article whose headings were stripped: fragments glued to answers, a fragment over
    /// two lines, an untitled answer after code, and a note after code that is not a question.
    const ARTICLE: &str = r#"Git questions cover the basics and the internals.
rebase and
merge?Both integrate changes. A merge keeps history as it happened; a rebase rewrites it.
git checkout feature
git rebase main
Rebase rewrites history while merge keeps history, so rebase only local branches.
git push --force-with-lease
A detached HEAD means the working tree points at a commit rather than a branch.
git switch --detach v1.2
git switch -c hotfix
git reflog?The reflog records where each ref pointed, so lost commits can be found again.
git reflog show HEAD
Reflog entries expire, so the reflog finds lost commits only for a while.
A tag is a fixed name for one commit, unlike a branch that moves.
"#;

    #[test]
    fn fragments_and_untitled_answers_start_questions() {
        let ls = lines(ARTICLE);
        assert!(applies(&ls));
        let qs = parse(&ls);
        let got: Vec<(usize, &str, TitleSource)> = qs
            .iter()
            .map(|q| (q.line, q.title.as_str(), q.title_source))
            .collect();
        assert_eq!(
            got,
            [
                (2, "rebase and merge?", TitleSource::Fragment),
                (
                    8,
                    "A detached HEAD means the working tree points at a commit rather than a branch.",
                    TitleSource::AnswerLead
                ),
                (11, "git reflog?", TitleSource::Fragment),
                (
                    14,
                    "A tag is a fixed name for one commit, unlike a branch that moves.",
                    TitleSource::AnswerLead
                ),
            ]
        );
        assert!(
            qs[0].answer.contains("rebase only local branches"),
            "a note after code stays in its answer"
        );
    }
}

#[cfg(test)]
mod damaged_openings {
    use super::*;

    fn lines(text: &str) -> Vec<Line> {
        text.lines()
            .enumerate()
            .map(|(i, t)| Line {
                no: i + 1,
                text: t.to_string(),
            })
            .collect()
    }

    /// A database article with stripped headings: a definition after a sentence announcing a
    /// lost list, a table flattened after code, the rest of a stripped label after code, an
    /// inline-code term with its gloss after code, and a list of calls broken over lines
    /// (balanced brackets) that stays in its answer.
    const ARTICLE: &str = r#"Relational databases store rows in tables linked by keys. Its main parts:
Indexing is a way to find rows without scanning the whole table.
CREATE INDEX idx_users_email ON users (email);
SELECT id FROM users WHERE email = 'a@b.c';
btree, hash,
gist
gin, brin
spgist
SELECT * FROM pg_indexes;
.wal): The write-ahead log records every change before the pages on disk are written.
fsync = on
synchronous_commit = off
max_connections (the pool ceiling) limits how many clients a server accepts at once.
SHOW max_connections;
count(),
sum(), avg() are aggregate functions computed over groups.
"#;

    #[test]
    fn answers_open_after_lists_tables_and_label_rests() {
        let ls = lines(ARTICLE);
        assert!(applies(&ls));
        let starts: Vec<usize> = parse(&ls).iter().map(|q| q.line).collect();
        assert_eq!(
            starts,
            [2, 5, 10, 13],
            "the first line opens no answer of its own"
        );
    }

    #[test]
    fn label_rests_need_an_unmatched_bracket() {
        assert!(residue_body(".wal): The write-ahead log records").is_some());
        assert!(residue_body("[]), can be resized later").is_some());
        assert!(residue_body("sum(), avg() are aggregate functions").is_none());
        assert!(glossed_term(
            "max_connections (the pool ceiling) limits clients"
        ));
        assert!(!glossed_term("Indexing (a lookup aid) speeds reads"));
    }
}
