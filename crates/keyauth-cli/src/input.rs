//! Reading secrets, data and times from flags, files, environment variables and stdin.

use std::io::Read as _;
use std::path::Path;

use zeroize::Zeroizing;

use crate::exit::CliError;

/// Reads a file (`-` is stdin) into zeroized memory.
pub(crate) fn read_file(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let mut buf = Zeroizing::new(Vec::new());
    let res = if path == Path::new("-") {
        std::io::stdin().read_to_end(&mut buf).map(drop)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut buf).map(drop))
    };
    res.map_err(|e| {
        CliError::input(
            "io",
            format!("cannot read {what} from {}: {}", path.display(), e.kind()),
        )
    })?;
    Ok(buf)
}

/// A file (`-` is stdin) as UTF-8 text, one trailing newline (`\n` or `\r\n`) dropped, as
/// `echo` and editors leave it.
pub(crate) fn read_text(path: &Path, what: &str) -> Result<Zeroizing<String>, CliError> {
    let bytes = read_file(path, what)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| CliError::input("bad_input", format!("{what} is not UTF-8 text")))?;
    let text = text
        .strip_suffix('\n')
        .map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
    Ok(Zeroizing::new(text.to_owned()))
}

/// Reads stdin to the end.
pub(crate) fn read_stdin(what: &str) -> Result<Zeroizing<Vec<u8>>, CliError> {
    read_file(Path::new("-"), what)
}

/// A secret given as text: the flag, else the file (one trailing newline dropped), else the
/// environment variable `env`. Flags are visible to other local users in `ps`, so the help
/// texts recommend the file or the variable.
pub(crate) fn secret_text(
    flag: Option<&str>,
    file: Option<&Path>,
    env: &str,
    what: &str,
) -> Result<Zeroizing<String>, CliError> {
    if let Some(s) = flag {
        return Ok(Zeroizing::new(s.to_owned()));
    }
    if let Some(path) = file {
        return read_text(path, what);
    }
    match std::env::var(env) {
        Ok(v) if !v.is_empty() => Ok(Zeroizing::new(v)),
        _ => Err(CliError::input(
            "missing_secret",
            format!("no {what}: give it in a file, in ${env}, or as a flag"),
        )),
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

/// A duration such as `90`, `90s`, `15m`, `1h`, `1h30m`, `2d` or `1w`, in seconds.
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut any = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
        any = true;
    }
    if !digits.is_empty() {
        // Bare number: seconds (only alone, not after units: "1h30" is ambiguous).
        if any {
            return None;
        }
        total = digits.parse().ok()?;
        any = true;
    }
    any.then_some(total)
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
    fn hex_errors_are_typed() {
        assert_eq!(hex_bytes(" 0aFF\n", "key").unwrap().as_slice(), &[10, 255]);
        let e = hex_bytes("0g", "key").map(drop).unwrap_err();
        assert_eq!(e.code, "bad_hex");
    }
}
