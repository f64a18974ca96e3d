//! Evaluates `viva import` on the seed guides against their reference extraction.
//!
//! ```sh
//! cargo run --release --example import_eval -- ../shared/seeds            # the table
//! cargo run --release --example import_eval -- ../shared/seeds --misses   # plus what was missed
//! ```
//!
//! Flags: `--misses` lists reference questions not found, found questions not in the
//! reference, and questions with insight items missing (`--items` adds the lists); `--dump`
//! lists every question found; `--dedup-dump` prints each found question's candidates with
//! their similarities and whether they share its concept: the data the duplicate weights in
//! `src/bank/import/dedup.rs` were set on.
//!
//! For each guide it prints: recall of questions (reference questions found), recall of insight
//! items (reference items found in the matching question's same list), precision (found
//! questions that are reference questions), mojibake left in the output and in the repaired
//! text, and the extraction time.
//!
//! Matching. A reference question whose title is the guide's own (a heading, table row, list
//! item or embedded question) matches a found question within two lines of it whose title
//! shares at least half its words (word F1 ≥ 0.5). A reference question whose title was written
//! by hand from an untitled answer (seeds 001 and 003) matches a found question starting within
//! one line of it, since only the place can be compared. Matching is one to one. An insight item
//! is found when an item of the same list of the matched question has word F1 ≥ 0.8 with it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use serde::Deserialize;
use viva::bank::Bank;
use viva::bank::import::{Extracted, Guide, extract, import};

#[derive(Deserialize)]
struct Reference {
    seed: String,
    line: usize,
    title: String,
    title_source: String,
    concept: String,
    topic: String,
    #[serde(default)]
    insight: RefInsight,
}

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

#[derive(Deserialize, Default)]
struct RefInsight {
    #[serde(default)]
    what_they_test: Vec<String>,
    #[serde(default)]
    strong_signals: Vec<String>,
    #[serde(default)]
    red_flags: Vec<String>,
    #[serde(default)]
    follow_ups: Vec<String>,
}

fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// F1 of the two word multisets.
fn word_f1(a: &str, b: &str) -> f64 {
    let (wa, wb) = (words(a), words(b));
    if wa.is_empty() || wb.is_empty() {
        return 0.0;
    }
    let mut counts: HashMap<&str, i32> = HashMap::new();
    for w in &wa {
        *counts.entry(w).or_default() += 1;
    }
    let mut common = 0;
    for w in &wb {
        if let Some(c) = counts.get_mut(w.as_str())
            && *c > 0
        {
            *c -= 1;
            common += 1;
        }
    }
    2.0 * common as f64 / (wa.len() + wb.len()) as f64
}

/// Independent of the importer's repair: a character that stands for a UTF-8 lead byte in
/// ISO-8859-7 followed by one that stands for a continuation byte (ISO-8859-7 0xA0–0xBF or a
/// Windows-1252 C1 character), or one of the shifted emoji.
fn mojibake_places(s: &str) -> usize {
    const CONT: &str = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\u{a0}£₯¦§¨©ͺ«¬\u{ad}―°±²³΄΅Ά·ΈΉΊ»Ό½ΎΏ";
    let chars: Vec<char> = s.chars().collect();
    let mut n = 0;
    for (i, &c) in chars.iter().enumerate() {
        let lead = ('\u{392}'..='\u{3C4}').contains(&c);
        if lead && chars.get(i + 1).is_some_and(|&d| CONT.contains(d)) {
            n += 1;
        }
        if matches!(c, '\u{1F7D1}' | '\u{1F7D2}') {
            n += 1;
        }
    }
    n
}

fn all_text(q: &Extracted) -> Vec<&str> {
    let mut v = vec![q.title.as_str(), q.answer.as_str()];
    v.extend(q.section.as_deref());
    v.extend(q.tags.iter().map(String::as_str));
    v.extend(q.companies.iter().map(String::as_str));
    for list in [
        &q.insight.what_they_test,
        &q.insight.strong_signals,
        &q.insight.red_flags,
        &q.insight.follow_ups,
    ] {
        v.extend(list.iter().map(String::as_str));
    }
    v
}

/// One-to-one greedy matching of scored pairs, best first.
fn assign(mut pairs: Vec<(f64, usize, usize)>, left: usize, right: usize) -> Vec<Option<usize>> {
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut l = vec![None; left];
    let mut r_used = vec![false; right];
    for (_, i, j) in pairs {
        if l[i].is_none() && !r_used[j] {
            l[i] = Some(j);
            r_used[j] = true;
        }
    }
    l
}

impl RefInsight {
    fn insight_lists(&self) -> [&Vec<String>; 4] {
        [
            &self.what_they_test,
            &self.strong_signals,
            &self.red_flags,
            &self.follow_ups,
        ]
    }
}

fn ref_items(r: &RefInsight) -> usize {
    r.what_they_test.len() + r.strong_signals.len() + r.red_flags.len() + r.follow_ups.len()
}

fn insight_found(r: &RefInsight, q: &Extracted) -> (usize, usize) {
    let mut found = 0;
    let mut total = 0;
    for (refs, got) in [
        (&r.what_they_test, &q.insight.what_they_test),
        (&r.strong_signals, &q.insight.strong_signals),
        (&r.red_flags, &q.insight.red_flags),
        (&r.follow_ups, &q.insight.follow_ups),
    ] {
        total += refs.len();
        let mut pairs = Vec::new();
        for (i, a) in refs.iter().enumerate() {
            for (j, b) in got.iter().enumerate() {
                let f = word_f1(a, b);
                if f >= 0.8 {
                    pairs.push((f, i, j));
                }
            }
        }
        found += assign(pairs, refs.len(), got.len())
            .iter()
            .filter(|m| m.is_some())
            .count();
    }
    (found, total)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(
        args.iter()
            .find(|a| !a.starts_with("--"))
            .map_or("../shared/seeds", String::as_str),
    );
    let show_misses = args.iter().any(|a| a == "--misses");
    let reference: Vec<Reference> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("questions.json")).expect("questions.json readable"),
    )
    .expect("questions.json parses");
    let mut seeds: Vec<String> = reference.iter().map(|r| r.seed.clone()).collect();
    seeds.sort();
    seeds.dedup();

    println!(
        "{:<26} {:>5} {:>5} {:>8} {:>9} {:>13} {:>8} {:>9} {:>8}",
        "guide", "ref", "found", "q recall", "precision", "insight", "i recall", "mojibake", "ms"
    );
    let mut totals = [0usize; 6];
    let mut moji_total = 0;
    // Per guide: which found question each reference question matched.
    let mut matchings: Vec<(Vec<&Reference>, Vec<Option<usize>>)> = Vec::new();
    for seed in &seeds {
        let text = std::fs::read_to_string(dir.join(seed)).expect("seed readable");
        let started = Instant::now();
        let ex = extract(&text);
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let refs: Vec<&Reference> = reference.iter().filter(|r| &r.seed == seed).collect();
        let got = &ex.questions;
        let mut pairs = Vec::new();
        for (i, r) in refs.iter().enumerate() {
            let verbatim = r.title_source != "curated_inference" && r.title_source != "fragment";
            for (j, q) in got.iter().enumerate() {
                let dist = r.line.abs_diff(q.line);
                let score = if verbatim {
                    let f = word_f1(&r.title, &q.title);
                    (dist <= 2 && f >= 0.5).then_some(f)
                } else {
                    (dist <= 1).then_some(1.0 - dist as f64 / 10.0)
                };
                if let Some(s) = score {
                    pairs.push((s, i, j));
                }
            }
        }
        let matched = assign(pairs, refs.len(), got.len());
        let n_matched = matched.iter().filter(|m| m.is_some()).count();
        let (mut i_found, mut i_total) = (0, 0);
        for (i, m) in matched.iter().enumerate() {
            let (f, t) = match m {
                Some(j) => insight_found(&refs[i].insight, &got[*j]),
                None => (0, ref_items(&refs[i].insight)),
            };
            i_found += f;
            i_total += t;
        }
        let moji_out: usize = got.iter().flat_map(all_text).map(mojibake_places).sum();
        let moji_text: usize = ex.lines.iter().map(|l| mojibake_places(&l.text)).sum();
        moji_total += moji_out + moji_text;
        println!(
            "{:<26} {:>5} {:>5} {:>7.1}% {:>8.1}% {:>6}/{:<6} {:>7.1}% {:>4}/{:<4} {:>8.1}",
            seed,
            refs.len(),
            got.len(),
            pct(n_matched, refs.len()),
            pct(n_matched, got.len()),
            i_found,
            i_total,
            pct(i_found, i_total),
            moji_out,
            moji_text,
            ms
        );
        for (k, v) in [refs.len(), got.len(), n_matched, i_found, i_total, 0]
            .into_iter()
            .enumerate()
        {
            totals[k] += v;
        }
        if args.iter().any(|a| a == "--dump") {
            for q in got {
                println!(
                    "  got {:>5} {:?} [{} {} {} {}] {}",
                    q.line,
                    q.layout,
                    q.insight.what_they_test.len(),
                    q.insight.strong_signals.len(),
                    q.insight.red_flags.len(),
                    q.insight.follow_ups.len(),
                    q.title.chars().take(90).collect::<String>()
                );
            }
        }
        matchings.push((refs.clone(), matched.clone()));
        if show_misses {
            let used: Vec<usize> = matched.iter().flatten().copied().collect();
            for (i, m) in matched.iter().enumerate() {
                match m {
                    None => println!("  missed   {:>5} {}", refs[i].line, refs[i].title),
                    Some(j) => {
                        let (f, t) = insight_found(&refs[i].insight, &got[*j]);
                        if f < t {
                            println!("  insight  {:>5} {} ({f}/{t})", refs[i].line, refs[i].title);
                            if args.iter().any(|a| a == "--items") {
                                println!("     ref: {:?}", refs[i].insight.insight_lists());
                                println!("     got: {:?}", got[*j].insight);
                            }
                        }
                    }
                }
            }
            for (j, q) in got.iter().enumerate() {
                if !used.contains(&j) {
                    println!("  extra    {:>5} {:?} {}", q.line, q.layout, q.title);
                }
            }
        }
    }
    println!(
        "{:<26} {:>5} {:>5} {:>7.1}% {:>8.1}% {:>6}/{:<6} {:>7.1}% {:>9}",
        "all",
        totals[0],
        totals[1],
        pct(totals[2], totals[0]),
        pct(totals[2], totals[1]),
        totals[3],
        totals[4],
        pct(totals[3], totals[4]),
        moji_total
    );
    println!("(mojibake: places left in the extracted questions / in the repaired text)");
    duplicates_and_topics(&dir, &seeds, &matchings);
}

/// Imports the five guides together against the shipped bank, as `viva import` does, and
/// checks the duplicate marks and topic guesses against the reference concepts and topics.
/// Every reference concept has a bank question (a test of the bank holds it to that), so every
/// found question should be marked as a duplicate of a question with its concept.
fn duplicates_and_topics(
    dir: &std::path::Path,
    seeds: &[String],
    matchings: &[(Vec<&Reference>, Vec<Option<usize>>)],
) {
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
    for (seed, (refs, matched)) in seeds.iter().zip(matchings) {
        let of_seed: Vec<_> = report
            .questions
            .iter()
            .filter(|q| &q.file == seed)
            .collect();
        for (i, m) in matched.iter().enumerate() {
            if let Some(j) = m {
                reference_of.insert(of_seed[*j].id.as_str(), refs[i]);
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

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        100.0
    } else {
        100.0 * a as f64 / b as f64
    }
}
