//! Embeds data/, rubrics/ and prompts/ in the binary, so `viva` runs from any directory.
//! Each directory becomes a static list of (relative path, contents); adding a file needs no
//! code change.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut out = String::new();
    for (name, dir, ext) in [
        ("DATA", "data", "toml"),
        ("RUBRICS", "rubrics", "toml"),
        ("PROMPTS", "prompts", "j2"),
        ("EVAL", "data/eval", "toml"),
        ("LEXICON", "data/lexicon", "toml"),
    ] {
        println!("cargo:rerun-if-changed={dir}");
        let mut files: Vec<String> = std::fs::read_dir(Path::new(&root).join(dir))
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|f| f.ends_with(&format!(".{ext}")))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        writeln!(out, "pub static {name}: &[(&str, &str)] = &[").unwrap();
        for f in files {
            println!("cargo:rerun-if-changed={dir}/{f}");
            writeln!(
                out,
                "    ({:?}, include_str!({:?})),",
                format!("{dir}/{f}"),
                format!("{root}/{dir}/{f}")
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(dest, out).unwrap();
}
