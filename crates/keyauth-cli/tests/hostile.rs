//! Hostile input against the built binary: arguments that are not UTF-8, secrets given to the
//! wrong flag, stdout that is full or gone, empty and endless secrets, binary stdin, and a
//! server on 127.0.0.1 that answers without end. Every case: the documented exit code, one line
//! on stderr, no secret and no terminal escape in it, no panic (exit 101), bounded memory.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::os::unix::ffi::OsStringExt as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "TOPSECRET-9f3c1a";

fn keyauth() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_keyauth"));
    c.env_remove("KEYAUTH_HMAC_KEY")
        .env_remove("NINCHAT_MASTER_KEY_SECRET")
        .env_remove("KEYAUTH_AUTH_KEY_HEX")
        .stdin(Stdio::null());
    c
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keyauth-hostile-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Exit `code`, exactly one stderr line, no secret, no raw control character in it.
fn assert_clean_failure(out: &Output, code: i32, what: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{what}: {err:?}");
    assert_eq!(err.lines().count(), 1, "{what}: one line: {err:?}");
    assert!(err.starts_with("keyauth: "), "{what}: {err:?}");
    assert!(!err.contains(SECRET), "{what}: secret in {err:?}");
    assert!(
        !err.trim_end_matches('\n').chars().any(char::is_control),
        "{what}: control character in {err:?}"
    );
    err
}

fn non_utf8(prefix: &str) -> OsString {
    let mut bytes = prefix.as_bytes().to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, b'x']);
    OsString::from_vec(bytes)
}

#[test]
fn non_utf8_arguments_are_usage_errors_not_panics() {
    let cases: Vec<Vec<OsString>> = vec![
        vec![non_utf8("")],
        vec![
            "hmac".into(),
            "sign".into(),
            "--key".into(),
            non_utf8(SECRET),
        ],
        vec!["hmac".into(), "verify".into(), non_utf8("sig")],
        vec!["ninchat".into(), "verify".into(), non_utf8(SECRET)],
        vec![
            "authkey".into(),
            "inspect".into(),
            "--key-hex".into(),
            non_utf8(SECRET),
        ],
        vec!["vectors".into(), "--scheme".into(), non_utf8("x")],
        vec![
            "--json".into(),
            "hmac".into(),
            "sign".into(),
            non_utf8("--key="),
        ],
    ];
    for args in cases {
        let out = keyauth().args(&args).output().unwrap();
        assert_clean_failure(&out, 2, &format!("{args:?}"));
    }
}

#[test]
fn a_secret_in_a_bad_argument_never_reaches_the_message() {
    for args in [
        vec!["hmac", "sign", &format!("--kye={SECRET}")],
        vec!["hmac", "sign", "--key", SECRET, SECRET],
        vec!["ninchat", "sign", "create-session", "--expire", SECRET],
        vec!["hmac", "curl", "GET", SECRET, "--timeout", SECRET],
        vec!["--json", "ninchat", SECRET],
    ] {
        let out = keyauth().args(&args).output().unwrap();
        assert_clean_failure(&out, 2, &format!("{args:?}"));
        assert!(!String::from_utf8_lossy(&out.stdout).contains(SECRET));
    }
}

#[test]
fn empty_and_endless_secrets_are_refused() {
    let dir = scratch("secrets");
    let empty = dir.join("empty");
    std::fs::write(&empty, b"").unwrap();
    let newline = dir.join("newline");
    std::fs::write(&newline, b"\n").unwrap();
    for (args, code) in [
        (
            vec![
                "hmac",
                "sign",
                "--data",
                "x",
                "--key-file",
                empty.to_str().unwrap(),
            ],
            "empty_secret",
        ),
        (
            vec![
                "hmac",
                "sign",
                "--data",
                "x",
                "--key-file",
                newline.to_str().unwrap(),
            ],
            "empty_secret",
        ),
        (
            vec!["hmac", "sign", "--data", "x", "--key", ""],
            "empty_secret",
        ),
        (
            vec!["hmac", "sign", "--data", "x", "--key-file", "/dev/zero"],
            "too_large",
        ),
        (
            vec![
                "ninchat",
                "sign",
                "create-session",
                "--key-id",
                "k",
                "--expire",
                "1h",
                "--secret-file",
                empty.to_str().unwrap(),
            ],
            "empty_secret",
        ),
        (
            vec!["authkey", "inspect", "--key-file", empty.to_str().unwrap()],
            "empty_secret",
        ),
        (
            vec!["authkey", "inspect", "--key-file", "/dev/zero"],
            "too_large",
        ),
        (
            vec![
                "httpsig",
                "curl",
                "GET",
                "http://127.0.0.1:9/",
                "--key-id",
                "k",
                "--alg",
                "hmac-sha256",
                "--key-file",
                empty.to_str().unwrap(),
            ],
            "empty_secret",
        ),
        (
            vec![
                "httpsig",
                "verify",
                "--request",
                "-",
                "--key-id",
                "k",
                "--alg",
                "ed25519",
                "--key-file",
                "/dev/zero",
            ],
            "too_large",
        ),
    ] {
        let started = Instant::now();
        let out = keyauth().args(&args).output().unwrap();
        let err = assert_clean_failure(&out, 2, &format!("{args:?}"));
        assert!(
            err.starts_with(&format!("keyauth: {code}: ")),
            "{args:?}: {err}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{args:?} took too long"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn binary_and_oversized_stdin_is_an_input_error() {
    let dir = scratch("stdin");
    let key = dir.join("key");
    std::fs::write(&key, b"c2VjcmV0LXNlY3JldC0xNg==").unwrap();
    // Metadata that is not JSON.
    let mut child = keyauth()
        .args([
            "ninchat",
            "secure-metadata",
            "--key-id",
            "k",
            "--expire",
            "1h",
        ])
        .arg("--secret-file")
        .arg(&key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&[0, 0xff, 0x1b, b'[', 0xc3])
        .unwrap();
    assert_clean_failure(&child.wait_with_output().unwrap(), 2, "binary metadata");
    // Binary data to sign is fine: it is bytes.
    let mut child = keyauth()
        .args(["hmac", "sign", "--key-file"])
        .arg(&key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&[0, 0xff, 0x1b])
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_full_stdout_is_one_line_and_a_closed_one_is_quiet() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    for args in [
        vec!["hmac", "sign", "--data", "x", "--key", "k"],
        vec!["--json", "hmac", "sign", "--data", "x", "--key", "k"],
        vec!["completions", "bash"],
        vec!["vectors"],
    ] {
        let out = keyauth()
            .args(&args)
            .stdout(full.try_clone().unwrap())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = assert_clean_failure(&out, 2, &format!("/dev/full {args:?}"));
        assert!(err.starts_with("keyauth: io: "), "{err}");
    }
    for args in [vec!["completions", "bash"], vec!["vectors"], vec!["--help"]] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = keyauth()
            .args(&args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(101), "{args:?} panicked");
        if args != ["--help"] {
            // clap prints help itself; ours exit quietly and successfully.
            assert_eq!(out.status.code(), Some(0), "{args:?}");
            assert!(
                out.stderr.is_empty(),
                "{args:?}: {:?}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// The highest resident set size seen while `child` runs, in KiB, and its output.
fn peak_rss_kib(mut child: std::process::Child) -> (u64, Output) {
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(line) = text.lines().find(|l| l.starts_with("VmRSS:"))
        {
            let kib: u64 = line
                .split_whitespace()
                .nth(1)
                .unwrap_or("0")
                .parse()
                .unwrap_or(0);
            peak = peak.max(kib);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    (peak, child.wait_with_output().unwrap())
}

#[test]
fn an_endless_response_stops_at_the_limit_in_bounded_memory() {
    // A server that answers 200 with a chunked body of up to 1 GiB, written as fast as the
    // client reads; it stops when the client goes away.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        for _ in 0..4 {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            let chunk = vec![b'z'; 64 * 1024];
            let head = format!("{:x}\r\n", chunk.len());
            for _ in 0..(1 << 14) {
                if stream.write_all(head.as_bytes()).is_err()
                    || stream.write_all(&chunk).is_err()
                    || stream.write_all(b"\r\n").is_err()
                {
                    break;
                }
            }
        }
    });
    let url = format!("http://{addr}/");
    let dir = scratch("endless");
    let key = dir.join("hmac.key");
    std::fs::write(&key, b"0123456789abcdef").unwrap();
    let hmac: Vec<OsString> = ["hmac", "curl", "GET", &url, "--key", "k"]
        .iter()
        .map(OsString::from)
        .collect();
    let mut httpsig: Vec<OsString> = ["httpsig", "curl", "GET", &url, "--key-id", "k"]
        .iter()
        .map(OsString::from)
        .collect();
    httpsig.extend([
        "--alg".into(),
        "hmac-sha256".into(),
        "--key-file".into(),
        key.clone().into_os_string(),
    ]);
    let runs = [
        (&hmac, None, 96 * 1024),
        (&hmac, Some("1000000"), 48 * 1024),
        (&httpsig, None, 96 * 1024),
        (&httpsig, Some("1000000"), 48 * 1024),
    ];
    for (command, limit, want_kib) in runs {
        let mut cmd = keyauth();
        cmd.args(command).args(["--timeout", "30s"]);
        if let Some(l) = limit {
            cmd.args(["--max-response-bytes", l]);
        }
        let child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (peak, out) = peak_rss_kib(child);
        let err = assert_clean_failure(&out, 3, "endless response");
        assert!(err.starts_with("keyauth: response_too_large: "), "{err}");
        assert!(
            out.stdout.is_empty(),
            "nothing of a refused body is printed"
        );
        eprintln!(
            "endless response to {:?}, limit {limit:?}: peak RSS {peak} KiB",
            command[0]
        );
        assert!(peak < want_kib, "peak RSS {peak} KiB");
    }
    server.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_limit_flags_move_every_read_limit() {
    let dir = scratch("limits");
    let key = dir.join("key");
    std::fs::write(&key, b"12345").unwrap();
    let sign = |extra: &[&str], stdin: &[u8]| {
        let mut child = keyauth()
            .args(extra)
            .args(["hmac", "sign", "--key-file"])
            .arg(&key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    };
    // Stdin: at the limit passes, one byte over is refused, naming the flag.
    assert_eq!(
        sign(&["--max-input-bytes", "10"], b"0123456789")
            .status
            .code(),
        Some(0)
    );
    let out = sign(&["--max-input-bytes", "10"], b"0123456789a");
    let err = assert_clean_failure(&out, 2, "stdin over --max-input-bytes");
    assert!(
        err.contains("too_large") && err.contains("--max-input-bytes"),
        "{err}"
    );
    // The key file (5 bytes) against a 4-byte secret limit; the flag is global, so it may
    // also follow the subcommand.
    let out = keyauth()
        .args(["hmac", "sign", "--max-secret-bytes", "4", "--key-file"])
        .arg(&key)
        .args(["--data", "x"])
        .output()
        .unwrap();
    let err = assert_clean_failure(&out, 2, "key over --max-secret-bytes");
    assert!(
        err.contains("too_large") && err.contains("--max-secret-bytes"),
        "{err}"
    );
    // A vector file over the input limit.
    let vectors = dir.join("vectors");
    std::fs::create_dir_all(&vectors).unwrap();
    std::fs::write(
        vectors.join("big.json"),
        format!("{{\"scheme\":\"core\",\"cases\":[]{}}}", " ".repeat(100)),
    )
    .unwrap();
    let out = keyauth()
        .args(["--max-input-bytes", "64", "vectors"])
        .arg(&vectors)
        .output()
        .unwrap();
    let err = assert_clean_failure(&out, 2, "vector file over --max-input-bytes");
    assert!(err.contains("bad_vector_file"), "{err}");
    // Not a number: a usage error that names the flag only.
    let out = keyauth()
        .args(["--max-input-bytes", "lots", "vectors"])
        .output()
        .unwrap();
    let err = assert_clean_failure(&out, 2, "bad limit");
    assert!(
        err.contains("--max-input-bytes") && !err.contains("lots"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
