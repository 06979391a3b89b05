//! Server handshakes per second on one core, beside the floor they cannot beat: one bare RSA
//! private operation (`c^d mod n`, 2048 bits) plus one 2048-bit modexp (`g^a mod p`). The
//! server's third modexp (`g_b^a`) and everything else is overhead above that floor.
//! Only the server's `handle` calls are timed; the client's work happens outside the clock.
#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark harness")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use authkey::handshake::tl::InnerKind;
use authkey::handshake::{
    ClientConfig, ClientHandshake, ClientStep, DhGroup, KeyOutcome, OsEntropy, Purpose,
    RsaPrivateKey, ServerConfig, ServerHandshake, ServerKey, ServerStep,
};
use criterion::{Criterion, criterion_group, criterion_main};
use keyauth_core::encoding::hex_decode;
use serde_json::Value;

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

/// Time spent inside the server for one whole exchange.
fn one_exchange(server_cfg: &Arc<ServerConfig>, client_cfg: &Arc<ClientConfig>) -> Duration {
    let mut rng = OsEntropy::default();
    let mut client = ClientHandshake::new(client_cfg.clone());
    let mut server = ServerHandshake::new(server_cfg.clone());
    let mut body = client.start(&mut rng).unwrap();
    let mut spent = Duration::ZERO;
    loop {
        let t = Instant::now();
        let reply = match server.handle(&body, &mut rng, 1_767_225_600).unwrap() {
            ServerStep::Reply(r) => r,
            ServerStep::NewKey(_) => server.key_stored(KeyOutcome::Stored).unwrap(),
            _ => unreachable!(),
        };
        spent += t.elapsed();
        match client.handle(&reply, &mut rng, 1_767_225_600).unwrap() {
            ClientStep::Send(next) => body = next,
            ClientStep::Done(_) => return spent,
            _ => unreachable!(),
        }
    }
}

fn bench(c: &mut Criterion) {
    let key = vector_key();
    let public: Arc<dyn ServerKey> = Arc::new(key.public().clone());
    let server_cfg = Arc::new(ServerConfig::new(vec![vector_key()]));
    let mut g = c.benchmark_group("handshake");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    for (name, padding) in [
        ("rsa_pad", authkey::handshake::Padding::RsaPad),
        ("legacy", authkey::handshake::Padding::LegacySha1),
    ] {
        let inner = if name == "legacy" {
            InnerKind::Legacy
        } else {
            InnerKind::Dc { dc: 2 }
        };
        let client_cfg = Arc::new(
            ClientConfig::new(vec![public.clone()])
                .padding(padding)
                .inner(inner),
        );
        g.bench_function(format!("server_exchange_{name}"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| one_exchange(&server_cfg, &client_cfg))
                    .sum()
            });
        });
    }
    // The floor: one RSA private op + one 2048-bit modexp with a secret exponent.
    let ciphertext = key.public().encrypt_raw(&[0x11; 256]).unwrap_or_else(|_| {
        let mut m = [0x11; 256];
        m[0] = 0;
        key.public().encrypt_raw(&m).unwrap()
    });
    let group = DhGroup::telegram();
    g.bench_function("floor_rsa_private_plus_modexp", |b| {
        b.iter(|| {
            let m = key.decrypt_raw(&ciphertext).unwrap();
            let (_a, g_a) = group
                .keypair(&mut OsEntropy::default(), Purpose::ServerExponent)
                .unwrap();
            (m, g_a)
        });
    });
    g.bench_function("rsa_private_op", |b| {
        b.iter(|| key.decrypt_raw(&ciphertext).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
