#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};

pub mod input;

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

/// A scheme's runner: maps ops onto the scheme crate, its outputs onto the `expect` fields and
/// its errors onto their stable codes (`code()`). Each scheme crate implements it in its own
/// `conformance` module; this crate knows no scheme.
pub trait Scheme: Send + Sync {
    /// The `scheme` value of the files this runner takes.
    fn name(&self) -> &'static str;
    /// Runs one case.
    ///
    /// # Errors
    /// The error code the implementation returned, or why the case could not be run.
    fn run(&self, case: &Case) -> CaseResult;
}

/// A vector file compiled into a scheme crate: its file name and its text.
pub type Embedded = (&'static str, &'static str);

/// The largest vector file [`run_file`] reads (the biggest vendored one is about 1 MiB).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

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
    /// The file is larger than the limit.
    #[error("{path} is larger than {limit} bytes")]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
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

/// The runner of `scheme` among `schemes`.
#[must_use]
pub fn find<'a>(schemes: &'a [&'a dyn Scheme], scheme: &str) -> Option<&'a dyn Scheme> {
    schemes.iter().copied().find(|s| s.name() == scheme)
}

/// Runs every case of a parsed file through the runner of its scheme and returns what it
/// produced for each, in order.
#[must_use]
pub fn outcomes(schemes: &[&dyn Scheme], file: &VectorFile) -> Vec<CaseResult> {
    let runner = find(schemes, &file.scheme);
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
pub fn run_vector_file(schemes: &[&dyn Scheme], path: &Path, file: &VectorFile) -> FileReport {
    let cases = file
        .cases
        .iter()
        .zip(outcomes(schemes, file))
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
pub fn run_file_text(
    schemes: &[&dyn Scheme],
    path: impl AsRef<Path>,
    text: &str,
) -> Result<FileReport, LoadError> {
    let path = path.as_ref();
    let file: VectorFile = serde_json::from_str(text).map_err(|source| LoadError::Parse {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(run_vector_file(schemes, path, &file))
}

/// Reads and runs one vector file.
///
/// # Errors
/// [`LoadError`] when the file cannot be read or parsed, or is over [`MAX_FILE_BYTES`].
pub fn run_file(schemes: &[&dyn Scheme], path: impl AsRef<Path>) -> Result<FileReport, LoadError> {
    run_file_limited(schemes, path, MAX_FILE_BYTES)
}

/// [`run_file`] with another size limit than [`MAX_FILE_BYTES`].
///
/// # Errors
/// [`LoadError`] when the file cannot be read or parsed, or is over `limit` bytes.
pub fn run_file_limited(
    schemes: &[&dyn Scheme],
    path: impl AsRef<Path>,
    limit: u64,
) -> Result<FileReport, LoadError> {
    use std::io::Read as _;
    let path = path.as_ref();
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Read one byte past the limit so an oversized file is told apart without reading it all.
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(limit.saturating_add(1))
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() as u64 > limit {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    run_file_text(schemes, path, &text)
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
pub fn run_dir(
    schemes: &[&dyn Scheme],
    dir: &Path,
    scheme: Option<&str>,
) -> Result<Vec<FileReport>, LoadError> {
    run_dir_limited(schemes, dir, scheme, MAX_FILE_BYTES)
}

/// [`run_dir`] with another size limit per file than [`MAX_FILE_BYTES`].
///
/// # Errors
/// The first file that cannot be read or parsed, or is over `limit` bytes.
pub fn run_dir_limited(
    schemes: &[&dyn Scheme],
    dir: &Path,
    scheme: Option<&str>,
    limit: u64,
) -> Result<Vec<FileReport>, LoadError> {
    let mut reports = Vec::new();
    for path in vector_files(dir)? {
        let report = run_file_limited(schemes, &path, limit)?;
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

/// Runs every embedded file through the runners in `schemes` and returns their reports.
///
/// # Errors
/// The first file that is not a vector file.
pub fn run_embedded(
    schemes: &[&dyn Scheme],
    files: &[Embedded],
    scheme: Option<&str>,
) -> Result<Vec<FileReport>, LoadError> {
    let mut reports = Vec::new();
    for (name, text) in files {
        let report = run_file_text(schemes, name, text)?;
        if scheme.is_none_or(|s| s == report.scheme) {
            reports.push(report);
        }
    }
    Ok(reports)
}

/// The same outputs judged against altered expectations: every error code replaced, every
/// expected field wrapped, success swapped for an error and back. Returns the names of the cases
/// that still pass, which means the runner ignores `expect` or returns nothing checkable.
#[must_use]
pub fn insensitive_cases(file: &VectorFile, got: &[CaseResult]) -> Vec<String> {
    let mut lax = Vec::new();
    for (case, got) in file.cases.iter().zip(got) {
        let mut altered = case.expect.clone();
        if let Some(code) = altered.get_mut("error") {
            *code = Value::from("not-a-code");
        } else if let Some(fields) = altered.as_object_mut() {
            for v in fields.values_mut() {
                *v = serde_json::json!({ "altered": v.clone() });
            }
        }
        let flipped = if case.expect.get("error").is_some() {
            serde_json::json!({"ok": true})
        } else {
            serde_json::json!({"error": "unexpected"})
        };
        let empty = case.expect.as_object().is_some_and(Map::is_empty);
        if empty || judge(&altered, got).is_ok() || judge(&flipped, got).is_ok() {
            lax.push(case.name.clone());
        }
    }
    lax
}

/// For a scheme crate's `tests/vectors.rs`: runs `files` through `scheme` and panics with the
/// rendered table unless every case passes, no file is empty, every file is of `scheme`, and
/// no case would also pass against an altered expectation.
///
/// # Panics
/// On any of those failures: that is the test failing.
pub fn assert_vectors(scheme: &dyn Scheme, files: &[Embedded]) {
    assert!(!files.is_empty(), "{}: no vector files", scheme.name());
    let schemes = [scheme];
    for (name, text) in files {
        let file: VectorFile = serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("{name} is not a vector file: {e}"));
        assert_eq!(file.scheme, scheme.name(), "{name}: scheme");
        assert!(!file.cases.is_empty(), "{name}: no cases");
        let got = outcomes(&schemes, &file);
        let report = run_vector_file(&schemes, Path::new(name), &file);
        assert_eq!(report.failed(), 0, "\n{}", render(&[report]));
        let lax = insensitive_cases(&file, &got);
        assert!(
            lax.is_empty(),
            "{name}: cases that pass whatever they expect: {lax:?}"
        );
    }
}
