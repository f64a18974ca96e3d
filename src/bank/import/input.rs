//! What is not a guide: files that are not text (images, PDFs, archives, random bytes) are
//! refused before any layout reads them, because lossily decoded bytes are full of short
//! "lines" that look like titles. Text with a trace of damage (a few bytes that are not UTF-8,
//! a stray escape sequence) is accepted: the bad bytes are replaced and the controls removed
//! by `repair`, and the caller says so.

use std::fmt;

/// Why a file is not read as a guide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAGuide {
    /// A file format recognised by its first bytes.
    Format(&'static str),
    /// A NUL byte: binary data.
    Binary { offset: usize },
    /// Too many bytes that are not UTF-8.
    NotText { bad_bytes: usize, total: usize },
    /// Too many control characters (terminal escapes, binary data read as text).
    Controls {
        count: usize,
        first_line: usize,
        first: char,
    },
}

impl fmt::Display for NotAGuide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotAGuide::Format(name) => write!(
                f,
                "this is {name}, not a text guide; save the guide as text, Markdown or HTML first"
            ),
            NotAGuide::Binary { offset } => write!(
                f,
                "binary data (a NUL byte at byte {offset}), not a text guide"
            ),
            NotAGuide::NotText { bad_bytes, total } => write!(
                f,
                "not text: {bad_bytes} of its {total} bytes are not UTF-8"
            ),
            NotAGuide::Controls {
                count,
                first_line,
                first,
            } => write!(
                f,
                "{count} control characters (the first, U+{:04X}, on line {first_line}); \
                 a guide is plain text",
                u32::from(*first)
            ),
        }
    }
}

/// File formats that are never guides, by their first bytes.
const SIGNATURES: &[(&[u8], &str)] = &[
    (b"%PDF-", "a PDF"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xFF\xD8\xFF", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (
        b"PK\x03\x04",
        "a ZIP archive (or a Word or OpenDocument file)",
    ),
    (b"\x1F\x8B", "a gzip archive"),
    (b"\x7FELF", "a program"),
    (b"\xD0\xCF\x11\xE0", "an old Office document"),
];

/// More bytes that are not UTF-8 than this share, and the file is not text.
const MAX_BAD_SHARE: f64 = 0.01;
/// More control characters than this share of characters, and the file is not a guide.
const MAX_CONTROL_SHARE: f64 = 0.02;

/// Up to this many bad bytes or controls are a trace of damage, whatever the file's size.
const MIN_COUNT: usize = 4;

/// A control character that has no place in a guide: C0 and C1 controls other than tab, line
/// feed, carriage return and form feed, and DEL.
fn is_stray_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')
}

/// The text of a guide, or why the bytes are not one. The text may still hold replacement
/// characters and a few controls (see the module comment); the count of replaced bytes is
/// returned so the caller can say so.
pub fn guide_text(bytes: &[u8]) -> Result<(String, usize), NotAGuide> {
    if let Some((_, name)) = SIGNATURES.iter().find(|(sig, _)| bytes.starts_with(sig)) {
        return Err(NotAGuide::Format(name));
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(NotAGuide::Binary { offset });
    }
    let (text, bad_bytes) = match String::from_utf8(bytes.to_vec()) {
        Ok(t) => (t, 0),
        Err(e) => {
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let bad = text.matches('\u{FFFD}').count();
            (text, bad)
        }
    };
    if bad_bytes > MIN_COUNT && bad_bytes as f64 > MAX_BAD_SHARE * bytes.len() as f64 {
        return Err(NotAGuide::NotText {
            bad_bytes,
            total: bytes.len(),
        });
    }
    let mut count = 0;
    let mut first = None;
    let mut chars = 0usize;
    for (no, line) in text.split('\n').enumerate() {
        for c in line.chars() {
            chars += 1;
            if is_stray_control(c) {
                count += 1;
                first.get_or_insert((no + 1, c));
            }
        }
    }
    if let Some((first_line, first)) = first
        && count > MIN_COUNT
        && count as f64 > MAX_CONTROL_SHARE * chars as f64
    {
        return Err(NotAGuide::Controls {
            count,
            first_line,
            first,
        });
    }
    Ok((text, bad_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_binary_and_control_noise_are_refused() {
        assert_eq!(
            guide_text(b"%PDF-1.4\n1 0 obj\n"),
            Err(NotAGuide::Format("a PDF"))
        );
        assert!(matches!(
            guide_text(b"What is X?\n\0\0"),
            Err(NotAGuide::Binary { offset: 11 })
        ));
        let noisy: Vec<u8> = (0..400u32)
            .map(|i| if i % 10 == 0 { 0x1b } else { b'a' })
            .collect();
        assert!(matches!(
            guide_text(&noisy),
            Err(NotAGuide::Controls { .. })
        ));
    }

    #[test]
    fn text_with_a_trace_of_damage_is_read() {
        let mut text = "## What is a caf\u{e9}?\n".repeat(20).into_bytes();
        text.push(0xE9);
        let (t, bad) = guide_text(&text).unwrap();
        assert_eq!(bad, 1);
        assert!(t.ends_with('\u{FFFD}'));
        let escaped = format!(
            "{}\u{1b}[1mbold\u{1b}[0m\n",
            "A long line of prose. ".repeat(10)
        );
        assert!(guide_text(escaped.as_bytes()).is_ok());
    }
}
