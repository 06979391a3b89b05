//! `cargo xtask`: the project's own tasks.
//!
//! - `cargo xtask vectors [--dir DIR] [--scheme NAME]`: run conformance vectors.
//! - `cargo xtask ci`: everything CI checks, in order.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  vectors [--dir DIR] [--scheme NAME]   run every *.json vector file in DIR (default vectors/)
                                        exit 1 on a failed case, 2 on an unreadable file
  ci                                    fmt check, clippy -D warnings, tests, cargo deny (when
                                        installed), vectors
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    match args.first().map(String::as_str) {
        Some("vectors") => vectors(&root, &args[1..]),
        Some("ci") => ci(&root),
        Some("-h" | "--help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn vectors(root: &Path, args: &[String]) -> ExitCode {
    let mut dir = root.join("vectors");
    let mut scheme = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match (arg.as_str(), it.next()) {
            ("--dir", Some(d)) => dir = PathBuf::from(d),
            ("--scheme", Some(s)) => scheme = Some(s.clone()),
            _ => {
                eprint!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match keyauth_vectors::run_dir(&dir, scheme.as_deref()) {
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Ok(reports) => {
            print!("{}", keyauth_vectors::render(&reports));
            let summary = keyauth_vectors::Summary::of(&reports);
            if reports.is_empty() {
                eprintln!("error: no vector files in {}", dir.display());
                ExitCode::from(2)
            } else if summary.failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}

fn ci(root: &Path) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut steps: Vec<Vec<&str>> = vec![
        vec!["fmt", "--all", "--check"],
        vec![
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
        vec!["test", "--workspace", "--all-features"],
    ];
    let has_deny = Command::new(&cargo)
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if has_deny {
        steps.push(vec!["deny", "check", "bans", "licenses", "sources"]);
    } else {
        eprintln!("xtask ci: cargo-deny not installed, skipping `cargo deny check`");
    }
    steps.push(vec!["xtask", "vectors"]);
    for step in steps {
        eprintln!("xtask ci: cargo {}", step.join(" "));
        let ok = Command::new(&cargo)
            .args(&step)
            .current_dir(root)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("xtask ci: `cargo {}` failed", step.join(" "));
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
