//! Databricks errors, decoded from every envelope the SDKs understand (docs/wire-facts.md §7.1), and
//! worded for a person.

use serde_json::Value;
use std::time::Duration;

/// The class of an error, from the HTTP status refined by the error code (docs/wire-facts.md §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Unauthenticated,
    PermissionDenied,
    NotFound,
    Conflict,
    TooManyRequests,
    Internal,
    Unavailable,
    Other,
}

impl ErrorKind {
    pub fn classify(status: u16, code: &str) -> Self {
        match code {
            "INVALID_STATE" | "INVALID_PARAMETER_VALUE" => return Self::BadRequest,
            "RESOURCE_DOES_NOT_EXIST" => return Self::NotFound,
            "ABORTED" | "ALREADY_EXISTS" | "RESOURCE_ALREADY_EXISTS" => return Self::Conflict,
            "RESOURCE_EXHAUSTED" | "REQUEST_LIMIT_EXCEEDED" => return Self::TooManyRequests,
            _ => {}
        }
        match status {
            400 => Self::BadRequest,
            401 => Self::Unauthenticated,
            403 => Self::PermissionDenied,
            404 => Self::NotFound,
            409 => Self::Conflict,
            429 => Self::TooManyRequests,
            500 => Self::Internal,
            503 => Self::Unavailable,
            _ => Self::Other,
        }
    }
}

/// Why a call failed. Messages carry the endpoint and never a credential. Server text (messages,
/// codes, body excerpts) is stripped of terminal control sequences where it enters
/// ([`ApiError::from_response`]), and every field is stripped again when displayed, so no
/// variant, however it was built, can write an escape sequence to the terminal.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error status.
    #[error("{} {}: {status} {}: {}", clean(.method), clean(.endpoint), clean(.code), clean(.message))]
    Http {
        method: String,
        endpoint: String,
        status: u16,
        kind: ErrorKind,
        code: String,
        message: String,
        retry_after: Option<Duration>,
    },
    /// No connection could be made (refused, DNS, TLS).
    #[error("cannot reach {}: {}", clean(.host), clean(.reason))]
    Connect { host: String, reason: String },
    /// The request took longer than its timeout.
    #[error("{}: no answer within {seconds} s", clean(.endpoint))]
    Timeout { endpoint: String, seconds: u64 },
    /// The body was not what the API promises (HTML sign-in page, truncated JSON, wrong shape).
    #[error("{}: unexpected response (HTTP {status}): {}; body starts {:?}", clean(.endpoint), clean(.reason), clean(.excerpt))]
    Decode {
        endpoint: String,
        status: u16,
        reason: String,
        excerpt: String,
    },
    /// The server answered with a redirect, which is never followed: credentials must not go
    /// wherever a `Location` points. `location` holds no query string or userinfo.
    #[error(
        "{method} {endpoint}: HTTP {status} redirect to {location}, not followed (a sign-in page or a private-link front door? check the host)"
    )]
    Redirected {
        method: String,
        endpoint: String,
        status: u16,
        location: String,
    },
    /// The credential could not be obtained.
    #[error("authentication failed: {}", clean(.0))]
    Auth(String),
    /// Superseded by a newer request or the user left the view.
    #[error("cancelled")]
    Cancelled,
    /// A check on our side failed (a write that did not verify, a local file).
    #[error("{}", clean(.0))]
    Local(String),
}

fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    crate::sanitize::terminal_text(s)
}

impl ApiError {
    /// True when a request may have been carried out although no usable answer came back: the
    /// connection broke after sending, no answer in time, or a success status with a body cut
    /// short. A create that fails this way must be looked up on the server, never retried.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Connect { reason, .. } => reason.contains("connection lost"),
            Self::Timeout { .. } => true,
            Self::Decode { status, .. } => (200..300).contains(status),
            _ => false,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Http { kind, .. } => *kind,
            Self::Auth(_) => ErrorKind::Unauthenticated,
            _ => ErrorKind::Other,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. }
            | Self::Decode { status, .. }
            | Self::Redirected { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// One line in words an admin understands, for the footer.
    pub fn user_message(&self) -> String {
        match self {
            Self::Http {
                kind,
                message,
                endpoint,
                status,
                ..
            } => {
                let what = match kind {
                    ErrorKind::Unauthenticated => "not signed in",
                    ErrorKind::PermissionDenied => "permission denied",
                    ErrorKind::NotFound => "not found",
                    ErrorKind::BadRequest => "rejected",
                    ErrorKind::Conflict => "conflict",
                    ErrorKind::TooManyRequests => "rate limited",
                    ErrorKind::Internal => "server error",
                    ErrorKind::Unavailable => "service unavailable",
                    ErrorKind::Other => "failed",
                };
                format!(
                    "{what} ({status}) on {}: {}",
                    clean(endpoint),
                    clean(message)
                )
            }
            Self::Decode {
                endpoint,
                reason,
                status,
                ..
            } => format!(
                "{} answered HTTP {status} with {}",
                clean(endpoint),
                clean(reason)
            ),
            other => other.to_string(),
        }
    }

    /// Decode an error response body in any of the shapes Databricks uses.
    pub fn from_response(
        method: &str,
        endpoint: &str,
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
    ) -> Self {
        let (code, message) = parse_error_body(status, body);
        let (code, message) = (clean(&code).into_owned(), clean(&message).into_owned());
        Self::Http {
            method: method.to_owned(),
            endpoint: endpoint.to_owned(),
            status,
            kind: ErrorKind::classify(status, &code),
            code,
            message,
            retry_after,
        }
    }
}

/// `(code, message)` from the standard, API 1.2, SCIM, plain-text or HTML error shapes.
fn parse_error_body(status: u16, body: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(body);
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
        let code = match map.get("error_code") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        if let Some(code) = code {
            let message = map.get("message").and_then(Value::as_str).unwrap_or("");
            return (code, message.to_owned());
        }
        if map.contains_key("detail") || map.contains_key("scimType") {
            let detail = match map.get("detail").and_then(Value::as_str) {
                None | Some("null") => "SCIM API Internal Error",
                Some(d) => d,
            };
            let st = match map.get("status") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => status.to_string(),
            };
            return (format!("SCIM_{st}"), detail.to_owned());
        }
        // An API gateway's own refusal (Azure API Management: `{"statusCode":401,"message":…}`).
        if map.contains_key("statusCode")
            && let Some(m) = map.get("message").and_then(Value::as_str)
        {
            return ("GATEWAY".into(), m.to_owned());
        }
        if let Some(e) = map.get("error").and_then(Value::as_str) {
            let desc = map
                .get("error_description")
                .and_then(Value::as_str)
                .map_or_else(|| e.to_owned(), |d| format!("{e}: {d}"));
            return ("UNKNOWN".into(), desc);
        }
    }
    let trimmed = text.trim();
    if trimmed.starts_with('<') {
        if let (Some(a), Some(b)) = (trimmed.find("<pre>"), trimmed.find("</pre>"))
            && a + 5 <= b
        {
            return ("UNKNOWN".into(), trimmed[a + 5..b].trim().to_owned());
        }
        return (
            "UNKNOWN".into(),
            "the server sent an HTML page instead of JSON (a sign-in page? check the host and auth type)".into(),
        );
    }
    if let Some((code, msg)) = trimmed.split_once(": ")
        && !code.is_empty()
        && code.chars().all(|c| c.is_ascii_uppercase() || c == '_')
    {
        return (code.to_owned(), msg.to_owned());
    }
    ("UNKNOWN".into(), excerpt(trimmed, 200))
}

/// The first `max` characters of a body, for error messages and logs.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(status: u16, body: &str) -> (String, String, ErrorKind) {
        match ApiError::from_response("GET", "/x", status, None, body.as_bytes()) {
            ApiError::Http {
                code,
                message,
                kind,
                ..
            } => (code, message, kind),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn decodes_every_envelope() {
        let (c, m, k) = parse(
            404,
            r#"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no"}"#,
        );
        assert_eq!(
            (c.as_str(), m.as_str(), k),
            ("RESOURCE_DOES_NOT_EXIST", "no", ErrorKind::NotFound)
        );
        let (c, _, k) = parse(
            401,
            r#"{"error_code":401,"message":"Credential was not sent"}"#,
        );
        assert_eq!((c.as_str(), k), ("401", ErrorKind::Unauthenticated));
        let (c, m, _) = parse(
            404,
            r#"{"schemas":[],"detail":"User not found","status":"404"}"#,
        );
        assert_eq!((c.as_str(), m.as_str()), ("SCIM_404", "User not found"));
        let (_, m, _) = parse(
            400,
            r#"{"error":"invalid_client","error_description":"bad"}"#,
        );
        assert_eq!(m, "invalid_client: bad");
        let (_, m, _) = parse(200, "<html><title>Databricks - Sign in</title></html>");
        assert!(m.contains("HTML page"));
        let (c, m, _) = parse(400, "INVALID_STATE: policy is bound");
        assert_eq!(
            (c.as_str(), m.as_str()),
            ("INVALID_STATE", "policy is bound")
        );
        let (_, _, k) = parse(
            400,
            r#"{"error_code":"RESOURCE_ALREADY_EXISTS","message":"x"}"#,
        );
        assert_eq!(k, ErrorKind::Conflict);
    }
}
