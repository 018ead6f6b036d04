//! The SQL client against the emulator: warehouses, execute with polling, chunks, failures,
//! cancellation, and the egress row parsers.

use crate::support;

use std::time::{Duration, Instant};

use dbx_tui::api::ApiClient;
use dbx_tui::api::client::http_client;
use dbx_tui::api::egress::{
    AccessType, AggregateWindow, DestinationSummary, EgressEvent, by_destination_request,
    events_request,
};
use dbx_tui::api::sql::{
    self, Column, Param, SqlError, StatementRequest, StatementResult, WarehouseState,
};
use dbx_tui::config::{Profile, ProfileSource};
use dbx_tui::emulator::{Emulator, EmulatorHandle, EmulatorOptions};
use tokio_util::sync::CancellationToken;

const HOUR: Duration = Duration::from_secs(3600);

struct Ctx {
    emu: Emulator,
    c: ApiClient,
    ws: i64,
    account_id: String,
}

impl Ctx {
    async fn new(opts: EmulatorOptions) -> Ctx {
        let emu = support::emulator_with(opts).await;
        let a = emu
            .accounts()
            .into_iter()
            .find(|a| a.workspace_pat.is_some())
            .unwrap();
        let (ws, token) = a.workspace_pat.clone().unwrap();
        let mut p = Profile::empty("ws", ProfileSource::Demo);
        p.host = Some(emu.base_url());
        p.token = Some(token.into());
        let auth = dbx_tui::auth::provider_for(&p).unwrap();
        let c = ApiClient::new(http_client(), &emu.base_url(), auth);
        Ctx {
            emu,
            c,
            ws,
            account_id: a.account_id.clone(),
        }
    }

    fn h(&self) -> EmulatorHandle {
        self.emu.handle()
    }

    async fn running(&self) -> String {
        let list = sql::list_warehouses(&self.c).await.unwrap();
        list.into_iter()
            .find(|w| w.state == Some(WarehouseState::Running))
            .unwrap()
            .id
    }
}

fn quiet() -> EmulatorOptions {
    EmulatorOptions {
        warehouse_start_delay: HOUR,
        sql_statement_delay: Duration::ZERO,
        egress_events_per_sec: 0.0,
        egress_backfill: 0,
        ..Default::default()
    }
}

/// Polls `cond` until it holds or the deadline passes.
async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn warehouses_are_listed_and_started() {
    let ctx = Ctx::new(quiet()).await;
    let list = sql::list_warehouses(&ctx.c).await.unwrap();
    assert_eq!(list.len(), ctx.h().warehouse_ids(ctx.ws).len());
    assert!(
        list.iter()
            .any(|w| w.is_serverless() && w.state == Some(WarehouseState::Running))
    );
    let stopped = list
        .iter()
        .find(|w| w.state == Some(WarehouseState::Stopped))
        .unwrap();
    assert!(
        stopped.extra.contains_key("odbc_params"),
        "unknown fields are kept"
    );
    sql::start_warehouse(&ctx.c, &stopped.id).await.unwrap();
    let w = sql::get_warehouse(&ctx.c, &stopped.id).await.unwrap();
    assert_eq!(w.state, Some(WarehouseState::Starting));
    ctx.h().advance_sql_clock(HOUR);
    let w = sql::get_warehouse(&ctx.c, &stopped.id).await.unwrap();
    assert_eq!(w.state, Some(WarehouseState::Running));
}

#[tokio::test]
async fn execute_polls_a_slow_statement_and_follows_every_chunk() {
    let ctx = Ctx::new(EmulatorOptions {
        sql_chunk_rows: 3,
        ..quiet()
    })
    .await;
    ctx.h().generate_egress_events(300);
    // The table of the PAT's account.
    let total = ctx.h().egress_row_count_of(&ctx.account_id);
    assert!(total > 20);
    ctx.h().set_sql_statement_delay(HOUR);
    let wh = ctx.running().await;
    let mut req = StatementRequest::new(
        "SELECT event_id FROM system.access.outbound_network ORDER BY event_id",
        &wh,
    );
    req.wait_timeout_secs = 0;
    let c = ctx.c.clone();
    let task = tokio::spawn(async move { sql::execute(&c, &req, &CancellationToken::new()).await });
    let h = ctx.h();
    eventually("the statement to run", || {
        h.sql_statements().iter().any(|(_, s)| s == "RUNNING")
    })
    .await;
    h.advance_sql_clock(HOUR);
    let res = task.await.unwrap().unwrap();
    assert_eq!(res.rows.len(), total);
    let mut ids: Vec<&str> = res.rows.iter().map(|r| r[0].as_deref().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in order, no duplicates"
    );
    ids.dedup();
    assert_eq!(ids.len(), total);
    assert_eq!(
        res.columns,
        vec![Column {
            name: "event_id".into(),
            type_name: "STRING".into()
        }]
    );
    assert!(!res.truncated);
    assert_eq!(res.column("EVENT_ID"), Some(0));
    assert!(
        ctx.h().request_count(&format!(
            "/api/2.0/sql/statements/{}/result/chunks/",
            res.statement_id
        )) >= total.div_ceil(3) - 1
    );
}

#[tokio::test]
async fn a_failed_statement_becomes_sql_error_failed_with_its_id() {
    let ctx = Ctx::new(quiet()).await;
    let wh = ctx.running().await;
    let req = StatementRequest::new("SELECT * FROM system.access.outbound_netwrk", &wh);
    let err = sql::execute(&ctx.c, &req, &CancellationToken::new())
        .await
        .unwrap_err();
    let SqlError::Failed {
        statement_id,
        error_code,
        message,
        sql_state,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(error_code, "BAD_REQUEST");
    assert!(message.contains("TABLE_OR_VIEW_NOT_FOUND"));
    assert_eq!(sql_state.as_deref(), Some("42P01"));
    let words = err.to_string();
    assert!(
        words.contains(statement_id.as_str()) && words.starts_with("the query failed"),
        "{words}"
    );
    assert_eq!(
        ctx.h().sql_statements(),
        vec![(statement_id.clone(), "FAILED".to_string())]
    );
}

#[tokio::test]
async fn cancelling_sends_cancel_and_returns_cancelled() {
    let ctx = Ctx::new(quiet()).await;
    ctx.h().set_sql_statement_delay(HOUR);
    let wh = ctx.running().await;
    let mut req = StatementRequest::new("SELECT 1", &wh);
    req.wait_timeout_secs = 0;
    let cancel = CancellationToken::new();
    let (c, token) = (ctx.c.clone(), cancel.clone());
    let task = tokio::spawn(async move { sql::execute(&c, &req, &token).await });
    let h = ctx.h();
    eventually("the statement to run", || {
        h.sql_statements().iter().any(|(_, s)| s == "RUNNING")
    })
    .await;
    cancel.cancel();
    let err = task.await.unwrap().unwrap_err();
    assert!(matches!(err, SqlError::Cancelled), "{err:?}");
    let (id, state) = h.sql_statements().remove(0);
    assert_eq!(state, "CANCELED", "the warehouse was told to cancel {id}");
    assert_eq!(
        h.request_count(&format!("/api/2.0/sql/statements/{id}/cancel")),
        1
    );
}

#[tokio::test]
async fn egress_helpers_run_the_apps_queries() {
    let ctx = Ctx::new(EmulatorOptions {
        egress_backfill: 2000,
        ..quiet()
    })
    .await;
    let wh = ctx.running().await;
    let never = CancellationToken::new();
    let ws = ctx.ws.to_string();
    let res = sql::execute(&ctx.c, &events_request(&wh, 0, 100, Some(&ws)), &never)
        .await
        .unwrap();
    let events = EgressEvent::from_result(&res).unwrap();
    assert!(!events.is_empty(), "the PAT workspace has denials");
    assert_eq!(events.len(), res.rows.len());
    assert!(
        events
            .windows(2)
            .all(|w| w[0].event_time_ms >= w[1].event_time_ms)
    );
    assert!(
        events
            .iter()
            .all(|e| e.workspace_id == ws && !e.destination.is_empty())
    );
    assert!(
        events
            .iter()
            .all(|e| matches!(e.access_type, AccessType::Drop | AccessType::DryRunDenial))
    );

    let agg = sql::execute(
        &ctx.c,
        &by_destination_request(&wh, AggregateWindow::Last7Days, None),
        &never,
    )
    .await
    .unwrap();
    let dests = DestinationSummary::from_result(&agg).unwrap();
    let sum: u64 = dests.iter().map(|d| d.count).sum();
    // The table holds this account's events only: the aggregate covers every one of them.
    let all = sql::execute(
        &ctx.c,
        &StatementRequest::new(
            "SELECT COUNT(*) AS n FROM system.access.outbound_network",
            &wh,
        ),
        &never,
    )
    .await
    .unwrap();
    let n: u64 = all.rows[0][0].as_deref().unwrap().parse().unwrap();
    assert_eq!(sum, n);
    assert_eq!(n as usize, ctx.h().egress_row_count_of(&ctx.account_id));
    assert!(
        dests
            .iter()
            .all(|d| d.first_seen_ms <= d.last_seen_ms && d.workspaces >= 1)
    );

    // Parameters only: a hostile workspace id matches nothing and breaks nothing.
    let req = StatementRequest::new(dbx_tui::api::egress::EGRESS_EVENTS_WS_SQL, &wh)
        .param(Param::timestamp_ms("since", 0))
        .param(Param::int("limit", 10))
        .param(Param::string("ws", "1' OR '1'='1"));
    let res = sql::execute(&ctx.c, &req, &never).await.unwrap();
    assert!(res.rows.is_empty());
}

fn result(columns: &[&str], rows: Vec<Vec<Option<&str>>>) -> StatementResult {
    StatementResult {
        statement_id: "s1".into(),
        columns: columns
            .iter()
            .map(|n| Column {
                name: n.to_string(),
                type_name: "STRING".into(),
            })
            .collect(),
        rows: rows
            .into_iter()
            .map(|r| r.into_iter().map(|v| v.map(String::from)).collect())
            .collect(),
        truncated: false,
        gaps: Vec::new(),
    }
}

#[test]
fn the_event_parser_goes_by_column_name_and_tolerates_nulls() {
    let res = result(
        &[
            "access_type",
            "storage_host",
            "event_time",
            "dns_domain",
            "destination",
            "event_id",
            "workspace_id",
            "storage_path",
        ],
        vec![
            vec![
                Some("DROP"),
                None,
                Some("2026-11-25T13:00:00.123Z"),
                Some("api.openai.com"),
                Some("api.openai.com"),
                Some("e1"),
                Some("42"),
                None,
            ],
            vec![
                Some("DRY_RUN_DENIAL"),
                Some("s3://b"),
                Some("2026-11-25 13:00:01"),
                None,
                Some("s3://b"),
                Some("e2"),
                Some("42"),
                Some("/x"),
            ],
            vec![
                Some("ALLOWED_SOMEDAY"),
                None,
                Some("2026-11-25T13:00:02Z"),
                None,
                Some("1.2.3.4"),
                Some("e3"),
                None,
                None,
            ],
            vec![
                Some("DROP"),
                None,
                None,
                None,
                Some("dropped: no time"),
                Some("e4"),
                None,
                None,
            ],
        ],
    );
    let ev = EgressEvent::from_result(&res).unwrap();
    assert_eq!(ev.len(), 3, "a row without event_time is skipped");
    assert_eq!(ev[0].destination, "api.openai.com");
    assert_eq!(ev[0].event_time_ms, 1_795_611_600_123);
    assert_eq!(ev[0].access_type, AccessType::Drop);
    assert_eq!(ev[1].destination, "s3://b");
    assert_eq!(ev[1].storage_path.as_deref(), Some("/x"));
    assert_eq!(ev[1].access_type, AccessType::DryRunDenial);
    assert_eq!(ev[2].destination, "1.2.3.4");
    assert_eq!(
        ev[2].access_type,
        AccessType::Other("ALLOWED_SOMEDAY".into())
    );
    assert_eq!(ev[2].workspace_id, "");

    let missing = result(&["event_id"], vec![]);
    let err = EgressEvent::from_result(&missing).unwrap_err();
    assert!(err.to_string().contains("event_time"), "{err}");
}
