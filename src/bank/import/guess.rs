//! Guesses for what a guide does not say: the topic of a question (from the bank questions it
//! resembles, or else the topic descriptions) and its kind (from the wording of its title).
//! Both are marked as guessed in what `viva import` writes.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::TitleSource;
use super::dedup::Match;
use crate::bank::{Kind, Topic};
use crate::words::analyze;

/// How many similar bank questions vote on a topic.
const VOTERS: usize = 5;

/// The topic most of the closest bank questions have, weighted by closeness; `None` when no
/// bank question is close at all.
pub fn topic_from_neighbours(
    matches: &[Match],
    topic_of: impl Fn(usize) -> String,
) -> Option<String> {
    let mut best: Vec<&Match> = matches.iter().filter(|m| m.score() > 0.0).collect();
    best.sort_by(|a, b| b.score().total_cmp(&a.score()));
    let mut votes: BTreeMap<String, f64> = BTreeMap::new();
    for m in best.into_iter().take(VOTERS) {
        *votes.entry(topic_of(m.index)).or_default() += m.score();
    }
    votes
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(topic, _)| topic)
}

/// The topic whose name and description share the most words with the question; the first
/// topic when none shares any.
pub fn topic_from_descriptions(text: &str, topics: &[Topic]) -> String {
    let words: Vec<String> = analyze(text).content().map(|t| t.stem.clone()).collect();
    let score = |t: &Topic| {
        let own: Vec<String> = analyze(&format!("{} {}", t.name, t.description))
            .content()
            .map(|t| t.stem.clone())
            .collect();
        words.iter().filter(|w| own.contains(w)).count()
    };
    let mut best: Option<(&Topic, usize)> = None;
    for t in topics {
        let s = score(t);
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((t, s));
        }
    }
    best.map_or_else(|| "language".to_string(), |(t, _)| t.id.clone())
}

static BEHAVIORAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(tell me about a time|describe a (time|situation)|give an example of a time|how do you handle (conflict|disagreement|feedback)|what is your (greatest|biggest))")
        .expect("valid regex")
});
static DESIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^design\b|\bsystem design\b|\barchitect(ure)?\b.*\bfor\b|\bdesign an?\b")
        .expect("valid regex")
});
static CODING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(write|implement|code|build|create|reverse|sort|parse|merge|find|detect|convert|calculate)\b")
        .expect("valid regex")
});
static DEBUGGING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(debug|debugging|troubleshoot|diagnose|what'?s wrong|bug|leak|leaks|crash|crashes|freezes|hangs|outage|root cause)\b")
        .expect("valid regex")
});

/// The kind a question's wording suggests: scenarios and bug hunts are debugging, "Design …"
/// is design, "Write/Implement …" is coding, "Tell me about a time …" is behavioral, anything
/// else is a concept question.
pub fn kind(title: &str, source: TitleSource) -> Kind {
    if BEHAVIORAL.is_match(title) {
        Kind::Behavioral
    } else if source == TitleSource::Scenario || DEBUGGING.is_match(title) {
        Kind::Debugging
    } else if DESIGN.is_match(title) {
        Kind::Design
    } else if CODING.is_match(title) {
        Kind::Coding
    } else {
        Kind::Concept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_wording() {
        let k = |t: &str| kind(t, TitleSource::Heading);
        assert_eq!(k("Write a query that finds duplicate rows."), Kind::Coding);
        assert_eq!(k("Design a rate limiter for a public API"), Kind::Design);
        assert_eq!(
            k("How would you debug a pod stuck in CrashLoopBackOff?"),
            Kind::Debugging
        );
        assert_eq!(
            k("Tell me about a time you disagreed with a reviewer."),
            Kind::Behavioral
        );
        assert_eq!(k("What is a covering index?"), Kind::Concept);
        assert_eq!(
            kind(
                "Nightly jobs overlap and the disk fills.",
                TitleSource::Scenario
            ),
            Kind::Debugging
        );
    }

    #[test]
    fn topics_from_neighbours_and_descriptions() {
        let m = |index, title, body| Match {
            index,
            title,
            cover: 0.0,
            body,
        };
        let matches = [
            m(0, 0.9, 0.5),
            m(1, 0.3, 0.1),
            m(2, 0.2, 0.1),
            m(3, 0.2, 0.0),
        ];
        let topic = topic_from_neighbours(&matches, |i| {
            ["databases", "web", "web", "web"][i].to_string()
        });
        assert_eq!(
            topic.as_deref(),
            Some("databases"),
            "closeness outweighs numbers"
        );
        assert_eq!(topic_from_neighbours(&[], |_| String::new()), None);
        let topics = [
            Topic {
                id: "web".into(),
                name: "Web".into(),
                description: "HTTP, REST, routing".into(),
            },
            Topic {
                id: "databases".into(),
                name: "Databases".into(),
                description: "SQL, indexes, transactions".into(),
            },
        ];
        assert_eq!(
            topic_from_descriptions("When does a transaction need an index?", &topics),
            "databases"
        );
        assert_eq!(topic_from_descriptions("Unrelated words", &topics), "web");
    }
}
