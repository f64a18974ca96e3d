//! The one rule for text that came from outside (answers, bank files, imported guides, model
//! replies) on its way to a terminal or a Markdown file: a terminal obeys control characters
//! and escape sequences, so an answer or a reply could set the window title (OSC 0), write the
//! clipboard (OSC 52), clear the screen or blink. Escape sequences are dropped whole, other
//! C0/C1 control characters and DEL dropped, newlines and tabs kept; bidi overrides and isolates
//! (which reorder what is shown, hiding what text says) are dropped too.
//!
//! On the terminal the filter runs over everything written (`term::stdout`), so no rendering
//! path can forget it; there it lets through only the SGR styles viva itself writes.

use std::borrow::Cow;

/// Characters that change how a terminal or a bidi-aware viewer shows the text around them.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `text` with every escape sequence and unsafe character removed.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut filter = Filter::new(false);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        filter.push(c, &mut out);
    }
    Cow::Owned(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    /// After ESC.
    Escape,
    /// ESC followed by intermediates (0x20–0x2f), waiting for the final byte.
    EscapeMore,
    /// Inside a CSI sequence, kept in `held` until its final byte.
    Csi,
    /// Inside an OSC, DCS, SOS, PM or APC string, up to BEL or ST.
    Str,
    /// ESC inside such a string: `\` ends it.
    StrEscape,
}

/// The sanitiser as a stream: characters go in one at a time (a sequence may be split between
/// writes), safe ones come out.
pub struct Filter {
    /// Let through the SGR styles viva writes (bold, dim, the 16 foreground colours, resets).
    styles: bool,
    state: State,
    held: String,
}

impl Filter {
    pub fn new(styles: bool) -> Filter {
        Filter {
            styles,
            state: State::Text,
            held: String::new(),
        }
    }

    /// Feeds one character; what may be shown is appended to `out`.
    pub fn push(&mut self, c: char, out: &mut String) {
        match self.state {
            State::Text => self.text(c, out),
            State::Escape => match c {
                '[' => {
                    self.held.push(c);
                    self.state = State::Csi;
                }
                ']' | 'P' | 'X' | '^' | '_' => self.state = State::Str,
                '\u{20}'..='\u{2f}' => self.state = State::EscapeMore,
                '\u{30}'..='\u{7e}' => self.state = State::Text,
                _ => self.abort(c, out),
            },
            State::EscapeMore => match c {
                '\u{20}'..='\u{2f}' => {}
                '\u{30}'..='\u{7e}' => self.state = State::Text,
                _ => self.abort(c, out),
            },
            State::Csi => match c {
                '\u{20}'..='\u{3f}' => self.held.push(c),
                '\u{40}'..='\u{7e}' => {
                    if self.styles && c == 'm' && own_style(&self.held[2..]) {
                        out.push_str(&self.held);
                        out.push(c);
                    }
                    self.held.clear();
                    self.state = State::Text;
                }
                _ => self.abort(c, out),
            },
            State::Str => match c {
                '\u{7}' | '\u{9c}' => self.state = State::Text,
                '\u{1b}' => self.state = State::StrEscape,
                // An unterminated string must not swallow the rest of the output.
                '\n' => self.abort(c, out),
                _ => {}
            },
            State::StrEscape => match c {
                '\\' => self.state = State::Text,
                _ => self.abort(c, out),
            },
        }
    }

    fn text(&mut self, c: char, out: &mut String) {
        match c {
            '\u{1b}' => {
                self.held.push(c);
                self.state = State::Escape;
            }
            '\u{9b}' => {
                self.held.push_str("\u{1b}[");
                self.state = State::Csi;
            }
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => self.state = State::Str,
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }

    /// A sequence broken off by a character that cannot be part of it: dropped, and the
    /// character read as text.
    fn abort(&mut self, c: char, out: &mut String) {
        self.held.clear();
        self.state = State::Text;
        self.text(c, out);
    }
}

/// SGR parameters viva's own styles use (`term::TITLE` … `term::ACCENT` and their resets).
fn own_style(params: &str) -> bool {
    params.split(';').all(|p| {
        p.is_empty()
            || p.parse::<u8>()
                .is_ok_and(|n| matches!(n, 0..=2 | 22 | 39 | 30..=37 | 90..=97))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styled(text: &str) -> String {
        let mut f = Filter::new(true);
        let mut out = String::new();
        text.chars().for_each(|c| f.push(c, &mut out));
        out
    }

    #[test]
    fn escapes_and_controls_go_newlines_and_tabs_stay() {
        let hostile = "a\u{1b}]0;title\u{7}b\u{1b}]52;c;aGk=\u{1b}\\c\u{1b}[2J\u{1b}[5md\r\u{8}\u{9b}31me\u{85}\n\tf\u{7f}";
        assert_eq!(clean(hostile), "abcde\n\tf");
    }

    #[test]
    fn bidi_overrides_and_isolates_go() {
        assert_eq!(clean("x\u{202e}gpj.exe\u{2066}y\u{2069}"), "xgpj.exey");
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(clean("plain ✓ text\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_terminal_keeps_own_styles_only() {
        let own = format!(
            "{}ok{}",
            crate::term::ACCENT,
            crate::term::ACCENT.render_reset()
        );
        assert_eq!(styled(&own), own);
        assert_eq!(
            styled("\u{1b}[5mblink\u{1b}[0m\u{1b}[48;5;1mbg"),
            "blink\u{1b}[0mbg"
        );
    }

    #[test]
    fn an_unterminated_string_ends_at_the_line() {
        assert_eq!(clean("\u{1b}]0;never ended\nnext"), "\nnext");
    }
}
