//! `viva practice` over pipes, the transcript it stores, and `viva review`.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::{json_of, stdout_of, viva};

const GIL_ANSWER: &str = "The GIL is a lock in CPython that lets only one thread run Python bytecode at a time, \
so threads do not speed up CPU-bound code, but they still help with I/O because the lock is released while waiting.";

#[test]
fn a_piped_session_is_graded_stored_and_reviewable() {
    let home = tempfile::tempdir().unwrap();
    let input = format!("{GIL_ANSWER}\n\n/quit\n");
    let out = stdout_of(
        viva(home.path())
            .args([
                "practice",
                "--count",
                "2",
                "--topic",
                "concurrency",
                "--seed",
                "4",
                "--follow-ups",
                "0",
            ])
            .write_stdin(input),
    );
    assert!(out.contains("Question 1/2"), "{out}");
    assert!(out.contains("Score: "), "{out}");
    assert!(
        out.contains('✓') || out.contains('✗'),
        "points hit and missed are listed: {out}"
    );
    assert!(out.contains("Question 2/2"), "{out}");
    assert!(out.contains("Session 1 finished"), "{out}");

    let sessions = json_of(viva(home.path()).args(["review", "list", "--json"]));
    assert_eq!(sessions.as_array().unwrap().len(), 1);
    assert_eq!(sessions[0]["id"], 1);
    assert_eq!(sessions[0]["answered"], 1);

    let shown = json_of(viva(home.path()).args(["review", "show", "1", "--json"]));
    let turns = shown["turns"].as_array().unwrap();
    assert_eq!(
        turns.len(),
        1,
        "the unanswered second question is not a turn"
    );
    assert_eq!(turns[0]["answer"], GIL_ANSWER);
    assert_eq!(turns[0]["topic"], "concurrency");
    let grade = &turns[0]["grade"];
    assert_eq!(grade["grader"], "offline");
    assert!(grade["score"].as_u64().unwrap() <= 100);
    assert!(!grade["key_points"].as_array().unwrap().is_empty());

    let text = stdout_of(viva(home.path()).args(["review", "show", "1"]));
    assert!(
        text.contains("lets only one thread run Python bytecode"),
        "{text}"
    );
}

#[test]
fn answers_separated_by_blank_lines_and_commands_work_from_a_file() {
    let home = tempfile::tempdir().unwrap();
    let input = "/help\n/hint\nfirst answer about objects and classes\nwith a second line\n\n/skip\n/repeat\nthird answer\n";
    let out = stdout_of(
        viva(home.path())
            .args([
                "practice",
                "-n",
                "3",
                "-t",
                "oop",
                "--seed",
                "1",
                "--follow-ups",
                "0",
            ])
            .write_stdin(input),
    );
    assert!(
        out.contains("an empty line submits"),
        "help is shown: {out}"
    );
    assert!(out.contains("Hint 1/3: "), "{out}");
    assert!(out.contains("Skipped."), "{out}");
    assert!(out.contains("Question 3/3"), "{out}");
    let shown = json_of(viva(home.path()).args(["review", "show", "1", "--json"]));
    let turns = shown["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 3);
    assert_eq!(
        turns[0]["answer"],
        "first answer about objects and classes\nwith a second line"
    );
    assert_eq!(turns[0]["hints"], 1);
    assert_eq!(turns[1]["skipped"], true);
    // Input ended without a blank line: the last answer is still graded and kept.
    assert_eq!(turns[2]["answer"], "third answer");
    assert!(turns[2]["grade"].is_object());
}

/// Piped answers are shown under the question they went to, in order, follow-ups included.
#[test]
fn piped_answers_are_shown_under_their_questions() {
    const A: &str = "I write small pytest tests with fixtures and plain assert statements, mock the \
        network at the boundary, and run the suite in CI on every commit:";
    let home = tempfile::tempdir().unwrap();
    let out = stdout_of(
        viva(home.path())
            .args(["practice", "-n", "2", "-t", "testing", "--seed", "3"])
            .args(["--follow-ups", "1"])
            .write_stdin(format!("{A} first\n\n{A} second\n\n{A} third\n\n")),
    );
    let at = |text: &str| {
        out.find(text)
            .unwrap_or_else(|| panic!("{text:?} not shown:\n{out}"))
    };
    let order = [
        at("Question 1/2"),
        at(&format!("Answer (from standard input):\n  {A} first")),
        at("Follow-up on question 1"),
        at(&format!("Answer (from standard input):\n  {A} second")),
        at("Question 2/2"),
        at(&format!("Answer (from standard input):\n  {A} third")),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{out}");
}

#[test]
fn a_command_typed_in_the_middle_of_an_answer_keeps_the_answer() {
    let home = tempfile::tempdir().unwrap();
    let input =
        "objects bundle state\n/hint\nwith the methods that act on it\n\nclasses are\n/quit\n";
    let out = stdout_of(
        viva(home.path())
            .args(["practice", "-n", "3", "-t", "oop", "--seed", "1"])
            .args(["--follow-ups", "0"])
            .write_stdin(input),
    );
    assert!(out.contains("Hint 1/"), "{out}");
    assert!(out.contains("your answer so far is kept"), "{out}");
    let shown = json_of(viva(home.path()).args(["review", "show", "1", "--json"]));
    let turns = shown["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 2, "/quit ends the session after submitting");
    assert_eq!(
        turns[0]["answer"],
        "objects bundle state\nwith the methods that act on it"
    );
    assert_eq!(turns[0]["hints"], 1);
    assert_eq!(turns[1]["answer"], "classes are");
    assert!(turns[1]["grade"].is_object());
}

#[test]
fn a_session_of_i_dont_know_ends_with_advice_not_a_score() {
    let home = tempfile::tempdir().unwrap();
    let out = stdout_of(
        viva(home.path())
            .args([
                "practice",
                "--count",
                "2",
                "--follow-ups",
                "0",
                "--seed",
                "4",
            ])
            .write_stdin("I don't know\n\nno idea, sorry\n\n\n"),
    );
    assert!(out.contains("2 questions asked, 2 answered"), "{out}");
    assert!(
        out.contains("No answer gave enough evidence for a score"),
        "{out}"
    );
    assert!(!out.contains("Mean score"), "{out}");
    assert!(
        out.contains("You said you don't know: say the part you do know"),
        "spoken to the candidate: {out}"
    );
}

#[test]
fn a_fixed_difficulty_does_not_promise_easier_questions() {
    let home = tempfile::tempdir().unwrap();
    let out = stdout_of(
        viva(home.path())
            .args(["practice", "--topic", "concurrency", "--difficulty", "hard"])
            .args(["--count", "1", "--seed", "1"])
            .write_stdin(""),
    );
    assert!(out.contains("(weakest: concurrency, "), "{out}");
    assert!(!out.contains("easier questions first"), "{out}");
}

#[test]
fn an_unknown_topic_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let out = viva(home.path())
        .args(["practice", "--topic", "cooking"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown topic \"cooking\""), "{err}");
}

#[test]
fn a_company_no_question_names_is_a_usage_error_that_lists_the_known_ones() {
    let home = tempfile::tempdir().unwrap();
    let out = viva(home.path())
        .args(["practice", "--company", "Initech"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--company: unknown company \"Initech\""),
        "{err}"
    );
    assert!(
        err.contains("google"),
        "the known companies are listed: {err}"
    );
    // Case does not matter for a company that is there.
    let ok = viva(home.path())
        .args(["practice", "--company", "Google", "-n", "1"])
        .write_stdin("")
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn a_killed_session_loses_no_answered_turn() {
    let home = tempfile::tempdir().unwrap();
    let mut child = crate::process(&crate::viva_bin(), home.path())
        .args(["practice", "--count", "3", "--seed", "9"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{GIL_ANSWER}\n").unwrap();
    stdin.flush().unwrap();
    // Wait until the turn is in the store, then kill the process without warning (SIGKILL),
    // with stdin still open so that the session is mid-flight.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let shown = viva(home.path())
            .args(["review", "show", "1", "--json"])
            .output()
            .unwrap();
        if shown.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
            if !v["turns"].as_array().unwrap().is_empty() {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the answer never reached the store"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    let shown = json_of(viva(home.path()).args(["review", "show", "1", "--json"]));
    assert_eq!(shown["turns"][0]["answer"], GIL_ANSWER);
    assert!(
        shown["session"]["ended_at"].is_null(),
        "the session never ended cleanly"
    );
}

#[test]
fn review_of_an_empty_home_and_of_a_missing_session() {
    let home = tempfile::tempdir().unwrap();
    let out = stdout_of(viva(home.path()).args(["review", "list"]));
    assert!(out.contains("No sessions yet"), "{out}");
    let out = viva(home.path())
        .args(["review", "show", "42"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no session 42"));
}

#[test]
fn a_closed_pipe_exits_quietly() {
    let home = tempfile::tempdir().unwrap();
    let mut child = crate::process(&crate::viva_bin(), home.path())
        .args(["bank", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
