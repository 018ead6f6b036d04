//! OAuth machine-to-machine: a Databricks service principal's client id and secret exchanged
//! for a short-lived access token (docs/databricks-api.md §8.1).

use super::{AuthError, AuthHeaders, CredentialProvider};
use crate::api::error::excerpt;
use crate::config::Secret;
use futures::future::BoxFuture;
use serde::Deserialize;
use std::sync::Mutex as StdMutex;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Mutex;

/// Which token endpoint to use: an account token works only on the accounts host, a workspace
/// token only on its workspace.
#[derive(Clone, Debug)]
pub enum Audience {
    Account { host: String, account_id: String },
    Workspace { host: String },
}

struct CachedToken {
    access_token: Secret,
    refresh_at: Instant,
    expires_at: SystemTime,
}

pub struct M2mProvider {
    audience: Audience,
    client_id: String,
    client_secret: Secret,
    /// Held across the token request: concurrent callers wait for the one refresh in flight.
    cache: Mutex<Option<CachedToken>>,
    /// Expiry readable without awaiting, for the header line.
    expiry: StdMutex<Option<SystemTime>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct Discovery {
    token_endpoint: String,
}

impl M2mProvider {
    pub fn new(audience: Audience, client_id: String, client_secret: Secret) -> Self {
        Self {
            audience,
            client_id,
            client_secret,
            cache: Mutex::new(None),
            expiry: StdMutex::new(None),
        }
    }

    async fn token_endpoint(&self, http: &reqwest::Client) -> Result<String, AuthError> {
        match &self.audience {
            Audience::Account { host, account_id } => {
                Ok(format!("{host}/oidc/accounts/{account_id}/v1/token"))
            }
            Audience::Workspace { host } => {
                let url = format!("{host}/oidc/.well-known/oauth-authorization-server");
                let resp = http
                    .get(&url)
                    .send()
                    .await
                    .map_err(|e| AuthError::Unreachable {
                        endpoint: url.clone(),
                        reason: e.to_string(),
                    })?;
                if resp.status().as_u16() == 404 {
                    return Err(AuthError::Config(format!(
                        "{host} does not support OAuth (no {url})"
                    )));
                }
                let body = resp.bytes().await.map_err(|e| AuthError::Unreachable {
                    endpoint: url.clone(),
                    reason: e.to_string(),
                })?;
                let d: Discovery =
                    serde_json::from_slice(&body).map_err(|e| AuthError::BadResponse {
                        endpoint: url.clone(),
                        reason: e.to_string(),
                    })?;
                Ok(d.token_endpoint)
            }
        }
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<CachedToken, AuthError> {
        let endpoint = self.token_endpoint(http).await?;
        tracing::debug!(%endpoint, client_id = %self.client_id, "requesting OAuth token");
        let resp = http
            .post(&endpoint)
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")])
            .send()
            .await
            .map_err(|e| AuthError::Unreachable {
                endpoint: endpoint.clone(),
                reason: e.to_string(),
            })?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| AuthError::Unreachable {
            endpoint: endpoint.clone(),
            reason: e.to_string(),
        })?;
        if status >= 400 {
            let reason = match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(v) => {
                    let e = v.get("error").and_then(|x| x.as_str()).unwrap_or("error");
                    let d = v
                        .get("error_description")
                        .and_then(|x| x.as_str())
                        .unwrap_or("");
                    format!("{e} {d}").trim().to_owned()
                }
                Err(_) => excerpt(&String::from_utf8_lossy(&body), 120),
            };
            return Err(AuthError::Refused {
                endpoint,
                status,
                reason,
            });
        }
        let parsed: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| AuthError::BadResponse {
                endpoint: endpoint.clone(),
                reason: e.to_string(),
            })?;
        let access_token = parsed.access_token.ok_or_else(|| AuthError::BadResponse {
            endpoint: endpoint.clone(),
            reason: "no access_token in the answer".into(),
        })?;
        let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600));
        // Refresh ahead of expiry: Azure Databricks refuses tokens with 30 s or less left, so keep
        // 40 s of margin (as the Go SDK), but never more than a quarter of a short lifetime.
        let margin = Duration::from_secs(40).min(lifetime / 4);
        Ok(CachedToken {
            access_token: Secret::new(access_token),
            refresh_at: Instant::now() + lifetime - margin,
            expires_at: SystemTime::now() + lifetime,
        })
    }
}

impl CredentialProvider for M2mProvider {
    fn method(&self) -> &'static str {
        "oauth-m2m"
    }

    fn principal(&self) -> String {
        format!("service principal {}", self.client_id)
    }

    fn authorize<'a>(
        &'a self,
        http: &'a reqwest::Client,
    ) -> BoxFuture<'a, Result<AuthHeaders, AuthError>> {
        Box::pin(async move {
            let mut cache = self.cache.lock().await;
            let fresh = matches!(&*cache, Some(t) if Instant::now() < t.refresh_at);
            if !fresh {
                let token = self.fetch(http).await?;
                if let Ok(mut e) = self.expiry.lock() {
                    *e = Some(token.expires_at);
                }
                *cache = Some(token);
            }
            let token = cache
                .as_ref()
                .map(|t| t.access_token.clone())
                .unwrap_or_default();
            AuthHeaders::bearer(token.expose())
        })
    }

    fn invalidate(&self) {
        // try_lock: if a refresh is in flight it will produce a new token anyway.
        if let Ok(mut cache) = self.cache.try_lock() {
            *cache = None;
        }
    }

    fn expires_at(&self) -> Option<SystemTime> {
        self.expiry.lock().ok().and_then(|e| *e)
    }
}
