//! Where to sign in and where tokens come from: the OIDC discovery document of a workspace or
//! an account (docs/wire-facts.md §13), read for browser sign-in (U2M) and OAuth M2M alike.

use super::super::AuthError;
use super::super::token_request::send;
use super::super::transport::{display, require_https, same_origin};
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

/// A discovery document and where it was read.
struct Discovered {
    doc: Document,
    url: String,
    asked: Url,
}

/// Reads the discovery document of `target`. Both endpoints must be on the target's own host
/// (a tampered document must not collect the refresh token or send the person to another
/// sign-in page) and https (plain http only on loopback).
pub async fn discover(http: &reqwest::Client, target: &Target) -> Result<Endpoints, AuthError> {
    let d = Discovered::read(http, target).await?;
    let authorization = d.trusted(
        target,
        "authorization_endpoint",
        d.doc.authorization_endpoint.as_deref(),
    )?;
    let token = d.trusted(target, "token_endpoint", d.doc.token_endpoint.as_deref())?;
    Ok(Endpoints {
        authorization,
        token: token.to_string(),
    })
}

/// Only the token endpoint of `target`, under the same rules: a client-credentials grant
/// (OAuth M2M) needs no sign-in page, and its client secret must not go to another host.
pub async fn token_endpoint(http: &reqwest::Client, target: &Target) -> Result<String, AuthError> {
    let d = Discovered::read(http, target).await?;
    let token = d.trusted(target, "token_endpoint", d.doc.token_endpoint.as_deref())?;
    Ok(token.to_string())
}

impl Discovered {
    async fn read(http: &reqwest::Client, target: &Target) -> Result<Self, AuthError> {
        let url = target.discovery_url();
        let asked = require_https("the OAuth discovery document", &url)?;
        let answer = send(&url, http.get(&url)).await?;
        if answer.status == 404 {
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
        let doc = answer
            .accepted(&url)?
            .json(&url)
            .map_err(|_| AuthError::BadResponse {
                endpoint: url.clone(),
                reason: "the discovery document is not JSON".into(),
            })?;
        Ok(Self { doc, url, asked })
    }

    /// The endpoint `what` named `value`, if it is on the target's own host and https.
    fn trusted(&self, target: &Target, what: &str, value: Option<&str>) -> Result<Url, AuthError> {
        let bad = |reason: String| AuthError::BadResponse {
            endpoint: self.url.clone(),
            reason,
        };
        let value = value.ok_or_else(|| bad(format!("no {what}")))?;
        let got = Url::parse(value).map_err(|_| bad(format!("{what} is not a URL")))?;
        if !same_origin(&self.asked, &got) {
            return Err(AuthError::Untrusted {
                endpoint: display(&got),
                reason: format!(
                    "the OAuth discovery document of {} names this {what} on another host; no credential is sent there",
                    target.host()
                ),
            });
        }
        require_https(what, got.as_str())
    }
}
