//! Workspace permission assignments (docs/wire-facts.md §4.3), account host. Only service principals are
//! modelled; an assignment is what puts a principal into the workspace's SCIM list.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::account_caller;
use super::error::{ApiError, ApiResult, json_response};
use super::policies::body_object;
use super::seed::SeedSp;
use super::state::{Shared, State as St, lock};

const LEVELS: &[(&str, &str)] = &[
    ("USER", "Can access the workspace with basic privileges."),
    (
        "ADMIN",
        "Can access the workspace and has workspace admin privileges.",
    ),
];

fn principal(sp: &SeedSp) -> Value {
    json!({
        "principal_id": sp.id.parse::<i64>().unwrap_or_default(),
        "display_name": sp.display_name.clone().unwrap_or_default(),
        // UNCONFIRMED in docs/wire-facts.md §4.3: probably the applicationId.
        "service_principal_name": sp.application_id,
    })
}

fn check_workspace(st: &St, account_id: &str, workspace_id: i64) -> ApiResult<()> {
    st.workspace(account_id, workspace_id)
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found(format!("Workspace {workspace_id} does not exist.")))
}

/// `principal_id` is the account SCIM id parsed as int64; anything else is a bad request.
fn find_sp<'a>(st: &'a St, account_id: &str, principal_id: &str) -> ApiResult<&'a SeedSp> {
    if principal_id.parse::<i64>().is_err() {
        return Err(ApiError::invalid(format!(
            "principal_id '{principal_id}' is not a numeric id."
        )));
    }
    st.sp(account_id, principal_id).ok_or_else(|| {
        ApiError::not_found(format!(
            "Principal {principal_id} does not exist in this account."
        ))
    })
}

pub(crate) async fn list(
    State(shared): State<Shared>,
    Path((account_id, workspace_id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    check_workspace(&st, &account_id, workspace_id)?;
    let rows: Vec<Value> = st
        .sps
        .iter()
        .filter(|s| s.account_id == account_id && s.workspace_ids.contains(&workspace_id))
        .map(|s| json!({"principal": principal(s), "permissions": st.levels_of(workspace_id, &s.id)}))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"permission_assignments": rows}),
    ))
}

/// PUT `{"permissions": [...]}`. Unsupported values are dropped, and an empty result deletes the
/// assignment, as the docs say the real API does.
pub(crate) async fn upsert(
    State(shared): State<Shared>,
    Path((account_id, workspace_id, principal_id)): Path<(String, i64, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    check_workspace(&st, &account_id, workspace_id)?;
    find_sp(&st, &account_id, &principal_id)?;
    let req = body_object(&body)?;
    let levels: Vec<String> = match req.get("permissions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .filter(|p| LEVELS.iter().any(|(l, _)| l == p))
            .map(str::to_string)
            .collect(),
        Some(v) => {
            return Err(ApiError::invalid(format!(
                "permissions must be a list, not {v}."
            )));
        }
    };
    if levels.is_empty() {
        st.unassign(&account_id, workspace_id, &principal_id);
    } else {
        st.assign(&account_id, workspace_id, &principal_id, levels.clone());
    }
    let sp = find_sp(&st, &account_id, &principal_id)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"principal": principal(sp), "permissions": levels}),
    ))
}

/// Deleting an assignment that does not exist succeeds (idempotent); an unknown principal is 404.
pub(crate) async fn delete(
    State(shared): State<Shared>,
    Path((account_id, workspace_id, principal_id)): Path<(String, i64, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    check_workspace(&st, &account_id, workspace_id)?;
    find_sp(&st, &account_id, &principal_id)?;
    st.unassign(&account_id, workspace_id, &principal_id);
    Ok(json_response(StatusCode::OK, &json!({})))
}

pub(crate) async fn levels(
    State(shared): State<Shared>,
    Path((account_id, workspace_id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    check_workspace(&st, &account_id, workspace_id)?;
    let levels: Vec<Value> = LEVELS
        .iter()
        .map(|(l, d)| json!({"permission_level": l, "description": d}))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"permissions": levels}),
    ))
}
