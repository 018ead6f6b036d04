//! One request to a token or discovery endpoint, read the same way for every credential kind
//! that talks to one itself (OAuth M2M and U2M, Google; docs/wire-facts.md §8.1, §8.3, §13):
//! a redirect is refused rather than followed (the credential must not go where it points), a
//! failure to connect names its root cause, an error status becomes [`AuthError::Refused`]
//! with the reason the body gives, and the body is wiped once dropped (it may hold tokens).

use super::AuthError;
use super::transport::redirected;
use crate::config::Secret;
use serde::Deserialize;
use std::time::Duration;
use zeroize::Zeroizing;

/// What an endpoint answered.
pub struct Answer {
    pub status: u16,
    /// Wiped when dropped; never logged.
    pub body: Zeroizing<Vec<u8>>,
}

/// Why an endpoint refused, as its error body says.
pub struct Refusal {
    /// OAuth's `error` code (`invalid_grant`, `invalid_client`, …), when the body has one.
    pub error: Option<String>,
    /// Text for the user, made safe for the terminal.
    pub reason: String,
}

/// Tokens a token endpoint gave (an OAuth 2.0 access-token answer, RFC 6749 §5.1).
pub struct Tokens {
    pub access: Secret,
    /// Present when `offline_access` was granted; a refresh may hand out a new one (rotation).
    pub refresh: Option<Secret>,
    /// `expires_in`, one hour when the answer leaves it out.
    pub lifetime: Duration,
}

#[derive(Deserialize)]
struct TokenFields {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
}

/// The innermost cause of an error: for a connection failure, the part that says what
/// happened ("connection refused", a certificate problem) rather than "error sending request".
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(n) = cur.source() {
        cur = n;
    }
    cur.to_string()
}

/// Sends `req` (to `endpoint`) and reads the whole answer, whatever its status.
pub async fn send(endpoint: &str, req: reqwest::RequestBuilder) -> Result<Answer, AuthError> {
    let unreachable = |e: &reqwest::Error| AuthError::Unreachable {
        endpoint: endpoint.to_owned(),
        reason: root_cause(e),
    };
    let resp = req.send().await.map_err(|e| unreachable(&e))?;
    if resp.status().is_redirection() {
        return Err(redirected(endpoint, &resp));
    }
    let status = resp.status().as_u16();
    let body = Zeroizing::new(resp.bytes().await.map_err(|e| unreachable(&e))?.to_vec());
    Ok(Answer { status, body })
}

impl Answer {
    /// Why the endpoint refused: OAuth's `error` and `error_description` (RFC 6749 §5.2), a
    /// Google API's `error.message`, or a `message`; else the start of the body.
    pub fn refusal(&self) -> Refusal {
        let json = serde_json::from_slice::<serde_json::Value>(&self.body).unwrap_or_default();
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        let error = text(&json["error"]);
        let reason = if error.is_some() || json["error_description"].is_string() {
            let description = text(&json["error_description"]).unwrap_or_default();
            format!("{} {description}", error.as_deref().unwrap_or("error"))
                .trim()
                .to_owned()
        } else if let Some(message) = text(&json["error"]["message"]).or(text(&json["message"])) {
            message
        } else {
            crate::api::error::excerpt(&String::from_utf8_lossy(&self.body), 120)
        };
        Refusal {
            error,
            reason: crate::sanitize::terminal_text(&reason).into_owned(),
        }
    }

    /// The answer itself when its status is a success, else the refusal of `endpoint`.
    pub fn accepted(self, endpoint: &str) -> Result<Self, AuthError> {
        if (200..300).contains(&self.status) {
            return Ok(self);
        }
        Err(AuthError::Refused {
            endpoint: endpoint.to_owned(),
            status: self.status,
            reason: self.refusal().reason,
        })
    }

    /// The body read as JSON of type `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self, endpoint: &str) -> Result<T, AuthError> {
        serde_json::from_slice(&self.body).map_err(|e| AuthError::BadResponse {
            endpoint: endpoint.to_owned(),
            reason: format!("not JSON ({e})"),
        })
    }

    /// The body read as an OAuth access-token answer; it must hold an `access_token`.
    pub fn tokens(&self, endpoint: &str) -> Result<Tokens, AuthError> {
        let fields: TokenFields = self.json(endpoint)?;
        let access = fields.access_token.ok_or_else(|| AuthError::BadResponse {
            endpoint: endpoint.to_owned(),
            reason: "no access_token in the answer".into(),
        })?;
        Ok(Tokens {
            access: Secret::new(access),
            refresh: fields
                .refresh_token
                .filter(|r| !r.is_empty())
                .map(Secret::new),
            lifetime: Duration::from_secs(fields.expires_in.unwrap_or(3600)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: Zeroizing::new(body.as_bytes().to_vec()),
        }
    }

    #[test]
    fn refusals_say_what_each_kind_of_error_body_says() {
        let oauth = answer(
            400,
            r#"{"error":"invalid_grant","error_description":"expired"}"#,
        );
        let r = oauth.refusal();
        assert_eq!(r.error.as_deref(), Some("invalid_grant"));
        assert_eq!(r.reason, "invalid_grant expired");
        let google = answer(
            403,
            r#"{"error":{"code":403,"message":"Permission denied"}}"#,
        );
        assert_eq!(google.refusal().reason, "Permission denied");
        assert_eq!(google.refusal().error, None);
        assert_eq!(
            answer(500, "upstream \x1b[31mdown").refusal().reason,
            "upstream down"
        );
    }

    #[test]
    fn an_answer_without_access_token_is_not_a_token() {
        let e = answer(200, r#"{"token_type":"Bearer"}"#)
            .tokens("https://h/t")
            .err()
            .unwrap();
        assert!(e.to_string().contains("no access_token"), "{e}");
        let t = answer(200, r#"{"access_token":"a","refresh_token":""}"#)
            .tokens("https://h/t")
            .unwrap();
        assert!(t.refresh.is_none());
        assert_eq!(t.lifetime, Duration::from_secs(3600));
    }
}
