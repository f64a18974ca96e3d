//! The terminal as the output sees it: colours (stripped by anstream when NO_COLOR is set or
//! the output is not a terminal), the width to wrap to, a word-wrapping writer and a spinner.
//! Rendering writes ANSI styles freely; whether they reach the screen is decided here, once,
//! and so is what else may: only viva's own styles, never a sequence from the text shown.

mod sanitize;
mod spinner;
mod wrap;

use std::io::{self, IsTerminal, Write};

use anstyle::{AnsiColor, Style};

pub use sanitize::{clean, is_unsafe};
pub use spinner::Spinner;
pub use wrap::Wrap;

pub const TITLE: Style = Style::new().bold();
pub const DIM: Style = Style::new().dimmed();
pub const GOOD: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
pub const PARTLY: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
pub const BAD: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
pub const CODE: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));
pub const ACCENT: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Blue)));

/// `text` in `style`, reset after.
pub fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// Inline `code` spans and ``` fenced blocks of a text in the code style. A span's backticks
/// are Markdown, not text, so the style replaces them. Fence lines stay, so the wrapping writer
/// knows not to wrap what is between them.
pub fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fenced = false;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            out.push_str(&paint(DIM, line));
        } else if fenced {
            out.push_str(&paint(CODE, line));
        } else {
            let mut parts = line.split('`');
            out.push_str(parts.next().unwrap_or(""));
            let rest: Vec<&str> = parts.collect();
            // An unpaired backtick is text, not the start of a span.
            let pairs = rest.len() / 2 * 2;
            for (k, part) in rest.iter().enumerate() {
                if k < pairs && k % 2 == 0 {
                    out.push_str(&paint(CODE, part));
                } else if k < pairs {
                    out.push_str(part);
                } else {
                    out.push('`');
                    out.push_str(part);
                }
            }
        }
    }
    out
}

/// The width of the terminal on stdout, when stdout is one and says.
pub fn width() -> Option<usize> {
    if !io::stdout().is_terminal() {
        return None;
    }
    terminal_columns()
}

#[cfg(unix)]
fn terminal_columns() -> Option<usize> {
    // SAFETY: TIOCGWINSZ fills the winsize struct we pass and touches nothing else.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

#[cfg(not(unix))]
fn terminal_columns() -> Option<usize> {
    std::env::var("COLUMNS").ok()?.parse().ok()
}

/// True when both output streams are terminals: where a spinner or a timer may draw.
pub fn interactive() -> bool {
    io::stdout().is_terminal() && io::stderr().is_terminal()
}

/// stdout as every command writes to it: wrapped to the terminal width on a terminal, and with
/// colours only where they are wanted.
pub fn stdout() -> impl Write {
    Wrap::new(anstream::AutoStream::auto(io::stdout()), width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> String {
        anstream::adapter::strip_str(s).to_string()
    }

    #[test]
    fn code_spans_are_styled_without_their_backticks_and_fences_stay() {
        let text = "use `dict.get` here\n```python\nx = 1\n```\nand a lone ` tick";
        let styled = code(text);
        assert_eq!(
            plain(&styled),
            "use dict.get here\n```python\nx = 1\n```\nand a lone ` tick"
        );
        assert!(styled.contains(&paint(CODE, "dict.get")));
        assert!(styled.contains(&paint(CODE, "x = 1")));
    }
}
