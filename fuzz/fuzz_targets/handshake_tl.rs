//! Any bytes through every handshake TL parser (the first byte picks one): an object or a
//! typed error, never a panic; a parsed object serialises back to the bytes it consumed when
//! they were canonical.
#![no_main]

use authkey::handshake::tl;
use libfuzzer_sys::fuzz_target;

fn check<T>(data: &[u8], parse: fn(&[u8]) -> Result<(T, usize), authkey::HandshakeError>, ser: fn(&T) -> Vec<u8>) {
    if let Ok((v, used)) = parse(data) {
        assert!(used <= data.len());
        let again = ser(&v);
        // Re-parsing our own bytes gives the same object back.
        let (v2, used2) = parse(&again).expect("our own bytes parse");
        assert_eq!(used2, again.len());
        assert_eq!(ser(&v2), again);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    match which % 11 {
        0 => check(rest, tl::ReqPq::parse, tl::ReqPq::to_bytes),
        1 => check(rest, tl::ResPq::parse, tl::ResPq::to_bytes),
        2 => check(rest, tl::PqInnerData::parse, tl::PqInnerData::to_bytes),
        3 => check(rest, tl::ReqDhParams::parse, tl::ReqDhParams::to_bytes),
        4 => check(rest, tl::ServerDhParams::parse, tl::ServerDhParams::to_bytes),
        5 => check(rest, tl::ServerDhInnerData::parse, tl::ServerDhInnerData::to_bytes),
        6 => check(rest, tl::SetClientDhParams::parse, tl::SetClientDhParams::to_bytes),
        7 => check(rest, tl::ClientDhInnerData::parse, tl::ClientDhInnerData::to_bytes),
        8 => check(rest, tl::DhGen::parse, tl::DhGen::to_bytes),
        9 => check(rest, tl::Pong::parse, tl::Pong::to_bytes),
        _ => {
            let _ = authkey::handshake::plain::parse(rest, authkey::handshake::plain::Sender::Client);
            let _ = authkey::handshake::pq::factorize(&rest[..rest.len().min(16)]);
        }
    }
});
