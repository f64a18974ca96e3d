//! Benchmarks, release build: `cargo bench --bench viva`.
//!
//! - startup: wall time from spawning `viva practice` to the first question on stdout;
//! - offline grading: time per answer over the whole shipped bank;
//! - delivery metrics: time per answer to count fillers, hedges, restarts, pace and length;
//! - LLM client overhead: time per grade against a zero-latency local server (everything but the
//!   model: prompt rendering, token counting, HTTP on loopback, parsing, validation);
//! - prompt size: tokens of the grading prompt for every bank question.
//!
//! A plain bench binary rather than criterion: two numbers, no extra dependency.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use viva::bank::Bank;
use viva::grade::Grader;
use viva::grade::offline::OfflineGrader;
use viva::rubric::Rubrics;
use viva::speech;

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

/// Delivery measurement per answer, over the bank's model answers said with fillers: what every
/// answer pays on top of grading.
fn delivery() {
    let bank = Bank::load(None).expect("shipped bank");
    let spoken: Vec<String> = bank
        .questions()
        .iter()
        .map(|q| {
            q.model_answer
                .split_whitespace()
                .enumerate()
                .map(|(i, w)| {
                    if i % 6 == 5 {
                        format!("um, {w}")
                    } else {
                        w.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let started = Instant::now();
    for answer in &spoken {
        std::hint::black_box(speech::measure(answer, 90_000, speech::QUESTION_TARGET));
    }
    let per = started.elapsed() / spoken.len() as u32;
    println!(
        "delivery metrics: {:.0} µs per answer ({} answers)",
        per.as_secs_f64() * 1e6,
        spoken.len()
    );
}

/// A loopback server that answers every chat completion at once with the same valid verdict.
fn zero_latency_server(verdict: String) -> String {
    use axum::Router;
    use axum::routing::post;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let body = serde_json::json!({"choices": [{"message": {"content": verdict}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1000, "completion_tokens": 200}})
            .to_string();
            let app = Router::new().route(
                "/v1/chat/completions",
                post(move || {
                    let body = body.clone();
                    async move { ([("content-type", "application/json")], body) }
                }),
            );
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}/v1", rx.recv().unwrap())
}

fn llm_overhead(runs: usize) {
    use viva::config::Endpoint;
    use viva::grade::llm::LlmGrader;
    use viva::llm::LlmClient;
    use viva::llm::log::CallLog;
    use viva::prompt::Prompts;

    let bank = Bank::load(None).expect("shipped bank");
    let rubrics = Rubrics::embedded();
    let q = bank.get("gil-what-it-is").expect("a known question");
    let rubric = rubrics.for_kind(q.kind);
    let verdict = serde_json::json!({
        "reasoning": "ok", "insufficient_evidence": false,
        "criteria": rubric.criteria.iter().map(|c| serde_json::json!({"id": c.id, "level": 3})).collect::<Vec<_>>(),
        "key_points": (1..=q.what_they_test.len()).map(|i| serde_json::json!({"id": i, "verdict": "covered", "evidence": "The GIL is a mutex"})).collect::<Vec<_>>(),
        "red_flags": [], "feedback": "f", "follow_up": null
    })
    .to_string();
    let endpoint = Endpoint {
        api_base: zero_latency_server(verdict),
        api_key: None,
        model: "bench".into(),
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        max_retries: 0,
        retry_base: Duration::from_millis(1),
    };
    let grader = LlmGrader::new(
        LlmClient::new(&endpoint).unwrap(),
        Prompts::embedded(),
        CallLog::default(),
        None,
        1500,
    )
    .unwrap()
    .without_streaming();
    let answer = &q.model_answer;
    let mut times = Vec::new();
    for i in 0..runs + 5 {
        let started = Instant::now();
        let g = grader.grade(q, rubric, answer).unwrap();
        assert_eq!(g.grader, "llm", "{:?}", g.notes);
        if i >= 5 {
            times.push(started.elapsed());
        }
    }
    times.sort();
    println!(
        "LLM client overhead per grade (zero-latency server): p50 {:.2} ms, p99 {:.2} ms ({runs} grades)",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
    );

    let mut sizes: Vec<usize> = bank
        .questions()
        .iter()
        .map(|q| {
            let (messages, _) = grader
                .messages(q, rubrics.for_kind(q.kind), &q.model_answer, false)
                .unwrap();
            messages
                .iter()
                .map(|m| viva::llm::tokens::count(&m.content))
                .sum()
        })
        .collect();
    sizes.sort();
    println!(
        "grading prompt tokens over the bank: median {}, p95 {}, max {} ({} questions)",
        sizes[sizes.len() / 2],
        sizes[(sizes.len() - 1) * 95 / 100],
        sizes.last().unwrap(),
        sizes.len()
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not, and then one quick run is enough.
    let bench = std::env::args().any(|a| a == "--bench");
    startup(if bench { 30 } else { 1 });
    grading();
    delivery();
    llm_overhead(if bench { 300 } else { 3 });
}
