//! Credential kinds behind one trait. The actor owns every provider; the UI never sees a token.
//!
//! A provider turns a profile into request headers. A credential kind that mints tokens
//! implements [`token_cache::Mint`] and runs as a [`token_cache::Cached`] provider: its token
//! refreshed ahead of expiry, one refresh in flight at a time, and one refresh per refused
//! token, so a burst of requests causes one token request.

pub mod azure;
pub mod azure_msi;
pub mod check;
pub mod cross_workspace;
pub mod databricks_cli;
pub mod gateway;
pub mod google;
pub mod oauth_m2m;
pub mod pat;
pub mod token_cache;
pub mod token_request;
pub mod transport;
pub mod u2m;
pub mod unused_keys;

use crate::config::{AuthMethod, Profile, ProfileKind};
use futures::future::BoxFuture;
use reqwest::header::{HeaderName, HeaderValue};
use std::sync::Arc;
use std::time::SystemTime;
use token_cache::{Cached, Mint};

/// Headers that authenticate one request. Values are marked sensitive so reqwest/hyper never
/// print them.
#[derive(Default)]
pub struct AuthHeaders {
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The cached token these headers carry, if they come from a minted one: what a 401
    /// reports to [`CredentialProvider::invalidate`].
    pub token: Option<token_cache::TokenId>,
}

impl AuthHeaders {
    pub fn new(headers: Vec<(HeaderName, HeaderValue)>) -> Self {
        Self {
            headers,
            token: None,
        }
    }

    pub fn bearer(token: &str) -> Result<Self, AuthError> {
        // The formatted copy is wiped once the header holds its own.
        let value = zeroize::Zeroizing::new(format!("Bearer {token}"));
        let mut v = HeaderValue::from_str(&value).map_err(|_| {
            AuthError::Config("the token contains characters not allowed in an HTTP header".into())
        })?;
        v.set_sensitive(true);
        Ok(Self::new(vec![(reqwest::header::AUTHORIZATION, v)]))
    }
}

/// Why no credential could be had. Never carries a secret.
#[derive(Clone, Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Config(String),
    #[error("cannot reach {}: {reason}", endpoint_name(endpoint))]
    Unreachable { endpoint: String, reason: String },
    /// The token endpoint answered an error status. A 5xx is an outage, not a verdict on the
    /// credential, and is worded so ([`AuthError::is_outage`]).
    #[error("{}", refused_text(.endpoint, *.status, .reason))]
    Refused {
        endpoint: String,
        status: u16,
        reason: String,
    },
    #[error("the token endpoint {endpoint} answered something that is not a token: {reason}")]
    BadResponse { endpoint: String, reason: String },
    /// An endpoint a server pointed us to that the credential must not be sent to.
    #[error("refusing {endpoint}: {reason}")]
    Untrusted { endpoint: String, reason: String },
    /// `databricks auth token` gave no token (`auth_type = databricks-cli`).
    #[error("{0}")]
    Cli(databricks_cli::CliError),
    /// A managed identity gave no token (`azure-msi`).
    #[error("{0}")]
    Msi(azure_msi::MsiError),
    /// A browser login (`auth_type = external-browser`) that is missing or has expired.
    #[error("{0}")]
    Session(u2m::SessionError),
}

/// An endpoint as a message names it: a URL is "the token endpoint URL"; a description that
/// already says what it is ("the managed identity endpoint (IMDS) …") is used as it is.
fn endpoint_name(endpoint: &str) -> String {
    if endpoint.starts_with("http://") || endpoint.starts_with("https://") {
        format!("the token endpoint {endpoint}")
    } else {
        endpoint.to_owned()
    }
}

fn status_text(status: u16) -> String {
    if status == 0 {
        String::new()
    } else {
        format!(" (HTTP {status})")
    }
}

impl AuthError {
    /// True when the token endpoint was down (HTTP 5xx): nothing was decided about the
    /// credential, and the same request may work later.
    pub fn is_outage(&self) -> bool {
        matches!(self, Self::Refused { status, .. } if *status >= 500)
    }
}

fn refused_text(endpoint: &str, status: u16, reason: &str) -> String {
    if status >= 500 {
        let detail = if reason.is_empty() {
            String::new()
        } else {
            format!(" ({reason})")
        };
        format!(
            "{} is unavailable (HTTP {status}), try again later{detail}",
            endpoint_name(endpoint)
        )
    } else {
        format!(
            "{} refused the request{}: {reason}",
            endpoint_name(endpoint),
            status_text(status)
        )
    }
}

/// One way of authenticating to Databricks.
pub trait CredentialProvider: Send + Sync {
    /// The SDK `auth_type` name of this method (`pat`, `oauth-m2m`, …).
    fn method(&self) -> &'static str;
    /// Who requests run as, without secrets (for the header line).
    fn principal(&self) -> String;
    /// Headers for the next request, minting or refreshing a token if needed.
    fn authorize<'a>(
        &'a self,
        http: &'a reqwest::Client,
    ) -> BoxFuture<'a, Result<AuthHeaders, AuthError>>;
    /// The server refused the token `refused` (401/403): the next call gets a new one, once
    /// however many requests report the same token.
    fn invalidate(&self, _refused: token_cache::TokenId) {}
    /// When the current token runs out, if the method has one that does.
    fn expires_at(&self) -> Option<SystemTime> {
        None
    }
    /// Names of the gateway headers sent with every request (`gateway_headers`), for messages.
    fn gateway_headers(&self) -> Vec<String> {
        Vec::new()
    }
    /// What the last token fetch had to leave out, e.g. an optional header it could not mint.
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
    /// A person's login (`external-browser`, `databricks-cli`) that must be renewed before any
    /// call can work: set by the last token fetch that failed so, cleared by one that worked.
    fn sign_in_needed(&self) -> Option<u2m::SessionFailure> {
        None
    }
    /// Takes the refresh token of a sign-in just made in the app (`external-browser`); false
    /// when the method has no use for one.
    fn adopt_login(&self, _refresh: crate::config::Secret) -> bool {
        false
    }
}

/// Build the provider a profile asks for. `keyring:NAME` values are read from the OS keyring
/// here; gateway headers (`gateway_headers`) wrap whichever provider runs.
pub fn provider_for(profile: &Profile) -> Result<Arc<dyn CredentialProvider>, AuthError> {
    let profile = crate::config::keyring::resolve_profile(profile).map_err(|(key, e)| {
        AuthError::Config(format!("profile {} key {key}: {e}", profile.name))
    })?;
    let gateway = profile
        .other_secrets
        .get("gateway_headers")
        .map(gateway::GatewayHeaders::parse)
        .transpose()?;
    let method = profile
        .auth_method()
        .map_err(|e| AuthError::Config(e.to_string()))?;
    if method == AuthMethod::Other("gateway".into()) {
        let headers = gateway.ok_or_else(|| {
            AuthError::Config(format!(
                "profile {}: auth_type = gateway needs gateway_headers (e.g. `Ocp-Apim-Subscription-Key: keyring:NAME`)",
                profile.name
            ))
        })?;
        return Ok(Arc::new(gateway::GatewayProvider::new(headers)));
    }
    let inner = base_provider(&profile, method)?;
    Ok(match gateway {
        Some(h) => Arc::new(gateway::WithGateway::new(inner, h)),
        None => inner,
    })
}

/// A minting credential behind the shared token cache, as a provider.
fn cached(minter: impl Mint + 'static) -> Arc<dyn CredentialProvider> {
    Arc::new(Cached::new(minter))
}

fn need(profile: &Profile, key: &str) -> Result<String, AuthError> {
    profile
        .other
        .get(key)
        .cloned()
        .ok_or_else(|| AuthError::Config(format!("profile {} has no {key}", profile.name)))
}

fn base_provider(
    profile: &Profile,
    method: AuthMethod,
) -> Result<Arc<dyn CredentialProvider>, AuthError> {
    let host = profile
        .host
        .clone()
        .ok_or_else(|| AuthError::Config(profile.missing_host()))?;
    match method {
        AuthMethod::Pat => {
            let token = profile.token.clone().ok_or_else(|| {
                AuthError::Config(format!("profile {} has no token", profile.name))
            })?;
            Ok(Arc::new(pat::PatProvider::new(token)))
        }
        AuthMethod::OAuthM2M => {
            let client_id = profile.client_id.clone().ok_or_else(|| {
                AuthError::Config(format!("profile {} has no client_id", profile.name))
            })?;
            let secret = profile.client_secret.clone().ok_or_else(|| {
                AuthError::Config(format!("profile {} has no client_secret", profile.name))
            })?;
            let audience = match (profile.kind(), &profile.account_id) {
                (ProfileKind::Account, Some(account)) => oauth_m2m::Audience::Account {
                    host,
                    account_id: account.clone(),
                },
                (ProfileKind::Account, None) => {
                    return Err(AuthError::Config(format!(
                        "profile {} is an account profile without account_id",
                        profile.name
                    )));
                }
                (ProfileKind::Workspace, _) => oauth_m2m::Audience::Workspace { host },
            };
            Ok(cached(oauth_m2m::M2mProvider::new(
                audience, client_id, secret,
            )))
        }
        AuthMethod::Other(name) if name == "external-browser" => {
            let target = u2m::Target::for_profile(profile, host)?;
            Ok(cached(u2m::provider::BrowserProvider::new(
                target,
                profile.client_id.clone(),
                profile.name.clone(),
            )))
        }
        AuthMethod::Other(name) if name == "databricks-cli" => {
            let account_id = match (profile.kind(), &profile.account_id) {
                (ProfileKind::Account, Some(a)) => Some(a.clone()),
                (ProfileKind::Account, None) => {
                    return Err(AuthError::Config(format!(
                        "profile {} is an account profile without account_id",
                        profile.name
                    )));
                }
                (ProfileKind::Workspace, _) => None,
            };
            Ok(cached(databricks_cli::CliProvider::new(
                profile.other.get("databricks_cli_path").cloned(),
                host,
                account_id,
            )))
        }
        AuthMethod::Other(name) => {
            let azure = |kind| {
                azure::AzureProvider::new(
                    kind,
                    profile.other.get("azure_environment").map(String::as_str),
                    profile
                        .other
                        .get("azure_authority_host")
                        .map(String::as_str),
                    profile.other.get("azure_workspace_resource_id").cloned(),
                )
                .map(cached)
            };
            let google_key = || {
                profile
                    .other_secrets
                    .get("google_credentials")
                    .cloned()
                    .or_else(|| {
                        profile
                            .other
                            .get("google_credentials")
                            .map(|p| p.as_str().into())
                    })
            };
            let account = profile.kind() == ProfileKind::Account;
            // The ID token's audience: the host, or `google_audience` behind a gateway.
            let audience = profile
                .other
                .get(google::AUDIENCE_KEY)
                .map_or_else(|| host.clone(), |a| a.trim_end_matches('/').to_owned());
            let iam_url = profile.other.get("google_iam_url").cloned();
            if let Some(u) = &iam_url {
                // The caller's Google token is sent there.
                transport::require_https("google_iam_url", u)?;
            }
            match name.as_str() {
                "azure-client-secret" => azure(azure::AzureKind::ClientSecret {
                    tenant_id: need(profile, "azure_tenant_id")?,
                    client_id: need(profile, "azure_client_id")?,
                    secret: profile
                        .other_secrets
                        .get("azure_client_secret")
                        .cloned()
                        .ok_or_else(|| {
                            AuthError::Config(format!(
                                "profile {} has no azure_client_secret",
                                profile.name
                            ))
                        })?,
                }),
                "azure-msi" => azure(azure::AzureKind::ManagedIdentity {
                    client_id: profile.other.get("azure_client_id").cloned(),
                    endpoint: azure_msi::MsiEndpoint::from_env(),
                    timeout: azure_msi::parse_timeout(
                        profile
                            .other
                            .get(azure_msi::TIMEOUT_KEY)
                            .map(String::as_str),
                    )
                    .map_err(|e| AuthError::Config(format!("profile {}: {e}", profile.name)))?,
                }),
                "azure-cli" => azure(azure::AzureKind::Cli {
                    tenant_id: profile.other.get("azure_tenant_id").cloned(),
                }),
                "google-credentials" => {
                    let key = google_key().ok_or_else(|| {
                        AuthError::Config(format!(
                            "profile {} has no google_credentials",
                            profile.name
                        ))
                    })?;
                    let source = google::Source::Key(google::ServiceAccountKey::load(&key)?);
                    Ok(cached(google::GoogleProvider::new(
                        source, None, audience, account, iam_url,
                    )))
                }
                "google-id" => {
                    let target = need(profile, "google_service_account")?;
                    let source = match google_key() {
                        Some(k) => google::Source::Key(google::ServiceAccountKey::load(&k)?),
                        None => google::Source::Adc(Default::default()),
                    };
                    Ok(cached(google::GoogleProvider::new(
                        source,
                        Some(target),
                        audience,
                        account,
                        iam_url,
                    )))
                }
                _ => Err(AuthError::Config(format!(
                    "auth type {name} is not supported yet by dbx-tui (profile {}); use a token, client_id/client_secret, a Databricks CLI login, an Azure or Google credential",
                    profile.name
                ))),
            }
        }
    }
}
