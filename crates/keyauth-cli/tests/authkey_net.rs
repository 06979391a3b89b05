//! `keyauth authkey serve | create | rsa-fingerprint` end to end on 127.0.0.1, with RSA keys
//! that `openssl` generates (PKCS#1 and PKCS#8 private, PKCS#1 and SPKI public).
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_keyauth");

struct Keys {
    dir: PathBuf,
}

impl Keys {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn openssl(args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn keys(tag: &str) -> Option<Keys> {
    let dir =
        std::env::temp_dir().join(format!("keyauth-authkey-net-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let k = Keys { dir };
    let p = |n: &str| k.path(n).to_str().unwrap().to_owned();
    let ok = openssl(&["genrsa", "-out", &p("priv8.pem"), "2048"])
        && openssl(&[
            "rsa",
            "-in",
            &p("priv8.pem"),
            "-traditional",
            "-out",
            &p("priv1.pem"),
        ])
        && openssl(&[
            "rsa",
            "-in",
            &p("priv8.pem"),
            "-pubout",
            "-out",
            &p("spki.pem"),
        ])
        && openssl(&[
            "rsa",
            "-in",
            &p("priv8.pem"),
            "-RSAPublicKey_out",
            "-out",
            &p("pub1.pem"),
        ])
        && openssl(&["genrsa", "-out", &p("other.pem"), "2048"]);
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "openssl is needed under CI"
        );
        eprintln!("skipped: openssl could not generate RSA keys");
        return None;
    }
    Some(k)
}

struct Serve {
    child: Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
    addr: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(key: &Path) -> Serve {
    serve_with(key, &[])
}

fn serve_with(key: &Path, extra: &[&str]) -> Serve {
    let mut child = Command::new(BIN)
        .args(["--json", "authkey", "serve", "--rsa-key"])
        .arg(key)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["event"], "listening");
    let addr = first["addr"].as_str().unwrap().to_owned();
    Serve { child, lines, addr }
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn fingerprints_agree_across_pem_forms() {
    let Some(k) = keys("fp") else { return };
    let fps: Vec<String> = ["priv8.pem", "priv1.pem", "spki.pem", "pub1.pem"]
        .iter()
        .map(|f| {
            let (code, out, err) =
                run(&["authkey", "rsa-fingerprint", k.path(f).to_str().unwrap()]);
            assert_eq!(code, 0, "{err}");
            out
        })
        .collect();
    assert!(fps.windows(2).all(|w| w[0] == w[1]), "{fps:?}");
    let (code, _, err) = run(&["authkey", "rsa-fingerprint", "/nonexistent.pem"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn create_against_serve_writes_a_0600_key_with_the_id_serve_reports() {
    let Some(k) = keys("create") else { return };
    let mut server = serve(&k.path("priv1.pem"));
    let key_file = k.path("auth_key.bin");
    for (transport, pub_pem) in [
        ("full", "spki.pem"),
        ("obfuscated_intermediate", "pub1.pem"),
        ("websocket", "pub1.pem"),
    ] {
        let out_arg: Vec<String> = if transport == "full" {
            vec!["--out".into(), key_file.to_str().unwrap().into()]
        } else {
            vec!["--temp".into(), "120".into()]
        };
        let mut args = vec![
            "authkey",
            "create",
            "--server",
            &server.addr,
            "--rsa-pub",
            k.path(pub_pem).to_str().unwrap(),
            "--transport",
            transport,
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        args.extend(out_arg);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        let id = stdout.trim().to_owned();
        assert_eq!(id.len(), 16);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        let event: Value = serde_json::from_str(&server.lines.next().unwrap().unwrap()).unwrap();
        assert_eq!(event["event"], "key_created");
        assert_eq!(event["key_id"], id.as_str());
        assert_eq!(event["temporary"], transport != "full");
        if transport == "full" {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600);
            }
            assert_eq!(std::fs::metadata(&key_file).unwrap().len(), 256);
            let (code, inspect, _) = run(&[
                "authkey",
                "inspect",
                "--key-file",
                key_file.to_str().unwrap(),
            ]);
            assert_eq!(code, 0);
            assert!(
                inspect.contains(&format!("auth_key_id      {id} (wire bytes)")),
                "{inspect}"
            );
        }
    }
    // The key file is never overwritten.
    let (code, _, err) = run(&[
        "authkey",
        "create",
        "--server",
        &server.addr,
        "--rsa-pub",
        k.path("spki.pem").to_str().unwrap(),
        "--out",
        key_file.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    // A key the server does not have: the client refuses (exit 1, its code).
    let (code, _, err) = run(&[
        "--json",
        "authkey",
        "create",
        "--server",
        &server.addr,
        "--rsa-pub",
        k.path("other.pem").to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no_known_fingerprint"), "{err}");
    // An unknown transport is a usage error.
    let (code, _, _) = run(&[
        "authkey",
        "create",
        "--server",
        &server.addr,
        "--rsa-pub",
        k.path("spki.pem").to_str().unwrap(),
        "--transport",
        "carrier-pigeon",
    ]);
    assert_eq!(code, 2);
}

#[test]
fn websocket_path_is_configurable_and_refusals_are_checks() {
    let Some(k) = keys("ws") else { return };
    let mut server = serve_with(&k.path("priv1.pem"), &["--ws-path", "/mtproto"]);
    let create = |target: &str| {
        run(&[
            "authkey",
            "create",
            "--server",
            target,
            "--rsa-pub",
            k.path("spki.pem").to_str().unwrap(),
            "--transport",
            "websocket",
        ])
    };
    let (code, stdout, err) = create(&format!("ws://{}/mtproto", server.addr));
    assert_eq!(code, 0, "{err}");
    let event: Value = serde_json::from_str(&server.lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(event["key_id"], stdout.trim());
    // The default path is not served: a failed check with the WebSocket code.
    let (code, _, err) = create(&server.addr);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("ws_upgrade_refused"), "{err}");
    drop(server);
    // --no-websocket: TCP only, the upgrade gets no answer.
    let server = serve_with(&k.path("priv1.pem"), &["--no-websocket"]);
    let (code, _, err) = create(&server.addr);
    assert_ne!(code, 0, "{err}");
    let (code, _, err) = run(&[
        "authkey",
        "serve",
        "--rsa-key",
        k.path("priv1.pem").to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--ws-path",
        "ws",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad_ws_path"), "{err}");
}
