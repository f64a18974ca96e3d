//! Benchmarks, release build: `cargo bench --bench viva`.
//!
//! - startup: wall time from spawning `viva practice` to the first question on stdout;
//! - offline grading: time per answer over the whole shipped bank;
//! - import: a guide of at least 500 KB (the test fixtures of every layout, repeated) through
//!   the library and through `viva import --out`, bank loading included.
//!
//! A plain bench binary rather than criterion: two numbers, no extra dependency.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use viva::bank::Bank;
use viva::bank::import::{Guide, import};
use viva::grade::Grader;
use viva::grade::offline::OfflineGrader;
use viva::rubric::Rubrics;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn startup(runs: usize) {
    let home = std::env::temp_dir().join(format!("viva-bench-{}", std::process::id()));
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_viva"))
            .env("VIVA_HOME", &home)
            .args(["practice", "--count", "1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("viva runs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines.by_ref() {
            if line.unwrap().starts_with("Question 1/") {
                break;
            }
        }
        times.push(started.elapsed());
        let mut stdin = child.stdin.take().unwrap();
        let _ = writeln!(stdin, "/quit");
        drop(stdin);
        for _ in lines {}
        child.wait().unwrap();
    }
    let _ = std::fs::remove_dir_all(&home);
    times.sort();
    println!(
        "startup to first question: median {:.1} ms, p95 {:.1} ms, max {:.1} ms ({runs} runs)",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
    );
}

fn grading() {
    let bank = Bank::load(None).expect("shipped bank");
    let rubrics = Rubrics::embedded();
    // Each question answered with its own model answer: realistic length and vocabulary.
    let started = Instant::now();
    let mut n = 0;
    for q in bank.questions() {
        let g = OfflineGrader
            .grade(q, rubrics.for_kind(q.kind), &q.model_answer)
            .unwrap();
        std::hint::black_box(g);
        n += 1;
    }
    let per = started.elapsed() / n;
    println!(
        "offline grading: {:.0} µs per answer ({n} answers)",
        per.as_secs_f64() * 1e6
    );
}

/// A guide of at least 500 KB made of the import fixtures, repeated: every layout, damaged
/// text, and many duplicates for the dedup to find.
fn big_guide() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    let one: String = names
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("fixture") + "\n\n")
        .collect();
    let mut text = String::new();
    while text.len() < 500 * 1024 {
        text.push_str(&one);
    }
    text
}

fn import_speed(runs: usize) {
    let text = big_guide();
    let bank = Bank::load(None).expect("shipped bank");
    let guide = [Guide {
        file: "big.txt".to_string(),
        text: text.clone(),
    }];
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..runs {
        let started = Instant::now();
        found = import(&guide, &bank).questions.len();
        times.push(started.elapsed());
    }
    times.sort();
    let dir = std::env::temp_dir().join(format!("viva-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("big.txt");
    std::fs::write(&path, &text).expect("write guide");
    let mut cli = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_viva"))
            .env("VIVA_HOME", &dir)
            .arg("import")
            .arg(&path)
            .arg("--out")
            .arg(dir.join("out.toml"))
            .stdout(Stdio::null())
            .status()
            .expect("viva runs");
        assert!(status.success());
        cli.push(started.elapsed());
    }
    cli.sort();
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "import of a {} KB guide ({found} questions): library median {:.0} ms (max {:.0}); \
         `viva import --out` median {:.0} ms (max {:.0}) ({runs} runs)",
        text.len() / 1024,
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
        percentile(&cli, 0.5).as_secs_f64() * 1e3,
        cli.last().unwrap().as_secs_f64() * 1e3,
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not, and then one quick run is enough.
    let bench = std::env::args().any(|a| a == "--bench");
    startup(if bench { 30 } else { 1 });
    grading();
    import_speed(if bench { 7 } else { 1 });
}
