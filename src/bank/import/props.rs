//! Property tests: import never panics, whatever the text, and the bank file it writes always
//! loads.

use proptest::prelude::*;

use super::{Guide, bank_file, extract, import};
use crate::bank::{Bank, embedded_sources};

/// Pieces of the layouts, the damage and the edge cases, to steer random text into every
/// parser's paths: anchors, labels, bullets, markers, tables, escapes, mojibake characters.
const PIECES: &[&str] = &[
    "Difficulty: πŸ”΄ Hard | Tags: a, b | Asked by: X, Y",
    "Interviewer's Insight",
    "Interview Insights:",
    "What they test:",
    "What they're testing: it",
    "Strong signal:",
    "Red flags:",
    "Follow-ups:",
    "  • ",
    "    • ",
    "- ",
    "1. ",
    "2) ",
    "?",
    "What is it?",
    "Explain this.",
    "What interviewers are really testing: x.Red flag answer: y.War Story: z.Follow-up:",
    "Scenario: it broke.What weak candidates say:",
    "What strong candidates say:",
    "# Question: ",
    "-- Interview Question: \"q\"",
    "\"\"\" Interview Questions: 1. a? 2. b \"\"\"",
    "Interview Focus: z */",
    "Key Concepts Tested:",
    "Trade-off Analysis:",
    "PART 1: X",
    "1.1 Y",
    "CONCLUSION",
    "| # | Question | Level |",
    "|---|---|---|",
    "| 1 | Why? | hard |",
    "No Question Link Companies Difficulty Topics",
    "3 What? Docs Acme, B Easy T",
    "## ",
    "**",
    "!!! tip \"Interviewer's Insight\"",
    "\\n",
    "\\\"",
    "β",
    "”",
    "€",
    "π",
    "Ÿ",
    "Ξ",
    "\u{1F7D1}",
    "\u{A0}",
    "\n",
    "\n\n",
    " ",
    "\t",
    "é",
    "😀",
    "def f(x):",
    "x = 1 # c",
    ":",
    "(",
    ")",
    ".",
    ",",
    "A",
    "a",
    "and",
];

/// Lines of one to four pieces.
fn guide_like() -> impl Strategy<Value = String> {
    let line = prop::collection::vec(prop::sample::select(PIECES), 1..5).prop_map(|p| p.concat());
    prop::collection::vec(line, 0..120).prop_map(|lines| lines.join("\n"))
}

/// The shipped topics with no questions: imports are fast and every topic id is known.
fn topics_only() -> Bank {
    let topics: Vec<_> = embedded_sources()
        .into_iter()
        .filter(|s| s.name.ends_with("topics.toml"))
        .collect();
    Bank::from_sources(&topics).expect("the shipped topics load")
}

proptest! {
    #[test]
    fn extraction_never_panics_on_any_text(text in any::<String>()) {
        let _ = extract(&text);
    }

    #[test]
    fn extraction_never_panics_on_guide_like_text(text in guide_like()) {
        let _ = extract(&text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn imported_questions_always_make_a_bank_file_that_loads(a in guide_like(), b in any::<String>()) {
        let bank = topics_only();
        let guides = [
            Guide { file: "a.txt".into(), text: a },
            Guide { file: "b\nc.txt".into(), text: b },
        ];
        let report = import(&guides, &bank);
        let topics: Vec<&str> = bank.topics().iter().map(|t| t.id.as_str()).collect();
        let written = bank_file::write(&report.questions, true, "out.toml", &topics);
        prop_assert!(written.is_ok(), "{:?}", written.err());
    }
}
