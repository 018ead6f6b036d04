//! The egress tail at a high rate: each poll pages until it has caught up, so every row the
//! warehouse holds reaches the app exactly once however many land between polls; the counts
//! and the sparkline are the warehouse's; a poll that runs out of budget says how far behind
//! it is; and between polls the tail is not shown as pending.

use crate::support;

use dbx_tui::api::egress_poll::PollBudget;
use dbx_tui::api::sql::{StatementRequest, execute};
use dbx_tui::api::timestamp::format_timestamp_ms;
use dbx_tui::ui::thousands;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use support::{Harness, quiet_emulator};

async fn rows(c: &dbx_tui::api::ApiClient, wh: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let req = StatementRequest::new(sql, wh);
    execute(c, &req, &tokio_util::sync::CancellationToken::new())
        .await
        .unwrap()
        .rows
}

fn held_ids(h: &Harness) -> Vec<String> {
    let e = &h.app.state.egress;
    e.events.iter().map(|e| e.event_id.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_log_reaches_the_app_once_each_and_the_counts_are_the_warehouses() {
    let emu = quiet_emulator().await;
    let account = emu.accounts()[0].account_id.clone();
    // Far more rows land between two polls than the old 5,000-row poll could take.
    emu.handle().generate_egress_events(16_000);
    let mut h = Harness::new(&emu).await;
    h.app.state.egress.interval = Duration::from_millis(50);
    // Small pages, so each poll pages many times.
    h.app.state.egress.budget = PollBudget {
        page_rows: 1_500,
        ..PollBudget::default()
    };
    h.type_keys(":egress\n");
    h.until("the first poll", |a| a.state.egress.last_poll_ms.is_some())
        .await;
    for _ in 0..3 {
        let polled = h.app.state.egress.last_poll_ms;
        emu.handle().generate_egress_events(12_000);
        h.until("a poll after the burst", |a| {
            a.state.egress.last_poll_ms > polled
        })
        .await;
    }
    let server_rows = emu.handle().egress_row_count_of(&account) as u64;
    assert!(server_rows > 15_000, "{server_rows}");
    // A poll that started after the last burst: counts are the warehouse's, whatever is held.
    let polled = h.app.state.egress.last_poll_ms;
    h.until("a poll after the last burst", |a| {
        a.state.egress.last_poll_ms > polled
    })
    .await;
    h.until("another one", {
        let p = h.app.state.egress.last_poll_ms;
        move |a| a.state.egress.last_poll_ms > p
    })
    .await;
    let e = &h.app.state.egress;
    assert_eq!(e.total, Some(server_rows));
    assert_eq!(e.behind, None);
    // Every row is recent: the sparkline's 30 minutes hold them all.
    assert_eq!(e.per_minute.iter().sum::<u64>(), server_rows);
    let wh = e.warehouse.clone().unwrap();
    let c = h.egress_workspace_client(&emu).await;
    let by_dest: HashMap<String, u64> = rows(
        &c,
        &wh,
        "SELECT COALESCE(dns_event.domain_name, storage_event.hostname, destination) AS dest, \
         destination_type, access_type, COUNT(*) AS n \
         FROM system.access.outbound_network GROUP BY ALL",
    )
    .await
    .into_iter()
    .map(|r| {
        let text = |i: usize| r[i].clone().unwrap();
        (
            format!("{} {} {}", text(0), text(1), text(2)),
            text(3).parse().unwrap(),
        )
    })
    .collect();
    let shown: HashMap<String, u64> = e
        .summary
        .iter()
        .map(|s| {
            let key = format!("{} {} {}", s.destination, s.destination_type, s.access_type);
            (key, e.count_of(s))
        })
        .collect();
    assert_eq!(shown, by_dest);

    // Rows landed late (up to a minute before they were written). Once their minutes are past
    // the lateness bound (the log's clock moves on), every row is in the app exactly once.
    let before_ms = dbx_tui::api::timestamp::now_ms() + 1_000;
    emu.handle().advance_sql_clock(Duration::from_secs(600));
    emu.handle().generate_egress_events(200);
    let sql = format!(
        "SELECT event_id FROM system.access.outbound_network WHERE event_time < '{}'",
        format_timestamp_ms(before_ms)
    );
    let server: HashSet<String> = rows(&c, &wh, &sql)
        .await
        .into_iter()
        .filter_map(|r| r[0].clone())
        .collect();
    assert_eq!(server.len() as u64, server_rows);
    h.until("every row of the bursts", |a| {
        let held: HashSet<&str> = a
            .state
            .egress
            .events
            .iter()
            .map(|e| e.event_id.as_str())
            .collect();
        server.iter().all(|id| held.contains(id.as_str()))
    })
    .await;
    let held = held_ids(&h);
    let unique: HashSet<&String> = held.iter().collect();
    assert_eq!(unique.len(), held.len(), "a row reached the app twice");
    let e = &h.app.state.egress;
    let old: HashSet<String> = e
        .events
        .iter()
        .filter(|e| e.event_time_ms < before_ms)
        .map(|e| e.event_id.clone())
        .collect();
    assert_eq!(old, server, "the app holds exactly the warehouse's rows");
    assert_eq!(e.dropped, 0);
}

#[tokio::test]
async fn a_poll_out_of_budget_says_how_far_behind_it_is() {
    let emu = quiet_emulator().await;
    let account = emu.accounts()[0].account_id.clone();
    emu.handle().generate_egress_events(3_000);
    let mut h = Harness::new(&emu).await;
    // One poll only, with room for 500 rows.
    h.app.state.egress.interval = Duration::from_secs(3_600);
    h.app.state.egress.budget = PollBudget {
        rows: 500,
        page_rows: 100,
        time: Duration::from_secs(30),
    };
    h.type_keys(":egress\n");
    h.until("the first poll", |a| a.state.egress.last_poll_ms.is_some())
        .await;
    let server_rows = emu.handle().egress_row_count_of(&account) as u64;
    let e = &h.app.state.egress;
    assert_eq!(e.events.len(), 500);
    assert_eq!(e.total, Some(server_rows));
    let behind = server_rows - 500;
    assert_eq!(e.behind, Some(behind));
    let screen = h.screen();
    let n = thousands(behind);
    let lines: Vec<&str> = screen.lines().collect();
    let status = lines.iter().find(|l| l.contains("newest event")).unwrap();
    assert!(
        status.contains(&format!("behind by {n} events (poll budget spent)")),
        "{screen}"
    );
    let footer = lines[lines.len() - 2..].join("\n");
    assert!(
        footer.contains(&format!("egress tail behind by {n} events")),
        "footer: {screen}"
    );
    assert!(
        screen.contains(&format!("showing newest 500 of {}", thousands(server_rows))),
        "{screen}"
    );
}

#[tokio::test]
async fn between_polls_the_tail_is_not_pending() {
    let emu = quiet_emulator().await;
    emu.handle().generate_egress_events(300);
    let mut h = Harness::new(&emu).await;
    h.app.state.egress.interval = Duration::from_secs(3_600);
    // A slow warehouse: the poll is visibly pending while it runs.
    emu.handle()
        .set_sql_statement_delay(Duration::from_millis(400));
    h.type_keys(":egress\n");
    h.until("a poll running", |a| a.state.egress.polling).await;
    let now = std::time::SystemTime::now();
    assert!(h.app.animating(now));
    assert!(
        h.screen().contains("tailing the egress log"),
        "{}",
        h.screen()
    );
    h.until("the poll done", |a| a.state.egress.last_poll_ms.is_some())
        .await;
    // The tail still runs (its request is open), but it only waits for the next poll.
    assert!(h.app.state.egress.tailing);
    assert!(!h.app.state.in_flight.is_empty());
    let now = std::time::SystemTime::now();
    assert!(!h.app.animating(now), "the spinner runs between polls");
    let screen = h.screen();
    assert!(!screen.contains("tailing the egress log"), "{screen}");
}
