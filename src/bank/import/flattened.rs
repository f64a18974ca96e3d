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
use crate::words::content_stems;

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
    /// Starts where a space was lost in the middle of a line (`…the WAL.Replicas`): a
    /// paragraph break, often the place of a stripped heading.
    glued: bool,
}

fn pieces(lines: &[Line]) -> Vec<Piece> {
    let mut out = Vec::new();
    for line in lines {
        let text = line.text.trim();
        if text.is_empty() {
            continue;
        }
        let mut start = 0;
        let after_cell = out.last().is_some_and(|p: &Piece| table_cell(&p.text));
        let term = after_cell.then(|| glued_term_point(text)).flatten();
        for at in term.into_iter().chain(glue_points(text)) {
            out.push(Piece {
                no: line.no,
                text: text[start..at].trim().to_string(),
                glued: start > 0,
            });
            start = at;
        }
        out.push(Piece {
            no: line.no,
            text: text[start..].trim().to_string(),
            glued: start > 0,
        });
    }
    out
}

/// Where the last cell of a flattened list and the term that opened the next paragraph were
/// glued into one token (`TimeZoneTZ (time zone) names…`): an identifier in camel or snake case
/// that ends in lowercase, then a capitalised acronym, then prose. A word like `PostgreSQL` has
/// no second capital before the acronym and stays whole.
fn glued_term_point(text: &str) -> Option<usize> {
    let (token, rest) = text.split_once(' ')?;
    let b = token.as_bytes();
    let at = (1..b.len()).rev().find(|&i| {
        b[i - 1].is_ascii_lowercase()
            && b[i].is_ascii_uppercase()
            && b.get(i + 1).is_some_and(u8::is_ascii_uppercase)
    })?;
    let (head, term) = (&token[..at], &token[at..]);
    let identifier = head.starts_with(|c: char| c.is_ascii_alphabetic())
        && head.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && (head.contains('_') || head.chars().skip(1).any(|c| c.is_ascii_uppercase()));
    let acronym = term.chars().take_while(char::is_ascii_uppercase).count() >= 2
        && term.chars().all(|c| c.is_ascii_alphanumeric());
    (identifier && acronym && rest.split_whitespace().count() >= 4 && word_share(rest) >= 0.6)
        .then_some(at)
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
    // Single letters (`e.g.`, variable names) are no content.
    let mut v: Vec<String> = content_stems(text)
        .into_iter()
        .filter(|s| s.chars().count() > 1)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The opening of the prose that starts at piece `k`, which is what an answer is about: its
/// first sentence, read on over the line breaks the scrape put inside it; when that sentence
/// only announces a list that was lost ("It has three parts:"), what follows it, up to
/// `LEAD_WORDS` words.
fn opening(ps: &[Piece], k: usize) -> String {
    let first = &ps[k].text;
    let mut text = residue_body(first).unwrap_or(first).trim().to_string();
    let finished = |t: &str| {
        sentence_end_points(t)
            .first()
            .is_some_and(|&e| !t[..e].ends_with(':'))
    };
    for p in &ps[k + 1..] {
        if finished(&text)
            || text.split_whitespace().count() >= LEAD_WORDS
            || is_code_piece(&p.text)
            || fragment(&p.text).is_some()
            || p.glued
        {
            break;
        }
        text.push(' ');
        text.push_str(p.text.trim());
    }
    let cut = match sentence_end_points(&text).first() {
        Some(&e) if !text[..e].ends_with(':') => e,
        _ => text.len(),
    };
    let words: Vec<&str> = text[..cut].split_whitespace().take(LEAD_WORDS).collect();
    words.join(" ")
}

/// Byte offsets just past each sentence end of a text: `.`, `?`, `!` or `:` followed by a space
/// or the end.
fn sentence_end_points(text: &str) -> Vec<usize> {
    let t = text.trim_end();
    t.char_indices()
        .filter(|&(i, c)| {
            // The period of an abbreviation (`e.g.`, `i.e.`) ends no sentence.
            let token = t[..i].rsplit(char::is_whitespace).next().unwrap_or("");
            matches!(c, '.' | '?' | '!' | ':')
                && t[i + c.len_utf8()..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace)
                && !(c == '.' && token.contains('.') && token.len() <= 3)
        })
        .map(|(i, c)| i + c.len_utf8())
        .collect()
}

/// A sentence that opens an answer: prose, and about something new. A note that follows the
/// code of an answer ("Immutable objects are hashable…" after code about mutability) shares
/// its rarer words with the answer; a new answer does not. Rarity is measured over the pieces
/// of the document.
fn opens_answer(
    ps: &[Piece],
    k: usize,
    answer_so_far: &[String],
    rarity: &HashMap<String, f64>,
) -> bool {
    let text = &ps[k].text;
    let t = residue_body(text).unwrap_or(text).trim();
    let words = t.split_whitespace().count();
    // A sentence of words (inline code may make up to 40% of it).
    if words < 4 || word_share(t) < 0.6 || is_code_piece(text) {
        return false;
    }
    let own = stems(&opening(ps, k));
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

/// A piece right after the note that closed an answer: finished prose (a capitalised sentence
/// ending in a period, not a colon announcing what follows, nor the next item of a list that
/// opens with inline code) after the body of the answer that starts at
/// `answer_start`, its code or its flattened list. After an answer's opening sentence, a list
/// is that answer's body; after its closing note, the next answer.
fn after_closing_note(ps: &[Piece], k: usize, answer_start: usize) -> bool {
    const NOTE_PIECES: usize = 3;
    // A short capitalised line can be the first line of the note, not a cell.
    let body = |p: &Piece| is_code_piece(&p.text) || (table_cell(&p.text) && !capitalised(&p.text));
    let Some(b) = (0..k).rev().find(|&i| body(&ps[i])) else {
        return false;
    };
    let note = &ps[b + 1..k];
    b > answer_start
        && (1..=NOTE_PIECES).contains(&note.len())
        && note.iter().all(|p| fragment(&p.text).is_none())
        && capitalised(&note[0].text)
        && ps[k - 1].text.trim_end().ends_with('.')
}

/// A piece that opens with inline code: a technical token (`max_wal_size`, `pgBouncer`,
/// `vacuum()`), not a plain word.
fn opens_with_inline_code(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("");
    let token = first.trim_end_matches([',', '.', ':', ';']);
    let identifier = token
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '(' | ')'));
    let technical = token.contains(['_', '(', '.'])
        || token.chars().skip(1).any(char::is_uppercase) && token.starts_with(char::is_lowercase);
    !token.is_empty() && identifier && technical
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

/// A capitalised paragraph glued to the end of the one before (`…the WAL.Replicas`) where a
/// heading was stripped: it can open an answer once the answer it would cut off has a body of
/// its own (code, the cells of a list, or two sentences besides its title). Right after a
/// title, glued paragraphs are the parts of one answer ("X vs Y?A stash….A worktree…").
fn opens_at_glue(ps: &[Piece], k: usize, answer_start: usize) -> bool {
    if !(ps[k].glued && capitalised(&ps[k].text)) {
        return false;
    }
    // The answer's text after its title (whose first line may look like a cell).
    let body_from = (answer_start..k)
        .rev()
        .find(|&i| fragment(&ps[i].text).is_some())
        .map_or(answer_start, |f| f + 1);
    let so_far = &ps[body_from..k];
    let prose: Vec<String> = so_far.iter().map(|p| unglue(&p.text)).collect();
    so_far
        .iter()
        .any(|p| is_code_piece(&p.text) || table_cell(&p.text))
        || sentence_end_points(&prose.join(" ")).len() >= 2
}

/// Where an answer starts: its first piece, its title and where the title came from.
struct Start {
    piece: usize,
    title: String,
    source: TitleSource,
    /// Opened by a flattened table rather than by a sentence: its cells are its body.
    by_table: bool,
}

impl Start {
    fn new(piece: usize, title: String, source: TitleSource) -> Start {
        Start {
            piece,
            title,
            source,
            by_table: false,
        }
    }
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

    let mut starts: Vec<Start> = Vec::new();
    // The piece the current answer starts at.
    let mut answer_start = 0;
    let mut answer_so_far: Vec<String> = Vec::new();
    // The piece holding the last title fragment: the prose right after it is its answer.
    let mut last_fragment: Option<usize> = None;
    for k in 0..ps.len() {
        let after_fragment = k > 0 && last_fragment.is_none_or(|f| f + 1 < k);
        let start = if let Some(head) = fragment(&ps[k].text) {
            last_fragment = Some(k);
            let mut first = k;
            let mut title = head.to_string();
            while first > 0 && continues_into_fragment(&ps[first - 1].text) {
                first -= 1;
                title = format!("{} {title}", ps[first].text.trim());
            }
            starts
                .last()
                .is_none_or(|s| s.piece < first)
                .then(|| Start::new(first, title, TitleSource::Fragment))
        } else if after_fragment
            && !is_code_piece(&ps[k].text)
            && (opens_after(&ps[k], &ps[k - 1]) || opens_at_glue(&ps, k, answer_start))
            && opens_answer(&ps, k, &answer_so_far, &rarity)
        {
            // Titled by its first sentence, read on over the lines it was broken into.
            let title = lead_sentence(&unglue(&opening(&ps, k)), LEAD_WORDS);
            Some(Start::new(k, title, TitleSource::AnswerLead))
        } else if after_fragment
            && (is_code_piece(&ps[k - 1].text) || after_closing_note(&ps, k, answer_start))
            && ps.len() >= k + TABLE_CELLS
            && ps[k..k + TABLE_CELLS].iter().all(|p| table_cell(&p.text))
        {
            // An answer that opened with a table, flattened after the code of the previous one
            // or after the note that closed it: its cells are all that is left of it to title
            // it by.
            let cells: Vec<&str> = ps[k..]
                .iter()
                .take_while(|p| table_cell(&p.text))
                .map(|p| p.text.trim())
                .collect();
            let title = lead_sentence(&cells.join(" "), FRAGMENT_WORDS);
            Some(Start {
                by_table: true,
                ..Start::new(k, title, TitleSource::AnswerLead)
            })
        } else if after_fragment
            && !is_code_piece(&ps[k].text)
            && opens_with_inline_code(&ps[k].text)
            && after_closing_note(&ps, k, answer_start)
        {
            // A list whose items open with inline code (their bold labels stripped), after the
            // note that closed the previous answer.
            let title = lead_sentence(&opening(&ps, k), LEAD_WORDS);
            Some(Start::new(k, title, TitleSource::AnswerLead))
        } else {
            None
        };
        if let Some(start) = start {
            starts.push(start);
            answer_so_far.clear();
        }
        if let Some(s) = starts.last() {
            answer_start = s.piece;
        }
        answer_so_far.extend(piece_stems[k].iter().cloned());
        answer_so_far.sort();
        answer_so_far.dedup();
    }
    // An answer opened by a sentence needs a body: code or a second sentence when it opened
    // at a glued paragraph break (a lone glued sentence is a paragraph of the answer before),
    // or at least a finished sentence (a line that finishes none, like a closing call to
    // action, is page chrome). Each start is judged up to the next one found above; the pieces
    // of a start dropped here belong to the answer before it.
    let ends: Vec<usize> = starts
        .iter()
        .skip(1)
        .map(|s| s.piece)
        .chain([ps.len()])
        .collect();
    let bare = |s: &Start, end: usize| {
        let span = &ps[s.piece..end];
        let text: Vec<String> = span.iter().map(|p| unglue(&p.text)).collect();
        let sentences = sentence_end_points(&text.join(" ")).len();
        let needed = if ps[s.piece].glued { 2 } else { 1 };
        s.source == TitleSource::AnswerLead
            && !s.by_table
            && !span.iter().any(|p| is_code_piece(&p.text))
            && sentences < needed
    };
    let starts: Vec<Start> = starts
        .into_iter()
        .zip(ends)
        .filter(|(s, end)| !bare(s, *end))
        .map(|(s, _)| s)
        .collect();
    let mut out = Vec::new();
    for (n, start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(ps.len(), |s| s.piece);
        let answer = summary(ps[start.piece..end].iter().map(|p| p.text.as_str()), 700);
        out.push(Extracted {
            title: start.title.clone(),
            title_source: start.source,
            difficulty: None,
            tags: Vec::new(),
            companies: Vec::new(),
            section: None,
            insight: Default::default(),
            answer,
            layout: Layout::Flattened,
            line: ps[start.piece].no,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let ls = Line::numbered(ARTICLE);
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
        let ls = Line::numbered(ARTICLE);
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

#[cfg(test)]
mod glued_and_closing {
    use super::*;

    fn starts(text: &str) -> Vec<(usize, String)> {
        let ls = Line::numbered(text);
        assert!(applies(&ls));
        parse(&ls).into_iter().map(|q| (q.line, q.title)).collect()
    }

    /// A cluster-operations article with stripped headings: a term glued onto the last cell of
    /// a list, a paragraph glued after an acronym, a lone glued sentence before the next
    /// question, and a line of page chrome at the end.
    const GLUED: &str = r#"Cluster questions cover scheduling, access and storage.
A node pool is a group of machines that share one instance type. Pools run workloads such as:
Deployment, StatefulSet,
DaemonSet
ReplicaSetRBAC (role-based access control) decides who may call each endpoint of the API. Roles list verbs on resources.
Role bindings give a role to users, and roles without bindings give nothing through the API.Volumes outlive the containers that mount them, so
data survives a restart. Claims request them by size.
kubectl get pvc -A
quota?Quotas cap what one namespace may use. Each namespace has its own.Dashboards like Grafana chart the
usage of every tenant over time.
limit range?A limit range sets the default size of each container.
kubectl describe limitrange
Follow us for more cluster guides
"#;

    #[test]
    fn glued_paragraphs_open_answers_that_have_a_body() {
        let got = starts(GLUED);
        let lines: Vec<usize> = got.iter().map(|s| s.0).collect();
        assert_eq!(lines, [2, 5, 6, 9, 11], "{got:?}");
        assert!(
            got[1]
                .1
                .starts_with("RBAC (role-based access control) decides")
        );
        assert_eq!(
            got[2].1,
            "Volumes outlive the containers that mount them, so data survives a restart."
        );
    }

    #[test]
    fn glued_paragraphs_right_after_a_title_are_parts_of_its_answer() {
        let text = "Locking questions come up in every database round.
shared or
exclusive lock?Readers can hold the first kind together.Writers must wait for sole access until commit.
LOCK TABLE orders IN EXCLUSIVE MODE;
SELECT * FROM orders FOR UPDATE;
Row locks are released at commit, so long transactions hold their locks longer.
deadlock?Two sessions each wait for a lock the other holds.
SET deadlock_timeout = '1s';
SHOW deadlock_timeout;
After the timeout the server cancels one of the two sessions in the deadlock.
";
        let got = starts(text);
        let lines: Vec<usize> = got.iter().map(|s| s.0).collect();
        assert_eq!(lines, [2, 7], "{got:?}");
    }

    #[test]
    fn a_glued_term_is_split_from_an_identifier_only() {
        let text = "ReplicaSetRBAC (role-based access control) decides who may call";
        assert_eq!(glued_term_point(text), Some("ReplicaSet".len()));
        assert_eq!(
            glued_term_point("max_sizeMB (the cap in megabytes) limits each segment"),
            Some("max_size".len())
        );
        assert_eq!(
            glued_term_point("PostgreSQL is a relational database server"),
            None
        );
        assert_eq!(glued_term_point("NodePoolAPI"), None, "no prose after it");
    }

    #[test]
    fn an_opening_reads_over_broken_lines_and_past_an_announcement() {
        let piece = |t: &str| Piece {
            no: 1,
            text: t.to_string(),
            glued: false,
        };
        let broken = [
            piece("Replicas lag behind the"),
            piece("primary by a few seconds. Reads may be stale."),
        ];
        assert_eq!(
            opening(&broken, 0),
            "Replicas lag behind the primary by a few seconds."
        );
        let abbreviated = [
            piece("Logs rotate daily, e.g. at midnight, and"),
            piece("compress after a week. Old ones are deleted."),
        ];
        assert_eq!(
            opening(&abbreviated, 0),
            "Logs rotate daily, e.g. at midnight, and compress after a week."
        );
        let announced = [
            piece("Backups come in two kinds:"),
            piece("full, and"),
            piece("incremental ones that copy changed pages. Restores replay the log."),
        ];
        assert_eq!(
            opening(&announced, 0),
            "Backups come in two kinds: full, and incremental ones that copy changed pages. \
             Restores replay the log."
        );
    }

    /// A database article: a table after the note that closed an answer opens the next one, a
    /// list after an answer's opening sentences is its body, and a list whose items open with
    /// inline code after a closing note opens the next answer.
    const CLOSING: &str = r#"Postgres tuning questions start with memory settings.
Shared buffers are the cache of table pages that the server keeps in memory.
SHOW shared_buffers;
ALTER SYSTEM SET shared_buffers = '4GB';
Changing shared buffers needs a restart, unlike most memory settings.
ints, bigints, numerics.
text,
varchar, char,
bytea, jsonb.
SELECT pg_column_size(1::bigint);
Vacuum reclaims the space that dead row versions leave behind. Autovacuum runs it on a schedule.
relpages,
reltuples, relallvisible,
n_dead_tup.
These counters decide when autovacuum wakes up.
pg_stat_statements or
auto_explain before adding indexes. Measure first.
SELECT query FROM pg_stat_statements LIMIT 5;
"#;

    #[test]
    fn lists_after_a_closing_note_open_the_next_answer() {
        let got = starts(CLOSING);
        let lines: Vec<usize> = got.iter().map(|s| s.0).collect();
        assert_eq!(lines, [2, 6, 11, 16], "{got:?}");
        assert!(opens_with_inline_code("pg_stat_statements or"));
        assert!(opens_with_inline_code("pgBouncer pools connections"));
        assert!(!opens_with_inline_code("Vacuum reclaims space"));
        assert!(!opens_with_inline_code("text,"));
    }
}
