//! What a line of a guide looks like: blank, a bullet, a label, a question, code or prose.
//! These tests key on the shape of the text (punctuation, markers, sentence form), never on the
//! subject of the guide.

use std::sync::LazyLock;

use regex::Regex;

use super::repair::unglue;

/// A bullet or numbered list item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bullet<'a> {
    /// Leading whitespace, in characters: nesting.
    pub indent: usize,
    pub numbered: bool,
    pub body: &'a str,
}

pub fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// `  • item`, `- item`, `* item`, `1. item`, `2) item`.
pub fn bullet(text: &str) -> Option<Bullet<'_>> {
    let trimmed = text.trim_start();
    let indent = text[..text.len() - trimmed.len()].chars().count();
    for marker in ["•", "◦", "▪", "‣", "·", "- ", "* ", "+ ", "– "] {
        if let Some(body) = trimmed.strip_prefix(marker) {
            let body = body.trim();
            return (!body.is_empty()).then_some(Bullet {
                indent,
                numbered: false,
                body,
            });
        }
    }
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        let rest = &trimmed[digits..];
        if let Some(body) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            let body = body.trim();
            return (!body.is_empty()).then_some(Bullet {
                indent,
                numbered: true,
                body,
            });
        }
    }
    None
}

/// Removes Markdown emphasis and heading marks around a short line: `**Red flags:**`,
/// `### Follow-ups`, `!!! tip "Interviewer's Insight"`.
pub fn strip_markup(text: &str) -> &str {
    let mut t = text.trim();
    if let Some(rest) = t.strip_prefix("!!!") {
        // An admonition: `!!! tip "Title"` keeps the title.
        let rest = rest.trim_start();
        let title = rest.split_once(' ').map_or("", |(_, title)| title);
        t = title.trim();
    }
    t = t.trim_start_matches('#').trim();
    for wrap in ["**", "__", "*", "_"] {
        if t.len() > 2 * wrap.len()
            && let Some(inner) = t.strip_prefix(wrap).and_then(|s| s.strip_suffix(wrap))
        {
            t = inner.trim();
        }
    }
    // `**Label:**` leaves `Label:` once the stars are gone; `**Label**:` too.
    if let Some(inner) = t.strip_prefix("**") {
        t = inner.trim_start();
    }
    if let Some(inner) = t.strip_suffix("**:") {
        return inner.trim_end();
    }
    t.trim_end_matches("**").trim()
}

/// Strips one pair of quotes around the whole text: `"item"`, `“item”`, `'item'`.
/// An unbalanced quote is kept: it may belong to a quotation inside the item.
pub fn unquote(text: &str) -> &str {
    let t = text.trim();
    for (open, close) in [('"', '"'), ('“', '”'), ('\'', '\''), ('‘', '’')] {
        if let Some(inner) = t.strip_prefix(open).and_then(|s| s.strip_suffix(close))
            && !inner.contains(open)
            && !inner.contains(close)
            && !inner.trim().is_empty()
        {
            return inner.trim();
        }
    }
    t
}

/// Words that open a question even without its question mark ("How X works").
const INTERROGATIVES: &[&str] = &[
    "what", "what's", "how", "why", "when", "where", "which", "who", "whom", "whose",
];

/// Verbs that open an interview task ("Explain ...", "Write a function ..."). Words that are
/// as often nouns ("list", "sort", "model") are left out.
const TASK_VERBS: &[&str] = &[
    "explain",
    "describe",
    "compare",
    "contrast",
    "write",
    "implement",
    "design",
    "define",
    "discuss",
    "differentiate",
    "distinguish",
    "outline",
    "give",
    "tell",
    "walk",
    "create",
    "optimize",
    "optimise",
    "debug",
    "diagnose",
    "find",
    "reverse",
    "detect",
    "convert",
    "calculate",
    "merge",
    "validate",
    "propose",
    "choose",
    "justify",
    "estimate",
    "troubleshoot",
    "refactor",
    "identify",
    "demonstrate",
    "illustrate",
    "summarize",
    "summarise",
    "evaluate",
    "prevent",
];

fn first_word(text: &str) -> String {
    text.split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
        .to_lowercase()
}

/// Whether the text holds more than one sentence ("Do this. Then that.").
fn several_sentences(text: &str) -> bool {
    let t = text.trim_end_matches(|c: char| c == '.' || c == ')' || c.is_whitespace());
    t.match_indices(". ").any(|(i, _)| {
        let next = t[i + 2..].chars().next();
        let word_before: String = t[..i]
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric())
            .collect();
        // "e.g. the", "vs. Rust" are not sentence ends.
        next.is_some_and(char::is_uppercase) && word_before.chars().count() > 2
    })
}

/// Whether a line reads as an interview question: a single sentence that asks (ends with `?`
/// or opens with an interrogative) or sets a task ("Explain ...", "Write ...").
pub fn question_like(text: &str) -> bool {
    let t = unquote(strip_markup(text));
    let words = t.split_whitespace().count();
    // Code seldom starts with a capital and ends with a question mark; a question may quote
    // code ("What does `x == y` do?").
    let opener = first_word(t);
    let asks_in_words = t.starts_with(|c: char| c.is_uppercase())
        && (t.ends_with('?')
            || INTERROGATIVES.contains(&opener.as_str())
            || TASK_VERBS.contains(&opener.as_str()));
    // `CREATE INDEX …;` opens with a task verb but is a statement of code.
    let shouted = t
        .split_whitespace()
        .next()
        .is_some_and(|w| w.len() > 2 && w.chars().all(|c| c.is_ascii_uppercase()));
    let statement = t.ends_with([';', '{']) || (shouted && looks_like_code(t));
    if !(2..=60).contains(&words) || statement || (!asks_in_words && looks_like_code(t)) {
        return false;
    }
    // "How does X work? (A vs B)." still asks.
    let first_sentence_asks = t
        .find('?')
        .is_some_and(|q| !several_sentences(&t[..q]) && trailing_is_aside(&t[q + 1..]));
    if first_sentence_asks {
        return true;
    }
    if several_sentences(t) {
        return false;
    }
    let first_upper = t.chars().next().is_some_and(char::is_uppercase);
    first_upper
        && words >= 3
        && (INTERROGATIVES.contains(&opener.as_str()) || TASK_VERBS.contains(&opener.as_str()))
        && !t.ends_with(':')
}

/// A question beyond doubt: question-like, and ending in `?` or setting a task ("Explain …").
/// An item such as "When the logic needs several statements" reads as a question by its first
/// word only.
pub fn clearly_asks(text: &str) -> bool {
    let t = unquote(strip_markup(text));
    question_like(t)
        && (t.trim_end().ends_with('?') || TASK_VERBS.contains(&first_word(t).as_str()))
}

/// What may follow the question mark of a question: nothing, closing quotes, or an aside in
/// brackets ("(asyncio)"), not another sentence.
fn trailing_is_aside(rest: &str) -> bool {
    let r = rest.trim().trim_start_matches(['"', '”', '’', '\'']).trim();
    r.is_empty() || (r.starts_with('(') && r.trim_end_matches('.').ends_with(')'))
}

static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^[\w.\[\]'"]+(?:\s*,\s*[\w.]+)*\s*(?:=|\+=|-=|\*=|/=|:=)\s"#)
        .expect("valid regex")
});

/// Keywords that open a line of code in the languages guides use.
const CODE_OPENERS: &[&str] = &[
    "def ",
    "class ",
    "import ",
    "from ",
    "return",
    "if ",
    "elif ",
    "else:",
    "else {",
    "for ",
    "while ",
    "try:",
    "except",
    "finally:",
    "with ",
    "raise ",
    "yield",
    "async ",
    "await ",
    "lambda",
    "pass",
    "break",
    "continue",
    "assert ",
    "global ",
    "nonlocal ",
    "print(",
    "fn ",
    "pub ",
    "let ",
    "impl ",
    "struct ",
    "enum ",
    "use ",
    "mod ",
    "match ",
    "const ",
    "var ",
    "func ",
    "package ",
    "#include",
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "DELETE ",
    "CREATE ",
    "ALTER ",
    "DROP ",
    "FROM ",
    "WHERE ",
    "JOIN ",
    "$ ",
    ">>> ",
    "...",
    "@",
    "//",
    "/*",
    "*/",
    "}",
    "{",
    ")",
    "]",
    "case ",
    "switch ",
    "RUN ",
    "COPY ",
    "FROM ",
    "CMD ",
    "ENV ",
    "kubectl ",
    "docker ",
    "git ",
    "pip ",
    "cargo ",
    "npm ",
    "apiVersion:",
    "kind:",
];

/// Whether a line is code rather than prose: keywords that open statements, assignments,
/// calls, brackets and comment markers, and little sentence-like text.
pub fn looks_like_code(text: &str) -> bool {
    let t = text.trim();
    if t.is_empty() {
        return false;
    }
    // A long sentence that happens to open with a command or keyword ("kubectl rollout undo
    // returns the previous ReplicaSet, …") is prose.
    let sentence =
        t.ends_with(['.', '!', '?']) && t.split_whitespace().count() >= 10 && word_share(t) >= 0.75;
    if sentence {
        return false;
    }
    if CODE_OPENERS.iter().any(|k| t.starts_with(k)) {
        return true;
    }
    if t == "#" {
        return true;
    }
    if let Some(rest) = t.strip_prefix("# ") {
        // A comment, unless it is a Markdown heading of several capitalised words.
        return !rest.chars().next().is_some_and(char::is_uppercase) || t.contains('(');
    }
    // Code followed by a comment: `x = 10 # an int`, `print(a) # 3`.
    let comment_after_code = t.split_once(" # ").is_some_and(|(code, _)| {
        code.contains('(') || code.contains(" = ") || code.split_whitespace().count() <= 3
    });
    if comment_after_code {
        return true;
    }
    // An assignment: `flat = [n for row in m for n in row]` reads like words but is code.
    if ASSIGNMENT.is_match(t) {
        return true;
    }
    // A long sentence is prose even when it quotes code or ends in a colon.
    if prose_like(t) && t.split_whitespace().count() >= 6 {
        return false;
    }
    let code_marks = [
        " = ", "==", "+=", "-=", "!=", "->", "=>", "::", "();", "{}", "[]",
    ]
    .iter()
    .any(|m| t.contains(*m));
    let ends_code = t.ends_with(';')
        || t.ends_with('{')
        || (t.ends_with(':') && t.contains('('))
        || (t.ends_with(')') && t.split_whitespace().count() <= 3 && t.contains('('));
    // A call alone: `outer()`, `nums.sort(key=len)`.
    let first = t.split_whitespace().next().unwrap_or("");
    let call_alone = first.contains('(')
        && first
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && !t.contains(". ");
    code_marks || ends_code || call_alone
}

/// Mostly words, with sentence punctuation: prose.
pub fn prose_like(text: &str) -> bool {
    text.split_whitespace().count() >= 4 && word_share(text) >= 0.7
}

/// The share of a line's tokens that are plain words.
pub fn word_share(text: &str) -> f64 {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return 0.0;
    }
    let wordy = words
        .iter()
        .filter(|w| {
            let w = w.trim_matches(|c: char| ",.;:!?()\"'“”’".contains(c));
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
        })
        .count();
    wordy as f64 / words.len() as f64
}

/// A short line that can head a section: a few words, no sentence punctuation at the end, not
/// a bullet (a numbered heading such as "2. Storage" is one).
pub fn heading_like(text: &str) -> bool {
    let t = strip_markup(text);
    let words = t.split_whitespace().count();
    (1..=12).contains(&words)
        && bullet(text).is_none_or(|b| b.numbered)
        && !t.ends_with(['.', ',', ';', ':'])
        && !looks_like_code(t)
        && t.chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// Page furniture of scraped guides: navigation, buttons and calls to action.
pub fn is_chrome(text: &str) -> bool {
    const CHROME: &[&str] = &[
        "skip to content",
        "skip to main content",
        "back",
        "view answer",
        "show answer",
        "hide answer",
        "view code example",
        "learn more",
        "explore more",
        "read more",
        "start preparing now",
        "sign up",
        "log in",
        "subscribe",
        "share",
        "copy",
        "copy code",
        "next",
        "previous",
        "table of contents",
        "on this page",
    ];
    let t = strip_markup(text)
        .trim_end_matches(['.', '!', ':'])
        .to_lowercase();
    CHROME.contains(&t.as_str())
}

/// The sentences of a prose text. A `.`, `!` or `?` ends one only before a space and a word
/// that does not continue the sentence in lower case, and not after an abbreviation, so file
/// extensions, versions and dotted names (`.whl`, `3.12`, `os.path`) and "e.g. the" stay
/// inside their sentence.
pub fn sentences(text: &str) -> Vec<&str> {
    const ABBREVIATIONS: &[&str] = &["e.g", "i.e", "etc", "vs", "cf", "approx", "incl", "no"];
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let end = i + c.len_utf8();
        let rest = &text[end..];
        let Some(after) = rest.strip_prefix(char::is_whitespace) else {
            if rest.is_empty() {
                break;
            }
            continue;
        };
        let next = after.trim_start().chars().next();
        let word_before = text[start..i]
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or("")
            .trim_start_matches(['(', '"', '“'])
            .to_lowercase();
        let continues = next.is_some_and(char::is_lowercase)
            || (c == '.' && ABBREVIATIONS.contains(&word_before.as_str()));
        if !continues {
            let s = text[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let s = text[start..].trim();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

/// The first sentence of a text, at most `max_words` words: a title for an untitled answer.
pub fn lead_sentence(text: &str, max_words: usize) -> String {
    let t = text.trim();
    let mut end = t.len();
    for (i, c) in t.char_indices() {
        if matches!(c, '.' | '?' | '!' | ':') {
            let next = t[i + c.len_utf8()..].chars().next();
            if next.is_none_or(char::is_whitespace) {
                end = i + c.len_utf8();
                break;
            }
        }
    }
    let sentence = t[..end].trim_end_matches(':');
    let words: Vec<&str> = sentence.split_whitespace().collect();
    if words.len() <= max_words {
        words.join(" ")
    } else {
        format!("{} …", words[..max_words].join(" "))
    }
}

/// A short prose summary of an answer: its first prose lines (no code, no drawings, no page
/// furniture), cut at a sentence end after about `max_chars`.
pub fn summary<'a>(lines: impl IntoIterator<Item = &'a str>, max_chars: usize) -> String {
    let mut out = String::new();
    for line in lines {
        let t = line.trim();
        if t.is_empty() || is_chrome(t) || looks_like_code(t) || !prose_like(t) {
            continue;
        }
        let t = bullet(t).map_or(t, |b| b.body);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&unglue(t));
        if out.len() >= max_chars {
            break;
        }
    }
    if out.len() <= max_chars {
        return out;
    }
    // Cut at the last sentence end before the limit, or at a word.
    let mut cut = max_chars;
    while !out.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &out[..cut];
    match head.rfind(". ") {
        Some(i) if i > max_chars / 3 => head[..=i].to_string(),
        _ => format!("{} …", head[..head.rfind(' ').unwrap_or(cut)].trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bullets_of_every_kind() {
        assert_eq!(bullet("  • An item").unwrap().body, "An item");
        assert_eq!(bullet("  • An item").unwrap().indent, 2);
        assert!(bullet("    - nested").is_some());
        let n = bullet("  2. “Why?”").unwrap();
        assert!(n.numbered);
        assert_eq!(n.body, "“Why?”");
        assert!(bullet("**Bold:**").is_none());
        assert!(bullet("2.5 is a float").is_none());
    }

    #[test]
    fn markup_is_stripped_from_labels() {
        assert_eq!(strip_markup("**Red flags:**"), "Red flags:");
        assert_eq!(strip_markup("### Follow-ups"), "Follow-ups");
        assert_eq!(
            strip_markup("!!! tip \"Interviewer's Insight\""),
            "\"Interviewer's Insight\""
        );
    }

    #[test]
    fn quotes_around_an_item_go_but_inner_quotes_stay() {
        assert_eq!(unquote("“Why is it slow?”"), "Why is it slow?");
        assert_eq!(
            unquote("\"Use a pool\" (not a new connection)"),
            "\"Use a pool\" (not a new connection)"
        );
        assert_eq!(unquote("It said ”"), "It said ”");
    }

    #[test]
    fn questions_and_tasks_are_told_from_statements() {
        for q in [
            "What is a borrow checker?",
            "How does MVCC work? (snapshots vs locks).",
            "Explain the difference between a process and a container.",
            "Write a query that returns the second highest salary.",
            "Why are B-trees shallow",
        ] {
            assert!(question_like(q), "{q}");
        }
        for s in [
            "Indexes speed up reads.",
            "Master the basics first. Then practise.",
            "Key Concepts Tested:",
            "print(x)",
            "Ask clarifying questions before coding. “Should it scale?” shows care.",
        ] {
            assert!(!question_like(s), "{s}");
        }
    }

    #[test]
    fn sentences_end_at_sentence_ends_only() {
        assert_eq!(
            sentences(
                "A wheel is a zip with a .whl extension. Python 3.12 reads it via os.path, \
                 e.g. the usual way! Then? done. Last"
            ),
            [
                "A wheel is a zip with a .whl extension.",
                "Python 3.12 reads it via os.path, e.g. the usual way!",
                "Then? done.",
                "Last"
            ]
        );
    }

    #[test]
    fn code_is_told_from_prose() {
        for c in [
            "def f(x):",
            "let v = vec![1, 2];",
            "x = 10 # an int",
            "outer()",
            "print(a is b) # False — different objects",
            "SELECT id FROM users;",
            "}",
        ] {
            assert!(looks_like_code(c), "{c}");
        }
        for p in [
            "A closure keeps the variables of its enclosing scope alive.",
            "Rows are locked until the transaction commits.",
            "# Interview Questions",
        ] {
            assert!(!looks_like_code(p), "{p}");
        }
    }
}
