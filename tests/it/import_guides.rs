//! `viva import` on guides it was not built on: every fixture family scored against its
//! reference, saved web pages, files that are not guides, and the details of the output (ids,
//! sentences, list questions, duplicates by the meaning of a title, `--out` into a new folder).

use std::path::Path;

use serde_json::Value;
use viva::bank::import::extract;

use crate::import_score::{Score, load_reference, score};
use crate::{json_of, stdout_of, viva};

fn fixtures() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/import"
    ))
}

#[test]
fn every_layout_family_finds_its_questions_and_insight() {
    let root = fixtures().join("families");
    let mut families: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    families.sort();
    let names: Vec<String> = families
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for family in [
        "embedded",
        "html",
        "markdown",
        "qa",
        "table",
        "titled",
        "trailer",
        "trailer_titled",
    ] {
        assert!(
            names.iter().any(|n| n == family),
            "{family} missing: {names:?}"
        );
    }
    for dir in &families {
        let reference = load_reference(dir);
        let mut guides: Vec<&str> = reference.iter().map(|r| r.seed.as_str()).collect();
        guides.dedup();
        assert!(
            guides.len() >= 5,
            "{}: five subjects or more",
            dir.display()
        );
        let mut total = Score::default();
        for guide in guides {
            let text = std::fs::read_to_string(dir.join(guide)).unwrap();
            let refs: Vec<_> = reference.iter().filter(|r| r.seed == guide).collect();
            total.add(&score(&refs, &extract(&text)));
        }
        let name = dir.file_name().unwrap().to_string_lossy();
        assert!(
            total.recall() >= 95.0,
            "{name}: question recall {:.1}%",
            total.recall()
        );
        assert!(
            total.precision() >= 95.0,
            "{name}: precision {:.1}%",
            total.precision()
        );
        assert!(
            total.insight_recall() >= 90.0,
            "{name}: insight recall {:.1}%",
            total.insight_recall()
        );
        assert_eq!(total.mojibake, 0, "{name}: mojibake left");
        assert_eq!(total.control, 0, "{name}: control characters left");
    }
}

fn import_out(home: &Path, guide: &Path) -> std::process::Output {
    viva(home)
        .arg("import")
        .arg(guide)
        .arg("--json")
        .output()
        .unwrap()
}

#[test]
fn a_saved_web_page_is_read_without_its_furniture() {
    let home = tempfile::tempdir().unwrap();
    let page = fixtures().join("pages/go_blog.html");
    let v = json_of(viva(home.path()).arg("import").arg(&page).arg("--json"));
    let qs = v.as_array().unwrap();
    let titles: Vec<&str> = qs.iter().map(|q| q["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "What is a goroutine, and how is it different from a thread?",
            "Explain how `select` chooses between ready channels.",
            "What does `go vet` catch?",
            "Why does `errors.Is` unwrap errors?",
        ],
        "navigation, scripts, code comments and the footer are not questions"
    );
    assert_eq!(
        qs[0]["source"]["line"], 14,
        "the line of the heading in the page"
    );
    assert_eq!(
        qs[0]["red_flags"],
        serde_json::json!(["Says each goroutine is an OS thread"])
    );
    let answer = qs[0]["answer"].as_str().unwrap();
    assert!(answer.starts_with("A goroutine is a function"), "{answer}");
    assert!(!answer.contains("Println"), "code is not prose: {answer}");
}

/// Bytes from a fixed-seed xorshift: the same "random" file on every run.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn random_bytes_images_pdfs_and_control_noise_are_refused() {
    let home = tempfile::tempdir().unwrap();
    let png = [
        &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0"[..],
        &noise(64),
    ]
    .concat();
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    let mut controls = Vec::new();
    for k in 0..200 {
        controls.extend_from_slice(format!("What is item {k}?\x1b[2J\x07\x08\n").as_bytes());
    }
    // Noise without NUL bytes: only its decoding gives it away.
    let noise_text: Vec<u8> = noise(200_000).into_iter().map(|b| b.max(1)).collect();
    for (name, bytes, why) in [
        ("noise.md", noise(200_000), "binary data"),
        ("noise.txt", noise_text, "not text"),
        ("pixel.png", png, "a PNG image"),
        ("paper.pdf", pdf, "a PDF"),
        ("terminal.txt", controls, "control characters"),
    ] {
        let path = home.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = import_out(home.path(), &path);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(&format!("{}: not imported: ", path.display())),
            "{err}"
        );
        assert!(err.contains(why), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}: nothing is imported");
    }
}

#[test]
fn prose_with_nothing_that_asks_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("story.txt");
    let story = "The harbour was quiet that morning.\nfn main() {}\nBoats rocked on the grey water while gulls argued over scraps.\n\
                 let x = 1;\nA fisherman mended his nets and hummed an old tune.\nprint(x)\n\
                 By noon the fog had lifted and the market filled with voices.\n";
    std::fs::write(&path, story).unwrap();
    let out = import_out(home.path(), &path);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no question-like structure") || err.contains("no interview questions"),
        "{err}"
    );
}

#[test]
fn the_readme_example_works_on_a_fresh_home() {
    let home = tempfile::tempdir().unwrap();
    let out_file = home.path().join("bank/guide.toml");
    assert!(!home.path().join("bank").exists());
    let msg = stdout_of(
        viva(home.path())
            .arg("import")
            .arg(fixtures().join("markdown_rust.md"))
            .arg("--out")
            .arg(&out_file),
    );
    assert!(msg.starts_with("wrote 5 questions"), "{msg}");
    let check = stdout_of(viva(home.path()).args(["bank", "check"]));
    assert!(check.starts_with("ok: "), "{check}");
    let show = stdout_of(viva(home.path()).args(["bank", "show", "borrow-checker-prevent"]));
    assert!(
        show.contains("What does the borrow checker prevent?"),
        "{show}"
    );
}

fn import_one(guide: &str) -> (tempfile::TempDir, Vec<Value>) {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("guide.md");
    std::fs::write(&path, guide).unwrap();
    let v = json_of(viva(home.path()).arg("import").arg(&path).arg("--json"));
    (home, v.as_array().unwrap().clone())
}

#[test]
fn short_titles_meet_their_long_twins_and_ids_name_the_subject() {
    let (_home, qs) = import_one(
        "# Python notes\n\n## Explain the GIL.\n\nOne lock in CPython lets a single thread run \
         Python bytecode at a time, so CPU-bound threads do not run in parallel; I/O releases it.\n\n\
         ## How does `with` work?\n\nIt calls `__enter__` on the way in and `__exit__` on the way \
         out, even when the block raises.\n\n**Red flags:**\n- Thinks it only closes files\n",
    );
    assert_eq!(qs[0]["duplicate_of"], "gil-what-it-is", "{:#}", qs[0]);
    assert_eq!(qs[1]["id"], "with");
    assert!(
        qs[1]["duplicate_of"].is_null() || qs[1]["duplicate_of"] == "context-manager-protocol",
        "{:#}",
        qs[1]
    );
}

#[test]
fn list_questions_after_an_answer_stay_questions_and_key_points_keep_dotted_words() {
    let home = tempfile::tempdir().unwrap();
    let guide = home.path().join("guide.md");
    std::fs::write(
        &guide,
        "# Packaging\n\n## What is a wheel file?\n\nA wheel is a zip archive with a .whl \
         extension that pip installs without running a build. Python 3.12 removed distutils, \
         so setup.py builds need setuptools installed. Tools read metadata through \
         importlib.metadata instead of running code.\n\n- How do you publish a package to an \
         index?\n- What does a lock file pin?\n",
    )
    .unwrap();
    let v = json_of(viva(home.path()).arg("import").arg(&guide).arg("--json"));
    let titles: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "What is a wheel file?",
            "How do you publish a package to an index?",
            "What does a lock file pin?"
        ]
    );
    assert!(!v[0]["answer"].as_str().unwrap().contains("publish"));
    let out_file = home.path().join("out/wheel.toml");
    stdout_of(
        viva(home.path())
            .arg("import")
            .arg(&guide)
            .arg("--keep-duplicates")
            .arg("--out")
            .arg(&out_file),
    );
    let bank: toml::Value = toml::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    let wheel = bank["question"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["prompt"].as_str() == Some("What is a wheel file?"))
        .unwrap();
    let points: Vec<&str> = wheel["what_they_test"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        points.contains(
            &"A wheel is a zip archive with a .whl extension that pip installs without running a build"
        ),
        "{points:#?}"
    );
    assert!(
        points.contains(
            &"Python 3.12 removed distutils, so setup.py builds need setuptools installed"
        ),
        "{points:#?}"
    );
}
