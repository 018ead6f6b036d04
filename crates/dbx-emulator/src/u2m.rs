//! Signing in as a person (OAuth U2M, docs/wire-facts.md §13): the authorize endpoints of a
//! workspace and an account, the `authorization_code` and `refresh_token` grants of their token
//! endpoints, and the user tokens they mint.
//!
//! Stricter than the real service: only the public client `databricks-cli` with a loopback
//! redirect on ports 8020-8040, PKCE S256 required, `state` required, codes single-use (a
//! failed exchange spends the code too), and refresh tokens rotate on every use: the old one
//! is refused with `invalid_grant` afterwards. The browser is played by plain HTTP: a GET of
//! the authorize address answers with a 302 to the redirect URI carrying `code` and `state`,
//! as a browser with a live session sees.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use ring::digest::{SHA256, digest};
use serde_json::json;

use super::error::{ApiError, ApiResult, json_response};
use super::state::{EmulatorHandle, Shared, State as St, lock};

/// The public client every account knows.
pub(crate) const PUBLIC_CLIENT: &str = "databricks-cli";
/// How long an authorization code may wait for its exchange.
const CODE_LIFETIME: Duration = Duration::from_secs(120);

/// Who a sign-in is for: a workspace (tokens pinned to it) or an account.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Audience {
    account_id: String,
    workspace_id: Option<i64>,
}

struct PendingCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    offline: bool,
    scope: String,
    audience: Audience,
    expires_at: Instant,
}

struct RefreshGrant {
    client_id: String,
    scope: String,
    audience: Audience,
}

#[derive(Default)]
pub(crate) struct U2m {
    codes: HashMap<String, PendingCode>,
    refresh: HashMap<String, RefreshGrant>,
    access: HashMap<String, (Audience, Instant)>,
    /// Refresh grants served (successful ones), for tests counting refreshes.
    refreshes: usize,
}

/// The account and (for a workspace token) the workspace a live user access token acts in.
pub(crate) fn user_token(st: &St, token: &str) -> Option<(String, Option<i64>)> {
    st.u2m
        .access
        .get(token)
        .filter(|(_, exp)| *exp > Instant::now())
        .map(|(a, _)| (a.account_id.clone(), a.workspace_id))
}

#[derive(serde::Deserialize)]
pub(crate) struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// `http://localhost:PORT` or `http://127.0.0.1:PORT` (an optional `/`) on 8020-8040: the
/// redirect URIs the CLI's public client is registered with.
fn redirect_allowed(uri: &str) -> bool {
    let rest = uri
        .strip_prefix("http://localhost:")
        .or_else(|| uri.strip_prefix("http://127.0.0.1:"));
    let Some(port) = rest.map(|r| r.strip_suffix('/').unwrap_or(r)) else {
        return false;
    };
    port.parse::<u16>()
        .is_ok_and(|p| (8020..=8040).contains(&p))
}

fn is_challenge(c: &str) -> bool {
    c.len() == 43
        && c.chars()
            .all(|x| x.is_ascii_alphanumeric() || x == '-' || x == '_')
}

fn page(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<!doctype html><title>Sign in</title><p>{text}"),
    )
        .into_response()
}

fn redirect(uri: &str, pairs: &[(&str, &str)]) -> Response {
    let mut q = String::new();
    for (k, v) in pairs {
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str(k);
        q.push('=');
        q.push_str(&encode(v));
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    let uri = if uri.ends_with('/') || uri.contains('?') {
        uri.to_owned()
    } else {
        format!("{uri}/")
    };
    (
        StatusCode::FOUND,
        [(header::LOCATION, format!("{uri}{sep}{q}"))],
    )
        .into_response()
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn authorize(shared: &Shared, q: &AuthorizeQuery, account: Option<&str>) -> Response {
    // Until the client and redirect URI are known good, errors are shown, never redirected
    // (RFC 6749 §4.1.2.1).
    if q.client_id.as_deref() != Some(PUBLIC_CLIENT) {
        return page(StatusCode::BAD_REQUEST, "Unknown or missing client_id.");
    }
    let Some(redirect_uri) = q.redirect_uri.as_deref().filter(|u| redirect_allowed(u)) else {
        return page(
            StatusCode::BAD_REQUEST,
            "redirect_uri is not registered for this client.",
        );
    };
    let state = q.state.as_deref().unwrap_or_default();
    let fail = |error: &str, description: &str| {
        let mut pairs = vec![("error", error), ("error_description", description)];
        if !state.is_empty() {
            pairs.push(("state", state));
        }
        redirect(redirect_uri, &pairs)
    };
    if q.response_type.as_deref() != Some("code") {
        return fail("unsupported_response_type", "response_type must be code");
    }
    if state.is_empty() {
        return fail("invalid_request", "state is required");
    }
    if q.code_challenge_method.as_deref() != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    let Some(challenge) = q.code_challenge.as_deref().filter(|c| is_challenge(c)) else {
        return fail("invalid_request", "code_challenge is missing or malformed");
    };
    let scope = q.scope.clone().unwrap_or_default();
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    if !scopes.contains(&"all-apis") {
        return fail("invalid_scope", "scope must include all-apis");
    }
    let mut st = lock(shared);
    let audience = match account {
        Some(a) if st.account(a).is_some() => Audience {
            account_id: a.to_owned(),
            workspace_id: None,
        },
        Some(_) => return page(StatusCode::NOT_FOUND, "Unknown account."),
        None => {
            // The workspace this host serves: the first account's first workspace.
            let Some(acct) = st.accounts.first().map(|a| a.account_id.clone()) else {
                return page(StatusCode::NOT_FOUND, "No workspace.");
            };
            let ws = st.first_workspace(&acct);
            Audience {
                account_id: acct,
                workspace_id: ws,
            }
        }
    };
    let code = format!("dbxemu-code-{}", uuid::Uuid::new_v4().simple());
    st.u2m.codes.insert(
        code.clone(),
        PendingCode {
            client_id: PUBLIC_CLIENT.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            challenge: challenge.to_owned(),
            offline: scopes.contains(&"offline_access"),
            scope: scope.clone(),
            audience,
            expires_at: Instant::now() + CODE_LIFETIME,
        },
    );
    redirect(redirect_uri, &[("code", &code), ("state", state)])
}

/// `GET /oidc/v1/authorize`: a workspace sign-in.
pub(crate) async fn workspace_authorize(
    State(shared): State<Shared>,
    Query(q): Query<AuthorizeQuery>,
) -> Response {
    authorize(&shared, &q, None)
}

/// `GET /oidc/accounts/{account_id}/v1/authorize`: an account sign-in.
pub(crate) async fn account_authorize(
    State(shared): State<Shared>,
    Path(account_id): Path<String>,
    Query(q): Query<AuthorizeQuery>,
) -> Response {
    authorize(&shared, &q, Some(&account_id))
}

fn grant_error(description: &str) -> ApiError {
    ApiError::oauth(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// The `authorization_code` and `refresh_token` grants of a token endpoint; `account` is the
/// account of an account endpoint, `None` for the workspace one.
pub(crate) fn token(
    shared: &Shared,
    form: &[(String, String)],
    account: Option<&str>,
) -> ApiResult<Response> {
    let field = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let client_id = field("client_id").unwrap_or_default();
    let bad_client = || {
        ApiError::oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        )
    };
    let endpoint_matches = |a: &Audience| match account {
        Some(acc) => a.workspace_id.is_none() && a.account_id == acc,
        None => a.workspace_id.is_some(),
    };
    let mut st = lock(shared);
    let (audience, scope, offline) = match field("grant_type") {
        Some("authorization_code") => {
            let code = field("code").unwrap_or_default();
            // Spent by any attempt, good or bad.
            let pending = st
                .u2m
                .codes
                .remove(code)
                .filter(|p| p.expires_at > Instant::now())
                .ok_or_else(|| grant_error("Authorization code is invalid or expired"))?;
            if client_id != PUBLIC_CLIENT {
                return Err(bad_client());
            }
            if pending.client_id != client_id || !endpoint_matches(&pending.audience) {
                return Err(grant_error(
                    "Authorization code was issued to another client or audience",
                ));
            }
            if field("redirect_uri") != Some(pending.redirect_uri.as_str()) {
                return Err(grant_error(
                    "redirect_uri does not match the authorization request",
                ));
            }
            let verifier = field("code_verifier").unwrap_or_default();
            let valid_shape = (43..=128).contains(&verifier.len())
                && verifier
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c));
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(digest(&SHA256, verifier.as_bytes()).as_ref());
            if !valid_shape || computed != pending.challenge {
                return Err(grant_error("PKCE verification failed"));
            }
            (pending.audience, pending.scope, pending.offline)
        }
        Some("refresh_token") => {
            if client_id != PUBLIC_CLIENT {
                return Err(bad_client());
            }
            let old = field("refresh_token").unwrap_or_default();
            let grant = st
                .u2m
                .refresh
                .get(old)
                .filter(|g| g.client_id == client_id && endpoint_matches(&g.audience))
                .ok_or_else(|| grant_error("Refresh token is invalid"))?;
            let (audience, scope) = (grant.audience.clone(), grant.scope.clone());
            // Rotation: the old refresh token is spent.
            st.u2m.refresh.remove(old);
            st.u2m.refreshes += 1;
            (audience, scope, true)
        }
        _ => {
            return Err(ApiError::oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Grant type is not supported.",
            ));
        }
    };
    let lifetime = st.token_lifetime;
    let access = format!("dbxemu-u2m-{}", uuid::Uuid::new_v4().simple());
    st.u2m.access.insert(
        access.clone(),
        (audience.clone(), Instant::now() + lifetime),
    );
    let mut body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs().max(1),
        "scope": scope,
    });
    if offline {
        let refresh = format!("dbxemu-u2m-refresh-{}", uuid::Uuid::new_v4().simple());
        st.u2m.refresh.insert(
            refresh.clone(),
            RefreshGrant {
                client_id: client_id.to_owned(),
                scope,
                audience,
            },
        );
        body["refresh_token"] = json!(refresh);
    }
    tracing::debug!(target: "emulator", "issued U2M tokens");
    Ok(json_response(StatusCode::OK, &body))
}

/// Test hooks for person sign-ins.
impl EmulatorHandle {
    /// Revokes every refresh token (an admin revoking the app's sessions): the next refresh
    /// gets `invalid_grant`.
    pub fn revoke_u2m_refresh_tokens(&self) {
        lock(&self.shared).u2m.refresh.clear();
    }

    /// Revokes every person's session: refresh and access tokens alike (the next call gets a
    /// 401, the refresh after it `invalid_grant`).
    pub fn revoke_u2m_sessions(&self) {
        let mut st = lock(&self.shared);
        st.u2m.refresh.clear();
        st.u2m.access.clear();
    }

    /// Successful `refresh_token` grants served so far.
    pub fn u2m_refresh_count(&self) -> usize {
        lock(&self.shared).u2m.refreshes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_redirects_on_the_registered_ports() {
        for ok in [
            "http://localhost:8020",
            "http://localhost:8040/",
            "http://127.0.0.1:8031",
        ] {
            assert!(redirect_allowed(ok), "{ok}");
        }
        for bad in [
            "http://localhost:8041",
            "http://localhost:8019",
            "https://localhost:8020",
            "http://evil.example.com:8020",
            "http://localhost:8020/cb",
            "http://localhost:8020@evil.example.com",
        ] {
            assert!(!redirect_allowed(bad), "{bad}");
        }
    }
}
