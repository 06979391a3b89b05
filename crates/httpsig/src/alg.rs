//! Signature algorithms (RFC 9421 §3.3) and their keys.
//!
//! The algorithm is a property of the key: a verifier never picks it from the `alg`
//! parameter (§7.3.6); `alg`, when present, must name the key's algorithm.
//! RSA keys verify only (no RSA private-key operation here, so RUSTSEC-2023-0071, a timing
//! side channel in `rsa` decryption and signing, does not apply).

use core::fmt;

use ed25519_dalek::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use hmac::{Hmac, Mac as _};
use keyauth_core::Secret;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use rsa::pkcs1::DecodeRsaPublicKey as _;
use sha2::{Sha256, Sha512};

use crate::Error;

/// An HTTP signature algorithm of the IANA registry (RFC 9421 §6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// `hmac-sha256`: HMAC with SHA-256, a shared secret.
    HmacSha256,
    /// `ed25519`: EdDSA over edwards25519 (RFC 8032, strict verification).
    Ed25519,
    /// `ecdsa-p256-sha256`: ECDSA P-256 with SHA-256, `r || s` (64 bytes).
    EcdsaP256Sha256,
    /// `ecdsa-p384-sha384`: ECDSA P-384 with SHA-384, `r || s` (96 bytes).
    EcdsaP384Sha384,
    /// `rsa-pss-sha512`: RSASSA-PSS, SHA-512, MGF1-SHA-512, 64-byte salt (verify only).
    RsaPssSha512,
    /// `rsa-v1_5-sha256`: RSASSA-PKCS1-v1_5 with SHA-256 (verify only).
    RsaV15Sha256,
}

impl Algorithm {
    /// Every algorithm.
    pub const ALL: [Self; 6] = [
        Self::HmacSha256,
        Self::Ed25519,
        Self::EcdsaP256Sha256,
        Self::EcdsaP384Sha384,
        Self::RsaPssSha512,
        Self::RsaV15Sha256,
    ];

    /// The registry name (`alg` parameter value).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::HmacSha256 => "hmac-sha256",
            Self::Ed25519 => "ed25519",
            Self::EcdsaP256Sha256 => "ecdsa-p256-sha256",
            Self::EcdsaP384Sha384 => "ecdsa-p384-sha384",
            Self::RsaPssSha512 => "rsa-pss-sha512",
            Self::RsaV15Sha256 => "rsa-v1_5-sha256",
        }
    }

    /// The algorithm a registry name denotes.
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`] for any other name.
    pub fn from_name(name: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or(Error::UnsupportedAlgorithm)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl core::str::FromStr for Algorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::from_name(s)
    }
}

/// A key that signs: an HMAC secret, an Ed25519 or ECDSA private key.
#[derive(Clone)]
#[non_exhaustive]
pub enum SigningKey {
    /// `hmac-sha256`.
    HmacSha256(Secret),
    /// `ed25519`.
    Ed25519(Box<ed25519_dalek::SigningKey>),
    /// `ecdsa-p256-sha256`.
    EcdsaP256(Box<p256::ecdsa::SigningKey>),
    /// `ecdsa-p384-sha384`.
    EcdsaP384(Box<p384::ecdsa::SigningKey>),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

fn pem_text(bytes: &[u8]) -> Result<&str, Error> {
    core::str::from_utf8(bytes)
        .map(str::trim)
        .map_err(|_| Error::InvalidKey)
}

impl SigningKey {
    /// An `hmac-sha256` key with these secret bytes.
    #[must_use]
    pub fn hmac_sha256(secret: &[u8]) -> Self {
        Self::HmacSha256(Secret::from_bytes(secret))
    }

    /// A key for `alg` from a key file: the raw secret for `hmac-sha256`, otherwise a
    /// PEM private key (PKCS#8 `PRIVATE KEY`, or SEC1 `EC PRIVATE KEY` for ECDSA).
    ///
    /// # Errors
    /// [`Error::InvalidKey`] when the material does not fit `alg`;
    /// [`Error::UnsupportedOperation`] for the RSA algorithms (verify only).
    pub fn from_key_file(alg: Algorithm, bytes: &[u8]) -> Result<Self, Error> {
        fn bad<E>(_: E) -> Error {
            Error::InvalidKey
        }
        Ok(match alg {
            Algorithm::HmacSha256 => {
                if bytes.is_empty() {
                    return Err(Error::InvalidKey);
                }
                Self::hmac_sha256(bytes)
            }
            Algorithm::Ed25519 => Self::Ed25519(Box::new(
                ed25519_dalek::SigningKey::from_pkcs8_pem(pem_text(bytes)?).map_err(bad)?,
            )),
            Algorithm::EcdsaP256Sha256 => {
                let pem = pem_text(bytes)?;
                let key = p256::ecdsa::SigningKey::from_pkcs8_pem(pem)
                    .or_else(|_| p256::SecretKey::from_sec1_pem(pem).map(Into::into))
                    .map_err(|_| Error::InvalidKey)?;
                Self::EcdsaP256(Box::new(key))
            }
            Algorithm::EcdsaP384Sha384 => {
                let pem = pem_text(bytes)?;
                let key = p384::ecdsa::SigningKey::from_pkcs8_pem(pem)
                    .or_else(|_| p384::SecretKey::from_sec1_pem(pem).map(Into::into))
                    .map_err(|_| Error::InvalidKey)?;
                Self::EcdsaP384(Box::new(key))
            }
            Algorithm::RsaPssSha512 | Algorithm::RsaV15Sha256 => {
                return Err(Error::UnsupportedOperation);
            }
        })
    }

    /// The algorithm this key signs with.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Self::HmacSha256(_) => Algorithm::HmacSha256,
            Self::Ed25519(_) => Algorithm::Ed25519,
            Self::EcdsaP256(_) => Algorithm::EcdsaP256Sha256,
            Self::EcdsaP384(_) => Algorithm::EcdsaP384Sha384,
        }
    }

    /// Signs a signature base.
    ///
    /// # Errors
    /// [`Error::InvalidKey`] when an HMAC key is unusable (never for valid keys).
    pub fn sign(&self, base: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(match self {
            Self::HmacSha256(secret) => {
                let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret())
                    .map_err(|_| Error::InvalidKey)?;
                mac.update(base);
                mac.finalize().into_bytes().to_vec()
            }
            Self::Ed25519(k) => k.sign(base).to_bytes().to_vec(),
            Self::EcdsaP256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(base);
                sig.to_bytes().to_vec()
            }
            Self::EcdsaP384(k) => {
                let sig: p384::ecdsa::Signature = k.sign(base);
                sig.to_bytes().to_vec()
            }
        })
    }

    /// The key that verifies this key's signatures.
    #[must_use]
    pub fn verifying_key(&self) -> VerifyingKey {
        match self {
            Self::HmacSha256(s) => VerifyingKey::HmacSha256(s.clone()),
            Self::Ed25519(k) => VerifyingKey::Ed25519(k.verifying_key()),
            Self::EcdsaP256(k) => VerifyingKey::EcdsaP256(*k.verifying_key()),
            Self::EcdsaP384(k) => VerifyingKey::EcdsaP384(*k.verifying_key()),
        }
    }
}

/// A key that verifies, bound to one algorithm.
#[derive(Clone)]
#[non_exhaustive]
pub enum VerifyingKey {
    /// `hmac-sha256`.
    HmacSha256(Secret),
    /// `ed25519`.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// `ecdsa-p256-sha256`.
    EcdsaP256(p256::ecdsa::VerifyingKey),
    /// `ecdsa-p384-sha384`.
    EcdsaP384(p384::ecdsa::VerifyingKey),
    /// `rsa-pss-sha512`.
    RsaPssSha512(Box<rsa::RsaPublicKey>),
    /// `rsa-v1_5-sha256`.
    RsaV15Sha256(Box<rsa::RsaPublicKey>),
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

fn rsa_public(pem: &str) -> Result<rsa::RsaPublicKey, Error> {
    rsa::RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(pem))
        .map_err(|_| Error::InvalidKey)
}

impl VerifyingKey {
    /// An `hmac-sha256` key with these secret bytes.
    #[must_use]
    pub fn hmac_sha256(secret: &[u8]) -> Self {
        Self::HmacSha256(Secret::from_bytes(secret))
    }

    /// A key for `alg` from a key file: the raw secret for `hmac-sha256`; an SPKI
    /// `PUBLIC KEY` PEM (PKCS#1 `RSA PUBLIC KEY` too for RSA); for Ed25519 and ECDSA a
    /// private key PEM is accepted as well (its public half is used).
    ///
    /// # Errors
    /// [`Error::InvalidKey`] when the material does not fit `alg`.
    pub fn from_key_file(alg: Algorithm, bytes: &[u8]) -> Result<Self, Error> {
        if alg == Algorithm::HmacSha256 {
            if bytes.is_empty() {
                return Err(Error::InvalidKey);
            }
            return Ok(Self::hmac_sha256(bytes));
        }
        let pem = pem_text(bytes)?;
        Ok(match alg {
            Algorithm::Ed25519 => match ed25519_dalek::VerifyingKey::from_public_key_pem(pem) {
                Ok(k) => Self::Ed25519(k),
                Err(_) => SigningKey::from_key_file(alg, bytes)?.verifying_key(),
            },
            Algorithm::EcdsaP256Sha256 => match p256::ecdsa::VerifyingKey::from_public_key_pem(pem)
            {
                Ok(k) => Self::EcdsaP256(k),
                Err(_) => SigningKey::from_key_file(alg, bytes)?.verifying_key(),
            },
            Algorithm::EcdsaP384Sha384 => match p384::ecdsa::VerifyingKey::from_public_key_pem(pem)
            {
                Ok(k) => Self::EcdsaP384(k),
                Err(_) => SigningKey::from_key_file(alg, bytes)?.verifying_key(),
            },
            Algorithm::RsaPssSha512 => Self::RsaPssSha512(Box::new(rsa_public(pem)?)),
            Algorithm::RsaV15Sha256 => Self::RsaV15Sha256(Box::new(rsa_public(pem)?)),
            Algorithm::HmacSha256 => return Err(Error::InvalidKey),
        })
    }

    /// The algorithm this key verifies.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Self::HmacSha256(_) => Algorithm::HmacSha256,
            Self::Ed25519(_) => Algorithm::Ed25519,
            Self::EcdsaP256(_) => Algorithm::EcdsaP256Sha256,
            Self::EcdsaP384(_) => Algorithm::EcdsaP384Sha384,
            Self::RsaPssSha512(_) => Algorithm::RsaPssSha512,
            Self::RsaV15Sha256(_) => Algorithm::RsaV15Sha256,
        }
    }

    /// Checks `signature` over `base` (HMAC in constant time).
    ///
    /// # Errors
    /// [`Error::BadSignature`] when it does not verify (also for a wrong length).
    pub fn verify(&self, base: &[u8], signature: &[u8]) -> Result<(), Error> {
        fn bad<E>(_: E) -> Error {
            Error::BadSignature
        }
        match self {
            Self::HmacSha256(secret) => {
                let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret())
                    .map_err(|_| Error::BadSignature)?;
                mac.update(base);
                mac.verify_slice(signature).map_err(bad)
            }
            Self::Ed25519(k) => {
                let sig = ed25519_dalek::Signature::from_slice(signature).map_err(bad)?;
                k.verify_strict(base, &sig).map_err(bad)
            }
            Self::EcdsaP256(k) => {
                let sig = p256::ecdsa::Signature::from_slice(signature).map_err(bad)?;
                k.verify(base, &sig).map_err(bad)
            }
            Self::EcdsaP384(k) => {
                let sig = p384::ecdsa::Signature::from_slice(signature).map_err(bad)?;
                k.verify(base, &sig).map_err(bad)
            }
            Self::RsaPssSha512(k) => {
                let vk = rsa::pss::VerifyingKey::<Sha512>::new((**k).clone());
                let sig = rsa::pss::Signature::try_from(signature).map_err(bad)?;
                vk.verify(base, &sig).map_err(bad)
            }
            Self::RsaV15Sha256(k) => {
                let vk = rsa::pkcs1v15::VerifyingKey::<Sha256>::new((**k).clone());
                let sig = rsa::pkcs1v15::Signature::try_from(signature).map_err(bad)?;
                vk.verify(base, &sig).map_err(bad)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_debug_is_redacted() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(a.name()), Ok(a));
        }
        assert_eq!(
            Algorithm::from_name("hs2019"),
            Err(Error::UnsupportedAlgorithm)
        );
        let k = SigningKey::hmac_sha256(b"secret");
        assert_eq!(format!("{k:?}"), "SigningKey { algorithm: HmacSha256, .. }");
        let v = k.verifying_key();
        assert_eq!(
            format!("{v:?}"),
            "VerifyingKey { algorithm: HmacSha256, .. }"
        );
        let sig = k.sign(b"base").unwrap_or_default();
        assert_eq!(v.verify(b"base", &sig), Ok(()));
        assert_eq!(v.verify(b"basf", &sig), Err(Error::BadSignature));
        assert_eq!(v.verify(b"base", &sig[..31]), Err(Error::BadSignature));
        assert_eq!(
            SigningKey::from_key_file(Algorithm::RsaPssSha512, b"x").map(|_| ()),
            Err(Error::UnsupportedOperation)
        );
        assert_eq!(
            VerifyingKey::from_key_file(Algorithm::Ed25519, b"not pem").map(|_| ()),
            Err(Error::InvalidKey)
        );
    }
}
