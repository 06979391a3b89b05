//! `keyauth vectors`: the conformance run of `cargo xtask vectors` (the same registry,
//! `keyauth::conformance`, and the same table), for users who have the binary only. Without DIR
//! it runs the vector files each scheme crate compiles in.

use std::path::PathBuf;

use keyauth_vectors::{FileReport, Summary};
use serde_json::json;

use crate::exit::{CliError, Exit};
use crate::output::Output;

/// Arguments of `keyauth vectors`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  keyauth vectors\n  keyauth vectors crates/ninchat-master/vectors --scheme ninchat-master\n  keyauth --json vectors my-vectors/"
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
    let runners = keyauth::conformance::schemes();
    let runners: Vec<&dyn keyauth_vectors::Scheme> = runners.iter().map(AsRef::as_ref).collect();
    let scheme = args.scheme.as_deref();
    let reports: Vec<FileReport> = match &args.dir {
        Some(dir) => {
            keyauth_vectors::run_dir_limited(&runners, dir, scheme, crate::input::data_limit())
                .map_err(load)?
        }
        None => keyauth_vectors::run_embedded(&runners, &keyauth::conformance::vectors(), scheme)
            .map_err(load)?,
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
    )?;
    Ok(if summary.failed > 0 {
        Exit::Check
    } else {
        Exit::Ok
    })
}
