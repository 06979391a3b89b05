//! Our client against our server, in process (sans-IO): fresh randomness from the OS, both
//! paddings, temporary keys, the retry path, and the server's refusals of §14 that the
//! vector file does not carry (configuration refusals, out of order, exact repeats).
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::sync::Arc;

use authkey::handshake::tl::InnerKind;
use authkey::handshake::{
    ClientConfig, ClientHandshake, ClientStep, CreatedKey, HandshakeError, KeyOutcome, OsEntropy,
    Padding, RsaPrivateKey, ServerConfig, ServerHandshake, ServerKey, ServerStep,
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
