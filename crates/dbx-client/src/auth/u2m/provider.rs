//! `auth_type = external-browser`: access tokens minted from the refresh token that
//! `dbx-tui auth login` stored in the OS keyring. One refresh for every waiting request (run as
//! a [`crate::auth::token_cache::Cached`] provider); a rotated refresh token is stored back; an expired or revoked login
//! says how to sign in again.

use super::exchange::{ExchangeError, Grant, request};
use super::{Endpoints, SessionError, SessionFailure, Target};
use crate::auth::token_cache::{Mint, Minted};
use crate::auth::{AuthError, AuthHeaders};
use crate::config::Secret;
use crate::config::keyring::{self, KeyringError};
use std::sync::Mutex;
use std::time::Duration;

/// Refresh this long before the access token runs out, as the Databricks CLI does.
const MARGIN: Duration = Duration::from_secs(300);

pub struct BrowserProvider {
    target: Target,
    client_id: String,
    /// The profile, for the login command in messages.
    profile: String,
    /// The refresh token last read or stored; read from the keyring on first use.
    refresh: Mutex<Option<Secret>>,
    endpoints: tokio::sync::OnceCell<Endpoints>,
    /// Set when the login is missing, expired or unreadable (the app offers to sign in again).
    needs: super::SignInFlag,
}

/// Reads the refresh token of `target` from the keyring, off the async threads.
pub async fn load_refresh_token(target: &Target) -> Result<Secret, KeyringError> {
    let name = target.keyring_entry();
    tokio::task::spawn_blocking(move || keyring::get(&name))
        .await
        .map_err(|_| KeyringError::Unavailable {
            reason: "the keyring task stopped".into(),
        })?
}

/// Stores the refresh token of `target` in the keyring, off the async threads.
pub async fn store_refresh_token(target: &Target, token: Secret) -> Result<(), KeyringError> {
    let name = target.keyring_entry();
    tokio::task::spawn_blocking(move || keyring::set(&name, &token))
        .await
        .map_err(|_| KeyringError::Unavailable {
            reason: "the keyring task stopped".into(),
        })?
}

impl BrowserProvider {
    pub fn new(target: Target, client_id: Option<String>, profile: String) -> Self {
        Self {
            target,
            client_id: client_id.unwrap_or_else(|| super::DEFAULT_CLIENT_ID.to_owned()),
            profile,
            refresh: Mutex::new(None),
            endpoints: tokio::sync::OnceCell::new(),
            needs: super::SignInFlag::default(),
        }
    }

    fn login_command(&self) -> String {
        format!("dbx-tui auth login --profile {}", self.profile)
    }

    fn session_error(&self, kind: SessionFailure, detail: &str) -> AuthError {
        let host = self.target.host();
        let message = match kind {
            SessionFailure::NotSignedIn => format!(
                "not signed in to {host} (no browser login in the OS keyring): run `{}`",
                self.login_command()
            ),
            SessionFailure::Expired => format!(
                "the browser login for {host} has expired or was revoked ({detail}): run `{}`",
                self.login_command()
            ),
        };
        SessionError { kind, message }.into()
    }

    async fn read_keyring(&self) -> Result<Secret, AuthError> {
        match load_refresh_token(&self.target).await {
            Ok(t) => Ok(t),
            Err(KeyringError::Missing { .. }) => {
                Err(self.session_error(SessionFailure::NotSignedIn, ""))
            }
            Err(e) => {
                // No keyring to read from: a sign-in in the app can still last for this run.
                self.needs.set(Some(SessionFailure::NotSignedIn));
                Err(AuthError::Config(format!(
                    "profile {}: the browser login cannot be read: {e}",
                    self.profile
                )))
            }
        }
    }
}

impl Mint for BrowserProvider {
    type Token = Secret;

    fn method(&self) -> &'static str {
        "external-browser"
    }

    fn principal(&self) -> String {
        format!("your browser sign-in to {}", self.target.host())
    }

    async fn mint(&self, http: &reqwest::Client) -> Result<Minted<Secret>, AuthError> {
        let endpoints = self
            .endpoints
            .get_or_try_init(|| super::discovery::discover(http, &self.target))
            .await?;
        let held = self.refresh.lock().ok().and_then(|g| g.clone());
        let mut refresh = match held {
            Some(t) => t,
            None => self.read_keyring().await?,
        };
        let mut reread = false;
        let tokens = loop {
            let grant = Grant::Refresh(&refresh);
            match request(http, &endpoints.token, &self.client_id, grant).await {
                Ok(t) => break t,
                Err(ExchangeError::Other(e)) => return Err(e),
                Err(ExchangeError::InvalidGrant(reason)) => {
                    // Another dbx-tui may have used (and so rotated) the token since we read
                    // it: try the keyring's once before calling the login expired.
                    if !reread {
                        reread = true;
                        if let Ok(stored) = self.read_keyring().await
                            && stored != refresh
                        {
                            refresh = stored;
                            continue;
                        }
                    }
                    if let Ok(mut g) = self.refresh.lock() {
                        *g = None;
                    }
                    return Err(self.session_error(SessionFailure::Expired, &reason));
                }
            }
        };
        let current = match tokens.refresh {
            Some(rotated) if rotated != refresh => {
                tracing::debug!(host = %self.target.host(), "refresh token rotated; storing the new one");
                if let Err(e) = store_refresh_token(&self.target, rotated.clone()).await {
                    tracing::warn!(error = %e, "the rotated refresh token could not be stored in the keyring");
                }
                rotated
            }
            _ => refresh,
        };
        if let Ok(mut g) = self.refresh.lock() {
            *g = Some(current);
        }
        Ok(Minted::new(tokens.access, tokens.lifetime, MARGIN))
    }

    fn headers(&self, token: &Secret) -> Result<AuthHeaders, AuthError> {
        AuthHeaders::bearer(token.expose())
    }

    fn observe(&self, got: &Result<AuthHeaders, AuthError>) {
        match got {
            Ok(_) => self.needs.set(None),
            Err(AuthError::Session(e)) => self.needs.set(Some(e.kind)),
            Err(_) => {}
        }
    }

    fn sign_in_needed(&self) -> Option<SessionFailure> {
        self.needs.get()
    }

    /// A sign-in just made: its refresh token is used from now on (the keyring may not hold
    /// it, when there is none: then the login lasts as long as this provider).
    fn adopt_login(&self, refresh: Secret) -> bool {
        if let Ok(mut g) = self.refresh.lock() {
            *g = Some(refresh);
        }
        self.needs.set(None);
        true
    }
}
