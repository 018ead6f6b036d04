//! Workspace routing: a unified host serves many workspaces and routes a workspace-level call by
//! `X-Databricks-Workspace-Id`. The emulator as a unified host refuses a call that names no
//! workspace; the app sends the profile's `workspace_id`, or the one the host's
//! `/.well-known/databricks-config` names, read once per connection.

use crate::support;

use dbx_tui::api::{ApiError, scim, sql};
use dbx_tui::config::{Profile, ProfileSource};
use dbx_tui::connect::Connection;
use dbx_tui::emulator::{Emulator, EmulatorOptions, Fault};

async fn unified() -> Emulator {
    let opts = EmulatorOptions {
        unified_host: true,
        egress_events_per_sec: 0.0,
        egress_backfill: 0,
        ..EmulatorOptions::default()
    };
    support::emulator_with(opts).await
}

/// A workspace profile with the demo account's workspace PAT, `workspace_id` as given.
fn pat_profile(emu: &Emulator, workspace_id: Option<i64>) -> (Profile, i64) {
    let a = support::aws_account(emu);
    let (ws, token) = a.workspace_pat.unwrap();
    let mut p = Profile::empty("ws", ProfileSource::Demo);
    p.host = Some(emu.base_url());
    p.workspace_id = workspace_id.map(|w| w.to_string());
    p.token = Some(token.into());
    (p, ws)
}

#[tokio::test]
async fn a_unified_host_refuses_a_workspace_call_that_names_no_workspace() {
    let emu = unified().await;
    let a = support::aws_account(&emu);
    let (ws, pat) = a.workspace_pat.clone().unwrap();
    let c = crate::support::http();
    let me = format!("{}/api/2.0/preview/scim/v2/Me", emu.base_url());
    // Neither a workspace PAT nor an account-wide token lands on some workspace by default.
    for token in [&pat, &a.admin_token] {
        let r = c.get(&me).bearer_auth(token).send().await.unwrap();
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(status, 400, "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("X-Databricks-Workspace-Id"),
            "{body}"
        );
    }
    let r = c
        .get(&me)
        .bearer_auth(&pat)
        .header("X-Databricks-Workspace-Id", ws.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn the_app_sends_the_profiles_workspace_id_on_workspace_calls() {
    let emu = unified().await;
    let (p, ws) = pat_profile(&emu, None);
    let (with_id, _) = pat_profile(&emu, Some(ws));

    // Without a workspace id the unified host refuses, naming the header.
    let conn = Connection::open(&p).unwrap();
    let err = scim::me(&conn.client).await.unwrap_err();
    assert!(
        matches!(&err, ApiError::Http { status: 400, .. })
            && err.to_string().contains("X-Databricks-Workspace-Id"),
        "{err}"
    );

    let conn = Connection::open(&with_id).unwrap();
    let me = scim::me(&conn.client).await.unwrap();
    assert!(me.user_name.is_some(), "{me:?}");
    sql::list_warehouses(&conn.client).await.unwrap();
}

#[tokio::test]
async fn the_workspace_named_by_the_host_metadata_is_used_and_read_once() {
    let emu = unified().await;
    let (p, ws) = pat_profile(&emu, None);
    // A workspace host names its workspace in /.well-known/databricks-config.
    emu.handle().set_host_workspace_id(Some(ws));
    let conn = Connection::open(&p).unwrap();
    scim::me(&conn.client).await.unwrap();
    sql::list_warehouses(&conn.client).await.unwrap();
    assert_eq!(
        emu.handle().request_count("/.well-known/databricks-config"),
        1
    );
    let meta = conn
        .client
        .routing()
        .unwrap()
        .host_metadata(conn.client.http(), conn.client.base())
        .await
        .cloned()
        .unwrap();
    assert_eq!(meta.host_type.as_deref(), Some("WORKSPACE_HOST"));
    assert_eq!(meta.workspace_id, Some(ws.to_string()));
}

#[tokio::test]
async fn a_host_without_metadata_is_a_classic_host() {
    let emu = support::emulator_with(EmulatorOptions {
        egress_events_per_sec: 0.0,
        egress_backfill: 0,
        ..EmulatorOptions::default()
    })
    .await;
    emu.handle().inject_fault(Fault {
        path_prefix: "/.well-known/databricks-config".into(),
        status: 404,
        retry_after_secs: None,
        times: 1,
    });
    let (p, _) = pat_profile(&emu, None);
    let conn = Connection::open(&p).unwrap();
    scim::me(&conn.client).await.unwrap();
    let routing = conn.client.routing().unwrap();
    assert!(
        routing
            .host_metadata(conn.client.http(), conn.client.base())
            .await
            .is_none()
    );
}
