//! Benchmarks at scale, release build: `cargo bench --bench scale`.
//!
//! - report: `viva report` (the binary, wall time) over a generated store of 100,000 turns
//!   (5,000 sessions of 18 questions and 2 follow-ups, a tenth of them graded twice, every
//!   answer with its delivery measures);
//! - regrade: `viva regrade --all --concurrency 16` against a loopback server that answers every
//!   request after a fixed 200 ms, i.e. at most 80 grades per second; and once with no latency,
//!   which measures what the client itself spends per grade.
//!
//! `cargo bench --bench scale -- report` (or `-- regrade`) runs one of them; with
//! `VIVA_BENCH_HOME=DIR` the generated store is kept there and reused by later runs.
//!
//! The store is written straight through SQLite in one transaction (the schema comes from
//! `Store::open`), which takes seconds instead of the minutes that 200,000 commits would.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "../tests/support/fake_llm.rs"]
#[allow(
    dead_code,
    reason = "the benches need only a plain, optionally slow, server"
)]
mod fake_llm;

use fake_llm::{Behaviour, FakeLlm, Reply};
use rusqlite::params;
use viva::bank::Bank;
use viva::grade::offline::OfflineGrader;
use viva::grade::{Grade, Grader};
use viva::rubric::Rubrics;
use viva::store::Store;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A small deterministic generator (xorshift), so every run builds the same store.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Writes `sessions` sessions of `questions` questions and `follow_ups` follow-ups each, graded
/// with real offline grades of the bank's model answers (scores varied per turn).
fn generate(db: &Path, sessions: usize, questions: usize, follow_ups: usize) -> usize {
    drop(Store::open(db).expect("a fresh store"));
    let bank = Bank::load(None).expect("shipped bank");
    let rubrics = Rubrics::embedded();
    let graded: Vec<Grade> = bank
        .questions()
        .iter()
        .map(|q| {
            OfflineGrader
                .grade(q, rubrics.for_kind(q.kind), &q.model_answer)
                .unwrap()
        })
        .collect();
    let mut conn = rusqlite::Connection::open(db).unwrap();
    let tx = conn.transaction().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut turns = 0;
    {
        let mut session = tx
            .prepare("INSERT INTO sessions (started_at, ended_at, settings) VALUES (?1, ?2, '{}')")
            .unwrap();
        let mut turn = tx
            .prepare(
                "INSERT INTO turns (session_id, parent_id, seq, question_id, topic, kind, difficulty,
                                    prompt, answer, asked_at, answered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .unwrap();
        let mut delivery = tx
            .prepare(
                "INSERT INTO delivery (turn_id, words, fillers, fillers_per_100, hedges, restarts,
                                       wpm, metrics)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '{}')",
            )
            .unwrap();
        let mut grade = tx
            .prepare(
                "INSERT INTO grades (turn_id, created_at, grader, score, outcome, grade)
                 VALUES (?1, ?2, 'offline', ?3, ?4, ?5)",
            )
            .unwrap();
        let mut at: i64 = 1_700_000_000_000;
        for _ in 0..sessions {
            let started = at;
            session.execute(params![started, started]).unwrap();
            let sid = tx.last_insert_rowid();
            let mut parent = None;
            for seq in 0..questions + follow_ups {
                let i = rng.below(graded.len() as u64) as usize;
                let q = &bank.questions()[i];
                let follow_up = seq >= questions;
                at += 60_000 + rng.below(120_000) as i64;
                turn.execute(params![
                    sid,
                    if follow_up { parent } else { None },
                    seq as i64 + 1,
                    q.id,
                    q.topic,
                    q.kind.as_str(),
                    q.difficulty.as_str(),
                    q.prompt,
                    q.model_answer,
                    at - 60_000,
                    at
                ])
                .unwrap();
                let tid = tx.last_insert_rowid();
                let words = 60 + rng.below(200) as i64;
                let fillers = rng.below(12) as i64;
                delivery
                    .execute(params![
                        tid,
                        words,
                        fillers,
                        fillers as f64 * 100.0 / words as f64,
                        rng.below(4) as i64,
                        rng.below(3) as i64,
                        100.0 + rng.below(80) as f64
                    ])
                    .unwrap();
                if !follow_up {
                    parent = Some(tid);
                }
                turns += 1;
                let times = if rng.below(10) == 0 { 2 } else { 1 };
                for _ in 0..times {
                    let mut g = graded[i].clone();
                    g.score = rng.below(101) as u8;
                    let outcome = if rng.below(20) == 0 {
                        "insufficient_evidence"
                    } else {
                        "graded"
                    };
                    grade
                        .execute(params![
                            tid,
                            at,
                            g.score,
                            outcome,
                            serde_json::to_string(&g).unwrap()
                        ])
                        .unwrap();
                }
            }
            tx.execute(
                "UPDATE sessions SET ended_at = ?1 WHERE id = ?2",
                params![at, sid],
            )
            .unwrap();
            at += 86_400_000 / 4;
        }
    }
    tx.commit().unwrap();
    turns
}

/// CPU time (user + system) used so far by this process's waited-for children: fields 16 and 17
/// of /proc/self/stat, in clock ticks (100 per second on Linux). On a shared machine this says
/// what a command costs when the wall clock says how busy the others were.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    // After the command name: state is field 3, so field n is fields[n - 3].
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Wall times of `runs` runs, sorted, and the mean CPU time per run.
fn time_command(home: &Path, args: &[&str], runs: usize) -> (Vec<Duration>, Option<Duration>) {
    let cpu_before = children_cpu();
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_viva"))
            .env("VIVA_HOME", home)
            .args(args)
            .output()
            .expect("viva runs");
        times.push(started.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    times.sort();
    let cpu = children_cpu()
        .zip(cpu_before)
        .map(|(after, before)| (after - before) / runs as u32);
    (times, cpu)
}

/// The 100,000-turn store: generated in a temporary directory, or kept in (and reused from)
/// `$VIVA_BENCH_HOME` when that is set, since generating it takes a minute.
fn report(runs: usize) {
    let temp = tempfile::tempdir().unwrap();
    let home = std::env::var_os("VIVA_BENCH_HOME")
        .map_or_else(|| temp.path().to_path_buf(), std::path::PathBuf::from);
    let db = home.join("viva.db");
    if !db.exists() {
        std::fs::create_dir_all(&home).unwrap();
        let started = Instant::now();
        let turns = generate(&db, 5_000, 18, 2);
        println!(
            "generated {turns} turns in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let store = Store::open(&db).unwrap();
    let turns = store.turn_count().unwrap();
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!("store: {turns} turns, {:.0} MB", size as f64 / 1e6);
    let home = home.as_path();
    println!("load average before: {}", load_average());
    for args in [&["report"][..], &["report", "--json"][..]] {
        let (times, cpu) = time_command(home, args, runs);
        println!(
            "viva {} over {turns} turns: wall median {:.1} ms, p95 {:.1} ms, max {:.1} ms; CPU {} per run ({runs} runs)",
            args.join(" "),
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(*times.last().unwrap()),
            cpu.map_or("unknown".into(), |c| format!("{:.0} ms", ms(c))),
        );
    }
    let topics: Vec<String> = Bank::load(None)
        .unwrap()
        .topics()
        .iter()
        .map(|t| t.id.clone())
        .collect();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(viva::review::report::build(&store, topics.clone()).unwrap());
            started.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "  of which building the report in process: median {:.1} ms",
        ms(percentile(&times, 0.5))
    );
    let (times, _) = time_command(home, &["review", "search", "lock", "thread"], runs);
    println!(
        "viva review search over {turns} turns: median {:.1} ms",
        ms(percentile(&times, 0.5))
    );
}

fn regrade(answers: usize, concurrency: usize, latency: Duration) {
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
    let home = tempfile::tempdir().unwrap();
    {
        let store = Store::open(&home.path().join("viva.db")).unwrap();
        let s = store.start_session(1, &serde_json::json!({})).unwrap();
        for i in 0..answers {
            store
                .insert_turn(&viva::store::NewTurn {
                    session_id: s,
                    parent_id: None,
                    seq: i as u32 + 1,
                    question_id: &q.id,
                    topic: &q.topic,
                    kind: q.kind.as_str(),
                    difficulty: q.difficulty.as_str(),
                    prompt: &q.prompt,
                    answer: &q.model_answer,
                    skipped: false,
                    hints: 0,
                    asked_at: i as i64,
                    answered_at: i as i64,
                    retry_of: None,
                })
                .unwrap();
        }
    }
    std::fs::write(
        home.path().join("config.toml"),
        "stream = false\nmax_retries = 0\n",
    )
    .unwrap();
    // Answers every chat completion with the verdict after `latency`.
    let server = FakeLlm::start_with(
        vec![],
        Behaviour {
            latency,
            repeat: Some(Reply::ok(serde_json::json!({
                "model": "bench",
                "choices": [{"message": {"content": verdict}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1000, "completion_tokens": 200}
            }))),
            ..Behaviour::default()
        },
    );
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_viva"))
        .env("VIVA_HOME", home.path())
        .env("VIVA_API_BASE", &server.base)
        .env("VIVA_MODEL", "bench")
        .args(["regrade", "--all", "--grader", "llm", "--json"])
        .args(["--concurrency", &concurrency.to_string()])
        .output()
        .expect("viva runs");
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["regraded"], answers, "{summary}");
    let rate = answers as f64 / elapsed.as_secs_f64();
    println!("load average: {}", load_average());
    if latency.is_zero() {
        println!(
            "viva regrade of {answers} answers, concurrency {concurrency}, no latency: {:.1} s, {rate:.0} grades/s ({:.2} ms per grade for client and loopback server together, startup included)",
            elapsed.as_secs_f64(),
            1e3 / rate
        );
        return;
    }
    let ceiling = concurrency as f64 / latency.as_secs_f64();
    println!(
        "viva regrade of {answers} answers, concurrency {concurrency}, {} ms latency: {:.1} s, {rate:.1} grades/s = {:.1}% of the {ceiling:.0}/s ceiling (peak {} in flight)",
        latency.as_millis(),
        elapsed.as_secs_f64(),
        100.0 * rate / ceiling,
        server.max_in_flight()
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not, and then a small run will do.
    // `cargo bench --bench scale -- report` (or `regrade`) runs one of the two.
    let args: Vec<String> = std::env::args().collect();
    let bench = args.iter().any(|a| a == "--bench");
    let only = |name: &str| {
        !args.iter().any(|a| a == "report" || a == "regrade") || args.iter().any(|a| a == name)
    };
    if bench {
        if only("report") {
            report(20);
        }
        if only("regrade") {
            regrade(800, 16, Duration::from_millis(200));
            regrade(800, 16, Duration::ZERO);
        }
    } else {
        regrade(32, 16, Duration::from_millis(200));
    }
}
