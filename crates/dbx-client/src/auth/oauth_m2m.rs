//! OAuth machine-to-machine: a Databricks service principal's client id and secret exchanged
//! for a short-lived access token (docs/wire-facts.md §8.1).

use super::token_cache::{Minted, TokenCache, TokenId};
use super::transport::{display, redirected, require_https, same_origin};
use super::{AuthError, AuthHeaders, CredentialProvider};
use crate::api::error::excerpt;
use crate::config::Secret;
use futures::future::BoxFuture;
use serde::Deserialize;
use std::time::{Duration, SystemTime};

/// Which token endpoint to use: an account token works only on the accounts host, a workspace
/// token only on its workspace.
#[derive(Clone, Debug)]
pub enum Audience {
    Account { host: String, account_id: String },
    Workspace { host: String },
}

pub struct M2mProvider {
    audience: Audience,
    client_id: String,
    client_secret: Secret,
    cache: TokenCache<Secret>,
    /// Sent as `X-Databricks-Workspace-Id` with the token request: on a unified host one token
    /// endpoint serves every workspace (see `cross_workspace`).
    workspace_id: Option<String>,
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
            cache: TokenCache::default(),
            workspace_id: None,
        }
    }

    /// Ask the token endpoint for a token of this workspace (unified hosts).
    #[must_use]
    pub fn with_workspace_id(mut self, workspace_id: String) -> Self {
        self.workspace_id = Some(workspace_id);
        self
    }

    /// The token endpoint, which must be https (or loopback http): the client secret goes
    /// there. A workspace's comes from its discovery document and must be on the workspace's
    /// own host, or a tampered document could collect the secret.
    async fn token_endpoint(&self, http: &reqwest::Client) -> Result<String, AuthError> {
        let endpoint = match &self.audience {
            Audience::Account { host, account_id } => {
                format!("{host}/oidc/accounts/{account_id}/v1/token")
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
                let status = resp.status();
                if status.as_u16() == 404 {
                    return Err(AuthError::Config(format!(
                        "{host} does not support OAuth (no {url})"
                    )));
                }
                if status.is_redirection() {
                    return Err(redirected(&url, &resp));
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
                let asked = reqwest::Url::parse(&url)
                    .map_err(|_| AuthError::Config(format!("host {host} is not a valid URL")))?;
                let got =
                    reqwest::Url::parse(&d.token_endpoint).map_err(|_| AuthError::BadResponse {
                        endpoint: url.clone(),
                        reason: "token_endpoint is not a URL".into(),
                    })?;
                if !same_origin(&asked, &got) {
                    return Err(AuthError::Untrusted {
                        endpoint: display(&got),
                        reason: format!(
                            "the OAuth discovery document of {host} names this token endpoint on another host; the client secret is not sent there"
                        ),
                    });
                }
                d.token_endpoint
            }
        };
        require_https("the OAuth token endpoint", &endpoint)?;
        Ok(endpoint)
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<Minted<Secret>, AuthError> {
        let endpoint = self.token_endpoint(http).await?;
        tracing::debug!(%endpoint, client_id = %self.client_id, "requesting OAuth token");
        let mut req = http
            .post(&endpoint)
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")]);
        if let Some(ws) = &self.workspace_id {
            req = req.header(super::cross_workspace::WORKSPACE_ID_HEADER, ws);
        }
        let resp = req.send().await.map_err(|e| AuthError::Unreachable {
            endpoint: endpoint.clone(),
            reason: e.to_string(),
        })?;
        if resp.status().is_redirection() {
            return Err(redirected(&endpoint, &resp));
        }
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
        // 40 s of margin (as the Go SDK).
        Ok(Minted::new(
            Secret::new(access_token),
            lifetime,
            Duration::from_secs(40),
        ))
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
            self.cache
                .headers(self.fetch(http), |t| AuthHeaders::bearer(t.expose()))
                .await
        })
    }

    fn invalidate(&self, refused: TokenId) {
        self.cache.invalidate(refused);
    }

    fn expires_at(&self) -> Option<SystemTime> {
        self.cache.expires_at()
    }
}
