//! Benchmarks, release build: `cargo bench --bench viva`.
//!
//! - startup: wall time from spawning `viva practice` to the first question on stdout;
//! - offline grading: time per answer over the whole shipped bank.
//!
//! A plain bench binary rather than criterion: two numbers, no extra dependency.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use viva::bank::Bank;
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

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not, and then one quick run is enough.
    let bench = std::env::args().any(|a| a == "--bench");
    startup(if bench { 30 } else { 1 });
    grading();
}
