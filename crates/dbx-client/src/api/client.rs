//! The HTTP client every API family calls through.

use super::error::{ApiError, excerpt};
use super::retry::{RetryNotice, RetryPolicy};
use crate::auth::CredentialProvider;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One authenticated connection to one Databricks host (account or workspace).
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    /// Scheme, host and any gateway path prefix, without a trailing slash.
    base: String,
    auth: Arc<dyn CredentialProvider>,
    extra_headers: HeaderMap,
    retry: RetryPolicy,
    /// Which workspace workspace-level calls are for (`X-Databricks-Workspace-Id`).
    routing: Option<Arc<super::routing::WorkspaceRouting>>,
}

/// Makes rustls on `ring` the process's TLS provider, once; every reqwest client needs it.
/// reqwest is built without a provider of its own (its default, aws-lc, is a long C build),
/// and a client built before this call would panic. Building a client through this module
/// calls it; code that builds a bare `reqwest::Client` calls it first.
pub fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means another provider was installed first, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The shared reqwest client: rustls, bounded connect and request times, no redirects.
/// Infallible: the settings are fixed and valid.
pub fn http_client() -> reqwest::Client {
    build(None).unwrap_or_else(|_| reqwest::Client::new())
}

/// The client for a profile: [`http_client`], trusting also the PEM certificates in the
/// profile's `tls_ca_file` (a private CA in front of Databricks, or a test CA).
pub fn http_client_for(profile: &crate::config::Profile) -> Result<reqwest::Client, String> {
    let Some(path) = profile.other.get("tls_ca_file") else {
        return Ok(http_client());
    };
    let pem = std::fs::read(path).map_err(|e| format!("tls_ca_file {path}: {e}"))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("tls_ca_file {path}: not PEM certificates ({e})"))?;
    build(Some(certs)).map_err(|e| format!("tls_ca_file {path}: {e}"))
}

/// The one place HTTP client settings are decided, for the actor, `auth check`, the
/// command-line subcommands and every token request.
///
/// Redirects are never followed: on a redirect to another host reqwest drops only
/// `Authorization` and `Cookie`, so gateway keys and the Azure and GCP companion tokens would
/// go along. A Databricks API does not redirect; a 30x is a sign-in page or a private-link
/// front door, and is reported with its `Location` (see [`redirect_target`]).
fn build(extra_ca: Option<Vec<reqwest::Certificate>>) -> reqwest::Result<reqwest::Client> {
    install_tls_provider();
    let mut b = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("dbx-tui/", env!("CARGO_PKG_VERSION")))
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(certs) = extra_ca {
        b = b.tls_certs_merge(certs);
    }
    b.build()
}

/// Where a 30x answer points, resolved against the URL asked and reduced to scheme, host,
/// port and path: a query string may carry a sign-in request or a token, and userinfo a
/// password, and neither belongs in a message.
pub fn redirect_target(requested: &str, headers: &HeaderMap) -> String {
    let Some(location) = headers.get(LOCATION).and_then(|v| v.to_str().ok()) else {
        return "(no Location header)".into();
    };
    let base = reqwest::Url::parse(requested).ok();
    let parsed = match &base {
        Some(b) => b.join(location),
        None => reqwest::Url::parse(location),
    };
    match parsed {
        Ok(u) => crate::auth::transport::display(&u),
        Err(_) => "(an unreadable Location header)".into(),
    }
}

impl ApiClient {
    pub fn new(http: reqwest::Client, base: &str, auth: Arc<dyn CredentialProvider>) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            auth,
            extra_headers: HeaderMap::new(),
            retry: RetryPolicy::default(),
            routing: None,
        }
    }

    /// Route workspace-level calls with `X-Databricks-Workspace-Id` (docs/wire-facts.md §3).
    pub fn with_routing(mut self, routing: Arc<super::routing::WorkspaceRouting>) -> Self {
        self.routing = Some(routing);
        self
    }

    /// The workspace routing of this client, if any (the host metadata it read, for messages).
    pub fn routing(&self) -> Option<&Arc<super::routing::WorkspaceRouting>> {
        self.routing.as_ref()
    }

    /// The workspace id sent with a workspace-level call to `path`, if one is known.
    async fn workspace_id_for(&self, path: &str) -> Option<String> {
        let routing = self.routing.as_ref()?;
        if !super::routing::is_workspace_level(path) {
            return None;
        }
        routing.workspace_id(&self.http, &self.base).await
    }

    /// Headers sent on every request (gateway keys, `X-Databricks-Workspace-Id`).
    pub fn with_headers(mut self, headers: HeaderMap) -> Self {
        self.extra_headers = headers;
        self
    }

    /// Retry limits (tests shorten them).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The retry limits this client applies (callers that run their own retry loop use them).
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// The reqwest client, for providers that mint tokens on the same connection settings.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn auth(&self) -> &Arc<dyn CredentialProvider> {
        &self.auth
    }

    /// The full URL of an API path (which starts with `/`), keeping any gateway prefix.
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        let (status, body) = self.execute(Method::GET, path, query, None).await?;
        decode_answer(path, status, &body)
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.send_json(Method::POST, path, body).await
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.send_json(Method::PUT, path, body).await
    }

    /// PATCH; SCIM answers 200 with the resource or 204 empty, so decode into an `Option`.
    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.send_json(Method::PATCH, path, body).await
    }

    pub async fn delete(&self, path: &str) -> Result<(), ApiError> {
        self.execute(Method::DELETE, path, &[], None)
            .await
            .map(|_| ())
    }

    async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let bytes = serde_json::to_vec(body).map_err(|e| ApiError::Decode {
            endpoint: path.to_owned(),
            status: 0,
            reason: format!("could not encode the request: {e}"),
            excerpt: String::new(),
        })?;
        let (status, body) = self.execute(method, path, &[], Some(bytes)).await?;
        decode_answer(path, status, &body)
    }

    /// Send one request: authenticate, retry per [`RetryPolicy`], refresh the token once on
    /// 401/403, and turn every failure into an [`ApiError`] naming the endpoint.
    ///
    /// 429 and 503 mean the server did not act, so they are retried for any method. Transport
    /// failures are ambiguous (the request may have been applied), so only idempotent methods
    /// retry them; a caller of a POST checks the server instead.
    async fn execute(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<(u16, bytes::Bytes), ApiError> {
        let policy = self.retry;
        let idempotent = matches!(
            method,
            Method::GET | Method::PUT | Method::DELETE | Method::HEAD
        );
        let started = Instant::now();
        let mut refreshed = false;
        let mut attempt = 0;
        let mut connect_failures = 0;
        let workspace_id = self.workspace_id_for(path).await;
        loop {
            attempt += 1;
            let headers = self.auth.authorize(&self.http).await.map_err(|e| {
                if e.is_outage() {
                    // The token endpoint is down: an outage, not a refused credential.
                    ApiError::Local(e.to_string())
                } else {
                    ApiError::Auth(e.to_string())
                }
            })?;
            let mut req = self
                .http
                .request(method.clone(), self.url(path))
                .headers(self.extra_headers.clone())
                .header(ACCEPT, "application/json");
            if let Some(id) = &workspace_id {
                req = req.header(super::routing::WORKSPACE_ID_HEADER, id.as_str());
            }
            let token = headers.token;
            for (k, v) in headers.headers {
                req = req.header(k, v);
            }
            if !query.is_empty() {
                req = req.query(query);
            }
            if let Some(b) = &body {
                req = req.header(CONTENT_TYPE, "application/json").body(b.clone());
            }
            tracing::debug!(%method, path, attempt, "request");
            let outcome = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    if status.is_redirection() {
                        let err = ApiError::Redirected {
                            method: method.to_string(),
                            endpoint: path.to_owned(),
                            status: status.as_u16(),
                            location: redirect_target(resp.url().as_str(), resp.headers()),
                        };
                        tracing::warn!(%method, path, error = %err, "redirect not followed");
                        return Err(err);
                    }
                    let retry_after = resp
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|s| s.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    resp.bytes().await.map(|b| (status, retry_after, b))
                }
                Err(e) => Err(e),
            };
            let (status, retry_after, bytes) = match outcome {
                Ok(x) => x,
                Err(e) => {
                    let err = self.transport_error(path, e);
                    let connect = matches!(err, ApiError::Connect { .. })
                        && !err.to_string().contains("connection lost");
                    connect_failures += u32::from(connect);
                    let may_retry = if connect {
                        // Refused or unresolvable: nothing was sent, but do not hang on a dead host.
                        connect_failures < policy.connect_attempts
                    } else {
                        idempotent
                    };
                    let wait = policy.wait(attempt, None);
                    if may_retry
                        && attempt < policy.max_attempts
                        && started.elapsed() + wait < policy.deadline
                    {
                        let reason = if connect {
                            "connection refused"
                        } else {
                            "connection lost"
                        };
                        self.announce(attempt, reason, wait, path).await;
                        continue;
                    }
                    return Err(err);
                }
            };
            if status.is_success() {
                return Ok((status.as_u16(), bytes));
            }
            let err = ApiError::from_response(
                method.as_str(),
                path,
                status.as_u16(),
                retry_after,
                &bytes,
            );
            tracing::warn!(%method, path, status = status.as_u16(), error = %err, "request failed");
            let auth_refused = status == StatusCode::UNAUTHORIZED
                || (status == StatusCode::FORBIDDEN
                    && matches!(&err, ApiError::Http { message, .. } if message.contains("Invalid access token")));
            let static_credential = matches!(self.auth.method(), "pat" | "gateway");
            if auth_refused && !refreshed && !static_credential {
                // One refresh and one retry, never a loop.
                refreshed = true;
                if let Some(t) = token {
                    self.auth.invalidate(t);
                }
                continue;
            }
            let retryable = matches!(status.as_u16(), 429 | 503)
                || (idempotent && matches!(status.as_u16(), 502 | 504));
            let wait = policy.wait(attempt, retry_after);
            if retryable
                && attempt < policy.max_attempts
                && started.elapsed() + wait < policy.deadline
            {
                self.announce(attempt, &status.as_u16().to_string(), wait, path)
                    .await;
                continue;
            }
            return Err(self.explain(err));
        }
    }

    async fn announce(&self, attempt: u32, reason: &str, wait: Duration, path: &str) {
        super::retry::notify(RetryNotice {
            attempt: attempt + 1,
            max_attempts: self.retry.max_attempts,
            reason: reason.to_owned(),
            wait,
            endpoint: path.to_owned(),
        });
        tokio::time::sleep(wait).await;
    }

    /// Reword errors whose cause we know better than the server says.
    fn explain(&self, err: ApiError) -> ApiError {
        match err {
            ApiError::Http {
                status: 401,
                ref message,
                ..
            } if self.auth.method() == "pat" && message.contains("unsupported type") => ApiError::Auth(
                "account APIs do not accept personal access tokens: use an OAuth service principal (client_id and client_secret) for this profile".into(),
            ),
            // A gateway-only profile sends no token of ours: a 401 that is not the gateway's
            // own key check (APIM answers `{"error_code":"401","message":"Unauthorized"}`) is
            // Databricks refusing the identity the gateway presented (docs/wire-facts.md §8.2).
            ApiError::Http {
                status: 401,
                ref code,
                ref message,
                ..
            } if self.auth.method() == "gateway" && code != "GATEWAY" => ApiError::Auth(format!(
                "the request was refused ({message}), and this profile sends no token (auth_type = gateway): the gateway's own identity is what was refused. Check that the gateway adds a Databricks token (e.g. an API Management managed-identity policy for resource 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d) and that this identity is a service principal in the workspace"
            )),
            ApiError::Http {
                status: 401,
                ref code,
                ref message,
                ..
            } if code == "GATEWAY" => {
                let names = self.auth.gateway_headers();
                ApiError::Auth(if names.is_empty() {
                    format!("the API gateway refused the request: {message} The profile sends no gateway key: add gateway_headers = Header-Name: keyring:NAME")
                } else {
                    format!("the API gateway refused the key sent in {}: {message}", names.join(", "))
                })
            }
            other => other,
        }
    }

    fn transport_error(&self, path: &str, e: reqwest::Error) -> ApiError {
        if e.is_timeout() {
            ApiError::Timeout {
                endpoint: path.to_owned(),
                seconds: 30,
            }
        } else if e.is_connect() {
            ApiError::Connect {
                host: self.base.clone(),
                reason: root_cause(&e),
            }
        } else {
            ApiError::Connect {
                host: self.base.clone(),
                reason: format!("connection lost during {path}: {}", root_cause(&e)),
            }
        }
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Parse a JSON body; an empty body decodes as JSON `null` (DELETE and some PATCH answers).
pub fn decode<T: DeserializeOwned>(endpoint: &str, body: &[u8]) -> Result<T, ApiError> {
    decode_answer(endpoint, 200, body)
}

/// [`decode`] for an answer with the given status, which an error reports as it was (a create
/// answers 201, and "HTTP 200" would mislead whoever reads the error).
pub fn decode_answer<T: DeserializeOwned>(
    endpoint: &str,
    status: u16,
    body: &[u8],
) -> Result<T, ApiError> {
    let slice: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    };
    serde_json::from_slice(slice).map_err(|e| {
        let text = String::from_utf8_lossy(body);
        let reason = if text.trim_start().starts_with('<') {
            "an HTML page instead of JSON (a sign-in page? check the host and auth type)".to_owned()
        } else {
            format!("JSON that does not match the API ({e})")
        };
        ApiError::Decode {
            endpoint: endpoint.to_owned(),
            status,
            reason,
            excerpt: excerpt(&text, 80),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_cut_short_reports_the_status_it_came_with() {
        let err =
            decode_answer::<serde_json::Value>("/scim/v2/ServicePrincipals", 201, b"{\"id\":")
                .unwrap_err();
        assert!(
            matches!(err, ApiError::Decode { status: 201, .. }),
            "{err:?}"
        );
        assert!(
            err.user_message().contains("HTTP 201"),
            "{}",
            err.user_message()
        );
        assert!(
            err.outcome_unknown(),
            "a 2xx cut short may have been acted on"
        );
    }
}
