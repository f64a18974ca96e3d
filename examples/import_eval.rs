//! Evaluates `viva import` against reference extractions: the generated fixture families
//! (`tests/fixtures/import/families/*`, every layout family on five subjects) and, when given,
//! the seed guides.
//!
//! ```sh
//! cargo run --release --example import_eval                          # every fixture family
//! cargo run --release --example import_eval -- --seeds ../shared/seeds   # and the seed guides
//! cargo run --release --example import_eval -- --files --misses      # per guide, what was missed
//! ```
//!
//! For each family (and with `--files` each guide) it prints: recall of questions (reference
//! questions found), precision (found questions that are reference questions), recall of
//! insight items (reference items found in the matching question's same list), mojibake and
//! control characters left in the output, and the extraction time. Matching rules are in
//! `tests/support/import_score.rs`. With the seeds it also checks duplicate marks and topic
//! guesses against their reference concepts (`--dedup-dump` prints each found question's
//! candidates with their similarities: the data the duplicate weights in
//! `src/bank/import/dedup.rs` were set on).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use viva::bank::Bank;
use viva::bank::import::{Guide, extract, import};

#[path = "../tests/support/import_score.rs"]
mod import_score;

use import_score::{Reference, Score, load_reference, misses, pct, score};

/// The bank topic of a reference topic label ("Databases, SQL & ORMs" → databases).
fn topic_id(label: &str) -> &'static str {
    const PREFIXES: [(&str, &str); 20] = [
        ("OOP", "oop"),
        ("Standard library", "stdlib"),
        ("Functions", "functions"),
        ("Language", "language"),
        ("Concurrency", "concurrency"),
        ("Built-in", "types"),
        ("Testing", "testing"),
        ("Modules", "packaging"),
        ("CPython", "internals"),
        ("Data science", "data-science"),
        ("Iterators", "iterators"),
        ("Errors", "errors"),
        ("Databases", "databases"),
        ("Metaprogramming", "metaprogramming"),
        ("Web", "web"),
        ("Code style", "style"),
        ("Design", "design"),
        ("Type hints", "typing"),
        ("Performance", "performance"),
        ("Algorithms", "algorithms"),
    ];
    PREFIXES
        .iter()
        .find(|(p, _)| label.starts_with(p))
        .map_or("?", |(_, id)| id)
}

/// A guide, its reference questions, and the found question each of them matched.
type GuideMatching = (String, Vec<Reference>, Vec<Option<usize>>);

fn row(name: &str, s: &Score, ms: f64) {
    println!(
        "{:<28} {:>5} {:>5} {:>7.1}% {:>8.1}% {:>6}/{:<6} {:>7.1}% {:>4}/{:<4} {:>7} {:>8.1}",
        name,
        s.reference,
        s.found,
        s.recall(),
        s.precision(),
        s.insight_found,
        s.insight_total,
        s.insight_recall(),
        s.mojibake,
        s.mojibake_text,
        s.control,
        ms
    );
}

/// Scores every guide of a folder with a `questions.json`; returns the folder's total and,
/// per guide, its references and matching (for the duplicate check).
fn evaluate(
    dir: &Path,
    label: &str,
    per_file: bool,
    show_misses: bool,
) -> (Score, Vec<GuideMatching>) {
    let reference = load_reference(dir);
    let mut guides: Vec<String> = reference.iter().map(|r| r.seed.clone()).collect();
    guides.sort();
    guides.dedup();
    let mut total = Score::default();
    let mut total_ms = 0.0;
    let mut matchings = Vec::new();
    if per_file {
        println!("{label}:");
    }
    for guide in &guides {
        let text = std::fs::read_to_string(dir.join(guide)).expect("guide readable");
        let started = Instant::now();
        let ex = extract(&text);
        let ms = started.elapsed().as_secs_f64() * 1e3;
        total_ms += ms;
        let refs: Vec<&Reference> = reference.iter().filter(|r| &r.seed == guide).collect();
        let s = score(&refs, &ex);
        if per_file {
            row(&format!("  {guide}"), &s, ms);
        }
        if std::env::args().any(|a| a == "--dump") {
            for q in &ex.questions {
                println!("  got {:>5} {:?} {}", q.line, q.layout, q.title);
            }
        }
        if show_misses {
            for m in misses(&refs, &ex, &s) {
                println!("{m}");
            }
        }
        total.add(&s);
        matchings.push((
            guide.clone(),
            refs.into_iter().cloned().collect(),
            s.matching.clone(),
        ));
    }
    row(label, &total, total_ms);
    (total, matchings)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let seeds = args
        .iter()
        .position(|a| a == "--seeds")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let families_dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/import/families"
    ));
    println!(
        "{:<28} {:>5} {:>5} {:>8} {:>9} {:>13} {:>8} {:>9} {:>7} {:>8}",
        "family",
        "ref",
        "found",
        "q recall",
        "precision",
        "insight",
        "i recall",
        "mojibake",
        "control",
        "ms"
    );
    let mut families: Vec<PathBuf> = std::fs::read_dir(&families_dir)
        .expect("fixture families readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("questions.json").exists())
        .collect();
    families.sort();
    let mut all = Score::default();
    for dir in &families {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (s, _) = evaluate(dir, &name, flag("--files"), flag("--misses"));
        all.add(&s);
    }
    row("all families", &all, 0.0);
    if let Some(dir) = seeds {
        let (_, matchings) = evaluate(&dir, "seeds", flag("--files"), flag("--misses"));
        duplicates_and_topics(&dir, &matchings);
    }
    println!("(mojibake: places left in the extracted questions / in the repaired text)");
}

/// Imports the five guides together against the shipped bank, as `viva import` does, and
/// checks the duplicate marks and topic guesses against the reference concepts and topics.
/// Every reference concept has a bank question (a test of the bank holds it to that), so every
/// found question should be marked as a duplicate of a question with its concept.
fn duplicates_and_topics(dir: &Path, matchings: &[GuideMatching]) {
    let seeds: Vec<String> = matchings.iter().map(|m| m.0.clone()).collect();
    let bank = Bank::load(None).expect("the shipped bank loads");
    let guides: Vec<Guide> = seeds
        .iter()
        .map(|s| Guide {
            file: s.clone(),
            text: std::fs::read_to_string(dir.join(s)).expect("seed readable"),
        })
        .collect();
    let started = Instant::now();
    let report = import(&guides, &bank);
    let ms = started.elapsed().as_secs_f64() * 1e3;
    // The reference question of each imported question, by id.
    let mut reference_of: HashMap<&str, &Reference> = HashMap::new();
    for (seed, refs, matched) in matchings {
        let of_seed: Vec<_> = report
            .questions
            .iter()
            .filter(|q| &q.file == seed)
            .collect();
        for (i, m) in matched.iter().enumerate() {
            if let Some(j) = m {
                reference_of.insert(of_seed[*j].id.as_str(), &refs[i]);
            }
        }
    }
    if std::env::args().any(|a| a == "--dedup-dump") {
        use viva::bank::import::dedup::{Index, Text};
        let mut texts: Vec<Text> = bank.questions().iter().map(Text::of_bank).collect();
        texts.extend(
            report
                .questions
                .iter()
                .map(|q| Text::of_import(&q.question)),
        );
        let nb = bank.questions().len();
        let index = Index::new(&texts);
        for (k, q) in report.questions.iter().enumerate() {
            let Some(r) = reference_of.get(q.id.as_str()) else {
                continue;
            };
            let me = nb + k;
            let mut ms = index.matches(me, |o| o < me);
            ms.sort_by(|a, b| (b.cover + b.title).total_cmp(&(a.cover + a.title)));
            for m in ms.iter().take(15) {
                let same = if m.index < nb {
                    bank.questions()[m.index].concepts.contains(&r.concept)
                } else {
                    reference_of
                        .get(report.questions[m.index - nb].id.as_str())
                        .is_some_and(|t| t.concept == r.concept)
                };
                println!(
                    "dump {k} {} {} {:.3} {:.3} {:.3} {}",
                    u8::from(m.index < nb),
                    u8::from(same),
                    m.title,
                    m.cover,
                    m.body,
                    q.question.layout as u8
                );
            }
        }
    }
    let (mut considered, mut marked, mut right, mut topic_right) = (0, 0, 0, 0);
    for q in &report.questions {
        let Some(r) = reference_of.get(q.id.as_str()) else {
            continue;
        };
        considered += 1;
        topic_right += usize::from(q.topic == topic_id(&r.topic));
        let Some(target) = &q.duplicate_of else {
            continue;
        };
        marked += 1;
        let same = match bank.get(target) {
            Some(b) => b.concepts.contains(&r.concept),
            None => reference_of
                .get(target.as_str())
                .is_some_and(|t| t.concept == r.concept),
        };
        right += usize::from(same);
    }
    println!(
        "duplicates: {marked} of {considered} found reference questions marked ({:.1}%); \
         {:.1}% of the marks name a question of the same concept",
        pct(marked, considered),
        pct(right, marked)
    );
    println!(
        "topic guessed as the reference topic: {:.1}%; whole import of the five guides: {ms:.0} ms",
        pct(topic_right, considered)
    );
}
