//! Each signing operation beside a bare HMAC-SHA-512 over the same canonical bytes, and the
//! verifier's check beside the same HMAC (the overhead is canonical JSON, base64, parsing).
#![allow(clippy::unwrap_used, missing_docs)] // benchmark harness

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use keyauth_core::{FixedClock, UnixTime};
use ninchat_master::{Call, Grant, Json, MasterKey, Nonce, Signer, Verifier};
use sha2::Sha512;

const NOW: u64 = 1_700_948_774;

fn bench(c: &mut Criterion) {
    let key = MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=").unwrap();
    let secret = key.key_pair().secret.expose_secret().to_vec();
    let clock = std::sync::Arc::new(FixedClock::new(UnixTime::new(NOW)));
    let signer = Signer::new(&key).clock(clock.clone());
    let nonce = Nonce::from_int(95_188_653_654_308);
    let attrs = [
        ("name", Json::from("Zoë Ääkkönen")),
        (
            "info",
            Json::Object(vec![
                ("company".into(), Json::from("Acme ❤")),
                ("n".into(), Json::from(3)),
            ]),
        ),
    ];
    let grants = [
        ("create_session", Grant::CreateSession { puppet_attrs: &[] }),
        (
            "create_session_attrs",
            Grant::CreateSession {
                puppet_attrs: &attrs,
            },
        ),
        (
            "create_session_for_user",
            Grant::CreateSessionForUser {
                user_id: "user-with-dash",
            },
        ),
        (
            "join_channel",
            Grant::JoinChannel {
                channel_id: "1bfbr0u",
                member_attrs: &[],
            },
        ),
        (
            "join_channel_for_user",
            Grant::JoinChannelForUser {
                channel_id: "1bfbr0u",
                user_id: "user-with-dash",
                member_attrs: &attrs,
            },
        ),
    ];
    let verifier = Verifier::new([key.clone()]);
    for (name, grant) in grants {
        let signed = signer.sign_with_nonce(&grant, NOW + 3600, &nonce).unwrap();
        let mut g = c.benchmark_group(format!("sign/{name}"));
        g.bench_function("sign_with_nonce", |b| {
            b.iter(|| {
                signer
                    .sign_with_nonce(black_box(&grant), NOW + 3600, &nonce)
                    .unwrap()
            });
        });
        g.bench_function("raw_hmac_sha512", |b| {
            b.iter(|| {
                let mut mac = Hmac::<Sha512>::new_from_slice(&secret).unwrap();
                mac.update(black_box(signed.canonical_json.as_bytes()));
                mac.finalize().into_bytes()
            });
        });
        let call = match grant {
            Grant::CreateSession { puppet_attrs } => Call::create_session().attrs(puppet_attrs),
            Grant::CreateSessionForUser { user_id } => Call::create_session().user_id(user_id),
            Grant::JoinChannel {
                channel_id,
                member_attrs,
            } => Call::join_channel(channel_id).attrs(member_attrs),
            Grant::JoinChannelForUser {
                channel_id,
                user_id,
                member_attrs,
            } => Call::join_channel(channel_id)
                .user_id(user_id)
                .attrs(member_attrs),
            _ => unreachable!(),
        };
        g.bench_function("verifier_check", |b| {
            b.iter(|| {
                verifier
                    .check(black_box(&signed.signature), &call, UnixTime::new(NOW))
                    .unwrap()
            });
        });
        g.finish();
    }
}

/// Signing with 0 to 128 attributes (how the cost grows with them).
fn attrs(c: &mut Criterion) {
    let key = MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=").unwrap();
    let secret = key.key_pair().secret.expose_secret().to_vec();
    let clock = std::sync::Arc::new(FixedClock::new(UnixTime::new(NOW)));
    let signer = Signer::new(&key).clock(clock);
    let nonce = Nonce::from_int(95_188_653_654_308);
    for n in [0usize, 2, 16, 128] {
        let names: Vec<String> = (0..n)
            .map(|i| format!("attr{:03}", (i * 37) % 1000))
            .collect();
        let attrs: Vec<(&str, Json)> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let v = match i % 3 {
                    0 => Json::from(format!("value {i} Zoë")),
                    1 => Json::from(i as i64),
                    _ => Json::from(i as f64 + 0.5),
                };
                (name.as_str(), v)
            })
            .collect();
        let grant = Grant::CreateSession {
            puppet_attrs: &attrs,
        };
        let signed = signer.sign_with_nonce(&grant, NOW + 3600, &nonce).unwrap();
        let mut g = c.benchmark_group(format!("sign_attrs/{n}"));
        g.bench_function("sign_with_nonce", |b| {
            b.iter(|| {
                signer
                    .sign_with_nonce(black_box(&grant), NOW + 3600, &nonce)
                    .unwrap()
            });
        });
        g.bench_function("sign", |b| {
            b.iter(|| signer.sign(black_box(&grant), NOW + 3600).unwrap());
        });
        g.bench_function("raw_hmac_sha512", |b| {
            b.iter(|| {
                let mut mac = Hmac::<Sha512>::new_from_slice(&secret).unwrap();
                mac.update(black_box(signed.canonical_json.as_bytes()));
                mac.finalize().into_bytes()
            });
        });
        g.finish();
    }
}

criterion_group!(benches, bench, attrs);
criterion_main!(benches);
