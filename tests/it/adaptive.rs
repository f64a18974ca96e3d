//! The adaptive engine as a user meets it: reasons for every question, a weak topic coming back,
//! `viva status`, `/status`, and `viva sim`.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use viva::bank::Bank;

use crate::{json_of, stdout_of, viva};

/// A real piped session over four topics: every concurrency question is answered "I don't
/// know", every other one with the bank's model answer.
#[test]
fn a_practice_session_shows_reasons_and_returns_to_the_weak_topic() {
    let home = tempfile::tempdir().unwrap();
    let bank = Bank::load(None).unwrap();
    let mut child = crate::process(&crate::viva_bin(), home.path())
        .env("NO_COLOR", "1")
        .args([
            "practice",
            "-n",
            "16",
            "--seed",
            "11",
            "-t",
            "concurrency",
            "-t",
            "oop",
            "-t",
            "functions",
            "-t",
            "types",
            "--follow-ups",
            "0",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut asked: Vec<(String, String)> = Vec::new();
    let mut status_shown = false;
    while let Some(line) = lines.next() {
        let line = line.unwrap();
        if line.starts_with("Session ") && line.contains("finished") {
            break;
        }
        let Some(header) = line.strip_prefix("Question ") else {
            if line.contains("P(weakest") {
                status_shown = true;
            }
            continue;
        };
        let topic = header.split(" · ").nth(1).unwrap().to_string();
        let reason = lines.next().unwrap().unwrap();
        assert!(
            reason.starts_with('(') && reason.len() > 8,
            "every question carries its reason: {reason:?}"
        );
        assert_eq!(lines.next().unwrap().unwrap(), "");
        let prompt = lines.next().unwrap().unwrap();
        let question = bank
            .questions()
            .iter()
            // On the terminal a `code` span is styled in place of its backticks.
            .find(|q| q.prompt.lines().next().map(|l| l.replace('`', "")) == Some(prompt.clone()))
            .unwrap_or_else(|| panic!("no question starts with {prompt:?}"));
        if asked.len() == 8 {
            writeln!(stdin, "/status").unwrap();
        }
        let answer = if topic == "concurrency" {
            "I don't know".to_string()
        } else {
            question.model_answer.replace('\n', " ")
        };
        writeln!(stdin, "{answer}\n").unwrap();
        asked.push((topic, reason));
        if asked.len() == 16 {
            // A study session offers questions about the last answer until an empty line.
            writeln!(stdin).unwrap();
        }
        stdin.flush().unwrap();
    }
    drop(stdin);
    child.wait().unwrap();
    assert_eq!(asked.len(), 16, "{asked:#?}");
    assert!(status_shown, "/status printed the estimates");
    let first = asked
        .iter()
        .position(|(t, _)| t == "concurrency")
        .expect("concurrency is covered early");
    assert!(first < 6, "{asked:#?}");
    let returns = asked[first + 1..]
        .iter()
        .filter(|(t, _)| t == "concurrency")
        .count();
    assert!(returns >= 2, "the weak topic comes back: {asked:#?}");

    let status = json_of(viva(home.path()).args(["status", "--json"]));
    assert_eq!(status["topics"][0]["topic"], "concurrency", "{status:#}");
    assert_eq!(status["answers"], 16);
    let text = stdout_of(viva(home.path()).arg("status"));
    assert!(
        text.contains("concurrency") && text.contains("P(weakest"),
        "{text}"
    );
}

#[test]
fn status_of_a_fresh_home_says_there_is_nothing_yet() {
    let home = tempfile::tempdir().unwrap();
    let text = stdout_of(viva(home.path()).arg("status"));
    assert!(text.contains("No answers yet"), "{text}");
    let json = json_of(viva(home.path()).args(["status", "--json"]));
    assert_eq!(json["answers"], 0);
    assert_eq!(json["topics"].as_array().unwrap().len(), 21);
}

#[test]
fn sim_reports_every_target_and_policy() {
    let home = tempfile::tempdir().unwrap();
    let report = json_of(viva(home.path()).args([
        "sim",
        "--candidates",
        "12",
        "--cell",
        "reference",
        "--json",
    ]));
    let targets = report["targets"].as_array().unwrap();
    let ids: Vec<&str> = targets.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10"]
    );
    assert!(targets[0]["figure"].as_str().unwrap().starts_with("0."));
    assert!(
        targets[5]["met"].is_null(),
        "T6 needs the binary cell, which did not run"
    );
    let rows = report["cells"][0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6 * 5, "six policies, five budgets");
    // With the reference cell comes the ceiling: LUCB on Gaussian answers, one row a level.
    let ceiling = report["ceiling"].as_array().unwrap();
    let levels: Vec<f64> = ceiling
        .iter()
        .map(|r| r["information"].as_f64().unwrap())
        .collect();
    assert_eq!(levels, [0.9, 1.0, 1.13]);
    assert!(
        ceiling
            .iter()
            .all(|r| r["lucb_24"]["mean"].as_f64().unwrap() > 0.0)
    );
    // The same seed gives the same figures.
    let again = json_of(viva(home.path()).args([
        "sim",
        "--candidates",
        "12",
        "--cell",
        "reference",
        "--json",
    ]));
    assert_eq!(report["cells"], again["cells"]);
    assert_eq!(report["ceiling"], again["ceiling"]);
    let out = viva(home.path())
        .args(["sim", "--cell", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown cell \"nowhere\""));
}
