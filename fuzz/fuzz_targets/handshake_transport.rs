//! Any bytes as a transport stream (the first byte picks the mode; a second pass feeds the
//! same bytes one at a time): payloads or a typed error, never a panic, and both passes agree.
#![no_main]

use authkey::handshake::transport::{Codec, Mode, detect};
use libfuzzer_sys::fuzz_target;

fn drain(codec: &mut Codec, buf: &mut Vec<u8>, out: &mut Vec<Vec<u8>>) -> bool {
    loop {
        match codec.decode(buf) {
            Ok(Some(p)) => out.push(p),
            Ok(None) => return true,
            Err(_) => return false,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let _ = detect(rest);
    let mode = [Mode::Abridged, Mode::Intermediate, Mode::PaddedIntermediate, Mode::Full][usize::from(which % 4)];
    let mut whole = Codec::new(mode).max_payload(4096);
    let mut buf = rest.to_vec();
    let mut a = Vec::new();
    let ok_a = drain(&mut whole, &mut buf, &mut a);
    let mut bytewise = Codec::new(mode).max_payload(4096);
    let mut buf = Vec::new();
    let mut b = Vec::new();
    let mut ok_b = true;
    for &byte in rest {
        buf.push(byte);
        if !drain(&mut bytewise, &mut buf, &mut b) {
            ok_b = false;
            break;
        }
    }
    assert_eq!(ok_a, ok_b);
    if ok_a {
        assert_eq!(a, b);
    }
    if let Ok(header) = <[u8; 64]>::try_from(&rest[..rest.len().min(64)]) {
        let _ = authkey::handshake::transport::obfuscated2::Obfuscation::server(&header);
    }
});
