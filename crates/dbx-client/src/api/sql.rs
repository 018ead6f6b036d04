//! SQL warehouses and the Statement Execution API (docs/wire-facts.md §5): submit with a wait timeout, poll
//! while the statement is pending or running, follow every result chunk, cancel on request.
//!
//! Values never go into SQL text: every value is a named `:parameter`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use super::{ApiClient, ApiError};
use crate::lenient_enum;

pub use super::sql_chunks::{RowGap, describe_gaps};
pub use super::timestamp::{format_timestamp_ms, parse_timestamp_ms};

const WAREHOUSES: &str = "/api/2.0/sql/warehouses";
const STATEMENTS: &str = "/api/2.0/sql/statements";
/// First pause between polls; doubles up to [`MAX_POLL`] so a long query costs few requests.
const FIRST_POLL: Duration = Duration::from_millis(100);
const MAX_POLL: Duration = Duration::from_secs(2);
/// Cancelling is best effort: the user has already moved on, so do not hang on it.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(2);

lenient_enum!(
    /// `EndpointInfo.state`.
    WarehouseState {
        Starting => "STARTING",
        Running => "RUNNING",
        Stopping => "STOPPING",
        Stopped => "STOPPED",
        Deleting => "DELETING",
        Deleted => "DELETED",
    }
);

lenient_enum!(
    /// `EndpointInfo.warehouse_type`.
    WarehouseType {
        Classic => "CLASSIC",
        Pro => "PRO",
        TypeUnspecified => "TYPE_UNSPECIFIED",
    }
);

/// A SQL warehouse (`EndpointInfo`). Unknown fields are kept in `extra`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Warehouse {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<WarehouseState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_serverless_compute: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warehouse_type: Option<WarehouseType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_stop_mins: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_clusters: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_active_sessions: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Warehouse {
    pub fn is_serverless(&self) -> bool {
        self.enable_serverless_compute == Some(true)
    }
}

/// The warehouse to query on: the preferred one (id or name) if it exists, else a running
/// serverless one, else any running one, else the first.
pub fn choose_warehouse<'a>(
    list: &'a [Warehouse],
    preferred: Option<&str>,
) -> Option<&'a Warehouse> {
    preferred
        .and_then(|p| list.iter().find(|x| x.id == p || x.name == p))
        .or_else(|| {
            list.iter()
                .find(|x| x.state == Some(WarehouseState::Running) && x.is_serverless())
        })
        .or_else(|| {
            list.iter()
                .find(|x| x.state == Some(WarehouseState::Running))
        })
        .or_else(|| list.first())
}

#[derive(Deserialize)]
struct WarehousePage {
    #[serde(default)]
    warehouses: Vec<Warehouse>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// Every warehouse of the workspace, following `next_page_token`.
pub async fn list_warehouses(client: &ApiClient) -> Result<Vec<Warehouse>, ApiError> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    // A server that repeats a token must not loop us forever.
    for _ in 0..1000 {
        let query: Vec<(&str, String)> = token.iter().map(|t| ("page_token", t.clone())).collect();
        let page: WarehousePage = client.get(WAREHOUSES, &query).await?;
        all.extend(page.warehouses);
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(next) if token.as_deref() != Some(next.as_str()) => token = Some(next),
            _ => break,
        }
    }
    Ok(all)
}

pub async fn get_warehouse(client: &ApiClient, id: &str) -> Result<Warehouse, ApiError> {
    client.get(&format!("{WAREHOUSES}/{id}"), &[]).await
}

/// Asks a stopped warehouse to start; poll [`get_warehouse`] for RUNNING.
pub async fn start_warehouse(client: &ApiClient, id: &str) -> Result<(), ApiError> {
    let _: Value = client
        .post(&format!("{WAREHOUSES}/{id}/start"), &json!({}))
        .await?;
    Ok(())
}

pub async fn stop_warehouse(client: &ApiClient, id: &str) -> Result<(), ApiError> {
    let _: Value = client
        .post(&format!("{WAREHOUSES}/{id}/stop"), &json!({}))
        .await?;
    Ok(())
}

/// A named statement parameter, referenced in the SQL as `:name`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Param {
    pub name: String,
    /// `None` binds SQL NULL.
    pub value: Option<String>,
    /// `STRING`, `TIMESTAMP`, `BIGINT`, `INT` …
    #[serde(rename = "type")]
    pub type_name: String,
}

impl Param {
    pub fn string(name: &str, value: impl Into<String>) -> Self {
        Self::typed(name, Some(value.into()), "STRING")
    }
    pub fn bigint(name: &str, value: i64) -> Self {
        Self::typed(name, Some(value.to_string()), "BIGINT")
    }
    pub fn int(name: &str, value: i32) -> Self {
        Self::typed(name, Some(value.to_string()), "INT")
    }
    /// A UTC instant given in epoch milliseconds.
    pub fn timestamp_ms(name: &str, epoch_ms: i64) -> Self {
        Self::typed(name, Some(format_timestamp_ms(epoch_ms)), "TIMESTAMP")
    }
    pub fn typed(name: &str, value: Option<String>, type_name: &str) -> Self {
        Param {
            name: name.to_owned(),
            value,
            type_name: type_name.to_owned(),
        }
    }
}

/// What to run, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementRequest {
    pub statement: String,
    pub warehouse_id: String,
    pub parameters: Vec<Param>,
    pub row_limit: Option<u64>,
    /// Seconds the submit call may block for a result: 0 or 5..=50 (clamped).
    pub wait_timeout_secs: u8,
}

impl StatementRequest {
    pub fn new(statement: &str, warehouse_id: &str) -> Self {
        StatementRequest {
            statement: statement.to_owned(),
            warehouse_id: warehouse_id.to_owned(),
            parameters: Vec::new(),
            row_limit: None,
            wait_timeout_secs: 10,
        }
    }

    pub fn param(mut self, p: Param) -> Self {
        self.parameters.push(p);
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub type_name: String,
}

/// Every row of a finished statement, in order, with every chunk followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementResult {
    pub statement_id: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Option<String>>>,
    /// `row_limit` (or the server's byte limit) cut the result.
    pub truncated: bool,
    /// Chunks that could not be read even when asked again: their rows are missing from `rows`.
    pub gaps: Vec<RowGap>,
}

impl StatementResult {
    /// Position of a column by name (ASCII case-insensitive, as SQL names are).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// Why a statement gave no result.
#[derive(Clone, Debug, thiserror::Error)]
pub enum SqlError {
    #[error("{}", .0.user_message())]
    Api(#[from] ApiError),
    /// The warehouse ran the statement and it failed (HTTP 200, state FAILED).
    #[error("{}", failed_words(statement_id, error_code, message, sql_state.as_deref()))]
    Failed {
        statement_id: String,
        error_code: String,
        message: String,
        sql_state: Option<String>,
    },
    /// Ended as CANCELED or CLOSED without us asking.
    #[error("query {state} on the warehouse before its result was read (statement {statement_id})")]
    Ended { statement_id: String, state: String },
    /// The answer did not make sense (missing manifest, chunk out of order …).
    #[error("unexpected answer for statement {statement_id}: {reason}")]
    Unexpected {
        statement_id: String,
        reason: String,
    },
    /// Our caller cancelled: the pane closed or a newer query superseded this one.
    #[error("query cancelled")]
    Cancelled,
}

fn failed_words(id: &str, code: &str, message: &str, sql_state: Option<&str>) -> String {
    let mut s = format!("the query failed: {message} (statement {id}, {code}");
    if let Some(state) = sql_state {
        s.push_str(&format!(", SQLSTATE {state}"));
    }
    s.push(')');
    if message.contains("TABLE_OR_VIEW_NOT_FOUND") && message.contains("access") {
        s.push_str(". Is the system.access schema enabled for this metastore?");
    }
    s
}

lenient_enum!(
    /// `status.state` of a statement.
    StatementState {
        Pending => "PENDING",
        Running => "RUNNING",
        Succeeded => "SUCCEEDED",
        Failed => "FAILED",
        Canceled => "CANCELED",
        Closed => "CLOSED",
    }
);

#[derive(Deserialize)]
struct StatementResponse {
    statement_id: String,
    status: Status,
    #[serde(default)]
    manifest: Option<Manifest>,
    #[serde(default)]
    result: Option<ResultData>,
}

#[derive(Deserialize)]
struct Status {
    state: StatementState,
    #[serde(default)]
    error: Option<ServiceError>,
    #[serde(default)]
    sql_state: Option<String>,
}

#[derive(Deserialize)]
struct ServiceError {
    #[serde(default)]
    error_code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct Manifest {
    schema: Schema,
    #[serde(default)]
    total_row_count: Option<u64>,
    #[serde(default)]
    total_chunk_count: Option<u64>,
    #[serde(default)]
    truncated: bool,
    #[serde(default)]
    chunks: Vec<ChunkInfo>,
}

#[derive(Deserialize)]
struct ChunkInfo {
    #[serde(default)]
    chunk_index: Option<u64>,
    #[serde(default)]
    row_offset: Option<u64>,
    #[serde(default)]
    row_count: Option<u64>,
}

#[derive(Deserialize)]
struct Schema {
    #[serde(default)]
    columns: Vec<WireColumn>,
}

#[derive(Deserialize)]
struct WireColumn {
    name: String,
    #[serde(default)]
    type_name: Option<String>,
}

#[derive(Deserialize, Default)]
struct ResultData {
    #[serde(default)]
    chunk_index: Option<u64>,
    #[serde(default)]
    data_array: Option<Vec<Vec<Option<String>>>>,
    #[serde(default)]
    next_chunk_index: Option<u64>,
    #[serde(default)]
    external_links: Option<Value>,
}

#[derive(Serialize)]
struct ExecuteBody<'a> {
    statement: &'a str,
    warehouse_id: &'a str,
    wait_timeout: String,
    on_wait_timeout: &'static str,
    disposition: &'static str,
    format: &'static str,
    parameters: &'a [Param],
    #[serde(skip_serializing_if = "Option::is_none")]
    row_limit: Option<u64>,
}

/// Runs a statement to completion and returns every row. Cancelling `cancel` stops polling,
/// asks the warehouse to cancel (best effort) and returns [`SqlError::Cancelled`]; before the
/// submit call has answered there is no statement id yet, so only the wait is abandoned.
pub async fn execute(
    client: &ApiClient,
    req: &StatementRequest,
    cancel: &CancellationToken,
) -> Result<StatementResult, SqlError> {
    let wait = match req.wait_timeout_secs {
        0 => 0,
        n => n.clamp(5, 50),
    };
    let body = ExecuteBody {
        statement: &req.statement,
        warehouse_id: &req.warehouse_id,
        wait_timeout: format!("{wait}s"),
        on_wait_timeout: "CONTINUE",
        disposition: "INLINE",
        format: "JSON_ARRAY",
        parameters: &req.parameters,
        row_limit: req.row_limit,
    };
    let mut resp: StatementResponse = tokio::select! {
        biased;
        () = cancel.cancelled() => return Err(SqlError::Cancelled),
        r = client.post(STATEMENTS, &body) => r?,
    };
    let id = resp.statement_id.clone();
    let path = format!("{STATEMENTS}/{id}");
    let mut pause = FIRST_POLL;
    loop {
        match resp.status.state {
            StatementState::Succeeded => break,
            StatementState::Pending | StatementState::Running => {}
            StatementState::Failed => {
                let e = resp.status.error.unwrap_or(ServiceError {
                    error_code: None,
                    message: None,
                });
                return Err(SqlError::Failed {
                    statement_id: id,
                    error_code: e.error_code.unwrap_or_else(|| "UNKNOWN".into()),
                    message: e.message.unwrap_or_else(|| "no reason given".into()),
                    sql_state: resp.status.sql_state,
                });
            }
            other => {
                return Err(SqlError::Ended {
                    statement_id: id,
                    state: other.as_str().to_owned(),
                });
            }
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(cancel_statement(client, &id).await),
            () = tokio::time::sleep(pause) => {}
        }
        pause = (pause * 2).min(MAX_POLL);
        resp = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(cancel_statement(client, &id).await),
            r = client.get(&path, &[]) => r?,
        };
    }
    let unexpected = |reason: &str| SqlError::Unexpected {
        statement_id: id.clone(),
        reason: reason.to_owned(),
    };
    let manifest = resp
        .manifest
        .ok_or_else(|| unexpected("a finished statement without a manifest"))?;
    let columns = manifest
        .schema
        .columns
        .into_iter()
        .map(|c| Column {
            name: c.name,
            type_name: c.type_name.unwrap_or_else(|| "STRING".into()),
        })
        .collect();
    let total = manifest.total_row_count.unwrap_or(0);
    let mut rows = Vec::with_capacity(total.min(1_000_000) as usize);
    let mut chunk = resp.result.unwrap_or_default();
    let mut index = chunk.chunk_index.unwrap_or(0);
    let mut gaps: Vec<RowGap> = Vec::new();
    loop {
        if chunk.external_links.is_some() {
            return Err(unexpected(
                "EXTERNAL_LINKS result although INLINE was asked",
            ));
        }
        rows.extend(chunk.data_array.take().unwrap_or_default());
        let Some(mut next) = chunk.next_chunk_index else {
            break;
        };
        let in_range = |n: u64| manifest.total_chunk_count.is_none_or(|t| n < t);
        if next <= index || !in_range(next) {
            return Err(unexpected(&format!("chunk {index} points to chunk {next}")));
        }
        // A chunk that cannot be read is a gap, and the chunk after it is read: chunks are
        // numbered 0..total_chunk_count, and the manifest says which rows each one holds.
        let read = loop {
            let chunk_path = format!("{path}/result/chunks/{next}");
            match super::sql_chunks::read_chunk::<ResultData>(client, &chunk_path, cancel).await {
                Ok(Some(c)) => break Some((next, c)),
                Err(ApiError::Cancelled) => return Err(SqlError::Cancelled),
                Err(e) => return Err(e.into()),
                Ok(None) => {
                    let info = manifest
                        .chunks
                        .iter()
                        .find(|c| c.chunk_index == Some(next))
                        .and_then(|c| Some((c.row_offset?, c.row_count?)));
                    let (Some((row_offset, row_count)), Some(total)) =
                        (info, manifest.total_chunk_count)
                    else {
                        return Err(unexpected(&format!(
                            "chunk {next} could not be read and the manifest does not say which rows it holds"
                        )));
                    };
                    gaps.push(RowGap {
                        row_offset,
                        row_count,
                    });
                    if next + 1 >= total {
                        break None;
                    }
                    next += 1;
                }
            }
        };
        let Some((asked, c)) = read else {
            break;
        };
        chunk = c;
        index = chunk.chunk_index.unwrap_or(asked);
    }
    let missing: u64 = gaps.iter().map(|g| g.row_count).sum();
    if manifest
        .total_row_count
        .is_some_and(|n| n != rows.len() as u64 + missing)
    {
        return Err(unexpected(&format!(
            "{} rows read, {total} announced",
            rows.len()
        )));
    }
    Ok(StatementResult {
        statement_id: id,
        columns,
        rows,
        truncated: manifest.truncated,
        gaps,
    })
}

/// Asks the warehouse to stop the statement and reports the cancellation either way.
async fn cancel_statement(client: &ApiClient, id: &str) -> SqlError {
    let path = format!("{STATEMENTS}/{id}/cancel");
    let empty = json!({});
    let sent = tokio::time::timeout(CANCEL_TIMEOUT, client.post::<_, Value>(&path, &empty));
    match sent.await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::debug!(statement = id, "cancel failed: {e}"),
        Err(_) => tracing::debug!(statement = id, "cancel timed out"),
    }
    SqlError::Cancelled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warehouses_keep_unknown_fields_and_states() {
        let w: Warehouse = serde_json::from_value(json!({
            "id": "abc", "name": "w", "state": "HIBERNATING", "enable_serverless_compute": true,
            "odbc_params": {"port": 443}
        }))
        .unwrap();
        assert_eq!(w.state, Some(WarehouseState::Other("HIBERNATING".into())));
        assert!(w.is_serverless());
        assert_eq!(
            serde_json::to_value(&w).unwrap()["odbc_params"]["port"],
            443
        );
    }

    #[test]
    fn failed_statements_read_as_words_with_the_statement_id() {
        let e = SqlError::Failed {
            statement_id: "01ef-1".into(),
            error_code: "BAD_REQUEST".into(),
            message:
                "[TABLE_OR_VIEW_NOT_FOUND] The table or view `system`.`access`.`x` cannot be found."
                    .into(),
            sql_state: Some("42P01".into()),
        };
        let s = e.to_string();
        assert!(
            s.starts_with("the query failed: [TABLE_OR_VIEW_NOT_FOUND]"),
            "{s}"
        );
        assert!(
            s.contains("statement 01ef-1")
                && s.contains("SQLSTATE 42P01")
                && s.contains("system.access schema"),
            "{s}"
        );
    }
}
