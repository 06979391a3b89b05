//! [`HandshakeError`]: every way the auth-key exchange can fail, one stable code each.

/// Why a handshake step, a TL object, an RSA block or a transport frame was refused.
///
/// [`code`](Self::code) is the vocabulary of `vectors/authkey-handshake.json` (and of the
/// spec's §14). Texts never contain nonces, keys or exponents.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// A TL object ends before its last field.
    #[error("tl object truncated")]
    TlTruncated,
    /// A constructor id that is not expected at this point.
    #[error("unexpected tl constructor")]
    TlUnknownConstructor,
    /// A `Vector` whose constructor is not `0x1cb5c415`.
    #[error("bad tl vector constructor")]
    TlBadVector,
    /// The auth_key_id of a handshake packet is not 0.
    #[error("packet is not an unencrypted message")]
    NotPlain,
    /// An unencrypted packet shorter than its 20-byte header.
    #[error("unencrypted packet truncated")]
    PlainTruncated,
    /// `message_data_length` differs from the bytes that follow.
    #[error("unencrypted packet length mismatch")]
    PlainLengthMismatch,
    /// msg_id 0, or a client msg_id not divisible by 4.
    #[error("bad msg_id")]
    PlainBadMsgId,
    /// `public_key_fingerprint` is not one of the server's keys.
    #[error("unknown rsa key fingerprint")]
    UnknownFingerprint,
    /// The server offered no fingerprint the client knows.
    #[error("no known rsa key fingerprint offered")]
    NoKnownFingerprint,
    /// `encrypted_data` is not exactly 256 bytes.
    #[error("rsa ciphertext is not 256 bytes")]
    RsaBadLength,
    /// `encrypted_data` is not below the RSA modulus.
    #[error("rsa ciphertext out of range")]
    RsaCiphertextOutOfRange,
    /// Neither RSA_PAD's SHA-256 check nor the legacy SHA-1 check holds.
    #[error("rsa padding invalid")]
    RsaPaddingInvalid,
    /// RSA_PAD input longer than 144 bytes (legacy: 235).
    #[error("rsa input data too long")]
    RsaDataTooLong,
    /// An RSA key that is not 2048 bits, or a key file that cannot be read.
    #[error("invalid rsa key")]
    RsaKeyInvalid,
    /// The client used a padding the server's configuration refuses.
    #[error("rsa padding refused by configuration")]
    PaddingRefused,
    /// The client asked for a key kind (temporary or permanent) the server refuses.
    #[error("key kind refused by configuration")]
    KeyKindRefused,
    /// p or q (outer or inner) is not the factorisation the server sent.
    #[error("p/q mismatch")]
    PqMismatch,
    /// pq is not a product of two primes the client can find (or longer than 128 bits).
    #[error("pq cannot be factorised")]
    PqUnfactorable,
    /// nonce differs from the client's.
    #[error("nonce mismatch")]
    NonceMismatch,
    /// server_nonce differs from the one in resPQ.
    #[error("server_nonce mismatch")]
    ServerNonceMismatch,
    /// encrypted_answer / encrypted_data is not a positive multiple of 16 bytes.
    #[error("encrypted data length is not a multiple of 16")]
    EncryptedAnswerBadLength,
    /// The SHA-1 prefix of server_DH_inner_data does not match.
    #[error("answer hash mismatch")]
    AnswerHashMismatch,
    /// More than 15 padding bytes after server/client_DH_inner_data.
    #[error("answer padding invalid")]
    AnswerPaddingInvalid,
    /// The SHA-1 prefix of client_DH_inner_data does not match.
    #[error("client dh hash mismatch")]
    ClientDhHashMismatch,
    /// dh_prime not in (2^2047, 2^2048).
    #[error("dh_prime has the wrong size")]
    DhPrimeBadSize,
    /// dh_prime is composite.
    #[error("dh_prime is not prime")]
    DhPrimeNotPrime,
    /// (dh_prime-1)/2 is composite.
    #[error("dh_prime is not a safe prime")]
    DhPrimeNotSafe,
    /// g not in 2..=7.
    #[error("dh generator invalid")]
    DhGInvalid,
    /// g does not generate the subgroup of order (p-1)/2.
    #[error("dh generator is not a quadratic residue")]
    DhGNotQuadraticResidue,
    /// Not 1 < g_a < dh_prime-1.
    #[error("g_a out of range")]
    DhGAOutOfRange,
    /// Not 2^1984 <= g_a <= dh_prime - 2^1984.
    #[error("g_a unsafe")]
    DhGAUnsafe,
    /// Not 1 < g_b < dh_prime-1.
    #[error("g_b out of range")]
    DhGBOutOfRange,
    /// Not 2^1984 <= g_b <= dh_prime - 2^1984.
    #[error("g_b unsafe")]
    DhGBUnsafe,
    /// new_nonce_hash1/2/3 (or the fail hash) does not match.
    #[error("new_nonce_hash mismatch")]
    NewNonceHashMismatch,
    /// A message out of order for the handshake state, or a replay.
    #[error("unexpected message")]
    UnexpectedMessage,
    /// The server answered server_DH_params_fail (with a correct hash).
    #[error("server answered server_DH_params_fail")]
    ServerDhParamsFail,
    /// The server answered dh_gen_fail (with a correct hash).
    #[error("server answered dh_gen_fail")]
    DhGenFail,
    /// Too many dh_gen_retry rounds (a wrong retry_id itself is answered with dh_gen_fail,
    /// which the client reports as [`DhGenFail`](Self::DhGenFail)).
    #[error("retry_id mismatch")]
    RetryIdMismatch,
    /// The temporary session is older than the configured lifetime.
    #[error("handshake expired")]
    Expired,
    /// Full transport CRC32 mismatch.
    #[error("transport crc mismatch")]
    TransportBadCrc,
    /// Full transport sequence number out of order.
    #[error("transport sequence number out of order")]
    TransportBadSeq,
    /// Packet length above the configured maximum.
    #[error("packet too large")]
    TransportOversized,
    /// A frame the transport cannot carry (abridged length not a multiple of 4, unknown
    /// obfuscated2 protocol tag, bad obfuscation header).
    #[error("malformed transport frame")]
    TransportMalformed,
    /// The peer sent a transport error (a negative int32 payload such as -404 or -429).
    #[error("transport error {code}")]
    TransportError {
        /// The negative code.
        code: i32,
    },
    /// This peer started too many handshakes recently.
    #[error("handshake rate limit exceeded")]
    RateLimited,
    /// Too many handshakes are in progress at once.
    #[error("too many concurrent handshakes")]
    TooManyHandshakes,
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Random,
}

impl HandshakeError {
    /// The stable code of this error, as the vector files spell it.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::TlTruncated => "tl_truncated",
            Self::TlUnknownConstructor => "tl_unknown_constructor",
            Self::TlBadVector => "tl_bad_vector",
            Self::NotPlain => "not_plain",
            Self::PlainTruncated => "plain_truncated",
            Self::PlainLengthMismatch => "plain_length_mismatch",
            Self::PlainBadMsgId => "plain_bad_msg_id",
            Self::UnknownFingerprint => "unknown_fingerprint",
            Self::NoKnownFingerprint => "no_known_fingerprint",
            Self::RsaBadLength => "rsa_bad_length",
            Self::RsaCiphertextOutOfRange => "rsa_ciphertext_out_of_range",
            Self::RsaPaddingInvalid => "rsa_padding_invalid",
            Self::RsaDataTooLong => "rsa_data_too_long",
            Self::RsaKeyInvalid => "rsa_key_invalid",
            Self::PaddingRefused => "padding_refused",
            Self::KeyKindRefused => "key_kind_refused",
            Self::PqMismatch => "pq_mismatch",
            Self::PqUnfactorable => "pq_unfactorable",
            Self::NonceMismatch => "nonce_mismatch",
            Self::ServerNonceMismatch => "server_nonce_mismatch",
            Self::EncryptedAnswerBadLength => "encrypted_answer_bad_length",
            Self::AnswerHashMismatch => "answer_hash_mismatch",
            Self::AnswerPaddingInvalid => "answer_padding_invalid",
            Self::ClientDhHashMismatch => "client_dh_hash_mismatch",
            Self::DhPrimeBadSize => "dh_prime_bad_size",
            Self::DhPrimeNotPrime => "dh_prime_not_prime",
            Self::DhPrimeNotSafe => "dh_prime_not_safe",
            Self::DhGInvalid => "dh_g_invalid",
            Self::DhGNotQuadraticResidue => "dh_g_not_quadratic_residue",
            Self::DhGAOutOfRange => "dh_g_a_out_of_range",
            Self::DhGAUnsafe => "dh_g_a_unsafe",
            Self::DhGBOutOfRange => "dh_g_b_out_of_range",
            Self::DhGBUnsafe => "dh_g_b_unsafe",
            Self::NewNonceHashMismatch => "new_nonce_hash_mismatch",
            Self::UnexpectedMessage => "unexpected_message",
            Self::ServerDhParamsFail => "server_dh_params_fail",
            Self::DhGenFail => "dh_gen_fail",
            Self::RetryIdMismatch => "retry_id_mismatch",
            Self::Expired => "handshake_expired",
            Self::TransportBadCrc => "transport_bad_crc",
            Self::TransportBadSeq => "transport_bad_seq",
            Self::TransportOversized => "transport_oversized",
            Self::TransportMalformed => "transport_malformed",
            Self::TransportError { .. } => "transport_error",
            Self::RateLimited => "rate_limited",
            Self::TooManyHandshakes => "too_many_handshakes",
            Self::Random => "random_failed",
        }
    }

    /// The transport error a server sends for this refusal before closing: `-429` for the
    /// rate limits, `-404` for everything else.
    #[must_use]
    pub fn transport_code(&self) -> i32 {
        match self {
            Self::RateLimited | Self::TooManyHandshakes => -429,
            _ => -404,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HandshakeError as E;

    #[test]
    fn every_code_is_pinned_and_distinct() {
        let all = [
            (E::TlTruncated, "tl_truncated"),
            (E::TlUnknownConstructor, "tl_unknown_constructor"),
            (E::TlBadVector, "tl_bad_vector"),
            (E::NotPlain, "not_plain"),
            (E::PlainTruncated, "plain_truncated"),
            (E::PlainLengthMismatch, "plain_length_mismatch"),
            (E::PlainBadMsgId, "plain_bad_msg_id"),
            (E::UnknownFingerprint, "unknown_fingerprint"),
            (E::NoKnownFingerprint, "no_known_fingerprint"),
            (E::RsaBadLength, "rsa_bad_length"),
            (E::RsaCiphertextOutOfRange, "rsa_ciphertext_out_of_range"),
            (E::RsaPaddingInvalid, "rsa_padding_invalid"),
            (E::RsaDataTooLong, "rsa_data_too_long"),
            (E::RsaKeyInvalid, "rsa_key_invalid"),
            (E::PaddingRefused, "padding_refused"),
            (E::KeyKindRefused, "key_kind_refused"),
            (E::PqMismatch, "pq_mismatch"),
            (E::PqUnfactorable, "pq_unfactorable"),
            (E::NonceMismatch, "nonce_mismatch"),
            (E::ServerNonceMismatch, "server_nonce_mismatch"),
            (E::EncryptedAnswerBadLength, "encrypted_answer_bad_length"),
            (E::AnswerHashMismatch, "answer_hash_mismatch"),
            (E::AnswerPaddingInvalid, "answer_padding_invalid"),
            (E::ClientDhHashMismatch, "client_dh_hash_mismatch"),
            (E::DhPrimeBadSize, "dh_prime_bad_size"),
            (E::DhPrimeNotPrime, "dh_prime_not_prime"),
            (E::DhPrimeNotSafe, "dh_prime_not_safe"),
            (E::DhGInvalid, "dh_g_invalid"),
            (E::DhGNotQuadraticResidue, "dh_g_not_quadratic_residue"),
            (E::DhGAOutOfRange, "dh_g_a_out_of_range"),
            (E::DhGAUnsafe, "dh_g_a_unsafe"),
            (E::DhGBOutOfRange, "dh_g_b_out_of_range"),
            (E::DhGBUnsafe, "dh_g_b_unsafe"),
            (E::NewNonceHashMismatch, "new_nonce_hash_mismatch"),
            (E::UnexpectedMessage, "unexpected_message"),
            (E::ServerDhParamsFail, "server_dh_params_fail"),
            (E::DhGenFail, "dh_gen_fail"),
            (E::RetryIdMismatch, "retry_id_mismatch"),
            (E::Expired, "handshake_expired"),
            (E::TransportBadCrc, "transport_bad_crc"),
            (E::TransportBadSeq, "transport_bad_seq"),
            (E::TransportOversized, "transport_oversized"),
            (E::TransportMalformed, "transport_malformed"),
            (E::TransportError { code: -404 }, "transport_error"),
            (E::RateLimited, "rate_limited"),
            (E::TooManyHandshakes, "too_many_handshakes"),
            (E::Random, "random_failed"),
        ];
        let mut seen = std::collections::HashSet::new();
        for (e, code) in &all {
            // A new variant must be added here: this match has no wildcard.
            match e {
                E::TlTruncated
                | E::TlUnknownConstructor
                | E::TlBadVector
                | E::NotPlain
                | E::PlainTruncated
                | E::PlainLengthMismatch
                | E::PlainBadMsgId
                | E::UnknownFingerprint
                | E::NoKnownFingerprint
                | E::RsaBadLength
                | E::RsaCiphertextOutOfRange
                | E::RsaPaddingInvalid
                | E::RsaDataTooLong
                | E::RsaKeyInvalid
                | E::PaddingRefused
                | E::KeyKindRefused
                | E::PqMismatch
                | E::PqUnfactorable
                | E::NonceMismatch
                | E::ServerNonceMismatch
                | E::EncryptedAnswerBadLength
                | E::AnswerHashMismatch
                | E::AnswerPaddingInvalid
                | E::ClientDhHashMismatch
                | E::DhPrimeBadSize
                | E::DhPrimeNotPrime
                | E::DhPrimeNotSafe
                | E::DhGInvalid
                | E::DhGNotQuadraticResidue
                | E::DhGAOutOfRange
                | E::DhGAUnsafe
                | E::DhGBOutOfRange
                | E::DhGBUnsafe
                | E::NewNonceHashMismatch
                | E::UnexpectedMessage
                | E::ServerDhParamsFail
                | E::DhGenFail
                | E::RetryIdMismatch
                | E::Expired
                | E::TransportBadCrc
                | E::TransportBadSeq
                | E::TransportOversized
                | E::TransportMalformed
                | E::TransportError { .. }
                | E::RateLimited
                | E::TooManyHandshakes
                | E::Random => {}
            }
            assert_eq!(e.code(), *code);
            assert!(seen.insert(*code), "duplicate code {code}");
        }
        assert_eq!(E::RateLimited.transport_code(), -429);
        assert_eq!(E::DhGBOutOfRange.transport_code(), -404);
        assert_eq!(E::DhGBUnsafe.to_string(), "g_b unsafe");
    }
}
