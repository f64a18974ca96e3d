//! Whole sessions on a real pseudo-terminal, as a candidate runs them: study mode with /why and
//! /retry, wrapped to the terminal's width and in colour; real mode with its visible timer, the
//! answer taken when time is up, no hints, and feedback only in the debrief.

use std::path::Path;

use rexpect::session::{PtySession, spawn_command};

/// `viva` in a shell that first sets the terminal to `cols` columns.
fn spawn(cols: u16, args: &str, no_color: bool) -> (PtySession, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = crate::process(Path::new("sh"), home.path());
    cmd.arg("-c").arg(format!(
        "stty cols {cols} rows 50; exec '{}' {args}",
        crate::viva_bin().display()
    ));
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    (spawn_command(cmd, Some(30_000)).unwrap(), home)
}

/// Everything the terminal received, gathered as the test waits for each thing.
#[derive(Default)]
struct Screen(String);

impl Screen {
    fn expect(&mut self, p: &mut PtySession, text: &str) -> String {
        let before = p
            .exp_string(text)
            .unwrap_or_else(|e| panic!("waiting for {text:?}: {e}\nso far:\n{}", self.0));
        self.0.push_str(&before);
        self.0.push_str(text);
        before
    }

    fn expect_regex(&mut self, p: &mut PtySession, re: &str) {
        let (before, matched) = p
            .exp_regex(re)
            .unwrap_or_else(|e| panic!("waiting for /{re}/: {e}\nso far:\n{}", self.0));
        self.0.push_str(&before);
        self.0.push_str(&matched);
    }

    /// Widest line as seen on screen: styles stripped, carriage returns redrawing the line.
    fn widest(&self) -> usize {
        // rexpect hands bytes over one char each; put the UTF-8 back together.
        let bytes: Vec<u8> = self.0.chars().map(|c| c as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        let plain = anstream::adapter::strip_str(&text).to_string();
        plain
            .split('\n')
            .flat_map(|l| l.split('\r'))
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
    }
}

#[test]
fn a_study_session_explains_retries_wraps_and_colours() {
    let (mut p, home) = spawn(
        72,
        "practice -n 2 -t concurrency --seed 11 --follow-ups 0",
        false,
    );
    let mut s = Screen::default();
    s.expect(&mut p, "Question 1/2");
    s.expect(&mut p, "> ");
    for line in [
        "So, um, I find the bottleneck first,",
        "then I scale out with more worker processes.",
    ] {
        p.send_line(line).unwrap();
        s.expect(&mut p, ". ");
    }
    p.send_line("").unwrap();
    s.expect(&mut p, "Score: ");
    s.expect(&mut p, "Delivery:");
    // Enter at the self-check keeps viva's marks.
    s.expect(&mut p, "check> ");
    p.send_line("").unwrap();
    s.expect(&mut p, "Kept viva's marks");
    s.expect(&mut p, "Question 2/2");
    s.expect(&mut p, "> ");
    p.send_line("/why").unwrap();
    s.expect(&mut p, "Why question 1 scored");
    s.expect(&mut p, "Criteria:");
    s.expect(&mut p, "> ");
    p.send_line("/retry").unwrap();
    s.expect(&mut p, "Again: question 1");
    s.expect(&mut p, "> ");
    for line in [
        "First I find the bottleneck with a load test.",
        "Then I scale out with stateless worker processes",
        "on more machines, with slow work on a queue,",
        "and timeouts, rate limits and metrics.",
    ] {
        p.send_line(line).unwrap();
        s.expect(&mut p, ". ");
    }
    p.send_line("").unwrap();
    s.expect(&mut p, "Score: ");
    s.expect(&mut p, "check> ");
    p.send_line("").unwrap();
    // The question set aside by the retry comes back.
    s.expect(&mut p, "Question 2/2");
    s.expect(&mut p, "> ");
    p.send_control('d').unwrap();
    s.expect(&mut p, "Session 1 finished");
    s.expect(&mut p, "Retried question 1");
    p.exp_eof().unwrap();

    assert!(
        s.0.contains("\u{1b}[1m"),
        "a terminal without NO_COLOR gets colour"
    );
    assert!(
        s.widest() <= 72,
        "a line is wider than the terminal:\n{}",
        s.0
    );
    let shown = crate::json_of(crate::viva(home.path()).args(["review", "show", "1", "--json"]));
    let turns = shown["turns"].as_array().unwrap();
    assert_eq!(turns[1]["retry_of"], turns[0]["id"]);
    assert_eq!(turns[0]["delivery"]["fillers"], 1);
}

#[test]
fn a_real_session_is_timed_holds_feedback_and_ends_in_a_debrief() {
    let (mut p, _home) = spawn(
        100,
        "practice -n 2 -t concurrency --seed 11 --follow-ups 0 --mode real --minutes 0.05",
        true,
    );
    let mut s = Screen::default();
    s.expect(&mut p, "real mode: 0:03 per question");
    s.expect(&mut p, "0:03 to answer");
    // The prompt counts down.
    s.expect_regex(&mut p, r"\[0:0[1-3]\] > ");
    p.send_line("you submit work to an executor").unwrap();
    s.expect_regex(&mut p, r"\] \. ");
    // The timer speaks up while the answer is being typed.
    s.expect(&mut p, "Time is up");
    p.send_line("and collect the futures").unwrap();
    s.expect(&mut p, "feedback at the end");
    s.expect(&mut p, "over the time limit");
    s.expect(&mut p, "Question 2/2");
    s.expect_regex(&mut p, r"\] > ");
    p.send_line("/hint").unwrap();
    s.expect(&mut p, "No hints in a real interview.");
    s.expect_regex(&mut p, r"\] > ");
    p.send_line("/why").unwrap();
    s.expect(&mut p, "feedback waits for the debrief");
    s.expect_regex(&mut p, r"\] > ");
    p.send_line("threads start, join and share a lock").unwrap();
    s.expect_regex(&mut p, r"\] \. ");
    p.send_line("").unwrap();
    s.expect(&mut p, "Debrief");
    assert!(
        !s.0.contains("Score:"),
        "a score before the debrief:\n{}",
        s.0
    );
    s.expect(&mut p, "over the limit");
    s.expect(&mut p, "Score: ");
    // The debrief offers the self-check of each graded answer before the summary.
    s.expect(&mut p, "Check question 2:");
    s.expect(&mut p, "check> ");
    p.send_line("").unwrap();
    s.expect(&mut p, "Session 1 finished");
    s.expect(&mut p, "Questions about a grade?");
    s.expect(&mut p, "> ");
    p.send_line("/why 1").unwrap();
    s.expect(&mut p, "Why question 1 scored");
    s.expect(&mut p, "> ");
    p.send_line("").unwrap();
    p.exp_eof().unwrap();
    assert!(
        !s.0.contains("\u{1b}[1m") && !s.0.contains("\u{1b}[2m"),
        "NO_COLOR means no styles"
    );
    assert!(s.widest() <= 100, "{}", s.0);
}

const GIL_PARTIAL: &str =
    "The GIL is a lock in CPython that lets one thread run bytecode at a time.";

#[test]
fn a_self_check_counts_for_status_and_spaced_review() {
    let args = "practice -n 1 -t concurrency --seed 4 --follow-ups 0";
    let (mut p, home) = spawn(100, args, true);
    let mut s = Screen::default();
    s.expect(&mut p, "Question 1/1");
    s.expect(&mut p, "> ");
    p.send_line(GIL_PARTIAL).unwrap();
    s.expect(&mut p, ". ");
    p.send_line("").unwrap();
    s.expect(&mut p, "Check viva's marks");
    s.expect(&mut p, "check> ");
    p.send_line("m").unwrap();
    s.expect(&mut p, "Model answer for question 1");
    s.expect(&mut p, "check> ");
    // Bad input re-asks with a hint, and the line typed comes back to be corrected.
    p.send_line("1 two").unwrap();
    s.expect(&mut p, "Type the numbers of the points you made");
    s.expect(&mut p, "check> 1 two");
    p.send_control('u').unwrap();
    p.send_line("1 2 3").unwrap();
    s.expect(&mut p, "Checked by you: 3 of ");
    s.expect(&mut p, "> ");
    p.send_line("/why").unwrap();
    s.expect(&mut p, "Your check: ");
    s.expect(&mut p, "> ");
    p.send_line("").unwrap();
    s.expect(&mut p, "Session 1 finished");
    p.exp_eof().unwrap();

    let shown = crate::json_of(crate::viva(home.path()).args(["review", "show", "1", "--json"]));
    let grade = &shown["turns"][0]["grade"];
    assert_eq!(grade["grader"], "self", "{shown}");
    let checked = grade["score"].as_u64().unwrap();
    let store = viva::store::Store::open(&home.path().join("viva.db")).unwrap();
    let records = store.answer_records().unwrap();
    assert_eq!(
        records[0].score,
        Some(checked as u8),
        "spaced review replays the self-checked grade"
    );

    // The same answer piped has viva's grade only: its status differs from the checked one.
    let piped = tempfile::tempdir().unwrap();
    let out = crate::stdout_of(
        crate::viva(piped.path())
            .args(args.split(' '))
            .write_stdin(format!("{GIL_PARTIAL}\n\n")),
    );
    assert!(
        !out.contains("check>"),
        "pipe mode never shows the self-check: {out}"
    );
    let viva_shown =
        crate::json_of(crate::viva(piped.path()).args(["review", "show", "1", "--json"]));
    let viva_score = viva_shown["turns"][0]["grade"]["score"].as_u64().unwrap();
    assert_ne!(viva_score, checked, "the check changed the marks");
    let expected = |home: &Path| {
        let status = crate::json_of(crate::viva(home).args(["status", "--json"]));
        let topics = status["topics"].as_array().unwrap().clone();
        topics.iter().find(|t| t["topic"] == "concurrency").unwrap()["expected_score"]
            .as_f64()
            .unwrap()
    };
    let (mine, vivas) = (expected(home.path()), expected(piped.path()));
    assert_eq!(
        mine > vivas,
        checked > viva_score,
        "viva status follows the self-checked grade ({mine} vs {vivas})"
    );
}

/// What the terminal showed, as text: rexpect hands over one char per byte.
fn shown(raw: &str) -> String {
    let bytes: Vec<u8> = raw.chars().map(|c| c as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The bank question whose prompt `screen` shows.
fn question_on_screen<'b>(bank: &'b viva::bank::Bank, screen: &str) -> &'b viva::bank::Question {
    bank.questions()
        .iter()
        .find(|q| screen.contains(q.prompt.as_str()))
        .unwrap_or_else(|| panic!("the question shown is in the bank:\n{screen}"))
}

/// The one line of `text` holding `needle`.
fn line_with<'t>(text: &'t str, needle: &str) -> &'t str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
        .trim()
}

/// A follow-up answered well is scored against its own rubric and reported as a follow-up: it
/// raises the session's follow-up mean and leaves the main mean at the question's own score;
/// the summary, `viva review list` and `viva report` print the same figures.
#[test]
fn a_follow_up_is_scored_apart_and_every_view_agrees() {
    let bank = viva::bank::Bank::load(None).unwrap();
    let (mut p, home) = spawn(
        250,
        "practice -n 1 -t packaging --seed 4 --follow-ups 1",
        true,
    );
    let mut s = Screen::default();
    s.expect(&mut p, "Question 1/1");
    let q = question_on_screen(&bank, &shown(&s.expect(&mut p, "> ")));
    // A thin answer: the opening sentence of the model answer.
    let opening = q.model_answer.split(". ").next().unwrap();
    p.send_line(opening).unwrap();
    s.expect(&mut p, ". ");
    p.send_line("").unwrap();
    let main_score: u8 = {
        s.expect(&mut p, "Score: ");
        let n = s.expect(&mut p, "/100");
        n.trim().parse().unwrap()
    };
    s.expect(&mut p, "check> ");
    p.send_line("").unwrap();
    s.expect(&mut p, "Follow-up on question 1");
    let screen = shown(&s.expect(&mut p, "> "));
    let follow_up = q
        .follow_ups
        .iter()
        .find(|f| screen.contains(f.prompt.as_str()))
        .unwrap_or_else(|| panic!("the follow-up shown is the bank's:\n{screen}"));
    let rubric = follow_up.rubric.as_ref().unwrap();
    p.send_line(&rubric.model_answer).unwrap();
    s.expect(&mut p, ". ");
    p.send_line("").unwrap();
    // Its own key points are the ones marked, not the question's.
    s.expect(&mut p, "Score: ");
    let follow_up_score: u8 = s.expect(&mut p, "/100").trim().parse().unwrap();
    s.expect(&mut p, "check> ");
    p.send_line("").unwrap();
    s.expect(&mut p, "That was the last question");
    s.expect(&mut p, "> ");
    p.send_line("").unwrap();
    s.expect(&mut p, "Session 1 finished");
    let rest = p.exp_eof().unwrap();
    s.0.push_str(&rest);
    let screen = shown(&s.0);
    assert!(
        screen.contains(&rubric.key_points[0][..40]),
        "the follow-up's own rubric is shown:\n{screen}"
    );
    assert!(
        follow_up_score > main_score,
        "{follow_up_score} vs {main_score}"
    );
    let scores = format!(
        "questions {main_score}/100 (1 graded) · follow-ups {follow_up_score}/100 (1 graded)"
    );
    assert!(screen.contains(&scores), "summary: {scores}\n{screen}");

    let list = crate::viva(home.path())
        .args(["review", "list"])
        .output()
        .unwrap();
    let list = String::from_utf8(list.stdout).unwrap();
    assert!(line_with(&list, "follow-ups ").ends_with(&scores), "{list}");
    let report = crate::viva(home.path()).arg("report").output().unwrap();
    let report = String::from_utf8(report.stdout).unwrap();
    assert!(
        line_with(&report, "follow-ups ").ends_with(&scores),
        "{report}"
    );
}

/// `/hint` climbs the question's ladder, each rung dearer than the last, and the grade takes
/// off what they cost together.
#[test]
fn hints_climb_a_ladder_and_the_penalty_grows() {
    let bank = viva::bank::Bank::load(None).unwrap();
    let (mut p, _home) = spawn(
        250,
        "practice -n 1 -t testing --seed 2 --follow-ups 0",
        true,
    );
    let mut s = Screen::default();
    s.expect(&mut p, "Question 1/1");
    let q = question_on_screen(&bank, &shown(&s.expect(&mut p, "> ")));
    assert!(q.hints.len() >= 2);
    let mut costs = Vec::new();
    for (i, hint) in q.hints.iter().enumerate() {
        p.send_line("/hint").unwrap();
        s.expect(&mut p, &format!("Hint {}/{}: ", i + 1, q.hints.len()));
        let text = shown(&s.expect(&mut p, " points)"));
        assert!(text.contains(hint.as_str()), "{text}");
        let cost: u8 = text.rsplit('−').next().unwrap().trim().parse().unwrap();
        costs.push(cost);
        s.expect(&mut p, "> ");
    }
    assert!(costs.windows(2).all(|w| w[0] < w[1]), "{costs:?}");
    p.send_line("/hint").unwrap();
    s.expect(&mut p, "No more hints for this question.");
    p.send_line(&q.model_answer).unwrap();
    s.expect(&mut p, "> ");
    p.send_line("").unwrap();
    s.expect(&mut p, "Score: ");
    let total: u8 = costs.iter().sum();
    s.expect(&mut p, "hints used: ");
    let note = shown(&s.expect(&mut p, "points)"));
    assert!(
        note.contains(&format!("− {total} = ")),
        "the grade takes {total} off: {note}"
    );
    p.send_control('d').unwrap();
}
