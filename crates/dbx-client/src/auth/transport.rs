//! What the connection to a profile's hosts must be: https everywhere a credential is sent to
//! obtain a token, plain http tolerated (with a warning) only for the API host, and loopback
//! exempt (the emulator and tests serve http on 127.0.0.1).

use super::AuthError;
use crate::config::Profile;
use reqwest::Url;

/// True for `localhost` and loopback addresses (127.0.0.0/8, ::1).
pub fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `url` as it may appear in a message: scheme, host, port and path, no userinfo or query.
pub fn display(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// Refuses a token endpoint (or IAM endpoint) that is not https: the client secret, a signed
/// assertion or a caller token would cross the network in clear. Loopback http is allowed.
pub fn require_https(what: &str, url: &str) -> Result<Url, AuthError> {
    let parsed =
        Url::parse(url).map_err(|_| AuthError::Config(format!("{what} is not a valid URL")))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // Refused without repeating it: the password would end up in every error and log line
        // that names the endpoint.
        return Err(AuthError::Config(format!(
            "{what} must not contain a user name or password (user:password@)"
        )));
    }
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        _ => Err(AuthError::Config(format!(
            "{what} {} is not https: credentials are only sent to token endpoints over https (plain http only on 127.0.0.1 or localhost)",
            display(&parsed)
        ))),
    }
}

/// A token or discovery endpoint answered with a redirect, which is not followed (the client
/// builder follows none): a refusal naming where it pointed.
pub fn redirected(endpoint: &str, resp: &reqwest::Response) -> AuthError {
    AuthError::Refused {
        endpoint: endpoint.to_owned(),
        status: resp.status().as_u16(),
        reason: format!(
            "redirect to {}, not followed",
            crate::api::client::redirect_target(resp.url().as_str(), resp.headers())
        ),
    }
}

/// Whether `got` is on the same host and port as `asked` (a discovery document must not send
/// the client secret to another server).
pub fn same_origin(asked: &Url, got: &Url) -> bool {
    asked.host_str().map(str::to_ascii_lowercase) == got.host_str().map(str::to_ascii_lowercase)
        && asked.port_or_known_default() == got.port_or_known_default()
}

/// What to tell the user, once, about how this profile connects: plain http to a host that is
/// not loopback, a `skip_verify` that is not honoured, and cloud credential keys the chosen
/// method ignores ([`super::unused_keys`]). `None` when there is nothing to say.
pub fn warning(profile: &Profile) -> Option<String> {
    let mut out = Vec::new();
    if let Some(host) = profile.host.as_deref()
        && let Ok(url) = Url::parse(host)
        && url.scheme() == "http"
        && !is_loopback(&url)
    {
        out.push("plain http: requests and tokens cross the network unencrypted".to_owned());
    }
    if profile
        .other
        .get("skip_verify")
        .and_then(|v| crate::config::profile::parse_bool(v))
        == Some(true)
    {
        out.push("skip_verify is not supported; certificates are always verified".into());
    }
    out.extend(super::unused_keys::warning(profile));
    (!out.is_empty()).then(|| out.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProfileSource;

    fn profile(host: &str, skip_verify: Option<&str>) -> Profile {
        let mut p = Profile::empty("p", ProfileSource::Demo);
        p.host = Some(host.into());
        if let Some(v) = skip_verify {
            p.other.insert("skip_verify".into(), v.into());
        }
        p
    }

    #[test]
    fn token_endpoints_must_be_https_except_on_loopback() {
        for ok in [
            "https://login.example.com/t/oauth2/v2.0/token",
            "http://127.0.0.1:8080/oidc/v1/token",
            "http://localhost/token",
            "http://[::1]:9/token",
        ] {
            assert!(require_https("token endpoint", ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://oauth2.example.com/token",
            "http://10.0.0.1/token",
            "ftp://127.0.0.1/token",
        ] {
            let e = require_https("token endpoint", bad)
                .unwrap_err()
                .to_string();
            assert!(e.contains("not https"), "{e}");
        }
        let e = require_https(
            "google_iam_url",
            "http://user:canary@iam.example.com/x?k=canary",
        )
        .unwrap_err()
        .to_string();
        assert!(!e.contains("canary"), "{e}");
        // An https endpoint with a password is refused too, without repeating it.
        let e = require_https("google_iam_url", "https://user:canary@iam.example.com/x")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("user name or password") && !e.contains("canary"),
            "{e}"
        );
    }

    #[test]
    fn same_origin_compares_host_and_port() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(same_origin(
            &u("https://Ws.example.com/oidc/.well-known/x"),
            &u("https://ws.example.com:443/oidc/v1/token")
        ));
        assert!(!same_origin(
            &u("https://ws.example.com/"),
            &u("https://evil.example.net/oidc/v1/token")
        ));
        assert!(!same_origin(
            &u("http://127.0.0.1:8080/"),
            &u("http://127.0.0.1:9090/oidc/v1/token")
        ));
    }

    #[test]
    fn warns_about_plain_http_and_skip_verify_only() {
        assert_eq!(warning(&profile("https://ws.example.com", None)), None);
        assert_eq!(
            warning(&profile("http://127.0.0.1:8080", Some("false"))),
            None
        );
        let w = warning(&profile("http://ws.example.com", None)).unwrap();
        assert!(w.starts_with("plain http"), "{w}");
        let w = warning(&profile("https://ws.example.com", Some("true"))).unwrap();
        assert_eq!(
            w,
            "skip_verify is not supported; certificates are always verified"
        );
    }
}
