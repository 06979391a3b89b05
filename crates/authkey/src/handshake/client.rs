//! The client's side of the exchange as a sans-IO state machine (grammers-mtproto's shape:
//! bytes in, bytes out, randomness and time passed in).
//!
//! ```text
//! start()                      -> req_pq_multi
//! handle(resPQ)                -> req_DH_params        (factorise pq, RSA-encrypt inner data)
//! handle(server_DH_params_ok)  -> set_client_DH_params (every check of spec §4.6 and §8)
//! handle(dh_gen_ok)            -> Done(CreatedKey)     (dh_gen_retry: a new set_client_DH_params)
//! ```

use std::sync::{Arc, Mutex};

use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::dh::{DhGroup, Exponent};
use super::entropy::{Entropy, Purpose};
use super::rsa::{Padding, RsaPublicKey};
use super::tl::{
    ClientDhInnerData, DhGen, DhGenKind, InnerKind, PqInnerData, ReqDhParams, ReqPq, ResPq,
    ServerDhInnerData, ServerDhParams, SetClientDhParams,
};
use super::{HandshakeError, open_sealed, pq, seal};
use crate::{AuthKey, server_salt, tmp_aes_key_iv};

/// A server RSA key the client can encrypt `P_Q_inner_data` to.
pub trait ServerKey: Send + Sync + core::fmt::Debug {
    /// Its fingerprint (signed LE long, as in `resPQ`).
    fn fingerprint(&self) -> i64;
    /// Encrypts `data` (the inner data's TL bytes) with `padding`.
    ///
    /// # Errors
    /// As [`RsaPublicKey::encrypt`].
    fn encrypt(
        &self,
        data: &[u8],
        padding: Padding,
        rng: &mut dyn Entropy,
    ) -> Result<Vec<u8>, HandshakeError>;
}

impl ServerKey for RsaPublicKey {
    fn fingerprint(&self) -> i64 {
        RsaPublicKey::fingerprint(self)
    }
    fn encrypt(
        &self,
        data: &[u8],
        padding: Padding,
        rng: &mut dyn Entropy,
    ) -> Result<Vec<u8>, HandshakeError> {
        RsaPublicKey::encrypt(self, data, padding, rng).map(|c| c.to_vec())
    }
}

/// What a client asks for and whom it trusts.
#[derive(Debug)]
pub struct ClientConfig {
    keys: Vec<Arc<dyn ServerKey>>,
    padding: Padding,
    inner: InnerKind,
    max_retries: u32,
    groups: Mutex<Vec<DhGroup>>,
}

impl ClientConfig {
    /// A client that trusts `keys`, sends `p_q_inner_data_dc` (dc 2) with RSA_PAD.
    #[must_use]
    pub fn new(keys: Vec<Arc<dyn ServerKey>>) -> Self {
        Self {
            keys,
            padding: Padding::RsaPad,
            inner: InnerKind::Dc { dc: 2 },
            max_retries: 3,
            groups: Mutex::new(Vec::new()),
        }
    }
    /// The RSA block format (default RSA_PAD).
    #[must_use]
    pub fn padding(mut self, padding: Padding) -> Self {
        self.padding = padding;
        self
    }
    /// The inner-data constructor, and with it permanent or temporary (`expires_in`) key.
    #[must_use]
    pub fn inner(mut self, inner: InnerKind) -> Self {
        self.inner = inner;
        self
    }
    /// How many `dh_gen_retry` answers are followed (default 3).
    #[must_use]
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    fn group(&self, dh_prime: &[u8], g: i32) -> Result<DhGroup, HandshakeError> {
        let mut cache = self
            .groups
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let padded = super::arith::from_be(dh_prime).map(|x| super::arith::to_be(&x));
        if let Some(found) = cache
            .iter()
            .find(|grp| grp.g() == g && Some(grp.prime_bytes()) == padded)
        {
            return Ok(found.clone());
        }
        let group = DhGroup::checked(dh_prime, g)?;
        if cache.len() < 8 {
            cache.push(group.clone());
        }
        Ok(group)
    }
}

/// A key the client created.
#[derive(Debug)]
#[non_exhaustive]
pub struct CreatedKey {
    /// The new auth key (256 bytes).
    pub auth_key: AuthKey,
    /// The first server salt, `new_nonce[0..8] XOR server_nonce[0..8]` read as LE i64.
    pub server_salt: i64,
    /// `server_time - local time` in seconds.
    pub time_offset: i64,
    /// `Some(seconds)` for a temporary key.
    pub expires_in: Option<i32>,
}

/// What the client does next.
#[derive(Debug)]
#[allow(clippy::large_enum_variant, reason = "one per handshake")]
#[non_exhaustive]
pub enum ClientStep {
    /// Send this body (in an unencrypted message).
    Send(Vec<u8>),
    /// The key exists; nothing more to send.
    Done(CreatedKey),
}

#[allow(
    clippy::large_enum_variant,
    reason = "one state per handshake, moved not copied"
)]
enum State {
    Start,
    PqSent {
        nonce: [u8; 16],
    },
    DhSent {
        nonce: [u8; 16],
        server_nonce: [u8; 16],
        new_nonce: Zeroizing<[u8; 32]>,
    },
    GenSent {
        nonce: [u8; 16],
        server_nonce: [u8; 16],
        new_nonce: Zeroizing<[u8; 32]>,
        group: DhGroup,
        g_a: crypto_bigint::U2048,
        time_offset: i64,
        key: AuthKey,
        retries: u32,
    },
    Finished,
}

/// One client handshake.
pub struct ClientHandshake {
    config: Arc<ClientConfig>,
    state: State,
}

impl core::fmt::Debug for ClientHandshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match self.state {
            State::Start => "start",
            State::PqSent { .. } => "pq_sent",
            State::DhSent { .. } => "dh_sent",
            State::GenSent { .. } => "gen_sent",
            State::Finished => "finished",
        };
        f.debug_struct("ClientHandshake")
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

fn check_nonces(
    nonce: &[u8; 16],
    server_nonce: &[u8; 16],
    got_nonce: &[u8; 16],
    got_server_nonce: &[u8; 16],
) -> Result<(), HandshakeError> {
    if nonce != got_nonce {
        return Err(HandshakeError::NonceMismatch);
    }
    if server_nonce != got_server_nonce {
        return Err(HandshakeError::ServerNonceMismatch);
    }
    Ok(())
}

impl ClientHandshake {
    /// A new handshake.
    #[must_use]
    pub fn new(config: Arc<ClientConfig>) -> Self {
        Self {
            config,
            state: State::Start,
        }
    }

    /// The first message: `req_pq_multi` with a fresh nonce.
    ///
    /// # Errors
    /// [`HandshakeError::Random`]; [`HandshakeError::UnexpectedMessage`] if already started.
    pub fn start(&mut self, rng: &mut dyn Entropy) -> Result<Vec<u8>, HandshakeError> {
        if !matches!(self.state, State::Start) {
            return Err(HandshakeError::UnexpectedMessage);
        }
        let mut nonce = [0u8; 16];
        rng.fill(Purpose::Nonce, &mut nonce)?;
        self.state = State::PqSent { nonce };
        Ok(ReqPq { nonce, multi: true }.to_bytes())
    }

    /// Handles the server's next message body. `now` is the local unix time in seconds.
    /// After an error the handshake is over.
    ///
    /// # Errors
    /// Every client check of the spec, each with its code.
    pub fn handle(
        &mut self,
        body: &[u8],
        rng: &mut dyn Entropy,
        now: i64,
    ) -> Result<ClientStep, HandshakeError> {
        let state = core::mem::replace(&mut self.state, State::Finished);
        let (next, step) = self.step(state, body, rng, now)?;
        self.state = next;
        Ok(step)
    }

    fn step(
        &self,
        state: State,
        body: &[u8],
        rng: &mut dyn Entropy,
        now: i64,
    ) -> Result<(State, ClientStep), HandshakeError> {
        match state {
            State::PqSent { nonce } => self.on_res_pq(nonce, body, rng),
            State::DhSent {
                nonce,
                server_nonce,
                new_nonce,
            } => self.on_server_dh(nonce, server_nonce, new_nonce, body, rng, now),
            State::GenSent {
                nonce,
                server_nonce,
                new_nonce,
                group,
                g_a,
                time_offset,
                key,
                retries,
            } => {
                let (gen_msg, _) = DhGen::parse(body)?;
                check_nonces(&nonce, &server_nonce, &gen_msg.nonce, &gen_msg.server_nonce)?;
                let want = key.new_nonce_hash(&new_nonce, gen_msg.kind.number());
                if !bool::from(want.ct_eq(&gen_msg.new_nonce_hash)) {
                    return Err(HandshakeError::NewNonceHashMismatch);
                }
                match gen_msg.kind {
                    DhGenKind::Ok => {
                        let salt = server_salt(&new_nonce, &server_nonce);
                        Ok((
                            State::Finished,
                            ClientStep::Done(CreatedKey {
                                auth_key: key,
                                server_salt: i64::from_le_bytes(salt),
                                time_offset,
                                expires_in: self.config.inner.expires_in(),
                            }),
                        ))
                    }
                    DhGenKind::Fail => Err(HandshakeError::DhGenFail),
                    DhGenKind::Retry => {
                        if retries >= self.config.max_retries {
                            return Err(HandshakeError::RetryIdMismatch);
                        }
                        let retry_id = i64::from_le_bytes(key.aux_hash_bytes());
                        let (body, key) = client_dh(
                            &nonce,
                            &server_nonce,
                            &new_nonce,
                            &group,
                            &g_a,
                            retry_id,
                            rng,
                        )?;
                        Ok((
                            State::GenSent {
                                nonce,
                                server_nonce,
                                new_nonce,
                                group,
                                g_a,
                                time_offset,
                                key,
                                retries: retries + 1,
                            },
                            ClientStep::Send(body),
                        ))
                    }
                }
            }
            State::Start | State::Finished => Err(HandshakeError::UnexpectedMessage),
        }
    }

    fn on_res_pq(
        &self,
        nonce: [u8; 16],
        body: &[u8],
        rng: &mut dyn Entropy,
    ) -> Result<(State, ClientStep), HandshakeError> {
        let (res, _) = ResPq::parse(body)?;
        if res.nonce != nonce {
            return Err(HandshakeError::NonceMismatch);
        }
        let key = self
            .config
            .keys
            .iter()
            .find(|k| {
                res.server_public_key_fingerprints
                    .contains(&k.fingerprint())
            })
            .ok_or(HandshakeError::NoKnownFingerprint)?;
        let (p, q) = pq::factorize(&res.pq)?;
        let mut new_nonce = Zeroizing::new([0u8; 32]);
        rng.fill(Purpose::NewNonce, &mut new_nonce[..])?;
        let (p, q) = (pq::to_be_minimal(p), pq::to_be_minimal(q));
        let inner = Zeroizing::new(
            PqInnerData {
                pq: res.pq.clone(),
                p: p.clone(),
                q: q.clone(),
                nonce,
                server_nonce: res.server_nonce,
                new_nonce: *new_nonce,
                kind: self.config.inner,
            }
            .to_bytes(),
        );
        let encrypted_data = key.encrypt(&inner, self.config.padding, rng)?;
        let req = ReqDhParams {
            nonce,
            server_nonce: res.server_nonce,
            p,
            q,
            public_key_fingerprint: key.fingerprint(),
            encrypted_data,
        };
        Ok((
            State::DhSent {
                nonce,
                server_nonce: res.server_nonce,
                new_nonce,
            },
            ClientStep::Send(req.to_bytes()),
        ))
    }

    fn on_server_dh(
        &self,
        nonce: [u8; 16],
        server_nonce: [u8; 16],
        new_nonce: Zeroizing<[u8; 32]>,
        body: &[u8],
        rng: &mut dyn Entropy,
        now: i64,
    ) -> Result<(State, ClientStep), HandshakeError> {
        let (params, _) = ServerDhParams::parse(body)?;
        let encrypted_answer = match params {
            ServerDhParams::Fail {
                nonce: n,
                server_nonce: sn,
                new_nonce_hash,
            } => {
                check_nonces(&nonce, &server_nonce, &n, &sn)?;
                let h = Sha1::digest(&new_nonce[..]);
                return Err(if bool::from(h[4..20].ct_eq(&new_nonce_hash)) {
                    HandshakeError::ServerDhParamsFail
                } else {
                    HandshakeError::NewNonceHashMismatch
                });
            }
            ServerDhParams::Ok {
                nonce: n,
                server_nonce: sn,
                encrypted_answer,
            } => {
                check_nonces(&nonce, &server_nonce, &n, &sn)?;
                encrypted_answer
            }
        };
        let key_iv = tmp_aes_key_iv(&server_nonce, &new_nonce);
        let (answer, _) = open_sealed(
            &encrypted_answer,
            &key_iv,
            ServerDhInnerData::parse,
            HandshakeError::AnswerHashMismatch,
        )?;
        check_nonces(&nonce, &server_nonce, &answer.nonce, &answer.server_nonce)?;
        let group = self.config.group(&answer.dh_prime, answer.g)?;
        let g_a = group.check_value(
            &answer.g_a,
            HandshakeError::DhGAOutOfRange,
            HandshakeError::DhGAUnsafe,
        )?;
        let time_offset = i64::from(answer.server_time) - now;
        let (body, key) = client_dh(&nonce, &server_nonce, &new_nonce, &group, &g_a, 0, rng)?;
        Ok((
            State::GenSent {
                nonce,
                server_nonce,
                new_nonce,
                group,
                g_a,
                time_offset,
                key,
                retries: 0,
            },
            ClientStep::Send(body),
        ))
    }
}

/// b, g_b, the key, and the encrypted `set_client_DH_params`.
fn client_dh(
    nonce: &[u8; 16],
    server_nonce: &[u8; 16],
    new_nonce: &[u8; 32],
    group: &DhGroup,
    g_a: &crypto_bigint::U2048,
    retry_id: i64,
    rng: &mut dyn Entropy,
) -> Result<(Vec<u8>, AuthKey), HandshakeError> {
    let (b, g_b): (Exponent, [u8; 256]) = group.keypair(rng, Purpose::ClientExponent)?;
    let key = AuthKey::from_bytes(&group.shared(g_a, &b));
    let inner = ClientDhInnerData {
        nonce: *nonce,
        server_nonce: *server_nonce,
        retry_id,
        g_b: g_b.to_vec(),
    }
    .to_bytes();
    let key_iv = tmp_aes_key_iv(server_nonce, new_nonce);
    let encrypted_data = seal(&inner, &key_iv, rng, Purpose::ClientDhPadding)?;
    Ok((
        SetClientDhParams {
            nonce: *nonce,
            server_nonce: *server_nonce,
            encrypted_data,
        }
        .to_bytes(),
        key,
    ))
}
