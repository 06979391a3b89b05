//! The server's side of the exchange as a sans-IO state machine.
//!
//! ```text
//! Init    --req_pq(_multi)-------> PqSent   reply resPQ
//! PqSent  --req_DH_params--------> DhSent   reply server_DH_params_ok (RSA private op, g^a)
//! DhSent  --set_client_DH_params-> Pending  ServerStep::NewKey: the caller looks the id up
//! Pending --key_stored(Stored)---> Done     reply dh_gen_ok
//! Pending --key_stored(Exists)---> DhSent   reply dh_gen_retry
//! DhSent  --wrong retry_id-------> Failed   reply dh_gen_fail (new_nonce_hash3)
//! any error                       -> Failed  the caller sends transport error -404, closes
//! ```
//! An exact repeat of the last request gets the same reply (spec "Error handling"); any other
//! message out of order, including a replayed `set_client_DH_params` after `dh_gen_ok`, is
//! `unexpected_message`. After `Done` a new `req_pq` starts a new exchange.

use std::sync::Arc;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::dh::{DhGroup, Exponent};
use super::entropy::{Entropy, Purpose};
use super::rsa::{Padding, RsaPrivateKey};
use super::tl::{
    self, ClientDhInnerData, DhGen, DhGenKind, InnerKind, ReqDhParams, ReqPq, ResPq,
    ServerDhInnerData, ServerDhParams, SetClientDhParams,
};
use super::{HandshakeError, open_sealed, pq, seal};
use crate::{AuthKey, server_salt, tmp_aes_key_iv};

/// A server's keys, DH group and policy.
#[derive(Debug)]
pub struct ServerConfig {
    keys: Vec<RsaPrivateKey>,
    group: DhGroup,
    allow_rsa_pad: bool,
    allow_legacy: bool,
    allow_permanent: bool,
    allow_temporary: bool,
    max_expires_in: i32,
    session_lifetime: i64,
    max_retries: u32,
}

impl ServerConfig {
    /// A server with these RSA keys, Telegram's dh_prime with g = 3, both paddings, both
    /// key kinds (temporary ones up to 1 day... [`max_expires_in`](Self::max_expires_in)),
    /// temporary sessions forgotten after 600 s.
    #[must_use]
    pub fn new(keys: Vec<RsaPrivateKey>) -> Self {
        Self {
            keys,
            group: DhGroup::telegram(),
            allow_rsa_pad: true,
            allow_legacy: true,
            allow_permanent: true,
            allow_temporary: true,
            max_expires_in: 86_400 * 365,
            session_lifetime: 600,
            max_retries: 3,
        }
    }
    /// The DH group (dh_prime and g) the server offers.
    #[must_use]
    pub fn group(mut self, group: DhGroup) -> Self {
        self.group = group;
        self
    }
    /// Accept RSA_PAD blocks (default true).
    #[must_use]
    pub fn allow_rsa_pad(mut self, allow: bool) -> Self {
        self.allow_rsa_pad = allow;
        self
    }
    /// Accept the legacy SHA-1 block Telethon sends (default true).
    #[must_use]
    pub fn allow_legacy_padding(mut self, allow: bool) -> Self {
        self.allow_legacy = allow;
        self
    }
    /// Create permanent keys (default true).
    #[must_use]
    pub fn allow_permanent_keys(mut self, allow: bool) -> Self {
        self.allow_permanent = allow;
        self
    }
    /// Create temporary keys (`p_q_inner_data_temp*`, default true).
    #[must_use]
    pub fn allow_temporary_keys(mut self, allow: bool) -> Self {
        self.allow_temporary = allow;
        self
    }
    /// The longest `expires_in` accepted (longer, zero or negative: `key_kind_refused`).
    #[must_use]
    pub fn max_expires_in(mut self, secs: i32) -> Self {
        self.max_expires_in = secs;
        self
    }
    /// Seconds after req_pq when a temporary session is forgotten (default 600).
    #[must_use]
    pub fn session_lifetime(mut self, secs: i64) -> Self {
        self.session_lifetime = secs;
        self
    }
    /// The server's RSA keys.
    #[must_use]
    pub fn keys(&self) -> &[RsaPrivateKey] {
        &self.keys
    }
}

/// A key the server has just computed; store it, then call
/// [`ServerHandshake::key_stored`].
#[derive(Debug)]
#[non_exhaustive]
pub struct NewKey {
    /// The auth key (256 bytes).
    pub auth_key: AuthKey,
    /// `Some(seconds)` for a temporary key: store it with this TTL, never persist it.
    pub expires_in: Option<i32>,
    /// The DC id from the inner data, when it carries one.
    pub dc: Option<i32>,
    /// The padding the client used.
    pub padding: Padding,
    /// The first server salt (LE i64).
    pub server_salt: i64,
}

/// What the key store said about a [`NewKey`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::exhaustive_enums, reason = "stored or not")]
pub enum KeyOutcome {
    /// Stored under its id: answer `dh_gen_ok`.
    Stored,
    /// A key with this id already exists: answer `dh_gen_retry`.
    AlreadyExists,
}

/// What the server does next.
#[derive(Debug)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant, reason = "one per handshake")]
pub enum ServerStep {
    /// Send this body (in an unencrypted message).
    Reply(Vec<u8>),
    /// Look the key's id up / store it, then call [`ServerHandshake::key_stored`].
    NewKey(NewKey),
}

struct Session {
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    started: i64,
}

enum State {
    Init,
    PqSent {
        s: Session,
        pq: Vec<u8>,
        p: Vec<u8>,
        q: Vec<u8>,
    },
    DhSent {
        s: Session,
        new_nonce: Zeroizing<[u8; 32]>,
        a: Exponent,
        kind: InnerKind,
        padding: Padding,
        retry_id: i64,
        retries: u32,
    },
    Pending {
        s: Session,
        new_nonce: Zeroizing<[u8; 32]>,
        a: Exponent,
        kind: InnerKind,
        padding: Padding,
        key: AuthKey,
        retries: u32,
    },
    Done,
    Failed,
}

/// One server handshake (one per connection; reusable after `Done`).
pub struct ServerHandshake {
    config: Arc<ServerConfig>,
    state: State,
    last: Option<(Vec<u8>, Vec<u8>)>,
}

impl core::fmt::Debug for ServerHandshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerHandshake")
            .field("state", &self.state_name())
            .finish_non_exhaustive()
    }
}

fn nonces(s: &Session, nonce: &[u8; 16], server_nonce: &[u8; 16]) -> Result<(), HandshakeError> {
    if s.nonce != *nonce {
        return Err(HandshakeError::NonceMismatch);
    }
    if s.server_nonce != *server_nonce {
        return Err(HandshakeError::ServerNonceMismatch);
    }
    Ok(())
}

impl ServerHandshake {
    /// A new handshake.
    #[must_use]
    pub fn new(config: Arc<ServerConfig>) -> Self {
        Self {
            config,
            state: State::Init,
            last: None,
        }
    }

    /// `init`, `pq_sent`, `dh_sent`, `key_pending`, `done` or `failed`.
    #[must_use]
    pub fn state_name(&self) -> &'static str {
        match self.state {
            State::Init => "init",
            State::PqSent { .. } => "pq_sent",
            State::DhSent { .. } => "dh_sent",
            State::Pending { .. } => "key_pending",
            State::Done => "done",
            State::Failed => "failed",
        }
    }

    /// Whether a key was created and acknowledged.
    #[must_use]
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Handles one client message body. `now` is the server's unix time in seconds. After an
    /// error the handshake is `failed`: send transport error
    /// [`HandshakeError::transport_code`] and close.
    ///
    /// # Errors
    /// Every server check of the spec's §14, each with its code.
    pub fn handle(
        &mut self,
        body: &[u8],
        rng: &mut dyn Entropy,
        now: i64,
    ) -> Result<ServerStep, HandshakeError> {
        if matches!(self.state, State::PqSent { .. } | State::DhSent { .. })
            && let Some((req, reply)) = &self.last
            && req.as_slice() == body
        {
            return Ok(ServerStep::Reply(reply.clone()));
        }
        let state = core::mem::replace(&mut self.state, State::Failed);
        let (next, step) = self.step(state, body, rng, now)?;
        self.state = next;
        if let ServerStep::Reply(reply) = &step {
            self.last = Some((body.to_vec(), reply.clone()));
        }
        Ok(step)
    }

    /// After [`ServerStep::NewKey`]: `dh_gen_ok` when the key was stored, `dh_gen_retry`
    /// when its id was taken.
    ///
    /// # Errors
    /// [`HandshakeError::UnexpectedMessage`] when no key is pending;
    /// [`HandshakeError::RetryIdMismatch`] after too many retries.
    pub fn key_stored(&mut self, outcome: KeyOutcome) -> Result<Vec<u8>, HandshakeError> {
        let State::Pending {
            s,
            new_nonce,
            a,
            kind,
            padding,
            key,
            retries,
        } = core::mem::replace(&mut self.state, State::Failed)
        else {
            return Err(HandshakeError::UnexpectedMessage);
        };
        let kind_out = match outcome {
            KeyOutcome::Stored => DhGenKind::Ok,
            KeyOutcome::AlreadyExists => DhGenKind::Retry,
        };
        let reply = DhGen {
            kind: kind_out,
            nonce: s.nonce,
            server_nonce: s.server_nonce,
            new_nonce_hash: key.new_nonce_hash(&new_nonce, kind_out.number()),
        }
        .to_bytes();
        match outcome {
            KeyOutcome::Stored => {
                self.state = State::Done;
                self.last = None;
            }
            KeyOutcome::AlreadyExists => {
                if retries >= self.config.max_retries {
                    return Err(HandshakeError::RetryIdMismatch);
                }
                self.state = State::DhSent {
                    s,
                    new_nonce,
                    a,
                    kind,
                    padding,
                    retry_id: i64::from_le_bytes(key.aux_hash_bytes()),
                    retries: retries + 1,
                };
                self.last = None;
            }
        }
        Ok(reply)
    }

    fn step(
        &self,
        state: State,
        body: &[u8],
        rng: &mut dyn Entropy,
        now: i64,
    ) -> Result<(State, ServerStep), HandshakeError> {
        let constructor = tl::Reader::new(body).u32()?;
        match (state, constructor) {
            (State::Init | State::Done, tl::REQ_PQ | tl::REQ_PQ_MULTI) => {
                self.on_req_pq(body, rng, now)
            }
            (State::PqSent { s, pq, p, q }, tl::REQ_DH_PARAMS) => {
                self.on_req_dh(s, &pq, &p, &q, body, rng, now)
            }
            (
                State::DhSent {
                    s,
                    new_nonce,
                    a,
                    kind,
                    padding,
                    retry_id,
                    retries,
                },
                tl::SET_CLIENT_DH_PARAMS,
            ) => {
                if now - s.started > self.config.session_lifetime {
                    return Err(HandshakeError::Expired);
                }
                let (msg, _) = SetClientDhParams::parse(body)?;
                nonces(&s, &msg.nonce, &msg.server_nonce)?;
                let key_iv = tmp_aes_key_iv(&s.server_nonce, &new_nonce);
                let (inner, _) = open_sealed(
                    &msg.encrypted_data,
                    &key_iv,
                    ClientDhInnerData::parse,
                    HandshakeError::ClientDhHashMismatch,
                )?;
                nonces(&s, &inner.nonce, &inner.server_nonce)?;
                let g_b = self.config.group.check_value(
                    &inner.g_b,
                    HandshakeError::DhGBOutOfRange,
                    HandshakeError::DhGBUnsafe,
                )?;
                let key = AuthKey::from_bytes(&self.config.group.shared(&g_b, &a));
                if inner.retry_id != retry_id {
                    // Spec §4.8-9: a retry_id that is neither 0 (first attempt) nor the aux
                    // hash of the key answered dh_gen_retry gets dh_gen_fail, hashed with the
                    // key this attempt computed; the exchange is over.
                    let reply = DhGen {
                        kind: DhGenKind::Fail,
                        nonce: s.nonce,
                        server_nonce: s.server_nonce,
                        new_nonce_hash: key.new_nonce_hash(&new_nonce, DhGenKind::Fail.number()),
                    }
                    .to_bytes();
                    return Ok((State::Failed, ServerStep::Reply(reply)));
                }
                let salt = i64::from_le_bytes(server_salt(&new_nonce, &s.server_nonce));
                let new_key = NewKey {
                    auth_key: key.clone(),
                    expires_in: kind.expires_in(),
                    dc: kind.dc(),
                    padding,
                    server_salt: salt,
                };
                Ok((
                    State::Pending {
                        s,
                        new_nonce,
                        a,
                        kind,
                        padding,
                        key,
                        retries,
                    },
                    ServerStep::NewKey(new_key),
                ))
            }
            _ => Err(HandshakeError::UnexpectedMessage),
        }
    }

    fn on_req_pq(
        &self,
        body: &[u8],
        rng: &mut dyn Entropy,
        now: i64,
    ) -> Result<(State, ServerStep), HandshakeError> {
        let (req, used) = ReqPq::parse(body)?;
        if used != body.len() {
            return Err(HandshakeError::UnexpectedMessage);
        }
        let mut server_nonce = [0u8; 16];
        rng.fill(Purpose::ServerNonce, &mut server_nonce)?;
        let (p, q) = rng.pq_primes()?;
        let pq = pq::to_be_minimal(u128::from(p) * u128::from(q));
        let (p, q) = (pq::to_be_minimal(p.into()), pq::to_be_minimal(q.into()));
        let reply = ResPq {
            nonce: req.nonce,
            server_nonce,
            pq: pq.clone(),
            server_public_key_fingerprints: self
                .config
                .keys
                .iter()
                .map(|k| k.public().fingerprint())
                .collect(),
        }
        .to_bytes();
        Ok((
            State::PqSent {
                s: Session {
                    nonce: req.nonce,
                    server_nonce,
                    started: now,
                },
                pq,
                p,
                q,
            },
            ServerStep::Reply(reply),
        ))
    }

    #[allow(clippy::too_many_arguments, reason = "the session's parts")]
    fn on_req_dh(
        &self,
        s: Session,
        pq: &[u8],
        p: &[u8],
        q: &[u8],
        body: &[u8],
        rng: &mut dyn Entropy,
        now: i64,
    ) -> Result<(State, ServerStep), HandshakeError> {
        if now - s.started > self.config.session_lifetime {
            return Err(HandshakeError::Expired);
        }
        let (req, _) = ReqDhParams::parse(body)?;
        nonces(&s, &req.nonce, &req.server_nonce)?;
        if req.p != p || req.q != q {
            return Err(HandshakeError::PqMismatch);
        }
        let key = self
            .config
            .keys
            .iter()
            .find(|k| k.public().fingerprint() == req.public_key_fingerprint)
            .ok_or(HandshakeError::UnknownFingerprint)?;
        let dec = key.decrypt(&req.encrypted_data)?;
        let allowed = match dec.padding {
            Padding::RsaPad => self.config.allow_rsa_pad,
            Padding::LegacySha1 => self.config.allow_legacy,
        };
        if !allowed {
            return Err(HandshakeError::PaddingRefused);
        }
        let inner = &dec.inner;
        if inner.pq != pq || inner.p != p || inner.q != q {
            return Err(HandshakeError::PqMismatch);
        }
        nonces(&s, &inner.nonce, &inner.server_nonce)?;
        let kind_ok = match inner.kind.expires_in() {
            None => self.config.allow_permanent,
            Some(e) => self.config.allow_temporary && e > 0 && e <= self.config.max_expires_in,
        };
        if !kind_ok {
            return Err(HandshakeError::KeyKindRefused);
        }
        let new_nonce = Zeroizing::new(inner.new_nonce);
        let (a, g_a) = self.config.group.keypair(rng, Purpose::ServerExponent)?;
        let answer = ServerDhInnerData {
            nonce: s.nonce,
            server_nonce: s.server_nonce,
            g: self.config.group.g(),
            dh_prime: self.config.group.prime_bytes().to_vec(),
            g_a: g_a.to_vec(),
            server_time: i32::try_from(now).unwrap_or(i32::MAX),
        }
        .to_bytes();
        let key_iv = tmp_aes_key_iv(&s.server_nonce, &new_nonce);
        let encrypted_answer = seal(&answer, &key_iv, rng, Purpose::AnswerPadding)?;
        let reply = ServerDhParams::Ok {
            nonce: s.nonce,
            server_nonce: s.server_nonce,
            encrypted_answer,
        }
        .to_bytes();
        Ok((
            State::DhSent {
                kind: inner.kind,
                padding: dec.padding,
                s,
                new_nonce,
                a,
                retry_id: 0,
                retries: 0,
            },
            ServerStep::Reply(reply),
        ))
    }
}

/// Constant-time equality of two hashes (for callers that check `new_nonce_hash` values).
#[must_use]
pub fn hashes_equal(a: &[u8; 16], b: &[u8; 16]) -> bool {
    a.ct_eq(b).into()
}
