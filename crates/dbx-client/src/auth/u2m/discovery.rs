//! Where to sign in: the OIDC discovery document of a workspace or an account
//! (docs/wire-facts.md §13).

use super::super::AuthError;
use super::super::transport::{display, redirected, require_https, same_origin};
use reqwest::Url;
use serde::Deserialize;

/// What a sign-in is for: a workspace's tokens work only there, an account's only on the
/// accounts host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Workspace { host: String },
    Account { host: String, account_id: String },
}

impl Target {
    /// The target of a profile whose host is `host`: an account profile needs its account_id.
    pub fn for_profile(profile: &crate::config::Profile, host: String) -> Result<Self, AuthError> {
        match (profile.kind(), &profile.account_id) {
            (crate::config::ProfileKind::Account, Some(a)) => Ok(Self::Account {
                host,
                account_id: a.clone(),
            }),
            (crate::config::ProfileKind::Account, None) => Err(AuthError::Config(format!(
                "profile {} is an account profile without account_id",
                profile.name
            ))),
            (crate::config::ProfileKind::Workspace, _) => Ok(Self::Workspace { host }),
        }
    }

    pub fn host(&self) -> &str {
        match self {
            Self::Workspace { host } | Self::Account { host, .. } => host,
        }
    }

    pub fn account_id(&self) -> Option<&str> {
        match self {
            Self::Workspace { .. } => None,
            Self::Account { account_id, .. } => Some(account_id),
        }
    }

    /// `{host}/oidc` for a workspace, `{host}/oidc/accounts/{account_id}` for an account.
    pub fn oidc_root(&self) -> String {
        match self {
            Self::Workspace { host } => format!("{host}/oidc"),
            Self::Account { host, account_id } => format!("{host}/oidc/accounts/{account_id}"),
        }
    }

    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/oauth-authorization-server",
            self.oidc_root()
        )
    }

    /// The OS keyring entry (service `dbx-tui`) holding this target's refresh token. Keyed like
    /// the Databricks CLI's token cache: the host, plus the account for an account login, so
    /// two profiles for one host share one login, and a token is only ever sent back to the
    /// host that issued it.
    pub fn keyring_entry(&self) -> String {
        match self {
            Self::Workspace { host } => format!("oauth-u2m {host}"),
            Self::Account { .. } => format!("oauth-u2m {}", self.oidc_root()),
        }
    }
}

/// The two endpoints a sign-in uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub authorization: Url,
    pub token: String,
}

#[derive(Deserialize)]
struct Document {
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
}

/// Reads the discovery document of `target`. Both endpoints must be on the target's own host
/// (a tampered document must not collect the refresh token or send the person to another
/// sign-in page) and https (plain http only on loopback).
pub async fn discover(http: &reqwest::Client, target: &Target) -> Result<Endpoints, AuthError> {
    let url = target.discovery_url();
    let asked = require_https("the OAuth discovery document", &url)?;
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
            "{} does not offer OAuth sign-in (no {url}); check the host{}",
            target.host(),
            if target.account_id().is_some() {
                " and account_id"
            } else {
                ""
            }
        )));
    }
    if status.is_redirection() {
        return Err(redirected(&url, &resp));
    }
    let body = resp.bytes().await.map_err(|e| AuthError::Unreachable {
        endpoint: url.clone(),
        reason: e.to_string(),
    })?;
    if !status.is_success() {
        return Err(AuthError::Refused {
            endpoint: url,
            status: status.as_u16(),
            reason: crate::api::error::excerpt(&String::from_utf8_lossy(&body), 120),
        });
    }
    let bad = |reason: &str| AuthError::BadResponse {
        endpoint: url.clone(),
        reason: reason.to_owned(),
    };
    let doc: Document =
        serde_json::from_slice(&body).map_err(|_| bad("the discovery document is not JSON"))?;
    let check = |what: &str, value: Option<String>| -> Result<Url, AuthError> {
        let value = value.ok_or_else(|| bad(&format!("no {what}")))?;
        let got = Url::parse(&value).map_err(|_| bad(&format!("{what} is not a URL")))?;
        if !same_origin(&asked, &got) {
            return Err(AuthError::Untrusted {
                endpoint: display(&got),
                reason: format!(
                    "the OAuth discovery document of {} names this {what} on another host",
                    target.host()
                ),
            });
        }
        require_https(what, got.as_str())
    };
    let authorization = check("authorization_endpoint", doc.authorization_endpoint.clone())?;
    let token = check("token_endpoint", doc.token_endpoint.clone())?;
    Ok(Endpoints {
        authorization,
        token: token.to_string(),
    })
}
