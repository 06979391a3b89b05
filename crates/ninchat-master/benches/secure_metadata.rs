//! secure_metadata at about 100 B, 4 KiB and 64 KiB of metadata JSON, beside the raw SHA-512 +
//! AES-256-CBC over the same plaintext bytes; opening beside raw AES-CBC decryption + SHA-512.
#![allow(clippy::unwrap_used, missing_docs)] // benchmark harness

use std::hint::black_box;

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keyauth_core::{Base64, FixedClock, UnixTime};
use ninchat_master::{Expire, Json, MasterKey, Signer, Verifier};
use sha2::{Digest, Sha512};

const NOW: u64 = 1_700_948_774;

/// Metadata whose JSON text is about `size` bytes: string, integer and float fields, a little
/// non-ASCII.
fn metadata(size: usize) -> Json {
    let mut fields = Vec::new();
    let mut len = 2;
    let mut i = 0;
    while len < size {
        let (k, v) = match i % 3 {
            0 => (
                format!("text{i}"),
                Json::from(format!("order line {i}: widget, size M, colour blå")),
            ),
            1 => (format!("count{i}"), Json::from(i64::from(i) * 7919)),
            _ => (format!("price{i}"), Json::from(f64::from(i) * 1.25 + 0.01)),
        };
        len += Json::Object(vec![(k.clone(), v.clone())])
            .to_python_json()
            .unwrap()
            .len()
            - 1;
        fields.push((k, v));
        i += 1;
    }
    Json::Object(fields)
}

fn bench(c: &mut Criterion) {
    let key = MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=").unwrap();
    let secret = key.key_pair().secret.expose_secret().to_vec();
    let clock = std::sync::Arc::new(FixedClock::new(UnixTime::new(NOW)));
    let signer = Signer::new(&key).clock(clock.clone());
    let verifier = Verifier::new([key.clone()]);
    let iv = [7u8; 16];
    for (label, size) in [
        ("100B", 100),
        ("4KiB", 4096),
        ("64KiB", 65_536),
        ("1MiB", 1 << 20),
    ] {
        let meta = metadata(size);
        let value = serde_json::Value::from(&meta);
        let sealed = signer
            .seal_json(Expire::Int(1_701_000_000), &meta, Some("u1"), &iv)
            .unwrap();
        let json = sealed.plaintext_json.clone();
        let mut g = c.benchmark_group(format!("secure_metadata/{label}"));
        g.throughput(Throughput::Bytes(json.len() as u64));
        if size > 65_536 {
            g.sample_size(10);
        }
        // The caller's serde value straight to the sealed text (no `Json` tree).
        g.bench_function("secure_metadata_with_iv", |b| {
            b.iter(|| {
                signer
                    .secure_metadata_with_iv(1_701_000_000, black_box(&value), Some("u1"), &iv)
                    .unwrap()
            });
        });
        // The path before the direct serializer (a `Json` tree, then its text), for comparison.
        g.bench_function("tree_path_from_serialize_seal_json", |b| {
            b.iter(|| {
                let tree = Json::from_serialize(black_box(&value)).unwrap();
                signer
                    .seal_json(Expire::Int(1_701_000_000), &tree, Some("u1"), &iv)
                    .unwrap()
            });
        });
        g.bench_function("seal_json", |b| {
            b.iter(|| {
                signer
                    .seal_json(
                        Expire::Int(1_701_000_000),
                        black_box(&meta),
                        Some("u1"),
                        &iv,
                    )
                    .unwrap()
            });
        });
        g.bench_function("raw_sha512_aes_cbc", |b| {
            b.iter(|| {
                let mut buf = Vec::with_capacity(sealed.padded_len);
                buf.extend_from_slice(&Sha512::digest(black_box(json.as_bytes())));
                buf.extend_from_slice(json.as_bytes());
                buf.resize(sealed.padded_len, 0);
                let len = buf.len();
                cbc::Encryptor::<aes::Aes256>::new_from_slices(&secret, &iv)
                    .unwrap()
                    .encrypt_padded_mut::<NoPadding>(&mut buf, len)
                    .unwrap();
                buf
            });
        });
        g.bench_function("raw_sha512_aes_cbc_base64", |b| {
            b.iter(|| {
                let mut buf = Vec::with_capacity(16 + sealed.padded_len);
                buf.extend_from_slice(&iv);
                buf.extend_from_slice(&Sha512::digest(black_box(json.as_bytes())));
                buf.extend_from_slice(json.as_bytes());
                buf.resize(16 + sealed.padded_len, 0);
                let len = buf.len() - 16;
                cbc::Encryptor::<aes::Aes256>::new_from_slices(&secret, &iv)
                    .unwrap()
                    .encrypt_padded_mut::<NoPadding>(&mut buf[16..], len)
                    .unwrap();
                Base64::Standard.encode(&buf)
            });
        });
        g.bench_function("open", |b| {
            b.iter(|| {
                verifier
                    .open_secure_metadata_at(
                        black_box(&sealed.value),
                        Some("u1"),
                        UnixTime::new(NOW),
                    )
                    .unwrap()
            });
        });
        // Checks it and builds nothing of the metadata.
        g.bench_function("open_as_ignored", |b| {
            b.iter(|| {
                verifier
                    .open_secure_metadata_as::<serde::de::IgnoredAny>(
                        black_box(&sealed.value),
                        Some("u1"),
                        UnixTime::new(NOW),
                    )
                    .unwrap()
            });
        });
        let b64 = sealed.value.split_once('-').unwrap().1.to_owned();
        g.bench_function("raw_base64_aes_cbc_sha512", |b| {
            b.iter(|| {
                let mut buf = Base64::Standard.decode(black_box(&b64)).unwrap();
                let (iv, ct) = buf.split_at_mut(16);
                cbc::Decryptor::<aes::Aes256>::new_from_slices(&secret, iv)
                    .unwrap()
                    .decrypt_padded_mut::<NoPadding>(ct)
                    .unwrap();
                let end = ct.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                Sha512::digest(&ct[64..end])
            });
        });
        let raw = Base64::Standard
            .decode(sealed.value.split_once('-').unwrap().1)
            .unwrap();
        g.bench_function("raw_aes_cbc_sha512", |b| {
            b.iter(|| {
                let mut buf = black_box(&raw).clone();
                let (iv, ct) = buf.split_at_mut(16);
                cbc::Decryptor::<aes::Aes256>::new_from_slices(&secret, iv)
                    .unwrap()
                    .decrypt_padded_mut::<NoPadding>(ct)
                    .unwrap();
                let end = ct.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                Sha512::digest(&ct[64..end])
            });
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
