//! `cargo xtask bench`: runs the crates' criterion benchmarks and prints one table of each
//! operation beside the raw primitive(s) it wraps.
//!
//! Scheme-agnostic: what is compared with what lives in each crate's `benches/ratios.txt`,
//! which xtask only reads:
//!
//! ```text
//! # comment
//! benches = sign secure_metadata         # the bench targets to run (default: none)
//! features = redis                       # cargo features for them (optional)
//! sign/*/sign_with_nonce = sign/*/raw_hmac_sha512
//! secure_metadata/*/open = secure_metadata/*/raw_aes_cbc + secure_metadata/*/raw_sha512
//! ```
//!
//! Each pair line is `OPERATION = PRIMITIVE [+ PRIMITIVE]...`, criterion ids
//! (`group/function[/parameter]`); a `*` stands for one id segment and takes the same value
//! on both sides. Times are criterion's median estimates, read from
//! `target/criterion/**/new/{benchmark,estimates}.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::SystemTime;

/// One crate's manifest.
struct Manifest {
    krate: String,
    benches: Vec<String>,
    features: Vec<String>,
    pairs: Vec<(String, Vec<String>)>,
}

fn parse_manifest(krate: &str, text: &str) -> Result<Manifest, String> {
    let mut m = Manifest {
        krate: krate.to_owned(),
        benches: Vec::new(),
        features: Vec::new(),
        pairs: Vec::new(),
    };
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let (lhs, rhs) = line
            .split_once('=')
            .ok_or_else(|| format!("{krate}/benches/ratios.txt:{}: no `=`", n + 1))?;
        let (lhs, rhs) = (lhs.trim(), rhs.trim());
        match lhs {
            "benches" => m.benches = rhs.split_whitespace().map(str::to_owned).collect(),
            "features" => m.features = rhs.split_whitespace().map(str::to_owned).collect(),
            op => m.pairs.push((
                op.to_owned(),
                rhs.split('+').map(|p| p.trim().to_owned()).collect(),
            )),
        }
    }
    Ok(m)
}

/// Every crate's manifest, sorted by crate directory.
fn manifests(root: &Path) -> Result<Vec<Manifest>, String> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|d| d.join("benches/ratios.txt").is_file())
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|d| {
            let krate = d
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let text = std::fs::read_to_string(d.join("benches/ratios.txt"))
                .map_err(|e| format!("{}: {e}", d.display()))?;
            let mut m = parse_manifest(&krate, &text)?;
            // The package name (`-p`) is the manifest's `name = "..."`, not the directory's.
            if let Some(name) = std::fs::read_to_string(d.join("Cargo.toml"))
                .ok()
                .and_then(|t| package_name(&t))
            {
                m.krate = name;
            }
            Ok(m)
        })
        .collect()
}

/// `name = "..."` of a Cargo.toml's `[package]` table.
fn package_name(toml: &str) -> Option<String> {
    let package = toml.split("[package]").nth(1)?;
    package
        .lines()
        .take_while(|l| !l.trim_start().starts_with('['))
        .find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == "name").then(|| v.trim().trim_matches('"').to_owned())
        })
}

/// A criterion result: full id → median in nanoseconds, for results written after `since`.
fn results(criterion: &Path, since: Option<SystemTime>) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let mut stack = vec![criterion.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.file_name().and_then(|n| n.to_str()) != Some("benchmark.json")
                || p.parent()
                    .and_then(Path::file_name)
                    .and_then(|n| n.to_str())
                    != Some("new")
            {
                continue;
            }
            if let Some(since) = since {
                let fresh = std::fs::metadata(&p)
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t >= since);
                if !fresh {
                    continue;
                }
            }
            let read = |path: &Path| -> Option<serde_json::Value> {
                serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
            };
            let (Some(bench), Some(est)) = (read(&p), read(&p.with_file_name("estimates.json")))
            else {
                continue;
            };
            let (Some(id), Some(median)) = (
                bench.get("full_id").and_then(|v| v.as_str()),
                est.pointer("/median/point_estimate")
                    .and_then(serde_json::Value::as_f64),
            ) else {
                continue;
            };
            out.insert(id.to_owned(), median);
        }
    }
    out
}

/// Matches `pattern` (`*` = one segment) against `id`; the captured segments.
fn capture<'a>(pattern: &str, id: &'a str) -> Option<Vec<&'a str>> {
    let (p, i): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), id.split('/').collect());
    if p.len() != i.len() {
        return None;
    }
    let mut caps = Vec::new();
    for (ps, is) in p.iter().zip(&i) {
        if *ps == "*" {
            caps.push(*is);
        } else if ps != is {
            return None;
        }
    }
    Some(caps)
}

fn fill(pattern: &str, caps: &[&str]) -> String {
    let mut caps = caps.iter();
    pattern
        .split('/')
        .map(|s| {
            if s == "*" {
                caps.next().copied().unwrap_or("*")
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A row of the table.
struct Row {
    op: String,
    ours: f64,
    prims: Vec<String>,
    raw: f64,
}

fn rows(manifests: &[Manifest], results: &BTreeMap<String, f64>) -> Vec<Row> {
    let mut rows = Vec::new();
    for m in manifests {
        for (op, prims) in &m.pairs {
            for (id, &ours) in results {
                let Some(caps) = capture(op, id) else {
                    continue;
                };
                let names: Vec<String> = prims.iter().map(|p| fill(p, &caps)).collect();
                let times: Option<Vec<f64>> =
                    names.iter().map(|n| results.get(n).copied()).collect();
                let Some(times) = times else {
                    continue;
                };
                rows.push(Row {
                    op: id.clone(),
                    ours,
                    prims: names,
                    raw: times.iter().sum(),
                });
            }
        }
    }
    rows
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// The table as Markdown (also readable as plain text).
fn table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| operation | ours | raw primitive(s) | raw | ratio |\n|---|---:|---|---:|---:|\n",
    );
    for r in rows {
        let ratio = if r.raw > 0.0 { r.ours / r.raw } else { 0.0 };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {:.2}x{} |\n",
            r.op,
            human(r.ours),
            r.prims.join(" + "),
            human(r.raw),
            ratio,
            if ratio > 1.3 { " ⚠" } else { "" },
        ));
    }
    s
}

pub(crate) const USAGE: &str = "\
  bench [--quick] [--no-run] [-p CRATE]... [-- CRITERION-ARGS...]
        run the benchmarks every crates/*/benches/ratios.txt names (with --quick: criterion's
        --warm-up-time 0.5 --measurement-time 1), then print one table: operation, its time,
        the raw primitive(s) it wraps, their time, the ratio (⚠ above 1.3x); --no-run prints
        the table from the last results in target/criterion
";

pub(crate) fn bench(root: &Path, args: &[String]) -> ExitCode {
    let mut quick = false;
    let mut no_run = false;
    let mut only: Vec<String> = Vec::new();
    let mut extra: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--no-run" => no_run = true,
            "-p" => match it.next() {
                Some(c) => only.push(c.clone()),
                None => return usage(),
            },
            "--" => extra.extend(it.by_ref().cloned()),
            _ => return usage(),
        }
    }
    let manifests = match manifests(root) {
        Ok(m) => m
            .into_iter()
            .filter(|m| only.is_empty() || only.contains(&m.krate))
            .collect::<Vec<_>>(),
        Err(e) => {
            eprintln!("xtask bench: {e}");
            return ExitCode::from(2);
        }
    };
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let started = SystemTime::now();
    let mut failed = Vec::new();
    if !no_run {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        for m in &manifests {
            if m.benches.is_empty() {
                continue;
            }
            let mut cmd = Command::new(&cargo);
            cmd.current_dir(root).args(["bench", "-p", &m.krate]);
            if !m.features.is_empty() {
                cmd.args(["--features", &m.features.join(",")]);
            }
            for b in &m.benches {
                cmd.args(["--bench", b]);
            }
            cmd.arg("--");
            if quick {
                cmd.args(["--warm-up-time", "0.5", "--measurement-time", "1"]);
            }
            cmd.args(&extra);
            println!("== cargo bench -p {} ({})", m.krate, m.benches.join(" "));
            if !cmd.status().is_ok_and(|s| s.success()) {
                eprintln!("xtask bench: the benchmarks of {} failed", m.krate);
                failed.push(m.krate.clone());
            }
        }
    }
    let results = results(&target.join("criterion"), (!no_run).then_some(started));
    let rows = rows(&manifests, &results);
    if rows.is_empty() {
        eprintln!("xtask bench: no results that the manifests pair up");
        return ExitCode::FAILURE;
    }
    print!("\n{}", table(&rows));
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("xtask bench: failed: {}", failed.join(" "));
        ExitCode::FAILURE
    }
}

fn usage() -> ExitCode {
    eprint!("usage: cargo xtask bench\n{USAGE}");
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_expand_wildcards_and_sum_primitives() {
        let m = parse_manifest(
            "c",
            "# x\nbenches = a b\ng/*/op = g/*/raw1 + g/*/raw2 # two\nh/op = h/missing\n",
        )
        .unwrap();
        assert_eq!(m.benches, ["a", "b"]);
        let results: BTreeMap<String, f64> = [
            ("g/1KiB/op", 30.0),
            ("g/1KiB/raw1", 10.0),
            ("g/1KiB/raw2", 5.0),
            ("g/2KiB/op", 1.0),
            ("h/op", 1.0),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let rows = rows(&[m], &results);
        assert_eq!(rows.len(), 1, "2KiB lacks its primitives, h/op its raw");
        assert_eq!(rows[0].op, "g/1KiB/op");
        assert!((rows[0].raw - 15.0).abs() < 1e-9);
        assert!(table(&rows).contains("| 2.00x ⚠ |"));
        assert!(parse_manifest("c", "no equals sign").is_err());
    }

    #[test]
    fn package_name_is_read_from_the_package_table() {
        let toml = "[package]\nname = \"keyauth-x\"\nversion = \"1\"\n[dependencies]\nname = 1\n";
        assert_eq!(package_name(toml).as_deref(), Some("keyauth-x"));
        assert_eq!(package_name("[workspace]\n"), None);
    }

    #[test]
    fn capture_needs_same_shape() {
        assert_eq!(capture("a/*/c", "a/b/c"), Some(vec!["b"]));
        assert_eq!(capture("a/*", "a/b/c"), None);
        assert_eq!(fill("x/*/y", &["z"]), "x/z/y");
    }
}
