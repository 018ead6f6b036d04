//! SQL warehouses (docs/wire-facts.md §5.4): seeded per workspace, started and stopped through the API.
//! State changes are computed lazily from the SQL clock, so nothing runs in the background.

use std::collections::HashMap;
use std::time::Instant;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};

use super::super::auth::workspace_caller;
use super::super::error::{ApiError, ApiResult, json_response};
use super::super::state::{Shared, lock};
use super::{SqlShared, SqlState, lock_sql};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WhState {
    Starting,
    Running,
    Stopped,
}

impl WhState {
    fn as_str(self) -> &'static str {
        match self {
            WhState::Starting => "STARTING",
            WhState::Running => "RUNNING",
            WhState::Stopped => "STOPPED",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Warehouse {
    pub workspace_id: i64,
    pub id: String,
    name: &'static str,
    pub state: WhState,
    /// When a STARTING warehouse is (or was) up.
    pub ready_at: Instant,
    cluster_size: &'static str,
    serverless: bool,
    warehouse_type: &'static str,
    max_clusters: u32,
    host: String,
}

/// 1–3 warehouses per workspace: a RUNNING serverless one, a STOPPED pro one, and on some
/// workspaces a STOPPED classic one.
pub(crate) fn seed(workspaces: &[Value]) -> Vec<Warehouse> {
    let now = Instant::now();
    let mut out = Vec::new();
    for (i, w) in workspaces.iter().enumerate() {
        let Some(ws) = w["workspace_id"].as_i64() else {
            continue;
        };
        let host = format!(
            "{}.cloud.databricks.com",
            w["deployment_name"].as_str().unwrap_or("workspace")
        );
        let specs: &[(&str, WhState, &str, bool, &str, u32)] = &[
            (
                "Serverless Starter Warehouse",
                WhState::Running,
                "2X-Small",
                true,
                "PRO",
                1,
            ),
            (
                "Analytics (Pro)",
                WhState::Stopped,
                "Small",
                false,
                "PRO",
                2,
            ),
            (
                "BI Classic",
                WhState::Stopped,
                "Medium",
                false,
                "CLASSIC",
                4,
            ),
        ];
        let count = if i % 3 == 0 { 3 } else { 2 };
        for (k, (name, state, size, serverless, ty, max)) in specs.iter().take(count).enumerate() {
            out.push(Warehouse {
                workspace_id: ws,
                id: format!(
                    "{:016x}",
                    (ws as u64).wrapping_mul(31).wrapping_add(k as u64 + 1)
                ),
                name,
                state: *state,
                ready_at: now,
                cluster_size: size,
                serverless: *serverless,
                warehouse_type: ty,
                max_clusters: *max,
                host: host.clone(),
            });
        }
    }
    out
}

impl Warehouse {
    fn to_json(&self) -> Value {
        let running = self.state == WhState::Running;
        json!({
            "id": self.id,
            "name": self.name,
            "state": self.state.as_str(),
            "cluster_size": self.cluster_size,
            "enable_serverless_compute": self.serverless,
            "warehouse_type": self.warehouse_type,
            "enable_photon": true,
            "auto_stop_mins": if self.serverless { 10 } else { 45 },
            "min_num_clusters": 1,
            "max_num_clusters": self.max_clusters,
            "num_clusters": i32::from(running),
            "num_active_sessions": 0,
            "creator_name": "admin@example.com",
            "jdbc_url": format!("jdbc:databricks://{}:443/default;transportMode=http;ssl=1;AuthMech=3;httpPath=/sql/1.0/warehouses/{};", self.host, self.id),
            "odbc_params": {"hostname": self.host, "path": format!("/sql/1.0/warehouses/{}", self.id), "protocol": "https", "port": 443},
            "health": {"status": if running { "HEALTHY" } else { "STATUS_UNSPECIFIED" }},
            "tags": {"custom_tags": []},
            "channel": {"name": "CHANNEL_NAME_CURRENT"},
            "spot_instance_policy": "COST_OPTIMIZED",
        })
    }
}

impl SqlState {
    /// Brings STARTING warehouses whose start delay has passed to RUNNING.
    pub(crate) fn refresh_warehouses(&mut self) {
        let now = self.now();
        for w in &mut self.warehouses {
            if w.state == WhState::Starting && now >= w.ready_at {
                w.state = WhState::Running;
            }
        }
    }

    pub(crate) fn warehouse_mut(&mut self, workspace_id: i64, id: &str) -> Option<&mut Warehouse> {
        self.warehouses
            .iter_mut()
            .find(|w| w.workspace_id == workspace_id && w.id == id)
    }

    /// STOPPED → STARTING; a no-op for a warehouse already starting or running.
    pub(crate) fn start_warehouse(&mut self, workspace_id: i64, id: &str) -> bool {
        let ready_at = self.now() + self.warehouse_start_delay;
        let Some(w) = self.warehouse_mut(workspace_id, id) else {
            return false;
        };
        if w.state == WhState::Stopped {
            w.state = WhState::Starting;
            w.ready_at = ready_at;
        }
        self.refresh_warehouses();
        true
    }
}

/// Authorises the call and returns the caller's workspace and the SQL state.
pub(crate) fn sql_caller(shared: &Shared, headers: &HeaderMap) -> ApiResult<(i64, SqlShared)> {
    let st = lock(shared);
    let caller = workspace_caller(&st, headers)?;
    Ok((caller.workspace_id, st.sql.clone()))
}

fn missing(id: &str) -> ApiError {
    ApiError::not_found(format!("Warehouse {id} does not exist."))
}

pub(crate) async fn list(
    State(shared): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (ws, sql) = sql_caller(&shared, &headers)?;
    let mut st = lock_sql(&sql);
    st.refresh_warehouses();
    let all: Vec<Value> = st
        .warehouses
        .iter()
        .filter(|w| w.workspace_id == ws)
        .map(Warehouse::to_json)
        .collect();
    let start = match q.get("page_token").filter(|t| !t.is_empty()) {
        Some(t) => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("wh:").and_then(|n| n.parse::<usize>().ok()))
            .ok_or_else(|| ApiError::invalid(format!("Invalid page token '{t}'.")))?,
        None => 0,
    };
    let size = match q.get("page_size") {
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::invalid("page_size must be a positive integer."))?,
        None => usize::MAX,
    };
    let end = start.saturating_add(size).min(all.len());
    let mut body = json!({"warehouses": all.get(start..end).unwrap_or_default()});
    if end < all.len() {
        body["next_page_token"] = Value::from(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("wh:{end}")),
        );
    }
    Ok(json_response(StatusCode::OK, &body))
}

pub(crate) async fn get_one(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (ws, sql) = sql_caller(&shared, &headers)?;
    let mut st = lock_sql(&sql);
    st.refresh_warehouses();
    let w = st.warehouse_mut(ws, &id).ok_or_else(|| missing(&id))?;
    Ok(json_response(StatusCode::OK, &w.to_json()))
}

pub(crate) async fn start(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (ws, sql) = sql_caller(&shared, &headers)?;
    if !lock_sql(&sql).start_warehouse(ws, &id) {
        return Err(missing(&id));
    }
    Ok(json_response(StatusCode::OK, &json!({})))
}

pub(crate) async fn stop(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (ws, sql) = sql_caller(&shared, &headers)?;
    let mut st = lock_sql(&sql);
    let w = st.warehouse_mut(ws, &id).ok_or_else(|| missing(&id))?;
    // Stopping is immediate here; the real service passes through STOPPING.
    w.state = WhState::Stopped;
    Ok(json_response(StatusCode::OK, &json!({})))
}
