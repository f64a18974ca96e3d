//! Random bytes through every command that reads a user's file or stream: none panics, and each
//! ends with 0 (accepted) or 2 (bad input), never 1 or a signal. Few cases, so the suite stays
//! fast; each case is a process.

use proptest::prelude::*;

use crate::viva;

/// Bytes as hostile input tends to be: mostly text-like, with invalid UTF-8, NULs and braces.
fn input() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(b"{}[]\":,\n abc#=-*1".to_vec()),
            1 => any::<u8>(),
        ],
        0..400,
    )
}

/// Runs `viva ARGS FILE` on `bytes` written to a file (or on stdin, with no file argument).
fn exit_code(args: &[&str], bytes: &[u8], as_file: bool) -> Option<i32> {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = viva(home.path());
    cmd.args(args);
    if as_file {
        let file = home.path().join("input.txt");
        std::fs::write(&file, bytes).unwrap();
        cmd.arg(file);
    } else {
        cmd.write_stdin(bytes.to_vec());
    }
    cmd.timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
        .status
        .code()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_and_exit_0_or_2(bytes in input()) {
        for (args, as_file) in [
            (&["grade"][..], false),
            (&["bank", "check"][..], true),
            (&["import"][..], true),
            (&["regrade", "--batch-in"][..], true),
        ] {
            let code = exit_code(args, &bytes, as_file);
            prop_assert!(matches!(code, Some(0 | 2)), "viva {args:?} exited {code:?}");
        }
    }
}
