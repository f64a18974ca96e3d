//! Text analysis for the offline grader: tokens with their place in the original answer, stems,
//! synonyms, stop words, and the fillers and restarts of spoken answers (marked, never scored).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

/// One word of a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Canonical stem: stemmed, then mapped through the synonym table.
    pub stem: String,
    /// The word as written, lowercased.
    pub word: String,
    /// Byte range in the original text (for quoting evidence).
    pub start: usize,
    pub end: usize,
    /// Index of the sentence the token belongs to.
    pub sentence: usize,
    /// A function word ("the", "because"): no content, but a sign of connected speech.
    pub stop: bool,
    /// A filler or restart ("um", "you know", a repeated word): ignored for content.
    pub filler: bool,
    /// The canonical stem of a paraphrase-lexicon phrase starting here, when an answer is read
    /// through the lexicon: the phrase's words keep their own stems as well.
    pub canon: Option<String>,
}

impl Token {
    pub fn is_content(&self) -> bool {
        !self.stop && !self.filler
    }

    /// Whether this token says `stem`: as its own stem or as the phrase it starts.
    pub fn says(&self, stem: &str) -> bool {
        self.stem == stem || self.canon.as_deref() == Some(stem)
    }
}

/// A text split into tokens and sentences.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub tokens: Vec<Token>,
    /// Byte range of each sentence in the original text.
    pub sentences: Vec<(usize, usize)>,
    /// Every filler and restart, in order: what the `delivery` module counts.
    pub disfluencies: Vec<Disfluency>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisfluencyKind {
    /// A word or phrase that fills a pause ("um", "you know").
    Filler,
    /// A word or two said again ("the the", "it is, it is").
    Restart,
}

/// One filler or restart: the tokens it covers (all marked `filler`).
#[derive(Debug, Clone, PartialEq)]
pub struct Disfluency {
    pub kind: DisfluencyKind,
    /// The filler phrase as listed ("you know"), or the repeated words.
    pub phrase: String,
    /// Range of indices into `Analysis::tokens`.
    pub tokens: std::ops::Range<usize>,
}

impl Analysis {
    /// Tokens that count: everything but fillers and restarts.
    pub fn spoken(&self) -> impl Iterator<Item = &Token> {
        self.tokens.iter().filter(|t| !t.filler)
    }

    pub fn content(&self) -> impl Iterator<Item = &Token> {
        self.tokens.iter().filter(|t| t.is_content())
    }
}

const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "because", "been", "before", "being", "between", "both", "but", "by", "can", "could",
    "did", "do", "does", "doing", "done", "down", "during", "each", "either", "else", "even",
    "every", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
    "him", "his", "how", "i", "if", "in", "instead", "into", "is", "it", "its", "itself", "just",
    "let", "lets", "may", "me", "might", "more", "most", "much", "must", "my", "neither", "no",
    "nor", "not", "now", "of", "off", "on", "once", "one", "only", "or", "other", "our", "out",
    "over", "own", "same", "shall", "she", "should", "since", "so", "some", "such", "than", "that",
    "the", "their", "them", "then", "there", "these", "they", "this", "those", "though", "through",
    "thus", "to", "too", "under", "until", "up", "upon", "us", "very", "via", "was", "we", "were",
    "what", "when", "where", "whereas", "whether", "which", "while", "who", "whom", "whose", "why",
    "will", "with", "within", "without", "would", "yet", "you", "your", "yours",
];

/// Words that fill speech without content. Multi-word fillers are matched as sequences.
const FILLERS: &[&[&str]] = &[
    &["um"],
    &["umm"],
    &["uh"],
    &["uhh"],
    &["uhm"],
    &["er"],
    &["erm"],
    &["ah"],
    &["hmm"],
    &["mm"],
    &["basically"],
    &["actually"],
    &["literally"],
    &["okay", "so"],
    &["you", "know"],
    &["i", "mean"],
    &["sort", "of"],
    &["kind", "of"],
    &["i", "guess"],
];

/// Words after which "kind of" and "sort of" name a kind ("a kind of lock", "what sort of
/// error") rather than fill a pause ("it's kind of slow").
const KIND_DETERMINERS: &[&str] = &[
    "a",
    "an",
    "all",
    "another",
    "any",
    "certain",
    "different",
    "each",
    "every",
    "no",
    "one",
    "other",
    "particular",
    "same",
    "some",
    "specific",
    "that",
    "the",
    "these",
    "this",
    "those",
    "what",
    "whatever",
    "which",
];

/// Spellings that mean the same thing. Applied to words before stemming; the right-hand side
/// may be several words ("gc" is "garbage collector").
const EXPANSIONS: &[(&str, &str)] = &[
    ("refcount", "reference count"),
    ("refcounts", "reference counts"),
    ("refcounting", "reference counting"),
    ("gc", "garbage collector"),
    ("multithreading", "threads"),
    ("multithreaded", "threads"),
    ("threading", "threads"),
    ("multiprocessing", "processes"),
    ("mutex", "lock"),
    ("mutexes", "locks"),
    ("dictionary", "dict"),
    ("dictionaries", "dicts"),
    ("hashmap", "dict"),
    ("args", "arguments"),
    ("arg", "argument"),
    ("params", "parameters"),
    ("param", "parameter"),
    ("kwargs", "keyword arguments"),
    ("var", "variable"),
    ("vars", "variables"),
    ("func", "function"),
    ("funcs", "functions"),
    ("attr", "attribute"),
    ("attrs", "attributes"),
    ("obj", "object"),
    ("objs", "objects"),
    ("ram", "memory"),
    ("async", "asynchronous"),
    ("sync", "synchronous"),
    ("db", "database"),
    ("perf", "performance"),
    ("init", "initialize"),
    ("initialise", "initialize"),
    ("initialised", "initialized"),
    ("behaviour", "behavior"),
    ("optimise", "optimize"),
    ("serialise", "serialize"),
    ("parallelism", "parallel"),
    ("concurrently", "concurrent"),
    ("exceptions", "errors"),
    ("exception", "error"),
    ("immutable", "unchangeable"),
    ("fast", "speed"),
    ("faster", "speed"),
    ("quicker", "speed"),
    ("slow", "slowdown"),
    ("slower", "slowdown"),
];

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// The canonical stem of one lowercase word (no expansion). Stemming is the costliest step of
/// grading and rubric words repeat across answers, so stems are memoised per thread.
pub fn stem(word: &str) -> String {
    thread_local! {
        static CACHE: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
    }
    CACHE.with(|cache| {
        if let Some(s) = cache.borrow().get(word) {
            return s.clone();
        }
        let s = stemmer().stem(word).into_owned();
        let mut cache = cache.borrow_mut();
        // A bound keeps memory flat however much text is graded.
        if cache.len() > 50_000 {
            cache.clear();
        }
        cache.insert(word.to_string(), s.clone());
        s
    })
}

/// Raw words with byte ranges: letters, digits and underscores, so `__slots__` and `is_eq` stay
/// whole. "I/O" becomes one word, contractions are split into their words ("doesn't" gives
/// "does" and "not").
fn raw_words(text: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next().expect("i is on a char boundary");
        if !(c.is_alphanumeric() || c == '_') {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        while i < text.len() {
            let c = text[i..].chars().next().expect("char boundary");
            let apostrophe_inside = (c == '\'' || c == '’')
                && text[i + c.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphabetic);
            if c.is_alphanumeric() || c == '_' || apostrophe_inside {
                i += c.len_utf8();
            } else {
                break;
            }
        }
        let mut word = text[start..i].to_lowercase().replace('’', "'");
        // "I/O" and "i/o": one word.
        if (word == "i")
            && bytes.get(i) == Some(&b'/')
            && matches!(bytes.get(i + 1), Some(b'o' | b'O'))
        {
            i += 2;
            word = "io".to_string();
        }
        if let Some(base) = word.strip_suffix("n't") {
            let base = match base {
                "ca" => "can",
                "wo" => "will",
                "sha" => "shall",
                other => other,
            };
            out.push((base.to_string(), start, i));
            out.push(("not".to_string(), start, i));
        } else if let Some((base, _)) = word.split_once('\'') {
            out.push((base.to_string(), start, i));
        } else {
            out.push((word, start, i));
        }
    }
    out
}

/// Byte ranges of sentences: split at . ! ? ; and line breaks, but not inside numbers or dotted
/// names (`3.12`, `os.path`).
fn sentence_bounds(text: &str) -> Vec<(usize, usize)> {
    let mut bounds = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let next = chars.get(k + 1).map(|&(_, n)| n);
        let ends = match c {
            '!' | '?' | ';' | '\n' => true,
            '.' => !next.is_some_and(|n| n.is_alphanumeric() || n == '_'),
            _ => false,
        };
        if ends {
            let end = i + c.len_utf8();
            if !text[start..end].trim().is_empty() {
                bounds.push((start, end));
            }
            start = end;
        }
    }
    if !text[start..].trim().is_empty() {
        bounds.push((start, text.len()));
    }
    bounds
}

/// The stems of a text's content words (synonyms applied, stop words left out), without the
/// sentence and filler analysis that grading spoken answers needs: for comparing documents,
/// which is the importer's job, this is several times faster than `analyze`.
pub fn content_stems(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (word, _, _) in raw_words(text) {
        let expanded = EXPANSIONS
            .iter()
            .find(|(from, _)| *from == word)
            .map_or(word.as_str(), |(_, to)| to);
        for part in expanded.split(' ') {
            if !is_stop_word(part) {
                out.push(stem(part));
            }
        }
    }
    out
}

/// Tokenizes, stems and marks fillers and restarts.
pub fn analyze(text: &str) -> Analysis {
    let sentences = sentence_bounds(text);
    let mut tokens: Vec<Token> = Vec::new();
    let mut sentence = 0;
    for (word, start, end) in raw_words(text) {
        while sentence + 1 < sentences.len() && start >= sentences[sentence].1 {
            sentence += 1;
        }
        let expanded = EXPANSIONS
            .iter()
            .find(|(from, _)| *from == word)
            .map_or(word.as_str(), |(_, to)| to);
        for part in expanded.split(' ') {
            tokens.push(Token {
                stem: stem(part),
                word: part.to_string(),
                start,
                end,
                sentence,
                stop: is_stop_word(part),
                filler: false,
                canon: None,
            });
        }
    }
    let disfluencies = mark_fillers(&mut tokens, text);
    Analysis {
        tokens,
        sentences,
        disfluencies,
    }
}

/// Whether "kind of" / "sort of" at token `i` names a kind: after a determiner and not set off
/// by commas ("a kind of lock", but "it's the, sort of, main idea").
fn names_a_kind(tokens: &[Token], i: usize, text: &str) -> bool {
    i > 0
        && KIND_DETERMINERS.contains(&tokens[i - 1].word.as_str())
        && !text[tokens[i - 1].end..tokens[i].start].contains(',')
        && !text[tokens[i + 1].end..].trim_start().starts_with(',')
}

/// Marks fillers and restarts as `filler` and returns them in order.
fn mark_fillers(tokens: &mut [Token], text: &str) -> Vec<Disfluency> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let matched = FILLERS.iter().find(|f| {
            f.len() <= tokens.len() - i
                && f.iter().enumerate().all(|(k, w)| tokens[i + k].word == *w)
                && !(matches!(f, ["kind" | "sort", "of"]) && names_a_kind(tokens, i, text))
        });
        if let Some(f) = matched {
            for t in &mut tokens[i..i + f.len()] {
                t.filler = true;
            }
            found.push(Disfluency {
                kind: DisfluencyKind::Filler,
                phrase: f.join(" "),
                tokens: i..i + f.len(),
            });
            i += f.len();
            continue;
        }
        // "like" as a filler: followed by a comma ("it's, like, a lock"). With a comma only
        // before, it usually gives an example ("grouped, like visits per patient").
        if tokens[i].word == "like" && text[tokens[i].end..].trim_start().starts_with(',') {
            tokens[i].filler = true;
            found.push(Disfluency {
                kind: DisfluencyKind::Filler,
                phrase: "like".to_string(),
                tokens: i..i + 1,
            });
        }
        i += 1;
    }
    // Restarts: the same word said twice in a row ("the the GIL"), or a repeated two-word
    // run ("it is, it is a lock"). Compared as written, so a word that expands to several
    // tokens ("gc") repeats as one.
    let mut words: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match words.last_mut() {
            Some(w) if tokens[w.start].start == t.start => w.end = i + 1,
            _ => words.push(i..i + 1),
        }
    }
    // Slices of the text, compared without regard to ASCII case: no allocation per word, as
    // every rubric line of every grade goes through here too.
    let said: Vec<&str> = words
        .iter()
        .map(|w| &text[tokens[w.start].start..tokens[w.start].end])
        .collect();
    let same = |a: usize, b: usize| said[a].eq_ignore_ascii_case(said[b]);
    let spoken = |tokens: &[Token], w: &std::ops::Range<usize>| !tokens[w.start].filler;
    let restart = |tokens: &mut [Token], range: std::ops::Range<usize>| {
        for t in &mut tokens[range.clone()] {
            t.filler = true;
        }
        Disfluency {
            kind: DisfluencyKind::Restart,
            phrase: tokens[range.clone()]
                .iter()
                .map(|t| t.word.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            tokens: range,
        }
    };
    for k in 1..words.len() {
        if same(k, k - 1) && spoken(tokens, &words[k - 1]) {
            found.push(restart(tokens, words[k].clone()));
        }
    }
    for k in 3..words.len() {
        if same(k, k - 2)
            && same(k - 1, k - 3)
            && spoken(tokens, &words[k - 2])
            && spoken(tokens, &words[k - 3])
            && spoken(tokens, &words[k])
        {
            found.push(restart(tokens, words[k - 1].start..words[k].end));
        }
    }
    found.sort_by_key(|d| d.tokens.start);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        analyze(text).content().map(|t| t.stem.clone()).collect()
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn stems_and_synonyms_meet() {
        assert_eq!(stems("multithreading"), stems("threads"));
        assert_eq!(stems("refcounting"), stems("reference counting"));
        assert_eq!(stems("mutex"), stems("lock"));
        assert_eq!(stems("counted"), stems("counting"));
    }

    #[test]
    fn identifiers_and_io_stay_whole() {
        let words: Vec<String> = analyze("Use __slots__ for I/O, not os.path")
            .tokens
            .iter()
            .map(|t| t.word.clone())
            .collect();
        assert_eq!(
            words,
            ["use", "__slots__", "for", "io", "not", "os", "path"]
        );
    }

    #[test]
    fn contractions_split_into_a_negation() {
        let words: Vec<String> = analyze("it doesn't, we can't")
            .tokens
            .iter()
            .map(|t| t.word.clone())
            .collect();
        assert_eq!(words, ["it", "does", "not", "we", "can", "not"]);
    }

    #[test]
    fn fillers_and_restarts_carry_no_content() {
        let spoken = "so, um, the the GIL is, like, basically a lock, you know";
        let clean = "so the GIL is a lock";
        let a: Vec<_> = analyze(spoken).spoken().map(|t| t.word.clone()).collect();
        let b: Vec<_> = analyze(clean).spoken().map(|t| t.word.clone()).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn disfluencies_are_listed_by_kind_and_phrase() {
        let a = analyze("so, um, the the GIL is, like, a lock, you know, it is, it is");
        let listed: Vec<(DisfluencyKind, &str)> = a
            .disfluencies
            .iter()
            .map(|d| (d.kind, d.phrase.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                (DisfluencyKind::Filler, "um"),
                (DisfluencyKind::Restart, "the"),
                (DisfluencyKind::Filler, "like"),
                (DisfluencyKind::Filler, "you know"),
                (DisfluencyKind::Restart, "it is"),
            ]
        );
        for d in &a.disfluencies {
            assert!(a.tokens[d.tokens.clone()].iter().all(|t| t.filler));
        }
    }

    #[test]
    fn kind_of_after_a_determiner_names_a_kind() {
        let named = analyze("a kind of lock, what sort of error");
        assert!(named.disfluencies.is_empty(), "{:?}", named.disfluencies);
        for filler in [
            "it is kind of slow",
            "the, sort of, main idea",
            "the sort of, main idea",
        ] {
            assert_eq!(analyze(filler).disfluencies.len(), 1, "{filler}");
        }
    }

    #[test]
    fn sentences_do_not_split_inside_versions_or_dotted_names() {
        let a = analyze("Python 3.13 adds os.path things. Then more");
        assert_eq!(a.sentences.len(), 2);
    }

    #[test]
    fn evidence_offsets_point_into_the_original() {
        let text = "Ähm, the GIL";
        let a = analyze(text);
        let gil = a.tokens.iter().find(|t| t.word == "gil").unwrap();
        assert_eq!(&text[gil.start..gil.end], "GIL");
    }
}
