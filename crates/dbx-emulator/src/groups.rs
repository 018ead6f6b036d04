//! Account SCIM groups: list, get and PATCH on `members`, enough to add a service principal to a
//! group and take it out again (docs/wire-facts.md §4.1). Members are SP SCIM ids.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::account_caller;
use super::error::{ApiError, ApiResult, json_response};
use super::scim::{list_response, project};
use super::scim_patch::{self, OpKind};
use super::seed::{SeedAccount, SeedSp};
use super::state::{Shared, State as St, lock};

const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// An account group as the emulator stores it.
#[derive(Debug, Clone)]
pub struct SeedGroup {
    pub account_id: String,
    pub id: String,
    pub display_name: String,
    pub members: Vec<String>,
}

/// A small fixed set per account; the account's M2M admin principal is in `admins`.
pub(crate) fn seed_groups(accounts: &[SeedAccount], sps: &[SeedSp]) -> Vec<SeedGroup> {
    let names = ["admins", "data-engineers", "ml-platform", "ci-bots"];
    let mut out = Vec::new();
    for (ai, a) in accounts.iter().enumerate() {
        let in_account: Vec<&SeedSp> = sps
            .iter()
            .filter(|s| s.account_id == a.account_id)
            .collect();
        for (k, name) in names.iter().enumerate() {
            let members: Vec<String> = match *name {
                "admins" => in_account
                    .iter()
                    .filter(|s| s.application_id == a.client_id)
                    .map(|s| s.id.clone())
                    .collect(),
                // A couple of ordinary members so the demo shows non-empty groups.
                "data-engineers" => in_account
                    .iter()
                    .skip(1)
                    .take(2)
                    .map(|s| s.id.clone())
                    .collect(),
                _ => Vec::new(),
            };
            out.push(SeedGroup {
                account_id: a.account_id.clone(),
                id: format!("12{ai:02}{:012}", k + 1),
                display_name: (*name).to_string(),
                members,
            });
        }
    }
    out
}

fn render(st: &St, g: &SeedGroup) -> Value {
    let members: Vec<Value> = g
        .members
        .iter()
        .map(|m| {
            let display = st
                .sp(&g.account_id, m)
                .and_then(|s| s.display_name.clone())
                .unwrap_or_default();
            json!({"value": m, "display": display, "$ref": format!("ServicePrincipals/{m}")})
        })
        .collect();
    json!({
        "schemas": [GROUP_SCHEMA],
        "id": g.id,
        "displayName": g.display_name,
        "members": members,
    })
}

fn group_missing(id: &str) -> ApiError {
    ApiError::scim(
        StatusCode::NOT_FOUND,
        format!("Group with id {id} not found."),
        None,
    )
}

pub(crate) async fn list(
    State(shared): State<Shared>,
    Path(account_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let rows: Vec<&SeedGroup> = st
        .groups
        .iter()
        .filter(|g| g.account_id == account_id)
        .collect();
    list_response(
        &rows,
        |g| render(&st, g),
        &q,
        st.scim_max_count,
        st.scim_omit_total,
    )
}

pub(crate) async fn get(
    State(shared): State<Shared>,
    Path((account_id, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let g = st
        .groups
        .iter()
        .find(|g| g.account_id == account_id && g.id == id)
        .ok_or_else(|| group_missing(&id))?;
    let res = project(
        render(&st, g),
        q.get("attributes").map(String::as_str),
        q.get("excludedAttributes").map(String::as_str),
    );
    Ok(json_response(StatusCode::OK, &res))
}

/// PATCH answers 200 with the updated group, as the SP PATCH does (see `scim_write`).
pub(crate) async fn patch(
    State(shared): State<Shared>,
    Path((account_id, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let mut st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let ops = scim_patch::parse(&body)?;
    let idx = st
        .groups
        .iter()
        .position(|g| g.account_id == account_id && g.id == id)
        .ok_or_else(|| group_missing(&id))?;
    let mut members = st.groups[idx].members.clone();
    let mut name = st.groups[idx].display_name.clone();
    let check = |m: &str| -> ApiResult<()> {
        if st.sp(&account_id, m).is_some() {
            Ok(())
        } else {
            Err(scim_patch::bad_value(format!(
                "No principal with id {m} in this account."
            )))
        }
    };
    for op in &ops {
        match op.path.attr.as_str() {
            "members" => scim_patch::apply_list(op, &mut members, &check)?,
            "displayname" => {
                if op.kind == OpKind::Remove {
                    return Err(scim_patch::bad_value("displayName is required.".into()));
                }
                if let Some(v) = scim_patch::single_string(op)? {
                    name = v;
                }
            }
            other => return Err(scim_patch::bad_path(other)),
        }
    }
    let g = &mut st.groups[idx];
    g.members = members;
    g.display_name = name;
    let body = render(&st, &st.groups[idx]);
    Ok(json_response(StatusCode::OK, &body))
}
