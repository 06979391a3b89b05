//! Any bytes as an MTProto 2.0 packet: an error or a plaintext, never a panic. The first byte
//! picks the direction and whether the packet gets the key's real auth_key_id (so the fuzzer
//! reaches the IGE decryption and msg_key check, not only the id check).
#![no_main]

use authkey::{AuthKey, Direction, InnerMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut bytes = [0u8; 256];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(167) ^ 0x3c;
    }
    let key = AuthKey::from_bytes(&bytes);
    let direction = if mode & 1 == 0 {
        Direction::ClientToServer
    } else {
        Direction::ServerToClient
    };
    let mut packet = rest.to_vec();
    if mode & 2 == 2 && packet.len() >= 8 {
        packet[..8].copy_from_slice(&key.key_id_bytes());
    }
    let _ = authkey::packet_auth_key_id(&packet);
    let copied = key.decrypt(direction, &packet);
    let mut buf = packet.clone();
    let in_place = key.decrypt_in_place(direction, &mut buf);
    // Both entry points agree on every input.
    match (&copied, &in_place) {
        (Ok(a), Ok(b)) => assert_eq!(&a[..], &b[..]),
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("decrypt and decrypt_in_place disagree"),
    }
    if let Ok(plain) = copied {
        // Only a packet made with this key can get here; it must parse or fail cleanly.
        let _ = InnerMessage::parse(&plain);
    }
    let _ = InnerMessage::parse(rest);
});
