//! The embedded SQLite database holding `system.access.outbound_network`, and statement
//! execution with Databricks-style failures.

use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, params};

use super::translate::{self, Context, OUTBOUND_NETWORK, Translated};
use crate::api::sql::{format_timestamp_ms, parse_timestamp_ms};

/// One row of the system table; structs are JSON text, `event_time` canonical ISO-8601.
#[derive(Debug, Clone)]
pub(crate) struct EventRow {
    pub account_id: String,
    pub workspace_id: String,
    pub event_id: String,
    pub destination_type: &'static str,
    pub destination: String,
    pub dns_event: Option<String>,
    pub storage_event: Option<String>,
    pub event_time_ms: i64,
    pub access_type: &'static str,
    pub network_source_type: &'static str,
}

/// A statement parameter as the request sent it.
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct Param {
    pub name: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default, rename = "type")]
    pub type_name: Option<String>,
}

/// A successful result: column names with Databricks types, and every value as text or null.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    pub columns: Vec<(String, &'static str)>,
    pub rows: Vec<Vec<Option<String>>>,
    pub truncated: bool,
}

/// A failed statement, as `status.error` and `status.sql_state` report it.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub error_code: &'static str,
    pub message: String,
    pub sql_state: &'static str,
}

impl Failure {
    fn new(class: &str, message: impl AsRef<str>, sql_state: &'static str) -> Self {
        Failure {
            error_code: "BAD_REQUEST",
            message: format!("[{class}] {} SQLSTATE: {sql_state}", message.as_ref()),
            sql_state,
        }
    }
}

pub(crate) struct Engine {
    conn: Connection,
}

impl Engine {
    #[allow(
        clippy::expect_used,
        reason = "an in-memory database with a fixed schema: failing here is a build defect"
    )]
    pub fn new() -> Engine {
        let conn = Connection::open_in_memory().expect("in-memory SQLite opens");
        // Column order is the documented one, so `SELECT *` looks like the real table. The
        // indexes only keep the emulator quick at a million rows (an account's windows and keyset
        // pages by time, as every statement sees one account; pruning by time; a policy's
        // workspaces and access type for the rollout report); no answer changes.
        conn.execute_batch(&format!(
            "CREATE TABLE \"{OUTBOUND_NETWORK}\" (
                account_id TEXT, workspace_id TEXT, event_id TEXT, destination_type TEXT,
                destination TEXT, dns_event TEXT, storage_event TEXT, event_time TEXT,
                access_type TEXT, network_source_type TEXT);
             CREATE INDEX outbound_network_account_time ON \"{OUTBOUND_NETWORK}\"
                 (account_id, event_time, event_id);
             CREATE INDEX outbound_network_time ON \"{OUTBOUND_NETWORK}\" (event_time);
             CREATE INDEX outbound_network_workspace ON \"{OUTBOUND_NETWORK}\"
                 (workspace_id, access_type, event_time);"
        ))
        .expect("schema is valid");
        super::functions::register(&conn).expect("functions register");
        Engine { conn }
    }

    pub fn insert(&mut self, rows: &[EventRow]) {
        let result = (|| -> rusqlite::Result<()> {
            let tx = self.conn.transaction()?;
            {
                let mut stmt = tx.prepare_cached(&format!(
                    "INSERT INTO \"{OUTBOUND_NETWORK}\" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                ))?;
                for r in rows {
                    stmt.execute(params![
                        r.account_id,
                        r.workspace_id,
                        r.event_id,
                        r.destination_type,
                        r.destination,
                        r.dns_event,
                        r.storage_event,
                        format_timestamp_ms(r.event_time_ms),
                        r.access_type,
                        r.network_source_type,
                    ])?;
                }
            }
            tx.commit()
        })();
        if let Err(e) = result {
            tracing::warn!(target: "emulator", "egress insert failed: {e}");
        }
    }

    /// Drops rows whose `event_time` is before `cutoff_ms`, keeping the table bounded.
    pub fn prune(&mut self, cutoff_ms: i64) {
        let sql = format!("DELETE FROM \"{OUTBOUND_NETWORK}\" WHERE event_time < ?1");
        if let Err(e) = self.conn.execute(&sql, [format_timestamp_ms(cutoff_ms)]) {
            tracing::warn!(target: "emulator", "egress prune failed: {e}");
        }
    }

    pub fn row_count(&self) -> usize {
        self.conn
            .query_row(
                &format!("SELECT COUNT(*) FROM \"{OUTBOUND_NETWORK}\""),
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_or(0, |n| n as usize)
    }

    /// [`Engine::run`] as seen from one account: `system.access.outbound_network` holds only
    /// that account's events, as the real system table does (docs/wire-facts.md §6). A temporary
    /// view of the same name shadows the shared table for the statement's run.
    pub fn run_for_account(
        &self,
        account_id: &str,
        sql: &str,
        ctx: &Context<'_>,
        params: &[Param],
        row_limit: Option<usize>,
    ) -> Result<Output, Failure> {
        let literal = account_id.replace('\'', "''");
        let view = format!(
            "CREATE TEMP VIEW \"{OUTBOUND_NETWORK}\" AS SELECT * FROM main.\"{OUTBOUND_NETWORK}\" WHERE account_id = '{literal}'"
        );
        self.conn
            .execute_batch(&view)
            .map_err(|e| sqlite_failure(&e))?;
        let out = self.run(sql, ctx, params, row_limit);
        if let Err(e) = self
            .conn
            .execute_batch(&format!("DROP VIEW temp.\"{OUTBOUND_NETWORK}\""))
        {
            tracing::warn!(target: "emulator", "dropping the account view failed: {e}");
        }
        out
    }

    pub fn row_count_of(&self, account_id: &str) -> usize {
        self.conn
            .query_row(
                &format!("SELECT COUNT(*) FROM \"{OUTBOUND_NETWORK}\" WHERE account_id = ?1"),
                [account_id],
                |r| r.get::<_, i64>(0),
            )
            .map_or(0, |n| n as usize)
    }

    /// Translates and runs one statement; at most `row_limit` rows are returned.
    pub fn run(
        &self,
        sql: &str,
        ctx: &Context<'_>,
        params: &[Param],
        row_limit: Option<usize>,
    ) -> Result<Output, Failure> {
        let t = translate::translate(sql, ctx)
            .map_err(|e| Failure::new(e.class, e.message, "42601"))?;
        self.execute(&t, params, row_limit)
    }

    fn execute(
        &self,
        t: &Translated,
        params: &[Param],
        row_limit: Option<usize>,
    ) -> Result<Output, Failure> {
        let mut stmt = self.conn.prepare(&t.sql).map_err(|e| sqlite_failure(&e))?;
        if !stmt.readonly() {
            return Err(Failure::new(
                "INSUFFICIENT_PERMISSIONS",
                "System tables are read-only: only queries can run here.",
                "42501",
            ));
        }
        for name in &t.params {
            let p = params.iter().find(|p| p.name == *name).ok_or_else(|| {
                Failure::new(
                    "UNBOUND_SQL_PARAMETER",
                    format!("Found the unbound parameter: {name}. Please, fix `args` and provide a mapping of the parameter to a SQL literal."),
                    "42P02",
                )
            })?;
            let value = bind_value(p)?;
            let idx = stmt
                .parameter_index(&format!(":{name}"))
                .map_err(|e| sqlite_failure(&e))?;
            if let Some(idx) = idx {
                stmt.raw_bind_parameter(idx, value)
                    .map_err(|e| sqlite_failure(&e))?;
            }
        }
        let names: Vec<String> = stmt
            .column_names()
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
        let mut inferred: Vec<Option<&'static str>> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                t.column_types
                    .get(i)
                    .copied()
                    .flatten()
                    .filter(|_| t.column_types.len() == names.len())
                    .or_else(|| translate::column_type(n))
            })
            .collect();
        let mut rows = Vec::new();
        let mut truncated = false;
        let mut q = stmt.raw_query();
        while let Some(row) = q.next().map_err(|e| sqlite_failure(&e))? {
            if row_limit.is_some_and(|l| rows.len() >= l) {
                truncated = true;
                break;
            }
            let mut out = Vec::with_capacity(names.len());
            for (i, ty) in inferred.iter_mut().enumerate() {
                let v = row.get_ref(i).map_err(|e| sqlite_failure(&e))?;
                if ty.is_none() {
                    *ty = match v {
                        ValueRef::Integer(_) => Some("LONG"),
                        ValueRef::Real(_) => Some("DOUBLE"),
                        ValueRef::Text(_) => Some("STRING"),
                        ValueRef::Blob(_) => Some("BINARY"),
                        ValueRef::Null => None,
                    };
                }
                out.push(match v {
                    ValueRef::Null => None,
                    ValueRef::Integer(n) => Some(n.to_string()),
                    ValueRef::Real(f) => Some(f.to_string()),
                    ValueRef::Text(s) => Some(String::from_utf8_lossy(s).into_owned()),
                    ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
                });
            }
            rows.push(out);
        }
        let columns = names
            .into_iter()
            .zip(inferred)
            .map(|(n, t)| (n, t.unwrap_or("STRING")))
            .collect();
        Ok(Output {
            columns,
            rows,
            truncated,
        })
    }
}

/// A parameter value cast to its declared type, the way Databricks casts the string it is sent.
fn bind_value(p: &Param) -> Result<SqlValue, Failure> {
    let Some(raw) = &p.value else {
        return Ok(SqlValue::Null);
    };
    let ty = p
        .type_name
        .as_deref()
        .unwrap_or("STRING")
        .to_ascii_uppercase();
    let bad = || {
        Failure::new(
            "CAST_INVALID_INPUT",
            format!(
                "The value '{raw}' of the type \"STRING\" cannot be cast to \"{ty}\" because it is malformed."
            ),
            "22018",
        )
    };
    Ok(match ty.as_str() {
        "STRING" | "VARCHAR" | "CHAR" | "DATE" => SqlValue::Text(raw.clone()),
        "BIGINT" | "LONG" | "INT" | "INTEGER" | "SMALLINT" | "SHORT" | "TINYINT" | "BYTE" => {
            SqlValue::Integer(raw.trim().parse().map_err(|_| bad())?)
        }
        "DOUBLE" | "FLOAT" | "DECIMAL" => SqlValue::Real(raw.trim().parse().map_err(|_| bad())?),
        "BOOLEAN" => match raw.trim().to_ascii_lowercase().as_str() {
            "true" => SqlValue::Integer(1),
            "false" => SqlValue::Integer(0),
            _ => return Err(bad()),
        },
        "TIMESTAMP" | "TIMESTAMP_LTZ" | "TIMESTAMP_NTZ" => SqlValue::Text(format_timestamp_ms(
            parse_timestamp_ms(raw).ok_or_else(bad)?,
        )),
        other => {
            return Err(Failure::new(
                "INVALID_PARAMETER_VALUE",
                format!("Parameter '{}' has unsupported type '{other}'.", p.name),
                "22023",
            ));
        }
    })
}

/// Rewords SQLite's errors as the Databricks error classes an admin would see.
fn sqlite_failure(e: &rusqlite::Error) -> Failure {
    let text = e.to_string();
    let after = |marker: &str| {
        text.split_once(marker)
            .map(|(_, rest)| rest.trim().to_string())
    };
    if let Some(table) = after("no such table:") {
        let quoted: Vec<String> = table.split('.').map(|p| format!("`{p}`")).collect();
        return Failure::new(
            "TABLE_OR_VIEW_NOT_FOUND",
            format!(
                "The table or view {} cannot be found. Verify the spelling and correctness of the schema and catalog.",
                quoted.join(".")
            ),
            "42P01",
        );
    }
    if let Some(col) = after("no such column:") {
        return Failure::new(
            "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION",
            format!(
                "A column, variable, or function parameter with name `{col}` cannot be resolved."
            ),
            "42703",
        );
    }
    if let Some(f) = after("no such function:") {
        return Failure::new(
            "UNRESOLVED_ROUTINE",
            format!(
                "Cannot resolve routine `{f}` on search path [`system`.`builtin`, `system`.`session`]."
            ),
            "42883",
        );
    }
    if text.contains("syntax error") || text.contains("incomplete input") {
        let near = text
            .split_once("near \"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map_or_else(|| "end of input".to_string(), |(n, _)| n.to_string());
        return Failure::new(
            "PARSE_SYNTAX_ERROR",
            format!("Syntax error at or near '{near}'."),
            "42601",
        );
    }
    Failure::new(
        "INTERNAL_ERROR",
        format!("The query could not run: {text}."),
        "XX000",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: i64 = 1_795_611_600_000; // 2026-11-25T13:00:00Z

    fn ctx(now: &str) -> Context<'_> {
        Context {
            now,
            catalog: None,
            schema: None,
        }
    }

    fn row(ws: &str, dest: &str, minutes_ago: i64, access: &'static str) -> EventRow {
        EventRow {
            account_id: "acc".into(),
            workspace_id: ws.into(),
            event_id: format!("{ws}-{dest}-{minutes_ago}"),
            destination_type: "DNS",
            destination: dest.into(),
            dns_event: Some(format!("{{\"domain_name\":\"{dest}\",\"rcode\":3}}")),
            storage_event: None,
            event_time_ms: NOW_MS - minutes_ago * 60_000,
            access_type: access,
            network_source_type: "DBSQL",
        }
    }

    fn engine() -> Engine {
        let mut e = Engine::new();
        e.insert(&[
            row("1", "a.com", 10, "DROP"),
            row("1", "a.com", 60 * 30, "DROP"),
            row("2", "a.com", 5, "DROP"),
            row("2", "b.com", 1, "DRY_RUN_DENIAL"),
        ]);
        e
    }

    #[test]
    fn the_aggregate_runs_with_interval_group_by_all_and_timestamps() {
        let e = engine();
        let now = format_timestamp_ms(NOW_MS);
        let sql = crate::api::egress::AggregateWindow::Last24Hours.sql(false);
        let out = e.run(sql, &ctx(&now), &[], None).unwrap();
        let names: Vec<&str> = out.columns.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "dest",
                "destination_type",
                "access_type",
                "n",
                "first_seen",
                "last_seen",
                "workspaces"
            ]
        );
        let types: Vec<&str> = out.columns.iter().map(|(_, t)| *t).collect();
        assert_eq!(
            types,
            [
                "STRING",
                "STRING",
                "STRING",
                "LONG",
                "TIMESTAMP",
                "TIMESTAMP",
                "LONG"
            ]
        );
        // The 30-hour-old row is outside the window.
        assert_eq!(
            out.rows[0],
            [
                Some("a.com"),
                Some("DNS"),
                Some("DROP"),
                Some("2"),
                Some("2026-11-25T12:50:00.000Z"),
                Some("2026-11-25T12:55:00.000Z"),
                Some("2")
            ]
            .map(|v| v.map(String::from))
        );
        assert_eq!(out.rows.len(), 2);
    }

    #[test]
    fn parameters_bind_with_types_and_cannot_inject() {
        let e = engine();
        let now = format_timestamp_ms(NOW_MS);
        let p = |name: &str, value: &str, ty: &str| Param {
            name: name.into(),
            value: Some(value.into()),
            type_name: Some(ty.into()),
        };
        let sql = crate::api::egress::EGRESS_EVENTS_WS_SQL;
        let out = e
            .run(
                sql,
                &ctx(&now),
                &[
                    p("since", "2026-11-25T12:52:00Z", "TIMESTAMP"),
                    p("limit", "10", "INT"),
                    p("ws", "2", "STRING"),
                ],
                None,
            )
            .unwrap();
        assert_eq!(out.rows.len(), 2);
        let injected = e
            .run(
                sql,
                &ctx(&now),
                &[
                    p("since", "2020-01-01", "TIMESTAMP"),
                    p("limit", "10", "BIGINT"),
                    p("ws", "2' OR '1'='1", "STRING"),
                ],
                None,
            )
            .unwrap();
        assert!(injected.rows.is_empty());
        let bad = e
            .run(
                sql,
                &ctx(&now),
                &[
                    p("since", "yesterday", "TIMESTAMP"),
                    p("limit", "10", "INT"),
                    p("ws", "2", "STRING"),
                ],
                None,
            )
            .unwrap_err();
        assert_eq!(bad.sql_state, "22018");
        let unbound = e.run(sql, &ctx(&now), &[], None).unwrap_err();
        assert!(
            unbound.message.contains("UNBOUND_SQL_PARAMETER"),
            "{}",
            unbound.message
        );
    }

    #[test]
    fn failures_read_like_databricks() {
        let e = engine();
        let f = e
            .run("SELECT * FROM system.access.nope", &ctx("x"), &[], None)
            .unwrap_err();
        assert!(
            f.message.starts_with(
                "[TABLE_OR_VIEW_NOT_FOUND] The table or view `system`.`access`.`nope`"
            ),
            "{}",
            f.message
        );
        assert_eq!((f.error_code, f.sql_state), ("BAD_REQUEST", "42P01"));
        let f = e.run("SELEC * FORM x", &ctx("x"), &[], None).unwrap_err();
        assert!(
            f.message.starts_with("[PARSE_SYNTAX_ERROR]"),
            "{}",
            f.message
        );
        let f = e
            .run(
                "SELECT nope FROM system.access.outbound_network",
                &ctx("x"),
                &[],
                None,
            )
            .unwrap_err();
        assert!(f.message.contains("UNRESOLVED_COLUMN"), "{}", f.message);
        let f = e
            .run(
                "DELETE FROM system.access.outbound_network",
                &ctx("x"),
                &[],
                None,
            )
            .unwrap_err();
        assert!(f.message.contains("read-only"), "{}", f.message);
    }

    #[test]
    fn select_star_has_the_documented_columns_and_row_limit_truncates() {
        let e = engine();
        let out = e
            .run(
                "SELECT * FROM system.access.outbound_network ORDER BY event_time",
                &ctx("x"),
                &[],
                Some(3),
            )
            .unwrap();
        let names: Vec<&str> = out.columns.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "account_id",
                "workspace_id",
                "event_id",
                "destination_type",
                "destination",
                "dns_event",
                "storage_event",
                "event_time",
                "access_type",
                "network_source_type"
            ]
        );
        assert_eq!(out.columns[5].1, "STRUCT");
        assert_eq!(out.rows.len(), 3);
        assert!(out.truncated);
        assert_eq!(out.rows[0][6], None);
        let mut e = e;
        e.prune(NOW_MS - 60 * 60_000);
        assert_eq!(e.row_count(), 3);
    }
}
