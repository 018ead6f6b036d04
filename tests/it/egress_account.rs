//! The egress log from an account profile: accounts hosts serve no SQL, so the log is read
//! through a workspace with a token minted for it; each account sees only its own events; one
//! bad page or chunk does not end a load; and the log belongs to the profile across `:ctx`.

use crate::support;

use dbx_tui::api::ApiClient;
use dbx_tui::api::scim::ScimScope;
use dbx_tui::api::scim_load::{LoadQuery, load_all};
use dbx_tui::api::sql::RowGap;
use dbx_tui::app::state::View;
use dbx_tui::emulator::{BodyFault, Emulator, EmulatorOptions, FaultKind};
use std::collections::HashSet;
use std::time::Duration;
use support::{Harness, profiles, quiet_emulator};

fn account_client(emu: &Emulator, i: usize) -> (ApiClient, String) {
    let p = profiles(emu).remove(i);
    let acc = p.account_id.clone().unwrap();
    let auth = dbx_tui::auth::provider_for(&p).unwrap();
    (
        ApiClient::new(dbx_tui::api::client::http_client(), &emu.base_url(), auth),
        acc,
    )
}

fn fault(prefix: &str, method: Option<&str>, kind: FaultKind, times: usize) -> BodyFault {
    BodyFault {
        path_prefix: prefix.into(),
        method: method.map(str::to_owned),
        kind,
        times,
    }
}

#[tokio::test]
async fn the_accounts_host_serves_no_sql() {
    let emu = quiet_emulator().await;
    // The account profile's own client (an account-audience OAuth token) on the SQL API.
    let (c, _) = account_client(&emu, 0);
    let err = dbx_tui::api::sql::list_warehouses(&c).await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
    assert!(
        err.to_string().contains("ENDPOINT_NOT_FOUND")
            || err.user_message().contains("No API found"),
        "{err}"
    );
    // The account's static admin token, naming no workspace: also the accounts host.
    let a = emu.accounts().remove(0);
    let r = crate::support::http()
        .get(format!("{}/api/2.0/sql/warehouses", emu.base_url()))
        .bearer_auth(&a.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error_code"], "ENDPOINT_NOT_FOUND", "{body}");
}

#[tokio::test]
async fn each_account_reads_only_its_own_events() {
    let emu = quiet_emulator().await;
    assert!(emu.handle().generate_egress_events(600) > 0);
    let http = crate::support::http();
    let mut seen_accounts = 0;
    for a in emu.accounts() {
        // Workspace ids of this account, from the account API.
        let list: Vec<serde_json::Value> = http
            .get(format!(
                "{}/api/2.0/accounts/{}/workspaces",
                emu.base_url(),
                a.account_id
            ))
            .bearer_auth(&a.admin_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ours: HashSet<String> = list
            .iter()
            .map(|w| w["workspace_id"].as_i64().unwrap().to_string())
            .collect();
        let ws: i64 = ours.iter().next().unwrap().parse().unwrap();
        let wh = emu.handle().warehouse_ids(ws).remove(0);
        let body = serde_json::json!({
            "statement": "SELECT account_id, workspace_id FROM system.access.outbound_network",
            "warehouse_id": wh, "wait_timeout": "30s",
        });
        let r: serde_json::Value = http
            .post(format!("{}/api/2.0/sql/statements", emu.base_url()))
            .bearer_auth(&a.admin_token)
            .header("X-Databricks-Workspace-Id", ws.to_string())
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["status"]["state"], "SUCCEEDED", "{r}");
        let rows = r["result"]["data_array"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for row in &rows {
            assert_eq!(
                row[0],
                a.account_id.as_str(),
                "another account's event: {row}"
            );
            assert!(ours.contains(row[1].as_str().unwrap()), "{row}");
        }
        seen_accounts += usize::from(!rows.is_empty());
    }
    assert!(
        seen_accounts >= 2,
        "events of several accounts were generated"
    );
}

#[tokio::test]
async fn egress_on_an_account_profile_reads_through_a_workspace() {
    let emu = quiet_emulator().await;
    assert!(emu.handle().generate_egress_events(400) > 0);
    let mut h = Harness::new(&emu).await;
    h.app.state.egress.interval = Duration::from_millis(100);
    h.type_keys(":egress\n");
    h.until("rows read through a workspace", |a| {
        !a.state.egress.events.is_empty() && a.state.egress.via.is_some()
    })
    .await;
    let via = h.app.state.egress.via.clone().unwrap();
    // The warehouse belongs to that workspace, and the header says both.
    let wh = h.app.state.egress.warehouse.clone().unwrap();
    assert!(emu.handle().warehouse_ids(via.workspace_id.0).contains(&wh));
    let screen = h.screen();
    assert!(screen.contains("through workspace"), "{screen}");
    assert!(screen.contains(&via.workspace_name), "{screen}");
    assert!(!screen.contains("STOPPED"), "{screen}");

    // L in the workspaces pane picks another workspace, remembered for this profile (0600).
    h.keys(":ws\n").await;
    let other = h
        .app
        .state
        .workspaces
        .iter()
        .position(|w| {
            w.workspace_id != via.workspace_id
                && !emu.handle().warehouse_ids(w.workspace_id.0).is_empty()
        })
        .expect("another workspace with a warehouse");
    let other_id = h.app.state.workspaces[other].workspace_id;
    h.type_keys(&format!(
        "/{}\n",
        h.app.state.workspaces[other].workspace_name
    ));
    h.keys("L").await;
    assert_eq!(
        h.app.state.egress.via.as_ref().map(|v| v.workspace_id),
        Some(other_id)
    );
    let file = h.dir.path().join("egress-workspaces.json");
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["demo-aws"], other_id.0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[tokio::test]
async fn a_truncated_page_mid_load_keeps_what_was_loaded_and_the_rest() {
    let emu = support::emulator_with(EmulatorOptions {
        generated_service_principals: 450,
        egress_events_per_sec: 0.0,
        egress_backfill: 0,
        ..EmulatorOptions::default()
    })
    .await;
    let (c, acc) = account_client(&emu, 0);
    let c = c.with_retry(dbx_tui::api::retry::RetryPolicy {
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
        ..Default::default()
    });
    let scope = ScimScope::Account(acc.clone());
    let path = format!("/api/2.0/accounts/{acc}/scim/v2/ServicePrincipals");
    let full = load_all(&c, &scope, &LoadQuery::default(), 1, |_, _| {})
        .await
        .unwrap();
    assert!(full.gaps.is_empty());

    // After the first page, the second fails every time it is asked for.
    let handle = emu.handle();
    let mut rows = 0;
    let mut armed = false;
    let summary = load_all(&c, &scope, &LoadQuery::default(), 1, |page, _| {
        rows += page.len();
        if !armed {
            armed = true;
            handle.inject_body_fault(fault(&path, Some("GET"), FaultKind::Truncated, 3));
        }
    })
    .await
    .expect("one bad page does not end the load");
    assert_eq!(
        summary.gaps,
        vec![RowGap {
            row_offset: 100,
            row_count: 100
        }]
    );
    assert_eq!(summary.loaded, full.loaded - 100);
    assert_eq!(rows, full.loaded - 100);
    assert_eq!(
        dbx_tui::api::sql::describe_gaps(&summary.gaps).unwrap(),
        "rows 101–200 could not be read"
    );

    // A page that fails once is read again: nothing missing.
    let mut armed = false;
    let summary = load_all(&c, &scope, &LoadQuery::default(), 1, |_, _| {
        if !armed {
            armed = true;
            handle.inject_body_fault(fault(&path, Some("GET"), FaultKind::Truncated, 1));
        }
    })
    .await
    .unwrap();
    assert!(summary.gaps.is_empty());
    assert_eq!(summary.loaded, full.loaded);
}

#[tokio::test]
async fn a_truncated_chunk_is_a_gap_and_the_tail_goes_on() {
    let emu = support::emulator_with(EmulatorOptions {
        egress_events_per_sec: 0.0,
        egress_backfill: 0,
        warehouse_start_delay: Duration::ZERO,
        sql_statement_delay: Duration::ZERO,
        sql_chunk_rows: 20,
        ..EmulatorOptions::default()
    })
    .await;
    assert!(emu.handle().generate_egress_events(600) > 60);
    let mut h = Harness::new(&emu).await;
    h.app.state.egress.interval = Duration::from_millis(100);
    h.type_keys(":egress\n");
    h.until("the first events", |a| !a.state.egress.events.is_empty())
        .await;
    let before = h.app.state.egress.events.len();
    // Every GET of a statement is a result chunk (statements finish within the submit call).
    emu.handle().inject_body_fault(fault(
        "/api/2.0/sql/statements/",
        Some("GET"),
        FaultKind::Truncated,
        dbx_tui::api::sql_chunks::CHUNK_ATTEMPTS as usize,
    ));
    // New rows: the next poll's page of them comes in chunks (a poll reads only new rows).
    assert!(emu.handle().generate_egress_events(600) > 60);
    h.until("a gap is reported", |a| a.state.egress.gap.is_some())
        .await;
    let gap = h.app.state.egress.gap.clone().unwrap();
    assert!(
        gap.starts_with("rows ") && gap.ends_with("could not be read"),
        "{gap}"
    );
    assert!(h.app.state.egress.tailing, "the tail goes on");
    assert!(
        h.app.state.egress.events.len() >= before,
        "what was loaded stays"
    );
    h.assert_shows("could not be read");
    // New blocks arrive on the next ticks.
    let n = h.app.state.egress.events.len();
    assert!(emu.handle().generate_egress_events(600) > 0);
    h.until("new rows after the gap", move |a| {
        a.state.egress.events.len() > n
    })
    .await;
    h.assert_shows("every ");
}

#[tokio::test]
async fn switching_profiles_switches_the_egress_log_and_back_resumes_it() {
    let emu = quiet_emulator().await;
    assert!(emu.handle().generate_egress_events(600) > 0);
    let mut h = Harness::new(&emu).await;
    h.app.state.egress.interval = Duration::from_millis(100);
    h.type_keys(":egress\n");
    h.until("AWS rows", |a| !a.state.egress.events.is_empty())
        .await;
    let aws_wh = h.app.state.egress.warehouse.clone().unwrap();
    let aws_via = h.app.state.egress.via.clone().unwrap();
    let aws_ws: HashSet<String> = h
        .app
        .state
        .workspaces
        .iter()
        .map(|w| w.workspace_id.to_string())
        .collect();

    h.type_keys(":ctx demo-azure\n");
    h.type_keys(":egress\n");
    h.until("Azure rows", |a| {
        a.state
            .session
            .as_ref()
            .is_some_and(|s| s.profile == "demo-azure")
            && !a.state.egress.events.is_empty()
    })
    .await;
    assert_ne!(
        h.app.state.egress.warehouse.as_deref(),
        Some(aws_wh.as_str())
    );
    assert!(
        h.app
            .state
            .egress
            .events
            .iter()
            .all(|e| !aws_ws.contains(&e.workspace_id)),
        "no AWS rows on the Azure profile"
    );

    h.type_keys(":ctx demo-aws\n");
    h.type_keys(":egress\n");
    let polled = h.app.state.egress.last_poll_ms;
    h.until("the AWS tail resumes", move |a| {
        a.state
            .session
            .as_ref()
            .is_some_and(|s| s.profile == "demo-aws")
            && a.state.egress.tailing
            && a.state.egress.last_poll_ms > polled
    })
    .await;
    assert_eq!(
        h.app.state.egress.warehouse.as_deref(),
        Some(aws_wh.as_str())
    );
    assert_eq!(h.app.state.egress.via.as_ref(), Some(&aws_via));
    assert!(
        h.app.state.egress.poll_failed.is_none(),
        "{:?}",
        h.app.state.egress.poll_failed
    );

    // An allow from the log works on the AWS profile, with the AWS warehouse still polling.
    h.keys(":ws\n").await;
    h.type_keys(":egress\n");
    h.until("AWS rows again", |a| !a.state.egress.events.is_empty())
        .await;
    let target = h
        .app
        .state
        .egress
        .events
        .iter()
        .find(|e| e.destination_type == "DNS" && !e.destination.contains("amazonaws"))
        .unwrap()
        .clone();
    h.type_keys(&format!("/{}\n", target.destination));
    h.type_keys("a");
    assert_eq!(
        h.app.state.view,
        View::PolicyDetail,
        "{:?}",
        h.app.state.flash
    );
    h.settle().await;
    assert!(
        h.app.state.last_error.is_none(),
        "{:?}",
        h.app.state.last_error
    );
}

#[cfg(unix)]
#[test]
fn pty_egress_on_the_demo_account_profile_reads_through_a_workspace() {
    let mut tui = support::pty::Tui::start(&["--demo"]);
    tui.wait_for("Workspaces (");
    tui.send(":egress\r");
    tui.wait_until(
        "egress rows read through a workspace",
        Duration::from_secs(30),
        |s| s.contains("through workspace") && (s.contains("BLOCKED") || s.contains("DRY RUN")),
    );
    tui.send("q");
    assert!(tui.wait_exit().success());
}
