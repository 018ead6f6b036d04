//! One connection to one profile: the credential provider, the HTTP client with its policies
//! (bounded times, no redirects, any extra CA of the profile) and workspace routing, built in
//! one place for the actor, `auth check` and the command-line subcommands.

use crate::api::ApiClient;
use crate::auth::{AuthError, CredentialProvider};
use crate::config::Profile;
use std::sync::Arc;

/// Why a profile could not be turned into a connection. Holds no secret.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ConnectError {
    /// The profile names no host.
    #[error("profile {0} has no host")]
    NoHost(String),
    /// No credential provider could be built (missing keys, keyring, unsupported auth type).
    #[error("{0}")]
    Credential(AuthError),
    /// The HTTP client could not be built (an unreadable `tls_ca_file`).
    #[error("{0}")]
    Http(String),
}

/// A connected profile: what every call to its host goes through.
#[derive(Clone)]
pub struct Connection {
    pub profile: Profile,
    pub client: ApiClient,
    /// Said once to the user: plain http to a remote host, an ignored `skip_verify`.
    pub transport_warning: Option<String>,
}

impl Connection {
    /// Builds the connection for `profile` on its own HTTP client (see
    /// [`crate::api::client::http_client_for`]).
    pub fn open(profile: &Profile) -> Result<Self, ConnectError> {
        Self::open_with(profile, None)
    }

    /// [`Connection::open`], reusing `shared` (a client from [`crate::api::client::http_client`])
    /// unless the profile needs its own (an extra CA), so connections of a long-running process
    /// share one connection pool.
    pub fn open_with(
        profile: &Profile,
        shared: Option<&reqwest::Client>,
    ) -> Result<Self, ConnectError> {
        let provider = crate::auth::provider_for(profile).map_err(ConnectError::Credential)?;
        Self::with_provider(profile, provider, shared)
    }

    /// [`Connection::open_with`] for a provider built already.
    pub fn with_provider(
        profile: &Profile,
        provider: Arc<dyn CredentialProvider>,
        shared: Option<&reqwest::Client>,
    ) -> Result<Self, ConnectError> {
        let host = profile
            .host
            .clone()
            .ok_or_else(|| ConnectError::NoHost(profile.name.clone()))?;
        let http = match shared {
            Some(h) if !profile.other.contains_key("tls_ca_file") => h.clone(),
            _ => crate::api::client::http_client_for(profile).map_err(ConnectError::Http)?,
        };
        let client = ApiClient::new(http, &host, provider)
            .with_routing(crate::api::routing::WorkspaceRouting::for_profile(profile));
        let transport_warning = crate::auth::transport::warning(profile);
        if let Some(w) = &transport_warning {
            tracing::warn!(profile = %profile.name, warning = %w, "transport");
        }
        Ok(Self {
            profile: profile.clone(),
            client,
            transport_warning,
        })
    }

    pub fn auth(&self) -> &Arc<dyn CredentialProvider> {
        self.client.auth()
    }
}
