//! SCIM 2.0 service principals at account and workspace level, plus `/Me` (docs/wire-facts.md §4.1).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::auth::{Who, account_caller, workspace_caller};
use super::error::{ApiError, ApiResult, json_response};
use super::scim_filter;
use super::seed::SeedSp;
use super::state::{Shared, State as St, lock};

const SP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal";
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Account,
    Workspace,
}

/// The SCIM resource of one principal; `groups` comes from the account groups it is in.
pub(crate) fn render(st: &St, sp: &SeedSp, level: Level) -> Value {
    let mut m = Map::new();
    m.insert("schemas".into(), json!([SP_SCHEMA]));
    m.insert("id".into(), Value::from(sp.id.as_str()));
    m.insert(
        "applicationId".into(),
        Value::from(sp.application_id.as_str()),
    );
    if let Some(n) = &sp.display_name {
        m.insert("displayName".into(), Value::from(n.as_str()));
    }
    m.insert("active".into(), Value::from(sp.active));
    if let Some(e) = &sp.external_id {
        m.insert("externalId".into(), Value::from(e.as_str()));
    }
    let groups: Vec<Value> = st
        .groups
        .iter()
        .filter(|g| g.account_id == sp.account_id && g.members.contains(&sp.id))
        .map(|g| {
            json!({"value": g.id, "display": g.display_name, "type": "direct",
                   "$ref": format!("Groups/{}", g.id)})
        })
        .collect();
    if !groups.is_empty() {
        m.insert("groups".into(), Value::from(groups));
    }
    match level {
        Level::Account => {
            if !sp.roles.is_empty() {
                m.insert("roles".into(), Value::from(sp.roles.clone()));
            }
        }
        Level::Workspace => {
            if !sp.entitlements.is_empty() {
                m.insert("entitlements".into(), Value::from(sp.entitlements.clone()));
            }
        }
    }
    Value::Object(m)
}

/// Applies `attributes` / `excludedAttributes`; `id` and `schemas` are always returned.
pub(crate) fn project(mut res: Value, attributes: Option<&str>, excluded: Option<&str>) -> Value {
    let names = |s: &str| -> Vec<String> {
        s.split(',')
            .map(|a| {
                a.trim()
                    .split('.')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase()
            })
            .filter(|a| !a.is_empty())
            .collect()
    };
    let always = |k: &str| k == "id" || k == "schemas";
    if let Some(obj) = res.as_object_mut() {
        if let Some(attrs) = attributes.filter(|a| !a.trim().is_empty()) {
            let keep = names(attrs);
            obj.retain(|k, _| always(k) || keep.contains(&k.to_ascii_lowercase()));
        } else if let Some(ex) = excluded.filter(|a| !a.trim().is_empty()) {
            let drop = names(ex);
            obj.retain(|k, _| always(k) || !drop.contains(&k.to_ascii_lowercase()));
        }
    }
    res
}

fn scim_bad(detail: String, scim_type: &'static str) -> ApiError {
    ApiError::scim(StatusCode::BAD_REQUEST, detail, Some(scim_type))
}

fn parse_int(q: &HashMap<String, String>, key: &str) -> ApiResult<Option<i64>> {
    match q.get(key).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
            scim_bad(
                format!("Invalid value '{s}' for {key}: expected an integer."),
                "invalidValue",
            )
        }),
    }
}

/// A ListResponse page of `rows` (in list order). Rows are rendered lazily: only for a filter or
/// sort, and otherwise only the page served, and the page is a slice of `rows`: without a
/// filter or sort a request costs its page, whatever the account holds.
pub(crate) fn list_response<T: Copy>(
    rows: &[T],
    render: impl Fn(&T) -> Value,
    q: &HashMap<String, String>,
    max_count: usize,
    omit_total: bool,
) -> ApiResult<Response> {
    let mut rows = std::borrow::Cow::Borrowed(rows);
    if let Some(f) = q.get("filter").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let parsed = scim_filter::parse(f)
            .map_err(|e| scim_bad(format!("Invalid filter '{f}': {e}"), "invalidFilter"))?;
        rows.to_mut()
            .retain(|r| scim_filter::matches(&parsed, &render(r)));
    }
    if let Some(by) = q.get("sortBy").filter(|s| !s.is_empty()) {
        let rows = rows.to_mut();
        let key = |r: &Value| {
            r.as_object()
                .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(by)))
                .and_then(|(_, v)| v.as_str().map(str::to_lowercase))
                .unwrap_or_default()
        };
        rows.sort_by_cached_key(|r| key(&render(r)));
        if q.get("sortOrder")
            .is_some_and(|o| o.eq_ignore_ascii_case("descending"))
        {
            rows.reverse();
        }
    }
    let total = rows.len();
    let start = parse_int(q, "startIndex")?.unwrap_or(1).max(1) as usize;
    let count = parse_int(q, "count")?.map_or(max_count, |c| (c.max(0) as usize).min(max_count));
    let page: Vec<Value> = rows
        .get(start - 1..)
        .unwrap_or_default()
        .iter()
        .take(count)
        .map(|r| {
            project(
                render(r),
                q.get("attributes").map(String::as_str),
                q.get("excludedAttributes").map(String::as_str),
            )
        })
        .collect();
    let mut body = json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": page.len(),
        "Resources": page,
    });
    if omit_total && let Some(o) = body.as_object_mut() {
        o.remove("totalResults");
    }
    Ok(json_response(StatusCode::OK, &body))
}

pub(crate) fn sp_missing(id: &str) -> ApiError {
    ApiError::scim(
        StatusCode::NOT_FOUND,
        format!("Service principal with id {id} not found."),
        None,
    )
}

pub(crate) async fn account_list(
    State(shared): State<Shared>,
    Path(account_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let render = |&i: &usize| render(&st, &st.sps[i], Level::Account);
    list_response(
        st.sps.of_account(&account_id),
        render,
        &q,
        st.scim_max_count,
        st.scim_omit_total,
    )
}

pub(crate) async fn account_get(
    State(shared): State<Shared>,
    Path((account_id, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let st = lock(&shared);
    account_caller(&st, &headers, &account_id)?;
    let sp = st.sp(&account_id, &id).ok_or_else(|| sp_missing(&id))?;
    let res = project(
        render(&st, sp, Level::Account),
        q.get("attributes").map(String::as_str),
        q.get("excludedAttributes").map(String::as_str),
    );
    Ok(json_response(StatusCode::OK, &res))
}

pub(crate) async fn workspace_list(
    State(shared): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let st = lock(&shared);
    let c = workspace_caller(&st, &headers)?;
    let rows: Vec<&SeedSp> = st
        .sps
        .of_account(&c.account_id)
        .iter()
        .map(|&i| &st.sps[i])
        .filter(|s| s.workspace_ids.contains(&c.workspace_id))
        .collect();
    let render = |s: &&SeedSp| render(&st, s, Level::Workspace);
    list_response(&rows, render, &q, st.scim_max_count, st.scim_omit_total)
}

pub(crate) async fn workspace_get(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let st = lock(&shared);
    let c = workspace_caller(&st, &headers)?;
    let sp = st
        .sp(&c.account_id, &id)
        .filter(|s| s.workspace_ids.contains(&c.workspace_id))
        .ok_or_else(|| sp_missing(&id))?;
    let res = project(
        render(&st, sp, Level::Workspace),
        q.get("attributes").map(String::as_str),
        q.get("excludedAttributes").map(String::as_str),
    );
    Ok(json_response(StatusCode::OK, &res))
}

/// `GET /api/2.0/preview/scim/v2/Me`: the SP for an OAuth token, else the admin user.
pub(crate) async fn me(State(shared): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    let st = lock(&shared);
    let c = workspace_caller(&st, &headers)?;
    let body = match &c.who {
        Who::Sp(id) => st
            .sp(&c.account_id, id)
            .map(|s| render(&st, s, Level::Workspace)),
        Who::User => None,
    };
    let body = body.unwrap_or_else(|| {
        let user = st.account(&c.account_id).map(|a| a.admin_user.clone()).unwrap_or_default();
        json!({
            "schemas": [USER_SCHEMA],
            "id": "7420132087931585",
            "userName": user,
            "displayName": "Demo Admin",
            "active": true,
            "emails": [{"value": user, "type": "work", "primary": true}],
            "groups": [{"display": "admins", "type": "direct", "value": "1100000000000001", "$ref": "Groups/1100000000000001"}],
        })
    });
    let mut resp = json_response(StatusCode::OK, &body);
    if let Ok(v) = c.workspace_id.to_string().parse() {
        // The SDK reads the workspace id from this header (Config.sql_http_path).
        resp.headers_mut().insert("x-databricks-org-id", v);
    }
    Ok(resp)
}
