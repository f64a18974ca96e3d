//! Benchmarks, release build: `cargo bench --bench viva`.
//!
//! - startup: wall time from spawning `viva practice` to the first question on stdout;
//! - offline grading: time per answer over the whole shipped bank;
//! - delivery metrics: time per answer to count fillers, hedges, restarts, pace and length;
//! - LLM client overhead: time per grade against a zero-latency local server (everything but the
//!   model: prompt rendering, token counting, HTTP on loopback, parsing, validation);
//! - prompt size: tokens of the grading prompt for every bank question;
//! - learner replay: rebuilding the learner from a store of 10,000 graded turns (query + fold);
//! - selector step: one `select::pick` over 20 topics and 5,000 questions, posterior draws
//!   included, while diagnosing (fresh learner) and while drilling (after 2,000 answers).
//! - import: a guide of at least 500 KB (the test fixtures of every layout, repeated) through
//!   the library and through `viva import --out`, bank loading included; and `viva import
//!   --out` on 1, 4 and 20 MB guides made of every fixture family (`-- import` runs only
//!   these).
//!
//! A plain bench binary rather than criterion: a handful of numbers, no extra dependency.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../tests/support/fake_llm.rs"]
#[allow(
    dead_code,
    reason = "the benches need only a plain, optionally slow, server"
)]
mod fake_llm;

use fake_llm::{Behaviour, FakeLlm, Reply};
use viva::bank::import::{Guide, import};
use viva::bank::{Bank, Difficulty, Layer, SourceFile};
use viva::delivery;
use viva::grade::offline::OfflineGrader;
use viva::grade::{Grade, Grader, Outcome};
use viva::learner::{Evidence, Learner, Observation, Params};
use viva::rubric::Rubrics;
use viva::select::{self, Filters, History, Rng};
use viva::store::{NewTurn, Store};

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
        std::hint::black_box(delivery::measure(answer, 90_000, delivery::QUESTION_TARGET));
    }
    let per = started.elapsed() / spoken.len() as u32;
    println!(
        "delivery metrics: {:.0} µs per answer ({} answers)",
        per.as_secs_f64() * 1e6,
        spoken.len()
    );
}

fn llm_overhead(runs: usize) {
    use viva::config::Endpoint;
    use viva::grade::llm::LlmGrader;
    use viva::llm::LlmClient;
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
    // Answers every chat completion at once with the same valid verdict.
    let server = FakeLlm::start_with(
        vec![],
        Behaviour {
            repeat: Some(Reply::ok(serde_json::json!({
                "choices": [{"message": {"content": verdict}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1000, "completion_tokens": 200}
            }))),
            ..Behaviour::default()
        },
    );
    let endpoint = Endpoint {
        api_base: server.base.clone(),
        api_key: None,
        model: "bench".into(),
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        deadline: Duration::from_secs(15),
        max_retries: 0,
        retry_base: Duration::from_millis(1),
        server: viva::config::Server::Other,
        sampling: viva::config::Sampling::default(),
    };
    let grader = LlmGrader::new(
        LlmClient::new(&endpoint).unwrap(),
        Prompts::embedded(),
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
            let rubric = rubrics.for_kind(q.kind);
            let (messages, _) = grader
                .messages(q, rubric, &q.model_answer, &grader.form(q, rubric))
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

    // The completion limit each question's verdict gets on a local server (length caps in the
    // schema, reasoning first).
    let budget = viva::grade::llm::budget::Budget {
        capped_schema: true,
        ..Default::default()
    };
    let mut limits: Vec<u32> = bank
        .questions()
        .iter()
        .map(|q| budget.plan(q, rubrics.for_kind(q.kind), true).limit)
        .collect();
    limits.sort();
    println!(
        "completion limit per grade over the bank: median {}, max {} tokens",
        limits[limits.len() / 2],
        limits.last().unwrap(),
    );
}

fn grade(score: u8) -> Grade {
    Grade {
        grader: "bench".into(),
        ..Grade::bare(score, Outcome::Graded)
    }
}

fn replay(runs: usize) {
    let bank = Bank::load(None).expect("shipped bank");
    let dir = std::env::temp_dir().join(format!("viva-bench-replay-{}", std::process::id()));
    let store = Store::open(&dir.join("viva.db")).unwrap();
    let mut rng = Rng::new(1);
    let session = store.start_session(0, &serde_json::json!({})).unwrap();
    let questions = bank.questions();
    let turns = 10_000;
    for i in 0..turns {
        let q = &questions[rng.below(questions.len())];
        let at = i as i64 * 600_000;
        let id = store
            .insert_turn(&NewTurn {
                session_id: session,
                parent_id: None,
                retry_of: None,
                seq: i as u32,
                question_id: &q.id,
                topic: &q.topic,
                kind: q.kind.as_str(),
                difficulty: q.difficulty.as_str(),
                prompt: &q.prompt,
                answer: "an answer",
                skipped: false,
                hints: 0,
                asked_at: at,
                answered_at: at,
            })
            .unwrap();
        store
            .insert_grade(id, at, &grade(rng.below(101) as u8))
            .unwrap();
    }
    let topics: Vec<String> = bank.topics().iter().map(|t| t.id.clone()).collect();
    let mut total = Vec::new();
    let mut fold = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let records = store.answer_records().unwrap();
        let queried = started.elapsed();
        let learner = Learner::replay(topics.clone(), Params::default(), &records).unwrap();
        total.push(started.elapsed());
        fold.push(started.elapsed() - queried);
        std::hint::black_box(learner);
    }
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    total.sort();
    fold.sort();
    println!(
        "learner replay of {turns} turns: median {:.1} ms (query + fold), fold alone {:.1} ms, max {:.1} ms ({runs} runs)",
        percentile(&total, 0.5).as_secs_f64() * 1e3,
        percentile(&fold, 0.5).as_secs_f64() * 1e3,
        total.last().unwrap().as_secs_f64() * 1e3,
    );
}

/// A synthetic bank of `topics` × `per_topic` questions.
fn big_bank(topics: usize, per_topic: usize) -> Bank {
    let mut text = String::new();
    for t in 0..topics {
        for i in 0..per_topic {
            let difficulty = Difficulty::ALL[i % 3].as_str();
            text.push_str(&format!(
                "[[question]]\nid = \"t{t}-q{i}\"\ntopic = \"t{t}\"\nkind = \"concept\"\ndifficulty = \"{difficulty}\"\nprompt = \"p\"\nwhat_they_test = [\"x\", \"y\", \"z\"]\nstrong_signals = [\"s\"]\nred_flags = [\"r\"]\nfollow_ups = [\"f\"]\nmodel_answer = \"m\"\n\n"
            ));
        }
    }
    let topic_list: String = (0..topics)
        .map(|t| format!("[[topic]]\nid = \"t{t}\"\n"))
        .collect();
    Bank::from_sources(&[
        SourceFile {
            name: "topics.toml".into(),
            text: topic_list,
            layer: Layer::Embedded,
        },
        SourceFile {
            name: "q.toml".into(),
            text,
            layer: Layer::Embedded,
        },
    ])
    .expect("synthetic bank")
}

fn selector(picks: usize) {
    let (topics, per_topic) = (20, 250);
    let bank = big_bank(topics, per_topic);
    let names: Vec<String> = bank.topics().iter().map(|t| t.id.clone()).collect();
    let mut rng = Rng::new(3);
    let now = viva::clock::now_ms();
    // Two thousand answers, one an hour, up to now.
    let mut experienced = Learner::new(names.clone(), Params::default());
    for i in 0..2_000 {
        let q = &bank.questions()[rng.below(bank.questions().len())];
        let weak = q.topic == "t3" || q.topic == "t11";
        let score = if weak { 0.3 } else { 0.8 } + 0.1 * rng.uniform();
        experienced
            .observe(&Observation {
                question_id: q.id.clone(),
                topic: q.topic.clone(),
                follow_up: false,
                difficulty: q.difficulty,
                evidence: Evidence::Score(score),
                at_ms: now - (2_000 - i) * 3_600_000,
            })
            .unwrap();
    }
    for (phase, learner) in [
        ("diagnosing", Learner::new(names, Params::default())),
        ("drilling", experienced),
    ] {
        let mut history = History::new(learner, Vec::new(), now);
        // A session already under way: ten questions asked and answered.
        for _ in 0..10 {
            let pick =
                select::pick(&bank, &Filters::default(), 30, &mut history, &mut rng).unwrap();
            let q = pick.question;
            history.record(q, Some(Evidence::Score(0.5)), now).unwrap();
        }
        let mut times = Vec::with_capacity(picks);
        let mut reasons = std::collections::BTreeSet::new();
        for _ in 0..picks {
            let started = Instant::now();
            let pick =
                select::pick(&bank, &Filters::default(), 30, &mut history, &mut rng).unwrap();
            times.push(started.elapsed());
            reasons.insert(pick.reason.split(':').next().unwrap().to_string());
        }
        times.sort();
        println!(
            "selector step ({phase}; {topics} topics, {} questions): median {:.3} ms, p99 {:.3} ms, max {:.3} ms ({picks} picks: {})",
            topics * per_topic,
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
            times.last().unwrap().as_secs_f64() * 1e3,
            reasons.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
}

/// The text guides among the import fixtures (the hand-written ones and, with `families`,
/// every generated family but the web pages).
fn fixture_guides(families: bool) -> String {
    let root = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/import"
    ));
    let mut dirs = vec![root.to_path_buf()];
    if families {
        let mut fams: Vec<_> = std::fs::read_dir(root.join("families"))
            .expect("families")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_dir())
            .collect();
        fams.sort();
        dirs.extend(fams);
    }
    let mut names = Vec::new();
    for dir in dirs {
        names.extend(
            std::fs::read_dir(dir)
                .expect("fixtures")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "txt" || e == "md")),
        );
    }
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("fixture") + "\n\n")
        .collect()
}

/// At least `bytes` of `one`, repeated.
fn repeated(one: &str, bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + one.len());
    while text.len() < bytes {
        text.push_str(one);
    }
    text
}

/// A guide of at least 500 KB made of the import fixtures, repeated: every layout, damaged
/// text, and many duplicates for the dedup to find.
fn big_guide() -> String {
    repeated(&fixture_guides(false), 500 * 1024)
}

/// At least `bytes` of `one`, each copy's questions made different by the copy's number, so
/// that no copy repeats another word for word and every question is compared through the
/// index.
fn varied(one: &str, bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + 2 * one.len());
    let mut n = 0;
    while text.len() < bytes {
        n += 1;
        text.push_str(&one.replace('?', &format!(" in case {n}?")));
    }
    text
}

/// `viva import --out` on guides of 1, 4 and 20 MB made of every fixture family, copied
/// word for word and copied with each copy's questions varied: the time per megabyte stays
/// flat when the import is linear.
fn import_scaling(sizes_mb: &[usize]) {
    let one = fixture_guides(true);
    let dir = std::env::temp_dir().join(format!("viva-bench-scaling-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (kind, &mb) in ["repeated", "varied"]
        .iter()
        .flat_map(|k| sizes_mb.iter().map(move |mb| (k, mb)))
    {
        let text = if *kind == "repeated" {
            repeated(&one, mb * 1024 * 1024)
        } else {
            varied(&one, mb * 1024 * 1024)
        };
        let path = dir.join(format!("guide-{mb}mb.md"));
        std::fs::write(&path, &text).expect("write guide");
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_viva"))
            .env("VIVA_HOME", &dir)
            .arg("import")
            .arg(&path)
            .arg("--out")
            .arg(dir.join("out.toml"))
            .output()
            .expect("viva runs");
        let secs = started.elapsed().as_secs_f64();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let said = String::from_utf8_lossy(&out.stdout);
        let written = said.split_whitespace().nth(1).unwrap_or("?");
        println!(
            "viva import --out, {mb} MB guide, {kind}: {secs:.1} s ({:.2} s per MB), {written} \
             questions written",
            secs / mb as f64
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
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
    // `cargo bench --bench viva -- import`: the import figures alone.
    if std::env::args().any(|a| a == "import") {
        import_speed(if bench { 7 } else { 1 });
        import_scaling(if bench { &[1, 4, 20] } else { &[1] });
        return;
    }
    startup(if bench { 30 } else { 1 });
    grading();
    delivery();
    llm_overhead(if bench { 300 } else { 3 });
    replay(if bench { 20 } else { 1 });
    selector(if bench { 500 } else { 5 });
    import_speed(if bench { 7 } else { 1 });
    import_scaling(if bench { &[1, 4, 20] } else { &[1] });
}
