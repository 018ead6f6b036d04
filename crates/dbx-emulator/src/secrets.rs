//! OAuth secrets of service principals (docs/wire-facts.md §4.2), at the account route and the workspace
//! "proxy" route (no account id in the path: the account is the one of the workspace the call
//! lands on). The path id is the SCIM id.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration as TDuration, OffsetDateTime};

use super::auth::{account_caller, workspace_caller};
use super::error::{ApiError, ApiResult, json_response};
use super::policies::body_object;
use super::seed::SeedSp;
use super::state::{Shared, State as St, lock};

/// Small on purpose, so a client that stops on a short page or ignores `next_page_token` misses
/// secrets here exactly as it would on a large real account.
const DEFAULT_PAGE_SIZE: usize = 2;
const MAX_SECRETS: usize = 5;
const MAX_LIFETIME_SECS: i64 = 730 * 24 * 3600;

fn now_rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Moves every secret time by whole days so the seed's relative ages hold today.
pub(crate) fn shift_secret_times(sps: &mut [SeedSp], reference: &str) {
    let Ok(r) = OffsetDateTime::parse(reference, &Rfc3339) else {
        return;
    };
    let days = (OffsetDateTime::now_utc() - r).whole_days();
    for sp in sps {
        for s in &mut sp.secrets {
            for key in ["create_time", "update_time", "expire_time"] {
                let shifted = s[key]
                    .as_str()
                    .and_then(|v| OffsetDateTime::parse(v, &Rfc3339).ok())
                    .map(|t| now_rfc3339(t + TDuration::days(days)));
                if let Some(v) = shifted {
                    s[key] = Value::from(v);
                }
            }
        }
    }
}

fn sp_missing(id: &str) -> ApiError {
    ApiError::not_found(format!("Service principal {id} does not exist."))
}

fn list_in(
    st: &St,
    account_id: &str,
    sp_id: &str,
    q: &HashMap<String, String>,
) -> ApiResult<Response> {
    let sp = st.sp(account_id, sp_id).ok_or_else(|| sp_missing(sp_id))?;
    let size = match q.get("page_size").filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse::<usize>()
            .map_err(|_| ApiError::invalid(format!("Invalid page_size '{s}'.")))?,
        None => DEFAULT_PAGE_SIZE,
    }
    .clamp(1, 100);
    let start = match q.get("page_token").filter(|s| !s.is_empty()) {
        Some(t) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("sec:").and_then(|n| n.parse::<usize>().ok()))
            .ok_or_else(|| ApiError::invalid(format!("Invalid page token '{t}'.")))?,
        None => 0,
    };
    let end = (start + size).min(sp.secrets.len());
    let page: Vec<Value> = sp
        .secrets
        .get(start..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let mut body = json!({ "secrets": page });
    if end < sp.secrets.len() {
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("sec:{end}"));
        body["next_page_token"] = Value::from(token);
    }
    Ok(json_response(StatusCode::OK, &body))
}

fn parse_lifetime(req: &Map<String, Value>) -> ApiResult<i64> {
    match req.get("lifetime") {
        None | Some(Value::Null) => Ok(MAX_LIFETIME_SECS),
        Some(Value::String(l)) => l
            .strip_suffix('s')
            .and_then(|n| n.parse::<f64>().ok())
            .filter(|n| *n > 0.0 && *n <= MAX_LIFETIME_SECS as f64)
            .map(|n| n as i64)
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "Invalid lifetime '{l}': expected seconds like \"63072000s\", at most 730 days."
                ))
            }),
        Some(v) => Err(ApiError::invalid(format!(
            "Invalid lifetime {v}: expected a string of seconds like \"63072000s\"."
        ))),
    }
}

fn create_in(st: &mut St, account_id: &str, sp_id: &str, body: &[u8]) -> ApiResult<Response> {
    let req = if body.iter().all(u8::is_ascii_whitespace) {
        Default::default()
    } else {
        body_object(body)?
    };
    let lifetime = parse_lifetime(&req)?;
    let sp = st
        .sp_mut(account_id, sp_id)
        .ok_or_else(|| sp_missing(sp_id))?;
    if sp.secrets.len() >= MAX_SECRETS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "QUOTA_EXCEEDED",
            format!(
                "Service principal {sp_id} already has the maximum of {MAX_SECRETS} OAuth secrets; delete one before creating another."
            ),
        ));
    }
    let uuid = uuid::Uuid::new_v4().simple().to_string();
    let secret = format!("dose{uuid}");
    let id = format!(
        "{}",
        u64::from_str_radix(&uuid[..12], 16).unwrap_or(1) % 90_000_000_000_000 + 10_000_000_000_000
    );
    let now = OffsetDateTime::now_utc();
    let info = json!({
        "id": id,
        "status": "ACTIVE",
        // A fingerprint of the secret, not a piece of it (the secret is `dose` + `uuid`).
        "secret_hash": &super::state::secret_digest(&secret)[..8],
        "create_time": now_rfc3339(now),
        "update_time": now_rfc3339(now),
        "expire_time": now_rfc3339(now + TDuration::seconds(lifetime)),
    });
    sp.secrets.push(info.clone());
    st.secret_digests
        .entry(sp_id.to_string())
        .or_default()
        .push((id, super::state::secret_digest(&secret)));
    let mut out = info;
    out["secret"] = Value::from(secret);
    Ok(json_response(StatusCode::OK, &out))
}

fn delete_in(st: &mut St, account_id: &str, sp_id: &str, secret_id: &str) -> ApiResult<Response> {
    let sp = st
        .sp_mut(account_id, sp_id)
        .ok_or_else(|| sp_missing(sp_id))?;
    let before = sp.secrets.len();
    sp.secrets.retain(|s| s["id"] != secret_id);
    if sp.secrets.len() == before {
        return Err(ApiError::not_found(format!(
            "Secret {secret_id} does not exist."
        )));
    }
    if let Some(v) = st.secret_digests.get_mut(sp_id) {
        v.retain(|(id, _)| id != secret_id);
    }
    Ok(json_response(StatusCode::OK, &json!({})))
}

pub(crate) async fn list(
    State(shared): State<Shared>,
    Path((account_id, sp_id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    list_in(&st, &account_id, &sp_id, &q)
}

pub(crate) async fn create(
    State(shared): State<Shared>,
    Path((account_id, sp_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    create_in(&mut st, &account_id, &sp_id, &body)
}

pub(crate) async fn delete(
    State(shared): State<Shared>,
    Path((account_id, sp_id, secret_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    delete_in(&mut st, &account_id, &sp_id, &secret_id)
}

/// The proxy route's account, after checking the principal is assigned to the caller's
/// workspace (a workspace admin manages only the principals of its workspace).
fn proxy_account(st: &St, headers: &HeaderMap, sp_id: &str) -> ApiResult<String> {
    let c = workspace_caller(st, headers)?;
    st.sp(&c.account_id, sp_id)
        .filter(|s| s.workspace_ids.contains(&c.workspace_id))
        .ok_or_else(|| sp_missing(sp_id))?;
    Ok(c.account_id)
}

pub(crate) async fn proxy_list(
    State(shared): State<Shared>,
    Path(sp_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let st = lock(&shared);
    let account_id = proxy_account(&st, &headers, &sp_id)?;
    list_in(&st, &account_id, &sp_id, &q)
}

pub(crate) async fn proxy_create(
    State(shared): State<Shared>,
    Path(sp_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    let account_id = proxy_account(&st, &headers, &sp_id)?;
    create_in(&mut st, &account_id, &sp_id, &body)
}

pub(crate) async fn proxy_delete(
    State(shared): State<Shared>,
    Path((sp_id, secret_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    let account_id = proxy_account(&st, &headers, &sp_id)?;
    delete_in(&mut st, &account_id, &sp_id, &secret_id)
}
