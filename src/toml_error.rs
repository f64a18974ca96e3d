//! Where a TOML error is: the line, and the field when one can be named. The `toml` crate gives a
//! byte span and a message; serde's messages name the field only for unknown, missing and
//! duplicate keys, so for a value of the wrong type we read the key off the line the span
//! points into. Bank files and config.toml both report through this.

/// A TOML error, positioned for a person editing the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// 1-based.
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

pub fn locate(text: &str, err: &toml::de::Error) -> Located {
    let message = err.message().trim().to_string();
    let span_start = err.span().map(|s| s.start.min(text.len()));
    let field =
        named_in_message(&message).or_else(|| span_start.and_then(|at| key_before(text, at)));
    Located {
        line: span_start.map(|at| text[..at].matches('\n').count() + 1),
        field,
        message,
    }
}

/// "unknown field `x`", "missing field `x`", "duplicate key `x`": serde already says which.
fn named_in_message(message: &str) -> Option<String> {
    ["unknown field `", "missing field `", "duplicate key `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next())
        .map(str::to_string)
}

/// The key of `key = value` when `at` lies in the value part of its line.
fn key_before(text: &str, at: usize) -> Option<String> {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let (key, _) = text[line_start..at].split_once('=')?;
    let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
    (!key.is_empty() && !key.contains(char::is_whitespace)).then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // only deserialized, to provoke errors
    struct Shape {
        name: String,
        count: u32,
    }

    fn located(text: &str) -> Located {
        locate(text, &toml::from_str::<Shape>(text).unwrap_err())
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named_by_its_key() {
        let l = located("name = \"a\"\ncount = \"ten\"\n");
        assert_eq!((l.line, l.field.as_deref()), (Some(2), Some("count")));
        assert!(l.message.contains("expected u32"), "{}", l.message);
    }

    #[test]
    fn unknown_and_missing_keys_are_named_from_the_message() {
        let l = located("name = \"a\"\ncount = 1\ncolour = 2\n");
        assert_eq!((l.line, l.field.as_deref()), (Some(3), Some("colour")));
        let l = located("name = \"a\"\n");
        assert_eq!(l.field.as_deref(), Some("count"));
    }

    #[test]
    fn a_syntax_error_has_a_line_but_no_field() {
        let l = located("name = \"a\"\n[broken\n");
        assert_eq!((l.line, l.field), (Some(2), None));
    }
}
