//! `viva regrade`: offline and against a local model server, N requests at a time, failures,
//! Ctrl-C, and the batch-file round trip.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fake_llm::{Behaviour, FakeLlm, Reply, verdict_for};
use crate::review::play;
use crate::{json_of, stdout_of, viva};

const ANSWER: &str = "The GIL is a lock in CPython so only one thread runs Python bytecode at a time, \
and threads still help with I/O because the lock is released while waiting.";

fn with_server(home: &Path, server: &FakeLlm) -> assert_cmd::Command {
    std::fs::write(
        home.join("config.toml"),
        "max_retries = 0\nstream = false\n",
    )
    .unwrap();
    let mut cmd = viva(home);
    cmd.env("VIVA_API_BASE", &server.base)
        .env("VIVA_MODEL", "test-model");
    cmd
}

/// Every grade of every turn, from the JSON export.
fn grades(home: &Path) -> Vec<Vec<Value>> {
    let all = json_of(viva(home).args(["export", "--all", "--format", "json"]));
    all["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["turns"].as_array().unwrap().clone())
        .map(|t| t["grades"].as_array().unwrap().clone())
        .collect()
}

#[test]
fn a_model_regrade_runs_n_requests_at_a_time_and_keeps_the_old_grades() {
    let home = tempfile::tempdir().unwrap();
    play(home.path(), "concurrency", 12, 7, 0, ANSWER);
    let before = json_of(viva(home.path()).args(["report", "--json"]));
    let server = FakeLlm::start_with(
        vec![],
        Behaviour {
            latency: Duration::from_millis(500),
            repeat: Some(Reply::Verdict { level: 4 }),
            ..Behaviour::default()
        },
    );
    let summary = json_of(
        with_server(home.path(), &server)
            .args(["regrade", "--all", "--concurrency", "4", "--json"])
            .arg("--grader=llm"),
    );
    assert_eq!(server.requests().len(), 12);
    assert_eq!(
        server.max_in_flight(),
        4,
        "four requests at a time, never more"
    );
    assert_eq!(summary["regraded"], 12);
    assert_eq!(summary["previous_graders"], json!(["offline"]));
    assert_eq!(summary["graders"], json!(["llm (test-model)"]));
    let conc = &summary["topics"][0];
    assert_eq!(conc["topic"], "concurrency");
    assert_eq!(conc["compared"], 12);
    assert_eq!(conc["mean_after"], 100.0, "every criterion at level 4");

    for history in grades(home.path()) {
        assert_eq!(history.len(), 2, "the offline grade is kept");
        assert_eq!(history[0]["grade"]["grader"], "offline");
        assert_eq!(history[1]["grade"]["grader"], "llm");
    }
    // The latest grade wins, for the trend and for the learner (a full replay: the regrade
    // changed grades its snapshot covered).
    let report = json_of(viva(home.path()).args(["report", "--json"]));
    let conc = &report["topics"][0];
    assert_eq!(conc["trend"], "█".repeat(12));
    let estimate = |r: &Value| r["topics"][0]["estimate"].as_f64().unwrap();
    assert!(estimate(&report) > 85.0, "{report:#}");
    assert!(estimate(&report) > estimate(&before) + 10.0, "{before:#}");
}

#[test]
fn a_failing_model_leaves_the_old_grades_and_says_which_answers() {
    let home = tempfile::tempdir().unwrap();
    play(home.path(), "oop", 2, 2, 0, ANSWER);
    let server = FakeLlm::start_with(
        vec![Reply::Verdict { level: 2 }],
        Behaviour {
            repeat: Some(Reply::status(
                503,
                json!({"error": {"message": "overloaded"}}),
            )),
            ..Behaviour::default()
        },
    );
    let out = with_server(home.path(), &server)
        .args([
            "regrade",
            "--session",
            "1",
            "--concurrency",
            "1",
            "--grader",
            "llm",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("Re-graded 1 answer: offline → llm (test-model)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("turn 2 not graded: the server answered 503")
            && stdout.contains("overloaded"),
        "{stdout}"
    );
    assert!(stderr.contains("1 answer could not be graded"), "{stderr}");
    let counts: Vec<usize> = grades(home.path()).iter().map(Vec::len).collect();
    assert_eq!(
        counts,
        [2, 1],
        "no offline stand-in is stored for the failed one"
    );
}

#[test]
fn offline_regrade_of_ungraded_answers_and_which_answers_must_be_said() {
    let home = tempfile::tempdir().unwrap();
    play(home.path(), "oop", 1, 2, 0, ANSWER);
    let none = stdout_of(viva(home.path()).args(["regrade", "--ungraded", "--grader", "offline"]));
    assert_eq!(
        none, "No answers were re-graded.\n",
        "no `ungraded → -` table"
    );
    let again = stdout_of(viva(home.path()).args([
        "regrade",
        "--since",
        "2000-01-01",
        "--grader",
        "offline",
    ]));
    assert!(
        again.contains("Re-graded 1 answer: offline → offline"),
        "{again}"
    );
    assert!(again.contains("oop"), "{again}");
    let unsaid = viva(home.path()).arg("regrade").output().unwrap();
    assert_eq!(unsaid.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unsaid.stderr).contains("--ungraded"));
    let two = viva(home.path())
        .args(["regrade", "--all", "--ungraded"])
        .output()
        .unwrap();
    assert_eq!(two.status.code(), Some(2), "one selection at a time");
}

#[test]
fn an_offline_regrade_keeps_the_hint_penalty() {
    let home = tempfile::tempdir().unwrap();
    stdout_of(
        viva(home.path())
            .args(["practice", "--topic", "concurrency", "--grader", "offline"])
            .args(["--count", "1", "--seed", "5", "--follow-ups", "0"])
            .write_stdin(format!("/hint\n{ANSWER}\n\n")),
    );
    stdout_of(viva(home.path()).args(["regrade", "--all", "--grader", "offline"]));
    let grades = &grades(home.path())[0];
    let (first, again) = (&grades[0]["grade"], &grades[1]["grade"]);
    assert!(first["score"].as_u64().unwrap() > 0, "{first:#}");
    assert_eq!(again["score"], first["score"], "the hint stays charged");
    let note = "1 hint used";
    assert!(again["notes"].to_string().contains(note), "{again:#}");
    let shown = stdout_of(viva(home.path()).args(["review", "show", "1"]));
    assert!(shown.contains("(1 hint used)"), "{shown}");
}

#[test]
fn ctrl_c_stops_a_regrade_and_keeps_what_finished() {
    let home = tempfile::tempdir().unwrap();
    play(home.path(), "concurrency", 6, 9, 0, ANSWER);
    let server = FakeLlm::start_with(
        vec![],
        Behaviour {
            repeat: Some(Reply::Verdict { level: 3 }),
            hang_from: Some(2),
            ..Behaviour::default()
        },
    );
    std::fs::write(
        home.path().join("config.toml"),
        "max_retries = 0\nstream = false\n",
    )
    .unwrap();
    let child = crate::process(&crate::viva_bin(), home.path())
        .env("VIVA_API_BASE", &server.base)
        .env("VIVA_MODEL", "test-model")
        .args(["regrade", "--all", "--concurrency", "2", "--grader", "llm"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Two at a time: request 4 goes out only once grades 1 and 2 are stored. Requests 3 and 4
    // hang; interrupt while they are in flight.
    let waiting = Instant::now();
    while server.requests().len() < 4 {
        assert!(
            waiting.elapsed() < Duration::from_secs(60),
            "the regrade never got going"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "stops without waiting for the hung requests"
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Re-graded 2 answers"), "{stdout}");
    assert!(
        stdout.contains("Interrupted: 4 answers left as they were"),
        "{stdout}"
    );
    let counts: Vec<usize> = grades(home.path()).iter().map(Vec::len).collect();
    assert_eq!(counts.iter().filter(|n| **n == 2).count(), 2, "{counts:?}");
}

/// For a batch runner whose server rejects `json_schema`: the schema goes into the prompt, and
/// a reply that wraps the verdict in prose is still read back.
#[test]
fn a_batch_for_a_server_without_structured_output_carries_the_schema_in_the_prompt() {
    let home = tempfile::tempdir().unwrap();
    play(home.path(), "concurrency", 1, 4, 0, ANSWER);
    let requests_file = home.path().join("requests.jsonl");
    stdout_of(
        viva(home.path())
            .env("VIVA_MODEL", "batch-model")
            .args(["regrade", "--all", "--schema-in-prompt", "--batch-out"])
            .arg(&requests_file),
    );
    let request: Value =
        serde_json::from_str(std::fs::read_to_string(&requests_file).unwrap().trim()).unwrap();
    assert!(
        request["body"].get("response_format").is_none(),
        "{request}"
    );
    let system = request["body"]["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("matching this JSON Schema"), "{system}");
    assert!(system.contains("\"insufficient_evidence\""), "{system}");

    let reply = format!(
        "Here is my verdict.\n```json\n{}\n```",
        verdict_for(&request["body"], 4)
    );
    let results_file = home.path().join("results.jsonl");
    std::fs::write(
        &results_file,
        result_line(&request, completion(&reply)) + "\n",
    )
    .unwrap();
    let said = stdout_of(
        viva(home.path())
            .args(["regrade", "--batch-in"])
            .arg(&results_file),
    );
    assert!(said.contains("Re-graded 1 answer"), "{said}");
    let histories = grades(home.path());
    let latest = &histories[0].last().unwrap()["grade"];
    assert_eq!(latest["grader"], "llm");
    assert_eq!(latest["score"], 100);
}

/// A batch output line for one request, in the documented format.
fn result_line(request: &Value, body: Value) -> String {
    json!({
        "id": "batch_req_1",
        "custom_id": request["custom_id"],
        "response": {"status_code": 200, "request_id": "req_1", "body": body},
        "error": null
    })
    .to_string()
}

fn completion(content: &str) -> Value {
    json!({"id": "chatcmpl-1", "object": "chat.completion", "model": "batch-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1100, "completion_tokens": 150, "total_tokens": 1250}})
}

#[test]
fn a_batch_round_trip_stores_the_grades_and_reports_the_lines_it_could_not_use() {
    let home = tempfile::tempdir().unwrap();
    play(home.path(), "concurrency", 3, 4, 0, ANSWER);
    let requests_file = home.path().join("requests.jsonl");
    let said = stdout_of(
        viva(home.path())
            .env("VIVA_MODEL", "batch-model")
            .args(["regrade", "--all", "--batch-out"])
            .arg(&requests_file),
    );
    assert!(
        said.contains("wrote 3 grading requests for batch-model"),
        "{said}"
    );
    let requests: Vec<Value> = std::fs::read_to_string(&requests_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert!(r["custom_id"].as_str().unwrap().starts_with("viva-turn-"));
        assert_eq!(r["method"], "POST");
        assert_eq!(r["url"], "/v1/chat/completions");
        assert_eq!(r["body"]["model"], "batch-model");
        assert_eq!(r["body"]["response_format"]["type"], "json_schema");
        assert!(r["body"].get("stream").is_none_or(|s| s == false));
        assert_eq!(r["body"]["messages"][0]["role"], "system");
        assert!(
            r["body"]["messages"][1]["content"]
                .as_str()
                .unwrap()
                .contains(ANSWER)
        );
    }

    let good = |r: &Value| result_line(r, completion(&verdict_for(&r["body"], 4).to_string()));
    let lines = [
        good(&requests[0]),
        good(&requests[1]),
        "{not json".to_string(),
        json!({"custom_id": "viva-turn-999", "response": {"status_code": 200, "body": completion("{}")}, "error": null}).to_string(),
        json!({"custom_id": requests[2]["custom_id"], "response": null,
            "error": {"code": "batch_expired", "message": "This request could not be executed before the batch expired."}}).to_string(),
        result_line(&requests[2], completion("I think it was fine.")),
        good(&requests[0]),
    ];
    let results_file = home.path().join("results.jsonl");
    std::fs::write(&results_file, lines.join("\n") + "\n").unwrap();

    let out = viva(home.path())
        .args(["regrade", "--batch-in"])
        .arg(&results_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("Re-graded 2 answers: offline → llm (batch-model)"),
        "{stdout}"
    );
    let file = results_file.display().to_string();
    for expected in [
        format!("5 lines of {file} not stored"),
        format!("{file}:3: line: not JSON"),
        format!("{file}:4: custom_id: no answered turn 999 in this store"),
        format!("{file}:5: error: This request could not be executed before the batch expired."),
        format!(
            "{file}:6: response.body: the verdict is unusable: the reply contains no complete JSON object"
        ),
        format!(
            "{file}:7: custom_id: {} was already graded from line 1",
            requests[0]["custom_id"].as_str().unwrap()
        ),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }

    let histories = grades(home.path());
    let latest: Vec<&Value> = histories
        .iter()
        .map(|h| &h.last().unwrap()["grade"])
        .collect();
    for g in &latest[..2] {
        assert_eq!(g["grader"], "llm");
        assert_eq!(g["model"], "batch-model");
        assert_eq!(g["score"], 100);
        assert_eq!(g["tokens_in"], 1100);
        assert!(g["notes"].to_string().contains("batch file"), "{g}");
        assert!(
            g["key_points"][0]["evidence"].is_string(),
            "quotes checked and kept"
        );
    }
    assert_eq!(
        latest[2]["grader"], "offline",
        "the unusable verdict stored nothing"
    );
}

#[test]
fn a_batch_line_that_is_not_utf8_is_reported_and_the_rest_still_read() {
    let home = tempfile::tempdir().unwrap();
    let results_file = home.path().join("results.jsonl");
    std::fs::write(&results_file, b"{\"custom_id\": \"\xff\"}\n{}\n").unwrap();
    let out = viva(home.path())
        .args(["regrade", "--batch-in"])
        .arg(&results_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let file = results_file.display().to_string();
    for expected in [
        format!("{file}:1: line: not UTF-8"),
        format!("{file}:2: custom_id: missing"),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
}
