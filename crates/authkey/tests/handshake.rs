//! Our client against our server, in process (sans-IO): fresh randomness from the OS, both
//! paddings, temporary keys, the retry path, and the server's refusals of §14 that the
//! vector file does not carry (configuration refusals, out of order, exact repeats).
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::sync::Arc;

use authkey::handshake::tl::{self, InnerKind};
use authkey::handshake::{
    ClientConfig, ClientHandshake, ClientStep, CreatedKey, Entropy, HandshakeError, KeyOutcome,
    OsEntropy, Padding, Purpose, RsaPrivateKey, ServerConfig, ServerHandshake, ServerKey,
    ServerStep, open_sealed, seal,
};
use keyauth_core::encoding::hex_decode;
use serde_json::Value;

const NOW: i64 = 1_767_225_600;

fn vector_key() -> RsaPrivateKey {
    let file: Value =
        serde_json::from_str(include_str!("../vectors/authkey-handshake.json")).unwrap();
    let case = file["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["op"] == "rsa_decrypt")
        .unwrap();
    let k = &case["input"]["key"];
    let h = |f: &str| hex_decode(k[f].as_str().unwrap()).unwrap();
    RsaPrivateKey::from_components(&h("n"), &h("e"), &h("d"), None).unwrap()
}

fn client_config(key: &RsaPrivateKey, padding: Padding, inner: InnerKind) -> Arc<ClientConfig> {
    let public: Arc<dyn ServerKey> = Arc::new(key.public().clone());
    Arc::new(
        ClientConfig::new(vec![public])
            .padding(padding)
            .inner(inner),
    )
}

/// Runs one exchange; `store` decides each new key's fate. Returns the client's key and the
/// server's keys in order.
fn run(
    server: &mut ServerHandshake,
    client_cfg: Arc<ClientConfig>,
    mut store: impl FnMut(&authkey::handshake::NewKey) -> KeyOutcome,
) -> Result<(CreatedKey, Vec<authkey::AuthKey>), HandshakeError> {
    let mut rng = OsEntropy::default();
    let mut client = ClientHandshake::new(client_cfg);
    let mut body = client.start(&mut rng)?;
    let mut server_keys = Vec::new();
    loop {
        let reply = match server.handle(&body, &mut rng, NOW)? {
            ServerStep::Reply(r) => r,
            ServerStep::NewKey(k) => {
                let outcome = store(&k);
                server_keys.push(k.auth_key);
                server.key_stored(outcome)?
            }
            _ => unreachable!(),
        };
        match client.handle(&reply, &mut rng, NOW)? {
            ClientStep::Send(next) => body = next,
            ClientStep::Done(created) => return Ok((created, server_keys)),
            _ => unreachable!(),
        }
    }
}

#[test]
fn both_paddings_and_every_inner_constructor_agree_on_the_key() {
    let key = vector_key();
    let server_cfg = Arc::new(ServerConfig::new(vec![vector_key()]));
    for padding in [Padding::RsaPad, Padding::LegacySha1] {
        for inner in [
            InnerKind::Legacy,
            InnerKind::Dc { dc: 2 },
            InnerKind::TempDc {
                dc: -2,
                expires_in: 3600,
            },
        ] {
            let mut server = ServerHandshake::new(server_cfg.clone());
            let mut seen = None;
            let (created, keys) = run(&mut server, client_config(&key, padding, inner), |k| {
                seen = Some((k.expires_in, k.padding, k.dc));
                KeyOutcome::Stored
            })
            .unwrap();
            assert_eq!(keys, vec![created.auth_key.clone()]);
            assert!(server.is_done());
            assert_eq!(seen, Some((inner.expires_in(), padding, inner.dc())));
            assert_eq!(created.expires_in, inner.expires_in());
            assert_eq!(created.time_offset, 0);
        }
    }
}

#[test]
fn a_taken_id_gets_dh_gen_retry_and_a_new_key() {
    let key = vector_key();
    let server_cfg = Arc::new(ServerConfig::new(vec![vector_key()]));
    let mut server = ServerHandshake::new(server_cfg);
    let mut first = true;
    let (created, keys) = run(
        &mut server,
        client_config(&key, Padding::RsaPad, InnerKind::Dc { dc: 1 }),
        |_| {
            if std::mem::take(&mut first) {
                KeyOutcome::AlreadyExists
            } else {
                KeyOutcome::Stored
            }
        },
    )
    .unwrap();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);
    assert_eq!(keys[1], created.auth_key);
}

#[test]
fn configuration_refusals() {
    let key = vector_key();
    let legacy_off = Arc::new(ServerConfig::new(vec![vector_key()]).allow_legacy_padding(false));
    let err = run(
        &mut ServerHandshake::new(legacy_off.clone()),
        client_config(&key, Padding::LegacySha1, InnerKind::Legacy),
        |_| KeyOutcome::Stored,
    )
    .unwrap_err();
    assert_eq!(err.code(), "padding_refused");
    // RSA_PAD still works there.
    run(
        &mut ServerHandshake::new(legacy_off),
        client_config(&key, Padding::RsaPad, InnerKind::Dc { dc: 2 }),
        |_| KeyOutcome::Stored,
    )
    .unwrap();
    let pad_off = Arc::new(ServerConfig::new(vec![vector_key()]).allow_rsa_pad(false));
    let err = run(
        &mut ServerHandshake::new(pad_off),
        client_config(&key, Padding::RsaPad, InnerKind::Dc { dc: 2 }),
        |_| KeyOutcome::Stored,
    )
    .unwrap_err();
    assert_eq!(err, HandshakeError::PaddingRefused);
    let no_temp = Arc::new(ServerConfig::new(vec![vector_key()]).allow_temporary_keys(false));
    let err = run(
        &mut ServerHandshake::new(no_temp),
        client_config(
            &key,
            Padding::RsaPad,
            InnerKind::TempDc {
                dc: 2,
                expires_in: 60,
            },
        ),
        |_| KeyOutcome::Stored,
    )
    .unwrap_err();
    assert_eq!(err, HandshakeError::KeyKindRefused);
    let short = Arc::new(ServerConfig::new(vec![vector_key()]).max_expires_in(30));
    let err = run(
        &mut ServerHandshake::new(short),
        client_config(
            &key,
            Padding::RsaPad,
            InnerKind::TempDc {
                dc: 2,
                expires_in: 60,
            },
        ),
        |_| KeyOutcome::Stored,
    )
    .unwrap_err();
    assert_eq!(err, HandshakeError::KeyKindRefused);
}

#[test]
fn order_repeats_and_expiry() {
    let key = vector_key();
    let cfg = Arc::new(ServerConfig::new(vec![vector_key()]).session_lifetime(600));
    let mut rng = OsEntropy::default();
    // A message out of order.
    let mut server = ServerHandshake::new(cfg.clone());
    let mut client = ClientHandshake::new(client_config(
        &key,
        Padding::RsaPad,
        InnerKind::Dc { dc: 2 },
    ));
    let req_pq = client.start(&mut rng).unwrap();
    let set_client = authkey::handshake::tl::SetClientDhParams {
        nonce: [0; 16],
        server_nonce: [0; 16],
        encrypted_data: vec![0; 32],
    }
    .to_bytes();
    assert_eq!(
        server.handle(&set_client, &mut rng, NOW).unwrap_err(),
        HandshakeError::UnexpectedMessage
    );
    assert_eq!(server.state_name(), "failed");
    // An exact repeat gets the same answer; a different req_pq is out of order.
    let mut server = ServerHandshake::new(cfg.clone());
    let ServerStep::Reply(a) = server.handle(&req_pq, &mut rng, NOW).unwrap() else {
        panic!()
    };
    let ServerStep::Reply(b) = server.handle(&req_pq, &mut rng, NOW).unwrap() else {
        panic!()
    };
    assert_eq!(a, b);
    let ClientStep::Send(req_dh) = client.handle(&a, &mut rng, NOW).unwrap() else {
        panic!()
    };
    // req_DH_params made for another session (its server_nonce) is refused.
    let mut other = ServerHandshake::new(cfg.clone());
    other.handle(&req_pq, &mut rng, NOW).unwrap();
    assert_eq!(
        other.handle(&req_dh, &mut rng, NOW).unwrap_err(),
        HandshakeError::ServerNonceMismatch
    );
    // Too late: the temporary session is forgotten.
    assert_eq!(
        server.handle(&req_dh, &mut rng, NOW + 601).unwrap_err(),
        HandshakeError::Expired
    );
    // Garbage is a typed error, never a panic.
    for junk in [&[][..], &[1, 2, 3], &[0xf1, 0x8e, 0x7e, 0xbe, 1]] {
        let mut s = ServerHandshake::new(cfg.clone());
        assert!(s.handle(junk, &mut rng, NOW).is_err());
    }
}

#[test]
fn client_refuses_unknown_server_keys_and_unfactorable_pq() {
    let key = vector_key();
    let mut rng = OsEntropy::default();
    let mut client = ClientHandshake::new(client_config(
        &key,
        Padding::RsaPad,
        InnerKind::Dc { dc: 2 },
    ));
    let start = client.start(&mut rng).unwrap();
    let (req, _) = authkey::handshake::tl::ReqPq::parse(&start).unwrap();
    let res = |fp: i64, pq: Vec<u8>| {
        authkey::handshake::tl::ResPq {
            nonce: req.nonce,
            server_nonce: [7; 16],
            pq,
            server_public_key_fingerprints: vec![fp],
        }
        .to_bytes()
    };
    let mut c1 = ClientHandshake::new(client_config(
        &key,
        Padding::RsaPad,
        InnerKind::Dc { dc: 2 },
    ));
    let _ = c1.start(&mut rng).unwrap();
    // Nonce of another handshake.
    assert_eq!(
        c1.handle(&res(key.public().fingerprint(), vec![0x0f]), &mut rng, NOW)
            .unwrap_err(),
        HandshakeError::NonceMismatch
    );
    assert_eq!(
        client
            .handle(&res(1, vec![0x0f]), &mut rng, NOW)
            .unwrap_err(),
        HandshakeError::NoKnownFingerprint
    );
    let mut c2 = ClientHandshake::new(client_config(
        &key,
        Padding::RsaPad,
        InnerKind::Dc { dc: 2 },
    ));
    let s2 = c2.start(&mut rng).unwrap();
    let (r2, _) = authkey::handshake::tl::ReqPq::parse(&s2).unwrap();
    let prime = authkey::handshake::tl::ResPq {
        nonce: r2.nonce,
        server_nonce: [7; 16],
        pq: vec![0x7f, 0xff, 0xff, 0xff],
        server_public_key_fingerprints: vec![key.public().fingerprint()],
    }
    .to_bytes();
    assert_eq!(
        c2.handle(&prime, &mut rng, NOW).unwrap_err(),
        HandshakeError::PqUnfactorable
    );
}

#[test]
fn private_key_debug_is_redacted() {
    let text = format!("{:?}", vector_key());
    assert!(
        text.starts_with("RsaPrivateKey { public: RsaPublicKey { fingerprint: "),
        "{text}"
    );
    assert!(!text.contains("15f1a25d"), "{text}");
}

/// OS randomness that remembers the client's new_nonce (to forge a client message).
#[derive(Default)]
struct Recording {
    os: OsEntropy,
    new_nonce: [u8; 32],
}

impl Entropy for Recording {
    fn fill(&mut self, purpose: Purpose, buf: &mut [u8]) -> Result<(), HandshakeError> {
        self.os.fill(purpose, buf)?;
        if purpose == Purpose::NewNonce && buf.len() == 32 {
            self.new_nonce.copy_from_slice(buf);
        }
        Ok(())
    }
}

/// `set_client_DH_params` with the same g_b but `retry_id` replaced.
fn with_retry_id(body: &[u8], new_nonce: &[u8; 32], retry_id: i64, rng: &mut Recording) -> Vec<u8> {
    let (msg, _) = tl::SetClientDhParams::parse(body).unwrap();
    let key_iv = authkey::tmp_aes_key_iv(&msg.server_nonce, new_nonce);
    let (mut inner, _) = open_sealed(
        &msg.encrypted_data,
        &key_iv,
        tl::ClientDhInnerData::parse,
        HandshakeError::ClientDhHashMismatch,
    )
    .unwrap();
    assert_ne!(inner.retry_id, retry_id);
    inner.retry_id = retry_id;
    let encrypted_data = seal(&inner.to_bytes(), &key_iv, rng, Purpose::ClientDhPadding).unwrap();
    tl::SetClientDhParams {
        encrypted_data,
        ..msg
    }
    .to_bytes()
}

#[test]
fn a_wrong_retry_id_gets_dh_gen_fail_with_new_nonce_hash3() {
    let key = vector_key();
    let server_cfg = Arc::new(ServerConfig::new(vec![vector_key()]));
    // attempt 0: a first set_client_DH_params claiming a retry (retry_id != 0);
    // attempt 1: after dh_gen_retry, a retry_id other than the retried key's aux hash.
    for attempt in 0..2 {
        let mut rng = Recording::default();
        let mut server = ServerHandshake::new(server_cfg.clone());
        let mut client = ClientHandshake::new(client_config(
            &key,
            Padding::RsaPad,
            InnerKind::Dc { dc: 2 },
        ));
        let mut body = client.start(&mut rng).unwrap();
        for _ in 0..2 {
            let ServerStep::Reply(r) = server.handle(&body, &mut rng, NOW).unwrap() else {
                panic!("reply expected")
            };
            let ClientStep::Send(next) = client.handle(&r, &mut rng, NOW).unwrap() else {
                panic!("send expected")
            };
            body = next;
        }
        let new_nonce = rng.new_nonce;
        if attempt == 1 {
            let ServerStep::NewKey(_) = server.handle(&body, &mut rng, NOW).unwrap() else {
                panic!("new key expected")
            };
            let retry = server.key_stored(KeyOutcome::AlreadyExists).unwrap();
            let ClientStep::Send(next) = client.handle(&retry, &mut rng, NOW).unwrap() else {
                panic!("send expected")
            };
            body = next;
        }
        let forged = with_retry_id(&body, &new_nonce, 0x0123_4567_89ab_cdef, &mut rng);
        let ServerStep::Reply(fail) = server.handle(&forged, &mut rng, NOW).unwrap() else {
            panic!("dh_gen_fail expected, not a new key (attempt {attempt})")
        };
        let (gen_msg, _) = tl::DhGen::parse(&fail).unwrap();
        assert_eq!(gen_msg.kind, tl::DhGenKind::Fail, "attempt {attempt}");
        // The client checks new_nonce_hash3 against the key it computed for this g_b (a
        // wrong hash would be new_nonce_hash_mismatch), then reports dh_gen_fail.
        let e = client.handle(&fail, &mut rng, NOW).unwrap_err();
        assert_eq!(e.code(), "dh_gen_fail", "attempt {attempt}");
        // The exchange is over: the genuine message, or anything else, is now out of order.
        let e = server.handle(&body, &mut rng, NOW).unwrap_err();
        assert_eq!(e.code(), "unexpected_message");
        assert!(!server.is_done());
    }
}
