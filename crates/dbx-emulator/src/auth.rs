//! Who is calling: bearer checks for account and workspace APIs, and the OAuth endpoints that
//! mint tokens (docs/wire-facts.md §8.1, §12).

use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use serde_json::json;

use super::error::{ApiError, ApiResult, json_response};
use super::state::{IssuedToken, Shared, State as St, lock};

/// What a credential acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Who {
    /// The account's static admin token or a workspace PAT: a human admin user.
    User,
    /// An OAuth token minted for this service principal (SCIM id).
    Sp(String),
}

#[derive(Debug, Clone)]
pub(crate) struct AccountCaller {
    #[allow(dead_code)] // kept for handlers that will want to audit the caller
    pub who: Who,
}

#[derive(Debug, Clone)]
pub(crate) struct WorkspaceCaller {
    pub account_id: String,
    pub workspace_id: i64,
    pub who: Who,
}

/// Internal header carrying the base URL a request was sent to; see [`base_from_headers`].
pub(crate) const BASE_HEADER: &str = "x-emulator-base";

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn is_pat(st: &St, token: &str) -> bool {
    // Real PATs start with `dapi`; account APIs reject the whole kind, known or not.
    token.starts_with("dapi")
        || st
            .accounts
            .iter()
            .any(|a| a.workspace_pat.as_ref().is_some_and(|p| p.token == token))
}

pub(crate) fn live_token<'a>(st: &'a St, token: &str) -> Option<&'a IssuedToken> {
    st.tokens
        .get(token)
        .filter(|t| t.expires_at > Instant::now())
}

/// An Entra or Google token, as the admin service principal of the account it maps to.
fn cloud_token(st: &St, headers: &HeaderMap, token: &str) -> ApiResult<Option<IssuedToken>> {
    let base = base_from_headers(headers);
    match super::cloud::databricks_caller(st, token, &base) {
        None => Ok(None),
        Some(super::cloud::CloudCaller::Refused(status, message)) => {
            Err(ApiError::Auth { status, message })
        }
        Some(super::cloud::CloudCaller::Account(account_id)) => {
            let sp_id = st
                .account(&account_id)
                .and_then(|a| st.sps.iter().find(|s| s.application_id == a.client_id))
                .map(|s| s.id.clone())
                .ok_or_else(ApiError::credential_not_sent)?;
            Ok(Some(IssuedToken {
                account_id,
                sp_id,
                workspace_id: None,
                expires_at: Instant::now() + std::time::Duration::from_secs(60),
            }))
        }
    }
}

/// Authorises a call to `/api/2.0/accounts/{account_id}/…`.
pub(crate) fn account_caller(
    st: &St,
    headers: &HeaderMap,
    account_id: &str,
) -> ApiResult<AccountCaller> {
    let token = bearer(headers).ok_or_else(ApiError::credential_not_sent)?;
    let deny = || {
        ApiError::forbidden(format!(
            "This credential cannot access account {account_id}."
        ))
    };
    if let Some(acct) = st.accounts.iter().find(|a| a.admin_token == token) {
        return if acct.account_id == account_id {
            Ok(AccountCaller { who: Who::User })
        } else {
            Err(deny())
        };
    }
    if let Some((acct, workspace)) = super::u2m::user_token(st, token) {
        return match workspace {
            Some(_) => Err(ApiError::credential_not_sent()),
            None if acct == account_id => Ok(AccountCaller { who: Who::User }),
            None => Err(deny()),
        };
    }
    if is_pat(st, token) {
        return Err(ApiError::credential_not_sent());
    }
    let cloud = cloud_token(st, headers, token)?;
    let Some(t) = cloud.as_ref().or_else(|| live_token(st, token)) else {
        return Err(ApiError::invalid_token(StatusCode::UNAUTHORIZED));
    };
    if t.workspace_id.is_some() {
        // A workspace-audience token is the wrong kind of credential for the account API.
        return Err(ApiError::credential_not_sent());
    }
    if t.account_id != account_id {
        return Err(deny());
    }
    let admin = st
        .sp(&t.account_id, &t.sp_id)
        .is_some_and(|sp| sp.roles.iter().any(|r| r["value"] == "account_admin"));
    if !admin {
        return Err(ApiError::forbidden(
            "Only account admins can call this API.",
        ));
    }
    Ok(AccountCaller {
        who: Who::Sp(t.sp_id.clone()),
    })
}

/// Authorises a workspace API call. The workspace is the `X-Databricks-Workspace-Id` header; on a
/// unified host ([`St::unified_host`]) the header is required, as a unified host serves many
/// workspaces and routes by it (docs/wire-facts.md §3). Otherwise (the default combined host) it
/// is the one a PAT or workspace token belongs to, else the account's first workspace.
pub(crate) fn workspace_caller(st: &St, headers: &HeaderMap) -> ApiResult<WorkspaceCaller> {
    let token = bearer(headers).ok_or_else(ApiError::credential_not_sent)?;
    let invalid = || ApiError::invalid_token(StatusCode::FORBIDDEN);
    let named = match headers.get("x-databricks-workspace-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::invalid("X-Databricks-Workspace-Id must be a numeric workspace id.")
                })?,
        ),
    };
    // (account, fixed workspace if the credential is pinned to one, who)
    let (account_id, pinned, who) =
        if let Some(a) = st.accounts.iter().find(|a| a.admin_token == token) {
            (a.account_id.clone(), None, Who::User)
        } else if let Some(a) = st
            .accounts
            .iter()
            .find(|a| a.workspace_pat.as_ref().is_some_and(|p| p.token == token))
        {
            let ws = a.workspace_pat.as_ref().map(|p| p.workspace_id);
            (a.account_id.clone(), ws, Who::User)
        } else if let Some((acct, workspace)) = super::u2m::user_token(st, token) {
            // An account sign-in's token is not valid on a workspace (tokens are per host).
            let Some(ws) = workspace else {
                return Err(invalid());
            };
            (acct, Some(ws), Who::User)
        } else if let Some(t) = cloud_token(st, headers, token)?
            .as_ref()
            .or_else(|| live_token(st, token))
        {
            (
                t.account_id.clone(),
                t.workspace_id,
                Who::Sp(t.sp_id.clone()),
            )
        } else {
            return Err(invalid());
        };
    let workspace_id = match (named, pinned) {
        (Some(n), Some(p)) if n != p => return Err(invalid()),
        (Some(n), _) => n,
        (None, _) if st.unified_host => return Err(missing_workspace_header()),
        (None, Some(p)) => p,
        (None, None) => st.first_workspace(&account_id).ok_or_else(invalid)?,
    };
    if st.workspace_account(workspace_id) != Some(account_id.as_str()) {
        return Err(invalid());
    }
    Ok(WorkspaceCaller {
        account_id,
        workspace_id,
        who,
    })
}

/// A unified host's answer to a workspace-level call that names no workspace. The status is
/// UNCONFIRMED (docs/wire-facts.md §9): a 400 that names the missing header, never a fallback.
pub(crate) fn missing_workspace_header() -> ApiError {
    ApiError::invalid(
        "Missing header X-Databricks-Workspace-Id: this host serves several workspaces and a workspace-level API call must name its workspace.",
    )
}

/// Scheme and authority of the request, so discovery documents point back at this server.
pub(crate) fn base_from_headers(headers: &HeaderMap) -> String {
    // Set by the router from the scheme served and any gateway prefix (client values dropped).
    if let Some(b) = headers.get(BASE_HEADER).and_then(|h| h.to_str().ok()) {
        return b.to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

pub(crate) async fn databricks_config(
    State(shared): State<Shared>,
    headers: HeaderMap,
) -> Response {
    let st = lock(&shared);
    let base = base_from_headers(&headers);
    let first = st.accounts.first();
    // `{account_id}` stays a placeholder: the SDKs substitute their configured account, so an
    // AccountClient for the 2nd or 3rd account still discovers its own token endpoint. No
    // `workspace_id`: this host serves every workspace of its accounts.
    let mut body = json!({
        "account_id": first.map(|a| a.account_id.as_str()),
        "cloud": first.map_or("aws", |a| a.cloud.as_str()),
        "host_type": "UNIFIED_HOST",
        "oidc_endpoint": format!("{base}/oidc/accounts/{{account_id}}"),
    });
    if let Some(ws) = st.host_workspace_id {
        // A workspace host: it names its one workspace.
        body["host_type"] = json!("WORKSPACE_HOST");
        body["workspace_id"] = json!(ws.to_string());
    }
    json_response(StatusCode::OK, &body)
}

fn discovery(base: &str, oidc_root: &str) -> serde_json::Value {
    json!({
        "issuer": format!("{base}{oidc_root}"),
        "authorization_endpoint": format!("{base}{oidc_root}/v1/authorize"),
        "token_endpoint": format!("{base}{oidc_root}/v1/token"),
        "jwks_uri": format!("{base}{oidc_root}/v1/keys"),
        "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["all-apis", "offline_access"],
    })
}

pub(crate) async fn account_discovery(
    State(shared): State<Shared>,
    Path(account_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if lock(&shared).account(&account_id).is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Account {account_id} not found."),
        ));
    }
    let base = base_from_headers(&headers);
    Ok(json_response(
        StatusCode::OK,
        &discovery(&base, &format!("/oidc/accounts/{account_id}")),
    ))
}

pub(crate) async fn workspace_discovery(headers: HeaderMap) -> Response {
    json_response(
        StatusCode::OK,
        &discovery(&base_from_headers(&headers), "/oidc"),
    )
}

/// Minimal `application/x-www-form-urlencoded` decoding (`+` is a space, `%XX` escapes).
pub(crate) fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                    match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        Some(b) => {
                            out.push(b);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn client_credentials(headers: &HeaderMap, form: &[(String, String)]) -> Option<(String, String)> {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        });
    from_header.or_else(|| {
        let get = |k: &str| {
            form.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        Some((get("client_id")?, get("client_secret")?))
    })
}

/// `POST /oidc/accounts/{account_id}/v1/token`: an account-audience token.
pub(crate) async fn account_token(
    State(shared): State<Shared>,
    Path(account_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    issue(&shared, &headers, &body, Some(&account_id))
}

/// `POST /oidc/v1/token`: a workspace-audience token.
pub(crate) async fn workspace_token(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    issue(&shared, &headers, &body, None)
}

fn issue(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
    account: Option<&str>,
) -> ApiResult<Response> {
    let form = parse_form(body);
    let field = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    match field("grant_type") {
        Some("client_credentials") => {}
        // A person's sign-in (docs/wire-facts.md §13).
        Some("authorization_code" | "refresh_token") => {
            return super::u2m::token(shared, &form, account);
        }
        Some(other) => {
            return Err(ApiError::oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("Grant type '{other}' is not supported; use client_credentials."),
            ));
        }
        None => {
            return Err(ApiError::oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Missing grant_type.",
            ));
        }
    }
    let scope = field("scope").unwrap_or("all-apis").to_string();
    let bad_client = || {
        ApiError::oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        )
    };
    let (client_id, secret) = client_credentials(headers, &form).ok_or_else(bad_client)?;
    let mut st = lock(shared);
    let sp = st
        .sps
        .iter()
        .find(|s| s.application_id == client_id && account.is_none_or(|a| s.account_id == a))
        .ok_or_else(bad_client)?;
    let known = st.secret_digests.get(&sp.id).is_some_and(|v| {
        let digest = super::state::secret_digest(&secret);
        v.iter().any(|(_, d)| *d == digest)
    });
    if !known || !sp.active {
        return Err(bad_client());
    }
    let (sp_id, account_id) = (sp.id.clone(), sp.account_id.clone());
    let workspace_id = if account.is_some() {
        None
    } else {
        let named = headers
            .get("x-databricks-workspace-id")
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<i64>().ok());
        let ws = named
            .or_else(|| st.first_workspace(&account_id))
            .ok_or_else(bad_client)?;
        let assigned = sp.workspace_ids.contains(&ws)
            || sp.roles.iter().any(|r| r["value"] == "account_admin");
        if st.workspace_account(ws) != Some(account_id.as_str()) || !assigned {
            return Err(bad_client());
        }
        Some(ws)
    };
    let lifetime = st.token_lifetime;
    let token = format!("dbxemu-oauth-{}", uuid::Uuid::new_v4().simple());
    st.tokens.insert(
        token.clone(),
        IssuedToken {
            account_id,
            sp_id,
            workspace_id,
            expires_at: Instant::now() + lifetime,
        },
    );
    tracing::debug!(target: "emulator", workspace = ?workspace_id, "issued OAuth token");
    let body = json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs().max(1),
        "scope": scope,
    });
    Ok(json_response(StatusCode::OK, &body))
}
