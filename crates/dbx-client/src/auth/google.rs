//! Google credentials (docs/wire-facts.md §8.3): Databricks on GCP takes a Google-signed ID token whose
//! audience is the exact host called, plus, on account APIs, a GCP access token of the same
//! service account in `X-Databricks-GCP-SA-Access-Token`.
//!
//! - `google-credentials`: a service-account key (`google_credentials` = a file path or the
//!   inline JSON). Both tokens come from a JWT signed with the key (gcp_auth's `Signer`) and
//!   exchanged at the key's `token_uri`: with `target_audience` for the ID token, with `scope`
//!   for the access token (on our client, so a refusal keeps its HTTP status).
//! - `google-id`: impersonate `google_service_account` through IAM Credentials
//!   `generateIdToken`/`generateAccessToken`, authenticated as the source credential: the key in
//!   `google_credentials` if set, else Application Default Credentials. `google_iam_url`
//!   overrides `https://iamcredentials.googleapis.com` (tests, private endpoints). A denied
//!   call (HTTP 403) names the role the caller lacks, `roles/iam.serviceAccountTokenCreator`.
//!
//! The ID token's audience is the host, unless `google_audience` says otherwise: behind a
//! gateway the host is the gateway's URL, while Databricks expects its own.

use super::token_cache::{Mint, Minted};
use super::token_request::{Answer, root_cause, send};
use super::transport::require_https;
use super::{AuthError, AuthHeaders};
use crate::config::Secret;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use gcp_auth::{CustomServiceAccount, TokenProvider};
use reqwest::header::{HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::json;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::OnceCell;

pub const DEFAULT_IAM_URL: &str = "https://iamcredentials.googleapis.com";
const SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/cloud-platform",
    "https://www.googleapis.com/auth/compute",
];
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The profile key that sets the ID token's audience (default: the host).
pub const AUDIENCE_KEY: &str = "google_audience";
/// The role a caller needs on a service account to mint its tokens through IAM Credentials.
pub const TOKEN_CREATOR_ROLE: &str = "roles/iam.serviceAccountTokenCreator";

/// The fields of a service-account key we read ourselves (gcp_auth keeps its own private).
#[derive(Deserialize)]
struct KeyFields {
    client_email: String,
    token_uri: String,
}

/// A service-account key, loaded once.
pub struct ServiceAccountKey {
    sa: Arc<CustomServiceAccount>,
    email: String,
    token_uri: String,
}

impl ServiceAccountKey {
    /// From `google_credentials`: inline JSON, or a path to a key file. Errors never quote it.
    pub fn load(value: &Secret) -> Result<Self, AuthError> {
        let raw = value.expose().trim();
        let text = if raw.starts_with('{') {
            raw.to_owned()
        } else {
            std::fs::read_to_string(raw).map_err(|e| {
                AuthError::Config(format!("google_credentials: cannot read {raw}: {e}"))
            })?
        };
        let fields: KeyFields = serde_json::from_str(&text).map_err(|_| {
            AuthError::Config(
                "google_credentials is not a service-account key (need client_email, token_uri, private_key)".into(),
            )
        })?;
        // The signed assertion goes there, and gcp_auth posts to it too.
        require_https("the token_uri of google_credentials", &fields.token_uri)?;
        let sa = CustomServiceAccount::from_json(&text)
            .map_err(|e| AuthError::Config(format!("google_credentials: {}", first_line(&e))))?;
        Ok(Self {
            sa: Arc::new(sa),
            email: fields.client_email,
            token_uri: fields.token_uri,
        })
    }

    /// A JWT-bearer assertion signed with the key: `extra` is `target_audience` or `scope`.
    fn assertion(&self, extra: (&str, &str)) -> Result<String, AuthError> {
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut claims = json!({
            "iss": self.email, "sub": self.email, "aud": self.token_uri,
            "iat": iat, "exp": iat + 3600,
        });
        claims[extra.0] = json!(extra.1);
        let mut jwt = B64.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        jwt.push('.');
        jwt.push_str(&B64.encode(claims.to_string()));
        let sig =
            self.sa.signer().sign(jwt.as_bytes()).map_err(|e| {
                AuthError::Config(format!("google_credentials: {}", first_line(&e)))
            })?;
        jwt.push('.');
        jwt.push_str(&B64.encode(sig));
        Ok(jwt)
    }

    /// An access token for `scopes` by the JWT-bearer grant with `scope`.
    async fn access_token(
        &self,
        http: &reqwest::Client,
        scopes: &[&str],
    ) -> Result<Secret, AuthError> {
        let jwt = self.assertion(("scope", &scopes.join(" ")))?;
        let answer = post(
            http,
            &self.token_uri,
            None,
            Body::Form(&[("grant_type", JWT_BEARER), ("assertion", &jwt)]),
        )
        .await?;
        Ok(answer.tokens(&self.token_uri)?.access)
    }

    /// An ID token for `audience` by the JWT-bearer grant with `target_audience`.
    async fn id_token(&self, http: &reqwest::Client, audience: &str) -> Result<String, AuthError> {
        let jwt = self.assertion(("target_audience", audience))?;
        #[derive(Deserialize)]
        struct IdResponse {
            id_token: Option<String>,
        }
        let r: IdResponse = post(
            http,
            &self.token_uri,
            None,
            Body::Form(&[("grant_type", JWT_BEARER), ("assertion", &jwt)]),
        )
        .await?
        .json(&self.token_uri)?;
        r.id_token.ok_or_else(|| AuthError::BadResponse {
            endpoint: self.token_uri.clone(),
            reason: "no id_token in the answer".into(),
        })
    }
}

enum Body<'a> {
    Form(&'a [(&'a str, &'a str)]),
    Json(serde_json::Value),
}

/// POSTs to a Google token endpoint; the answer of a success, else its refusal.
async fn post(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    body: Body<'_>,
) -> Result<Answer, AuthError> {
    // Every URL here is a token endpoint (a key's token_uri, or google_iam_url).
    require_https("the Google token endpoint", url)?;
    let mut req = http.post(url);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    req = match body {
        Body::Form(f) => req.form(f),
        Body::Json(j) => req.json(&j),
    };
    send(url, req).await?.accepted(url)
}

fn first_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_owned()
}

/// Seconds until a JWT's `exp`, unverified (we only schedule the refresh with it).
fn jwt_lifetime(token: &str) -> Option<Duration> {
    let body = token.split('.').nth(1)?;
    let claims: serde_json::Value =
        serde_json::from_slice(&B64.decode(body.trim_end_matches('=')).ok()?).ok()?;
    let exp = claims["exp"].as_f64()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    Some(Duration::from_secs_f64((exp - now).max(0.0)))
}

/// A gcp_auth failure (Application Default Credentials) as what it is: no connection, or a
/// refusal whose status gcp_auth does not report (it logs the answer's body at warn level).
fn adc_error(e: &gcp_auth::Error) -> AuthError {
    let endpoint = "the Application Default Credentials' token endpoint".to_owned();
    match e {
        gcp_auth::Error::Other(_, inner) => AuthError::Unreachable {
            endpoint,
            reason: root_cause(inner.as_ref()),
        },
        gcp_auth::Error::Http(_, inner) => AuthError::Unreachable {
            endpoint,
            reason: root_cause(inner),
        },
        _ => AuthError::Refused {
            endpoint,
            status: 0,
            reason: first_line(e),
        },
    }
}

/// A 403 from IAM Credentials: the caller lacks the role that lets it act as `target`.
fn name_missing_role(e: AuthError, target: &str) -> AuthError {
    match e {
        AuthError::Refused {
            endpoint,
            status: 403,
            reason,
        } => AuthError::Refused {
            endpoint,
            status: 403,
            reason: format!("{reason} (the caller needs {TOKEN_CREATOR_ROLE} on {target})"),
        },
        other => other,
    }
}

fn omitted_warning(why: &str) -> String {
    format!(
        "X-Databricks-GCP-SA-Access-Token left out: {why}; account APIs that need a GCP access token (e.g. creating workspaces) will fail"
    )
}

/// Where the caller's own Google identity comes from.
pub enum Source {
    Key(ServiceAccountKey),
    /// Application Default Credentials, found on first use (never in tests: it may call the
    /// metadata server).
    Adc(OnceCell<Arc<dyn TokenProvider>>),
}

/// The ID token, and the access token sent beside it on account APIs.
pub struct Tokens {
    id_token: Secret,
    access_token: Option<Secret>,
}

pub struct GoogleProvider {
    source: Source,
    /// `google_service_account` to impersonate (google-id).
    impersonate: Option<String>,
    /// The ID token's audience: the host called, or `google_audience`.
    audience: String,
    /// Account APIs take the SA access token too.
    account: bool,
    iam_url: String,
    /// Why the last fetch left the access token out, if it did.
    omitted: StdMutex<Option<String>>,
}

impl GoogleProvider {
    pub fn new(
        source: Source,
        impersonate: Option<String>,
        audience: String,
        account: bool,
        iam_url: Option<String>,
    ) -> Self {
        Self {
            source,
            impersonate,
            audience,
            account,
            iam_url: iam_url
                .unwrap_or_else(|| DEFAULT_IAM_URL.into())
                .trim_end_matches('/')
                .to_owned(),
            omitted: StdMutex::new(None),
        }
    }

    async fn source_token(
        &self,
        http: &reqwest::Client,
        scopes: &[&str],
    ) -> Result<Secret, AuthError> {
        let provider: &dyn TokenProvider = match &self.source {
            Source::Key(k) => return k.access_token(http, scopes).await,
            Source::Adc(cell) => {
                let p = cell
                    .get_or_try_init(|| async { gcp_auth::provider().await })
                    .await
                    .map_err(|e| {
                        AuthError::Config(format!(
                            "no Google Application Default Credentials: {}",
                            first_line(&e)
                        ))
                    })?;
                p.as_ref()
            }
        };
        let t = provider.token(scopes).await.map_err(|e| adc_error(&e))?;
        Ok(Secret::new(t.as_str().to_owned()))
    }

    /// Records why the access token was left out (or that it was not), for [`Self::warnings`].
    fn note_omitted(&self, why: Option<String>) {
        if let Some(w) = &why {
            tracing::warn!(warning = %w, "X-Databricks-GCP-SA-Access-Token omitted");
        }
        if let Ok(mut o) = self.omitted.lock() {
            *o = why;
        }
    }

    fn email(&self) -> Option<&str> {
        match &self.source {
            Source::Key(k) => Some(&k.email),
            Source::Adc(_) => None,
        }
    }
}

impl Mint for GoogleProvider {
    type Token = Tokens;

    fn method(&self) -> &'static str {
        if self.impersonate.is_some() {
            "google-id"
        } else {
            "google-credentials"
        }
    }

    fn principal(&self) -> String {
        match (&self.impersonate, self.email()) {
            (Some(t), Some(by)) => format!("Google service account {t} (impersonated by {by})"),
            (Some(t), None) => format!("Google service account {t} (impersonated)"),
            (None, Some(e)) => format!("Google service account {e}"),
            (None, None) => "Google Application Default Credentials".into(),
        }
    }

    async fn mint(&self, http: &reqwest::Client) -> Result<Minted<Tokens>, AuthError> {
        let (id_token, access_token) = match (&self.impersonate, &self.source) {
            (None, Source::Key(key)) => {
                let id = key.id_token(http, &self.audience).await?;
                let access = if self.account {
                    // Optional, as in both SDKs: without it only some account calls fail.
                    match self.source_token(http, SCOPES).await {
                        Ok(t) => {
                            self.note_omitted(None);
                            Some(t)
                        }
                        Err(e) => {
                            self.note_omitted(Some(omitted_warning(&e.to_string())));
                            None
                        }
                    }
                } else {
                    None
                };
                (Secret::new(id), access)
            }
            (None, Source::Adc(_)) => {
                return Err(AuthError::Config(
                    "google-id needs google_service_account (the service account to act as)".into(),
                ));
            }
            (Some(target), _) => {
                let caller = self.source_token(http, &[SCOPES[0]]).await?;
                let base = format!("{}/v1/projects/-/serviceAccounts/{target}", self.iam_url);
                #[derive(Deserialize)]
                struct IdToken {
                    token: String,
                }
                let url = format!("{base}:generateIdToken");
                let id: IdToken = post(
                    http,
                    &url,
                    Some(caller.expose()),
                    Body::Json(json!({"audience": self.audience, "includeEmail": true})),
                )
                .await
                .map_err(|e| name_missing_role(e, target))?
                .json(&url)?;
                let access = if self.account {
                    #[derive(Deserialize)]
                    #[serde(rename_all = "camelCase")]
                    struct Access {
                        access_token: String,
                    }
                    let url = format!("{base}:generateAccessToken");
                    let r: Result<Access, _> = post(
                        http,
                        &url,
                        Some(caller.expose()),
                        Body::Json(json!({"scope": SCOPES, "lifetime": "3600s"})),
                    )
                    .await
                    .and_then(|a| a.json(&url));
                    match r {
                        Ok(a) => {
                            self.note_omitted(None);
                            Some(Secret::new(a.access_token))
                        }
                        Err(e) => {
                            let e = name_missing_role(e, target);
                            self.note_omitted(Some(omitted_warning(&e.to_string())));
                            None
                        }
                    }
                } else {
                    None
                };
                (Secret::new(id.token), access)
            }
        };
        // ID tokens live 1 h; refresh a minute ahead, or a quarter ahead if shorter.
        let lifetime = jwt_lifetime(id_token.expose()).unwrap_or(Duration::from_secs(3600));
        Ok(Minted::new(
            Tokens {
                id_token,
                access_token,
            },
            lifetime,
            Duration::from_secs(60),
        ))
    }

    fn headers(&self, t: &Tokens) -> Result<AuthHeaders, AuthError> {
        let mut h = AuthHeaders::bearer(t.id_token.expose())?;
        if let Some(a) = &t.access_token {
            let mut v = HeaderValue::from_str(a.expose()).map_err(|_| {
                AuthError::Config("the GCP access token is not a valid header value".into())
            })?;
            v.set_sensitive(true);
            h.headers.push((
                HeaderName::from_static("x-databricks-gcp-sa-access-token"),
                v,
            ));
        }
        Ok(h)
    }

    fn warnings(&self) -> Vec<String> {
        self.omitted
            .lock()
            .ok()
            .and_then(|o| o.clone())
            .into_iter()
            .collect()
    }
}
