//! Saved web pages: HTML becomes the plain lines the layout readers know. Headings become ATX
//! headings, list items bullets (numbered in `<ol>`), table rows pipe rows, `<pre>` blocks
//! indented code and `<code>` spans backticks; navigation, scripts, styles, forms and page
//! footers are dropped. Each line keeps the source line it started on, so questions are
//! reported where they are in the file.
//!
//! html5ever's tokenizer reads the markup (character references, raw-text elements, broken
//! tags as browsers read them); the page is not built into a tree, because the readers need
//! only the order of blocks and their text.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, CharacterTokens, EndTag, StartTag, Tag, TagToken, Token, TokenSink,
    TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Whether a text is an HTML page rather than text that mentions tags: it opens with a
/// doctype or an `<html>`, `<head>` or `<body>` element.
pub fn is_html(text: &str) -> bool {
    let head: String = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || ((head.starts_with("<html") || head.starts_with("<!--") || head.starts_with("<head"))
            && (head.contains("<html") || head.contains("<head") || head.contains("<body")))
}

/// Elements whose content is page furniture, never part of a guide.
const DROPPED: &[&str] = &[
    "head", "script", "style", "noscript", "template", "nav", "footer", "aside", "form", "button",
    "select", "iframe", "svg", "canvas", "dialog",
];

/// Elements that start and end a line of their own.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "blockquote",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "figure",
    "figcaption",
    "details",
    "summary",
    "hr",
    "body",
];

#[derive(Default)]
struct State {
    out: Vec<(usize, String)>,
    line: String,
    line_no: usize,
    /// Depth inside dropped elements.
    dropped: usize,
    /// Inside `<pre>`: text keeps its line breaks and is indented as code.
    pre: usize,
    /// Open lists: whether numbered, and the next number.
    lists: Vec<(bool, usize)>,
    /// Cells of the table row being read, and whether the row is a header row.
    row: Option<(Vec<String>, bool)>,
    /// Whether the table being read has had its header separator written.
    table_header_done: bool,
    cell: Option<String>,
}

impl State {
    fn flush(&mut self) {
        let text = self.line.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() {
            self.out.push((self.line_no, text));
        }
        self.line.clear();
    }

    fn blank(&mut self, no: usize) {
        self.flush();
        if self.out.last().is_some_and(|(_, t)| !t.is_empty()) {
            self.out.push((no, String::new()));
        }
    }

    fn text(&mut self, s: &str, no: usize) {
        if let Some(cell) = &mut self.cell {
            cell.push_str(s);
            return;
        }
        if self.pre > 0 {
            // Code keeps its lines and indentation; each line is indented as code.
            for (k, part) in s.split('\n').enumerate() {
                if k > 0 {
                    self.push_code_line(no);
                }
                self.line.push_str(part);
            }
            return;
        }
        if self.line.trim().is_empty() {
            self.line_no = no;
        }
        self.line.push_str(s);
    }

    fn push_code_line(&mut self, no: usize) {
        let code = std::mem::take(&mut self.line);
        if !code.trim().is_empty() {
            self.out.push((no, format!("    {}", code.trim_end())));
        }
    }

    fn start(&mut self, tag: &Tag, no: usize) {
        let name = tag.name.as_ref();
        match name {
            "br" if self.pre == 0 => self.flush(),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.blank(no);
                let level = usize::from(name.as_bytes()[1] - b'0');
                self.line_no = no;
                self.line = format!("{} ", "#".repeat(level));
            }
            "li" => {
                self.flush();
                let depth = self.lists.len().max(1);
                let marker = match self.lists.last_mut() {
                    Some((true, n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "- ".to_string(),
                };
                self.line_no = no;
                self.line = format!("{}{marker}", "  ".repeat(depth - 1));
            }
            "ul" | "ol" => {
                if self.lists.is_empty() {
                    self.blank(no);
                } else {
                    self.flush();
                }
                self.lists.push((name == "ol", 1));
            }
            "pre" => {
                self.blank(no);
                self.pre += 1;
            }
            "code" if self.pre == 0 => self.text("`", no),
            "table" => {
                self.blank(no);
                self.table_header_done = false;
            }
            "tr" => {
                self.flush();
                self.line_no = no;
                self.row = Some((Vec::new(), true));
            }
            "td" | "th" => {
                if let Some((_, header)) = &mut self.row {
                    *header &= name == "th";
                }
                self.cell = Some(String::new());
            }
            _ if BLOCKS.contains(&name) => self.blank(no),
            _ => {}
        }
    }

    fn end(&mut self, tag: &Tag, no: usize) {
        let name = tag.name.as_ref();
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "pre" => {
                if name == "pre" {
                    self.push_code_line(no);
                    self.pre = self.pre.saturating_sub(1);
                }
                self.blank(no);
            }
            "li" => self.flush(),
            "ul" | "ol" => {
                self.lists.pop();
                if self.lists.is_empty() {
                    self.blank(no);
                } else {
                    self.flush();
                }
            }
            "code" if self.pre == 0 => self.text("`", no),
            "td" | "th" => {
                if let (Some(cell), Some((cells, _))) = (self.cell.take(), &mut self.row) {
                    let text = cell.split_whitespace().collect::<Vec<_>>().join(" ");
                    cells.push(text.replace('|', "\\|"));
                }
            }
            "tr" => {
                if let Some((cells, header)) = self.row.take()
                    && !cells.is_empty()
                {
                    let no = self.line_no;
                    self.out.push((no, format!("| {} |", cells.join(" | "))));
                    if !self.table_header_done {
                        // Pipe tables need a separator under their first row.
                        let sep = vec!["---"; cells.len()].join("|");
                        if header {
                            self.out.push((no, format!("|{sep}|")));
                        } else {
                            let n = self.out.len();
                            self.out.insert(
                                n - 1,
                                (no, format!("| {} |", vec![""; cells.len()].join(" | "))),
                            );
                            self.out.insert(n, (no, format!("|{sep}|")));
                        }
                        self.table_header_done = true;
                    }
                }
            }
            _ if BLOCKS.contains(&name) => self.blank(no),
            _ => {}
        }
    }
}

struct Sink {
    state: RefCell<State>,
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, line_number: u64) -> TokenSinkResult<()> {
        let no = usize::try_from(line_number).unwrap_or(usize::MAX);
        let mut st = self.state.borrow_mut();
        match token {
            TagToken(tag) => {
                let name = tag.name.as_ref();
                let raw = match name {
                    "script" => Some(RawKind::ScriptData),
                    "style" | "xmp" | "iframe" | "noembed" | "noframes" => Some(RawKind::Rawtext),
                    "textarea" | "title" => Some(RawKind::Rcdata),
                    _ => None,
                };
                let dropped = DROPPED.contains(&name) || raw.is_some();
                match tag.kind {
                    StartTag if dropped => {
                        if !tag.self_closing {
                            st.dropped += 1;
                        }
                        if let Some(kind) = raw {
                            return TokenSinkResult::RawData(kind);
                        }
                    }
                    EndTag if dropped => st.dropped = st.dropped.saturating_sub(1),
                    _ if st.dropped > 0 => {}
                    StartTag => st.start(&tag, no),
                    EndTag => st.end(&tag, no),
                }
            }
            CharacterTokens(text) if st.dropped == 0 => st.text(&text, no),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The page as numbered lines of text.
pub fn to_lines(page: &str) -> Vec<(usize, String)> {
    let sink = Sink {
        state: RefCell::new(State {
            line_no: 1,
            ..State::default()
        }),
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(page));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let mut st = tokenizer.sink.state.into_inner();
    st.flush();
    st.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_become_lines_and_furniture_goes() {
        let page = "<!DOCTYPE html>\n<html><head><title>T</title><style>p{}</style></head>\n\
            <body><nav><a href='/'>Why sign up?</a></nav>\n<h2>How does <code>defer</code> work?</h2>\n\
            <p>It runs &amp; returns.</p>\n<ol><li>What is a slice?</li><li>Explain maps.</li></ol>\n\
            <pre><code>if x {\n  y()\n}</code></pre>\n<script>var q = 'What?';</script>\n\
            <table><tr><th>Question</th><th>Level</th></tr><tr><td>What is Go?</td><td>Easy</td></tr></table>\n\
            <footer>What do we store?</footer></body></html>";
        assert!(is_html(page));
        let lines: Vec<String> = to_lines(page).into_iter().map(|(_, t)| t).collect();
        let text = lines.join("\n");
        assert!(text.contains("## How does `defer` work?"), "{text}");
        assert!(text.contains("It runs & returns."), "{text}");
        assert!(
            text.contains("1. What is a slice?\n2. Explain maps."),
            "{text}"
        );
        assert!(text.contains("    if x {\n      y()\n    }"), "{text}");
        assert!(
            text.contains("| Question | Level |\n|---|---|\n| What is Go? | Easy |"),
            "{text}"
        );
        for gone in ["sign up", "var q", "p{}", "store"] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
        assert!(!is_html(
            "A guide that mentions <html> tags.\nWhat is a tag?"
        ));
    }

    #[test]
    fn lines_keep_their_source_line() {
        let page =
            "<html>\n<body>\n<h3>What is a goroutine?</h3>\n<p>A cheap thread.</p>\n</body></html>";
        let lines = to_lines(page);
        let heading = lines.iter().find(|(_, t)| t.starts_with("###")).unwrap();
        assert_eq!(heading.0, 3);
    }
}
