#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

#[cfg(feature = "authkey")]
mod authkey;
mod core_scheme;
#[cfg(feature = "hmac")]
mod hmac_auth;
pub mod input;
#[cfg(feature = "ninchat")]
mod ninchat;
#[cfg(feature = "psono")]
mod psono;

pub use input::Input;

/// One vector file.
#[derive(Clone, Debug, Deserialize)]
pub struct VectorFile {
    /// Which scheme the cases belong to (`core`, `ninchat-master`, ...).
    pub scheme: String,
    /// Which implementation generated the expected values.
    #[serde(default)]
    pub generated_by: Value,
    /// How fields are encoded.
    #[serde(default)]
    pub encoding_notes: Value,
    /// The cases, in file order.
    pub cases: Vec<Case>,
}

/// One case of a vector file.
#[derive(Clone, Debug, Deserialize)]
pub struct Case {
    /// A name for reports; never interpreted.
    pub name: String,
    /// The operation, dispatched to the scheme runner.
    pub op: String,
    /// The operation's input.
    #[serde(default)]
    pub input: Value,
    /// The expected output fields, or `{"error": kind}`.
    pub expect: Value,
    /// Any other fields of the case (notes, extra inputs).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Why a case did not produce an output.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaseError {
    /// The implementation returned an error of this kind (the scheme's vocabulary).
    Kind(String),
    /// No runner handles this op.
    Unsupported(String),
    /// The case's input is not what the op needs (a broken vector file).
    BadInput(String),
}

impl CaseError {
    /// An error of kind `kind`.
    pub fn kind(kind: impl Into<String>) -> Self {
        Self::Kind(kind.into())
    }
}

impl fmt::Display for CaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Kind(k) => write!(f, "{{\"error\": {k:?}}}"),
            Self::Unsupported(op) => write!(f, "unsupported op {op:?}"),
            Self::BadInput(why) => write!(f, "bad vector input: {why}"),
        }
    }
}

/// What a runner returns for a case.
pub type CaseResult = Result<Value, CaseError>;

/// A scheme's runner: maps ops onto the scheme crate and its errors onto the vector kinds.
pub trait Scheme: Send + Sync {
    /// The `scheme` value of the files this runner takes.
    fn name(&self) -> &'static str;
    /// Runs one case.
    ///
    /// # Errors
    /// The error kind the implementation returned, or why the case could not be run.
    fn run(&self, case: &Case) -> CaseResult;
}

/// Every runner compiled in.
#[must_use]
pub fn schemes() -> Vec<Box<dyn Scheme>> {
    // @@ scheme runners: one cfg'd line per scheme crate @@
    #[allow(unused_mut)]
    let mut v: Vec<Box<dyn Scheme>> = vec![Box::new(core_scheme::Core)];
    #[cfg(feature = "authkey")]
    v.push(Box::new(authkey::AuthKeyScheme));
    #[cfg(feature = "psono")]
    v.push(Box::new(psono::Psono));
    #[cfg(feature = "ninchat")]
    v.push(Box::new(ninchat::Ninchat));
    #[cfg(feature = "hmac")]
    v.extend(hmac_auth::schemes());
    v
}

/// The verdict on one case.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// The case name.
    pub name: String,
    /// The op.
    pub op: String,
    /// `None` when it passed; otherwise expected vs got.
    pub failure: Option<String>,
}

/// The verdicts on one file.
#[derive(Clone, Debug)]
pub struct FileReport {
    /// Where the file came from.
    pub path: PathBuf,
    /// Its scheme.
    pub scheme: String,
    /// One per case, in file order.
    pub cases: Vec<CaseReport>,
}

impl FileReport {
    /// How many cases passed.
    #[must_use]
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.failure.is_none()).count()
    }
    /// How many cases failed.
    #[must_use]
    pub fn failed(&self) -> usize {
        self.cases.len() - self.passed()
    }
}

/// Totals over several files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
}

impl Summary {
    /// Totals of `reports`.
    #[must_use]
    pub fn of(reports: &[FileReport]) -> Self {
        reports.iter().fold(Self::default(), |s, r| Self {
            passed: s.passed + r.passed(),
            failed: s.failed + r.failed(),
        })
    }
}

/// A vector file that could not be read or parsed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// Reading failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The text is not a vector file.
    #[error("{path} is not a vector file: {source}")]
    Parse {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
}

/// Checks a runner's result against a case's `expect`.
///
/// # Errors
/// A description of the mismatch: expected vs got.
pub fn judge(expect: &Value, got: &CaseResult) -> Result<(), String> {
    if let Some(kind) = expect.get("error") {
        return match got {
            Err(CaseError::Kind(k)) if Value::String(k.clone()) == *kind => Ok(()),
            Err(e) => Err(format!("expected {{\"error\": {kind}}}, got {e}")),
            Ok(v) => Err(format!("expected {{\"error\": {kind}}}, got {v}")),
        };
    }
    let Some(fields) = expect.as_object() else {
        return Err(format!("expect is not an object: {expect}"));
    };
    let out = match got {
        Ok(Value::Object(out)) => out,
        Ok(v) => return Err(format!("expected {expect}, got non-object {v}")),
        Err(e) => return Err(format!("expected {expect}, got {e}")),
    };
    for (k, want) in fields {
        match out.get(k) {
            Some(have) if have == want => {}
            Some(have) => return Err(format!("field {k:?}: expected {want}, got {have}")),
            None => return Err(format!("field {k:?}: expected {want}, got nothing")),
        }
    }
    Ok(())
}

/// Runs every case of a parsed file and returns what the runner produced for each, in order.
#[must_use]
pub fn outcomes(file: &VectorFile) -> Vec<CaseResult> {
    let runners = schemes();
    let runner = runners.iter().find(|s| s.name() == file.scheme);
    file.cases
        .iter()
        .map(|case| match runner {
            // A runner bug must not take the whole report down: a panic is a failure.
            Some(r) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| r.run(case)))
                .unwrap_or_else(|_| Err(CaseError::BadInput("runner panicked".into()))),
            None => Err(CaseError::Unsupported(format!(
                "{} (no runner for scheme {:?})",
                case.op, file.scheme
            ))),
        })
        .collect()
}

/// Runs every case of a parsed file and judges it.
#[must_use]
pub fn run_vector_file(path: &Path, file: &VectorFile) -> FileReport {
    let cases = file
        .cases
        .iter()
        .zip(outcomes(file))
        .map(|(case, got)| CaseReport {
            name: case.name.clone(),
            op: case.op.clone(),
            failure: judge(&case.expect, &got).err(),
        })
        .collect();
    FileReport {
        path: path.to_path_buf(),
        scheme: file.scheme.clone(),
        cases,
    }
}

/// Parses and runs vector-file text.
///
/// # Errors
/// [`LoadError::Parse`] when the text is not a vector file.
pub fn run_file_text(path: impl AsRef<Path>, text: &str) -> Result<FileReport, LoadError> {
    let path = path.as_ref();
    let file: VectorFile = serde_json::from_str(text).map_err(|source| LoadError::Parse {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(run_vector_file(path, &file))
}

/// Reads and runs one vector file.
///
/// # Errors
/// [`LoadError`] when the file cannot be read or parsed.
pub fn run_file(path: impl AsRef<Path>) -> Result<FileReport, LoadError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    run_file_text(path, &text)
}

/// The `*.json` files of `dir`, sorted by name.
///
/// # Errors
/// [`LoadError::Io`] when the directory cannot be listed.
pub fn vector_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let io = |source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().is_some_and(|e| e == "json") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Runs every vector file in `dir` (optionally only those of `scheme`).
///
/// # Errors
/// The first file that cannot be read or parsed.
pub fn run_dir(dir: &Path, scheme: Option<&str>) -> Result<Vec<FileReport>, LoadError> {
    let mut reports = Vec::new();
    for path in vector_files(dir)? {
        let report = run_file(&path)?;
        if scheme.is_none_or(|s| s == report.scheme) {
            reports.push(report);
        }
    }
    Ok(reports)
}

/// Renders the table (scheme, file, cases, passed, failed), every failure, and the closing
/// line `N passed, N failed`.
#[must_use]
pub fn render(reports: &[FileReport]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:<28} {:>6} {:>7} {:>7}",
        "scheme", "file", "cases", "passed", "failed"
    );
    for r in reports {
        let file = r.path.file_name().map_or_else(
            || r.path.display().to_string(),
            |f| f.to_string_lossy().into_owned(),
        );
        let _ = writeln!(
            out,
            "{:<16} {:<28} {:>6} {:>7} {:>7}",
            r.scheme,
            file,
            r.cases.len(),
            r.passed(),
            r.failed()
        );
    }
    for r in reports {
        for c in r.cases.iter().filter(|c| c.failure.is_some()) {
            let _ = writeln!(
                out,
                "FAIL {} / {} [{}]: {}",
                r.scheme,
                c.name,
                c.op,
                c.failure.as_deref().unwrap_or_default()
            );
        }
    }
    let s = Summary::of(reports);
    let _ = writeln!(out, "{} passed, {} failed", s.passed, s.failed);
    out
}
