//! Credential kinds behind one trait. The actor owns every provider; the UI never sees a token.
//!
//! A provider turns a profile into request headers. Providers that mint tokens cache them with
//! their expiry, refresh ahead of time, and allow one refresh in flight at a time (a tokio mutex
//! around the cache), so a burst of requests during a refresh causes one token request.

pub mod oauth_m2m;
pub mod pat;

use crate::config::{AuthMethod, Profile, ProfileKind};
use futures::future::BoxFuture;
use reqwest::header::{HeaderName, HeaderValue};
use std::sync::Arc;
use std::time::SystemTime;

/// Headers that authenticate one request. Values are marked sensitive so reqwest/hyper never
/// print them.
#[derive(Default)]
pub struct AuthHeaders(pub Vec<(HeaderName, HeaderValue)>);

impl AuthHeaders {
    pub fn bearer(token: &str) -> Result<Self, AuthError> {
        let mut v = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            AuthError::Config("the token contains characters not allowed in an HTTP header".into())
        })?;
        v.set_sensitive(true);
        Ok(Self(vec![(reqwest::header::AUTHORIZATION, v)]))
    }
}

/// Why no credential could be had. Never carries a secret.
#[derive(Clone, Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Config(String),
    #[error("cannot reach the token endpoint {endpoint}: {reason}")]
    Unreachable { endpoint: String, reason: String },
    #[error("the token endpoint {endpoint} refused the request (HTTP {status}): {reason}")]
    Refused {
        endpoint: String,
        status: u16,
        reason: String,
    },
    #[error("the token endpoint {endpoint} answered something that is not a token: {reason}")]
    BadResponse { endpoint: String, reason: String },
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
    /// Forget a cached token after the server refused it (401/403), so the next call refreshes.
    fn invalidate(&self) {}
    /// When the current token runs out, if the method has one that does.
    fn expires_at(&self) -> Option<SystemTime> {
        None
    }
}

/// Build the provider a profile asks for.
pub fn provider_for(profile: &Profile) -> Result<Arc<dyn CredentialProvider>, AuthError> {
    let host = profile
        .host
        .clone()
        .ok_or_else(|| AuthError::Config(format!("profile {} has no host", profile.name)))?;
    let method = profile
        .auth_method()
        .map_err(|e| AuthError::Config(e.to_string()))?;
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
            Ok(Arc::new(oauth_m2m::M2mProvider::new(
                audience, client_id, secret,
            )))
        }
        AuthMethod::Other(name) => Err(AuthError::Config(format!(
            "auth type {name} is not supported yet by dbx-tui (profile {}); use a token or client_id/client_secret",
            profile.name
        ))),
    }
}
