//! Whole exchanges: transcripts replayed from both sides, and the attack cases.
//!
//! Every random value each side drew is in the case's `input`; the one thing the vectors do
//! not record as randomness is the client's clock, so client msg_ids are taken from the
//! recorded client messages (the rest of each client packet is produced here and compared).
//! Telethon draws its nonce as 16 random bytes read *big-endian* (`int.from_bytes(...,
//! 'big')`), so the bytes its cases record appear reversed on the wire; the runner uses the
//! recorded bytes as drawn, or reversed when the recorded first client message carries them
//! reversed (the only place it looks at a recorded client packet's content).
//! The 2024 sample does not publish its RSA_PAD temp_key: there the recorded
//! `encrypted_data` stands in for the RSA step, after checking that the inner data our
//! client built equals the published `inner_data`.

use std::sync::{Arc, Mutex, PoisonError};

use keyauth_core::encoding::{hex_decode, hex_encode};
use serde_json::{Map, Value, json};

use super::handshake::{
    Scripted, arr, arr16, arr32, arr256, bad, get, hex, key_values, long, private_key, public_key,
    string,
};
use crate::handshake::rsa::Padding;
use crate::handshake::tl::{self, InnerKind, PqInnerData, ReqDhParams, ResPq};
use crate::handshake::{
    ClientConfig, ClientHandshake, ClientStep, CreatedKey, DhGroup, HandshakeError, KeyOutcome,
    ServerConfig, ServerHandshake, ServerKey, ServerStep, plain, pq,
};
use crate::handshake::{Entropy, Purpose};
use crate::tmp_aes_key_iv;
use keyauth_vectors::{CaseError, CaseResult};

fn tl_name(body: &[u8]) -> &'static str {
    match tl::Reader::new(body).u32().unwrap_or(0) {
        tl::REQ_PQ_MULTI => "req_pq_multi",
        tl::REQ_PQ => "req_pq",
        tl::RES_PQ => "resPQ",
        tl::REQ_DH_PARAMS => "req_DH_params",
        tl::SERVER_DH_PARAMS_OK => "server_DH_params_ok",
        tl::SERVER_DH_PARAMS_FAIL => "server_DH_params_fail",
        tl::SET_CLIENT_DH_PARAMS => "set_client_DH_params",
        tl::DH_GEN_OK => "dh_gen_ok",
        tl::DH_GEN_RETRY => "dh_gen_retry",
        tl::DH_GEN_FAIL => "dh_gen_fail",
        _ => "unknown",
    }
}

fn message(from: &str, msg_id: i64, packet: &[u8]) -> Value {
    let body = packet.get(20..).unwrap_or_default();
    json!({ "from": from, "tl": tl_name(body), "msg_id": msg_id.to_string(), "packet": hex_encode(packet) })
}

/// The recorded messages of one side, in order.
fn recorded<'a>(messages: &'a [Value], from: &str) -> Vec<&'a Value> {
    messages
        .iter()
        .filter(|m| m.get("from").and_then(Value::as_str) == Some(from))
        .collect()
}

fn packet_of(m: &Value) -> Result<Vec<u8>, CaseError> {
    hex(m, "packet")
}

/// The client's randomness from `input.client`; `first` is the recorded first client
/// packet (req_pq_multi), which tells how the nonce's drawn bytes map to the wire.
fn client_entropy(c: &Value, first: Option<&[u8]>) -> Result<Scripted, CaseError> {
    let mut r = Scripted::default();
    let mut nonce = hex(c, "nonce")?;
    let reversed: Vec<u8> = nonce.iter().rev().copied().collect();
    if first.and_then(|p| p.get(24..40)) == Some(&reversed[..]) {
        nonce = reversed;
    }
    r.push(Purpose::Nonce, nonce);
    r.push(Purpose::NewNonce, hex(c, "new_nonce")?);
    for field in ["rsa_legacy_padding", "rsa_pad_padding"] {
        if c.get(field).is_some() {
            r.push(Purpose::RsaPadding, hex(c, field)?);
        }
    }
    if let Some(keys) = c.get("rsa_pad_temp_keys").and_then(Value::as_array) {
        for k in keys {
            let k = k.as_str().ok_or_else(|| bad("rsa_pad_temp_keys"))?;
            r.push(
                Purpose::RsaTempKey,
                hex_decode(k).map_err(|_| bad("temp key"))?,
            );
        }
    }
    r.push(Purpose::ClientExponent, arr256(c, "b")?.to_vec());
    r.push(Purpose::ClientDhPadding, hex(c, "client_dh_padding")?);
    Ok(r)
}

fn client_now(c: &Value) -> i64 {
    c.get("unix_time")
        .and_then(Value::as_f64)
        .map_or(0, |t| t.floor() as i64)
}

/// Which padding and inner constructor a recorded client used.
fn client_flavour(input: &Value) -> Result<(Padding, InnerKind), CaseError> {
    let c = get(input, "client")?;
    if let Some(data) = c.get("inner_data").and_then(Value::as_str) {
        let data = hex_decode(data).map_err(|_| bad("inner_data"))?;
        let (inner, _) = PqInnerData::parse(&data)?;
        return Ok((Padding::RsaPad, inner.kind));
    }
    let padding = if c.get("rsa_legacy_padding").is_some() {
        Padding::LegacySha1
    } else {
        Padding::RsaPad
    };
    let kind = match c.get("inner_data_constructor").and_then(Value::as_str) {
        Some("PQInnerData") => InnerKind::Legacy,
        Some(other) => return Err(bad(format!("inner_data_constructor {other}"))),
        None => match string(input, "flavour")? {
            "legacy" => InnerKind::Legacy,
            "rsa_pad_dc" => InnerKind::Dc { dc: 2 },
            other => return Err(CaseError::Unsupported(format!("flavour {other}"))),
        },
    };
    Ok((padding, kind))
}

/// A real key that records the inner data it was asked to encrypt.
#[derive(Debug)]
struct Recording<K> {
    key: K,
    data: Mutex<Option<Vec<u8>>>,
}

impl<K: ServerKey + ?Sized> ServerKey for Box<K> {
    fn fingerprint(&self) -> i64 {
        (**self).fingerprint()
    }
    fn encrypt(
        &self,
        data: &[u8],
        padding: Padding,
        rng: &mut dyn Entropy,
    ) -> Result<Vec<u8>, HandshakeError> {
        (**self).encrypt(data, padding, rng)
    }
}

impl<K: ServerKey> ServerKey for Recording<K> {
    fn fingerprint(&self) -> i64 {
        self.key.fingerprint()
    }
    fn encrypt(
        &self,
        data: &[u8],
        padding: Padding,
        rng: &mut dyn Entropy,
    ) -> Result<Vec<u8>, HandshakeError> {
        *self.data.lock().unwrap_or_else(PoisonError::into_inner) = Some(data.to_vec());
        self.key.encrypt(data, padding, rng)
    }
}

/// The published ciphertext of an exchange whose RSA randomness is not published.
#[derive(Debug)]
struct Published {
    fingerprint: i64,
    ciphertext: Vec<u8>,
}

impl ServerKey for Published {
    fn fingerprint(&self) -> i64 {
        self.fingerprint
    }
    fn encrypt(
        &self,
        _: &[u8],
        _: Padding,
        _: &mut dyn Entropy,
    ) -> Result<Vec<u8>, HandshakeError> {
        Ok(self.ciphertext.clone())
    }
}

fn created_values(
    created: &CreatedKey,
    new_nonce: &[u8; 32],
    server_nonce: &[u8; 16],
) -> Map<String, Value> {
    let mut m = key_values(&created.auth_key, new_nonce, server_nonce);
    m.insert("time_offset".into(), json!(created.time_offset));
    m
}

/// `handshake_transcript`: our client against our server, each with its recorded randomness.
pub(super) fn transcript(input: &Value, expect: &Value) -> CaseResult {
    let c_in = get(input, "client")?;
    let s_in = get(input, "server")?;
    let key = private_key(get(s_in, "rsa_key")?)?;
    let public = key.public().clone();
    let group = DhGroup::trusted(&hex(s_in, "dh_prime")?, super::handshake::int(s_in, "g")?)?;
    let server_cfg = Arc::new(ServerConfig::new(vec![key]).group(group));
    let (padding, kind) = client_flavour(input)?;
    let recording = Arc::new(Recording {
        key: public,
        data: Mutex::new(None),
    });
    let client_cfg = Arc::new(
        ClientConfig::new(vec![recording.clone() as Arc<dyn ServerKey>])
            .padding(padding)
            .inner(kind),
    );
    let expected = arr(expect, "messages")?;
    let first = recorded(expected, "client")
        .first()
        .map(|m| packet_of(m))
        .transpose()?;
    let mut crng = client_entropy(c_in, first.as_deref())?;
    let mut srng = Scripted::default();
    srng.push(Purpose::ServerNonce, hex(s_in, "server_nonce")?);
    srng.push(Purpose::ServerExponent, arr256(s_in, "a")?.to_vec());
    srng.push(Purpose::AnswerPadding, hex(s_in, "answer_padding")?);
    let dec = |f: &str| -> Result<u64, CaseError> {
        string(s_in, f)?
            .parse()
            .map_err(|_| bad(format!("{f} is not decimal")))
    };
    srng.set_pq(dec("p")?, dec("q")?);
    let server_ids: Vec<i64> = arr(s_in, "msg_ids")?
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("msg_ids"))
        })
        .collect::<Result<_, _>>()?;
    let client_ids: Vec<i64> = recorded(expected, "client")
        .iter()
        .map(|m| long(m, "msg_id"))
        .collect::<Result<_, _>>()?;
    let server_now = i64::from(super::handshake::int(s_in, "server_time")?);
    let now = client_now(c_in);

    let mut client = ClientHandshake::new(client_cfg);
    let mut server = ServerHandshake::new(server_cfg);
    let mut messages = Vec::new();
    let mut server_key = None;
    let mut body = client.start(&mut crng)?;
    let mut turn = 0usize;
    let created = loop {
        let cid = *client_ids
            .get(turn)
            .ok_or_else(|| bad("more client messages than recorded"))?;
        let packet = plain::wrap(cid, &body);
        messages.push(message("client", cid, &packet));
        let (_, b) = plain::parse(&packet, plain::Sender::Client)?;
        let reply = match server.handle(b, &mut srng, server_now)? {
            ServerStep::Reply(r) => r,
            ServerStep::NewKey(k) => {
                server_key = Some(k.auth_key);
                server.key_stored(KeyOutcome::Stored)?
            }
        };
        let sid = *server_ids
            .get(turn)
            .ok_or_else(|| bad("more server messages than recorded"))?;
        let spacket = plain::wrap(sid, &reply);
        messages.push(message("server", sid, &spacket));
        let (_, b) = plain::parse(&spacket, plain::Sender::Server)?;
        match client.handle(b, &mut crng, now)? {
            ClientStep::Send(next) => body = next,
            ClientStep::Done(created) => break created,
        }
        turn += 1;
    };
    if server_key.as_ref() != Some(&created.auth_key) {
        return Err(bad("client and server keys differ"));
    }
    let new_nonce = arr32(c_in, "new_nonce")?;
    let server_nonce = arr16(s_in, "server_nonce")?;
    let kiv = tmp_aes_key_iv(&server_nonce, &new_nonce);
    let mut out = created_values(&created, &new_nonce, &server_nonce);
    out.insert("messages".into(), Value::Array(messages));
    out.insert("tmp_aes_key".into(), Value::String(hex_encode(kiv.key())));
    out.insert("tmp_aes_iv".into(), Value::String(hex_encode(kiv.iv())));
    Ok(Value::Object(out))
}

/// `handshake_transcript_replay` (role client): our client against recorded server messages
/// (packets or bare bodies).
pub(super) fn transcript_replay(input: &Value, expect: &Value) -> CaseResult {
    if string(input, "role")? != "client" {
        return Err(CaseError::Unsupported("replay role".into()));
    }
    let c_in = get(input, "client")?;
    let bodies_only = input.get("server_bodies").is_some();
    let server_msgs: Vec<Vec<u8>> = if bodies_only {
        arr(input, "server_bodies")?
            .iter()
            .map(|b| {
                b.as_str()
                    .and_then(|s| hex_decode(s).ok())
                    .ok_or_else(|| bad("server_bodies"))
            })
            .collect::<Result<_, _>>()?
    } else {
        arr(input, "server_messages")?
            .iter()
            .map(packet_of)
            .collect::<Result<_, _>>()?
    };
    let server_body = |i: usize| -> Result<Vec<u8>, CaseError> {
        let m = server_msgs
            .get(i)
            .ok_or_else(|| bad("client wants more server messages"))?;
        if bodies_only {
            Ok(m.clone())
        } else {
            Ok(plain::parse(m, plain::Sender::Server)?.1.to_vec())
        }
    };
    let (res_pq, _) = ResPq::parse(&server_body(0)?)?;
    let (padding, kind) = client_flavour(input)?;
    let recording: Arc<Recording<Box<dyn ServerKey>>>;
    if let Some(k) = input.get("rsa_key") {
        recording = Arc::new(Recording {
            key: Box::new(public_key(k)?),
            data: Mutex::new(None),
        });
    } else {
        // The published req_DH_params carries the ciphertext (see the module docs).
        let req = recorded(arr(expect, "messages")?, "client")
            .into_iter()
            .map(packet_of)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .find_map(|p| {
                plain::parse(&p, plain::Sender::Client)
                    .ok()
                    .and_then(|(_, b)| ReqDhParams::parse(b).ok())
            })
            .ok_or_else(|| bad("no recorded req_DH_params"))?;
        recording = Arc::new(Recording {
            key: Box::new(Published {
                fingerprint: req.0.public_key_fingerprint,
                ciphertext: req.0.encrypted_data,
            }),
            data: Mutex::new(None),
        });
    }
    let cfg = Arc::new(
        ClientConfig::new(vec![recording.clone() as Arc<dyn ServerKey>])
            .padding(padding)
            .inner(kind),
    );
    let client_ids: Vec<i64> = if bodies_only {
        Vec::new()
    } else {
        recorded(arr(expect, "messages")?, "client")
            .iter()
            .map(|m| long(m, "msg_id"))
            .collect::<Result<_, _>>()?
    };
    let first = if bodies_only {
        None
    } else {
        recorded(arr(expect, "messages")?, "client")
            .first()
            .map(|m| packet_of(m))
            .transpose()?
    };
    let mut rng = client_entropy(c_in, first.as_deref())?;
    let now = client_now(c_in);
    let mut client = ClientHandshake::new(cfg);
    let mut bodies = Vec::new();
    let mut messages = Vec::new();
    let mut body = client.start(&mut rng)?;
    let mut turn = 0;
    let created = loop {
        bodies.push(Value::String(hex_encode(&body)));
        if !bodies_only {
            let cid = *client_ids
                .get(turn)
                .ok_or_else(|| bad("more client messages than recorded"))?;
            messages.push(message("client", cid, &plain::wrap(cid, &body)));
            let sp = &server_msgs[turn];
            let sid = plain::parse(sp, plain::Sender::Server)?.0;
            messages.push(message("server", sid, sp));
        }
        match client.handle(&server_body(turn)?, &mut rng, now)? {
            ClientStep::Send(next) => body = next,
            ClientStep::Done(created) => break created,
        }
        turn += 1;
    };
    let inner = recording
        .data
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let inner = inner.ok_or_else(|| bad("no inner data encrypted"))?;
    if let Some(published) = c_in.get("inner_data").and_then(Value::as_str)
        && hex_encode(&inner) != published
    {
        return Err(bad("inner data differs from the published one"));
    }
    let new_nonce = arr32(c_in, "new_nonce")?;
    let mut out = created_values(&created, &new_nonce, &res_pq.server_nonce);
    out.insert("inner_data".into(), Value::String(hex_encode(&inner)));
    if bodies_only {
        out.insert("client_bodies".into(), Value::Array(bodies));
    } else {
        out.insert("messages".into(), Value::Array(messages));
    }
    Ok(Value::Object(out))
}

/// `client_attack`: our client against the recorded server messages, the last of which is
/// tampered; its own packets must match the recorded ones until it refuses.
pub(super) fn client_attack(input: &Value, expect: &Value) -> CaseResult {
    let c_in = get(input, "client")?;
    let s_in = get(input, "server")?;
    let public = public_key(get(s_in, "rsa_key")?)?;
    let (padding, kind) = client_flavour(input)?;
    let cfg = Arc::new(
        ClientConfig::new(vec![Arc::new(public) as Arc<dyn ServerKey>])
            .padding(padding)
            .inner(kind),
    );
    let messages = arr(expect, "messages_before_error")?;
    let client_msgs = recorded(messages, "client");
    let server_msgs = recorded(messages, "server");
    let first = client_msgs.first().map(|m| packet_of(m)).transpose()?;
    let mut rng = client_entropy(c_in, first.as_deref())?;
    let now = client_now(c_in);
    let mut client = ClientHandshake::new(cfg);
    let mut body = client.start(&mut rng)?;
    for (turn, sm) in server_msgs.iter().enumerate() {
        let cm = client_msgs
            .get(turn)
            .ok_or_else(|| bad("fewer client messages"))?;
        let cid = long(cm, "msg_id")?;
        if plain::wrap(cid, &body) != packet_of(cm)? {
            return Err(bad(format!(
                "client packet {turn} differs from the recording"
            )));
        }
        let sp = packet_of(sm)?;
        let (_, sb) = plain::parse(&sp, plain::Sender::Server)?;
        match client.handle(sb, &mut rng, now)? {
            ClientStep::Send(next) => body = next,
            ClientStep::Done(_) => return Ok(json!({ "completed": true })),
        }
    }
    Ok(json!({ "completed": false }))
}

/// `server_attack`: our server replays the honest prefix (server_nonce and pq taken from
/// the recorded resPQ, so the recorded client messages fit; other randomness fresh), then
/// must refuse the attack packet.
pub(super) fn server_attack(input: &Value) -> CaseResult {
    let s_in = get(input, "server")?;
    let key = private_key(get(s_in, "rsa_key")?)?;
    let cfg = Arc::new(ServerConfig::new(vec![key]));
    let prefix = arr(input, "honest_prefix")?;
    let first_server = recorded(prefix, "server")
        .first()
        .copied()
        .ok_or_else(|| bad("no server message in the prefix"))?;
    let res_pq_packet = packet_of(first_server)?;
    let res_pq_body = plain::parse(&res_pq_packet, plain::Sender::Server)?
        .1
        .to_vec();
    let (res_pq, _) = ResPq::parse(&res_pq_body)?;
    let (p, q) = pq::factorize(&res_pq.pq)?;
    let mut rng = Scripted::default();
    rng.fallback_os = true;
    rng.push(Purpose::ServerNonce, res_pq.server_nonce.to_vec());
    rng.set_pq(
        u64::try_from(p).map_err(|_| bad("p"))?,
        u64::try_from(q).map_err(|_| bad("q"))?,
    );
    let mut server = ServerHandshake::new(cfg);
    let mut now = None;
    let mut first_reply = true;
    for m in recorded(prefix, "client") {
        let packet = packet_of(m)?;
        let (msg_id, body) = plain::parse(&packet, plain::Sender::Client)?;
        let t = *now.get_or_insert(msg_id >> 32);
        let reply = match server.handle(body, &mut rng, t)? {
            ServerStep::Reply(r) => r,
            ServerStep::NewKey(_) => server.key_stored(KeyOutcome::Stored)?,
        };
        if first_reply && reply != res_pq_body {
            return Err(bad("our resPQ differs from the recorded one"));
        }
        first_reply = false;
    }
    let attack = hex(input, "attack_packet")?;
    let (_, body) = plain::parse(&attack, plain::Sender::Client)?;
    match server.handle(body, &mut rng, now.unwrap_or(0))? {
        ServerStep::Reply(r) => Ok(json!({ "accepted": true, "reply": hex_encode(&r) })),
        ServerStep::NewKey(_) => Ok(json!({ "accepted": true })),
    }
}
