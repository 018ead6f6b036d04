//! SCIM service-principal writes: POST, PUT, PATCH, DELETE at account and workspace level.
//!
//! Workspace-level principals are the account principals assigned to the workspace, as with
//! identity federation: a workspace POST creates the account principal and assigns it, and a
//! workspace DELETE only removes the assignment. PATCH and PUT answer 200 with the updated
//! resource (docs/wire-facts.md §12 leaves 200-vs-204 UNCONFIRMED; clients accept both, and a body lets
//! tests read the result back in one call).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::auth::{account_caller, workspace_caller};
use super::error::{ApiError, ApiResult, json_response};
use super::scim::{Level, render, sp_missing};
use super::scim_patch::{self, bad_value, check_entitlement, entries, values_of};
use super::seed::SeedSp;
use super::state::{Shared, State as St, lock};

fn body_json(body: &[u8]) -> ApiResult<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::scim(
            StatusCode::BAD_REQUEST,
            "Request body must be a JSON object (a ServicePrincipal resource).",
            Some("invalidSyntax"),
        )),
    }
}

fn get_ci<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn opt_string(m: &Map<String, Value>, key: &str) -> ApiResult<Option<String>> {
    match get_ci(m, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(bad_value(format!("'{key}' must be a string, not {v}."))),
    }
}

fn list_values(m: &Map<String, Value>, key: &str) -> ApiResult<Vec<String>> {
    match get_ci(m, key) {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => {
            let vals = values_of(a);
            if vals.len() != a.len() {
                return Err(bad_value(format!(
                    "Each '{key}' entry needs a string 'value'."
                )));
            }
            Ok(vals)
        }
        Some(v) => Err(bad_value(format!("'{key}' must be a list, not {v}."))),
    }
}

/// The writable attributes of a POST or PUT body, validated.
struct Fields {
    display_name: String,
    application_id: Option<String>,
    external_id: Option<String>,
    active: bool,
    entitlements: Vec<String>,
    roles: Vec<String>,
}

fn fields(m: &Map<String, Value>) -> ApiResult<Fields> {
    let display_name = opt_string(m, "displayName")?
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| bad_value("displayName is required.".into()))?;
    let application_id = opt_string(m, "applicationId")?;
    if let Some(a) = &application_id
        && uuid::Uuid::parse_str(a).is_err()
    {
        return Err(bad_value(format!("applicationId '{a}' is not a UUID.")));
    }
    let active = match get_ci(m, "active") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(v) => return Err(bad_value(format!("'active' must be a boolean, not {v}."))),
    };
    let entitlements = list_values(m, "entitlements")?;
    for e in &entitlements {
        check_entitlement(e)?;
    }
    Ok(Fields {
        display_name,
        application_id,
        external_id: opt_string(m, "externalId")?,
        active,
        entitlements,
        roles: list_values(m, "roles")?,
    })
}

/// Creates the account principal; on a workspace it is also assigned there as `USER`.
fn create(st: &mut St, account_id: &str, workspace: Option<i64>, body: &[u8]) -> ApiResult<SeedSp> {
    let f = fields(&body_json(body)?)?;
    // Azure principals bring their Entra application id; elsewhere Databricks mints one.
    let application_id = f
        .application_id
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    if st.sps.iter().any(|s| {
        s.account_id == account_id && s.application_id.eq_ignore_ascii_case(&application_id)
    }) {
        return Err(ApiError::scim(
            StatusCode::CONFLICT,
            format!("A service principal with applicationId {application_id} already exists."),
            Some("uniqueness"),
        ));
    }
    let sp = SeedSp {
        account_id: account_id.to_string(),
        id: st.new_sp_id(account_id),
        application_id,
        display_name: Some(f.display_name),
        active: f.active,
        external_id: f.external_id,
        roles: entries(&f.roles),
        entitlements: entries(&f.entitlements),
        workspace_ids: workspace.into_iter().collect(),
        secrets: Vec::new(),
    };
    st.sps.push(sp.clone());
    Ok(sp)
}

/// PUT: every writable attribute is replaced; `id` and `applicationId` cannot change, and
/// `groups` is read-only here (RFC 7644 §4.1.2), so membership stays as it was.
fn replace(st: &mut St, account_id: &str, id: &str, body: &[u8]) -> ApiResult<()> {
    let f = fields(&body_json(body)?)?;
    let sp = st.sp_mut(account_id, id).ok_or_else(|| sp_missing(id))?;
    if let Some(a) = &f.application_id
        && !a.eq_ignore_ascii_case(&sp.application_id)
    {
        return Err(ApiError::scim(
            StatusCode::BAD_REQUEST,
            "applicationId is immutable.",
            Some("mutability"),
        ));
    }
    sp.display_name = Some(f.display_name);
    sp.active = f.active;
    sp.external_id = f.external_id;
    sp.entitlements = entries(&f.entitlements);
    sp.roles = entries(&f.roles);
    Ok(())
}

fn patch(st: &mut St, account_id: &str, id: &str, body: &[u8]) -> ApiResult<()> {
    let ops = scim_patch::parse(body)?;
    let mut sp = st.sp(account_id, id).ok_or_else(|| sp_missing(id))?.clone();
    let in_account = |g: &&super::groups::SeedGroup| g.account_id == account_id;
    let mut groups: Vec<String> = st
        .groups
        .iter()
        .filter(in_account)
        .filter(|g| g.members.iter().any(|m| m == id))
        .map(|g| g.id.clone())
        .collect();
    let exists = |g: &str| st.groups.iter().filter(in_account).any(|x| x.id == g);
    scim_patch::apply_sp(&mut sp, &mut groups, &ops, &exists)?;
    for g in st.groups.iter_mut().filter(|g| g.account_id == account_id) {
        let member = g.members.iter().any(|m| m == id);
        let wanted = groups.contains(&g.id);
        if wanted && !member {
            g.members.push(id.to_string());
        } else if !wanted && member {
            g.members.retain(|m| m != id);
        }
    }
    if let Some(slot) = st.sp_mut(account_id, id) {
        *slot = sp;
    }
    Ok(())
}

fn respond(
    st: &St,
    account_id: &str,
    id: &str,
    level: Level,
    status: StatusCode,
) -> ApiResult<Response> {
    let sp = st.sp(account_id, id).ok_or_else(|| sp_missing(id))?;
    Ok(json_response(status, &render(st, sp, level)))
}

pub(crate) async fn account_create(
    State(shared): State<Shared>,
    Path(account_id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let sp = create(&mut st, &account_id, None, &body)?;
    respond(
        &st,
        &account_id,
        &sp.id,
        Level::Account,
        StatusCode::CREATED,
    )
}

pub(crate) async fn account_put(
    State(shared): State<Shared>,
    Path((account_id, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    replace(&mut st, &account_id, &id, &body)?;
    respond(&st, &account_id, &id, Level::Account, StatusCode::OK)
}

pub(crate) async fn account_patch(
    State(shared): State<Shared>,
    Path((account_id, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    patch(&mut st, &account_id, &id, &body)?;
    respond(&st, &account_id, &id, Level::Account, StatusCode::OK)
}

pub(crate) async fn account_delete(
    State(shared): State<Shared>,
    Path((account_id, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    if !st.remove_sp(&account_id, &id) {
        return Err(sp_missing(&id));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The workspace caller's account and workspace, and 404 unless `id` is assigned there.
fn on_workspace(st: &St, headers: &HeaderMap, id: Option<&str>) -> ApiResult<(String, i64)> {
    let c = workspace_caller(st, headers)?;
    if let Some(id) = id {
        st.sp(&c.account_id, id)
            .filter(|s| s.workspace_ids.contains(&c.workspace_id))
            .ok_or_else(|| sp_missing(id))?;
    }
    Ok((c.account_id, c.workspace_id))
}

pub(crate) async fn workspace_create(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    let (account_id, ws) = on_workspace(&st, &headers, None)?;
    let sp = create(&mut st, &account_id, Some(ws), &body)?;
    respond(
        &st,
        &account_id,
        &sp.id,
        Level::Workspace,
        StatusCode::CREATED,
    )
}

pub(crate) async fn workspace_put(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    let (account_id, _) = on_workspace(&st, &headers, Some(&id))?;
    replace(&mut st, &account_id, &id, &body)?;
    respond(&st, &account_id, &id, Level::Workspace, StatusCode::OK)
}

pub(crate) async fn workspace_patch(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    let (account_id, _) = on_workspace(&st, &headers, Some(&id))?;
    patch(&mut st, &account_id, &id, &body)?;
    respond(&st, &account_id, &id, Level::Workspace, StatusCode::OK)
}

pub(crate) async fn workspace_delete(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    let (account_id, ws) = on_workspace(&st, &headers, Some(&id))?;
    st.unassign(&account_id, ws, &id);
    Ok(StatusCode::NO_CONTENT.into_response())
}
