//! The server side: a tower [`Layer`](tower_layer::Layer) doing what `@hmac.auth()` does.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use crate::werkzeug::werkzeug_abort_status;
use crate::{DEFAULT_ERROR_CODE, Error, Hmac, Only};

/// The default body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// What the layer does with `OPTIONS` requests ([`HmacAuthLayer::options`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OptionsRequests {
    /// Flask's automatic `OPTIONS` (the default): answer `200` with an empty body at once,
    /// without checking anything and without calling the inner service, as Flask does for a
    /// route that does not list `OPTIONS` in its methods (a CORS preflight carries no
    /// signature). Flask also sends `Allow: <the route's methods>`; the layer does not know
    /// them and sends no `Allow`.
    #[default]
    Answer,
    /// Pass `OPTIONS` requests to the inner service unchecked (no
    /// [`Authenticated`](crate::Authenticated) extension), e.g. to a CORS layer or an
    /// `OPTIONS` handler inside. A handler that serves every method (axum's `any`) then runs
    /// for unauthenticated `OPTIONS` requests.
    PassThrough,
    /// Check `OPTIONS` like every other method (Flask: a route listing `OPTIONS` in its
    /// `methods`, so the decorated view runs for it).
    Check,
}

/// Why the layer refused a request, given to the error hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    status: StatusCode,
    error: Error,
}

impl Rejection {
    /// The status the layer chose.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What failed.
    #[must_use]
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The default response: the status and `text/plain` with its reason phrase. No
    /// `WWW-Authenticate`, also not when `HMAC_ERROR_CODE` is 401 (Flask sends none).
    #[must_use]
    pub fn default_response(&self) -> Response<Bytes> {
        let mut res = Response::new(Bytes::from_static(
            self.status.canonical_reason().unwrap_or("error").as_bytes(),
        ));
        *res.status_mut() = self.status;
        res.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        res
    }
}

type ErrorHook = Arc<dyn Fn(&Rejection) -> Response<Bytes> + Send + Sync>;

struct Config {
    hmac: Hmac,
    only: Option<Only>,
    limit: usize,
    error_status: StatusCode,
    on_error: Option<ErrorHook>,
    options: OptionsRequests,
    #[cfg(feature = "httpsig")]
    httpsig: Option<(keyauth_httpsig::Verifier, Formats)>,
}

/// Which signature formats a layer accepts (feature `httpsig`), so a route can move from
/// Flask-HMAC to RFC 9421 without downtime: `Both` during the migration, then `HttpSig`.
#[cfg(feature = "httpsig")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Formats {
    /// Only the Flask-HMAC compatible signature.
    Compat,
    /// Only RFC 9421 HTTP Message Signatures.
    HttpSig,
    /// A request with `Signature-Input` is checked as RFC 9421, any other as Flask-HMAC.
    Both,
}

/// The response to a refused RFC 9421 signature, as `keyauth_httpsig::HttpSigLayer` answers:
/// 401 with `Accept-Signature` naming what the policy requires, 413, or 503 when the key
/// lookup or the replay guard cannot answer (fail closed).
#[cfg(feature = "httpsig")]
fn httpsig_refusal<RB: From<Bytes>>(
    e: &keyauth_httpsig::Error,
    verifier: &keyauth_httpsig::Verifier,
) -> Response<RB> {
    use keyauth_httpsig::Error as E;
    let status = match e {
        E::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        E::ReplayGuardUnavailable | E::KeyLookupFailed => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNAUTHORIZED,
    };
    let mut res = Response::new(RB::from(Bytes::from(format!("{}\n", e.code()))));
    *res.status_mut() = status;
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if status == StatusCode::UNAUTHORIZED
        && let Some(v) = verifier
            .accept_signature()
            .and_then(|a| HeaderValue::try_from(a).ok())
    {
        res.headers_mut().insert("accept-signature", v);
    }
    res
}

impl Config {
    fn status_for(&self, error: &Error) -> StatusCode {
        match error {
            Error::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::BodyRead => StatusCode::BAD_REQUEST,
            // What `auth()` catches and hands to `abort()`.
            Error::MissingSignature | Error::InvalidSignature => self.error_status,
            // Everything else escapes the decorator upstream: a 500.
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn reject<RB: From<Bytes>>(&self, error: Error) -> Response<RB> {
        let rejection = Rejection {
            status: self.status_for(&error),
            error,
        };
        let res = match &self.on_error {
            Some(hook) => hook(&rejection),
            None => rejection.default_response(),
        };
        res.map(RB::from)
    }
}

/// Verifies requests as `@hmac.auth()` / `@hmac.auth(only=[...])` does (and, feature
/// `httpsig`, RFC 9421 signatures: [`HmacAuthLayer::httpsig`]).
///
/// The body is buffered up to a limit (default 1 MiB; above it `413`, also for chunked bodies
/// without `Content-Length`), checked, and passed on intact with an
/// [`Authenticated`](crate::Authenticated) request extension. Failures answer upstream's
/// status: `HMAC_ERROR_CODE` (default 403) for a missing or wrong signature, 500 for what
/// upstream lets escape (unknown service name...). [`HmacAuthLayer::on_error`] shapes the
/// response.
///
/// ```
/// use hmac_auth::{Hmac, HmacAuthLayer, Key, Only};
/// let hmac = Hmac::builder()
///     .key(Key::latin1("s3cr3tk3y")?)
///     .service("aservice", Key::latin1("akey")?)
///     .build();
/// let layer = HmacAuthLayer::new(hmac)
///     .only(Only::names(["aservice"]))
///     .body_limit(64 * 1024)
///     .error_code(401);
/// # drop(layer);
/// # Ok::<(), hmac_auth::Error>(())
/// ```
#[derive(Clone)]
pub struct HmacAuthLayer {
    config: Arc<Config>,
}

impl core::fmt::Debug for HmacAuthLayer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HmacAuthLayer")
            .field("hmac", &self.config.hmac)
            .field("only", &self.config.only)
            .field("limit", &self.config.limit)
            .field("error_status", &self.config.error_status)
            .finish_non_exhaustive()
    }
}

impl HmacAuthLayer {
    /// Flask-HMAC compatible checking with `hmac`'s keys, no `only`, 1 MiB limit, status 403.
    #[must_use]
    pub fn new(hmac: Hmac) -> Self {
        Self {
            config: Arc::new(Config {
                hmac,
                only: None,
                limit: DEFAULT_BODY_LIMIT,
                error_status: werkzeug_abort_status(DEFAULT_ERROR_CODE),
                on_error: None,
                options: OptionsRequests::Answer,
                #[cfg(feature = "httpsig")]
                httpsig: None,
            }),
        }
    }

    fn edit(mut self, f: impl FnOnce(&mut Config)) -> Self {
        if let Some(config) = Arc::get_mut(&mut self.config) {
            f(config);
            self
        } else {
            let c = &self.config;
            let mut config = Config {
                hmac: c.hmac.clone(),
                only: c.only.clone(),
                limit: c.limit,
                error_status: c.error_status,
                on_error: c.on_error.clone(),
                options: c.options,
                #[cfg(feature = "httpsig")]
                httpsig: c.httpsig.clone(),
            };
            f(&mut config);
            Self {
                config: Arc::new(config),
            }
        }
    }

    /// Also (or only) accept RFC 9421 signatures checked by `verifier` (feature `httpsig`);
    /// an accepted one puts `keyauth_httpsig::Verified` in the request extensions.
    #[cfg(feature = "httpsig")]
    #[must_use]
    pub fn httpsig(self, verifier: keyauth_httpsig::Verifier, formats: Formats) -> Self {
        self.edit(|c| c.httpsig = Some((verifier, formats)))
    }

    /// Admit only these services (`@hmac.auth(only=...)`); the global key still passes.
    #[must_use]
    pub fn only(self, only: Only) -> Self {
        self.edit(|c| c.only = Some(only))
    }

    /// The largest body buffered and checked; larger ones get `413`.
    #[must_use]
    pub fn body_limit(self, bytes: usize) -> Self {
        self.edit(|c| c.limit = bytes)
    }

    /// `HMAC_ERROR_CODE`: the status for a missing or invalid signature. As with Flask's
    /// `abort`, a code Werkzeug has no exception for (200, 302, 999) becomes 500.
    #[must_use]
    pub fn error_code(self, code: u16) -> Self {
        self.edit(|c| c.error_status = werkzeug_abort_status(code))
    }

    /// What happens to `OPTIONS` requests. The default, [`OptionsRequests::Answer`], is
    /// Flask's: `200` without any check (CORS preflights pass), the inner service is not
    /// called.
    #[must_use]
    pub fn options(self, options: OptionsRequests) -> Self {
        self.edit(|c| c.options = options)
    }

    /// Shapes error responses (upstream: overriding `abort()`).
    #[must_use]
    pub fn on_error<F>(self, hook: F) -> Self
    where
        F: Fn(&Rejection) -> Response<Bytes> + Send + Sync + 'static,
    {
        self.edit(|c| c.on_error = Some(Arc::new(hook)))
    }
}

impl<S> tower_layer::Layer<S> for HmacAuthLayer {
    type Service = HmacAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HmacAuth {
            inner,
            config: self.config.clone(),
        }
    }
}

/// The service [`HmacAuthLayer`] wraps around an inner service.
#[derive(Clone)]
pub struct HmacAuth<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S: core::fmt::Debug> core::fmt::Debug for HmacAuth<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HmacAuth")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

async fn buffer<B>(headers: &http::HeaderMap, body: B, limit: usize) -> Result<Bytes, Error>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(Error::BodyTooLarge { limit });
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(Error::BodyTooLarge { limit })
        }
        Err(_) => Err(Error::BodyRead),
    }
}

impl<S, B, RB> tower_service::Service<Request<B>> for HmacAuth<S>
where
    S: tower_service::Service<Request<B>, Response = Response<RB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Body + From<Bytes> + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    RB: From<Bytes> + Send + 'static,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<RB>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone that was driven to readiness serves this call (tower's usual dance).
        let clone = self.inner.clone();
        let mut inner = core::mem::replace(&mut self.inner, clone);
        let config = self.config.clone();
        if request.method() == http::Method::OPTIONS {
            match config.options {
                OptionsRequests::Answer => {
                    return Box::pin(async { Ok(Response::new(RB::from(Bytes::new()))) });
                }
                OptionsRequests::PassThrough => return Box::pin(inner.call(request)),
                OptionsRequests::Check => {}
            }
        }
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let bytes = match buffer(&parts.headers, body, config.limit).await {
                Ok(b) => b,
                Err(e) => return Ok(config.reject(e)),
            };
            #[cfg(feature = "httpsig")]
            if let Some((verifier, formats)) = &config.httpsig {
                let rfc = match formats {
                    Formats::HttpSig => true,
                    Formats::Both => parts.headers.contains_key("signature-input"),
                    Formats::Compat => false,
                };
                if rfc {
                    return match verifier.verify_request(&parts, &bytes).await {
                        Ok(v) => {
                            parts.extensions.insert(v);
                            inner.call(Request::from_parts(parts, B::from(bytes))).await
                        }
                        Err(e) => Ok(httpsig_refusal(&e, verifier)),
                    };
                }
            }
            match config
                .hmac
                .validate_parts(&parts, &bytes, config.only.as_ref())
            {
                Ok(who) => {
                    parts.extensions.insert(who);
                    inner.call(Request::from_parts(parts, B::from(bytes))).await
                }
                Err(e) => Ok(config.reject(e)),
            }
        })
    }
}
