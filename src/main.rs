//! The `viva` binary: parse, run, and turn errors into one message and an exit code
//! (0 success, 1 failure, 2 bad input).

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use viva::cli::{self, Cli};
use viva::error::BadInput;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Wrapped to the terminal, coloured only where colour is wanted (NO_COLOR, pipes).
    let mut out = viva::term::stdout();
    let result = cli::run(cli, &mut out).and_then(|()| Ok(out.flush()?));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`viva review list | head`) is the reader's choice, not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let mut msg = format!("viva: {e}");
            for cause in e.chain().skip(1) {
                msg.push_str(&format!("\n  caused by: {cause}"));
            }
            eprintln!("{msg}");
            if e.downcast_ref::<BadInput>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<io::Error>())
        .any(|io| io.kind() == io::ErrorKind::BrokenPipe)
}
