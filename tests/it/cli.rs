//! The command line a new user meets: help for every command, names matched the same way
//! everywhere, and the configuration and doctor pages.

use std::path::Path;

use crate::{stdout_of, viva};

/// Every argument and subcommand, as `parent child --arg`, whose help is empty.
fn undescribed(cmd: &clap::Command, path: &str, found: &mut Vec<String>) {
    for arg in cmd.get_arguments() {
        let described = arg
            .get_help()
            .is_some_and(|h| !h.to_string().trim().is_empty());
        if !described {
            found.push(format!("{path} {}", arg.get_id()));
        }
    }
    for sub in cmd.get_subcommands() {
        let sub_path = format!("{path} {}", sub.get_name());
        let described = sub
            .get_about()
            .is_some_and(|h| !h.to_string().trim().is_empty());
        if !described && sub.get_name() != "help" {
            found.push(sub_path.clone());
        }
        undescribed(sub, &sub_path, found);
    }
}

#[test]
fn every_argument_and_command_has_a_description() {
    let mut cmd = viva::cli::command();
    cmd.build();
    let mut found = Vec::new();
    undescribed(&cmd, "viva", &mut found);
    assert!(found.is_empty(), "no help for: {found:#?}");
}

#[test]
fn sim_is_kept_out_of_the_command_list() {
    let home = tempfile::tempdir().unwrap();
    let help = stdout_of(viva(home.path()).arg("--help"));
    assert!(!help.contains("sim "), "{help}");
}

#[test]
fn bank_list_help() {
    let home = tempfile::tempdir().unwrap();
    let help = stdout_of(viva(home.path()).args(["bank", "list", "--help"]));
    insta::assert_snapshot!(help);
}

#[test]
fn a_missing_argument_does_not_show_the_home_as_given() {
    let home = tempfile::tempdir().unwrap();
    let out = viva(home.path()).arg("export").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Usage: viva export <ID|--all>"), "{err}");
}

/// stderr of a run that must fail as bad input (exit 2).
fn bad_input(home: &Path, args: &[&str]) -> String {
    let out = viva(home).args(args).write_stdin("").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    err
}

#[test]
fn topics_kinds_and_difficulties_match_in_any_case() {
    let home = tempfile::tempdir().unwrap();
    let list = |args: &[&str]| {
        let mut all = vec!["bank", "list"];
        all.extend(args);
        stdout_of(viva(home.path()).args(&all))
    };
    let lower = list(&["--topic", "oop", "--kind", "coding", "--difficulty", "hard"]);
    assert!(!lower.is_empty());
    assert!(
        lower
            .lines()
            .all(|l| l.contains(" oop ") && l.contains(" coding "))
    );
    for spelled in [["OOP", "CODING", "Hard"], ["Oop", "Coding", "HARD"]] {
        let [topic, kind, difficulty] = spelled;
        let other = list(&["--topic", topic, "--kind", kind, "--difficulty", difficulty]);
        assert_eq!(other, lower, "{spelled:?}");
    }
    let practised = viva(home.path())
        .args([
            "practice",
            "-n",
            "1",
            "--topic",
            "OOP",
            "--difficulty",
            "Easy",
        ])
        .args(["--company", "GOOGLE"])
        .write_stdin("A class bundles data with the methods that act on it.\n\n")
        .output()
        .unwrap();
    assert!(
        practised.status.success(),
        "{}",
        String::from_utf8_lossy(&practised.stderr)
    );
    let sessions = stdout_of(viva(home.path()).args(["review", "list", "--topic", "Oop"]));
    assert!(sessions.contains('1'), "{sessions}");
}

#[test]
fn an_unknown_filter_value_is_the_same_error_everywhere() {
    let home = tempfile::tempdir().unwrap();
    let expected = "--topic: unknown topic \"nosuch\" (known: language, types,";
    for args in [
        &["practice", "--topic", "nosuch"][..],
        &["bank", "list", "--topic", "nosuch"],
        &["review", "list", "--topic", "nosuch"],
    ] {
        let err = bad_input(home.path(), args);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let err = bad_input(home.path(), &["bank", "list", "--topic", "concurency"]);
    assert!(err.contains("did you mean \"concurrency\"?"), "{err}");
    let err = bad_input(home.path(), &["bank", "list", "--kind", "desing"]);
    assert!(
        err.contains("--kind: unknown kind \"desing\"; did you mean \"design\"? (known: concept,"),
        "{err}"
    );
    let err = bad_input(home.path(), &["practice", "--difficulty", "hrad"]);
    assert!(
        err.contains("did you mean \"hard\"? (known: easy, medium, hard)"),
        "{err}"
    );
}

#[test]
fn bank_show_suggests_ids_and_ignores_case() {
    let home = tempfile::tempdir().unwrap();
    let err = bad_input(home.path(), &["bank", "show", "gil"]);
    assert!(
        err.contains("no question with id \"gil\"; did you mean \"gil-what-it-is\""),
        "{err}"
    );
    let shown = stdout_of(viva(home.path()).args(["bank", "show", "GIL-What-It-Is"]));
    assert!(shown.starts_with("gil-what-it-is ·"), "{shown}");
}

#[test]
fn a_bad_viva_home_is_named_as_the_problem() {
    let home = tempfile::tempdir().unwrap();
    let err = String::from_utf8(
        viva(home.path())
            .env("VIVA_HOME", "")
            .arg("status")
            .output()
            .map(|o| {
                assert_eq!(o.status.code(), Some(2));
                o.stderr
            })
            .unwrap(),
    )
    .unwrap();
    assert!(err.starts_with("viva: VIVA_HOME is empty"), "{err}");
    let file = home.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = viva(&file).arg("status").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("which is a file"), "{err}");
}

/// Output with the temporary home replaced, so snapshots do not depend on it.
fn with_home_hidden(text: &str, home: &Path) -> String {
    text.replace(&home.display().to_string(), "$VIVA_HOME")
}

#[test]
fn doctor_with_nothing_configured_shows_how_to_set_up() {
    let home = tempfile::tempdir().unwrap();
    // No recorder on the PATH, whatever the machine has installed.
    let empty = tempfile::tempdir().unwrap();
    let out = stdout_of(viva(home.path()).env("PATH", empty.path()).arg("doctor"));
    insta::assert_snapshot!(with_home_hidden(&out, home.path()));
}

#[test]
fn config_prints_one_line_per_setting_and_price() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "model = \"my-model\"\n[prices.\"my-model\"]\ninput = 0.5\noutput = 1.5\n",
    )
    .unwrap();
    let out = stdout_of(viva(home.path()).arg("config"));
    insta::assert_snapshot!(with_home_hidden(&out, home.path()));
}
