//! The Statement Execution API (docs/wire-facts.md §5.1–§5.3): PENDING while the warehouse starts, RUNNING
//! for the configured delay, then executed on the engine: SUCCEEDED with chunked JSON_ARRAY
//! results, or FAILED in an HTTP 200 with `status.error`. States advance lazily when a request
//! looks at the statement, from the SQL clock.

use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::error::{ApiError, ApiResult, json_response};
use super::super::policies::body_object;
use super::super::state::{Shared, lock};
use super::engine::{Failure, Output, Param};
use super::translate::Context;
use super::warehouses::{WhState, sql_caller};
use super::{SqlState, lock_sql};
use crate::api::sql::format_timestamp_ms;

/// Finished statements beyond this many are forgotten, oldest first (the real service keeps
/// them about 12 h; an unbounded map would grow through a long demo).
const MAX_STATEMENTS: usize = 1000;
/// How often a blocking submit re-checks its statement.
const WAIT_STEP: Duration = Duration::from_millis(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StmtState {
    Pending,
    Running,
    Succeeded,
    Failed,
    Canceled,
    Closed,
}

impl StmtState {
    pub fn as_str(self) -> &'static str {
        match self {
            StmtState::Pending => "PENDING",
            StmtState::Running => "RUNNING",
            StmtState::Succeeded => "SUCCEEDED",
            StmtState::Failed => "FAILED",
            StmtState::Canceled => "CANCELED",
            StmtState::Closed => "CLOSED",
        }
    }
    fn terminal(self) -> bool {
        !matches!(self, StmtState::Pending | StmtState::Running)
    }
}

pub(crate) struct Statement {
    pub id: String,
    /// The account whose events the statement sees.
    account_id: String,
    workspace_id: i64,
    warehouse_id: String,
    sql: String,
    params: Vec<Param>,
    catalog: Option<String>,
    schema: Option<String>,
    row_limit: Option<usize>,
    pub state: StmtState,
    submitted: Instant,
    delay: Duration,
    /// When a RUNNING statement finishes.
    done_at: Option<Instant>,
    output: Option<Output>,
    failure: Option<Failure>,
}

impl Statement {
    pub fn close(&mut self) {
        if self.state == StmtState::Succeeded {
            self.state = StmtState::Closed;
            self.output = None;
        }
    }

    fn response(&self, chunk_rows: usize) -> Value {
        let mut status = json!({"state": self.state.as_str()});
        if let (StmtState::Failed, Some(f)) = (self.state, &self.failure) {
            status["error"] = json!({"error_code": f.error_code, "message": f.message});
            status["sql_state"] = Value::from(f.sql_state);
        }
        let mut body = json!({"statement_id": self.id, "status": status});
        if let (StmtState::Succeeded, Some(out)) = (self.state, &self.output) {
            body["manifest"] = manifest(out, chunk_rows);
            body["result"] = chunk_json(&self.id, out, chunk_rows, 0);
        }
        body
    }
}

fn chunk_count(out: &Output, chunk_rows: usize) -> usize {
    out.rows.len().div_ceil(chunk_rows)
}

fn manifest(out: &Output, chunk_rows: usize) -> Value {
    let columns: Vec<Value> = out
        .columns
        .iter()
        .enumerate()
        .map(|(i, (name, ty))| {
            let text = if *ty == "LONG" { "BIGINT" } else { ty };
            json!({"name": name, "position": i, "type_name": ty, "type_text": text})
        })
        .collect();
    let chunks: Vec<Value> = (0..chunk_count(out, chunk_rows))
        .map(|i| {
            let offset = i * chunk_rows;
            let count = chunk_rows.min(out.rows.len() - offset);
            json!({"chunk_index": i, "row_offset": offset, "row_count": count, "byte_count": 0})
        })
        .collect();
    json!({
        "format": "JSON_ARRAY",
        "schema": {"column_count": columns.len(), "columns": columns},
        "total_row_count": out.rows.len(),
        "total_chunk_count": chunks.len(),
        "total_byte_count": 0,
        "truncated": out.truncated,
        "chunks": chunks,
    })
}

fn chunk_json(id: &str, out: &Output, chunk_rows: usize, index: usize) -> Value {
    let offset = index * chunk_rows;
    let rows = out
        .rows
        .get(offset..(offset + chunk_rows).min(out.rows.len()))
        .unwrap_or_default();
    let mut chunk = json!({"chunk_index": index, "row_offset": offset, "row_count": rows.len()});
    // An empty result carries no data_array at all, as the service sends it.
    if !rows.is_empty() {
        chunk["data_array"] = json!(rows);
    }
    if index + 1 < chunk_count(out, chunk_rows) {
        chunk["next_chunk_index"] = json!(index + 1);
        chunk["next_chunk_internal_link"] = json!(format!(
            "/api/2.0/sql/statements/{id}/result/chunks/{}",
            index + 1
        ));
    }
    chunk
}

/// Moves a statement along: PENDING → RUNNING once its warehouse is up, RUNNING → executed
/// once its delay has passed.
fn advance(sql: &mut SqlState, id: &str) {
    sql.refresh_warehouses();
    let now = sql.now();
    let Some(s) = sql.statements.get(id) else {
        return;
    };
    if s.state == StmtState::Pending {
        let (ws, wh_id) = (s.workspace_id, s.warehouse_id.clone());
        let wh = sql.warehouse_mut(ws, &wh_id).map(|w| (w.state, w.ready_at));
        match wh {
            Some((WhState::Running, ready_at)) => {
                if let Some(s) = sql.statements.get_mut(id) {
                    s.state = StmtState::Running;
                    s.done_at = Some(ready_at.max(s.submitted) + s.delay);
                }
            }
            // Stopped under a waiting statement: start it again rather than hang forever.
            Some((WhState::Stopped, _)) => {
                sql.start_warehouse(ws, &wh_id);
            }
            _ => {}
        }
    }
    let due = sql
        .statements
        .get(id)
        .is_some_and(|s| s.state == StmtState::Running && s.done_at.is_some_and(|t| now >= t));
    if due {
        run(sql, id);
    }
}

fn run(sql: &mut SqlState, id: &str) {
    let now_text = format_timestamp_ms(sql.now_ms());
    let SqlState {
        engine, statements, ..
    } = sql;
    let Some(s) = statements.get_mut(id) else {
        return;
    };
    let ctx = Context {
        now: &now_text,
        catalog: s.catalog.as_deref(),
        schema: s.schema.as_deref(),
    };
    match engine.run_for_account(&s.account_id, &s.sql, &ctx, &s.params, s.row_limit) {
        Ok(out) => {
            s.state = StmtState::Succeeded;
            s.output = Some(out);
        }
        Err(f) => {
            s.state = StmtState::Failed;
            s.failure = Some(f);
        }
    }
}

#[derive(Deserialize)]
struct ExecuteRequest {
    #[serde(default)]
    statement: Option<String>,
    #[serde(default)]
    warehouse_id: Option<String>,
    #[serde(default)]
    wait_timeout: Option<String>,
    #[serde(default)]
    on_wait_timeout: Option<String>,
    #[serde(default)]
    disposition: Option<String>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    parameters: Vec<Param>,
    #[serde(default)]
    row_limit: Option<i64>,
    #[serde(default)]
    catalog: Option<String>,
    #[serde(default)]
    schema: Option<String>,
}

fn parse_wait(raw: Option<&str>) -> ApiResult<Duration> {
    let raw = raw.unwrap_or("10s");
    let secs = raw
        .strip_suffix('s')
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|n| *n == 0 || (5..=50).contains(n))
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "wait_timeout must be 0s or between 5s and 50s, got '{raw}'."
            ))
        })?;
    Ok(Duration::from_secs(secs))
}

pub(crate) async fn execute(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let (ws, sql) = sql_caller(&shared, &headers)?;
    let account_id = lock(&shared)
        .workspace_account(ws)
        .unwrap_or_default()
        .to_owned();
    let req: ExecuteRequest = serde_json::from_value(Value::Object(body_object(&body)?))
        .map_err(|e| ApiError::malformed(format!("Could not parse request object: {e}")))?;
    let statement = req
        .statement
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("statement is required."))?;
    let warehouse_id = req
        .warehouse_id
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid("warehouse_id is required."))?;
    let wait = parse_wait(req.wait_timeout.as_deref())?;
    let cancel_on_timeout = match req.on_wait_timeout.as_deref().unwrap_or("CONTINUE") {
        "CONTINUE" => false,
        "CANCEL" => true,
        other => {
            return Err(ApiError::invalid(format!(
                "Unknown on_wait_timeout '{other}'."
            )));
        }
    };
    if req.disposition.as_deref().is_some_and(|d| d != "INLINE") {
        return Err(ApiError::invalid(
            "The emulator serves only the INLINE disposition.",
        ));
    }
    if req.format.as_deref().is_some_and(|f| f != "JSON_ARRAY") {
        return Err(ApiError::invalid(
            "INLINE results support only the JSON_ARRAY format.",
        ));
    }
    let row_limit = match req.row_limit {
        None => None,
        Some(n) if n > 0 => Some(n as usize),
        Some(n) => {
            return Err(ApiError::invalid(format!(
                "row_limit must be positive, got {n}."
            )));
        }
    };
    if let Some(p) = req.parameters.iter().find(|p| p.name.is_empty()) {
        return Err(ApiError::invalid(format!(
            "Parameter with value {:?} has no name.",
            p.value
        )));
    }
    let id = {
        let mut st = lock_sql(&sql);
        if st.warehouse_mut(ws, &warehouse_id).is_none() {
            return Err(ApiError::not_found(format!(
                "Warehouse {warehouse_id} does not exist."
            )));
        }
        // A statement sent to a stopped warehouse starts it and waits as PENDING.
        st.start_warehouse(ws, &warehouse_id);
        let id = uuid::Uuid::new_v4().to_string();
        let s = Statement {
            id: id.clone(),
            account_id,
            workspace_id: ws,
            warehouse_id,
            sql: statement,
            params: req.parameters,
            catalog: req.catalog,
            schema: req.schema,
            row_limit,
            state: StmtState::Pending,
            submitted: st.now(),
            delay: st.statement_delay,
            done_at: None,
            output: None,
            failure: None,
        };
        forget_old(&mut st);
        st.statements.insert(id.clone(), s);
        id
    };
    let started = Instant::now();
    loop {
        {
            let mut st = lock_sql(&sql);
            if !wait.is_zero() {
                advance(&mut st, &id);
            }
            let chunk_rows = st.chunk_rows;
            let timed_out = started.elapsed() >= wait;
            if let Some(s) = st.statements.get_mut(&id) {
                if timed_out && cancel_on_timeout && !s.state.terminal() {
                    s.state = StmtState::Canceled;
                }
                if timed_out || s.state.terminal() {
                    return Ok(json_response(StatusCode::OK, &s.response(chunk_rows)));
                }
            }
        }
        tokio::time::sleep(WAIT_STEP).await;
    }
}

fn forget_old(st: &mut SqlState) {
    if st.statements.len() < MAX_STATEMENTS {
        return;
    }
    let mut done: Vec<(Instant, String)> = st
        .statements
        .values()
        .filter(|s| s.state.terminal())
        .map(|s| (s.submitted, s.id.clone()))
        .collect();
    done.sort();
    for (_, id) in done.iter().take(MAX_STATEMENTS / 10) {
        st.statements.remove(id);
    }
}

fn statement_missing(id: &str) -> ApiError {
    ApiError::not_found(format!("Statement {id} does not exist or has expired."))
}

/// Looks a statement up for the calling workspace, after advancing it.
fn with_statement<T>(
    shared: &Shared,
    headers: &HeaderMap,
    id: &str,
    f: impl FnOnce(&mut Statement, usize) -> ApiResult<T>,
) -> ApiResult<T> {
    let (ws, sql) = sql_caller(shared, headers)?;
    let mut st = lock_sql(&sql);
    advance(&mut st, id);
    let chunk_rows = st.chunk_rows;
    match st.statements.get_mut(id) {
        Some(s) if s.workspace_id == ws => f(s, chunk_rows),
        _ => Err(statement_missing(id)),
    }
}

pub(crate) async fn get_status(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    with_statement(&shared, &headers, &id, |s, rows| {
        Ok(json_response(StatusCode::OK, &s.response(rows)))
    })
}

pub(crate) async fn get_chunk(
    State(shared): State<Shared>,
    Path((id, chunk)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    with_statement(&shared, &headers, &id, |s, rows| {
        let out = match (s.state, &s.output) {
            (StmtState::Succeeded, Some(out)) => out,
            (state, _) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_STATE",
                    format!(
                        "Statement {id} is {}: it has no result to read.",
                        state.as_str()
                    ),
                ));
            }
        };
        let index = chunk
            .parse::<usize>()
            .ok()
            .filter(|i| *i < chunk_count(out, rows))
            .ok_or_else(|| ApiError::invalid(format!("Chunk index {chunk} is out of range.")))?;
        Ok(json_response(
            StatusCode::OK,
            &chunk_json(&s.id, out, rows, index),
        ))
    })
}

pub(crate) async fn cancel(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    with_statement(&shared, &headers, &id, |s, _| {
        if !s.state.terminal() {
            s.state = StmtState::Canceled;
        }
        Ok(json_response(StatusCode::OK, &json!({})))
    })
}
