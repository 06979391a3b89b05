//! MTProto 2.0 encryption properties (roundtrip, tamper, truncation, direction), mtpylon's
//! float-based key dump against CPython, and the memory manager under concurrent tasks.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::sync::Arc;

use authkey::mtproto::{self, HEADER_LEN};
use authkey::{
    AuthKey, AuthKeyManager, Direction, Error, InnerMessage, MemoryAuthKeyManager,
    packet_auth_key_id,
};
use proptest::prelude::*;

fn key_from(seed: &[u8]) -> AuthKey {
    let mut bytes = [0u8; 256];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = seed.get(i % seed.len().max(1)).copied().unwrap_or(0) ^ (i as u8);
    }
    AuthKey::from_bytes(&bytes)
}

fn inner(body: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&(-5i64).to_le_bytes());
    m.extend_from_slice(&42i64.to_le_bytes());
    m.extend_from_slice(&7_301_444_403_202_934_736i64.to_le_bytes());
    m.extend_from_slice(&1i32.to_le_bytes());
    m.extend_from_slice(&i32::try_from(body.len()).unwrap().to_le_bytes());
    m.extend_from_slice(body);
    m
}

const DIRS: [Direction; 2] = [Direction::ClientToServer, Direction::ServerToClient];

proptest! {
    #[test]
    fn roundtrip_both_directions(seed in proptest::collection::vec(any::<u8>(), 1..32),
                                 body in proptest::collection::vec(any::<u8>(), 0..300),
                                 d in 0usize..2) {
        let key = key_from(&seed);
        let dir = DIRS[d];
        let plain = inner(&body);
        let packet = key.encrypt(dir, &plain).unwrap();
        prop_assert_eq!((packet.len() - HEADER_LEN) % 16, 0);
        let pad = packet.len() - HEADER_LEN - plain.len();
        prop_assert!((12..=27).contains(&pad));
        prop_assert_eq!(packet_auth_key_id(&packet).unwrap(), key.id());
        let out = key.decrypt(dir, &packet).unwrap();
        prop_assert_eq!(&out[..plain.len()], &plain[..]);
        let m = InnerMessage::parse(&out).unwrap();
        prop_assert_eq!(m.message_data, &body[..]);
        prop_assert_eq!(m.padding_len, pad);
        prop_assert_eq!(m.salt, -5);
        // The other direction never accepts it.
        prop_assert_eq!(key.decrypt(DIRS[1 - d], &packet).unwrap_err(), Error::MsgKeyMismatch);
    }

    #[test]
    fn any_flipped_bit_is_rejected(body in proptest::collection::vec(any::<u8>(), 0..100),
                                   pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let key = key_from(b"tamper");
        let mut packet = key.encrypt(Direction::ServerToClient, &inner(&body)).unwrap();
        let i = pos.index(packet.len());
        packet[i] ^= 1 << bit;
        let err = key.decrypt(Direction::ServerToClient, &packet).unwrap_err();
        if i < 8 {
            prop_assert_eq!(err, Error::AuthKeyIdMismatch);
        } else {
            prop_assert_eq!(err, Error::MsgKeyMismatch);
        }
    }

    #[test]
    fn any_bytes_decrypt_to_an_error_or_plaintext(packet in proptest::collection::vec(any::<u8>(), 0..200)) {
        let key = key_from(b"fuzz");
        let mut p = packet.clone();
        if p.len() >= 8 {
            p[..8].copy_from_slice(&key.key_id_bytes());
        }
        for pk in [&packet, &p] {
            match key.decrypt(Direction::ClientToServer, pk) {
                Ok(plain) => { let _ = InnerMessage::parse(&plain); }
                Err(e) => prop_assert!(matches!(e, Error::InvalidLength | Error::AuthKeyIdMismatch | Error::MsgKeyMismatch)),
            }
        }
    }

    #[test]
    fn int_hex_roundtrip(bytes in proptest::collection::vec(any::<u8>(), 256)) {
        let key = AuthKey::from_slice(&bytes).unwrap();
        let again = AuthKey::from_int_hex(&key.to_int_hex()).unwrap();
        prop_assert_eq!(again.id(), key.id());
        prop_assert_eq!(again, key);
    }
}

#[test]
fn padding_len_is_total_and_matches_telethon() {
    for len in 0..64usize {
        let pad = mtproto::padding_len(len);
        assert!((12..=27).contains(&pad), "{len}");
        assert_eq!((len + pad) % 16, 0, "{len}");
        // Telethon: -(len + 12) % 16 + 12 (Python modulo).
        assert_eq!(pad, (16 - (len + 12) % 16) % 16 + 12);
    }
    assert!((12..=27).contains(&mtproto::padding_len(usize::MAX)));
}

#[test]
fn shared_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<AuthKey>();
    check::<MemoryAuthKeyManager>();
    check::<Error>();
    check::<Arc<dyn AuthKeyManager>>();
}

#[test]
fn lengths_are_checked_before_anything_else() {
    let key = key_from(b"len");
    let packet = key
        .encrypt(Direction::ClientToServer, &inner(b"abcd"))
        .unwrap();
    for cut in [0, 7, 8, 23, 24, packet.len() - 1, packet.len() - 15] {
        assert_eq!(
            key.decrypt(Direction::ClientToServer, &packet[..cut]),
            Err(Error::InvalidLength),
            "cut {cut}"
        );
    }
    // Length is checked before the key id: a foreign short packet is a length error.
    let mut foreign = packet.clone();
    foreign[0] ^= 1;
    assert_eq!(
        key.decrypt(Direction::ClientToServer, &foreign[..30]),
        Err(Error::InvalidLength)
    );
    assert_eq!(
        key.decrypt(Direction::ClientToServer, &foreign),
        Err(Error::AuthKeyIdMismatch)
    );
    // Dropping a whole block keeps the length valid but breaks msg_key.
    assert_eq!(
        key.decrypt(Direction::ClientToServer, &packet[..packet.len() - 16]),
        Err(Error::MsgKeyMismatch)
    );
    assert_eq!(packet_auth_key_id(&packet[..7]), Err(Error::InvalidLength));
}

#[test]
fn decrypt_in_place_matches_decrypt_and_wipes_on_failure() {
    let key = key_from(b"inplace");
    let d = Direction::ServerToClient;
    let packet = key.encrypt(d, &inner(b"hello, world")).unwrap();
    let mut buf = packet.clone();
    let plain = key.decrypt_in_place(d, &mut buf).unwrap().to_vec();
    assert_eq!(plain, *key.decrypt(d, &packet).unwrap());
    let mut tampered = packet.clone();
    *tampered.last_mut().unwrap() ^= 0x40;
    assert_eq!(
        key.decrypt_in_place(d, &mut tampered),
        Err(Error::MsgKeyMismatch)
    );
    assert!(
        tampered[HEADER_LEN..].iter().all(|&b| b == 0),
        "unauthenticated plaintext left behind"
    );
    let mut short = packet[..30].to_vec();
    assert_eq!(
        key.decrypt_in_place(d, &mut short),
        Err(Error::InvalidLength)
    );
}

#[test]
fn decrypt_into_matches_decrypt_over_chunk_boundaries_and_clears_on_failure() {
    let key = key_from(b"into");
    let d = Direction::ClientToServer;
    let mut out = Vec::new();
    // Sizes around the 4 KiB chunk the one-pass decrypt works in.
    for body_len in [0usize, 1, 4000, 4096, 4097, 8192 + 5, 70_000] {
        let body = vec![0xa5u8; body_len];
        let packet = key.encrypt(d, &inner(&body)).unwrap();
        key.decrypt_into(d, &packet, &mut out).unwrap();
        assert_eq!(out, *key.decrypt(d, &packet).unwrap(), "{body_len}");
        let mut buf = packet.clone();
        assert_eq!(key.decrypt_in_place(d, &mut buf).unwrap(), &out[..]);
        let mut tampered = packet.clone();
        tampered[HEADER_LEN + 3] ^= 1;
        assert_eq!(
            key.decrypt_into(d, &tampered, &mut out),
            Err(Error::MsgKeyMismatch)
        );
        assert!(out.is_empty(), "unauthenticated plaintext left behind");
        // The other direction's keys do not open it.
        assert_eq!(
            key.decrypt_into(Direction::ServerToClient, &packet, &mut out),
            Err(Error::MsgKeyMismatch)
        );
    }
    assert_eq!(
        key.decrypt_into(d, &[0; 30], &mut out),
        Err(Error::InvalidLength)
    );
}

#[tokio::test]
async fn shared_managers_are_managers() {
    let m = Arc::new(MemoryAuthKeyManager::new());
    let as_dyn: Box<dyn AuthKeyManager> = Box::new(m.clone());
    let k = key_from(b"shared");
    as_dyn.set_key(k.clone()).await.unwrap();
    assert_eq!(m.get_key(k.id()).await.unwrap(), k);
    let by_ref: &MemoryAuthKeyManager = &m;
    let via_ref = <&MemoryAuthKeyManager as AuthKeyManager>::get_key(&by_ref, k.id()).await;
    assert_eq!(via_ref.unwrap(), k);
}

#[test]
fn explicit_padding_is_bounded() {
    let key = key_from(b"pad");
    let d = Direction::ClientToServer;
    assert_eq!(
        key.encrypt_with_padding(d, &[0; 20], &[0; 12])
            .map(|p| p.len()),
        Ok(56)
    );
    assert_eq!(
        key.encrypt_with_padding(d, &[0; 5], &[0; 12]),
        Err(Error::InvalidLength)
    );
    assert_eq!(
        key.encrypt_with_padding(d, &[0; 32], &[]),
        Err(Error::InvalidLength)
    );
    assert_eq!(
        key.encrypt_with_padding(d, &[0; 0], &[0; 1040]),
        Err(Error::InvalidLength)
    );
    assert_eq!(
        key.encrypt_with_padding(d, &[0; 0], &[0; 16])
            .map(|p| p.len()),
        Ok(40)
    );
    assert!(key.encrypt_with_padding(d, &[0; 0], &[0; 1024]).is_ok());
    // Random padding differs between two encryptions of the same message.
    let a = key.encrypt(d, &inner(b"same")).unwrap();
    let b = key.encrypt(d, &inner(b"same")).unwrap();
    assert_ne!(a, b);
}

#[test]
fn inner_message_structure_is_checked() {
    assert_eq!(InnerMessage::parse(&[0; 31]), Err(Error::MalformedMessage));
    let mut m = inner(b"abcd");
    assert_eq!(InnerMessage::parse(&m).unwrap().padding_len, 0);
    m[28] = 5; // length 5 > 4 bytes present
    assert_eq!(InnerMessage::parse(&m), Err(Error::MalformedMessage));
    m[28..32].copy_from_slice(&(-1i32).to_le_bytes());
    assert_eq!(InnerMessage::parse(&m), Err(Error::MalformedMessage));
}

#[test]
fn aes_key_iv_is_redacted_and_checks_blocks() {
    let key = key_from(b"kdf");
    let kiv = mtproto::derive_aes_key_iv(&key, &[1; 16], Direction::ClientToServer);
    assert_eq!(format!("{kiv:?}"), "AesKeyIv([redacted])");
    let mut buf = [0u8; 15];
    assert_eq!(kiv.encrypt_in_place(&mut buf), Err(Error::InvalidLength));
    assert_eq!(kiv.decrypt_in_place(&mut []), Err(Error::InvalidLength));
    let mut block = [7u8; 32];
    kiv.encrypt_in_place(&mut block).unwrap();
    assert_ne!(block, [7u8; 32]);
    kiv.decrypt_in_place(&mut block).unwrap();
    assert_eq!(block, [7u8; 32]);
}

#[test]
fn mtpylon_bytes_needed_matches_cpython() {
    let table = include_str!("bytes_needed.txt");
    let mut checked = 0;
    for line in table.lines().filter(|l| !l.starts_with('#')) {
        let (n, want) = line.split_once(' ').unwrap();
        let key = AuthKey::from_int_hex(n).unwrap();
        let want: usize = want.parse().unwrap();
        assert_eq!(authkey::mtpylon::bytes_needed(&key), want, "n = {n}");
        let significant = key.to_int_hex().len().div_ceil(2);
        match authkey::mtpylon::dump_integer_big_endian(&key) {
            Ok(dump) => assert_eq!(dump.len(), want),
            // Python's to_bytes raises OverflowError when the float estimate is short.
            Err(e) => {
                assert_eq!(e, Error::ValueTooLarge);
                assert!(want < significant, "n = {n}");
            }
        }
        checked += 1;
    }
    assert!(checked > 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_manager_under_many_tasks() {
    let m = Arc::new(MemoryAuthKeyManager::new());
    let mut tasks = Vec::new();
    for t in 0u8..32 {
        let m = m.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0u8..50 {
                let key = key_from(&[t, i]);
                m.set_key(key.clone()).await.unwrap();
                assert_eq!(m.get_key(key.id()).await.unwrap(), key);
                if i % 2 == 0 {
                    m.del_key((&key).into()).await.unwrap();
                    assert!(!m.has_key(key.id().into()).await.unwrap());
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(m.len(), 32 * 25);
    assert_eq!(m.ids().len(), 32 * 25);
    assert_eq!(format!("{m:?}"), "MemoryAuthKeyManager { len: 800, .. }");
}
