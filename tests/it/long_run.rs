//! A bounded long run: the live tail keeps polling while the emulator injects faults between
//! polls and keeps logging new (sometimes late) rows. At the end every row the warehouse holds
//! is in the app exactly once, and the tail's memory stayed bounded.

use crate::support;

use dbx_tui::api::sql::{StatementRequest, execute};
use dbx_tui::emulator::{BodyFault, Fault, FaultKind};
use std::collections::HashSet;
use std::time::Duration;
use support::{Harness, quiet_emulator};

const ROUNDS: usize = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tail_loses_and_doubles_nothing_through_faults() {
    let emu = quiet_emulator().await;
    emu.handle().generate_egress_events(200);
    let mut h = Harness::new(&emu).await;
    h.app.state.egress.interval = Duration::from_millis(30);
    h.type_keys(":egress\n");
    h.until("the first poll", |a| a.state.egress.last_poll_ms.is_some())
        .await;

    let statements = "/api/2.0/sql/statements";
    let mut max_remembered = 0;
    for round in 0..ROUNDS {
        emu.handle().generate_egress_events(50);
        match round % 3 {
            0 => emu.handle().inject_fault(Fault {
                path_prefix: statements.into(),
                status: 503,
                retry_after_secs: Some(0),
                times: 1,
            }),
            1 => emu.handle().inject_body_fault(BodyFault {
                path_prefix: statements.into(),
                method: Some("GET".into()),
                kind: FaultKind::ResetMidBody,
                times: 1,
            }),
            _ => emu.handle().inject_body_fault(BodyFault {
                path_prefix: statements.into(),
                method: None,
                kind: FaultKind::Latency { millis: 40 },
                times: 2,
            }),
        }
        let polled = h.app.state.egress.last_poll_ms;
        h.until("a poll after new rows", |a| {
            a.state.egress.last_poll_ms > polled || !a.state.egress.tailing
        })
        .await;
        if !h.app.state.egress.tailing {
            // A fault the retries could not absorb ends the tail with an error: resume it, as a user would with r.
            h.type_keys("r");
        }
        max_remembered = max_remembered.max(h.app.state.egress.cursor.lock().remembered());
    }
    // One clean poll after the last rows.
    emu.handle().clear_faults();
    let polled = h.app.state.egress.last_poll_ms;
    h.until("a final poll", |a| a.state.egress.last_poll_ms > polled)
        .await;
    h.until("another final poll", {
        let p = h.app.state.egress.last_poll_ms;
        move |a| a.state.egress.last_poll_ms > p
    })
    .await;

    let app_ids: Vec<&str> = h
        .app
        .state
        .egress
        .events
        .iter()
        .map(|e| e.event_id.as_str())
        .collect();
    let unique: HashSet<&str> = app_ids.iter().copied().collect();
    assert_eq!(unique.len(), app_ids.len(), "an event was shown twice");

    // Every row the warehouse holds, fetched with the app's own client.
    let wh = h.app.state.egress.warehouse.clone().unwrap();
    // Through the workspace the app reads through, with a token minted for it.
    let c = h.egress_workspace_client(&emu).await;
    let req = StatementRequest::new("SELECT event_id FROM system.access.outbound_network", &wh);
    let all = execute(&c, &req, &tokio_util::sync::CancellationToken::new())
        .await
        .unwrap();
    let table: HashSet<String> = all.rows.iter().filter_map(|r| r[0].clone()).collect();
    let missing: Vec<&String> = table
        .iter()
        .filter(|id| !unique.contains(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} rows never reached the app",
        missing.len(),
        table.len()
    );
    assert_eq!(h.app.state.egress.dropped, 0);
    // The cursor remembers only the overlap window, not everything it ever saw.
    assert!(max_remembered <= table.len());
}
