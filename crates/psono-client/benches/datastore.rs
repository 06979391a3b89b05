//! Decrypting a datastore of 10 to 10,000 entries (about 2 KiB to 2 MiB sealed), beside raw
//! XSalsa20-Poly1305 over the same bytes.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crypto_secretbox::aead::AeadInPlace;
use crypto_secretbox::{KeyInit, XSalsa20Poly1305};
use psono_client::crypto::{hex_decode, hex_encode};
use psono_client::{EncryptedDatastore, SecretKey, TreeWalker};
use serde_json::{Value, json};

fn fixture(entries: usize) -> (SecretKey, EncryptedDatastore, SecretKey) {
    let ds_key = SecretKey::from_bytes([7; 32]);
    let items: Vec<Value> = (0..entries)
        .map(|i| {
            json!({"id": format!("00000000-0000-4000-8000-{i:012}"), "type": "website_password",
                   "name": format!("entry {i}"), "urlfilter": "example.com",
                   "secret_id": format!("10000000-0000-4000-8000-{i:012}"),
                   "secret_key": hex_encode(&[i as u8; 32])})
        })
        .collect();
    let content = json!({"datastore_id": "f1ef6748-ab1d-48a1-9349-f38e5b9276aa", "items": items, "folders": []});
    let nonce = [9u8; 24];
    let data = hex_encode(&ds_key.seal(&nonce, content.to_string().as_bytes()));
    let user_key = SecretKey::from_bytes([3; 32]);
    let wrap_nonce = [1u8; 24];
    let wrapped = user_key.seal(&wrap_nonce, ds_key.to_hex().as_bytes());
    let ds = EncryptedDatastore::from_json(&json!({
        "data": data, "data_nonce": hex_encode(&nonce),
        "secret_key": hex_encode(&wrapped), "secret_key_nonce": hex_encode(&wrap_nonce),
        "type": "password", "description": "bench"}))
    .unwrap();
    (user_key, ds, ds_key)
}

fn bench(c: &mut Criterion) {
    for entries in [10usize, 1000, 10_000] {
        bench_size(c, entries);
    }
}

fn bench_size(c: &mut Criterion, entries: usize) {
    let (user_key, ds, ds_key) = fixture(entries);
    let sealed = hex_decode(&ds.data, "data").unwrap();
    let nonce: [u8; 24] = hex_decode(&ds.data_nonce, "nonce")
        .unwrap()
        .try_into()
        .unwrap();
    let mut g = c.benchmark_group(format!("datastore/{entries}"));
    g.throughput(Throughput::Bytes(sealed.len() as u64));
    if entries > 1000 {
        g.sample_size(10);
    }
    g.bench_function("raw_secretbox_open", |b| {
        let cipher = XSalsa20Poly1305::new(ds_key.expose_secret().into());
        b.iter(|| {
            let (tag, ct) = sealed.split_at(16);
            let mut buf = ct.to_vec();
            cipher
                .decrypt_in_place_detached((&nonce).into(), b"", &mut buf, tag.into())
                .unwrap();
            black_box(buf)
        });
    });
    g.bench_function("secret_key_open_bytes", |b| {
        b.iter(|| black_box(ds_key.open(&nonce, &sealed).unwrap()));
    });
    g.bench_function("secret_key_open_hex", |b| {
        b.iter(|| black_box(ds_key.open_hex(&ds.data, &ds.data_nonce).unwrap()));
    });
    g.bench_function("open_datastore_with_json", |b| {
        b.iter(|| black_box(ds.open(&user_key).unwrap()));
    });
    let opened = ds.open(&user_key).unwrap();
    g.bench_function("walk_tree", |b| {
        b.iter(|| {
            let mut w = TreeWalker::new(&opened.content).unwrap();
            assert!(matches!(w.next_step().unwrap(), psono_client::Step::Done));
            black_box(w.finish())
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
