//! The egress block log: the two queries the app runs against `system.access.outbound_network`
//! (docs/wire-facts.md §6) and fast parsers for their rows, located by column name so a reordered or
//! widened SELECT does not break them.
//!
//! Late rows: `event_time` is when the connection was blocked, not when the row landed, so a tail
//! should ask for `event_time >= watermark - margin` and drop event ids it has already seen.

use super::sql::{Param, SqlError, StatementRequest, StatementResult, parse_timestamp_ms};
use crate::lenient_enum;

/// The columns every read of events selects (one `EgressEvent` per row), and the table.
macro_rules! egress_select {
    () => {
        concat!(
            "SELECT event_id, event_time, workspace_id, destination_type, destination, ",
            "dns_event.domain_name AS dns_domain, storage_event.hostname AS storage_host, ",
            "storage_event.path AS storage_path, storage_event.rejection_reason AS rejection_reason, ",
            "access_type, network_source_type ",
            "FROM system.access.outbound_network ",
        )
    };
}
pub(crate) use egress_select;

macro_rules! events_sql {
    ($filter:literal) => {
        concat!(
            egress_select!(),
            "WHERE event_time >= :since",
            $filter,
            " ORDER BY event_time DESC LIMIT :limit"
        )
    };
}

/// Newest first since a watermark: `:since` (TIMESTAMP) and `:limit` (INT).
pub const EGRESS_EVENTS_SQL: &str = events_sql!("");
/// [`EGRESS_EVENTS_SQL`] for one workspace: also `:ws` (STRING; the column is a string).
pub const EGRESS_EVENTS_WS_SQL: &str = events_sql!(" AND workspace_id = :ws");

macro_rules! by_destination_sql {
    ($interval:literal, $filter:literal) => {
        concat!(
            "SELECT COALESCE(dns_event.domain_name, storage_event.hostname, destination) AS dest, ",
            "destination_type, access_type, COUNT(*) AS n, MIN(event_time) AS first_seen, ",
            "MAX(event_time) AS last_seen, COUNT(DISTINCT workspace_id) AS workspaces ",
            "FROM system.access.outbound_network ",
            "WHERE event_time >= current_timestamp() - INTERVAL ",
            $interval,
            $filter,
            " GROUP BY ALL ORDER BY n DESC LIMIT 500"
        )
    };
}

/// The by-destination aggregate, computed by the warehouse over the whole window.
pub const EGRESS_BY_DESTINATION_24H_SQL: &str = by_destination_sql!("24 HOURS", "");
pub const EGRESS_BY_DESTINATION_24H_WS_SQL: &str =
    by_destination_sql!("24 HOURS", " AND workspace_id = :ws");
pub const EGRESS_BY_DESTINATION_7D_SQL: &str = by_destination_sql!("7 DAYS", "");
pub const EGRESS_BY_DESTINATION_7D_WS_SQL: &str =
    by_destination_sql!("7 DAYS", " AND workspace_id = :ws");

/// [`EGRESS_BY_DESTINATION_24H_SQL`] for any window start: also `:since` (TIMESTAMP).
pub const EGRESS_BY_DESTINATION_SINCE_SQL: &str = concat!(
    "SELECT COALESCE(dns_event.domain_name, storage_event.hostname, destination) AS dest, ",
    "destination_type, access_type, COUNT(*) AS n, MIN(event_time) AS first_seen, ",
    "MAX(event_time) AS last_seen, COUNT(DISTINCT workspace_id) AS workspaces ",
    "FROM system.access.outbound_network ",
    "WHERE event_time >= :since",
    " GROUP BY ALL ORDER BY n DESC LIMIT 500"
);
/// [`EGRESS_BY_DESTINATION_SINCE_SQL`] for one workspace: also `:ws`.
pub const EGRESS_BY_DESTINATION_SINCE_WS_SQL: &str = concat!(
    "SELECT COALESCE(dns_event.domain_name, storage_event.hostname, destination) AS dest, ",
    "destination_type, access_type, COUNT(*) AS n, MIN(event_time) AS first_seen, ",
    "MAX(event_time) AS last_seen, COUNT(DISTINCT workspace_id) AS workspaces ",
    "FROM system.access.outbound_network ",
    "WHERE event_time >= :since AND workspace_id = :ws",
    " GROUP BY ALL ORDER BY n DESC LIMIT 500"
);

/// The window the by-destination aggregate covers (the warehouse computes it over all of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggregateWindow {
    Last24Hours,
    Last7Days,
    /// The last this many milliseconds (`:since 30m`, `:since 3h`, `:since 2w`).
    Last(i64),
    /// Since a fixed time, epoch milliseconds (`:since 2026-11-30T08:00:00Z`).
    Since(i64),
}

impl AggregateWindow {
    pub const ALL: [AggregateWindow; 2] =
        [AggregateWindow::Last24Hours, AggregateWindow::Last7Days];

    /// The statement text; `for_workspace` adds `AND workspace_id = :ws`. Other windows than
    /// the two named ones bind their start as `:since`.
    pub fn sql(self, for_workspace: bool) -> &'static str {
        match (self, for_workspace) {
            (AggregateWindow::Last24Hours, false) => EGRESS_BY_DESTINATION_24H_SQL,
            (AggregateWindow::Last24Hours, true) => EGRESS_BY_DESTINATION_24H_WS_SQL,
            (AggregateWindow::Last7Days, false) => EGRESS_BY_DESTINATION_7D_SQL,
            (AggregateWindow::Last7Days, true) => EGRESS_BY_DESTINATION_7D_WS_SQL,
            (_, false) => EGRESS_BY_DESTINATION_SINCE_SQL,
            (_, true) => EGRESS_BY_DESTINATION_SINCE_WS_SQL,
        }
    }

    /// The window's start, given now (epoch milliseconds).
    pub fn start_ms(self, now_ms: i64) -> i64 {
        match self {
            AggregateWindow::Last24Hours => now_ms - 24 * 3_600_000,
            AggregateWindow::Last7Days => now_ms - 7 * 24 * 3_600_000,
            AggregateWindow::Last(span) => now_ms - span,
            AggregateWindow::Since(start) => start,
        }
    }

    /// `:since TEXT`: `24h`/`1d` and `7d`/`1w` are the named windows; any other `Nm`, `Nh`,
    /// `Nd`, `Nw` or a start time (see [`super::timestamp::parse_since`]) is read as given.
    pub fn parse(text: &str, now_ms: i64) -> Result<Self, String> {
        match text.trim() {
            "24h" | "1d" => Ok(AggregateWindow::Last24Hours),
            "7d" | "1w" => Ok(AggregateWindow::Last7Days),
            t => {
                let start = super::timestamp::parse_since(t, now_ms)?;
                let relative = t.ends_with(['m', 'h', 'd', 'w']) && !t.contains('T');
                Ok(if relative {
                    AggregateWindow::Last(now_ms - start)
                } else {
                    AggregateWindow::Since(start)
                })
            }
        }
    }

    /// How the window reads in a header: `24 h`, `7 d`, `90 m`, `since 11-30 08:00`.
    pub fn label(self) -> String {
        match self {
            AggregateWindow::Last24Hours => "24 h".into(),
            AggregateWindow::Last7Days => "7 d".into(),
            AggregateWindow::Last(span) => {
                let m = span / 60_000;
                match m {
                    m if m % (7 * 1440) == 0 => format!("{} w", m / (7 * 1440)),
                    m if m % 1440 == 0 => format!("{} d", m / 1440),
                    m if m % 60 == 0 => format!("{} h", m / 60),
                    m => format!("{m} m"),
                }
            }
            AggregateWindow::Since(start) => {
                let t = super::timestamp::format_timestamp_ms(start);
                format!("since {} {}", &t[5..10], &t[11..16])
            }
        }
    }
}

/// The events query for a warehouse: rows with `event_time >= since_ms`, at most `limit`.
pub fn events_request(
    warehouse_id: &str,
    since_ms: i64,
    limit: i32,
    workspace_id: Option<&str>,
) -> StatementRequest {
    let sql = if workspace_id.is_some() {
        EGRESS_EVENTS_WS_SQL
    } else {
        EGRESS_EVENTS_SQL
    };
    let mut req = StatementRequest::new(sql, warehouse_id)
        .param(Param::timestamp_ms("since", since_ms))
        .param(Param::int("limit", limit));
    if let Some(ws) = workspace_id {
        req = req.param(Param::string("ws", ws));
    }
    req
}

/// The by-destination aggregate over `window`, optionally for one workspace.
pub fn by_destination_request(
    warehouse_id: &str,
    window: AggregateWindow,
    workspace_id: Option<&str>,
) -> StatementRequest {
    let mut req = StatementRequest::new(window.sql(workspace_id.is_some()), warehouse_id);
    if !matches!(
        window,
        AggregateWindow::Last24Hours | AggregateWindow::Last7Days
    ) {
        let now = super::timestamp::now_ms();
        req = req.param(Param::timestamp_ms("since", window.start_ms(now)));
    }
    if let Some(ws) = workspace_id {
        req = req.param(Param::string("ws", ws));
    }
    req
}

lenient_enum!(
    /// `access_type`: DROP when enforced, DRY_RUN_DENIAL when it only would have been blocked.
    AccessType {
        Drop => "DROP",
        DryRunDenial => "DRY_RUN_DENIAL",
    }
);

/// One blocked (or would-be-blocked) connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EgressEvent {
    pub event_id: String,
    /// Epoch milliseconds, UTC.
    pub event_time_ms: i64,
    pub workspace_id: String,
    /// The first present of `dns_event.domain_name`, `storage_event.hostname`, `destination`.
    pub destination: String,
    pub destination_type: String,
    pub access_type: AccessType,
    pub network_source_type: Option<String>,
    pub storage_path: Option<String>,
    pub rejection_reason: Option<String>,
}

/// Column positions of an events result, found once per result.
#[derive(Clone, Debug)]
pub struct EventColumns {
    event_id: usize,
    event_time: usize,
    workspace_id: Option<usize>,
    destination: Vec<usize>,
    destination_type: Option<usize>,
    access_type: Option<usize>,
    network_source_type: Option<usize>,
    storage_path: Option<usize>,
    rejection_reason: Option<usize>,
}

fn first_of(result: &StatementResult, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| result.column(n))
}

fn missing(result: &StatementResult, what: &str) -> SqlError {
    SqlError::Unexpected {
        statement_id: result.statement_id.clone(),
        reason: format!("the result has no {what} column"),
    }
}

impl EventColumns {
    /// Finds the columns by name; `event_id` and `event_time` are required.
    pub fn locate(result: &StatementResult) -> Result<Self, SqlError> {
        let destination: Vec<usize> = [
            &["dns_domain", "domain_name"][..],
            &["storage_host", "hostname"],
            &["destination"],
        ]
        .iter()
        .filter_map(|names| first_of(result, names))
        .collect();
        Ok(EventColumns {
            event_id: result
                .column("event_id")
                .ok_or_else(|| missing(result, "event_id"))?,
            event_time: result
                .column("event_time")
                .ok_or_else(|| missing(result, "event_time"))?,
            workspace_id: result.column("workspace_id"),
            destination,
            destination_type: result.column("destination_type"),
            access_type: result.column("access_type"),
            network_source_type: result.column("network_source_type"),
            storage_path: first_of(result, &["storage_path", "path"]),
            rejection_reason: result.column("rejection_reason"),
        })
    }

    /// One row; `None` when it has no event id or an unreadable event time.
    pub fn parse(&self, row: &[Option<String>]) -> Option<EgressEvent> {
        let get = |i: Option<usize>| {
            i.and_then(|i| row.get(i))
                .and_then(std::clone::Clone::clone)
        };
        Some(EgressEvent {
            event_id: get(Some(self.event_id))?,
            event_time_ms: parse_timestamp_ms(row.get(self.event_time)?.as_deref()?)?,
            workspace_id: get(self.workspace_id).unwrap_or_default(),
            destination: self
                .destination
                .iter()
                .find_map(|&i| get(Some(i)))
                .unwrap_or_default(),
            destination_type: get(self.destination_type).unwrap_or_default(),
            access_type: AccessType::parse(&get(self.access_type).unwrap_or_default()),
            network_source_type: get(self.network_source_type),
            storage_path: get(self.storage_path),
            rejection_reason: get(self.rejection_reason),
        })
    }
}

impl EgressEvent {
    /// Every readable row of an events result; unreadable rows are skipped.
    pub fn from_result(result: &StatementResult) -> Result<Vec<EgressEvent>, SqlError> {
        let cols = EventColumns::locate(result)?;
        Ok(result.rows.iter().filter_map(|r| cols.parse(r)).collect())
    }
}

/// One row of the by-destination aggregate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DestinationSummary {
    pub destination: String,
    pub destination_type: String,
    pub access_type: AccessType,
    pub count: u64,
    pub first_seen_ms: Option<i64>,
    pub last_seen_ms: Option<i64>,
    pub workspaces: u64,
}

impl DestinationSummary {
    pub fn from_result(result: &StatementResult) -> Result<Vec<DestinationSummary>, SqlError> {
        let dest = result
            .column("dest")
            .ok_or_else(|| missing(result, "dest"))?;
        let n = result.column("n").ok_or_else(|| missing(result, "n"))?;
        let col = |name| result.column(name);
        let (dt, at, first, last, ws) = (
            col("destination_type"),
            col("access_type"),
            col("first_seen"),
            col("last_seen"),
            col("workspaces"),
        );
        let text = |row: &[Option<String>], i: Option<usize>| -> Option<String> {
            i.and_then(|i| row.get(i))
                .and_then(std::clone::Clone::clone)
        };
        Ok(result
            .rows
            .iter()
            .map(|row| DestinationSummary {
                destination: text(row, Some(dest)).unwrap_or_default(),
                destination_type: text(row, dt).unwrap_or_default(),
                access_type: AccessType::parse(&text(row, at).unwrap_or_default()),
                count: text(row, Some(n)).and_then(|s| s.parse().ok()).unwrap_or(0),
                first_seen_ms: text(row, first).and_then(|s| parse_timestamp_ms(&s)),
                last_seen_ms: text(row, last).and_then(|s| parse_timestamp_ms(&s)),
                workspaces: text(row, ws).and_then(|s| s.parse().ok()).unwrap_or(0),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::AggregateWindow;

    #[test]
    fn since_takes_any_unit_or_a_start_and_binds_what_is_not_named() {
        let now = crate::api::timestamp::parse_timestamp_ms("2026-12-01T12:00:00Z").unwrap();
        let w = |t: &str| AggregateWindow::parse(t, now).unwrap();
        assert_eq!(w("24h"), AggregateWindow::Last24Hours);
        assert_eq!(w("1w"), AggregateWindow::Last7Days);
        assert_eq!(w("90m"), AggregateWindow::Last(90 * 60_000));
        assert_eq!(w("90m").label(), "90 m");
        assert_eq!(w("3d").label(), "3 d");
        assert_eq!(w("2w").label(), "2 w");
        assert_eq!(w("3d").start_ms(now), now - 3 * 86_400_000);
        let start = w("2026-11-30T08:00:00Z");
        assert_eq!(start.label(), "since 11-30 08:00");
        assert!(AggregateWindow::parse("soon", now).is_err());
        // Named windows keep their INTERVAL statement; others bind `:since`.
        let req = super::by_destination_request("wh", w("90m"), Some("1"));
        assert!(
            req.statement
                .contains("event_time >= :since AND workspace_id = :ws")
        );
        assert!(req.parameters.iter().any(|p| p.name == "since"));
        let named = super::by_destination_request("wh", w("24h"), None);
        assert!(named.parameters.is_empty());
    }
}
