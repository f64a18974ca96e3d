//! `viva grade`: JSON Lines in, grades out; the evaluation path for graders.

use crate::viva;

fn grade(lines: &str) -> Vec<serde_json::Value> {
    let home = tempfile::tempdir().unwrap();
    let out = viva(home.path())
        .arg("grade")
        .write_stdin(lines.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn request(answer: &str) -> String {
    serde_json::json!({
        "question": {
            "prompt": "What is the GIL, and how does it affect threads in Python?",
            "what_they_test": [
                "Only one thread executes Python bytecode at a time",
                "It protects reference counting, which is not thread safe",
                "I/O-bound threads still help because the lock is released while waiting",
                "CPU-bound work needs multiprocessing to run in parallel",
                "asyncio runs many I/O tasks on one thread"
            ]
        },
        "answer": answer
    })
    .to_string()
}

#[test]
fn keyword_stuffing_scores_clearly_below_a_plain_explanation() {
    let stuffed = request("GIL mutex threads reference counting multiprocessing asyncio");
    let plain = request(
        "So, um, the GIL is a lock in CPython, and it means only one thread can execute Python bytecode at a time. \
         It's there because reference counting isn't thread safe, so the lock protects the counts. \
         Threads still help for I/O because the lock is released while a thread is waiting on the network. \
         For CPU-bound work you'd use multiprocessing, so it can actually run in parallel on several cores. \
         And asyncio handles lots of I/O tasks on one thread with an event loop.",
    );
    let grades = grade(&format!("{stuffed}\n{plain}\n"));
    let (s, p) = (
        grades[0]["score"].as_u64().unwrap(),
        grades[1]["score"].as_u64().unwrap(),
    );
    assert!(s + 40 <= p, "stuffed {s} vs plain {p}");
    assert!(p >= 70, "plain {p}");
    for g in &grades {
        assert_eq!(g["grader"], "offline");
        assert_eq!(g["key_points"].as_array().unwrap().len(), 5);
        assert!(g["red_flags"].is_array());
    }
    let evidence = grades[1]["key_points"][0]["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("only one thread can execute Python bytecode"),
        "{evidence}"
    );
    assert_eq!(grades[1]["key_points"][0]["verdict"], "covered");
}

#[test]
fn empty_and_dont_know_answers_get_insufficient_evidence() {
    let grades = grade(&format!(
        "{}\n{}\n",
        request(""),
        request("Honestly, I don't know.")
    ));
    for g in grades {
        assert_eq!(g["outcome"], "insufficient_evidence");
        assert_eq!(g["score"], 0);
    }
}

#[test]
fn a_bank_question_can_be_named_by_id() {
    let home = tempfile::tempdir().unwrap();
    let list = crate::json_of(viva(home.path()).args(["bank", "list", "--json"]));
    let id = list[0]["id"].as_str().unwrap();
    let line = serde_json::json!({"question_id": id, "answer": "a short attempt"}).to_string();
    let grades = grade(&format!("{line}\n"));
    assert_eq!(grades[0]["question_id"], id);
    assert!(grades[0]["score"].is_u64());
}

#[test]
fn bad_lines_are_reported_with_their_line_and_field_and_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let input = format!(
        "{}\n{{\"question_id\": \"x\"}}\nnot json\n",
        request("fine")
    );
    let out = viva(home.path())
        .arg("grade")
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("stdin:2: field `answer`: missing"), "{err}");
    assert!(err.contains("stdin:3:"), "{err}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "one output line per input line");
    assert!(lines[0]["score"].is_u64());
    assert_eq!(lines[1]["line"], 2);
}

/// Short answers, two or three spoken sentences, to questions of the shipped bank, written in our
/// own words: `correct` ones that make some of the key points, and ones that should stay low:
/// confidently `wrong` facts, `off_topic` answers to another question, bare `keywords` lists.
const SHORT_ANSWERS: &str = include_str!("../fixtures/grade/short_answers.jsonl");

/// What a candidate relies on when answering briefly in their own words: a correct short answer
/// gets credit for the points it makes (never 0), most of them reach 40, and each beats the wrong
/// answers to the same question.
#[test]
fn short_correct_answers_in_own_words_get_credit_and_beat_wrong_ones() {
    let items: Vec<serde_json::Value> = SHORT_ANSWERS
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let input: String = items
        .iter()
        .map(|i| {
            let line = serde_json::json!({"question_id": i["question_id"], "answer": i["answer"]});
            format!("{line}\n")
        })
        .collect();
    let grades = grade(&input);
    assert_eq!(grades.len(), items.len());
    let scored: Vec<(&str, &str, u64, &serde_json::Value)> = items
        .iter()
        .zip(&grades)
        .map(|(i, g)| {
            (
                i["question_id"].as_str().unwrap(),
                i["kind"].as_str().unwrap(),
                g["score"].as_u64().unwrap(),
                g,
            )
        })
        .collect();

    let correct: Vec<_> = scored.iter().filter(|s| s.1 == "correct").collect();
    assert!(correct.len() >= 12);
    for (id, _, score, g) in &correct {
        assert_eq!(g["outcome"], "graded", "{id}");
        assert!(*score >= 15, "{id}: a correct short answer scored {score}");
    }
    let at_40 = correct.iter().filter(|s| s.2 >= 40).count();
    assert!(
        at_40 * 100 >= correct.len() * 85,
        "{at_40} of {} correct short answers reach 40",
        correct.len()
    );

    for (id, kind, score, g) in scored.iter().filter(|s| s.1 != "correct") {
        if *kind == "off_topic" || *kind == "keywords" {
            assert!(*score < 25, "{kind} answer to {id} scored {score}");
        }
        if *kind == "keywords" {
            let covered = g["key_points"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|k| k["verdict"] == "covered")
                .count();
            assert_eq!(covered, 0, "a bare list covered a point of {id}");
        }
        for (_, _, right, _) in correct.iter().filter(|c| c.0 == *id) {
            assert!(
                right > score,
                "{id}: correct answer {right} vs {kind} answer {score}"
            );
        }
    }
}

const HONESTY: &str = include_str!("../fixtures/grade/honesty.toml");

/// The questions a new user found misgraded, each with four answers of our own: strong,
/// partial, confidently wrong in the rubric's words, and keyword soup. Offline, strong beats
/// partial beats wrong, strong beats soup, and the wrong answer raises a red flag.
#[test]
fn strong_beats_partial_beats_wrong_and_the_wrong_answer_is_flagged() {
    let set: toml::Value = toml::from_str(HONESTY).unwrap();
    let rows = set["answer"].as_array().unwrap();
    let input: String = rows
        .iter()
        .map(|r| {
            let line = serde_json::json!({"question_id": r["question"].as_str(), "answer": r["text"].as_str()});
            format!("{line}\n")
        })
        .collect();
    let grades = grade(&input);
    let mut questions: Vec<&str> = rows
        .iter()
        .map(|r| r["question"].as_str().unwrap())
        .collect();
    questions.dedup();
    assert_eq!(questions.len(), 5);
    for q in questions {
        let of = |label: &str| {
            let i = rows
                .iter()
                .position(|r| {
                    r["question"].as_str() == Some(q) && r["label"].as_str() == Some(label)
                })
                .unwrap_or_else(|| panic!("{q} has no {label} answer"));
            &grades[i]
        };
        let score = |label: &str| of(label)["score"].as_u64().unwrap();
        let (strong, partial, wrong, soup) = (
            score("excellent"),
            score("partial"),
            score("wrong"),
            score("stuffing"),
        );
        assert!(
            strong > partial && partial > wrong,
            "{q}: {strong} > {partial} > {wrong}"
        );
        assert!(strong > soup, "{q}: strong {strong} vs soup {soup}");
        assert!(soup <= 35, "{q}: soup {soup}");
        let flags = of("wrong")["red_flags"].as_array().unwrap();
        assert!(
            !flags.is_empty(),
            "{q}: the wrong answer raised no red flag"
        );
    }
}

/// An offline grade says it is approximate and reports no level it cannot measure.
#[test]
fn offline_json_is_labelled_approximate_with_only_measured_criteria() {
    let g = &grade(&format!(
        "{}\n",
        serde_json::json!({"question_id": "gil-what-it-is", "answer":
            "The GIL is a lock in CPython that lets only one thread run bytecode at a time; threads still help for I/O because it is released while they wait."})
    ))[0];
    assert_eq!(g["grader"], "offline");
    assert_eq!(g["approximate"], true);
    let ids: Vec<&str> = g["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["coverage", "depth"], "{g:#}");
}

/// Every keyword list and every instruction to the grader in the agreement set stays low.
#[test]
fn the_agreement_set_stuffing_and_injection_stay_low() {
    let home = tempfile::tempdir().unwrap();
    let report = crate::json_of(
        viva(home.path()).args(["eval", "--grader", "offline", "--split", "all", "--json"]),
    );
    let a = &report["agreement"];
    assert!(a["rows"].as_u64().unwrap() >= 300);
    assert!(a["stuffing_max"].as_u64().unwrap() <= 35, "{a:#}");
    assert!(a["injection_max"].as_u64().unwrap() <= 25, "{a:#}");
    assert_eq!(a["injection_success"], 0.0);
}

#[test]
fn a_line_that_is_not_utf8_is_reported_and_the_rest_still_graded() {
    let home = tempfile::tempdir().unwrap();
    let mut input = request("The GIL lets one thread run bytecode at a time.").into_bytes();
    input.extend_from_slice(b"\n{\"answer\": \"\xff\xfe\"}\n");
    input.extend_from_slice(request("asyncio runs I/O tasks on one thread.").as_bytes());
    input.push(b'\n');
    let out = viva(home.path())
        .arg("grade")
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stdin:2: not UTF-8"), "{stderr}");
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let graded: Vec<_> = lines
        .iter()
        .map(|l| (&l["line"], l["score"].is_u64()))
        .collect();
    assert_eq!(
        graded,
        [(&1.into(), true), (&2.into(), false), (&3.into(), true)]
    );
}

#[test]
fn an_answer_over_the_cap_is_cut_with_a_note() {
    let long = "Only one thread runs bytecode at a time. ".repeat(2000);
    let grades = grade(&format!("{}\n", request(&long)));
    assert!(
        grades[0]["notes"]
            .to_string()
            .contains("cut to its first 64 KB"),
        "{}",
        grades[0]["notes"]
    );
}

#[test]
fn a_config_file_that_is_not_utf8_names_its_line_and_exits_2() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        b"max_retries = 2\nmodel = \"\xff\"\n",
    )
    .unwrap();
    let out = viva(home.path())
        .arg("grade")
        .write_stdin(request("anything"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("config.toml:2: not UTF-8"), "{stderr}");
}

/// A store this process may not write (here: owned by another user, or read-only to the test's
/// own user) still serves the commands that only read it.
#[cfg(unix)]
#[test]
fn a_read_only_store_still_serves_review_list_and_status() {
    use std::fs::{Permissions, set_permissions};
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    let home = tempfile::tempdir().unwrap();
    let session = viva(home.path())
        .args(["practice", "-n", "1", "--seed", "1"])
        .write_stdin("The GIL lets one thread run bytecode at a time.\n\n")
        .output()
        .unwrap();
    assert!(
        session.status.success(),
        "{}",
        String::from_utf8_lossy(&session.stderr)
    );
    for entry in std::fs::read_dir(home.path()).unwrap() {
        set_permissions(entry.unwrap().path(), Permissions::from_mode(0o444)).unwrap();
    }
    set_permissions(home.path(), Permissions::from_mode(0o555)).unwrap();
    for args in [&["review", "list"][..], &["status"][..]] {
        let mut cmd = crate::process(&crate::viva_bin(), home.path());
        cmd.args(args).env("NO_COLOR", "1");
        // Permissions do not bind root: run as nobody, who may read but not write.
        if unsafe { libc::geteuid() } == 0 {
            cmd.uid(65534).gid(65534);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "viva {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if args[0] == "review" {
            assert!(
                String::from_utf8_lossy(&out.stdout).contains("1"),
                "{args:?}"
            );
        }
    }
    set_permissions(home.path(), Permissions::from_mode(0o755)).unwrap();
}
