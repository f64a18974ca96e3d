//! Text repair for scraped guides: mojibake, escaped blocks and glued sentences.
//!
//! The mojibake we repair is UTF-8 whose bytes were read as ISO-8859-7 (bytes 0xA0–0xFF) with
//! the C1 bytes 0x80–0x9F shown as their Windows-1252 characters: `→` (E2 86 92) became `β†’`.
//! Clean and damaged text share lines, so the repair works run by run: a run is a character
//! that stands for a UTF-8 lead byte followed by characters that stand for continuation bytes,
//! and it is replaced only when those bytes decode to a plausible character. Text that merely
//! contains Greek letters is left alone, because Greek letters never stand for continuation
//! bytes.

use std::collections::HashMap;
use std::sync::LazyLock;

/// One line of a guide after repair, with its 1-based line number in the original file.
/// Several repaired lines can share a number when an escaped block is expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub no: usize,
    pub text: String,
}

#[cfg(test)]
impl Line {
    /// The lines of a test guide as they are, numbered from 1.
    pub fn numbered(text: &str) -> Vec<Line> {
        text.lines()
            .enumerate()
            .map(|(i, t)| Line {
                no: i + 1,
                text: t.to_string(),
            })
            .collect()
    }
}

/// What the repair changed, for the import summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Repairs {
    pub mojibake_runs: usize,
    pub escaped_blocks: usize,
}

/// Lines holding at least this many literal `\n` are a whole block that was escaped into one
/// line; code with an occasional `"\n"` in a string stays as it is.
const ESCAPED_BLOCK_MIN: usize = 10;

/// Splits a guide into repaired lines.
pub fn repair(text: &str) -> (Vec<Line>, Repairs) {
    repair_lines(
        text.lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.to_string())),
    )
}

/// Repairs lines that carry their own source line numbers (the text of a web page).
pub fn repair_lines(raw: impl IntoIterator<Item = (usize, String)>) -> (Vec<Line>, Repairs) {
    let mut repairs = Repairs::default();
    let mut fixed: Vec<(usize, String)> = Vec::new();
    for (no, raw) in raw {
        let (line, runs) = fix_mojibake(&raw);
        repairs.mojibake_runs += runs;
        fixed.push((no, line));
    }
    let shifted = repairs.mojibake_runs > 0;
    let mut lines = Vec::with_capacity(fixed.len());
    for (no, mut text) in fixed {
        if shifted {
            text = unshift(&text);
        }
        if text.matches("\\n").count() >= ESCAPED_BLOCK_MIN {
            repairs.escaped_blocks += 1;
            lines.extend(
                unescape_block(&text)
                    .into_iter()
                    .map(|text| safe_line(no, &text)),
            );
        } else {
            lines.push(safe_line(no, &text));
        }
    }
    (lines, repairs)
}

/// A repaired line without control characters or escape sequences, which would otherwise be
/// written into bank files and shown on terminals. Done last, so unescaped blocks are cleaned
/// too.
fn safe_line(no: usize, text: &str) -> Line {
    Line {
        no,
        text: crate::term::clean(text).into_owned(),
    }
}

/// The byte a mojibake character stands for. `‘`, `’` and `€` are ambiguous (a C1 byte or an
/// ISO-8859-7 byte), so they have two.
fn bytes_of(c: char) -> &'static [u8] {
    static BYTES: LazyLock<HashMap<char, Vec<u8>>> = LazyLock::new(|| {
        let mut map: HashMap<char, Vec<u8>> = HashMap::new();
        for &(b, c) in C1.iter().chain(HIGH.iter()) {
            map.entry(c).or_default().push(b);
        }
        map
    });
    BYTES.get(&c).map_or(&[], Vec::as_slice)
}

/// Windows-1252 characters of the C1 bytes (0x81, 0x8D, 0x8F, 0x90 and 0x9D have none and were
/// lost in the damage).
static C1: [(u8, char); 27] = [
    (0x80, '€'),
    (0x82, '‚'),
    (0x83, 'ƒ'),
    (0x84, '„'),
    (0x85, '…'),
    (0x86, '†'),
    (0x87, '‡'),
    (0x88, 'ˆ'),
    (0x89, '‰'),
    (0x8A, 'Š'),
    (0x8B, '‹'),
    (0x8C, 'Œ'),
    (0x8E, 'Ž'),
    (0x91, '‘'),
    (0x92, '’'),
    (0x93, '“'),
    (0x94, '”'),
    (0x95, '•'),
    (0x96, '–'),
    (0x97, '—'),
    (0x98, '˜'),
    (0x99, '™'),
    (0x9A, 'š'),
    (0x9B, '›'),
    (0x9C, 'œ'),
    (0x9E, 'ž'),
    (0x9F, 'Ÿ'),
];

/// ISO-8859-7 characters of the bytes 0xA0–0xFF (0xAE, 0xD2 and 0xFF are undefined).
static HIGH: LazyLock<Vec<(u8, char)>> = LazyLock::new(|| {
    let mut v = vec![
        (0xA0, '\u{A0}'),
        (0xA1, '‘'),
        (0xA2, '’'),
        (0xA3, '£'),
        (0xA4, '€'),
        (0xA5, '₯'),
        (0xA6, '¦'),
        (0xA7, '§'),
        (0xA8, '¨'),
        (0xA9, '©'),
        (0xAA, 'ͺ'),
        (0xAB, '«'),
        (0xAC, '¬'),
        (0xAD, '\u{AD}'),
        (0xAF, '―'),
        (0xB0, '°'),
        (0xB1, '±'),
        (0xB2, '²'),
        (0xB3, '³'),
        (0xB7, '·'),
        (0xBB, '»'),
        (0xBD, '½'),
    ];
    for b in 0xB4u8..=0xFE {
        if matches!(b, 0xB7 | 0xBB | 0xBD | 0xD2) {
            continue;
        }
        let c = char::from_u32(0x384 + u32::from(b - 0xB4)).expect("Greek block");
        v.push((b, c));
    }
    v
});

/// Bytes undefined in Windows-1252: the damage dropped them, so a sequence can be one short.
const LOST: [u8; 5] = [0x81, 0x8D, 0x8F, 0x90, 0x9D];

/// How many bytes a UTF-8 sequence with this lead byte has (0: not a lead byte).
fn sequence_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 0,
    }
}

/// How likely a decoded character is to be what the author wrote. Ties between the readings of
/// an ambiguous byte are broken in favour of the characters guides actually use.
fn plausibility(c: char) -> u32 {
    const COMMON: &str = "•→←↑↓↔─│┌┐└┘├┤┬┴┼═║✓✗✔✘✅❌⚠⚡★–—…‘’“”°×±μθπ±≤≥≠≈∞€£";
    let u = u32::from(c);
    if COMMON.contains(c) {
        return 10;
    }
    match u {
        0x2500..=0x257F | 0x2190..=0x21FF => 6,
        0x2000..=0x206F | 0x2700..=0x27BF | 0x2600..=0x26FF | 0x1F300..=0x1FAFF => 5,
        0x25A0..=0x25FF | 0x2200..=0x22FF | 0x2100..=0x214F | 0x20A0..=0x20CF => 4,
        0xA1..=0xFF | 0x370..=0x3FF => 3,
        0x80..=0x9F => 0,
        _ => 1,
    }
}

/// Decodes one candidate byte sequence into a single plausible character.
fn decode_one(bytes: &[u8]) -> Option<(char, u32)> {
    let s = std::str::from_utf8(bytes).ok()?;
    let mut chars = s.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    let score = plausibility(c);
    (score > 0).then_some((c, score))
}

/// The best reading of a lead byte plus continuation characters, trying each byte an
/// ambiguous character may stand for.
fn best_reading(lead: u8, conts: &[char], extra: Option<u8>) -> Option<(char, u32)> {
    let options: Vec<Vec<u8>> = conts
        .iter()
        .map(|&c| {
            bytes_of(c)
                .iter()
                .copied()
                .filter(|b| (0x80..=0xBF).contains(b))
                .collect()
        })
        .collect();
    if options.iter().any(Vec::is_empty) {
        return None;
    }
    let mut best: Option<(char, u32)> = None;
    let combos: usize = options.iter().map(Vec::len).product();
    for mut k in 0..combos {
        let mut bytes = vec![lead];
        for opt in &options {
            bytes.push(opt[k % opt.len()]);
            k /= opt.len();
        }
        bytes.extend(extra);
        if let Some((c, score)) = decode_one(&bytes)
            && best.is_none_or(|(_, s)| score > s)
        {
            best = Some((c, score));
        }
    }
    best
}

/// Repairs the mojibake runs of one line; returns the line and the number of runs fixed.
pub fn fix_mojibake(line: &str) -> (String, usize) {
    // Fast path: every mojibake run starts with a Greek capital or small letter.
    if !line.chars().any(|c| ('\u{392}'..='\u{3C4}').contains(&c)) {
        return (line.to_string(), 0);
    }
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut runs = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let lead = bytes_of(c).first().copied().unwrap_or(0);
        let len = if ('\u{392}'..='\u{3C4}').contains(&c) {
            sequence_len(lead)
        } else {
            0
        };
        if len == 0 {
            out.push(c);
            i += 1;
            continue;
        }
        let available = chars[i + 1..]
            .iter()
            .take(len - 1)
            .take_while(|&&n| bytes_of(n).iter().any(|b| (0x80..=0xBF).contains(b)))
            .count();
        let conts = &chars[i + 1..i + 1 + available];
        let reading = if available == len - 1 {
            best_reading(lead, conts, None)
        } else if available == len - 2 && available > 0 {
            // One byte lost at the end: try each byte the damage drops, and keep only a
            // character that guides really use (box corners, mostly).
            LOST.iter()
                .filter_map(|&b| best_reading(lead, conts, Some(b)))
                .filter(|&(_, score)| score >= 6)
                .max_by_key(|&(_, score)| score)
        } else {
            None
        };
        match reading {
            Some((fixed, _)) => {
                out.push(fixed);
                runs += 1;
                i += 1 + available;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    (out, runs)
}

/// Code points that a later, partial repair of the damage shifted by 0x10 (an A1/A2 byte
/// turned into 91/92): valid characters, but not the ones meant. Mapped only in documents that
/// carry the mojibake, since elsewhere they may be meant.
fn unshift(line: &str) -> String {
    const SHIFTED: [(char, char); 4] = [
        ('\u{1F7D0}', '\u{1F7E0}'),
        ('\u{1F7D1}', '\u{1F7E1}'),
        ('\u{1F7D2}', '\u{1F7E2}'),
        ('\u{2691}', '\u{26A1}'),
    ];
    if !line
        .chars()
        .any(|c| SHIFTED.iter().any(|(from, _)| *from == c))
    {
        return line.to_string();
    }
    line.chars()
        .map(|c| {
            SHIFTED
                .iter()
                .find(|(from, _)| *from == c)
                .map_or(c, |(_, to)| *to)
        })
        .collect()
}

/// Expands a block that was escaped into one line: `\n` become line breaks, `\"` and `\\`
/// their characters.
fn unescape_block(line: &str) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            lines.last_mut().expect("never empty").push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('n') => {
                chars.next();
                lines.push(String::new());
            }
            Some('t') => {
                chars.next();
                lines.last_mut().expect("never empty").push('\t');
            }
            Some(q @ ('"' | '\'' | '\\')) => {
                chars.next();
                lines.last_mut().expect("never empty").push(q);
            }
            _ => lines.last_mut().expect("never empty").push('\\'),
        }
    }
    lines
}

/// Inserts the space lost between two sentences or paragraphs: `done.Next`, `work?It`,
/// `said.”Then`. Dotted names (`os.Path`, `typing.List`) and abbreviations stay as they are:
/// the left side must be a lowercase word (or a closing bracket or quote) and the right side a
/// capitalised word followed by more words.
pub fn unglue(text: &str) -> String {
    glue_points(text)
        .into_iter()
        .rev()
        .fold(text.to_string(), |mut s, at| {
            s.insert(at, ' ');
            s
        })
}

/// Byte offsets where a space was lost between two sentences (see `unglue`).
pub fn glue_points(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut points = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        if !matches!(c, b'.' | b'?' | b'!') || i == 0 {
            continue;
        }
        // Right side: a capitalised word of lowercase letters, then a space and a word.
        let rest = &text[i + 1..];
        let mut r = rest.char_indices();
        let starts_upper = matches!(r.next(), Some((_, ch)) if ch.is_uppercase());
        if !starts_upper {
            continue;
        }
        let word_end = rest
            .char_indices()
            .skip(1)
            .find(|(_, ch)| !ch.is_lowercase())
            .map_or(rest.len(), |(k, _)| k);
        let after = &rest[word_end..];
        if !(after.starts_with(' ') || after.starts_with(':') || after.starts_with(',')) {
            continue;
        }
        // Left side: a lowercase word of two or more letters, or a closing bracket or quote.
        let before = &text[..i];
        let last = before.chars().next_back().expect("i > 0");
        let left_ok = if matches!(last, ')' | '”' | '"' | '\'' | '’' | ']') {
            true
        } else {
            let word: String = before
                .chars()
                .rev()
                .take_while(|ch| ch.is_alphanumeric() || *ch == '_' || *ch == '.')
                .collect();
            // A one-letter word after a period only when it is "A" or "I".
            let one_letter_ok = word_end > 1 || rest.starts_with(['A', 'I']);
            // An acronym ends a sentence as a lowercase word does (`the WAL.Readers`); a
            // dotted one (`U.S.`) is not.
            let cased = word.chars().all(|ch| ch.is_lowercase())
                || word.chars().all(|ch| ch.is_ascii_uppercase());
            word.chars().count() >= 2 && cased && (c != b'.' || one_letter_ok)
        };
        if left_ok {
            points.push(i + 1);
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Damages text the way the scraper did: UTF-8 bytes read as ISO-8859-7 / Windows-1252.
    fn damage(s: &str) -> String {
        s.bytes()
            .map(|b| {
                if b < 0x80 {
                    b as char
                } else {
                    C1.iter()
                        .chain(HIGH.iter())
                        .find(|(x, _)| *x == b)
                        .map(|(_, c)| *c)
                        .unwrap_or('\u{FFFD}')
                }
            })
            .filter(|&c| c != '\u{FFFD}')
            .collect()
    }

    #[test]
    fn damaged_runs_are_repaired_next_to_clean_ones() {
        let clean = "CPU → processes ✅ │ done • 5 °C × 2 μs ─┐";
        let mixed = format!("{} │ kept └── ok", damage(clean));
        let (fixed, runs) = fix_mojibake(&mixed);
        assert_eq!(fixed, format!("{clean} │ kept └── ok"));
        assert!(runs >= 9, "{runs}");
    }

    #[test]
    fn ambiguous_bytes_prefer_the_characters_guides_use() {
        // `’` stands for 0x92 in an arrow and 0xA2 in a bullet.
        assert_eq!(fix_mojibake(&damage("→")).0, "→");
        assert_eq!(fix_mojibake(&damage("•")).0, "•");
    }

    #[test]
    fn a_box_corner_that_lost_its_last_byte_is_restored() {
        let damaged = damage("┌──┐");
        assert_eq!(damaged.chars().count(), 11, "the 0x90 byte is lost");
        assert_eq!(fix_mojibake(&damaged).0, "┌──┐");
    }

    #[test]
    fn greek_text_is_left_alone() {
        let greek = "Η γλώσσα β-reduction και ΑΒΓ";
        assert_eq!(fix_mojibake(greek), (greek.to_string(), 0));
    }

    #[test]
    fn shifted_difficulty_dots_are_mapped_only_in_damaged_documents() {
        let damaged = format!("{}\nDifficulty: \u{1F7D1} Medium", damage("→"));
        let (lines, r) = repair(&damaged);
        assert_eq!(r.mojibake_runs, 1);
        assert_eq!(lines[1].text, "Difficulty: \u{1F7E1} Medium");
        let (clean, _) = repair("Difficulty: \u{1F7D1} Medium");
        assert_eq!(clean[0].text, "Difficulty: \u{1F7D1} Medium");
    }

    #[test]
    fn an_escaped_block_becomes_lines_with_the_same_number() {
        let block = format!(
            "first\nsql{}",
            "\\n SELECT 1;".repeat(10) + "\\n say \\\"hi\\\""
        );
        let (lines, r) = repair(&block);
        assert_eq!(r.escaped_blocks, 1);
        assert_eq!(lines.len(), 1 + 12);
        assert!(lines[1..].iter().all(|l| l.no == 2));
        assert_eq!(lines.last().unwrap().text, " say \"hi\"");
        let (code, r) = repair("print(\"a\\nb\")");
        assert_eq!(
            (code[0].text.as_str(), r.escaped_blocks),
            ("print(\"a\\nb\")", 0)
        );
    }

    #[test]
    fn glued_sentences_get_their_space_back() {
        assert_eq!(
            unglue("rows are locked.Readers wait for them"),
            "rows are locked. Readers wait for them"
        );
        assert_eq!(
            unglue("Why does it block?It waits"),
            "Why does it block? It waits"
        );
        assert_eq!(unglue("(see above).Then we"), "(see above). Then we");
        assert_eq!(
            unglue("flushed to the WAL.Replicas read it"),
            "flushed to the WAL. Replicas read it"
        );
        // Dotted names followed by a bracket or written in camel case are kept; a dotted name
        // followed by prose ("typing.List here") cannot be told from a glued sentence.
        for kept in [
            "typing.List[int]",
            "pd.DataFrame here",
            "os.Path(p)",
            "e.g. Rust",
            "v1.Two",
        ] {
            assert_eq!(unglue(kept), kept);
        }
    }
}
