//! Azure managed identity (`azure-msi`, docs/wire-facts.md §8.2), asked directly rather than
//! through `azure_identity`: its VM credential brings its own exponential retries (about 72 s
//! in all), so an unreachable metadata service would hold a token fetch, and `auth check`, for
//! a minute and end as a bare "timed out". Here the whole attempt is bounded (profile key
//! `azure_msi_timeout`, seconds, default [`DEFAULT_TIMEOUT`]) and every failure says which
//! endpoint and what happened: connection refused, no answer, identity not assigned, refused.
//!
//! - App Service / Functions (`IDENTITY_ENDPOINT` and `IDENTITY_HEADER` set):
//!   `GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=…[&client_id=…]` with
//!   `X-IDENTITY-HEADER: $IDENTITY_HEADER`.
//! - Otherwise the VM's instance metadata service (IMDS):
//!   `GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=…[&client_id=…]`
//!   with `Metadata: true`.
//!
//! Both answer `{"access_token", "expires_on", "token_type", …}` (`expires_on` in epoch seconds,
//! as a string or a number); an identity that is not assigned to the machine is a 400.

use crate::config::Secret;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const IMDS_URL: &str = "http://169.254.169.254/metadata/identity/oauth2/token";
/// How long one managed-identity attempt may take, in all, unless `azure_msi_timeout` says.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// The profile key bounding one attempt, in seconds.
pub const TIMEOUT_KEY: &str = "azure_msi_timeout";

/// Where the managed identity's tokens come from.
#[derive(Clone, Debug)]
pub enum MsiEndpoint {
    /// The VM's instance metadata service (IMDS); the URL is [`IMDS_URL`] outside tests.
    Imds(String),
    /// App Service / Functions: `IDENTITY_ENDPOINT`, authenticated by `IDENTITY_HEADER`.
    AppService { url: String, header: Secret },
}

impl MsiEndpoint {
    /// App Service when `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set (as the Azure SDKs
    /// decide), else IMDS.
    pub fn from_env() -> Self {
        match (
            std::env::var("IDENTITY_ENDPOINT"),
            std::env::var("IDENTITY_HEADER"),
        ) {
            (Ok(url), Ok(header)) if !url.is_empty() => Self::AppService {
                url,
                header: Secret::new(header),
            },
            _ => Self::Imds(IMDS_URL.into()),
        }
    }

    /// The endpoint as messages name it.
    pub fn describe(&self) -> String {
        match self {
            Self::Imds(u) => format!("the managed identity endpoint (IMDS) {}", strip(u)),
            Self::AppService { url, .. } => {
                format!("the App Service identity endpoint {}", strip(url))
            }
        }
    }
}

/// `url` without its query (nothing secret is expected there, but nothing is needed either).
fn strip(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// What went wrong, in the user's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsiFailure {
    /// Nothing listens there: not on an Azure VM or App Service, or the endpoint is wrong.
    ConnectionRefused,
    /// No route, DNS, TLS or a connection cut.
    Unreachable,
    /// No answer within the bound (`azure_msi_timeout`).
    NoAnswer,
    /// HTTP 400: the identity asked for (or any, for system-assigned) is not on this machine.
    NotAssigned,
    /// Any other HTTP error.
    Refused(u16),
    /// A 2xx that holds no token.
    NotAToken,
}

/// A managed identity gave no token. Never carries a token or the identity header.
#[derive(Clone, Debug)]
pub struct MsiError {
    pub kind: MsiFailure,
    /// [`MsiEndpoint::describe`].
    pub endpoint: String,
    pub detail: String,
}

impl std::fmt::Display for MsiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (e, d) = (&self.endpoint, &self.detail);
        match self.kind {
            MsiFailure::ConnectionRefused => write!(
                f,
                "{e} refused the connection: nothing listens there (is this an Azure VM or App Service with a managed identity?)"
            ),
            MsiFailure::Unreachable => write!(f, "cannot reach {e}: {d}"),
            MsiFailure::NoAnswer => write!(
                f,
                "{e} did not answer within {d} ({TIMEOUT_KEY}): not running on Azure, or the metadata service is blocked"
            ),
            MsiFailure::NotAssigned => write!(f, "identity not assigned: {e} says {d}"),
            MsiFailure::Refused(status) => {
                write!(f, "{e} refused the request (HTTP {status}): {d}")
            }
            MsiFailure::NotAToken => write!(f, "{e} answered something that is not a token: {d}"),
        }
    }
}

/// `azure_msi_timeout` as written: seconds, whole or decimal, an optional `s`.
pub fn parse_timeout(value: Option<&str>) -> Result<Duration, String> {
    let Some(v) = value else {
        return Ok(DEFAULT_TIMEOUT);
    };
    let n = v.trim().trim_end_matches('s').trim();
    match n.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 600.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!(
            "{TIMEOUT_KEY} must be a number of seconds between 0 and 600, e.g. `{TIMEOUT_KEY} = 3`"
        )),
    }
}

/// One managed-identity token for `resource`, the whole attempt bounded by `limit`.
pub async fn fetch(
    http: &reqwest::Client,
    endpoint: &MsiEndpoint,
    client_id: Option<&str>,
    resource: &str,
    limit: Duration,
) -> Result<(Secret, SystemTime), MsiError> {
    let described = endpoint.describe();
    let fail = |kind, detail: String| MsiError {
        kind,
        endpoint: described.clone(),
        detail,
    };
    let (api_version, mut req) = match endpoint {
        MsiEndpoint::Imds(u) => ("2018-02-01", http.get(u).header("Metadata", "true")),
        MsiEndpoint::AppService { url, header } => {
            let mut v = reqwest::header::HeaderValue::from_str(header.expose()).map_err(|_| {
                fail(
                    MsiFailure::Unreachable,
                    "IDENTITY_HEADER holds characters not allowed in an HTTP header".into(),
                )
            })?;
            v.set_sensitive(true);
            ("2019-08-01", http.get(url).header("X-IDENTITY-HEADER", v))
        }
    };
    let mut query = vec![("api-version", api_version), ("resource", resource)];
    if let Some(c) = client_id {
        query.push(("client_id", c));
    }
    req = req.query(&query).timeout(limit);
    let attempt = async {
        let resp = req.send().await.map_err(|e| connect_failure(&e, limit))?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| connect_failure(&e, limit))?;
        Ok::<_, (MsiFailure, String)>((status, body))
    };
    let (status, body) = match tokio::time::timeout(limit, attempt).await {
        Ok(Ok(r)) => r,
        Ok(Err((kind, detail))) => return Err(fail(kind, detail)),
        Err(_) => return Err(fail(MsiFailure::NoAnswer, seconds(limit))),
    };
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if !(200..300).contains(&status) {
        let said = ["error_description", "message", "error"]
            .iter()
            .find_map(|k| json[*k].as_str())
            .unwrap_or("no reason given")
            .to_owned();
        let kind = if status == 400 {
            MsiFailure::NotAssigned
        } else {
            MsiFailure::Refused(status)
        };
        let detail = if kind == MsiFailure::NotAssigned {
            format!(
                "\"{said}\" (HTTP 400): {} is not assigned to this machine",
                client_id.map_or_else(
                    || "no system-assigned identity".to_owned(),
                    |c| format!("the identity azure_client_id = {c}")
                )
            )
        } else {
            said
        };
        return Err(fail(kind, detail));
    }
    let token = json["access_token"]
        .as_str()
        .ok_or_else(|| fail(MsiFailure::NotAToken, "no access_token".into()))?;
    let expires_on = match &json["expires_on"] {
        serde_json::Value::String(s) => s.parse::<u64>().ok(),
        serde_json::Value::Number(n) => n.as_u64(),
        _ => None,
    }
    .ok_or_else(|| fail(MsiFailure::NotAToken, "no expires_on".into()))?;
    Ok((
        Secret::new(token.to_owned()),
        UNIX_EPOCH + Duration::from_secs(expires_on),
    ))
}

fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

fn connect_failure(e: &reqwest::Error, limit: Duration) -> (MsiFailure, String) {
    if e.is_timeout() {
        return (MsiFailure::NoAnswer, seconds(limit));
    }
    let mut cur: &(dyn std::error::Error + 'static) = e;
    loop {
        if let Some(io) = cur.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return (MsiFailure::ConnectionRefused, io.to_string());
        }
        match cur.source() {
            Some(n) => cur = n,
            None => return (MsiFailure::Unreachable, cur.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_key_parses_seconds_and_refuses_nonsense() {
        assert_eq!(parse_timeout(None).unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(parse_timeout(Some("5")).unwrap(), Duration::from_secs(5));
        assert_eq!(
            parse_timeout(Some("0.5s")).unwrap(),
            Duration::from_millis(500)
        );
        for bad in ["0", "-1", "soon", "9999"] {
            assert!(parse_timeout(Some(bad)).unwrap_err().contains(TIMEOUT_KEY));
        }
    }

    #[test]
    fn endpoints_are_named_once() {
        let e = MsiEndpoint::Imds(IMDS_URL.into()).describe();
        assert_eq!(
            e,
            "the managed identity endpoint (IMDS) http://169.254.169.254/metadata/identity/oauth2/token"
        );
    }
}
