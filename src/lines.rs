//! Input read line by line as bytes, for input that may be huge or not UTF-8 (`viva grade`,
//! `regrade --batch-in`, config files): a line over the cap is read through without being kept,
//! so memory stays flat, and a line that is not UTF-8 is reported by its number while the lines
//! after it are still read.

use std::io::BufRead;

/// The longest line kept: room for a 64 KB answer with every character escaped in JSON, or a
/// capped model reply inside a batch result line.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// One line of input (without its `\n` or `\r\n`), or why it cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(String),
    NotUtf8,
    /// Longer than the cap; its bytes were skipped.
    TooLong,
}

impl Line {
    /// The line's text, or the reason to report against its number.
    pub fn text(self) -> Result<String, String> {
        match self {
            Line::Text(t) => Ok(t),
            Line::NotUtf8 => Err("not UTF-8".into()),
            Line::TooLong => Err(format!("longer than {} KB", MAX_LINE_BYTES / 1024)),
        }
    }
}

/// The lines of `input`, numbered from 1.
pub fn lines(input: &mut dyn BufRead) -> impl Iterator<Item = std::io::Result<(usize, Line)>> {
    let mut number = 0;
    std::iter::from_fn(move || {
        number += 1;
        next_line(input, MAX_LINE_BYTES)
            .transpose()
            .map(|l| l.map(|l| (number, l)))
    })
}

fn next_line(input: &mut dyn BufRead, cap: usize) -> std::io::Result<Option<Line>> {
    let mut kept = Vec::new();
    let (mut read_any, mut too_long) = (false, false);
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            break;
        }
        read_any = true;
        let end = available.iter().position(|&b| b == b'\n');
        let piece = &available[..end.unwrap_or(available.len())];
        too_long |= kept.len() + piece.len() > cap;
        if too_long {
            kept = Vec::new();
        } else {
            kept.extend_from_slice(piece);
        }
        let used = end.map_or(available.len(), |e| e + 1);
        input.consume(used);
        if end.is_some() {
            break;
        }
    }
    if !read_any {
        return Ok(None);
    }
    if too_long {
        return Ok(Some(Line::TooLong));
    }
    if kept.last() == Some(&b'\r') {
        kept.pop();
    }
    Ok(Some(
        String::from_utf8(kept).map_or(Line::NotUtf8, Line::Text),
    ))
}

/// `bytes` as text, or the 1-based line of the first byte that is not UTF-8.
pub fn utf8(bytes: &[u8]) -> Result<&str, usize> {
    std::str::from_utf8(bytes).map_err(|e| {
        1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8], cap: usize) -> Vec<Line> {
        let mut input = std::io::BufReader::with_capacity(4, bytes);
        std::iter::from_fn(|| next_line(&mut input, cap).unwrap()).collect()
    }

    #[test]
    fn bad_and_long_lines_are_reported_and_the_rest_still_read() {
        let lines = read(b"ab\r\n\xff\xfe\n0123456789\nlast", 8);
        assert_eq!(
            lines,
            [
                Line::Text("ab".into()),
                Line::NotUtf8,
                Line::TooLong,
                Line::Text("last".into())
            ]
        );
    }

    #[test]
    fn the_line_of_the_first_bad_byte() {
        assert_eq!(utf8(b"a\nb\n\xffc"), Err(3));
        assert_eq!(utf8(b"a\nb"), Ok("a\nb"));
    }
}
