//! `cargo xtask`: the project's own tasks.
//!
//! - `cargo xtask vectors [--dir DIR]... [--scheme NAME]`: run conformance vectors.
//! - `cargo xtask bench [--quick] [--no-run] [-p CRATE]...`: benchmarks, one table of each
//!   operation beside its raw primitives (see `bench.rs`).
//! - `cargo xtask ci`: everything CI checks, in order (`.ci/run` calls it after starting the
//!   services), so there is one CI definition.

mod bench;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  vectors [--dir DIR]... [--scheme NAME]
        run every *.json vector file in each DIR (default: every crates/*/vectors/)
        through the registry keyauth::conformance::schemes(); prints the table and
        `N passed, N failed`; exit 1 on a failed case, 2 on an unreadable file
  ci    what CI checks, in order: fmt, clippy -D warnings, tests (cargo nextest and the
        doctests when cargo-nextest is installed, else cargo test), rustdoc -D warnings,
        cargo deny, vectors (all --locked); `.ci/run` starts the services, then runs this
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    match args.first().map(String::as_str) {
        Some("vectors") => vectors(&root, &args[1..]),
        Some("bench") => bench::bench(&root, &args[1..]),
        Some("ci") if args.len() == 1 => ci(&root),
        Some("-h" | "--help") => {
            print!("{USAGE}{}", bench::USAGE);
            ExitCode::SUCCESS
        }
        _ => {
            eprint!("{USAGE}{}", bench::USAGE);
            ExitCode::from(2)
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Each crate's own `vectors/` directory, sorted.
fn crate_vector_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().join("vectors"))
        .filter(|d| d.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn vectors(root: &Path, args: &[String]) -> ExitCode {
    let mut dirs = Vec::new();
    let mut scheme = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match (arg.as_str(), it.next()) {
            ("--dir", Some(d)) => dirs.push(PathBuf::from(d)),
            ("--scheme", Some(s)) => scheme = Some(s.clone()),
            _ => {
                eprint!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    if dirs.is_empty() {
        dirs = crate_vector_dirs(root);
    }
    let runners = keyauth::conformance::schemes();
    let runners: Vec<&dyn keyauth_vectors::Scheme> = runners.iter().map(AsRef::as_ref).collect();
    let mut reports = Vec::new();
    for dir in &dirs {
        match keyauth_vectors::run_dir(&runners, dir, scheme.as_deref()) {
            Ok(r) => reports.extend(r),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    print!("{}", keyauth_vectors::render(&reports));
    let summary = keyauth_vectors::Summary::of(&reports);
    if reports.is_empty() {
        eprintln!("error: no vector files matched");
        ExitCode::from(2)
    } else if summary.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// One CI step: a cargo command line and the environment it needs.
struct Step {
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

/// The README's test command; `cargo xtask ci` runs it when cargo-nextest is missing.
const TEST: Step = Step {
    args: &["test", "--workspace", "--all-features", "--locked"],
    env: &[],
};

/// The same tests through cargo-nextest (profile `ci` of `.config/nextest.toml`): every
/// test binary at once, so one slow binary (a Redis failover, a live peer) does not hold the
/// others back; then the doctests, which nextest does not run.
const NEXTEST: [Step; 2] = [
    Step {
        args: &[
            "nextest",
            "run",
            "--workspace",
            "--all-features",
            "--locked",
            "--profile",
            "ci",
        ],
        env: &[],
    },
    Step {
        args: &["test", "--doc", "--workspace", "--all-features", "--locked"],
        env: &[],
    },
];

const BEFORE_TESTS: &[Step] = &[
    Step {
        args: &["fmt", "--all", "--check"],
        env: &[],
    },
    Step {
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        env: &[],
    },
];

const AFTER_TESTS: &[Step] = &[
    Step {
        args: &[
            "doc",
            "--workspace",
            "--no-deps",
            "--all-features",
            "--locked",
        ],
        env: &[("RUSTDOCFLAGS", "-Dwarnings")],
    },
    Step {
        args: &["deny", "check", "bans", "licenses", "sources"],
        env: &[],
    },
    Step {
        args: &["xtask", "vectors"],
        env: &[],
    },
];

/// Whether `cargo nextest` runs here.
fn has_nextest(cargo: &str) -> bool {
    Command::new(cargo)
        .args(["nextest", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn ci(root: &Path) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let started = std::time::Instant::now();
    let tests: &[Step] = if has_nextest(&cargo) {
        &NEXTEST
    } else {
        println!("cargo-nextest not found: the tests run with `cargo test`, one binary at a time");
        std::slice::from_ref(&TEST)
    };
    for step in BEFORE_TESTS.iter().chain(tests).chain(AFTER_TESTS) {
        let line = step.args.join(" ");
        println!("\n== cargo {line} ({}s)", started.elapsed().as_secs());
        let ok = Command::new(&cargo)
            .args(step.args)
            .envs(step.env.iter().copied())
            .current_dir(root)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("xtask ci: `cargo {line}` failed");
            return ExitCode::FAILURE;
        }
    }
    println!("\n== done ({}s)", started.elapsed().as_secs());
    ExitCode::SUCCESS
}
