//! The ops of `authkey-handshake.json`: TL codecs, unencrypted framing, RSA, pq, DH checks,
//! the sealed inner data, key values, transports, and (in `replay`) whole transcripts.

use keyauth_core::encoding::{hex_decode, hex_encode};
use serde_json::{Map, Value, json};
use sha1::{Digest, Sha1};

use keyauth_vectors::{Case, CaseError, CaseResult, Scheme};

use super::replay;
use crate::AuthKey;
use crate::handshake::dh::{DhGroup, Exponent};
use crate::handshake::tl::{
    self, ClientDhInnerData, DhGen, DhGenKind, InnerKind, Ping, Pong, PqInnerData, ReqDhParams,
    ReqPq, ResPq, ServerDhInnerData, ServerDhParams, SetClientDhParams,
};
use crate::handshake::transport::{Codec, Mode};
use crate::handshake::{Entropy, Purpose};
use crate::handshake::{
    HandshakeError, RsaPrivateKey, RsaPublicKey, open_sealed, plain, pq, rsa, seal,
};
use crate::{server_salt, tmp_aes_key_iv};

/// The runner for files of scheme `authkey-handshake`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HandshakeConformance;

impl Scheme for HandshakeConformance {
    fn name(&self) -> &'static str {
        "authkey-handshake"
    }

    fn run(&self, case: &Case) -> CaseResult {
        run_op(&case.op, &case.input, &case.expect)
    }
}

impl From<HandshakeError> for CaseError {
    fn from(e: HandshakeError) -> Self {
        CaseError::kind(e.code())
    }
}

/// Runs one op; `expect` is read only by the transcript ops (see the `replay` module docs).
fn run_op(op: &str, input: &Value, expect: &Value) -> CaseResult {
    {
        match op {
            "tl_serialize" => tl_serialize(input),
            "tl_serialize_many" => {
                let items = arr(input, "items")?;
                let bytes: Result<Vec<Value>, CaseError> = items
                    .iter()
                    .map(|i| Ok(Value::String(hex_encode(&serialize(i)?))))
                    .collect();
                Ok(json!({ "bytes": bytes? }))
            }
            "tl_parse" => tl_parse(input),
            "unencrypted_message" => Ok(json!({
                "packet": hex_encode(&plain::wrap(long(input, "msg_id")?, &hex(input, "body")?)),
            })),
            "unencrypted_message_parse" => {
                let packet = hex(input, "packet")?;
                let (msg_id, body) = plain::parse(&packet, sender(input)?)?;
                Ok(json!({ "msg_id": msg_id.to_string(), "body": hex_encode(body) }))
            }
            "rsa_fingerprint" => rsa_fingerprint(input),
            "rsa_legacy_encrypt" => rsa_legacy_encrypt(input),
            "rsa_decrypt" | "rsa_pad_decrypt" => rsa_decrypt(input),
            "rsa_pad_encrypt" => rsa_pad_encrypt(input),
            "pq_factorize" => {
                let (p, q) = pq::factorize(&hex(input, "pq")?)?;
                Ok(json!({
                    "p": hex_encode(&pq::to_be_minimal(p)),
                    "q": hex_encode(&pq::to_be_minimal(q)),
                    "p_decimal": p.to_string(),
                    "q_decimal": q.to_string(),
                }))
            }
            "dh_checks" => {
                let group = DhGroup::checked(&hex(input, "dh_prime")?, int(input, "g")?)?;
                if let Some(g_a) = opt_hex(input, "g_a")? {
                    group.check_value(
                        &g_a,
                        HandshakeError::DhGAOutOfRange,
                        HandshakeError::DhGAUnsafe,
                    )?;
                }
                if let Some(g_b) = opt_hex(input, "g_b")? {
                    group.check_value(
                        &g_b,
                        HandshakeError::DhGBOutOfRange,
                        HandshakeError::DhGBUnsafe,
                    )?;
                }
                Ok(json!({ "ok": true }))
            }
            "tmp_aes_key_iv" => {
                let k = tmp_aes_key_iv(&arr16(input, "server_nonce")?, &arr32(input, "new_nonce")?);
                Ok(json!({ "tmp_aes_key": hex_encode(k.key()), "tmp_aes_iv": hex_encode(k.iv()) }))
            }
            "server_dh_inner_data_encrypt" => server_dh_encrypt(input),
            "server_dh_inner_data_decrypt" => server_dh_decrypt(input),
            "client_dh_inner_data_encrypt" => client_dh_encrypt(input),
            "client_dh_inner_data_decrypt" => client_dh_decrypt(input),
            "auth_key_from_dh" => auth_key_from_dh(input),
            "transport_frame" => transport_frame(input),
            "transport_parse" => transport_parse(input),
            "handshake_transcript" => replay::transcript(input, expect),
            "handshake_transcript_replay" => replay::transcript_replay(input, expect),
            "client_attack" => replay::client_attack(input, expect),
            "server_attack" => replay::server_attack(input),
            other => Err(CaseError::Unsupported(other.to_owned())),
        }
    }
}

// ---- input helpers ----

pub(super) fn bad(why: impl Into<String>) -> CaseError {
    CaseError::BadInput(why.into())
}

pub(super) fn get<'a>(v: &'a Value, field: &str) -> Result<&'a Value, CaseError> {
    v.get(field).ok_or_else(|| bad(format!("missing {field}")))
}

pub(super) fn string<'a>(v: &'a Value, field: &str) -> Result<&'a str, CaseError> {
    get(v, field)?
        .as_str()
        .ok_or_else(|| bad(format!("{field} is not a string")))
}

pub(super) fn hex(v: &Value, field: &str) -> Result<Vec<u8>, CaseError> {
    hex_decode(string(v, field)?).map_err(|_| bad(format!("{field} is not hex")))
}

pub(super) fn opt_hex(v: &Value, field: &str) -> Result<Option<Vec<u8>>, CaseError> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => hex(v, field).map(Some),
    }
}

pub(super) fn arr<'a>(v: &'a Value, field: &str) -> Result<&'a Vec<Value>, CaseError> {
    get(v, field)?
        .as_array()
        .ok_or_else(|| bad(format!("{field} is not an array")))
}

fn fixed<const N: usize>(v: &Value, field: &str) -> Result<[u8; N], CaseError> {
    hex(v, field)?
        .try_into()
        .map_err(|_| bad(format!("{field} is not {N} bytes")))
}

pub(super) fn arr16(v: &Value, field: &str) -> Result<[u8; 16], CaseError> {
    fixed(v, field)
}

pub(super) fn arr32(v: &Value, field: &str) -> Result<[u8; 32], CaseError> {
    fixed(v, field)
}

pub(super) fn arr256(v: &Value, field: &str) -> Result<[u8; 256], CaseError> {
    let b = hex(v, field)?;
    if b.len() > 256 {
        return Err(bad(format!("{field} longer than 256 bytes")));
    }
    let mut out = [0u8; 256];
    out[256 - b.len()..].copy_from_slice(&b);
    Ok(out)
}

/// A TL `long` given as a signed decimal string.
pub(super) fn long(v: &Value, field: &str) -> Result<i64, CaseError> {
    string(v, field)?
        .parse()
        .map_err(|_| bad(format!("{field} is not a decimal long")))
}

pub(super) fn int(v: &Value, field: &str) -> Result<i32, CaseError> {
    get(v, field)?
        .as_i64()
        .and_then(|x| i32::try_from(x).ok())
        .ok_or_else(|| bad(format!("{field} is not an int")))
}

fn sender(input: &Value) -> Result<plain::Sender, CaseError> {
    match string(input, "direction")? {
        "client_to_server" => Ok(plain::Sender::Client),
        "server_to_client" => Ok(plain::Sender::Server),
        other => Err(bad(format!("direction {other:?}"))),
    }
}

pub(super) fn private_key(v: &Value) -> Result<RsaPrivateKey, CaseError> {
    RsaPrivateKey::from_components(&hex(v, "n")?, &hex(v, "e")?, &hex(v, "d")?, None)
        .map_err(CaseError::from)
}

pub(super) fn public_key(v: &Value) -> Result<RsaPublicKey, CaseError> {
    RsaPublicKey::from_components(&hex(v, "n")?, &hex(v, "e")?).map_err(CaseError::from)
}

/// Recorded randomness: each purpose hands out its values in order. A value longer than the
/// draw is used from its start (grammers records a fixed 192-byte RSA_PAD padding buffer).
/// When the recorded RSA_PAD temp keys run out, the next one is the previous plus one as a
/// big-endian number: what grammers-crypto 0.11 does instead of drawing (spec §5.3 step 9),
/// and one recording lists only the first key.
#[derive(Debug, Default)]
pub(super) struct Scripted {
    values: Vec<(Purpose, Vec<u8>)>,
    last_temp_key: Option<Vec<u8>>,
    pq: Option<(u64, u64)>,
    /// Draws of purposes nothing was recorded for come from the OS (server attacks).
    pub(super) fallback_os: bool,
}

impl Scripted {
    pub(super) fn push(&mut self, purpose: Purpose, value: Vec<u8>) {
        self.values.push((purpose, value));
    }
    pub(super) fn set_pq(&mut self, p: u64, q: u64) {
        self.pq = Some((p.min(q), p.max(q)));
    }
}

impl Entropy for Scripted {
    fn fill(&mut self, purpose: Purpose, buf: &mut [u8]) -> Result<(), HandshakeError> {
        if let Some(i) = self.values.iter().position(|(p, _)| *p == purpose) {
            let (_, v) = self.values.remove(i);
            if v.len() < buf.len() {
                return Err(HandshakeError::Random);
            }
            buf.copy_from_slice(&v[..buf.len()]);
            if purpose == Purpose::RsaTempKey {
                self.last_temp_key = Some(buf.to_vec());
            }
            return Ok(());
        }
        if let (Purpose::RsaTempKey, Some(last)) = (purpose, self.last_temp_key.as_mut()) {
            for b in last.iter_mut().rev() {
                let (v, carry) = b.overflowing_add(1);
                *b = v;
                if !carry {
                    break;
                }
            }
            if last.len() == buf.len() {
                buf.copy_from_slice(last);
                return Ok(());
            }
        }
        if buf.is_empty() {
            return Ok(());
        }
        if self.fallback_os {
            return crate::handshake::OsEntropy.fill(purpose, buf);
        }
        Err(HandshakeError::Random)
    }
    fn pq_primes(&mut self) -> Result<(u64, u64), HandshakeError> {
        self.pq.ok_or(HandshakeError::Random)
    }
}

// ---- TL ----

fn inner_kind(fields: &Value, constructor: &str) -> Result<InnerKind, CaseError> {
    Ok(match constructor {
        "p_q_inner_data" => InnerKind::Legacy,
        "p_q_inner_data_dc" => InnerKind::Dc {
            dc: int(fields, "dc")?,
        },
        "p_q_inner_data_temp" => InnerKind::Temp {
            expires_in: int(fields, "expires_in")?,
        },
        _ => InnerKind::TempDc {
            dc: int(fields, "dc")?,
            expires_in: int(fields, "expires_in")?,
        },
    })
}

fn serialize(item: &Value) -> Result<Vec<u8>, CaseError> {
    let c = string(item, "constructor")?;
    let f = get(item, "fields")?;
    Ok(match c {
        "req_pq_multi" | "req_pq" => ReqPq {
            nonce: arr16(f, "nonce")?,
            multi: c == "req_pq_multi",
        }
        .to_bytes(),
        "resPQ" => ResPq {
            nonce: arr16(f, "nonce")?,
            server_nonce: arr16(f, "server_nonce")?,
            pq: hex(f, "pq")?,
            server_public_key_fingerprints: arr(f, "server_public_key_fingerprints")?
                .iter()
                .map(|x| {
                    x.as_str()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| bad("fingerprint"))
                })
                .collect::<Result<_, _>>()?,
        }
        .to_bytes(),
        "p_q_inner_data"
        | "p_q_inner_data_dc"
        | "p_q_inner_data_temp"
        | "p_q_inner_data_temp_dc" => PqInnerData {
            pq: hex(f, "pq")?,
            p: hex(f, "p")?,
            q: hex(f, "q")?,
            nonce: arr16(f, "nonce")?,
            server_nonce: arr16(f, "server_nonce")?,
            new_nonce: arr32(f, "new_nonce")?,
            kind: inner_kind(f, c)?,
        }
        .to_bytes(),
        "req_DH_params" => ReqDhParams {
            nonce: arr16(f, "nonce")?,
            server_nonce: arr16(f, "server_nonce")?,
            p: hex(f, "p")?,
            q: hex(f, "q")?,
            public_key_fingerprint: long(f, "public_key_fingerprint")?,
            encrypted_data: hex(f, "encrypted_data")?,
        }
        .to_bytes(),
        "server_DH_params_ok" => ServerDhParams::Ok {
            nonce: arr16(f, "nonce")?,
            server_nonce: arr16(f, "server_nonce")?,
            encrypted_answer: hex(f, "encrypted_answer")?,
        }
        .to_bytes(),
        "server_DH_params_fail" => ServerDhParams::Fail {
            nonce: arr16(f, "nonce")?,
            server_nonce: arr16(f, "server_nonce")?,
            new_nonce_hash: arr16(f, "new_nonce_hash")?,
        }
        .to_bytes(),
        "server_DH_inner_data" => ServerDhInnerData {
            nonce: arr16(f, "nonce")?,
            server_nonce: arr16(f, "server_nonce")?,
            g: int(f, "g")?,
            dh_prime: hex(f, "dh_prime")?,
            g_a: hex(f, "g_a")?,
            server_time: int(f, "server_time")?,
        }
        .to_bytes(),
        "set_client_DH_params" => SetClientDhParams {
            nonce: arr16(f, "nonce")?,
            server_nonce: arr16(f, "server_nonce")?,
            encrypted_data: hex(f, "encrypted_data")?,
        }
        .to_bytes(),
        "client_DH_inner_data" => ClientDhInnerData {
            nonce: arr16(f, "nonce")?,
            server_nonce: arr16(f, "server_nonce")?,
            retry_id: long(f, "retry_id")?,
            g_b: hex(f, "g_b")?,
        }
        .to_bytes(),
        "dh_gen_ok" | "dh_gen_retry" | "dh_gen_fail" => {
            let (kind, field) = match c {
                "dh_gen_ok" => (DhGenKind::Ok, "new_nonce_hash1"),
                "dh_gen_retry" => (DhGenKind::Retry, "new_nonce_hash2"),
                _ => (DhGenKind::Fail, "new_nonce_hash3"),
            };
            DhGen {
                kind,
                nonce: arr16(f, "nonce")?,
                server_nonce: arr16(f, "server_nonce")?,
                new_nonce_hash: arr16(f, field)?,
            }
            .to_bytes()
        }
        "ping" => Ping {
            ping_id: long(f, "ping_id")?,
        }
        .to_bytes(),
        "pong" => Pong {
            msg_id: long(f, "msg_id")?,
            ping_id: long(f, "ping_id")?,
        }
        .to_bytes(),
        other => return Err(bad(format!("constructor {other:?}"))),
    })
}

fn tl_serialize(input: &Value) -> CaseResult {
    let bytes = serialize(input)?;
    let id = bytes.get(..4).ok_or_else(|| bad("short"))?;
    Ok(json!({ "bytes": hex_encode(&bytes), "constructor_id": hex_encode(id) }))
}

fn tl_parse(input: &Value) -> CaseResult {
    let bytes = hex(input, "bytes")?;
    let h = |b: &[u8]| Value::String(hex_encode(b));
    let mut out = Map::new();
    match string(input, "expected")? {
        "resPQ" => {
            let (v, _) = ResPq::parse(&bytes)?;
            out.insert("nonce".into(), h(&v.nonce));
            out.insert("server_nonce".into(), h(&v.server_nonce));
            out.insert("pq".into(), h(&v.pq));
            out.insert(
                "server_public_key_fingerprints".into(),
                v.server_public_key_fingerprints
                    .iter()
                    .map(|f| Value::String(f.to_string()))
                    .collect(),
            );
        }
        "server_DH_inner_data" => {
            let (v, _) = ServerDhInnerData::parse(&bytes)?;
            return Ok(server_inner_json(&v));
        }
        "client_DH_inner_data" => {
            let (v, _) = ClientDhInnerData::parse(&bytes)?;
            return Ok(client_inner_json(&v));
        }
        "P_Q_inner_data" | "p_q_inner_data" | "p_q_inner_data_dc" | "p_q_inner_data_temp_dc" => {
            let (v, _) = PqInnerData::parse(&bytes)?;
            out.insert("pq".into(), h(&v.pq));
            out.insert("new_nonce".into(), h(&v.new_nonce));
        }
        "req_DH_params" => {
            let (v, _) = ReqDhParams::parse(&bytes)?;
            out.insert("encrypted_data".into(), h(&v.encrypted_data));
        }
        "Set_client_DH_params_answer" | "dh_gen_ok" | "dh_gen_retry" | "dh_gen_fail" => {
            let (v, _) = DhGen::parse(&bytes)?;
            out.insert("new_nonce_hash".into(), h(&v.new_nonce_hash));
        }
        other => {
            // Any other constructor: at least check the id.
            let id = tl::Reader::new(&bytes).u32()?;
            out.insert("constructor_id".into(), Value::String(format!("{id:08x}")));
            let _ = other;
        }
    }
    Ok(Value::Object(out))
}

fn server_inner_json(v: &ServerDhInnerData) -> Value {
    json!({
        "nonce": hex_encode(&v.nonce),
        "server_nonce": hex_encode(&v.server_nonce),
        "g": v.g,
        "dh_prime": hex_encode(&v.dh_prime),
        "g_a": hex_encode(&v.g_a),
        "server_time": v.server_time,
    })
}

fn client_inner_json(v: &ClientDhInnerData) -> Value {
    json!({
        "nonce": hex_encode(&v.nonce),
        "server_nonce": hex_encode(&v.server_nonce),
        "retry_id": v.retry_id.to_string(),
        "g_b": hex_encode(&v.g_b),
    })
}

// ---- RSA ----

fn rsa_fingerprint(input: &Value) -> CaseResult {
    let (n, e) = (hex(input, "n")?, hex(input, "e")?);
    let key = RsaPublicKey::from_components(&n, &e)?;
    let tl = rsa::rsa_public_key_tl(&n, &e);
    Ok(json!({
        "rsa_public_key_tl": hex_encode(&tl),
        "sha1": hex_encode(&Sha1::digest(&tl)),
        "fingerprint": key.fingerprint().to_string(),
        "fingerprint_wire": hex_encode(&key.fingerprint().to_le_bytes()),
    }))
}

fn rsa_legacy_encrypt(input: &Value) -> CaseResult {
    let key = private_key(get(input, "key")?)?;
    let mut rng = Scripted::default();
    rng.push(Purpose::RsaPadding, hex(input, "padding")?);
    let (block, c) = key
        .public()
        .encrypt_legacy(&hex(input, "data")?, &mut rng)?;
    // The server's side must read it back.
    let dec = key.decrypt(&c)?;
    if dec.padding != rsa::Padding::LegacySha1 {
        return Err(bad("legacy block not recognised as legacy"));
    }
    Ok(json!({
        "fingerprint": key.public().fingerprint().to_string(),
        "data_with_hash": hex_encode(&block[..]),
        "encrypted_data": hex_encode(&c),
    }))
}

fn rsa_decrypt(input: &Value) -> CaseResult {
    let key = private_key(get(input, "key")?)?;
    if let Ok(fp) = long(input, "fingerprint")
        && fp != key.public().fingerprint()
    {
        return Err(HandshakeError::UnknownFingerprint.into());
    }
    let dec = key.decrypt(&hex(input, "encrypted_data")?)?;
    let mut out = Map::new();
    out.insert(
        "padding".into(),
        Value::String(
            match dec.padding {
                rsa::Padding::RsaPad => "rsa_pad",
                rsa::Padding::LegacySha1 => "legacy",
            }
            .into(),
        ),
    );
    out.insert(
        "inner_data".into(),
        Value::String(hex_encode(&dec.inner.to_bytes())),
    );
    match &dec.temp_key {
        Some(t) => {
            out.insert("temp_key".into(), Value::String(hex_encode(&t[..])));
            out.insert(
                "data_with_padding".into(),
                Value::String(hex_encode(&dec.block)),
            );
        }
        None => {
            out.insert(
                "data_with_hash".into(),
                Value::String(hex_encode(&dec.block)),
            );
        }
    }
    Ok(Value::Object(out))
}

fn rsa_pad_encrypt(input: &Value) -> CaseResult {
    let key = public_key(get(input, "key")?)?;
    let mut rng = Scripted::default();
    rng.push(Purpose::RsaPadding, hex(input, "padding")?);
    for t in arr(input, "temp_keys")? {
        let t = t.as_str().ok_or_else(|| bad("temp_keys"))?;
        rng.push(
            Purpose::RsaTempKey,
            hex_decode(t).map_err(|_| bad("temp_keys"))?,
        );
    }
    let out = key.encrypt_rsa_pad(&hex(input, "data")?, &mut rng)?;
    Ok(json!({
        "data_with_padding": hex_encode(&out.data_with_padding[..]),
        "key_aes_encrypted": hex_encode(&out.key_aes_encrypted[..]),
        "temp_key_used": hex_encode(&out.temp_key[..]),
        "attempts": out.attempts,
        "encrypted_data": hex_encode(&out.encrypted_data),
    }))
}

// ---- sealed inner data ----

fn server_dh_encrypt(input: &Value) -> CaseResult {
    let nonce = arr16(input, "nonce")?;
    let server_nonce = arr16(input, "server_nonce")?;
    let new_nonce = arr32(input, "new_nonce")?;
    let answer = ServerDhInnerData {
        nonce,
        server_nonce,
        g: int(input, "g")?,
        dh_prime: hex(input, "dh_prime")?,
        g_a: hex(input, "g_a")?,
        server_time: int(input, "server_time")?,
    }
    .to_bytes();
    let key_iv = tmp_aes_key_iv(&server_nonce, &new_nonce);
    let padding = hex(input, "padding")?;
    let mut with_hash = Sha1::digest(&answer).to_vec();
    with_hash.extend_from_slice(&answer);
    with_hash.extend_from_slice(&padding);
    let mut rng = Scripted::default();
    rng.push(Purpose::AnswerPadding, padding);
    let encrypted = seal(&answer, &key_iv, &mut rng, Purpose::AnswerPadding)?;
    Ok(json!({
        "answer": hex_encode(&answer),
        "answer_with_hash": hex_encode(&with_hash),
        "tmp_aes_key": hex_encode(key_iv.key()),
        "tmp_aes_iv": hex_encode(key_iv.iv()),
        "encrypted_answer": hex_encode(&encrypted),
    }))
}

fn server_dh_decrypt(input: &Value) -> CaseResult {
    let nonce = arr16(input, "nonce")?;
    let server_nonce = arr16(input, "server_nonce")?;
    let key_iv = tmp_aes_key_iv(&server_nonce, &arr32(input, "new_nonce")?);
    let (answer, padding) = open_sealed(
        &hex(input, "encrypted_answer")?,
        &key_iv,
        ServerDhInnerData::parse,
        HandshakeError::AnswerHashMismatch,
    )?;
    if answer.nonce != nonce {
        return Err(HandshakeError::NonceMismatch.into());
    }
    if answer.server_nonce != server_nonce {
        return Err(HandshakeError::ServerNonceMismatch.into());
    }
    Ok(json!({ "answer": server_inner_json(&answer), "padding": hex_encode(&padding) }))
}

fn client_dh_encrypt(input: &Value) -> CaseResult {
    let server_nonce = arr16(input, "server_nonce")?;
    let data = ClientDhInnerData {
        nonce: arr16(input, "nonce")?,
        server_nonce,
        retry_id: long(input, "retry_id")?,
        g_b: hex(input, "g_b")?,
    }
    .to_bytes();
    let key_iv = tmp_aes_key_iv(&server_nonce, &arr32(input, "new_nonce")?);
    let padding = hex(input, "padding")?;
    let mut with_hash = Sha1::digest(&data).to_vec();
    with_hash.extend_from_slice(&data);
    with_hash.extend_from_slice(&padding);
    let mut rng = Scripted::default();
    rng.push(Purpose::ClientDhPadding, padding);
    let encrypted = seal(&data, &key_iv, &mut rng, Purpose::ClientDhPadding)?;
    Ok(json!({
        "data": hex_encode(&data),
        "data_with_hash": hex_encode(&with_hash),
        "encrypted_data": hex_encode(&encrypted),
    }))
}

fn client_dh_decrypt(input: &Value) -> CaseResult {
    let server_nonce = arr16(input, "server_nonce")?;
    let key_iv = tmp_aes_key_iv(&server_nonce, &arr32(input, "new_nonce")?);
    let encrypted = hex(input, "encrypted_data")?;
    let (inner, padding) = open_sealed(
        &encrypted,
        &key_iv,
        ClientDhInnerData::parse,
        HandshakeError::ClientDhHashMismatch,
    )?;
    if inner.server_nonce != server_nonce {
        return Err(HandshakeError::ServerNonceMismatch.into());
    }
    let mut plain = encrypted.clone();
    key_iv
        .decrypt_in_place(&mut plain)
        .map_err(|_| HandshakeError::EncryptedAnswerBadLength)?;
    Ok(json!({
        "client_DH_inner_data": client_inner_json(&inner),
        "data_with_hash": hex_encode(&plain),
        "padding": hex_encode(&padding),
    }))
}

/// The values derived from a new key (auth_key_id, aux hash, new_nonce_hash1..3, salt).
pub(super) fn key_values(
    key: &AuthKey,
    new_nonce: &[u8; 32],
    server_nonce: &[u8; 16],
) -> Map<String, Value> {
    let salt = server_salt(new_nonce, server_nonce);
    let mut m = Map::new();
    m.insert(
        "auth_key".into(),
        Value::String(hex_encode(key.expose_secret())),
    );
    m.insert(
        "auth_key_id".into(),
        Value::String(hex_encode(&key.key_id_bytes())),
    );
    m.insert(
        "auth_key_aux_hash".into(),
        Value::String(hex_encode(&key.aux_hash_bytes())),
    );
    for n in 1..=3u8 {
        m.insert(
            format!("new_nonce_hash{n}"),
            Value::String(hex_encode(&key.new_nonce_hash(new_nonce, n))),
        );
    }
    m.insert("server_salt".into(), Value::String(hex_encode(&salt)));
    m.insert(
        "server_salt_i64".into(),
        Value::String(i64::from_le_bytes(salt).to_string()),
    );
    m
}

fn auth_key_from_dh(input: &Value) -> CaseResult {
    let group = DhGroup::checked(&hex(input, "dh_prime")?, int(input, "g")?)?;
    let g_a = group.check_value(
        &hex(input, "g_a")?,
        HandshakeError::DhGAOutOfRange,
        HandshakeError::DhGAUnsafe,
    )?;
    let b = Exponent::from_bytes(&arr256(input, "b")?);
    let g = crate::handshake::arith::from_be(&[group.g() as u8]).ok_or_else(|| bad("g"))?;
    let g_b = group.shared(&g, &b);
    let key = AuthKey::from_bytes(&group.shared(&g_a, &b));
    let mut m = key_values(
        &key,
        &arr32(input, "new_nonce")?,
        &arr16(input, "server_nonce")?,
    );
    m.insert(
        "g_b".into(),
        Value::String(hex_encode(crate::handshake::arith::minimal(&g_b[..]))),
    );
    Ok(Value::Object(m))
}

// ---- transports ----

fn mode(input: &Value) -> Result<Mode, CaseError> {
    let name = string(input, "transport")?;
    Mode::from_name(name).ok_or_else(|| CaseError::Unsupported(format!("transport {name}")))
}

fn transport_frame(input: &Value) -> CaseResult {
    let mode = mode(input)?;
    let client = sender(input)? == plain::Sender::Client;
    let mut codec = Codec::new(mode);
    let init = if client {
        mode.init().to_vec()
    } else {
        Vec::new()
    };
    let mut stream = init.clone();
    let mut frames = Vec::new();
    let pads = input.get("paddings").and_then(Value::as_array);
    for (i, p) in arr(input, "payloads")?.iter().enumerate() {
        let p =
            hex_decode(p.as_str().ok_or_else(|| bad("payload"))?).map_err(|_| bad("payload"))?;
        let pad = match pads.and_then(|a| a.get(i)).and_then(Value::as_str) {
            Some(h) => hex_decode(h).map_err(|_| bad("padding"))?,
            None => Vec::new(),
        };
        let f = codec.encode(&p, &pad)?;
        stream.extend_from_slice(&f);
        frames.push(Value::String(hex_encode(&f)));
    }
    Ok(json!({ "init": hex_encode(&init), "frames": frames, "stream": hex_encode(&stream) }))
}

fn transport_parse(input: &Value) -> CaseResult {
    let mode = mode(input)?;
    let mut buf = hex(input, "stream")?;
    if sender(input)? == plain::Sender::Client {
        let init = mode.init();
        if !buf.starts_with(init) {
            return Err(HandshakeError::TransportMalformed.into());
        }
        buf.drain(..init.len());
    }
    let mut codec = Codec::new(mode);
    let mut payloads = Vec::new();
    while !buf.is_empty() {
        match codec.decode(&mut buf)? {
            Some(p) => payloads.push(Value::String(hex_encode(&p))),
            None => return Err(HandshakeError::TlTruncated.into()),
        }
    }
    Ok(json!({ "payloads": payloads }))
}
