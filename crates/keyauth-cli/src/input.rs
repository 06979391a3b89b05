//! Reading secrets, data and times from flags, files, environment variables and stdin.

use std::io::Read as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use zeroize::Zeroizing;

use crate::exit::CliError;

/// The default most a secret may hold (a key file, a secret variable or flag): far above any
/// real key, small enough that `/dev/zero` as a key file fails at once. `--max-secret-bytes`.
pub(crate) const MAX_SECRET_BYTES: u64 = 64 * 1024;

/// The default most a data file, stdin or a vector file may hold (a message to sign or verify,
/// metadata, a packet). `--max-input-bytes`.
pub(crate) const MAX_DATA_BYTES: u64 = 64 * 1024 * 1024;

static SECRET_LIMIT: AtomicU64 = AtomicU64::new(MAX_SECRET_BYTES);
static DATA_LIMIT: AtomicU64 = AtomicU64::new(MAX_DATA_BYTES);

/// Sets the limits of this process's reads (the global `--max-secret-bytes` and
/// `--max-input-bytes`), once, before any command runs.
pub(crate) fn set_limits(secret: u64, data: u64) {
    SECRET_LIMIT.store(secret, Ordering::Relaxed);
    DATA_LIMIT.store(data, Ordering::Relaxed);
}

/// The most a secret may hold in this process.
pub(crate) fn secret_limit() -> u64 {
    SECRET_LIMIT.load(Ordering::Relaxed)
}

/// The most a data file, stdin or vector file may hold in this process.
pub(crate) fn data_limit() -> u64 {
    DATA_LIMIT.load(Ordering::Relaxed)
}

/// Reads a file (`-` is stdin) into zeroized memory, refusing more than `limit` bytes (the
/// message names `flag`, which raises it).
pub(crate) fn read_file_limited(
    path: &Path,
    what: &str,
    limit: u64,
    flag: &str,
) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let mut buf = Zeroizing::new(Vec::new());
    // One byte past the limit tells an oversized input apart without reading all of it.
    let res = if path == Path::new("-") {
        std::io::stdin()
            .take(limit.saturating_add(1))
            .read_to_end(&mut buf)
            .map(drop)
    } else {
        std::fs::File::open(path).and_then(|f| {
            f.take(limit.saturating_add(1))
                .read_to_end(&mut buf)
                .map(drop)
        })
    };
    res.map_err(|e| {
        CliError::input(
            "io",
            format!("cannot read {what} from {}: {}", path.display(), e.kind()),
        )
    })?;
    if buf.len() as u64 > limit {
        return Err(CliError::input(
            "too_large",
            format!("{what} is larger than {limit} bytes ({flag})"),
        ));
    }
    Ok(buf)
}

/// Reads a data file (`-` is stdin), at most [`data_limit`] bytes.
pub(crate) fn read_file(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>, CliError> {
    read_file_limited(path, what, data_limit(), "--max-input-bytes")
}

/// UTF-8 text with one trailing newline (`\n` or `\r\n`) dropped, as `echo` and editors leave it.
fn text_of(bytes: &[u8], what: &str) -> Result<Zeroizing<String>, CliError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| CliError::input("bad_input", format!("{what} is not UTF-8 text")))?;
    let text = text
        .strip_suffix('\n')
        .map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
    Ok(Zeroizing::new(text.to_owned()))
}

/// A file (`-` is stdin) as UTF-8 text, one trailing newline dropped.
pub(crate) fn read_text(path: &Path, what: &str) -> Result<Zeroizing<String>, CliError> {
    text_of(&read_file(path, what)?, what)
}

/// Reads stdin to the end (at most [`data_limit`] bytes).
pub(crate) fn read_stdin(what: &str) -> Result<Zeroizing<Vec<u8>>, CliError> {
    read_file(Path::new("-"), what)
}

/// Where one secret comes from, for every command: the flag, else the file (`-` is stdin),
/// else the environment variable. Flags are visible to other local users in `ps`, so the help
/// texts recommend the file or the variable. Every source refuses an empty secret (a 0-byte
/// key makes MACs anyone can compute) and one over [`secret_limit`]; what is read is
/// zeroized on drop and never appears in a message.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SecretSource<'a> {
    pub flag: Option<&'a str>,
    pub file: Option<&'a Path>,
    pub env: Option<&'static str>,
    /// What the secret is, for messages ("master key secret").
    pub what: &'a str,
}

impl<'a> SecretSource<'a> {
    /// A secret that only comes from `file`.
    pub(crate) fn file(path: &'a Path, what: &'a str) -> Self {
        Self {
            flag: None,
            file: Some(path),
            env: None,
            what,
        }
    }

    /// Whether any of the sources holds something (an empty variable counts as unset).
    pub(crate) fn given(&self) -> bool {
        self.flag.is_some()
            || self.file.is_some()
            || self
                .env
                .is_some_and(|e| std::env::var_os(e).is_some_and(|v| !v.is_empty()))
    }

    fn empty(&self, source: &str) -> CliError {
        CliError::input(
            "empty_secret",
            format!("the {} {source} is empty", self.what),
        )
    }

    fn checked(
        &self,
        bytes: Zeroizing<Vec<u8>>,
        source: &str,
    ) -> Result<Zeroizing<Vec<u8>>, CliError> {
        if bytes.is_empty() {
            return Err(self.empty(source));
        }
        let limit = secret_limit();
        if bytes.len() as u64 > limit {
            return Err(CliError::input(
                "too_large",
                format!(
                    "the {} is larger than {limit} bytes (--max-secret-bytes)",
                    self.what
                ),
            ));
        }
        Ok(bytes)
    }

    /// The raw bytes, or `None` when no source is given. A file is taken byte for byte.
    ///
    /// An environment variable that is set but not valid Unicode is refused rather than
    /// lossily converted.
    pub(crate) fn bytes(&self) -> Result<Option<Zeroizing<Vec<u8>>>, CliError> {
        if let Some(s) = self.flag {
            return self
                .checked(Zeroizing::new(s.as_bytes().to_vec()), "flag")
                .map(Some);
        }
        if let Some(path) = self.file {
            let raw = read_file_limited(path, self.what, secret_limit(), "--max-secret-bytes")?;
            return self.checked(raw, "file").map(Some);
        }
        let Some(env) = self.env else { return Ok(None) };
        match std::env::var(env) {
            Ok(v) if v.is_empty() => Ok(None),
            Ok(v) => self
                .checked(Zeroizing::new(v.into_bytes()), "variable")
                .map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(CliError::input(
                "bad_input",
                format!("${env} is not valid text"),
            )),
        }
    }

    /// The secret as UTF-8 text (a file's one trailing newline dropped), or `None` when no
    /// source is given.
    pub(crate) fn opt_text(&self) -> Result<Option<Zeroizing<String>>, CliError> {
        let from_file = self.flag.is_none() && self.file.is_some();
        let Some(bytes) = self.bytes()? else {
            return Ok(None);
        };
        if !from_file {
            // Flags and variables are text already (clap and std checked the encoding) and are
            // taken exactly as given.
            let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                CliError::input("bad_input", format!("the {} is not UTF-8 text", self.what))
            })?;
            return Ok(Some(Zeroizing::new(text)));
        }
        let text = text_of(&bytes, self.what)?;
        if text.is_empty() {
            return Err(self.empty("file"));
        }
        Ok(Some(text))
    }

    /// The secret as text; a missing secret is an error naming where to put it.
    pub(crate) fn text(&self) -> Result<Zeroizing<String>, CliError> {
        self.opt_text()?.ok_or_else(|| {
            let env = self.env.map_or_else(String::new, |e| format!(", in ${e}"));
            CliError::input(
                "missing_secret",
                format!("no {}: give it in a file{env}, or as a flag", self.what),
            )
        })
    }
}

/// Message bytes: `--data` text, else `--data-file` (`-` is stdin), else stdin.
pub(crate) fn data(flag: Option<&str>, file: Option<&Path>) -> Result<Vec<u8>, CliError> {
    match (flag, file) {
        (Some(d), _) => Ok(d.as_bytes().to_vec()),
        (None, Some(path)) => Ok(read_file(path, "data")?.to_vec()),
        (None, None) => Ok(read_stdin("data")?.to_vec()),
    }
}

/// A duration such as `90`, `90s`, `15m`, `1h`, `1h30m`, `2d` or `1w`, in seconds: the grammar
/// of psono-client's `parse_duration` (psonoci's, so every duration flag reads alike), without
/// surrounding whitespace.
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    if text.trim() != text {
        return None;
    }
    psono_client::config::parse_duration(text).map(|d| d.as_secs())
}

/// `-H 'Name: value'` lines as a header map. A value may be a credential: errors name the
/// header's position, never its text.
pub(crate) fn parse_headers(lines: &[String]) -> Result<http::HeaderMap, CliError> {
    let mut headers = http::HeaderMap::new();
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let (name, value) = line.split_once(':').ok_or_else(|| {
            CliError::input("bad_header", format!("header {n}: expected 'Name: value'"))
        })?;
        let name = http::HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            CliError::input("bad_header", format!("header {n}: not a valid header name"))
        })?;
        let value = http::HeaderValue::from_str(value.trim()).map_err(|_| {
            CliError::input(
                "bad_header",
                format!("header {n}: not a valid header value"),
            )
        })?;
        headers.append(name, value);
    }
    Ok(headers)
}

/// Decodes hex (upper or lower case, surrounding whitespace ignored).
pub(crate) fn hex_bytes(text: &str, what: &str) -> Result<Zeroizing<Vec<u8>>, CliError> {
    hex::decode(text.trim())
        .map(Zeroizing::new)
        .map_err(|_| CliError::input("bad_hex", format!("{what} is not hex")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("90s"), Some(90));
        assert_eq!(parse_duration("1h"), Some(3600));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("2d"), Some(172_800));
        assert_eq!(parse_duration("1w"), Some(604_800));
        for bad in [
            "",
            "h",
            "1x",
            "1h30",
            "-1h",
            "1.5h",
            "99999999999999999999s",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn secret_sources_refuse_empty_missing_and_oversized() {
        let dir = std::env::temp_dir().join(format!("keyauth-cli-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty");
        std::fs::write(&empty, b"").unwrap();
        let newline = dir.join("newline");
        std::fs::write(&newline, b"\n").unwrap();
        let big = dir.join("big");
        std::fs::write(&big, vec![b'k'; 70_000]).unwrap();
        let good = dir.join("good");
        std::fs::write(&good, b"s3cret\n").unwrap();
        let code = |s: SecretSource<'_>| s.text().map(drop).unwrap_err().code;
        assert_eq!(code(SecretSource::file(&empty, "key")), "empty_secret");
        assert_eq!(code(SecretSource::file(&newline, "key")), "empty_secret");
        assert_eq!(code(SecretSource::file(&big, "key")), "too_large");
        let flag = SecretSource {
            flag: Some(""),
            file: None,
            env: None,
            what: "key",
        };
        assert_eq!(code(flag), "empty_secret");
        let none = SecretSource {
            flag: None,
            file: None,
            env: Some("KEYAUTH_TEST_UNSET_VARIABLE"),
            what: "key",
        };
        assert!(!none.given());
        assert_eq!(code(none), "missing_secret");
        assert_eq!(
            SecretSource::file(&good, "key").text().unwrap().as_str(),
            "s3cret"
        );
        assert_eq!(
            SecretSource::file(&good, "key")
                .bytes()
                .unwrap()
                .unwrap()
                .as_slice(),
            b"s3cret\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn hex_errors_are_typed() {
        assert_eq!(hex_bytes(" 0aFF\n", "key").unwrap().as_slice(), &[10, 255]);
        let e = hex_bytes("0g", "key").map(drop).unwrap_err();
        assert_eq!(e.code, "bad_hex");
    }
}
