//! The verifier and its policy profile (what hmac-auth's removed strong mode promised, on RFC 9421).
//!
//! Order of checks for each candidate signature: structure (label, parameters, required
//! components, `tag`, `keyid`, `created`, `nonce`), key lookup, `alg` against the key,
//! the signature base, the signature itself; only then time (`created` skew and age,
//! `expires`), `Content-Digest` against the body, and last the nonce in the replay guard, so
//! nothing is recorded for a signature that does not verify.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use keyauth_core::{Clock, MemoryReplayGuard, ReplayError, ReplayGuard, SystemClock, UnixTime};

use crate::message::Message;
use crate::params::{parse_signature, parse_signature_input};
use crate::{
    Algorithm, ComponentId, Error, FieldTypes, SignatureParams, VerifyingKey, check_content_digest,
    signature_base,
};

/// Default allowed clock difference: 60 s either way.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(60);
/// Default maximum age of a signature (`created`): 300 s.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);
/// Default largest body checked: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;
/// Default capacity of the verifier's own memory replay guard.
pub const DEFAULT_GUARD_CAPACITY: usize = 100_000;

/// Why a key lookup failed (not "unknown": that is `Ok(None)`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("key lookup failed")]
pub struct KeyLookupError;

/// Finds the verifying key a `keyid` names.
#[async_trait]
pub trait KeyResolver: Send + Sync + core::fmt::Debug {
    /// The key for `keyid`; `Ok(None)` when there is none.
    ///
    /// # Errors
    /// [`KeyLookupError`] when the lookup itself failed (the verifier refuses).
    async fn resolve(&self, keyid: &str) -> Result<Option<Arc<VerifyingKey>>, KeyLookupError>;
}

/// A fixed map of key ids to keys.
#[derive(Clone, Debug, Default)]
pub struct StaticKeys(HashMap<String, Arc<VerifyingKey>>);

impl StaticKeys {
    /// No keys.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key` under `keyid`.
    #[must_use]
    pub fn with(mut self, keyid: impl Into<String>, key: VerifyingKey) -> Self {
        self.0.insert(keyid.into(), Arc::new(key));
        self
    }

    /// The key under `keyid`.
    #[must_use]
    pub fn get(&self, keyid: &str) -> Option<Arc<VerifyingKey>> {
        self.0.get(keyid).cloned()
    }
}

#[async_trait]
impl KeyResolver for StaticKeys {
    async fn resolve(&self, keyid: &str) -> Result<Option<Arc<VerifyingKey>>, KeyLookupError> {
        Ok(self.get(keyid))
    }
}

/// What the policy requires of a signature.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Policy {
    /// Components every accepted signature must cover.
    pub required: Vec<ComponentId>,
    /// Require `content-digest` when the body is not empty (default yes).
    pub digest_with_body: bool,
    /// Require `content-type` when the message has one (default yes).
    pub content_type_when_present: bool,
    /// Require `created` (default yes).
    pub require_created: bool,
    /// Require a `nonce`, recorded in the replay guard (default yes).
    pub require_nonce: bool,
    /// Allowed clock difference for `created` in the future and `expires` in the past.
    pub max_skew: Duration,
    /// Maximum age of `created` (`None`: only `expires` limits it).
    pub max_age: Option<Duration>,
    /// The `tag` a signature must carry.
    pub tag: Option<String>,
    /// Only this label is considered.
    pub label: Option<String>,
    /// Largest body checked.
    pub body_limit: usize,
    /// Accepted algorithms (empty: any the key has).
    pub algorithms: Vec<Algorithm>,
}

fn id(s: &str) -> ComponentId {
    ComponentId::parse(s).unwrap_or_else(|_| unreachable!("valid component {s}"))
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            required: ["@method", "@target-uri", "@authority"].map(id).to_vec(),
            digest_with_body: true,
            content_type_when_present: true,
            require_created: true,
            require_nonce: true,
            max_skew: DEFAULT_MAX_SKEW,
            max_age: Some(DEFAULT_MAX_AGE),
            tag: None,
            label: None,
            body_limit: DEFAULT_BODY_LIMIT,
            algorithms: Vec::new(),
        }
    }
}

impl Policy {
    /// The policy for verifying responses: `@status` instead of the request components.
    #[must_use]
    pub fn for_responses() -> Self {
        Self {
            required: vec![id("@status")],
            ..Self::default()
        }
    }

    /// The components `msg` with `body` must have covered under this policy.
    #[must_use]
    pub fn required_for(&self, msg: &Message<'_>, body: &[u8]) -> Vec<ComponentId> {
        let mut out = self.required.clone();
        if self.digest_with_body && !body.is_empty() {
            out.push(id("content-digest"));
        }
        if self.content_type_when_present && msg.headers().contains_key("content-type") {
            out.push(id("content-type"));
        }
        out
    }
}

/// A signature that verified under the policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    /// Its label.
    pub label: String,
    /// Its `keyid`.
    pub keyid: Option<String>,
    /// The key's algorithm.
    pub algorithm: Algorithm,
    /// Its covered components and parameters.
    pub params: SignatureParams,
}

/// What [`verify_signature`] needs besides the message.
#[derive(Clone, Copy, Debug)]
pub struct Check<'a> {
    /// The policy.
    pub policy: &'a Policy,
    /// Structured field types for `sf`.
    pub types: &'a FieldTypes,
    /// The current time.
    pub now: UnixTime,
}

/// Until when a nonce must be remembered: the last instant the signature is acceptable.
#[must_use]
pub fn remember_until(params: &SignatureParams, policy: &Policy) -> UnixTime {
    let skew = policy.max_skew.as_secs();
    let by_age = match (params.created(), policy.max_age) {
        (Some(c), Some(age)) => Some(c.saturating_add(age.as_secs()).saturating_add(skew)),
        _ => None,
    };
    let by_expiry = params.expires().map(|e| e.saturating_add(skew));
    UnixTime::new(match (by_age, by_expiry) {
        (Some(a), Some(e)) => a.min(e),
        (Some(a), None) => a,
        (None, Some(e)) => e,
        // Neither limits it: remember for as long as the guard can.
        (None, None) => u64::MAX,
    })
}

/// Checks everything that can be checked before a key is known.
fn precheck(
    params: &SignatureParams,
    msg: &Message<'_>,
    body: &[u8],
    policy: &Policy,
) -> Result<(), Error> {
    if policy.required.iter().any(|c| !params.covers(c))
        || (policy.digest_with_body && !body.is_empty() && !params.covers_field("content-digest"))
        || (policy.content_type_when_present
            && msg.headers().contains_key("content-type")
            && !params.covers_field("content-type"))
    {
        return Err(Error::MissingRequiredComponent);
    }
    if let Some(t) = &policy.tag
        && params.tag() != Some(t.as_str())
    {
        return Err(Error::TagMismatch);
    }
    if policy.require_created && params.created().is_none() {
        return Err(Error::MissingCreated);
    }
    if policy.require_nonce && params.nonce().is_none() {
        return Err(Error::MissingNonce);
    }
    Ok(())
}

/// Verifies one signature with a known key (sans-IO, no replay check): policy structure,
/// `alg`, the signature, time and `Content-Digest`.
///
/// # Errors
/// The refusal, one [`Error`] per reason.
pub fn verify_signature(
    msg: &Message<'_>,
    body: &[u8],
    params: &SignatureParams,
    signature: &[u8],
    key: &VerifyingKey,
    check: &Check<'_>,
) -> Result<(), Error> {
    let policy = check.policy;
    if body.len() > policy.body_limit {
        return Err(Error::BodyTooLarge {
            limit: policy.body_limit,
        });
    }
    precheck(params, msg, body, policy)?;
    verify_prechecked(msg, body, params, signature, key, check)
}

/// [`verify_signature`] after its size and structure checks (the verifier runs those once,
/// before the key lookup).
fn verify_prechecked(
    msg: &Message<'_>,
    body: &[u8],
    params: &SignatureParams,
    signature: &[u8],
    key: &VerifyingKey,
    check: &Check<'_>,
) -> Result<(), Error> {
    let policy = check.policy;
    let alg = key.algorithm();
    if let Some(name) = params.alg()
        && Algorithm::from_name(name)? != alg
    {
        return Err(Error::AlgMismatch);
    }
    if !policy.algorithms.is_empty() && !policy.algorithms.contains(&alg) {
        return Err(Error::AlgMismatch);
    }
    let base = signature_base(msg, params, check.types)?;
    key.verify(&base, signature)?;
    let now = check.now.as_secs();
    let skew = policy.max_skew.as_secs();
    if let Some(created) = params.created() {
        if created > now.saturating_add(skew) {
            return Err(Error::CreatedInFuture);
        }
        if let Some(age) = policy.max_age
            && now > created.saturating_add(age.as_secs()).saturating_add(skew)
        {
            return Err(Error::TooOld);
        }
    }
    if let Some(expires) = params.expires()
        && now > expires.saturating_add(skew)
    {
        return Err(Error::Expired);
    }
    if params.covers_field("content-digest") {
        check_content_digest(msg.headers(), body)?;
    }
    Ok(())
}

/// Verifies signatures under a [`Policy`], with keys from a [`KeyResolver`] and nonces kept
/// in a [`ReplayGuard`].
///
/// ```
/// use std::sync::Arc;
/// use keyauth_httpsig::{FixedClock, Signer, SigningKey, StaticKeys, UnixTime, Verifier};
/// let key = SigningKey::hmac_sha256(b"a shared secret");
/// let clock = Arc::new(FixedClock::new(UnixTime::new(1_700_000_000)));
/// let signer = Signer::new(key.clone()).keyid("k1").clock(clock.clone());
/// let verifier = Verifier::builder(StaticKeys::new().with("k1", key.verifying_key()))
///     .clock(clock)
///     .build();
/// let mut req = http::Request::post("https://api.example/items").body(b"{}".to_vec()).unwrap();
/// signer.sign_request(&mut req)?;
/// let (parts, body) = req.into_parts();
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let ok = verifier.verify_request(&parts, &body).await?;
/// assert_eq!(ok.keyid.as_deref(), Some("k1"));
/// // The same request again is a replay.
/// assert_eq!(verifier.verify_request(&parts, &body).await, Err(keyauth_httpsig::Error::Replayed));
/// # Ok::<(), keyauth_httpsig::Error>(())
/// # })?;
/// # Ok::<(), keyauth_httpsig::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Verifier {
    keys: Arc<dyn KeyResolver>,
    policy: Policy,
    clock: Arc<dyn Clock>,
    guard: Arc<dyn ReplayGuard>,
    types: FieldTypes,
    scheme: Option<String>,
}

/// Builds a [`Verifier`].
#[derive(Debug)]
pub struct VerifierBuilder {
    inner: Verifier,
    /// Whether `replay_guard` was called: then `clock` must not replace the guard.
    guard_set: bool,
}

impl Verifier {
    /// A builder with the default [`Policy`], the system clock and a memory replay guard.
    #[must_use]
    pub fn builder(keys: impl KeyResolver + 'static) -> VerifierBuilder {
        Self::builder_arc(Arc::new(keys))
    }

    /// As [`Verifier::builder`] with a shared resolver.
    #[must_use]
    pub fn builder_arc(keys: Arc<dyn KeyResolver>) -> VerifierBuilder {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        VerifierBuilder {
            inner: Self {
                keys,
                policy: Policy::default(),
                guard: Arc::new(MemoryReplayGuard::with_clock(
                    DEFAULT_GUARD_CAPACITY,
                    clock.clone(),
                )),
                clock,
                types: FieldTypes::new(),
                scheme: None,
            },
            guard_set: false,
        }
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The scheme assumed for origin-form request URIs.
    #[must_use]
    pub fn scheme(&self) -> Option<&str> {
        self.scheme.as_deref()
    }

    /// The `Accept-Signature` member (label `sig1`) asking for what this verifier's policy
    /// requires: its components, and `created`, `nonce` and `tag` when required. A refusing
    /// server sends it with its 401 (RFC 9421 §5.1). `None` when it cannot be serialized.
    #[must_use]
    pub fn accept_signature(&self) -> Option<String> {
        let mut want = crate::AcceptSignature::new("sig1", self.policy.required.clone()).ok()?;
        if self.policy.require_created {
            want = want.with_created();
        }
        if self.policy.require_nonce {
            want = want.with_nonce();
        }
        if let Some(t) = &self.policy.tag {
            want = want.with_tag(t);
        }
        want.to_member().ok()
    }

    /// Verifies request parts and body.
    ///
    /// # Errors
    /// The refusal of the first candidate signature when none verifies.
    pub async fn verify_request(
        &self,
        parts: &http::request::Parts,
        body: &[u8],
    ) -> Result<Verified, Error> {
        let mut view = crate::RequestView::from_parts(parts);
        if let Some(s) = &self.scheme {
            view = view.with_scheme(s);
        }
        self.verify(&Message::Request(view), body).await
    }

    /// Verifies `msg` with `body`: at least one signature (the policy's label, or any) must
    /// pass every check; its nonce is then recorded.
    ///
    /// # Errors
    /// The refusal of the first candidate when none verifies.
    pub async fn verify(&self, msg: &Message<'_>, body: &[u8]) -> Result<Verified, Error> {
        if body.len() > self.policy.body_limit {
            return Err(Error::BodyTooLarge {
                limit: self.policy.body_limit,
            });
        }
        let headers = msg.headers();
        let inputs = parse_signature_input(headers)?;
        let sigs = parse_signature(headers)?;
        if let Some(l) = &self.policy.label
            && !inputs.iter().any(|(k, _)| k == l)
        {
            return Err(Error::LabelNotFound);
        }
        let mut first_err = None;
        for (label, params) in inputs {
            if self.policy.label.as_ref().is_some_and(|l| *l != label) {
                continue;
            }
            match self.try_one(msg, body, &label, &params, &sigs).await {
                // The parsed parameters move into the result (no copy).
                Ok(algorithm) => {
                    return Ok(Verified {
                        keyid: params.keyid().map(str::to_owned),
                        label,
                        algorithm,
                        params,
                    });
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        Err(first_err.unwrap_or(Error::MissingSignature))
    }

    async fn try_one(
        &self,
        msg: &Message<'_>,
        body: &[u8],
        label: &str,
        params: &SignatureParams,
        sigs: &[(String, Vec<u8>)],
    ) -> Result<Algorithm, Error> {
        let signature = sigs
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, s)| s)
            .ok_or(Error::MissingSignature)?;
        precheck(params, msg, body, &self.policy)?;
        let keyid = params.keyid().ok_or(Error::MissingKeyId)?;
        let key = self
            .keys
            .resolve(keyid)
            .await
            .map_err(|_| Error::KeyLookupFailed)?
            .ok_or(Error::UnknownKey)?;
        let check = Check {
            policy: &self.policy,
            types: &self.types,
            now: self.clock.now(),
        };
        // `verify` checked the body size, `precheck` ran above.
        verify_prechecked(msg, body, params, signature, &key, &check)?;
        if let Some(nonce) = params.nonce() {
            let until = remember_until(params, &self.policy);
            self.guard
                .check_and_mark(&replay_id(keyid, nonce), until)
                .await
                .map_err(|e| match e {
                    ReplayError::Replayed => Error::Replayed,
                    _ => Error::ReplayGuardUnavailable,
                })?;
        }
        Ok(key.algorithm())
    }
}

/// The id a replay guard marks: `httpsig:<len(keyid)>:<keyid>:<nonce>` (a nonce is fresh
/// per key; the length prefix keeps `a:b` + `c` apart from `a` + `b:c`).
#[must_use]
pub fn replay_id(keyid: &str, nonce: &str) -> Vec<u8> {
    format!("httpsig:{}:{keyid}:{nonce}", keyid.len()).into_bytes()
}

impl VerifierBuilder {
    /// The clock (a `FixedClock` in tests). Also the clock of the default memory guard,
    /// unless a guard was given with [`replay_guard`](Self::replay_guard) (in either order).
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        if !self.guard_set {
            self.inner.guard = Arc::new(MemoryReplayGuard::with_clock(
                DEFAULT_GUARD_CAPACITY,
                clock.clone(),
            ));
        }
        self.inner.clock = clock;
        self
    }

    /// Where nonces are kept (memory for one process, Redis for several). A later
    /// [`clock`](Self::clock) keeps it.
    #[must_use]
    pub fn replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.inner.guard = guard;
        self.guard_set = true;
        self
    }

    /// Allowed clock difference (default 60 s).
    #[must_use]
    pub fn max_skew(mut self, skew: Duration) -> Self {
        self.inner.policy.max_skew = skew;
        self
    }

    /// Maximum age of `created` (`None`: unlimited, only `expires` counts).
    #[must_use]
    pub fn max_age(mut self, age: Option<Duration>) -> Self {
        self.inner.policy.max_age = age;
        self
    }

    /// Replaces the required components (the body and content-type rules stay).
    #[must_use]
    pub fn required(mut self, components: Vec<ComponentId>) -> Self {
        self.inner.policy.required = components;
        self
    }

    /// Adds a required component.
    #[must_use]
    pub fn require(mut self, component: ComponentId) -> Self {
        if !self.inner.policy.required.contains(&component) {
            self.inner.policy.required.push(component);
        }
        self
    }

    /// Requires this `tag`.
    #[must_use]
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.inner.policy.tag = Some(tag.into());
        self
    }

    /// Considers only the signature with this label.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.inner.policy.label = Some(label.into());
        self
    }

    /// Whether a nonce is required (default yes).
    #[must_use]
    pub fn require_nonce(mut self, yes: bool) -> Self {
        self.inner.policy.require_nonce = yes;
        self
    }

    /// Whether `created` is required (default yes).
    #[must_use]
    pub fn require_created(mut self, yes: bool) -> Self {
        self.inner.policy.require_created = yes;
        self
    }

    /// Largest body checked (default 1 MiB).
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.inner.policy.body_limit = bytes;
        self
    }

    /// Accept only these algorithms.
    #[must_use]
    pub fn algorithms(mut self, algs: Vec<Algorithm>) -> Self {
        self.inner.policy.algorithms = algs;
        self
    }

    /// The whole policy at once.
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.inner.policy = policy;
        self
    }

    /// Structured types for `sf` components.
    #[must_use]
    pub fn field_types(mut self, types: FieldTypes) -> Self {
        self.inner.types = types;
        self
    }

    /// The scheme of origin-form request URIs (default `https`; a plain-HTTP test server
    /// says `http`).
    #[must_use]
    pub fn scheme(mut self, scheme: impl Into<String>) -> Self {
        self.inner.scheme = Some(scheme.into());
        self
    }

    /// The verifier.
    #[must_use]
    pub fn build(self) -> Verifier {
        self.inner
    }
}
