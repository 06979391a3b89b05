//! The tower layer (feature `tower`): verifies request signatures, optionally signs
//! responses bound to their request (`req` components).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use crate::{
    AcceptSignature, Error, Message, RequestView, ResponseView, SignOptions, Signer, Verifier,
};

/// Why the layer refused a request, given to the error hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    status: StatusCode,
    error: Error,
    accept_signature: Option<String>,
}

impl Rejection {
    /// The status: 401 for a missing or refused signature, 400 for a malformed message,
    /// 413 for a body over the limit, 503 when the key store or replay guard cannot answer.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What failed.
    #[must_use]
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The default response: the status, `text/plain` body with the error code, and on
    /// 401 an `Accept-Signature` naming the components the policy requires.
    #[must_use]
    pub fn default_response(&self) -> Response<Bytes> {
        let mut res = Response::new(Bytes::from(format!("{}\n", self.error.code())));
        *res.status_mut() = self.status;
        res.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        if let Some(v) = self
            .accept_signature
            .as_ref()
            .and_then(|a| HeaderValue::try_from(a.as_str()).ok())
        {
            res.headers_mut().insert("accept-signature", v);
        }
        res
    }
}

fn status_for(e: &Error) -> StatusCode {
    match e {
        Error::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Error::BodyRead | Error::MalformedMessage => StatusCode::BAD_REQUEST,
        Error::ReplayGuardUnavailable | Error::KeyLookupFailed => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::UNAUTHORIZED,
    }
}

type ErrorHook = Arc<dyn Fn(&Rejection) -> Response<Bytes> + Send + Sync>;

struct Config {
    verifier: Option<Verifier>,
    signer: Option<Signer>,
    on_error: Option<ErrorHook>,
    accept: Option<String>,
    limit: usize,
}

/// Verifies RFC 9421 signatures on requests (and signs responses when asked).
///
/// The body is buffered up to the policy's limit (above it `413`, also for chunked bodies),
/// verified with its `Content-Digest`, and passed on intact with the [`Verified`](crate::Verified)
/// signature in the request extensions.
///
/// ```
/// use keyauth_httpsig::{HttpSigLayer, Signer, SigningKey, StaticKeys, Verifier};
/// let key = SigningKey::hmac_sha256(b"a shared secret");
/// let verifier = Verifier::builder(StaticKeys::new().with("k1", key.verifying_key()))
///     .scheme("http")
///     .build();
/// let layer = HttpSigLayer::new(verifier).sign_responses(Signer::new(key).keyid("server"));
/// # drop(layer);
/// ```
#[derive(Clone)]
pub struct HttpSigLayer {
    config: Arc<Config>,
}

impl core::fmt::Debug for HttpSigLayer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HttpSigLayer")
            .field("verifier", &self.config.verifier)
            .field("signer", &self.config.signer)
            .finish_non_exhaustive()
    }
}

impl HttpSigLayer {
    /// Verifies every request with `verifier`.
    #[must_use]
    pub fn new(verifier: Verifier) -> Self {
        Self {
            config: Arc::new(Config {
                accept: verifier.accept_signature(),
                limit: verifier.policy().body_limit,
                verifier: Some(verifier),
                signer: None,
                on_error: None,
            }),
        }
    }

    /// Verifies nothing and only signs responses.
    #[must_use]
    pub fn signing_only(signer: Signer) -> Self {
        Self {
            config: Arc::new(Config {
                verifier: None,
                signer: Some(signer),
                on_error: None,
                accept: None,
                limit: crate::DEFAULT_BODY_LIMIT,
            }),
        }
    }

    fn edit(self, f: impl FnOnce(&mut Config)) -> Self {
        let c = &self.config;
        let mut config = Config {
            verifier: c.verifier.clone(),
            signer: c.signer.clone(),
            on_error: c.on_error.clone(),
            accept: c.accept.clone(),
            limit: c.limit,
        };
        f(&mut config);
        Self {
            config: Arc::new(config),
        }
    }

    /// Signs every response with `signer`, bound to the request (`"@method";req`...), as
    /// an `Accept-Signature` of the request asks when it can.
    #[must_use]
    pub fn sign_responses(self, signer: Signer) -> Self {
        self.edit(|c| c.signer = Some(signer))
    }

    /// Shapes error responses.
    #[must_use]
    pub fn on_error<F>(self, hook: F) -> Self
    where
        F: Fn(&Rejection) -> Response<Bytes> + Send + Sync + 'static,
    {
        self.edit(|c| c.on_error = Some(Arc::new(hook)))
    }
}

impl<S> tower_layer::Layer<S> for HttpSigLayer {
    type Service = HttpSigService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpSigService {
            inner,
            config: self.config.clone(),
        }
    }
}

/// The service [`HttpSigLayer`] wraps around an inner service.
#[derive(Clone)]
pub struct HttpSigService<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S: core::fmt::Debug> core::fmt::Debug for HttpSigService<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HttpSigService")
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

impl Config {
    fn reject<RB: From<Bytes>>(&self, error: Error) -> Response<RB> {
        let status = status_for(&error);
        let rejection = Rejection {
            status,
            accept_signature: (status == StatusCode::UNAUTHORIZED)
                .then(|| self.accept.clone())
                .flatten(),
            error,
        };
        let res = match &self.on_error {
            Some(hook) => hook(&rejection),
            None => rejection.default_response(),
        };
        res.map(RB::from)
    }
}

impl<S, B, RB> tower_service::Service<Request<B>> for HttpSigService<S>
where
    S: tower_service::Service<Request<B>, Response = Response<RB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Body + From<Bytes> + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    RB: Body + From<Bytes> + Send + 'static,
    RB::Data: Send,
    RB::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<RB>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<RB>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = core::mem::replace(&mut self.inner, clone);
        let config = self.config.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let bytes = match buffer(&parts.headers, body, config.limit).await {
                Ok(b) => b,
                Err(e) => return Ok(config.reject(e)),
            };
            if let Some(verifier) = &config.verifier {
                match verifier.verify_request(&parts, &bytes).await {
                    Ok(v) => {
                        parts.extensions.insert(v);
                    }
                    Err(e) => return Ok(config.reject(e)),
                }
            }
            let Some(signer) = &config.signer else {
                return inner.call(Request::from_parts(parts, B::from(bytes))).await;
            };
            // Keep what the response signature binds to.
            let (method, uri, headers) = (
                parts.method.clone(),
                parts.uri.clone(),
                parts.headers.clone(),
            );
            let res = inner
                .call(Request::from_parts(parts, B::from(bytes)))
                .await?;
            let (mut rparts, rbody) = res.into_parts();
            let rbytes = match buffer(&rparts.headers, rbody, usize::MAX).await {
                Ok(b) => b,
                Err(_) => return Ok(config.reject(Error::BodyRead)),
            };
            let scheme = config
                .verifier
                .as_ref()
                .and_then(Verifier::scheme)
                .unwrap_or(crate::DEFAULT_SCHEME);
            let req_view = RequestView::new(&method, &uri, &headers).with_scheme(scheme);
            let chosen = AcceptSignature::from_headers(&headers)
                .ok()
                .and_then(|w| w.iter().find_map(|a| signer.for_accept(a).ok()));
            let signer = chosen.as_ref().unwrap_or(signer);
            signer.add_content_digest(&mut rparts.headers, &rbytes);
            let signed = signer.sign_message(
                &Message::Response(ResponseView::from_parts(&rparts), Some(req_view)),
                &SignOptions::default(),
            );
            if let Ok(s) = signed {
                // A response that cannot be signed goes out unsigned rather than not at all;
                // the client's verifier refuses it.
                let _ = s.apply_to(&mut rparts.headers);
            }
            Ok(Response::from_parts(rparts, RB::from(rbytes)))
        })
    }
}
