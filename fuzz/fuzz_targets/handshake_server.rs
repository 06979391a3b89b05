//! The server state machine fed arbitrary messages (each a 2-byte big-endian length and that
//! many bytes): replies, a new key or a typed error, never a panic. Randomness is fixed, so
//! a crash reproduces.
#![no_main]

use std::sync::{Arc, OnceLock};

use authkey::handshake::{
    Entropy, HandshakeError, KeyOutcome, Purpose, RsaPrivateKey, ServerConfig, ServerHandshake,
    ServerStep,
};
use libfuzzer_sys::fuzz_target;

struct Fixed(u8);

impl Entropy for Fixed {
    fn fill(&mut self, _: Purpose, buf: &mut [u8]) -> Result<(), HandshakeError> {
        for b in buf {
            self.0 = self.0.wrapping_mul(181).wrapping_add(101);
            *b = self.0;
        }
        Ok(())
    }
}

fn config() -> Arc<ServerConfig> {
    static C: OnceLock<Arc<ServerConfig>> = OnceLock::new();
    C.get_or_init(|| {
        let v: serde_json::Value = serde_json::from_str(include_str!(
            "../../crates/authkey/vectors/authkey-handshake.json"
        ))
        .unwrap();
        let case = v["cases"].as_array().unwrap().iter().find(|c| c["op"] == "rsa_decrypt").unwrap();
        let k = &case["input"]["key"];
        let h = |f: &str| keyauth_core::encoding::hex_decode(k[f].as_str().unwrap()).unwrap();
        let key = RsaPrivateKey::from_components(&h("n"), &h("e"), &h("d"), None).unwrap();
        Arc::new(ServerConfig::new(vec![key]))
    })
    .clone()
}

fuzz_target!(|data: &[u8]| {
    let mut server = ServerHandshake::new(config());
    let mut rng = Fixed(7);
    let mut rest = data;
    for _ in 0..8 {
        let Some((len, tail)) = rest.split_first_chunk::<2>() else { return };
        let len = usize::from(u16::from_be_bytes(*len)).min(tail.len());
        let (msg, tail) = tail.split_at(len);
        rest = tail;
        match server.handle(msg, &mut rng, 1_767_225_600) {
            Ok(ServerStep::NewKey(_)) => {
                let _ = server.key_stored(KeyOutcome::Stored);
            }
            Ok(_) => {}
            Err(_) => {
                assert_eq!(server.state_name(), "failed");
            }
        }
    }
});
