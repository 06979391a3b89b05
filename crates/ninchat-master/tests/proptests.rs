//! Round trips for arbitrary inputs: sign then verify, seal then open; one flipped bit
//! anywhere in the value makes it fail.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::sync::Arc;

use keyauth_core::{FixedClock, UnixTime};
use ninchat_master::{Call, Format, Grant, Json, MasterKey, Nonce, Signer, Verifier};
use proptest::prelude::*;

const NOW: u64 = 1_700_948_774;

fn text() -> impl Strategy<Value = String> {
    // ASCII, control characters, Latin-1, BMP (incl. U+2028) and astral characters.
    prop::collection::vec(
        prop_oneof![
            4 => prop::char::range('\u{20}', '\u{7e}'),
            1 => prop::char::range('\u{0}', '\u{1f}'),
            1 => Just('\u{7f}'),
            1 => prop::char::range('\u{80}', '\u{ff}'),
            1 => prop::char::range('\u{2000}', '\u{2fff}'),
            1 => prop::char::range('\u{1f300}', '\u{1f6ff}'),
        ],
        0..12,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Json::Float),
        text().prop_map(Json::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            // Distinct keys (a JSON object from Python has no duplicates).
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Json::Object(m.into_iter().rev().collect())),
        ]
    })
}

fn key() -> MasterKey {
    MasterKey::new("22nlihvg", "C58sAn+Dp2Ogb2+FdfSNg3J0ImMYfYodUUgXFF2OPo0=").unwrap()
}

fn format() -> impl Strategy<Value = Format> {
    prop_oneof![Just(Format::Released), Just(Format::UrlSafe)]
}

/// Every value obtained by flipping one bit of `s` (non-UTF-8 results cannot be presented).
fn flips(s: &str) -> impl Iterator<Item = String> + '_ {
    (0..s.len() * 8).filter_map(move |bit| {
        let mut b = s.as_bytes().to_vec();
        b[bit / 8] ^= 1 << (bit % 8);
        String::from_utf8(b).ok()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn sign_then_verify(
        names in prop::collection::vec(text(), 0..4),
        values in prop::collection::vec(json(), 4),
        user in text(),
        channel in text(),
        kind in 0u8..4,
        format in format(),
        nonce in any::<u64>(),
        ahead in 0u64..=604_800,
    ) {
        let attrs: Vec<(&str, Json)> =
            names.iter().map(String::as_str).zip(values.iter().cloned()).collect();
        let (grant, call) = match kind {
            0 => (Grant::CreateSession { puppet_attrs: &attrs }, Call::create_session().attrs(&attrs)),
            1 => (Grant::CreateSessionForUser { user_id: &user }, Call::create_session().user_id(&user)),
            2 => (
                Grant::JoinChannel { channel_id: &channel, member_attrs: &attrs },
                Call::join_channel(&channel).attrs(&attrs),
            ),
            _ => (
                Grant::JoinChannelForUser { channel_id: &channel, user_id: &user, member_attrs: &attrs },
                Call::join_channel(&channel).user_id(&user).attrs(&attrs),
            ),
        };
        let clock = Arc::new(FixedClock::new(UnixTime::new(NOW)));
        let k = key();
        let signed = Signer::new(&k)
            .clock(clock.clone())
            .format(format)
            .sign_with_nonce(&grant, NOW + ahead, &Nonce::from_int(nonce));
        // Same-named attributes whose values Python cannot order are refused, as in Python.
        let signed = match signed {
            Err(ninchat_master::Error::UnorderableAttrs) => return Ok(()),
            other => other.unwrap(),
        };
        // The message is valid JSON that re-encodes to itself.
        let parsed: Json = serde_json::from_str(&signed.canonical_json).unwrap();
        prop_assert_eq!(&parsed.to_python_json().unwrap(), &signed.canonical_json);
        prop_assert!(signed.canonical_json.is_ascii());

        let verifier = Verifier::new([key()]).clock(clock);
        let now = UnixTime::new(NOW);
        let verified = verifier.check(&signed.signature, &call, now).unwrap();
        prop_assert_eq!(verified.expire, UnixTime::new(NOW + ahead));
        prop_assert_eq!(verified.nonce, signed.nonce);
        for flipped in flips(&signed.signature) {
            prop_assert!(verifier.check(&flipped, &call, now).is_err(), "{}", flipped);
        }
    }

    #[test]
    fn seal_then_open(
        metadata in json(),
        user in prop::option::of(text()),
        format in format(),
        iv in any::<[u8; 16]>(),
        ahead in 0u64..=604_800,
    ) {
        let clock = std::sync::Arc::new(FixedClock::new(UnixTime::new(NOW)));
        let k = key();
        let sealed = Signer::new(&k)
            .clock(clock.clone())
            .format(format)
            .secure_metadata_with_iv(NOW + ahead, &metadata, user.as_deref(), &iv)
            .unwrap();
        prop_assert_eq!(sealed.padded_len % 16, 0);
        let verifier = Verifier::new([key()]);
        let now = UnixTime::new(NOW);
        let opened = verifier.open_secure_metadata_at(&sealed.value, user.as_deref(), now).unwrap();
        // Equal including object key order (and int/float distinction).
        prop_assert_eq!(&opened.metadata, &metadata);
        prop_assert_eq!(opened.metadata.to_python_json().unwrap(), metadata.to_python_json().unwrap());
        prop_assert_eq!(opened.user_id, user.clone());
        for flipped in flips(&sealed.value) {
            prop_assert!(
                verifier.open_secure_metadata_at(&flipped, user.as_deref(), now).is_err(),
                "{}", flipped
            );
        }
    }

    /// Arbitrary text never panics the parsers.
    #[test]
    fn garbage_is_an_error_not_a_panic(s in "\\PC{0,120}", dots in "[-.A-Za-z0-9+/=_]{0,120}") {
        let verifier = Verifier::new([key()]);
        let now = UnixTime::new(NOW);
        for v in [&s, &dots] {
            let _ = verifier.check(v, &Call::create_session(), now);
            let _ = verifier.open_secure_metadata_at(v, None, now);
            let _ = verifier.open_secure_metadata_at(&format!("22nlihvg-{v}"), None, now);
        }
    }
}
