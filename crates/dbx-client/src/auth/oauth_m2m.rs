//! OAuth machine-to-machine: a Databricks service principal's client id and secret exchanged
//! for a short-lived access token (docs/wire-facts.md §8.1).

use super::token_cache::{Mint, Minted};
use super::token_request::send;
use super::transport::require_https;
use super::u2m::discovery::token_endpoint;
use super::{AuthError, AuthHeaders};
use crate::config::Secret;
use std::time::Duration;

/// Which token endpoint to use: an account token works only on the accounts host, a workspace
/// token only on its workspace (the same targets as a browser sign-in).
pub use super::u2m::Target as Audience;

pub struct M2mProvider {
    audience: Audience,
    client_id: String,
    client_secret: Secret,
    /// Sent as `X-Databricks-Workspace-Id` with the token request: on a unified host one token
    /// endpoint serves every workspace (see `cross_workspace`).
    workspace_id: Option<String>,
}

impl M2mProvider {
    pub fn new(audience: Audience, client_id: String, client_secret: Secret) -> Self {
        Self {
            audience,
            client_id,
            client_secret,
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
            Audience::Account { .. } => format!("{}/v1/token", self.audience.oidc_root()),
            Audience::Workspace { .. } => token_endpoint(http, &self.audience).await?,
        };
        require_https("the OAuth token endpoint", &endpoint)?;
        Ok(endpoint)
    }
}

impl Mint for M2mProvider {
    type Token = Secret;

    fn method(&self) -> &'static str {
        "oauth-m2m"
    }

    fn principal(&self) -> String {
        format!("service principal {}", self.client_id)
    }

    async fn mint(&self, http: &reqwest::Client) -> Result<Minted<Secret>, AuthError> {
        let endpoint = self.token_endpoint(http).await?;
        tracing::debug!(%endpoint, client_id = %self.client_id, "requesting OAuth token");
        let mut req = http
            .post(&endpoint)
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")]);
        if let Some(ws) = &self.workspace_id {
            req = req.header(super::cross_workspace::WORKSPACE_ID_HEADER, ws);
        }
        let tokens = send(&endpoint, req)
            .await?
            .accepted(&endpoint)?
            .tokens(&endpoint)?;
        // Refresh ahead of expiry: Azure Databricks refuses tokens with 30 s or less left, so keep
        // 40 s of margin (as the Go SDK).
        Ok(Minted::new(
            tokens.access,
            tokens.lifetime,
            Duration::from_secs(40),
        ))
    }

    fn headers(&self, token: &Secret) -> Result<AuthHeaders, AuthError> {
        AuthHeaders::bearer(token.expose())
    }
}
