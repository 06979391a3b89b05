//! MTProto's RSA (spec §5): fingerprints, RSA_PAD and the legacy SHA-1 block on the client,
//! constant-time decryption accepting both on the server, and PEM key files (PKCS#1, PKCS#8,
//! SPKI).

use core::fmt;

use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::{Encoding, NonZero, U1024, U2048};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::HandshakeError;
use super::arith::{self, Params};
use super::entropy::{Entropy, Purpose};
use super::tl::{PqInnerData, Writer};
use crate::mtproto::AesKeyIv;

/// Which RSA block format wraps `P_Q_inner_data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(clippy::exhaustive_enums, reason = "MTProto has exactly these two")]
pub enum Padding {
    /// RSA_PAD (the documented scheme; data ≤ 144 bytes).
    RsaPad,
    /// SHA1(data) ‖ data ‖ random, 255 bytes (what Telethon 1.45.0 and mtpylon speak).
    LegacySha1,
}

/// `rsaEncryption` (PKCS#1), the algorithm of PKCS#8 and SPKI RSA keys.
const RSA_ENCRYPTION: spki::ObjectIdentifier =
    spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

fn bad<E>(_: E) -> HandshakeError {
    HandshakeError::RsaKeyInvalid
}

/// A 2048-bit RSA public key of an MTProto server.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    n: U2048,
    e: U2048,
    params: Params,
    fingerprint: i64,
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field(
                "fingerprint",
                &format_args!("{:016x}", self.fingerprint_wire_u64()),
            )
            .finish_non_exhaustive()
    }
}

/// `rsa_public_key n:string e:string` as a bare type: the bytes the fingerprint hashes.
#[must_use]
pub fn rsa_public_key_tl(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut w = Writer::default();
    w.bytes(arith::minimal(n)).bytes(arith::minimal(e));
    w.finish()
}

impl RsaPublicKey {
    /// A key from big-endian n and e.
    ///
    /// # Errors
    /// [`HandshakeError::RsaKeyInvalid`] unless n has exactly 2048 bits and is odd, and
    /// 1 < e < n.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<Self, HandshakeError> {
        let bad = HandshakeError::RsaKeyInvalid;
        let nn = arith::from_be(n).ok_or(bad.clone())?;
        let ee = arith::from_be(e).ok_or(bad.clone())?;
        if nn.bits_vartime() != 2048 || ee <= U2048::ONE || ee >= nn {
            return Err(bad);
        }
        let params = arith::params(&nn).ok_or(bad)?;
        let digest = Sha1::digest(rsa_public_key_tl(n, e));
        let mut fp = [0u8; 8];
        fp.copy_from_slice(&digest[12..20]);
        Ok(Self {
            n: nn,
            e: ee,
            params,
            fingerprint: i64::from_le_bytes(fp),
        })
    }

    /// Reads a PEM file: `RSA PUBLIC KEY` (PKCS#1) or `PUBLIC KEY` (SPKI).
    ///
    /// # Errors
    /// [`HandshakeError::RsaKeyInvalid`].
    pub fn from_pem(pem: &str) -> Result<Self, HandshakeError> {
        use pkcs1::der::Decode;
        let (label, der) = pkcs1::der::pem::decode_vec(pem.trim().as_bytes()).map_err(bad)?;
        let key_der = match label {
            "RSA PUBLIC KEY" => der,
            "PUBLIC KEY" => {
                let spki = spki::SubjectPublicKeyInfoRef::from_der(&der).map_err(bad)?;
                if spki.algorithm.oid != RSA_ENCRYPTION {
                    return Err(HandshakeError::RsaKeyInvalid);
                }
                spki.subject_public_key
                    .as_bytes()
                    .ok_or(HandshakeError::RsaKeyInvalid)?
                    .to_vec()
            }
            _ => return Err(HandshakeError::RsaKeyInvalid),
        };
        let key = pkcs1::RsaPublicKey::from_der(&key_der).map_err(bad)?;
        Self::from_components(key.modulus.as_bytes(), key.public_exponent.as_bytes())
    }

    /// The fingerprint: SHA1(rsa_public_key)[12..20] read as a signed little-endian long.
    #[must_use]
    pub fn fingerprint(&self) -> i64 {
        self.fingerprint
    }

    /// The fingerprint's 8 wire bytes as one big-endian number (so `{:016x}` prints the wire
    /// order).
    #[must_use]
    pub fn fingerprint_wire_u64(&self) -> u64 {
        u64::from_be_bytes(self.fingerprint.to_le_bytes())
    }

    /// n, 256 big-endian bytes.
    #[must_use]
    pub fn n_bytes(&self) -> [u8; 256] {
        arith::to_be(&self.n)
    }

    /// e, minimal big-endian bytes.
    #[must_use]
    pub fn e_bytes(&self) -> Vec<u8> {
        arith::minimal(&arith::to_be(&self.e)).to_vec()
    }

    /// Raw `m^e mod n` of a 256-byte block that is below n.
    ///
    /// # Errors
    /// [`HandshakeError::RsaCiphertextOutOfRange`] when `m >= n`.
    pub fn encrypt_raw(&self, m: &[u8; 256]) -> Result<[u8; 256], HandshakeError> {
        let m = U2048::from_be_bytes(*m);
        if m >= self.n {
            return Err(HandshakeError::RsaCiphertextOutOfRange);
        }
        Ok(arith::to_be(&arith::pow_public(&m, &self.e, &self.params)))
    }

    /// The legacy block: `SHA1(data) ‖ data ‖ random` (255 bytes) raised to e, 256 bytes out.
    /// Returns the block and the ciphertext.
    ///
    /// # Errors
    /// [`HandshakeError::RsaDataTooLong`] above 235 bytes; [`HandshakeError::Random`].
    pub fn encrypt_legacy(
        &self,
        data: &[u8],
        rng: &mut dyn Entropy,
    ) -> Result<(Zeroizing<[u8; 255]>, [u8; 256]), HandshakeError> {
        if data.len() > 255 - 20 {
            return Err(HandshakeError::RsaDataTooLong);
        }
        let mut block = Zeroizing::new([0u8; 255]);
        block[..20].copy_from_slice(&Sha1::digest(data));
        block[20..20 + data.len()].copy_from_slice(data);
        rng.fill(Purpose::RsaPadding, &mut block[20 + data.len()..])?;
        let mut m = Zeroizing::new([0u8; 256]);
        m[1..].copy_from_slice(&block[..]);
        let c = self.encrypt_raw(&m)?;
        Ok((block, c))
    }

    /// RSA_PAD (spec §5.3), every intermediate value returned.
    ///
    /// # Errors
    /// [`HandshakeError::RsaDataTooLong`] above 144 bytes; [`HandshakeError::Random`];
    /// [`HandshakeError::RsaCiphertextOutOfRange`] after 64 temp keys all gave a block ≥ n.
    pub fn encrypt_rsa_pad(
        &self,
        data: &[u8],
        rng: &mut dyn Entropy,
    ) -> Result<RsaPadOutput, HandshakeError> {
        if data.len() > 144 {
            return Err(HandshakeError::RsaDataTooLong);
        }
        let mut data_with_padding = Zeroizing::new([0u8; 192]);
        data_with_padding[..data.len()].copy_from_slice(data);
        rng.fill(Purpose::RsaPadding, &mut data_with_padding[data.len()..])?;
        for attempt in 1..=64u32 {
            let mut temp_key = Zeroizing::new([0u8; 32]);
            rng.fill(Purpose::RsaTempKey, &mut temp_key[..])?;
            let mut data_with_hash = Zeroizing::new([0u8; 224]);
            for (i, b) in data_with_padding.iter().rev().enumerate() {
                data_with_hash[i] = *b;
            }
            data_with_hash[192..].copy_from_slice(
                &Sha256::new()
                    .chain_update(&temp_key[..])
                    .chain_update(&data_with_padding[..])
                    .finalize(),
            );
            AesKeyIv::new(*temp_key, [0u8; 32])
                .encrypt_in_place(&mut data_with_hash[..])
                .map_err(|_| HandshakeError::RsaDataTooLong)?;
            let aes_encrypted = &data_with_hash;
            let h = Sha256::digest(&aes_encrypted[..]);
            let mut key_aes_encrypted = Zeroizing::new([0u8; 256]);
            for i in 0..32 {
                key_aes_encrypted[i] = temp_key[i] ^ h[i];
            }
            key_aes_encrypted[32..].copy_from_slice(&aes_encrypted[..]);
            if let Ok(encrypted_data) = self.encrypt_raw(&key_aes_encrypted) {
                return Ok(RsaPadOutput {
                    data_with_padding,
                    key_aes_encrypted,
                    temp_key,
                    attempts: attempt,
                    encrypted_data,
                });
            }
        }
        Err(HandshakeError::RsaCiphertextOutOfRange)
    }

    /// Encrypts `P_Q_inner_data` bytes with `padding`.
    ///
    /// # Errors
    /// As [`encrypt_rsa_pad`](Self::encrypt_rsa_pad) / [`encrypt_legacy`](Self::encrypt_legacy).
    pub fn encrypt(
        &self,
        data: &[u8],
        padding: Padding,
        rng: &mut dyn Entropy,
    ) -> Result<[u8; 256], HandshakeError> {
        match padding {
            Padding::RsaPad => Ok(self.encrypt_rsa_pad(data, rng)?.encrypted_data),
            Padding::LegacySha1 => Ok(self.encrypt_legacy(data, rng)?.1),
        }
    }
}

/// Every value of one RSA_PAD encryption (for vectors and diagnostics).
#[derive(Clone)]
#[non_exhaustive]
pub struct RsaPadOutput {
    /// data ‖ padding, 192 bytes.
    pub data_with_padding: Zeroizing<[u8; 192]>,
    /// temp_key_xor ‖ aes_encrypted, the block raised to e.
    pub key_aes_encrypted: Zeroizing<[u8; 256]>,
    /// The temp_key of the successful attempt.
    pub temp_key: Zeroizing<[u8; 32]>,
    /// How many temp keys were drawn.
    pub attempts: u32,
    /// The ciphertext.
    pub encrypted_data: [u8; 256],
}

impl fmt::Debug for RsaPadOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPadOutput")
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

type Params1024 = DynResidueParams<{ U1024::LIMBS }>;

struct Crt {
    p: U1024,
    q: U1024,
    dp: U1024,
    dq: U1024,
    qinv: U1024,
    params_p: Params1024,
    params_q: Params1024,
}

impl Drop for Crt {
    fn drop(&mut self) {
        self.p.zeroize();
        self.q.zeroize();
        self.dp.zeroize();
        self.dq.zeroize();
        self.qinv.zeroize();
    }
}

/// A server's RSA private key. Debug shows only the fingerprint; the private parts are
/// wiped on drop.
pub struct RsaPrivateKey {
    public: RsaPublicKey,
    d: U2048,
    crt: Option<Crt>,
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPrivateKey")
            .field("public", &self.public)
            .field("crt", &self.crt.is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for RsaPrivateKey {
    fn drop(&mut self) {
        self.d.zeroize();
    }
}

fn u1024(bytes: &[u8]) -> Option<U1024> {
    let b = arith::minimal(bytes);
    if b.len() > 128 {
        return None;
    }
    let mut buf = [0u8; 128];
    buf[128 - b.len()..].copy_from_slice(b);
    Some(U1024::from_be_bytes(buf))
}

/// What the server found inside an RSA block.
#[derive(Clone)]
#[non_exhaustive]
pub struct Decrypted {
    /// The padding the client used.
    pub padding: Padding,
    /// The parsed inner data.
    pub inner: PqInnerData,
    /// RSA_PAD: the temp_key; legacy: `None`.
    pub temp_key: Option<Zeroizing<[u8; 32]>>,
    /// RSA_PAD: data ‖ padding (192 bytes); legacy: the 255-byte block.
    pub block: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decrypted")
            .field("padding", &self.padding)
            .finish_non_exhaustive()
    }
}

impl RsaPrivateKey {
    /// A key from n, e, d and optionally the CRT values (p, q, dp, dq, qinv = q⁻¹ mod p),
    /// all big-endian.
    ///
    /// # Errors
    /// [`HandshakeError::RsaKeyInvalid`] for a key that is not 2048-bit, or d ≥ n, or CRT
    /// values that do not fit 1024 bits (then give `None`).
    pub fn from_components(
        n: &[u8],
        e: &[u8],
        d: &[u8],
        crt: Option<[&[u8]; 5]>,
    ) -> Result<Self, HandshakeError> {
        let public = RsaPublicKey::from_components(n, e)?;
        let d = arith::from_be(d).ok_or(HandshakeError::RsaKeyInvalid)?;
        if d >= public.n || d == U2048::ZERO {
            return Err(HandshakeError::RsaKeyInvalid);
        }
        let crt = match crt {
            None => None,
            Some([p, q, dp, dq, qinv]) => {
                let get = |b: &[u8]| u1024(b).ok_or(HandshakeError::RsaKeyInvalid);
                let (p, q) = (get(p)?, get(q)?);
                #[allow(deprecated, reason = "crypto-bigint 0.5's non-panicking constructor")]
                let params_p: Option<Params1024> = Option::from(DynResidueParams::new_checked(&p));
                #[allow(deprecated, reason = "crypto-bigint 0.5's non-panicking constructor")]
                let params_q: Option<Params1024> = Option::from(DynResidueParams::new_checked(&q));
                match (params_p, params_q) {
                    (Some(params_p), Some(params_q)) => Some(Crt {
                        p,
                        q,
                        dp: get(dp)?,
                        dq: get(dq)?,
                        qinv: get(qinv)?,
                        params_p,
                        params_q,
                    }),
                    _ => return Err(HandshakeError::RsaKeyInvalid),
                }
            }
        };
        let key = Self { public, d, crt };
        // Self-test: the CRT values must invert the public operation.
        let mut probe = [0u8; 256];
        probe[255] = 2;
        probe[1] = 0x5a;
        let c = key.public.encrypt_raw(&probe)?;
        if key.raw(&c)?[..] != probe[..] {
            return Err(HandshakeError::RsaKeyInvalid);
        }
        Ok(key)
    }

    /// Reads a PEM file: `RSA PRIVATE KEY` (PKCS#1) or `PRIVATE KEY` (PKCS#8, unencrypted).
    ///
    /// # Errors
    /// [`HandshakeError::RsaKeyInvalid`].
    pub fn from_pem(pem: &str) -> Result<Self, HandshakeError> {
        use pkcs1::der::Decode;
        let (label, der) = pkcs1::der::pem::decode_vec(pem.trim().as_bytes()).map_err(bad)?;
        let der = Zeroizing::new(der);
        let pkcs8_inner;
        let key_der: &[u8] = match label {
            "RSA PRIVATE KEY" => &der,
            "PRIVATE KEY" => {
                let info = pkcs8::PrivateKeyInfo::from_der(&der).map_err(bad)?;
                if info.algorithm.oid != RSA_ENCRYPTION {
                    return Err(HandshakeError::RsaKeyInvalid);
                }
                pkcs8_inner = Zeroizing::new(info.private_key.to_vec());
                &pkcs8_inner
            }
            _ => return Err(HandshakeError::RsaKeyInvalid),
        };
        let k = pkcs1::RsaPrivateKey::from_der(key_der).map_err(bad)?;
        Self::from_components(
            k.modulus.as_bytes(),
            k.public_exponent.as_bytes(),
            k.private_exponent.as_bytes(),
            Some([
                k.prime1.as_bytes(),
                k.prime2.as_bytes(),
                k.exponent1.as_bytes(),
                k.exponent2.as_bytes(),
                k.coefficient.as_bytes(),
            ]),
        )
    }

    /// The public half.
    #[must_use]
    pub fn public(&self) -> &RsaPublicKey {
        &self.public
    }

    /// Whether decryption uses the CRT (4x faster; needs p and q in the key file).
    #[must_use]
    pub fn has_crt(&self) -> bool {
        self.crt.is_some()
    }

    fn raw(&self, c: &[u8; 256]) -> Result<Zeroizing<[u8; 256]>, HandshakeError> {
        let c = U2048::from_be_bytes(*c);
        if c >= self.public.n {
            return Err(HandshakeError::RsaCiphertextOutOfRange);
        }
        let m = match &self.crt {
            Some(crt) => {
                let reduce = |m: &U1024| -> U1024 {
                    let wide: U2048 = m.resize();
                    let nz = NonZero::new(wide).expect("odd prime");
                    c.rem(&nz).resize()
                };
                let cp = reduce(&crt.p);
                let cq = reduce(&crt.q);
                let m1 = DynResidue::new(&cp, crt.params_p).pow(&crt.dp);
                let m2 = DynResidue::new(&cq, crt.params_q).pow(&crt.dq).retrieve();
                let m2p = DynResidue::new(&m2, crt.params_p);
                let h = ((m1 - m2p) * DynResidue::new(&crt.qinv, crt.params_p)).retrieve();
                let (lo, hi) = h.mul_wide(&crt.q);
                let hq: U2048 = hi.concat(&lo);
                let mut m = hq.wrapping_add(&m2.resize());
                let check = self
                    .public
                    .encrypt_raw(&arith::to_be(&m))
                    .ok()
                    .map(|x| U2048::from_be_bytes(x) == c);
                if check != Some(true) {
                    m = arith::pow_secret(&c, &self.d, &self.public.params);
                }
                m
            }
            None => arith::pow_secret(&c, &self.d, &self.public.params),
        };
        Ok(Zeroizing::new(arith::to_be(&m)))
    }

    /// Raw `c^d mod n` (spec §5.4 first step).
    ///
    /// # Errors
    /// [`HandshakeError::RsaBadLength`] unless 256 bytes;
    /// [`HandshakeError::RsaCiphertextOutOfRange`] when `c >= n`.
    pub fn decrypt_raw(&self, ciphertext: &[u8]) -> Result<Zeroizing<[u8; 256]>, HandshakeError> {
        let c: &[u8; 256] = ciphertext
            .try_into()
            .map_err(|_| HandshakeError::RsaBadLength)?;
        self.raw(c)
    }

    /// Decrypts `encrypted_data` of `req_DH_params`: RSA_PAD first, then the legacy block
    /// (spec §5.4), and parses the `P_Q_inner_data` inside.
    ///
    /// # Errors
    /// [`HandshakeError::RsaBadLength`], [`HandshakeError::RsaCiphertextOutOfRange`],
    /// [`HandshakeError::RsaPaddingInvalid`].
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Decrypted, HandshakeError> {
        let m = self.decrypt_raw(ciphertext)?;
        if let Some(d) = try_rsa_pad(&m) {
            return Ok(d);
        }
        try_legacy(&m).ok_or(HandshakeError::RsaPaddingInvalid)
    }
}

fn try_rsa_pad(m: &[u8; 256]) -> Option<Decrypted> {
    let h = Sha256::digest(&m[32..]);
    let mut temp_key = Zeroizing::new([0u8; 32]);
    for i in 0..32 {
        temp_key[i] = m[i] ^ h[i];
    }
    let mut x = Zeroizing::new([0u8; 224]);
    x.copy_from_slice(&m[32..]);
    AesKeyIv::new(*temp_key, [0u8; 32])
        .decrypt_in_place(&mut x[..])
        .ok()?;
    let mut dwp = Zeroizing::new(vec![0u8; 192]);
    for (i, b) in x[..192].iter().rev().enumerate() {
        dwp[i] = *b;
    }
    let want = Sha256::new()
        .chain_update(&temp_key[..])
        .chain_update(&dwp[..])
        .finalize();
    if !bool::from(want.as_slice().ct_eq(&x[192..224])) {
        return None;
    }
    let (inner, _) = PqInnerData::parse(&dwp).ok()?;
    Some(Decrypted {
        padding: Padding::RsaPad,
        inner,
        temp_key: Some(temp_key),
        block: dwp,
    })
}

fn try_legacy(m: &[u8; 256]) -> Option<Decrypted> {
    if m[0] != 0 {
        return None;
    }
    let block = &m[1..];
    let (inner, used) = PqInnerData::parse(&block[20..]).ok()?;
    let digest = Sha1::digest(&block[20..20 + used]);
    if !bool::from(digest.as_slice().ct_eq(&block[..20])) {
        return None;
    }
    Some(Decrypted {
        padding: Padding::LegacySha1,
        inner,
        temp_key: None,
        block: Zeroizing::new(block.to_vec()),
    })
}
