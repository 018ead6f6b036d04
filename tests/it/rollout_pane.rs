//! `:rollout`: a dry-run policy's denials as a checklist; two destinations chosen, enforced in
//! one reviewed change that says what stays blocked, and the policy on the server afterwards.

use crate::support::{self, Harness, quiet_emulator};
use crate::ui_snapshots::{connected_app, draw};
use dbx_tui::api::PolicyId;
use dbx_tui::api::network_policies::{self, EnforcementMode};
use dbx_tui::api::rollout::{DestinationKind, RolloutReport, RolloutRow, RolloutRun, Verdict};
use dbx_tui::api::sql::{Column, StatementResult};
use dbx_tui::api::timestamp::parse_timestamp_ms;
use dbx_tui::app::modal::Modal;
use dbx_tui::app::state::{Load, View};
use dbx_tui::emulator::Emulator;

fn policy() -> network_policies::NetworkPolicy {
    serde_json::from_value(serde_json::json!({
        "network_policy_id": "corp-egress",
        "egress": {"network_access": {
            "restriction_mode": "RESTRICTED_ACCESS",
            "allowed_internet_destinations": [{"destination": "pypi.org", "internet_destination_type": "DNS_NAME"}],
            "policy_enforcement": {"enforcement_mode": "DRY_RUN"}
        }}
    }))
    .unwrap()
}

fn fixed_run() -> RolloutRun {
    let groups = [
        ["api.openai.com", "DNS", "111", "DBSQL", "1204"],
        ["api.openai.com", "DNS", "222", "General Compute", "16"],
        ["pypi.org", "DNS", "111", "General Compute", "300"],
        ["pastebin.com", "DNS", "222", "General Compute", "3"],
        ["s3://raw-landing", "STORAGE", "111", "DBSQL", "42"],
    ];
    let names = [
        "dest",
        "destination_type",
        "workspace_id",
        "product",
        "n",
        "first_seen",
        "last_seen",
    ];
    let result = StatementResult {
        statement_id: "s".into(),
        columns: names
            .iter()
            .map(|n| Column {
                name: (*n).into(),
                type_name: "STRING".into(),
            })
            .collect(),
        rows: groups
            .iter()
            .map(|g| {
                let mut r: Vec<Option<String>> = g.iter().map(|c| Some((*c).to_owned())).collect();
                r.push(Some("2026-11-24T08:00:00Z".into()));
                r.push(Some("2026-11-30T17:45:00Z".into()));
                r
            })
            .collect(),
        truncated: false,
        gaps: Vec::new(),
    };
    let p = policy();
    let rows = dbx_tui::api::rollout::fold(&result, &p).unwrap();
    let ws = vec![
        ("111".into(), "prod-analytics".into()),
        ("222".into(), "staging-data-eng".into()),
    ];
    RolloutRun {
        report: RolloutReport::new(
            &p,
            parse_timestamp_ms("2026-11-24T00:00:00Z").unwrap(),
            ws,
            rows,
            false,
            true,
        ),
        warehouse: Some(("wh1".into(), "Serverless Starter".into())),
    }
}

#[test]
fn the_checklist_marks_what_would_be_blocked_and_what_is_chosen() {
    let mut app = connected_app();
    app.state.size = (130, 20);
    app.state.rollout.policy = Some(PolicyId("corp-egress".into()));
    app.state.rollout.run = Some(fixed_run());
    app.state.rollout.load = Load::Loaded;
    app.state.view = View::Rollout;
    app.state.rollout.rebuild();
    // The first row (most denials) chosen with space; the cursor moves on.
    app.handle_key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char(' '),
    ));
    assert_eq!(app.state.rollout.chosen.len(), 1);
    assert_eq!(app.state.rollout.list.selected, 1);
    insta::assert_snapshot!(draw(&app));
}

/// Enter on a row shows the egress log filtered to that destination, as the pane's keys say
/// (the central dispatch used to send Enter to a generic "open" that did nothing here).
#[test]
fn enter_on_a_row_shows_the_log_filtered_to_that_destination() {
    let mut app = connected_app();
    app.state.rollout.policy = Some(PolicyId("corp-egress".into()));
    app.state.rollout.run = Some(fixed_run());
    app.state.rollout.load = Load::Loaded;
    app.state.view = View::Rollout;
    app.state.rollout.rebuild();
    app.handle_key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Down,
    ));
    let row = app.state.rollout.list.selected_index().unwrap();
    let destination = app.state.rollout.row(row).unwrap().destination.clone();
    app.handle_key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Enter,
    ));
    assert_eq!(app.state.view, View::Egress);
    assert_eq!(app.state.egress.list.filter, destination);
}

/// An emulator with 3,000 generated egress events, and the app showing the rollout report of the
/// first account's dry-run policy (whose id is returned).
async fn rollout_of_a_dry_run_policy() -> (Emulator, String, Harness) {
    let emu = quiet_emulator().await;
    assert!(emu.handle().generate_egress_events(3000) > 0);
    let profile = support::profiles(&emu).remove(0);
    let (policy, _) = crate::policy_rollout::dry_run_policy(&profile).await;
    let id = policy.id().to_owned();
    let mut h = Harness::new(&emu).await;
    h.keys(&format!(":rollout {id}\n")).await;
    h.until("the rollout report", |a| {
        a.state.rollout.load == Load::Loaded
    })
    .await;
    (emu, id, h)
}

fn rows_of(h: &Harness) -> Vec<RolloutRow> {
    h.app.state.rollout.rows().to_vec()
}

#[tokio::test]
async fn choose_two_destinations_enforce_review_and_the_server_holds_it() {
    let (emu, id, mut h) = rollout_of_a_dry_run_policy().await;
    assert_eq!(h.app.state.view, View::Rollout);
    let screen = h.screen();
    assert!(screen.contains("would block"), "{screen}");

    // Two DNS destinations chosen with space.
    let dns: Vec<usize> = rows_of(&h)
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.kind == DestinationKind::Dns
                && r.storage.is_none()
                && r.verdict == Verdict::WouldBlock
        })
        .map(|(i, _)| i)
        .take(2)
        .collect();
    assert_eq!(dns.len(), 2, "two blocked DNS destinations in the demo log");
    let chosen: Vec<String> = dns
        .iter()
        .map(|&i| rows_of(&h)[i].destination.clone())
        .collect();
    for &i in &dns {
        let pos = h
            .app
            .state
            .rollout
            .list
            .visible
            .iter()
            .position(|&v| v == i)
            .unwrap();
        h.app.state.rollout.list.selected = pos;
        h.type_keys(" ");
    }
    assert_eq!(h.app.state.rollout.chosen.len(), 2);

    // One reviewed change: both allows and the switch to enforced, with what stays blocked.
    h.type_keys("w");
    h.until("the review", |a| {
        matches!(a.state.modal, Some(Modal::Review { .. }))
    })
    .await;
    let review = h.screen();
    assert!(
        review.contains("Rollout report: after this change"),
        "{review}"
    );
    assert!(review.contains("would be blocked"), "{review}");
    for d in &chosen {
        assert!(review.contains(&format!("allow {d}")), "{review}");
    }
    assert!(review.contains("enforcement → ENFORCED"), "{review}");
    h.type_keys("y");
    h.until("the write, then the log", |a| a.state.view == View::Egress)
        .await;
    let flash = h.app.state.flash.clone().unwrap_or_default();
    assert!(flash.contains("ENFORCED since"), "{flash}");
    // The log marks what comes after the change, in the policy's workspaces.
    let (marked, _, ws) = h.app.state.egress.enforced_mark.clone().expect("a mark");
    assert_eq!(marked, id);
    assert!(!ws.is_empty());
    h.assert_shows(&format!("{id} enforced at"));

    // The server holds both destinations, enforced.
    let (c, account) = support::admin_client(&emu);
    let now = network_policies::get(&c, &account, &PolicyId(id.clone()))
        .await
        .unwrap();
    assert_eq!(now.enforcement_mode(), EnforcementMode::Enforced);
    for d in &chosen {
        assert!(
            now.internet_destinations()
                .iter()
                .any(|x| &x.destination == d),
            "{d}"
        );
    }
}

#[tokio::test]
async fn a_change_made_elsewhere_during_the_review_is_a_conflict_and_nothing_is_written() {
    let (emu, id, mut h) = rollout_of_a_dry_run_policy().await;
    h.type_keys("w");
    h.until("the review", |a| {
        matches!(a.state.modal, Some(Modal::Review { .. }))
    })
    .await;

    // Another admin allows a domain while the review is open.
    let theirs = support::allow_elsewhere(&emu, &id, "their-change.example.com").await;
    let (c, account) = support::admin_client(&emu);

    h.type_keys("y");
    h.until("the conflict", |a| {
        matches!(a.state.modal, Some(Modal::Conflict { .. }))
    })
    .await;
    let now = network_policies::get(&c, &account, &PolicyId(id.clone()))
        .await
        .unwrap();
    assert_eq!(now, theirs, "their change stands and ours was not written");
    assert_eq!(now.enforcement_mode(), EnforcementMode::DryRun);
}

/// The whole rollout in the real binary on `--demo`: open the report of a dry-run policy, choose
/// two DNS destinations, review (which says what stays blocked), apply, and see it enforced.
#[cfg(unix)]
#[test]
fn demo_rollout_from_dry_run_to_enforced_in_the_terminal() {
    use crate::support::pty::Tui;
    use std::time::Duration;
    let mut tui = Tui::start(&["--demo"]);
    tui.wait_for("Workspaces (");
    tui.send(":rollout ml-serving-lockdown\r");
    tui.wait_until("the report", Duration::from_secs(30), |s| {
        s.contains("Destinations (") && s.contains("would block")
    });
    // DNS rows only (their kind is in the filter text), then two of them chosen.
    tui.send("/dns\r");
    tui.wait_for("/dns");
    tui.send("  ");
    tui.wait_for("chosen to allow 2");
    tui.send("w");
    tui.wait_until("the review", Duration::from_secs(30), |s| {
        s.contains("Rollout report: after this change")
    });
    let review = tui.screen();
    assert!(review.contains("enforcement → ENFORCED"), "{review}");
    tui.send("y");
    tui.wait_until("the write, then the log", Duration::from_secs(30), |s| {
        s.contains("ml-serving-lockdown enforced at")
    });
    tui.send(":np\r");
    tui.wait_until("the policy enforced", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains("ml-serving-lockdown") && l.contains("ENFORCED"))
    });
    tui.send(":q\r");
    assert!(tui.wait_exit().success());
}
