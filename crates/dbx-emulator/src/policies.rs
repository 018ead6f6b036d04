//! Account workspaces, network policies and the workspace → policy binding (docs/wire-facts.md §1–§3).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use serde_json::{Map, Value, json};

use super::auth::account_caller;
use super::error::{ApiError, ApiResult, json_response};
use super::state::{Shared, lock};

const DEFAULT_POLICY: &str = "default-policy";

/// Parses a request body that must be a JSON object.
pub(crate) fn body_object(body: &[u8]) -> ApiResult<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::malformed(
            "Could not parse request object: expected a JSON object.",
        )),
        Err(e) => Err(ApiError::malformed(format!(
            "Could not parse request object: {e}"
        ))),
    }
}

pub(crate) fn parse_workspace_id(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>().map_err(|_| {
        ApiError::invalid(format!(
            "Invalid workspace id '{raw}': expected an integer."
        ))
    })
}

fn ok(body: &Value) -> Response {
    json_response(StatusCode::OK, body)
}

pub(crate) async fn list_workspaces(
    State(shared): State<Shared>,
    Path(account_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let list: Vec<&Value> = st
        .workspaces
        .iter()
        .filter(|w| w["account_id"] == account_id.as_str())
        .collect();
    Ok(ok(&json!(list)))
}

pub(crate) async fn get_workspace(
    State(shared): State<Shared>,
    Path((account_id, ws)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let id = parse_workspace_id(&ws)?;
    let w = st
        .workspace(&account_id, id)
        .ok_or_else(|| workspace_missing(id))?;
    Ok(ok(w))
}

fn workspace_missing(id: i64) -> ApiError {
    ApiError::not_found(format!("Workspace {id} does not exist."))
}

fn policy_missing(id: &str) -> ApiError {
    ApiError::not_found(format!("Network policy '{id}' does not exist."))
}

fn encode_page_token(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("np:{offset}"))
}

fn decode_page_token(token: &str) -> ApiResult<usize> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| s.strip_prefix("np:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::invalid(format!("Invalid page token '{token}'.")))
}

pub(crate) async fn list_policies(
    State(shared): State<Shared>,
    Path(account_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let start = match q.get("page_token").filter(|t| !t.is_empty()) {
        Some(t) => decode_page_token(t)?,
        None => 0,
    };
    let size = st.policy_page_size;
    let list = st.policy_list(&account_id);
    let end = (start + size).min(list.len());
    let items: Vec<Value> = list
        .get(start..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let mut body = json!({ "items": items });
    if end < list.len() {
        body["next_page_token"] = Value::from(encode_page_token(end));
    }
    Ok(ok(&body))
}

pub(crate) async fn get_policy(
    State(shared): State<Shared>,
    Path((account_id, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let p = st
        .policy_list(&account_id)
        .iter()
        .find(|p| p["network_policy_id"] == id.as_str())
        .cloned();
    Ok(ok(&p.ok_or_else(|| policy_missing(&id))?))
}

fn valid_policy_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

fn storage_type_for(cloud: &str) -> &'static str {
    match cloud {
        "azure" => "AZURE_STORAGE",
        "gcp" => "GOOGLE_CLOUD_STORAGE",
        _ => "AWS_S3",
    }
}

fn one_of(v: &Value, field: &str, allowed: &[&str]) -> ApiResult<()> {
    match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(()),
        _ => Err(ApiError::invalid(format!(
            "Invalid value {v} for {field}; expected one of {}.",
            allowed.join(", ")
        ))),
    }
}

/// Server-side checks Databricks applies to create and update bodies.
fn validate_policy(p: &Map<String, Value>, cloud: &str) -> ApiResult<()> {
    let na = p
        .get("egress")
        .and_then(|e| e.get("network_access"))
        .ok_or_else(|| {
            ApiError::invalid("Missing required field: egress.network_access.restriction_mode.")
        })?;
    match na.get("restriction_mode") {
        None | Some(Value::Null) => {
            return Err(ApiError::invalid(
                "Missing required field: egress.network_access.restriction_mode.",
            ));
        }
        Some(m) => one_of(m, "restriction_mode", &["FULL_ACCESS", "RESTRICTED_ACCESS"])?,
    }
    for key in [
        "allowed_internet_destinations",
        "blocked_internet_destinations",
    ] {
        for d in na.get(key).and_then(Value::as_array).into_iter().flatten() {
            one_of(
                &d["internet_destination_type"],
                "internet_destination_type",
                &["DNS_NAME"],
            )?;
            if d["destination"]
                .as_str()
                .is_none_or(|s| s.trim().is_empty())
            {
                return Err(ApiError::invalid(format!(
                    "{key}: destination must be a non-empty DNS name."
                )));
            }
        }
    }
    let want = storage_type_for(cloud);
    for d in na
        .get("allowed_storage_destinations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let t = &d["storage_destination_type"];
        one_of(
            t,
            "storage_destination_type",
            &["AWS_S3", "AZURE_STORAGE", "GOOGLE_CLOUD_STORAGE"],
        )?;
        if t != want {
            return Err(ApiError::invalid(format!(
                "Storage destination type {t} is not supported for a {cloud} account; use {want}."
            )));
        }
    }
    if let Some(pe) = na.get("policy_enforcement").filter(|v| !v.is_null()) {
        if let Some(m) = pe.get("enforcement_mode") {
            one_of(m, "enforcement_mode", &["ENFORCED", "DRY_RUN"])?;
        }
        for f in pe
            .get("dry_run_mode_product_filter")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            one_of(f, "dry_run_mode_product_filter", &["DBSQL", "ML_SERVING"])?;
        }
    }
    Ok(())
}

fn account_cloud(st: &super::state::State, account_id: &str) -> String {
    st.account(account_id)
        .map(|a| a.cloud.clone())
        .unwrap_or_default()
}

/// What Databricks adds to a policy it stores: `account_id`, and `ingress` when the client sent
/// none (`private_access.restriction_mode = ALLOW_ALL_REGISTERED_ENDPOINTS`). A client that
/// compares its read-back with what it sent must accept both.
pub(crate) fn fill_server_fields(p: &mut serde_json::Map<String, Value>, account_id: &str) {
    p.insert("account_id".into(), Value::from(account_id));
    if p.get("ingress").is_none_or(Value::is_null) {
        p.insert(
            "ingress".into(),
            serde_json::json!({"private_access": {"restriction_mode": "ALLOW_ALL_REGISTERED_ENDPOINTS"}}),
        );
    }
}

pub(crate) async fn create_policy(
    State(shared): State<Shared>,
    Path(account_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let mut p = body_object(&body)?;
    let id = match p.get("network_policy_id") {
        Some(Value::String(s)) if valid_policy_id(s) => s.clone(),
        other => {
            return Err(ApiError::invalid(format!(
                "Invalid network_policy_id {}: must match ^[a-zA-Z0-9_.-]{{1,32}}$.",
                other.map_or_else(|| "(missing)".into(), Value::to_string)
            )));
        }
    };
    validate_policy(&p, &account_cloud(&st, &account_id))?;
    fill_server_fields(&mut p, &account_id);
    let list = st.policy_list(&account_id);
    if list.iter().any(|x| x["network_policy_id"] == id.as_str()) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "RESOURCE_ALREADY_EXISTS",
            format!("Network policy '{id}' already exists."),
        ));
    }
    let p = Value::Object(p);
    list.push(p.clone());
    Ok(ok(&p))
}

pub(crate) async fn update_policy(
    State(shared): State<Shared>,
    Path((account_id, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let mut p = body_object(&body)?;
    match p.get("network_policy_id") {
        None | Some(Value::Null) => {}
        Some(v) if v == id.as_str() => {}
        Some(v) => {
            return Err(ApiError::invalid(format!(
                "network_policy_id {v} in the body does not match '{id}' in the path."
            )));
        }
    }
    validate_policy(&p, &account_cloud(&st, &account_id))?;
    // A full replace: whatever the client sent (unknown fields included) becomes the policy.
    p.insert("network_policy_id".into(), Value::from(id.as_str()));
    fill_server_fields(&mut p, &account_id);
    let slot = st
        .policy_list(&account_id)
        .iter_mut()
        .find(|x| x["network_policy_id"] == id.as_str())
        .ok_or_else(|| policy_missing(&id))?;
    *slot = Value::Object(p);
    Ok(ok(slot))
}

pub(crate) async fn delete_policy(
    State(shared): State<Shared>,
    Path((account_id, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    if !st
        .policy_list(&account_id)
        .iter()
        .any(|x| x["network_policy_id"] == id.as_str())
    {
        return Err(policy_missing(&id));
    }
    if id == DEFAULT_POLICY {
        return Err(ApiError::invalid(
            "The default network policy 'default-policy' cannot be deleted.",
        ));
    }
    let mut bound: Vec<(i64, String)> = st
        .bindings
        .iter()
        .filter(|((a, _), p)| *a == account_id && **p == id)
        .map(|((_, w), _)| {
            let name = st
                .workspace(&account_id, *w)
                .and_then(|ws| ws["workspace_name"].as_str())
                .unwrap_or("");
            (*w, name.to_string())
        })
        .collect();
    if !bound.is_empty() {
        bound.sort();
        let names: Vec<String> = bound.iter().map(|(w, n)| format!("{n} ({w})")).collect();
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_STATE",
            format!(
                "Network policy '{id}' is still attached to workspace {}; bind those workspaces to another policy first.",
                names.join(", ")
            ),
        ));
    }
    st.policy_list(&account_id)
        .retain(|x| x["network_policy_id"] != id.as_str());
    Ok(ok(&json!({})))
}

pub(crate) async fn get_binding(
    State(shared): State<Shared>,
    Path((account_id, ws)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let id = parse_workspace_id(&ws)?;
    st.workspace(&account_id, id)
        .ok_or_else(|| workspace_missing(id))?;
    Ok(ok(
        &json!({"workspace_id": id, "network_policy_id": st.binding_of(&account_id, id)}),
    ))
}

pub(crate) async fn put_binding(
    State(shared): State<Shared>,
    Path((account_id, ws)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let id = parse_workspace_id(&ws)?;
    st.workspace(&account_id, id)
        .ok_or_else(|| workspace_missing(id))?;
    let b = body_object(&body)?;
    match b.get("workspace_id") {
        None | Some(Value::Null) => {}
        Some(v)
            if v.as_i64() == Some(id) || v.as_str().and_then(|s| s.parse().ok()) == Some(id) => {}
        Some(v) => {
            return Err(ApiError::invalid(format!(
                "workspace_id {v} in the body does not match {id} in the path."
            )));
        }
    }
    let policy = b
        .get("network_policy_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid("Missing required field: network_policy_id."))?
        .to_string();
    if !st
        .policy_list(&account_id)
        .iter()
        .any(|x| x["network_policy_id"] == policy.as_str())
    {
        return Err(policy_missing(&policy));
    }
    st.bindings.insert((account_id.clone(), id), policy.clone());
    Ok(ok(
        &json!({"workspace_id": id, "network_policy_id": policy}),
    ))
}
