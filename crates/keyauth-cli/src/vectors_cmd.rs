//! `keyauth vectors`: the conformance run of `cargo xtask vectors`, for users who have the
//! binary only. Without DIR it runs the vector files built into the binary.

use std::path::{Path, PathBuf};

use keyauth_vectors::{FileReport, Summary};
use serde_json::json;

use crate::exit::{CliError, Exit};
use crate::output::Output;

/// The repository's vector files, as they were when this binary was built.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "authkey.json",
        include_str!("../../../vectors/authkey.json"),
    ),
    (
        "authkey_extra.json",
        include_str!("../../../vectors/authkey_extra.json"),
    ),
    ("core.json", include_str!("../../../vectors/core.json")),
    (
        "hmac-auth-strong.json",
        include_str!("../../../vectors/hmac-auth-strong.json"),
    ),
    (
        "hmac-auth.json",
        include_str!("../../../vectors/hmac-auth.json"),
    ),
    (
        "ninchat-master.json",
        include_str!("../../../vectors/ninchat-master.json"),
    ),
    (
        "ninchat-master_extra.json",
        include_str!("../../../vectors/ninchat-master_extra.json"),
    ),
    (
        "psono-client.json",
        include_str!("../../../vectors/psono-client.json"),
    ),
];

/// Arguments of `keyauth vectors`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  keyauth vectors\n  keyauth vectors ./vectors --scheme ninchat-master\n  keyauth --json vectors my-vectors/"
)]
pub(crate) struct Args {
    /// A directory of vector files (every *.json in it); the built-in copies when absent.
    dir: Option<PathBuf>,
    /// Only files of this scheme (for example ninchat-master, hmac-auth, authkey).
    #[arg(long)]
    scheme: Option<String>,
}

pub(crate) fn run(args: &Args, out: &Output) -> Result<Exit, CliError> {
    let load = |e: keyauth_vectors::LoadError| CliError::input("bad_vector_file", e.to_string());
    let reports: Vec<FileReport> = match &args.dir {
        Some(dir) => keyauth_vectors::run_dir(dir, args.scheme.as_deref()).map_err(load)?,
        None => {
            let mut reports = Vec::new();
            for (name, text) in BUILT_IN {
                let report = keyauth_vectors::run_file_text(Path::new(name), text).map_err(load)?;
                if args.scheme.as_deref().is_none_or(|s| s == report.scheme) {
                    reports.push(report);
                }
            }
            reports
        }
    };
    if reports.is_empty() {
        return Err(CliError::input("no_vectors", "no vector files matched"));
    }
    let summary = Summary::of(&reports);
    let files: Vec<_> = reports
        .iter()
        .map(|r| {
            let failures: Vec<_> = r
                .cases
                .iter()
                .filter_map(|c| {
                    c.failure
                        .as_ref()
                        .map(|f| json!({"name": c.name, "op": c.op, "failure": f}))
                })
                .collect();
            json!({
                "file": r.path.display().to_string(),
                "scheme": r.scheme,
                "cases": r.cases.len(),
                "passed": r.passed(),
                "failed": r.failed(),
                "failures": failures,
            })
        })
        .collect();
    out.emit(
        &json!({"files": files, "passed": summary.passed, "failed": summary.failed}),
        &keyauth_vectors::render(&reports),
    );
    Ok(if summary.failed > 0 {
        Exit::Check
    } else {
        Exit::Ok
    })
}
