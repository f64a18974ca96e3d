//! The REPL on a real pseudo-terminal: Ctrl-C clears the answer being typed, Ctrl-D ends the
//! session with a summary.

use std::path::Path;

use rexpect::session::{PtySession, spawn_command};

/// From the wrap-up after a study session's last question to its summary and exit.
fn finish_study_session(p: &mut PtySession) {
    p.exp_string("press Enter for the summary").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("").unwrap();
    p.exp_string(" finished: ").unwrap();
    p.exp_eof().unwrap();
}

/// The stored transcript of the first session, as `viva review show 1 --json` prints it.
fn session_one(home: &Path) -> serde_json::Value {
    crate::json_of(crate::viva(home).args(["review", "show", "1", "--json"]))
}

#[test]
fn ctrl_c_clears_input_and_ctrl_d_ends_with_a_summary() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = crate::process(&crate::viva_bin(), home.path());
    cmd.args([
        "practice",
        "--count",
        "3",
        "--topic",
        "concurrency",
        "--seed",
        "2",
        "--follow-ups",
        "0",
    ]);
    let mut p = spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_string("Question 1/3").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("a first line I regret").unwrap();
    p.exp_string(". ").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("(answer cleared: /undo brings it back)")
        .unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("the lock lets one thread run bytecode at a time")
        .unwrap();
    p.exp_string(". ").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Score: ").unwrap();
    p.exp_string("Question 2/3").unwrap();
    p.exp_string("> ").unwrap();
    p.send_control('d').unwrap();
    // Question 2 was shown and left: asked, not answered, and said so.
    p.exp_string(
        "Session 1 finished: 2 questions asked, 1 answered, 0 skipped, 1 left unanswered.",
    )
    .unwrap();
    p.exp_eof().unwrap();

    let v = session_one(home.path());
    assert_eq!(
        v["turns"][0]["answer"],
        "the lock lets one thread run bytecode at a time"
    );
    assert!(
        home.path().join("history.txt").exists(),
        "the history file is written"
    );
}

/// Lines typed ahead, or pasted at once, are kept: rustyline reads the terminal through a
/// buffer, and without its `buffer-redux` feature the bytes after the first line were dropped
/// when `readline` returned.
#[test]
fn lines_typed_ahead_in_one_burst_all_reach_the_answer() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = crate::process(&crate::viva_bin(), home.path());
    cmd.args([
        "practice",
        "--count",
        "1",
        "--follow-ups",
        "0",
        "--seed",
        "2",
    ]);
    let mut p = spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_string("Question 1/1").unwrap();
    p.exp_string("> ").unwrap();
    // One write: three lines, the last one empty, so the answer is submitted.
    p.send("the first line of my answer\rand the second line\r\r")
        .unwrap();
    p.flush().unwrap();
    p.exp_string("Score: ").unwrap();
    finish_study_session(&mut p);

    let v = session_one(home.path());
    assert_eq!(
        v["turns"][0]["answer"],
        "the first line of my answer\nand the second line"
    );
}

/// Ctrl-C while the model is still answering cancels the request; the answer stays stored,
/// ungraded, and the session carries on to its summary.
#[test]
fn ctrl_c_during_grading_cancels_it_and_keeps_the_answer() {
    use crate::fake_llm::{FakeLlm, Reply};
    let first = serde_json::json!({"choices": [{"delta": {"content": "{\"reasoning\": \"Looking at point one"}}]}).to_string();
    let server = FakeLlm::start(vec![Reply::Sse {
        events: vec![first],
        stall: Some(std::time::Duration::from_secs(60)),
    }]);
    let home = tempfile::tempdir().unwrap();
    let mut cmd = crate::process(&crate::viva_bin(), home.path());
    cmd.env("VIVA_API_BASE", &server.base)
        .env("VIVA_MODEL", "test-model")
        .args([
            "practice",
            "--count",
            "1",
            "--follow-ups",
            "0",
            "--seed",
            "2",
        ]);
    let mut p = spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_string("Question 1/1").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("an answer worth keeping").unwrap();
    p.exp_string(". ").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Grader: Looking at point one").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("grading cancelled").unwrap();
    // After the last question, a study session offers /why and friends until an empty line.
    finish_study_session(&mut p);

    let v = session_one(home.path());
    assert_eq!(v["turns"][0]["answer"], "an answer worth keeping");
    assert!(
        v["turns"][0]["grade"].is_null(),
        "cancelled grading leaves the turn ungraded"
    );
}

/// A slow local model: the spinner counts its tokens and seconds after the reasoning, and
/// Ctrl-C stops the grade within half a second, the answer kept.
#[test]
fn a_slow_model_shows_its_progress_and_ctrl_c_stops_it_at_once() {
    use crate::fake_llm::{FakeLlm, Reply};
    use std::time::{Duration, Instant};
    let verdict = format!(
        "{{\"reasoning\": \"Point one is made.\", \"insufficient_evidence\": false, \"key_points\": [{}",
        "{\"id\": 1, \"verdict\": \"covered\", \"evidence\": \"worth keeping\"}, ".repeat(200)
    );
    let server = FakeLlm::start(vec![Reply::Drip {
        content: verdict,
        every: Duration::from_millis(50),
    }]);
    let home = tempfile::tempdir().unwrap();
    let mut cmd = crate::process(&crate::viva_bin(), home.path());
    cmd.env("VIVA_API_BASE", &server.base)
        .env("VIVA_MODEL", "test-model")
        .args([
            "practice",
            "--count",
            "1",
            "--follow-ups",
            "0",
            "--seed",
            "2",
        ]);
    let mut p = spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_string("Question 1/1").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("an answer worth keeping").unwrap();
    p.exp_string(". ").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Grader: Point one is made.").unwrap();
    // The verdict after the reasoning streams on with no text to show: the spinner counts
    // (rexpect reads bytes one by one, so "…" and "·" are matched as non-space runs).
    p.exp_regex(r"grading\S* \d+ tokens \S+ [1-9]\d* s")
        .unwrap();
    let pressed = Instant::now();
    p.send_control('c').unwrap();
    p.exp_string("grading cancelled").unwrap();
    let took = pressed.elapsed();
    assert!(took < Duration::from_millis(500), "Ctrl-C took {took:?}");
    finish_study_session(&mut p);

    let v = session_one(home.path());
    assert_eq!(v["turns"][0]["answer"], "an answer worth keeping");
    assert!(v["turns"][0]["grade"].is_null());
}

/// A one-question study session at a terminal on `home`.
fn spawn_one_question(home: &Path) -> PtySession {
    let mut cmd = crate::process(&crate::viva_bin(), home);
    cmd.args([
        "practice",
        "--count",
        "1",
        "--follow-ups",
        "0",
        "--seed",
        "2",
    ]);
    spawn_command(cmd, Some(20_000)).unwrap()
}

/// Closing viva mid-answer (the terminal going away, or a kill) saves the answer, with the line
/// still being edited; the next start offers it back, and Enter restores it under its question.
fn an_answer_cut_off_by(signal: libc::c_int) {
    let home = tempfile::tempdir().unwrap();
    let mut p = spawn_one_question(home.path());
    p.exp_string("Question 1/1").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("the lock lets one thread run").unwrap();
    p.exp_string(". ").unwrap();
    p.send("and half a line").unwrap();
    p.flush().unwrap();
    // Echoed once the editor has taken the keys in.
    p.exp_string("and half a line").unwrap();
    assert_eq!(
        unsafe { libc::kill(p.process.child_pid.as_raw(), signal) },
        0
    );
    p.exp_eof().unwrap();

    let mut p = spawn_one_question(home.path());
    p.exp_string("when viva was closed:").unwrap();
    p.exp_string("the lock lets one thread run").unwrap();
    p.exp_string("and half a line").unwrap();
    p.exp_string("Enter to restore, or /discard").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Question 1/1").unwrap();
    p.exp_string("your answer so far is kept").unwrap();
    p.exp_string(". ").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Score: ").unwrap();
    finish_study_session(&mut p);

    // The answer was stored in the second run's session; the first stored nothing.
    let v = crate::json_of(crate::viva(home.path()).args(["review", "show", "2", "--json"]));
    assert_eq!(
        v["turns"][0]["answer"],
        "the lock lets one thread run\nand half a line"
    );
    assert!(
        !home.path().join("draft.json").exists(),
        "a restored draft is not offered again"
    );
}

#[test]
fn an_answer_cut_off_by_a_hangup_is_offered_back() {
    an_answer_cut_off_by(libc::SIGHUP);
}

#[test]
fn an_answer_cut_off_by_sigterm_is_offered_back() {
    an_answer_cut_off_by(libc::SIGTERM);
}

/// Ctrl-C clears the line being edited first and the whole answer second; /undo brings it back.
#[test]
fn ctrl_c_twice_clears_the_answer_and_undo_restores_it() {
    let home = tempfile::tempdir().unwrap();
    let mut p = spawn_one_question(home.path());
    p.exp_string("Question 1/1").unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("the lock lets one thread run bytecode")
        .unwrap();
    p.exp_string(". ").unwrap();
    p.send("a line I regret").unwrap();
    p.flush().unwrap();
    p.exp_string("a line I regret").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("(line cleared").unwrap();
    p.exp_string(". ").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("(answer cleared: /undo brings it back)")
        .unwrap();
    p.exp_string("> ").unwrap();
    p.send_line("/undo").unwrap();
    p.exp_string("(answer restored:)").unwrap();
    p.exp_string(". ").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Score: ").unwrap();
    finish_study_session(&mut p);

    let v = session_one(home.path());
    assert_eq!(
        v["turns"][0]["answer"],
        "the lock lets one thread run bytecode"
    );
}
