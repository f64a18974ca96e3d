//! How a name the user typed (a topic, kind, difficulty, company or question id) is matched
//! against the names viva knows. One rule everywhere: case never matters, and an unknown name is
//! bad input (exit 2) that lists the known names and, when one is close, suggests it.

use crate::error::bad;

/// Whether two names are the same name: `--topic OOP` means the topic `oop`.
pub fn same(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// The known name `value` stands for. `flag` and `noun` word the error: `--topic` and `topic`
/// give `--topic: unknown topic "oopp"; did you mean "oop"? (known: ...)`.
pub fn resolve<'a>(
    flag: &str,
    noun: &str,
    value: &str,
    known: &[&'a str],
) -> anyhow::Result<&'a str> {
    if let Some(k) = known.iter().find(|k| same(k, value)) {
        return Ok(k);
    }
    Err(bad(format!(
        "{flag}: unknown {noun} {value:?}{} (known: {})",
        did_you_mean(value, known),
        known.join(", ")
    )))
}

/// `; did you mean "oop"?` (or several, `"a" or "b"`) when a known name is close, else nothing.
pub fn did_you_mean(value: &str, known: &[&str]) -> String {
    let close = close_matches(value, known);
    if close.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = close.iter().map(|c| format!("{c:?}")).collect();
    format!("; did you mean {}?", quoted.join(" or "))
}

/// At most this many suggestions: more would be a list, not a guess.
const MAX_SUGGESTIONS: usize = 3;

/// The known names close to `value`, closest first: those within a few typos (a third of the
/// name's length, at least one), then those containing it (`gil` finds `gil-what-it-is`).
pub fn close_matches<'a>(value: &str, known: &[&'a str]) -> Vec<&'a str> {
    let value = value.to_lowercase();
    let allowed = (value.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, &str)> = known
        .iter()
        .filter_map(|k| {
            let lower = k.to_lowercase();
            let distance = edit_distance(&value, &lower);
            if distance <= allowed {
                Some((distance, *k))
            } else if value.chars().count() >= 3 && lower.contains(&value) {
                Some((allowed + 1, *k))
            } else {
                None
            }
        })
        .collect();
    scored.sort_by_key(|&(distance, _)| distance);
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, k)| k)
        .collect()
}

/// Edit distance over characters: insertions, deletions, substitutions and swaps of two
/// neighbours (`hrad` is one typo from `hard`, not two).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitute = d[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = substitute.min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("oop", "oop"), 0);
        assert_eq!(edit_distance("concurency", "concurrency"), 1);
        assert_eq!(edit_distance("hrad", "hard"), 1);
    }

    #[test]
    fn case_never_matters() {
        let known = ["oop", "concurrency"];
        for typed in ["OOP", "oop", "Oop"] {
            assert_eq!(resolve("--topic", "topic", typed, &known).unwrap(), "oop");
        }
    }

    #[test]
    fn an_unknown_name_lists_the_known_and_suggests_the_close() {
        let known = ["oop", "concurrency", "types"];
        let err = resolve("--topic", "topic", "Concurency", &known)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "--topic: unknown topic \"Concurency\"; did you mean \"concurrency\"? \
             (known: oop, concurrency, types)"
        );
        let err = resolve("--topic", "topic", "nosuch", &known)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("did you mean"), "{err}");
    }

    #[test]
    fn a_fragment_suggests_the_names_containing_it() {
        let known = ["gil-what-it-is", "gil-and-asyncio", "decorators-basics"];
        assert_eq!(
            close_matches("GIL", &known),
            ["gil-what-it-is", "gil-and-asyncio"]
        );
    }
}
