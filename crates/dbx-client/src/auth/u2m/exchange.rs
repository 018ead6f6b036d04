//! Token requests of a public client (no secret): the authorization code with its PKCE
//! verifier, and the refresh token (docs/wire-facts.md §13).

use super::super::AuthError;
use super::super::transport::redirected;
use crate::config::Secret;
use serde::Deserialize;
use std::time::Duration;

/// Tokens a sign-in or a refresh gave.
pub struct Tokens {
    pub access: Secret,
    /// Present when `offline_access` was granted; a refresh may hand out a new one (rotation).
    pub refresh: Option<Secret>,
    pub lifetime: Duration,
}

/// What is exchanged for tokens.
pub enum Grant<'a> {
    Code {
        code: &'a Secret,
        verifier: &'a Secret,
        redirect_uri: &'a str,
    },
    Refresh(&'a Secret),
}

/// Why a token request failed: `InvalidGrant` (the code or refresh token is expired, used or
/// revoked) is told apart, since it means "sign in again".
#[derive(Debug)]
pub enum ExchangeError {
    InvalidGrant(String),
    Other(AuthError),
}

#[derive(Deserialize)]
struct Answer {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
}

/// One token request to `endpoint` as public client `client_id` (sent in the form, no
/// client authentication).
pub async fn request(
    http: &reqwest::Client,
    endpoint: &str,
    client_id: &str,
    grant: Grant<'_>,
) -> Result<Tokens, ExchangeError> {
    let other = ExchangeError::Other;
    let form: Vec<(&str, &str)> = match &grant {
        Grant::Code {
            code,
            verifier,
            redirect_uri,
        } => vec![
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("code_verifier", verifier.expose()),
            ("redirect_uri", redirect_uri),
            ("client_id", client_id),
        ],
        Grant::Refresh(token) => vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", token.expose()),
            ("client_id", client_id),
        ],
    };
    tracing::debug!(%endpoint, client_id, "OAuth U2M token request");
    let resp = http.post(endpoint).form(&form).send().await.map_err(|e| {
        other(AuthError::Unreachable {
            endpoint: endpoint.to_owned(),
            reason: e.to_string(),
        })
    })?;
    if resp.status().is_redirection() {
        return Err(other(redirected(endpoint, &resp)));
    }
    let status = resp.status().as_u16();
    // The body holds tokens: wiped once parsed, never logged.
    let body = zeroize::Zeroizing::new(
        resp.bytes()
            .await
            .map_err(|e| {
                other(AuthError::Unreachable {
                    endpoint: endpoint.to_owned(),
                    reason: e.to_string(),
                })
            })?
            .to_vec(),
    );
    if status >= 400 {
        let (error, description) = match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(v) => (
                v.get("error")
                    .and_then(|x| x.as_str())
                    .unwrap_or("error")
                    .to_owned(),
                v.get("error_description")
                    .and_then(|x| x.as_str())
                    .unwrap_or("")
                    .to_owned(),
            ),
            Err(_) => (
                "error".to_owned(),
                crate::api::error::excerpt(&String::from_utf8_lossy(&body), 120),
            ),
        };
        let reason =
            crate::sanitize::terminal_text(format!("{error} {description}").trim()).into_owned();
        if error == "invalid_grant" {
            return Err(ExchangeError::InvalidGrant(reason));
        }
        return Err(other(AuthError::Refused {
            endpoint: endpoint.to_owned(),
            status,
            reason,
        }));
    }
    let bad = |reason: &str| {
        other(AuthError::BadResponse {
            endpoint: endpoint.to_owned(),
            reason: reason.to_owned(),
        })
    };
    let parsed: Answer = serde_json::from_slice(&body).map_err(|_| bad("not JSON"))?;
    let access = Secret::new(
        parsed
            .access_token
            .ok_or_else(|| bad("no access_token in the answer"))?,
    );
    Ok(Tokens {
        access,
        refresh: parsed
            .refresh_token
            .filter(|r| !r.is_empty())
            .map(Secret::new),
        lifetime: Duration::from_secs(parsed.expires_in.unwrap_or(3600)),
    })
}
