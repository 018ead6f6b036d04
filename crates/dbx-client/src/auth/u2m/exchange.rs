//! Token requests of a public client (no secret): the authorization code with its PKCE
//! verifier, and the refresh token (docs/wire-facts.md §13).

use super::super::AuthError;
use super::super::token_request::send;
use crate::config::Secret;

/// Tokens a sign-in or a refresh gave.
pub use super::super::token_request::Tokens;

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
    let answer = send(endpoint, http.post(endpoint).form(&form))
        .await
        .map_err(other)?;
    if answer.status >= 400 {
        let refusal = answer.refusal();
        if refusal.error.as_deref() == Some("invalid_grant") {
            return Err(ExchangeError::InvalidGrant(refusal.reason));
        }
        return Err(other(AuthError::Refused {
            endpoint: endpoint.to_owned(),
            status: answer.status,
            reason: refusal.reason,
        }));
    }
    answer.tokens(endpoint).map_err(other)
}
