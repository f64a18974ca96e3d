//! `viva import`: guides in each layout (fixtures written for these tests, on databases, Rust,
//! DevOps and Git), the bank file it writes, duplicates, and bad input.

use serde_json::Value;

use crate::{json_of, stdout_of, viva};

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn import_json(files: &[&str]) -> Vec<Value> {
    let home = tempfile::tempdir().unwrap();
    let paths: Vec<String> = files.iter().map(|f| fixture(f)).collect();
    let v = json_of(viva(home.path()).arg("import").args(&paths).arg("--json"));
    v.as_array().unwrap().clone()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// (line, layout, title) of each question.
fn outline(qs: &[Value]) -> Vec<(u64, String, String)> {
    qs.iter()
        .map(|q| {
            (
                q["source"]["line"].as_u64().unwrap(),
                q["layout"].as_str().unwrap().to_string(),
                q["title"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn expect_outline(qs: &[Value], expected: &[(u64, &str, &str)]) {
    let got = outline(qs);
    let want: Vec<(u64, String, String)> = expected
        .iter()
        .map(|(l, lay, t)| (*l, lay.to_string(), t.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn a_titled_guide_with_damaged_text_gives_metadata_insight_and_its_table() {
    let qs = import_json(&["titled_databases.txt"]);
    expect_outline(
        &qs,
        &[
            (
                13,
                "titled",
                "What Is a Database Index and What Does It Cost?",
            ),
            (51, "titled", "Explain Transaction Isolation Levels"),
            (69, "titled", "What Is Normalization?"),
            (91, "table", "What is a primary key?"),
            (92, "table", "What is a foreign key?"),
            (93, "table", "Explain optimistic locking"),
            (94, "table", "How does MVCC work?"),
            (95, "table", "What is a deadlock?"),
            (
                107,
                "titled",
                "How Does a Write-Ahead Log Make Commits Durable?",
            ),
            (
                117,
                "markdown",
                "Explain how a query planner chooses a join order.",
            ),
            (
                118,
                "markdown",
                "Write a query that returns the top three salaries per department.",
            ),
            (
                119,
                "markdown",
                "How would you find slow queries in production?",
            ),
        ],
    );
    // Full four-part insight; the difficulty read from the word next to a damaged emoji.
    let index = &qs[0];
    assert_eq!(index["difficulty"], "hard");
    assert_eq!(strings(&index["companies"]), ["Acme", "Globex", "Initech"]);
    assert_eq!(
        strings(&index["tags"]),
        ["Indexes", "Storage", "Performance"]
    );
    assert_eq!(index["what_they_test"].as_array().unwrap().len(), 4);
    assert_eq!(
        strings(&index["strong_signals"]),
        [
            "Reads the query plan before adding an index",
            "Mentions covering indexes that answer a query without visiting the table → fewer page reads"
        ]
    );
    assert_eq!(
        strings(&index["red_flags"]),
        [
            "\"Index every column\" (ignores write cost)",
            "Believes an index always makes a query faster"
        ]
    );
    assert_eq!(index["follow_ups"].as_array().unwrap().len(), 2);
    // "What they're testing" with signals; quoted key points; shifted emoji, words decide.
    assert_eq!(qs[1]["difficulty"], "medium");
    assert_eq!(
        strings(&qs[1]["what_they_test"]),
        ["Whether the candidate ties each level to the anomaly it prevents."]
    );
    assert_eq!(qs[1]["strong_signals"].as_array().unwrap().len(), 3);
    assert_eq!(qs[2]["difficulty"], "easy");
    assert_eq!(
        strings(&qs[2]["strong_signals"])[0],
        "Each fact lives in one place",
        "quotes around key points go"
    );
    // The flattened table: columns recovered, the [HARD] tag dropped from the title.
    assert_eq!(strings(&qs[5]["companies"]), ["Initech"]);
    assert_eq!(strings(&qs[6]["companies"]), ["Acme", "Initech"]);
    assert_eq!(qs[6]["difficulty"], "hard");
    assert_eq!(strings(&qs[4]["tags"]), ["Keys", "Integrity"]);
    // The insight inside a block escaped onto one line.
    let wal = &qs[8];
    assert_eq!(
        strings(&wal["what_they_test"]),
        [
            "Changes reach the log before the data files",
            "Recovery replays the log from the last checkpoint",
            "An fsync at commit is what makes it durable"
        ]
    );
    assert_eq!(
        strings(&wal["follow_ups"]),
        ["\"What does a checkpoint bound?\" (recovery time)"]
    );
    // Companies from the heading of a question list.
    assert_eq!(strings(&qs[9]["companies"]), ["Acme"]);
    let all = serde_json::to_string(&qs).unwrap();
    for damage in ["β”", "β†", "πŸ", "Β°", "\u{1F7D1}", "\u{1F7D2}"] {
        assert!(
            !all.contains(damage),
            "mojibake {damage:?} left in the output"
        );
    }
    assert!(all.contains("20°C"), "a repaired run inside prose");
    assert!(!all.contains("Upsert"), "code samples are not questions");
}

#[test]
fn untitled_answers_are_cut_after_their_trailers_and_scenarios_are_read() {
    let qs = import_json(&["trailer_devops.txt"]);
    let titles: Vec<String> = outline(&qs).into_iter().map(|(_, _, t)| t).collect();
    assert_eq!(qs.len(), 5, "{titles:#?}");
    let lines: Vec<u64> = outline(&qs).iter().map(|o| o.0).collect();
    assert_eq!(lines, [13, 19, 29, 32, 38]);
    assert!(titles[0].starts_with("A container is a process"));
    assert!(qs.iter().all(|q| q["layout"] == "trailer"));
    assert!(qs[..4].iter().all(|q| q["title_source"] == "answer_lead"));
    assert!(
        qs[0]["guessed"]
            .as_array()
            .unwrap()
            .contains(&Value::from("title"))
    );
    assert_eq!(
        strings(&qs[0]["what_they_test"]),
        ["Whether you know a container is just a constrained process."]
    );
    assert_eq!(
        strings(&qs[0]["red_flags"]),
        ["“A container is a lightweight VM.” That confuses isolation with virtualization."]
    );
    assert_eq!(
        strings(&qs[1]["red_flags"]),
        ["Copying the whole source tree before installing dependencies."],
        "the war story glued after the red flag is not part of it"
    );
    assert_eq!(
        strings(&qs[1]["follow_ups"]).len(),
        2,
        "the next section heading is not a follow-up"
    );
    assert_eq!(
        strings(&qs[2]["follow_ups"]),
        [
            "What does maxSurge control?",
            "How do you roll back a bad release?"
        ]
    );
    let scenario = &qs[4];
    assert_eq!(scenario["title_source"], "scenario");
    assert_eq!(scenario["kind"], "debugging");
    assert_eq!(
        scenario["title"],
        "After a deploy, half the pods of a service restart every few minutes and error rates climb. Rolling back fixes it, but nobody knows why."
    );
    assert_eq!(
        strings(&scenario["red_flags"]),
        ["Just raise the memory limit.", "Restart the whole cluster."]
    );
    assert_eq!(
        strings(&scenario["strong_signals"]),
        [
            "I would find out why the pods restart first: OOMKilled, failed probes, or crashes.",
            "Then I would reproduce it in staging with the new image.",
            "If a probe is too strict under load, I would relax its timeout rather than remove it."
        ],
        "nested details and quoted commands are not signals of their own"
    );
    assert_eq!(scenario["follow_ups"].as_array().unwrap().len(), 2);
}

#[test]
fn a_question_and_answer_page_leaves_out_its_chrome() {
    let qs = import_json(&["qa_rust.txt"]);
    expect_outline(
        &qs,
        &[
            (7, "question_answer", "What is ownership in Rust?"),
            (
                11,
                "question_answer",
                "Explain the difference between String and &str.",
            ),
            (15, "question_answer", "Why does Rust have both Rc and Arc?"),
            (19, "question_answer", "What does the `?` operator do?"),
            (
                23,
                "question_answer",
                "How do lifetimes relate to the borrow checker?",
            ),
            (
                27,
                "question_answer",
                "Explain the difference between Vec and VecDeque.",
            ),
        ],
    );
    assert!(
        qs[0]["answer"]
            .as_str()
            .unwrap()
            .starts_with("Every value has exactly one owner")
    );
    assert!(qs.iter().all(|q| q["difficulty"].is_null()));
}

#[test]
fn questions_embedded_in_flattened_code_keep_their_focus_and_concepts() {
    let qs = import_json(&["embedded_sql.txt"]);
    expect_outline(
        &qs,
        &[
            (
                4,
                "embedded",
                "Explain when a hash join beats a nested loop join",
            ),
            (4, "embedded", "What does EXPLAIN ANALYZE show here?"),
            (9, "embedded", "Design a connection pool with a hard limit"),
            (
                9,
                "embedded",
                "Detect connection leaks in a long running service",
            ),
            (
                10,
                "embedded",
                "Compare a connection pooler process with an in-app pool",
            ),
            (13, "embedded", "When does a partial index help?"),
            (13, "embedded", "Expression indexes vs generated columns"),
            (13, "embedded", "Index bloat and how to measure it"),
            (14, "embedded", "Migrate a large table without downtime"),
            (
                18,
                "embedded",
                "Postgres vs a document store for an event log",
            ),
            (
                19,
                "embedded",
                "Read replicas vs caching for a read-heavy API",
            ),
            (21, "embedded", "What's wrong with this query?"),
        ],
    );
    let concepts = [
        "Join cost estimation",
        "Statistics and row estimates",
        "Memory limits for hash tables",
    ];
    assert_eq!(strings(&qs[0]["what_they_test"]), concepts);
    assert_eq!(strings(&qs[1]["what_they_test"]), concepts);
    assert_eq!(
        strings(&qs[2]["what_they_test"]),
        ["back-pressure, timeouts, leak detection"]
    );
    assert!(qs[3]["what_they_test"].as_array().unwrap().is_empty());
    assert_eq!(qs[2]["kind"], "design");
    assert_eq!(
        qs[10]["section"],
        "3.1 Discussion Prompts > Trade-off Analysis"
    );
    assert!(
        qs.iter().all(|q| q["duplicate_of"].is_null()),
        "shared concepts do not make duplicates"
    );
}

#[test]
fn markdown_headings_and_question_lists() {
    let qs = import_json(&["markdown_rust.md"]);
    expect_outline(
        &qs,
        &[
            (7, "markdown", "What does the borrow checker prevent?"),
            (
                25,
                "markdown",
                "Why is `Rc<RefCell<T>>` a smell in hot paths?",
            ),
            (33, "markdown", "Explain how `Send` and `Sync` differ."),
            (
                34,
                "markdown",
                "Write a function that splits a slice into two mutable halves.",
            ),
            (35, "markdown", "What is a zero-cost abstraction?"),
        ],
    );
    let q = &qs[0];
    assert_eq!(q["difficulty"], "medium");
    assert_eq!(q["section"], "Ownership");
    assert_eq!(q["what_they_test"].as_array().unwrap().len(), 3);
    assert_eq!(strings(&q["red_flags"]), ["Calls it a runtime check"]);
    assert_eq!(
        strings(&q["follow_ups"]),
        ["How would you share mutable state between threads?"]
    );
    assert_eq!(strings(&qs[1]["companies"]), ["Initech"]);
    assert_eq!(strings(&qs[2]["companies"]), ["Initech", "Globex"]);
    assert_eq!(qs[3]["kind"], "coding");
}

#[test]
fn an_article_with_its_headings_stripped() {
    let qs = import_json(&["flattened_git.txt"]);
    expect_outline(
        &qs,
        &[
            (2, "flattened", "rebase and merge?"),
            (
                8,
                "flattened",
                "A detached HEAD means the working tree points at a commit rather than a branch.",
            ),
            (11, "flattened", "git reflog?"),
            (14, "flattened", "git stash vs git worktree?"),
            (
                17,
                "flattened",
                "A bisect walks the history by halves to find the commit that broke a test.",
            ),
        ],
    );
    assert_eq!(qs[0]["title_source"], "fragment");
    assert_eq!(qs[1]["title_source"], "answer_lead");
}

#[test]
fn duplicates_of_the_bank_and_of_each_other_are_marked_with_the_id_they_repeat() {
    let home = tempfile::tempdir().unwrap();
    let again = home.path().join("again.md");
    std::fs::copy(fixture("duplicates.md"), &again).unwrap();
    let v = json_of(
        viva(home.path())
            .arg("import")
            .arg(fixture("duplicates.md"))
            .arg(&again)
            .arg("--json"),
    );
    let qs = v.as_array().unwrap();
    assert_eq!(qs.len(), 4);
    assert_eq!(
        qs[0]["duplicate_of"], "gil-what-it-is",
        "a paraphrase of a shipped question"
    );
    assert!(
        qs[1]["duplicate_of"].is_null(),
        "a question the bank does not have"
    );
    assert_eq!(
        qs[2]["duplicate_of"], qs[0]["id"],
        "the same question twice in one import"
    );
    assert_eq!(qs[3]["duplicate_of"], qs[1]["id"]);
    assert_ne!(qs[0]["id"], qs[2]["id"], "ids stay unique");
}

#[test]
fn the_bank_file_loads_and_leaves_out_duplicates_saying_so() {
    let home = tempfile::tempdir().unwrap();
    let out_file = home.path().join("imported.toml");
    let all = [
        "titled_databases.txt",
        "trailer_devops.txt",
        "qa_rust.txt",
        "embedded_sql.txt",
        "markdown_rust.md",
        "flattened_git.txt",
        "duplicates.md",
    ];
    let paths: Vec<String> = all.iter().map(|f| fixture(f)).collect();
    let found = json_of(viva(home.path()).arg("import").args(&paths).arg("--json"));
    let found = found.as_array().unwrap();
    let duplicates = found
        .iter()
        .filter(|q| !q["duplicate_of"].is_null())
        .count();
    assert!(duplicates >= 1);
    let msg = stdout_of(
        viva(home.path())
            .arg("import")
            .args(&paths)
            .arg("--out")
            .arg(&out_file),
    );
    let written = found.len() - duplicates;
    assert!(
        msg.starts_with(&format!(
            "wrote {written} questions to {}",
            out_file.display()
        )),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("left out {duplicates} duplicates")),
        "{msg}"
    );
    assert!(msg.contains("(same as gil-what-it-is)"), "{msg}");
    let check = stdout_of(viva(home.path()).args(["bank", "check"]).arg(&out_file));
    assert_eq!(check.trim(), format!("ok: {written} questions in 1 file"));
    let text = std::fs::read_to_string(&out_file).unwrap();
    assert!(text.contains("topic-guessed") && text.contains("kind-guessed"));
    assert!(
        text.contains("rubric-filled"),
        "lists the guides lack are filled and marked"
    );
    // Dropped into the user's bank, the file loads with the shipped bank.
    std::fs::create_dir_all(home.path().join("bank")).unwrap();
    std::fs::copy(&out_file, home.path().join("bank/imported.toml")).unwrap();
    let whole = stdout_of(viva(home.path()).args(["bank", "check"]));
    assert!(whole.starts_with("ok: "), "{whole}");
    let kept_one = found.iter().find(|q| q["duplicate_of"].is_null()).unwrap();
    let shown =
        stdout_of(viva(home.path()).args(["bank", "show", kept_one["id"].as_str().unwrap()]));
    assert!(
        shown.contains(kept_one["title"].as_str().unwrap()),
        "{shown}"
    );
    // --keep-duplicates writes them all.
    let kept = home.path().join("kept.toml");
    let msg = stdout_of(
        viva(home.path())
            .arg("import")
            .args(&paths)
            .args(["--keep-duplicates", "--out"])
            .arg(&kept),
    );
    assert!(
        msg.starts_with(&format!("wrote {} questions", found.len())),
        "{msg}"
    );
    let check = stdout_of(viva(home.path()).args(["bank", "check"]).arg(&kept));
    assert!(check.starts_with("ok: "), "{check}");
}

#[test]
fn a_missing_file_or_a_file_without_questions_is_bad_input() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("nope.txt");
    let out = viva(home.path())
        .arg("import")
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}: cannot read", missing.display())),
        "{err}"
    );

    // A folder cannot be made inside a file.
    let blocker = home.path().join("a-file");
    std::fs::write(&blocker, "").unwrap();
    let unwritable = blocker.join("out.toml");
    let out = viva(home.path())
        .arg("import")
        .arg(fixture("qa_rust.txt"))
        .arg("--out")
        .arg(&unwritable)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}: cannot write", unwritable.display())),
        "{err}"
    );

    let prose = home.path().join("prose.txt");
    std::fs::write(&prose, "Just a note about my week.\nNothing to ask here.\n").unwrap();
    let out = viva(home.path())
        .arg("import")
        .arg(&prose)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no interview questions found"), "{err}");
}

#[test]
fn bytes_that_are_not_utf8_are_replaced_with_a_warning() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("latin1.md");
    let mut bytes = b"## What is a caf\xe9 racer?\n\nA motorcycle style.\n\n**Red flags:**\n- Confuses it with a scooter\n".to_vec();
    bytes.extend_from_slice(b"\n");
    std::fs::write(&path, bytes).unwrap();
    let out = viva(home.path())
        .arg("import")
        .arg(&path)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid UTF-8"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["title"], "What is a caf\u{FFFD} racer?");
}

#[test]
fn import_writes_no_control_characters_into_bank_files() {
    let home = tempfile::tempdir().unwrap();
    let guide = home.path().join("hostile.md");
    let text = std::fs::read_to_string(fixture("duplicates.md"))
        .unwrap()
        .replace(
            "How does a Bloom filter",
            "How does a \u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[5mBloom\u{202e} filter",
        )
        .replace(
            "No false negatives",
            "No false\u{1b}]52;c;aGk=\u{1b}\\ negatives\u{8}",
        );
    std::fs::write(&guide, text).unwrap();
    let out_file = home.path().join("hostile.toml");
    stdout_of(
        viva(home.path())
            .arg("import")
            .arg(&guide)
            .arg("--out")
            .arg(&out_file),
    );
    let written = std::fs::read_to_string(&out_file).unwrap();
    assert!(written.contains("How does a Bloom filter"), "{written}");
    assert!(written.contains("No false negatives"), "{written}");
    for bad in [
        "\u{1b}", "\\u001b", "\\e", "\u{7}", "\u{8}", "\u{202e}", "\\u202e",
    ] {
        assert!(
            !written.to_lowercase().contains(bad),
            "{bad:?} in {written}"
        );
    }
    let check = stdout_of(viva(home.path()).args(["bank", "check"]).arg(&out_file));
    assert!(check.starts_with("ok: "), "{check}");
}
