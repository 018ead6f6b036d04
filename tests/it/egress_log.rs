//! The egress block log end to end: the tail shows blocks of a domain, `a` + review + `y`
//! allows it, and the tail shows no new blocks for it afterwards.

use crate::support;

use dbx_tui::api::egress::AccessType;
use dbx_tui::app::egress::EgressTab;
use dbx_tui::app::modal::Modal;
use dbx_tui::app::state::View;
use std::collections::HashSet;
use std::time::Duration;
use support::{Harness, quiet_emulator};

/// Events for `dest` on workspaces bound to `policy` (other policies may still block it).
fn count_for(h: &Harness, dest: &str, policy: &str) -> usize {
    let s = &h.app.state;
    s.egress
        .events
        .iter()
        .filter(|e| e.destination == dest)
        .filter(|e| {
            e.workspace_id
                .parse::<i64>()
                .ok()
                .and_then(|id| s.binding_of(dbx_tui::api::WorkspaceId(id)))
                .map(dbx_tui::api::PolicyId::as_str)
                == Some(policy)
        })
        .count()
}

#[tokio::test]
async fn see_blocks_allow_the_domain_and_the_blocks_stop() {
    let emu = quiet_emulator().await;
    let acc = emu.accounts()[0].account_id.clone();
    assert!(emu.handle().generate_egress_events(400) > 0);
    let mut h = Harness::new(&emu).await;
    h.app.state.egress.interval = Duration::from_millis(100);
    h.keys(":ws\n").await;
    h.type_keys(":egress\n");
    h.until("the first events", |a| {
        !a.state.egress.events.is_empty()
            && a.state.egress.summary_load == dbx_tui::app::state::Load::Loaded
    })
    .await;
    assert_eq!(h.app.state.view, View::Egress);
    let screen = h.screen();
    assert!(screen.contains("Egress block log: events"), "{screen}");
    assert!(screen.contains("BLOCKED"), "{screen}");

    // A DNS destination blocked (DROP) on a workspace of this account whose binding is known.
    let ours: HashSet<String> = h
        .app
        .state
        .workspaces
        .iter()
        .map(|w| w.workspace_id.to_string())
        .collect();
    let target = h
        .app
        .state
        .egress
        .events
        .iter()
        .find(|e| {
            e.access_type == AccessType::Drop
                && e.destination_type == "DNS"
                && ours.contains(&e.workspace_id)
                && !e.destination.contains("amazonaws")
        })
        .expect("a blocked DNS event on this account")
        .clone();
    let target_ws = dbx_tui::api::WorkspaceId(target.workspace_id.parse().unwrap());
    let target_policy = h.app.state.binding_of(target_ws).unwrap().to_string();
    let before = count_for(&h, &target.destination, &target_policy);
    assert!(before > 0);

    // Find it with the filter, then one key to allow it.
    h.type_keys(&format!("/{}\n", target.destination));
    h.type_keys("a");
    assert_eq!(h.app.state.view, View::PolicyDetail);
    h.settle().await;
    assert!(
        matches!(h.app.state.modal, Some(Modal::Review { .. })),
        "{:?} {:?}",
        h.app.state.modal,
        h.app.state.flash
    );
    assert!(
        h.screen()
            .contains(&format!("allow {}", target.destination)),
        "{}",
        h.screen()
    );
    h.keys("y").await;
    h.assert_nothing_pending();
    let policy = h.app.state.detail.id.clone().unwrap();
    let held = emu.handle().policy_raw(&acc, policy.as_str()).unwrap();
    assert!(
        held.to_string()
            .contains(&format!("\"{}\"", target.destination)),
        "{held}"
    );

    // New traffic: the allowed domain no longer shows up.
    let polled = h.app.state.egress.last_poll_ms;
    assert!(emu.handle().generate_egress_events(400) > 0);
    h.type_keys(":egress\n");
    h.until("a poll after the allow", |a| {
        a.state.egress.last_poll_ms > polled
    })
    .await;
    h.until("another poll", {
        let p = h.app.state.egress.last_poll_ms;
        move |a| a.state.egress.last_poll_ms > p
    })
    .await;
    assert_eq!(policy.as_str(), target_policy);
    assert_eq!(
        count_for(&h, &target.destination, &target_policy),
        before,
        "blocks of an allowed domain must stop"
    );
    assert!(!h.app.state.egress.events.is_empty());
}

#[tokio::test]
async fn by_destination_counts_pause_and_window() {
    let emu = quiet_emulator().await;
    emu.handle().generate_egress_events(300);
    let mut h = Harness::new(&emu).await;
    h.app.state.egress.interval = Duration::from_millis(100);
    h.type_keys(":egress\n");
    h.until("the aggregate", |a| !a.state.egress.summary.is_empty())
        .await;
    h.key(crossterm::event::KeyCode::Tab);
    assert_eq!(h.app.state.egress.tab, EgressTab::ByDestination);
    let e = &h.app.state.egress;
    let counts: Vec<u64> = e.summary.iter().map(|s| e.count_of(s)).collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "sorted by count: {counts:?}"
    );
    let screen = h.screen();
    for col in [
        "DESTINATION",
        "COUNT",
        "FIRST SEEN",
        "LAST SEEN",
        "WORKSPACES",
        "POLICY",
        "by destination",
    ] {
        assert!(screen.contains(col), "{col} missing:\n{screen}");
    }

    // Pause stops polling; resume restarts it.
    h.type_keys("p");
    assert!(h.app.state.egress.paused);
    assert!(!h.app.state.egress.tailing);
    h.assert_shows("[paused");
    h.type_keys("p");
    assert!(h.app.state.egress.tailing);

    h.type_keys(":since 7d\n");
    assert_eq!(
        h.app.state.egress.window,
        dbx_tui::api::egress::AggregateWindow::Last7Days
    );
    h.until("the 7-day aggregate", |a| {
        !a.state.egress.summary.is_empty()
    })
    .await;
    let week: u64 = h.app.state.egress.summary.iter().map(|s| s.count).sum();

    // Any window: the warehouse counts over exactly that span, bound as `:since`.
    h.type_keys(":since 3h\n");
    assert_eq!(
        h.app.state.egress.window,
        dbx_tui::api::egress::AggregateWindow::Last(3 * 3_600_000)
    );
    h.until("the 3-hour aggregate", |a| {
        a.state.egress.summary_load == dbx_tui::app::state::Load::Loaded
    })
    .await;
    let hours: u64 = h.app.state.egress.summary.iter().map(|s| s.count).sum();
    // (This log's events are all recent, so the two may be equal; never more.)
    assert!(hours <= week, "3 h ({hours}) within a week ({week})");
    h.assert_shows("window 3 h");
    // Leaving the pane cancels the tail.
    h.keys(":np\n").await;
    assert!(!h.app.state.egress.tailing);
}
