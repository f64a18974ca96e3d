//! `viva review`, `viva report` and `viva export` over sessions played through pipes.

use std::path::Path;

use serde_json::Value;

use crate::{json_of, stdout_of, viva};

const GIL_ANSWER: &str = "The GIL is a lock in CPython that lets only one thread run Python bytecode at a time, \
so threads do not speed up CPU-bound code, but they still help with I/O because the lock is released while waiting.";

/// Plays a session answering every question with `answer`, graded offline.
pub fn play(home: &Path, topic: &str, count: u32, seed: u32, follow_ups: u32, answer: &str) {
    let input = format!("{answer}\n\n").repeat(count as usize * (1 + follow_ups as usize));
    stdout_of(
        viva(home)
            .args(["practice", "--topic", topic, "--grader", "offline"])
            .args(["--count", &count.to_string(), "--seed", &seed.to_string()])
            .args(["--follow-ups", &follow_ups.to_string()])
            .write_stdin(input),
    );
}

#[test]
fn review_lists_by_topic_and_date_and_search_finds_answers() {
    let home = tempfile::tempdir().unwrap();
    play(home.path(), "concurrency", 1, 1, 0, GIL_ANSWER);
    play(
        home.path(),
        "oop",
        1,
        1,
        0,
        "Dunder methods let a class hook into operators.",
    );

    let ids = |args: &[&str]| -> Vec<u64> {
        json_of(
            viva(home.path())
                .args(["review", "list", "--json"])
                .args(args),
        )
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_u64().unwrap())
        .collect()
    };
    assert_eq!(ids(&[]), [2, 1]);
    assert_eq!(ids(&["--topic", "oop"]), [2]);
    assert_eq!(ids(&["--since", "2000-01-01"]), [2, 1]);
    assert!(ids(&["--since", "2999-01-01"]).is_empty());
    let bad = viva(home.path())
        .args(["review", "list", "--since", "last week"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM-DD"));

    let hits = json_of(viva(home.path()).args(["review", "search", "bytecode", "--json"]));
    assert_eq!(hits.as_array().unwrap().len(), 1, "{hits:#}");
    assert_eq!(hits[0]["session_id"], 1);
    assert!(hits[0]["answer"].as_str().unwrap().contains("[bytecode]"));
    let text = stdout_of(viva(home.path()).args(["review", "search", "dunder", "operators"]));
    assert!(
        text.contains("session 2") && text.contains("[operators]"),
        "{text}"
    );
    let none = stdout_of(viva(home.path()).args(["review", "search", "metaclass"]));
    assert!(none.contains("No answer or feedback mentions"), "{none}");
}

#[test]
fn review_show_nests_follow_ups_under_their_question() {
    let home = tempfile::tempdir().unwrap();
    play(home.path(), "concurrency", 2, 3, 1, GIL_ANSWER);
    let shown = json_of(viva(home.path()).args(["review", "show", "1", "--json"]));
    let turns = shown["turns"].as_array().unwrap();
    let follow_up = turns
        .iter()
        .find(|t| !t["parent_id"].is_null())
        .expect("the offline grader asks a follow-up after a graded answer");
    let text = stdout_of(viva(home.path()).args(["review", "show", "1"]));
    let nested = format!(
        "    Follow-up:\n    Q: {}",
        follow_up["prompt"].as_str().unwrap()
    );
    assert!(text.contains(&nested), "{text}");
    assert!(text.contains("    A: The GIL is a lock"), "{text}");
}

/// A store with one session holding these (topic, question, score, graded) answers, an hour
/// apart, each graded once.
fn seed(home: &Path, answers: &[(&str, &str, u8, bool)]) {
    use viva::grade::{Grade, Outcome};
    use viva::store::{NewTurn, Store};
    let store = Store::open(&home.join("viva.db")).unwrap();
    let start = 1_767_225_600_000; // 2026-01-01
    let s = store.start_session(start, &serde_json::json!({})).unwrap();
    for (i, (topic, question, score, graded)) in answers.iter().enumerate() {
        let at = start + i as i64 * 3_600_000;
        let turn = store
            .insert_turn(&NewTurn {
                session_id: s,
                parent_id: None,
                retry_of: None,
                seq: i as u32 + 1,
                question_id: question,
                topic,
                kind: "concept",
                difficulty: "medium",
                prompt: "a question",
                answer: "an answer",
                skipped: false,
                hints: 0,
                asked_at: at,
                answered_at: at,
            })
            .unwrap();
        let outcome = if *graded {
            Outcome::Graded
        } else {
            Outcome::InsufficientEvidence
        };
        let grade = Grade::bare(*score, outcome);
        store.insert_grade(turn, at, &grade).unwrap();
    }
    store
        .end_session(s, start + answers.len() as i64 * 3_600_000)
        .unwrap();
}

#[test]
fn report_shows_estimates_weakest_topics_due_questions_and_totals() {
    let home = tempfile::tempdir().unwrap();
    seed(
        home.path(),
        &[
            ("concurrency", "gil", 40, true),
            ("concurrency", "asyncio", 70, true),
            ("concurrency", "gil", 80, true),
            ("oop", "slots", 0, false),
            ("oop", "mro", 30, true),
            ("oop", "dunder", 45, true),
        ],
    );
    let r = json_of(viva(home.path()).args(["report", "--json"]));
    assert!(
        r["estimate_method"]
            .as_str()
            .unwrap()
            .contains("learner model"),
        "{r:#}"
    );
    assert_eq!(r["totals"]["sessions"], 1);
    assert_eq!(r["totals"]["answers"], 6);
    assert_eq!(r["totals"]["practised_ms"], 6 * 3_600_000);
    assert_eq!(r["graded_answers"], 5);
    let topics = r["topics"].as_array().unwrap();
    let names: Vec<&str> = topics
        .iter()
        .map(|t| t["topic"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["oop", "concurrency"],
        "answered topics, weakest first"
    );
    let (oop, conc) = (&topics[0], &topics[1]);
    let estimate = |t: &Value| t["estimate"].as_f64().unwrap();
    // Shrunk toward the prior by the model, but apart: oop's answers were 0, 30 and 45.
    assert!(estimate(oop) + 10.0 < estimate(conc), "{r:#}");
    assert!(oop["uncertainty"].as_f64().unwrap() > 0.0, "{oop}");
    assert_eq!(oop["answers"], 3, "not enough evidence is evidence");
    assert_eq!(conc["trend"], "▄▆▇");
    assert_eq!(r["weakest"][0]["topic"], "oop");
    assert!(
        r["weakest"][0]["probability"].as_f64().unwrap()
            > r["weakest"][1]["probability"].as_f64().unwrap_or(0.0)
    );
    // Every question was answered in January: spaced review finds them all due by now, the
    // one answered with nothing to score (Again) least likely to be remembered.
    let due = r["due"].as_array().unwrap();
    assert_eq!(due.len(), 5, "{r:#}");
    assert_eq!(due[0]["question_id"], "slots");
    assert!(due[0]["score"].is_null());
    assert!(due[0]["recall"].as_f64().unwrap() < due[4]["recall"].as_f64().unwrap());

    let text = stdout_of(viva(home.path()).args(["report"]));
    assert!(text.contains("1 session · 6 answers (5 graded)"), "{text}");
    assert!(text.contains("6 h 00 min practised"), "{text}");
    assert!(text.contains("learner model"), "{text}");
    assert!(text.contains("Weakest: oop"), "{text}");
    assert!(text.contains("Due for review: 5 questions"), "{text}");
    assert!(text.contains("▄▆▇"), "{text}");

    // The report and `viva status` are one model: the same weakest topic, the same estimate.
    let status = json_of(viva(home.path()).args(["status", "--json"]));
    assert_eq!(status["topics"][0]["topic"], "oop");
    let expected = status["topics"][0]["expected_score"].as_f64().unwrap() * 100.0;
    assert!((expected - estimate(oop)).abs() < 1e-9, "{status:#}");
}

#[test]
fn report_shows_delivery_improving_across_sessions() {
    let home = tempfile::tempdir().unwrap();
    let hesitant = format!("Um, so, like, basically, you know, {GIL_ANSWER}");
    play(home.path(), "concurrency", 2, 1, 0, &hesitant);
    play(home.path(), "concurrency", 2, 2, 0, GIL_ANSWER);
    let r = json_of(viva(home.path()).args(["report", "--json"]));
    let sessions = r["delivery"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{r:#}");
    let fillers = |i: usize| sessions[i]["fillers_per_100"].as_f64().unwrap();
    assert!(fillers(0) > 5.0 && fillers(1) == 0.0, "{r:#}");
    assert_eq!(sessions[0]["answers"], 2);
    let text = stdout_of(viva(home.path()).args(["report"]));
    let line = text
        .lines()
        .find(|l| l.contains("fillers per 100 words"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains(&format!("{:.1} → 0.0", fillers(0))), "{line}");
}

#[test]
fn an_empty_store_reports_how_to_start() {
    let home = tempfile::tempdir().unwrap();
    let text = stdout_of(viva(home.path()).args(["report"]));
    assert!(text.contains("No sessions yet"), "{text}");
}

/// Every tag of the page: its name and the rest of its text up to `>`.
fn tags(html: &str) -> Vec<(String, String)> {
    html.split('<')
        .skip(1)
        .map(|rest| {
            let inside = rest.split('>').next().unwrap();
            let name: String = inside
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
                .collect();
            (name.to_ascii_lowercase(), inside.to_string())
        })
        .collect()
}

#[test]
fn the_html_export_shows_hostile_answers_as_text_and_runs_nothing() {
    let home = tempfile::tempdir().unwrap();
    let hostile =
        "<script>alert(1)</script> and \"><img src=x onerror=alert(2)> and '><svg onload=alert(3)>";
    play(home.path(), "concurrency", 1, 1, 0, hostile);
    let html = stdout_of(viva(home.path()).args(["export", "1", "--format", "html"]));

    const ALLOWED: [&str; 27] = [
        "!doctype",
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "h2",
        "h3",
        "p",
        "span",
        "ul",
        "li",
        "q",
        "pre",
        "section",
        "article",
        "figure",
        "figcaption",
        "svg",
        "line",
        "text",
        "circle",
        "polyline",
        "strong",
        "code",
    ];
    for (name, inside) in tags(&html) {
        assert!(
            ALLOWED.contains(&name.as_str()),
            "unexpected tag <{inside}>"
        );
        let handler = inside
            .split_whitespace()
            .any(|w| w.to_ascii_lowercase().starts_with("on") && w.contains('='));
        assert!(!handler, "an event handler in <{inside}>");
        let lower = inside.to_ascii_lowercase();
        assert!(
            !lower.contains("src=") && !lower.contains("href="),
            "nothing loaded from outside the page: <{inside}>"
        );
    }
    let lower = html.to_ascii_lowercase();
    assert!(
        !lower.contains("<script") && !lower.contains("<img"),
        "{html}"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
            && html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"),
        "the answer is shown as text: {html}"
    );
    assert!(html.contains("default-src 'none'"), "a CSP with no script");
    assert!(
        html.contains("<svg") && html.contains("<circle"),
        "the chart"
    );
}

#[test]
fn exports_to_markdown_json_and_jsonl_carry_the_transcript() {
    let home = tempfile::tempdir().unwrap();
    play(home.path(), "concurrency", 1, 1, 0, GIL_ANSWER);
    play(
        home.path(),
        "oop",
        1,
        1,
        0,
        "A `__slots__` class <b>has</b> no __dict__.",
    );

    let md = stdout_of(viva(home.path()).args(["export", "2"]));
    assert!(md.starts_with("# Session 2"), "{md}");
    assert!(
        md.contains("```text\nA `__slots__` class <b>has</b> no __dict__.\n```"),
        "verbatim: {md}"
    );
    assert!(
        md.contains("**Score: ") || md.contains("Not enough evidence"),
        "{md}"
    );

    let all = json_of(viva(home.path()).args(["export", "--all", "--format", "json"]));
    assert_eq!(all["format"], "viva-export");
    let sessions = all["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let turn = &sessions[0]["turns"][0];
    assert_eq!(turn["answer"], GIL_ANSWER);
    assert_eq!(turn["grades"].as_array().unwrap().len(), 1);
    assert_eq!(turn["grades"][0]["grade"], turn["grade"]);
    assert!(
        sessions[0]["settings"]["seed"].is_u64(),
        "settings are stored"
    );

    let lines = stdout_of(viva(home.path()).args(["export", "--all", "--format", "jsonl"]));
    let parsed: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[1]["id"], 2);

    let file = home.path().join("out.html");
    let said = stdout_of(
        viva(home.path())
            .args(["export", "--all", "--format", "html", "-o"])
            .arg(&file),
    );
    assert!(said.contains("exported 2 sessions"), "{said}");
    let page = std::fs::read_to_string(&file).unwrap();
    assert!(page.contains("Session 1") && page.contains("Session 2"));

    let missing = viva(home.path()).args(["export", "9"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let neither = viva(home.path()).args(["export"]).output().unwrap();
    assert_eq!(neither.status.code(), Some(2), "an id or --all is required");
}

#[test]
fn one_sessions_scores_read_the_same_everywhere() {
    let home = tempfile::tempdir().unwrap();
    // A half answer, its follow-up, a retry of that follow-up (from the next question's
    // prompt), the next question, and its follow-up skipped.
    let half = "The GIL is a lock, so only one thread runs at a time.";
    let input = format!(
        "{half}\n\nI would use processes for CPU work.\n\n/retry\n\
         Use a process pool for CPU-bound work; threads still help with I/O waits.\n\n\
         {GIL_ANSWER}\n\n/skip\n"
    );
    let summary = stdout_of(
        viva(home.path())
            .args(["practice", "--topic", "concurrency", "--grader", "offline"])
            .args(["--count", "2", "--seed", "4", "--follow-ups", "1"])
            .write_stdin(input),
    );
    assert!(summary.contains("Retried the follow-up"), "{summary}");
    let line = summary
        .lines()
        .find(|l| l.starts_with("questions "))
        .unwrap_or_else(|| panic!("no scores line: {summary}"))
        .to_string();
    assert!(line.contains("· follow-ups "), "{line}");

    let list = stdout_of(viva(home.path()).args(["review", "list"]));
    let show = stdout_of(viva(home.path()).args(["review", "show", "1"]));
    let report = stdout_of(viva(home.path()).args(["report"]));
    let markdown = stdout_of(viva(home.path()).args(["export", "1"]));
    let html = stdout_of(viva(home.path()).args(["export", "1", "--format", "html"]));
    for (place, text) in [
        ("review list", &list),
        ("review show", &show),
        ("report", &report),
        ("markdown export", &markdown),
        ("html export", &html),
    ] {
        assert!(
            text.contains(&line),
            "{place} differs from {line:?}:\n{text}"
        );
    }

    let scores = |v: &Value| v["scores"].clone();
    let listed = json_of(viva(home.path()).args(["review", "list", "--json"]));
    let shown = json_of(viva(home.path()).args(["review", "show", "1", "--json"]));
    let reported = json_of(viva(home.path()).args(["report", "--json"]));
    let exported = json_of(viva(home.path()).args(["export", "1", "--format", "json"]));
    let expected = scores(&listed[0]);
    assert!(
        expected["follow_ups"]["graded"].as_u64().unwrap() >= 1,
        "{expected}"
    );
    assert_eq!(
        expected["questions"]["graded"], 2,
        "a retry is not a question"
    );
    assert_eq!(scores(&shown["session"]), expected);
    assert_eq!(scores(&reported["sessions"][0]), expected);
    let session = exported.get("sessions").map_or(&exported, |s| &s[0]);
    assert_eq!(scores(session), expected, "{exported}");
}

/// A session with a hint, a dispute and two skipped follow-ups, graded offline: what the
/// summary and `review show` are checked against.
fn play_varied(home: &Path) -> String {
    let input = format!(
        "{GIL_ANSWER}\n\n/dispute 1 I named the GIL, which is the point\n/skip\n/hint\n{GIL_ANSWER}\n\n/skip\n"
    );
    stdout_of(
        viva(home)
            .args(["practice", "--topic", "concurrency", "--grader", "offline"])
            .args(["--count", "3", "--seed", "5", "--follow-ups", "1"])
            .write_stdin(input),
    )
}

/// `text` with the line starting `prefix` cut after it: times and dates vary from run to run.
fn scrub(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| match l.find(prefix) {
            Some(i) => format!("{}{prefix}…", &l[..i]),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_session_summary_counts_in_words_and_shows_skipped_follow_ups() {
    let home = tempfile::tempdir().unwrap();
    let out = play_varied(home.path());
    let summary = &out[out.find("Session 1 finished").unwrap()..];
    insta::assert_snapshot!("session_summary", scrub(summary, "(study mode, "));
}

#[test]
fn review_show_has_hints_disputes_and_key_points_counted_once() {
    let home = tempfile::tempdir().unwrap();
    play_varied(home.path());
    let shown = stdout_of(viva(home.path()).args(["review", "show", "1"]));
    assert!(shown.contains("Disputed (flagged for re-grading): \"I named the GIL"));
    insta::assert_snapshot!("review_show", scrub(&shown, "started "));
}

#[test]
fn review_list_leaves_out_sessions_with_no_answer() {
    let home = tempfile::tempdir().unwrap();
    stdout_of(
        viva(home.path())
            .args(["practice", "--topic", "oop", "--count", "2"])
            .write_stdin("/quit\n"),
    );
    play(home.path(), "concurrency", 1, 1, 0, GIL_ANSWER);
    let ids: Vec<u64> = json_of(viva(home.path()).args(["review", "list", "--json"]))
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [2], "session 1 was quit before any answer");
    let text = stdout_of(viva(home.path()).args(["review", "list"]));
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn counts_are_worded_for_one_and_for_less_than_a_minute() {
    let home = tempfile::tempdir().unwrap();
    play(home.path(), "concurrency", 1, 3, 1, GIL_ANSWER);
    let md = stdout_of(viva(home.path()).args(["export", "1"]));
    assert!(md.contains("\n1 question · 1 answered · "), "{md}");
    let report = stdout_of(viva(home.path()).args(["report"]));
    let first = report.lines().next().unwrap();
    assert_eq!(
        first,
        "1 session · 1 answer (1 graded) · 1 follow-up · 0 skipped · under a minute practised"
    );
}

/// An answer that would set the title, write the clipboard, clear the screen, blink and
/// reverse the text after it, if a terminal were shown it raw.
const HOSTILE_ANSWER: &str = "The GIL \u{1b}]0;pwned\u{7}is a lock\u{1b}]52;c;aGk=\u{1b}\\ in CPython \
\u{1b}[2J\u{1b}[5mso only one thread\u{9b}8m runs bytecode\u{202e} at a time\u{7f}.";

/// Sequences and characters of `HOSTILE_ANSWER` that must never come out.
const HOSTILE_PARTS: &[&str] = &[
    "\u{1b}]",
    "\u{1b}[2J",
    "\u{1b}[5m",
    "\u{7}",
    "\u{9b}",
    "\u{202e}",
    "\u{7f}",
];

fn assert_inert(what: &str, text: &str) {
    for part in HOSTILE_PARTS {
        assert!(!text.contains(part), "{what} shows {part:?}: {text:?}");
    }
}

/// `viva` writing as to a terminal that takes colours: nothing is stripped on the way.
fn viva_on_terminal(home: &Path) -> assert_cmd::Command {
    let mut cmd = viva(home);
    cmd.env_remove("NO_COLOR").env("CLICOLOR_FORCE", "1");
    cmd
}

#[test]
fn control_sequences_in_answers_never_reach_the_terminal_or_markdown() {
    let home = tempfile::tempdir().unwrap();
    let practice = stdout_of(
        viva_on_terminal(home.path())
            .args(["practice", "--topic", "concurrency", "--grader", "offline"])
            .args(["--count", "1", "--seed", "1", "--follow-ups", "0"])
            .write_stdin(format!("{HOSTILE_ANSWER}\n\n")),
    );
    assert_inert("practice", &practice);
    let show = stdout_of(viva_on_terminal(home.path()).args(["review", "show", "1"]));
    assert!(show.contains("so only one thread"), "{show}");
    assert!(
        show.contains("\u{1b}[1m"),
        "viva's own styles stay: {show:?}"
    );
    assert_inert("review show", &show);
    let search = stdout_of(viva_on_terminal(home.path()).args(["review", "search", "bytecode"]));
    assert!(search.contains("bytecode"), "{search}");
    assert_inert("review search", &search);
    let md = stdout_of(viva_on_terminal(home.path()).args(["export", "1"]));
    assert_inert("export to the terminal", &md);
    let file = home.path().join("s1.md");
    stdout_of(viva(home.path()).args(["export", "1", "-o"]).arg(&file));
    let md = std::fs::read_to_string(&file).unwrap();
    assert!(md.contains("so only one thread"), "{md}");
    assert!(!md.contains('\u{1b}'), "{md:?}");
    assert_inert("markdown export", &md);
    let html = stdout_of(viva(home.path()).args(["export", "1", "--format", "html"]));
    assert_inert("html export", &html);
}

/// Runs `viva export 1 --format html -o PATH` and returns its exit code and stderr.
fn export_to(home: &Path, path: &Path) -> (Option<i32>, String) {
    let out = viva(home)
        .args(["export", "1", "--format", "html", "-o"])
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn export_replaces_only_a_regular_file_or_a_new_path() {
    let home = tempfile::tempdir().unwrap();
    play(home.path(), "concurrency", 1, 1, 0, GIL_ANSWER);
    let dir = tempfile::tempdir().unwrap();

    let target = dir.path().join("target.txt");
    std::fs::write(&target, "keep me").unwrap();
    let link = dir.path().join("link.html");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (code, err) = export_to(home.path(), &link);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");

    let fifo = dir.path().join("fifo");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo reads the NUL-terminated path and nothing else.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let (code, err) = export_to(home.path(), &fifo);
    assert_eq!(code, Some(2), "{err}");
    use std::os::unix::fs::FileTypeExt;
    assert!(fifo.symlink_metadata().unwrap().file_type().is_fifo());

    let (code, err) = export_to(home.path(), Path::new("/dev/null"));
    assert_eq!(code, Some(2), "{err}");

    let stdout = stdout_of(viva(home.path()).args(["export", "1", "-o", "-"]));
    assert!(stdout.starts_with("# Session 1"), "{stdout}");

    let regular = dir.path().join("s1.html");
    std::fs::write(&regular, "old").unwrap();
    let (code, err) = export_to(home.path(), &regular);
    assert_eq!(code, Some(0), "{err}");
    assert!(std::fs::read_to_string(&regular).unwrap().contains("<html"));
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["fifo", "link.html", "s1.html", "target.txt"]);
}

#[test]
fn a_failed_export_leaves_no_temporary_file() {
    use std::os::unix::process::CommandExt;
    let home = tempfile::tempdir().unwrap();
    play(
        home.path(),
        "concurrency",
        1,
        1,
        0,
        &GIL_ANSWER.repeat(1500),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = crate::process(&crate::viva_bin(), home.path());
    cmd.args(["export", "1", "--format", "html", "-o"])
        .arg(dir.path().join("s1.html"));
    // SAFETY: between fork and exec only async-signal-safe calls: a full disk, as a file size
    // limit of 256 KB (room for the store's
    // shared-memory file, not for the export), whose writes fail with EFBIG instead of raising SIGXFSZ.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 256 << 10,
                rlim_max: 256 << 10,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}
