//! API gateways in front of Databricks (Azure API Management, Apigee, Kong, …).
//!
//! Profile key `gateway_headers`: one or more `Header-Name: value` pairs separated by `;`, e.g.
//!
//! ```ini
//! gateway_headers = Ocp-Apim-Subscription-Key: keyring:dbx-gw-key
//! gateway_headers = X-Api-Key: literal-key; X-Tenant: blue
//! ```
//!
//! A value is used literally, or read from the OS keyring when written `keyring:NAME`. The
//! headers are added to whatever auth the profile uses; with `auth_type = gateway` they are the
//! only credential sent (the gateway authenticates to Databricks itself). A gateway that serves
//! Databricks under a path prefix needs nothing more: `host = https://gw.corp/databricks`.

use super::{AuthError, AuthHeaders, CredentialProvider};
use crate::config::{Secret, keyring};
use futures::future::BoxFuture;
use reqwest::header::{HeaderName, HeaderValue};
use std::sync::Arc;
use std::time::SystemTime;

/// Parsed `gateway_headers`, values resolved and marked sensitive, with how each header may be
/// named in messages.
#[derive(Clone)]
pub struct GatewayHeaders(Vec<(HeaderName, HeaderValue)>, Vec<String>);

impl GatewayHeaders {
    /// Parses the `gateway_headers` value and resolves keyring references. Errors name the key
    /// and the pair's position, never what the pair holds: a literal value containing `;` is
    /// split there, and its second half would be taken for a header name.
    pub fn parse(raw: &Secret) -> Result<Self, AuthError> {
        let bad = |n: usize, what: &str| {
            AuthError::Config(format!(
                "gateway_headers, pair {n} (pairs are separated by `;`): {what}; a value that \
                 contains `;` must be stored in the OS keyring (`dbx-tui auth set`)"
            ))
        };
        let mut out = Vec::new();
        let mut labels = Vec::new();
        // A pair that follows a literal value may be the second half of a value that contained
        // `;`, so its "name" may be a piece of a key: only the first pair's name, and a name
        // that follows a keyring reference, are shown; the others are called by position.
        let mut after_literal = false;
        let pairs = raw
            .expose()
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty());
        for (i, part) in pairs.enumerate() {
            let n = i + 1;
            let Some((name, value)) = part.split_once(':') else {
                return Err(bad(n, "not a `Header-Name: value` pair"));
            };
            let header = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| bad(n, "not a valid header name"))?;
            let value = Secret::new(value.trim());
            labels.push(if after_literal {
                format!("pair {n}")
            } else {
                header.as_str().to_owned()
            });
            after_literal = !value.expose().starts_with(keyring::PREFIX);
            if value.is_empty() {
                return Err(bad(n, "the header has no value"));
            }
            let value = keyring::resolve_value(&value)
                .map_err(|e| AuthError::Config(format!("gateway_headers, pair {n}: {e}")))?;
            let mut v = HeaderValue::from_str(value.expose()).map_err(|_| {
                bad(
                    n,
                    "the value contains characters not allowed in an HTTP header",
                )
            })?;
            v.set_sensitive(true);
            out.push((header, v));
        }
        if out.is_empty() {
            return Err(AuthError::Config("gateway_headers is empty".into()));
        }
        Ok(Self(out, labels))
    }

    /// The headers as messages may name them (see [`GatewayHeaders::parse`]).
    pub fn names(&self) -> Vec<String> {
        self.1.clone()
    }
}

/// `auth_type = gateway`: only the gateway headers are sent.
pub struct GatewayProvider {
    headers: GatewayHeaders,
}

impl GatewayProvider {
    pub fn new(headers: GatewayHeaders) -> Self {
        Self { headers }
    }
}

impl CredentialProvider for GatewayProvider {
    fn method(&self) -> &'static str {
        "gateway"
    }

    fn principal(&self) -> String {
        format!(
            "the gateway's identity (key in {})",
            self.headers.names().join(", ")
        )
    }

    fn authorize<'a>(
        &'a self,
        _http: &'a reqwest::Client,
    ) -> BoxFuture<'a, Result<AuthHeaders, AuthError>> {
        Box::pin(async move { Ok(AuthHeaders::new(self.headers.0.clone())) })
    }

    fn gateway_headers(&self) -> Vec<String> {
        self.headers.names()
    }
}

/// Any provider plus the gateway headers.
pub struct WithGateway {
    inner: Arc<dyn CredentialProvider>,
    headers: GatewayHeaders,
}

impl WithGateway {
    pub fn new(inner: Arc<dyn CredentialProvider>, headers: GatewayHeaders) -> Self {
        Self { inner, headers }
    }
}

impl CredentialProvider for WithGateway {
    fn method(&self) -> &'static str {
        self.inner.method()
    }

    fn principal(&self) -> String {
        format!(
            "{} via gateway ({})",
            self.inner.principal(),
            self.headers.names().join(", ")
        )
    }

    fn authorize<'a>(
        &'a self,
        http: &'a reqwest::Client,
    ) -> BoxFuture<'a, Result<AuthHeaders, AuthError>> {
        Box::pin(async move {
            let mut h = self.inner.authorize(http).await?;
            h.headers.extend(self.headers.0.iter().cloned());
            Ok(h)
        })
    }

    fn invalidate(&self, refused: super::token_cache::TokenId) {
        self.inner.invalidate(refused);
    }

    fn expires_at(&self) -> Option<SystemTime> {
        self.inner.expires_at()
    }

    fn gateway_headers(&self) -> Vec<String> {
        self.headers.names()
    }

    fn sign_in_needed(&self) -> Option<super::u2m::SessionFailure> {
        self.inner.sign_in_needed()
    }

    fn adopt_login(&self, refresh: crate::config::Secret) -> bool {
        self.inner.adopt_login(refresh)
    }

    fn warnings(&self) -> Vec<String> {
        self.inner.warnings()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_and_rejects_bad_ones_without_echoing_values() {
        let h =
            GatewayHeaders::parse(&Secret::new("X-Api-Key: canary-gw-1; X-Tenant : blue")).unwrap();
        // The second name follows a literal value, so it could be a piece of it: by position.
        assert_eq!(h.names(), vec!["x-api-key", "pair 2"]);
        assert!(h.0[0].1.is_sensitive());
        for bad in ["canary-gw-2", "Bad Name: canary-gw-3", "X-K:", ";"] {
            let e = GatewayHeaders::parse(&Secret::new(bad))
                .err()
                .unwrap()
                .to_string();
            assert!(!e.contains("canary"), "{e}");
        }
    }

    #[test]
    fn a_literal_value_with_a_semicolon_is_never_echoed() {
        // The key `canary;ke y/9:rest` is split at `;`: pair 2 (`ke y/9:rest`) is not a valid
        // header name, and the error must not quote it.
        for raw in [
            "X-Api-Key: canary;ke y/9:rest",
            "X-Api-Key: canary;kefrag",
            "X-Api-Key: canary;kefrag:",
        ] {
            let e = GatewayHeaders::parse(&Secret::new(raw))
                .err()
                .unwrap()
                .to_string();
            assert!(e.contains("gateway_headers") && e.contains("pair 2"), "{e}");
            for fragment in ["canary", "ke y", "kefrag", "rest"] {
                assert!(!e.contains(fragment), "{e}");
            }
        }
    }

    #[test]
    fn a_piece_of_a_literal_value_is_never_shown_as_a_header_name() {
        let h = GatewayHeaders::parse(&Secret::new("X-Api-Key: canary;kefrag:rest")).unwrap();
        let names = h.names().join(", ");
        assert!(
            !names.contains("kefrag") && !names.contains("canary"),
            "{names}"
        );
        let p = GatewayProvider::new(h).principal();
        assert!(!p.contains("kefrag"), "{p}");
    }
}
