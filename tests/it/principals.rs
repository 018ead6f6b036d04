//! The service-principals pane end to end: keystrokes into the real App, the real actor, HTTP to
//! the emulator, and what the emulator holds afterwards.

use crate::support;

use dbx_tui::actor::{ActorEvent, Payload};
use dbx_tui::app::state::{Load, View};
use dbx_tui::emulator::{Emulator, EmulatorOptions};
use serde_json::Value;
use std::collections::HashSet;
use std::time::{Duration, SystemTime};
use support::{Harness, emulator};

pub(crate) fn account(emu: &Emulator) -> (String, String) {
    let a = support::aws_account(emu);
    (a.account_id, a.admin_token)
}

/// GET an account API path with the admin token, straight from the emulator.
pub(crate) async fn get(emu: &Emulator, path: &str) -> (u16, Value) {
    let (acc, token) = account(emu);
    let url = format!("{}/api/2.0/accounts/{acc}{path}", emu.base_url());
    let resp = crate::support::http()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub(crate) async fn sp_on_emulator(emu: &Emulator, id: &str) -> (u16, Value) {
    get(emu, &format!("/scim/v2/ServicePrincipals/{id}")).await
}

pub(crate) async fn secret_ids(emu: &Emulator, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let q = token
            .as_ref()
            .map(|t| format!("?page_token={t}"))
            .unwrap_or_default();
        let (s, v) = get(
            emu,
            &format!("/servicePrincipals/{id}/credentials/secrets{q}"),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        out.extend(
            v["secrets"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_owned()),
        );
        match v["next_page_token"].as_str() {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => return out,
        }
    }
}

/// Dates and day counts move with the calendar (the emulator shifts its seed to today).
pub(crate) fn mask_dates(s: &str) -> String {
    let b: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        // 2026-09-22T22:00:00Z
        let is_date = i + 20 <= b.len()
            && b[i..i + 4].iter().all(char::is_ascii_digit)
            && b[i + 4] == '-'
            && b[i + 10] == 'T'
            && b[i + 19] == 'Z';
        if is_date {
            out.push_str("<date>              ");
            i += 20;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    // "in 123d", "expires in 12 days", "expired 3 days ago"
    let mut masked = String::new();
    for line in out.lines() {
        let mut words: Vec<String> = Vec::new();
        let parts: Vec<&str> = line.split(' ').collect();
        for (k, w) in parts.iter().enumerate() {
            let prev = if k > 0 { parts[k - 1] } else { "" };
            let digits_then = |suffix: &str| {
                w.strip_suffix(suffix)
                    .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
            };
            if (prev == "in" && digits_then("d"))
                || ((prev == "in" || prev == "expired")
                    && w.chars().all(|c| c.is_ascii_digit())
                    && !w.is_empty())
            {
                words.push("#".repeat(w.len()));
            } else {
                words.push((*w).to_owned());
            }
        }
        masked.push_str(&words.join(" "));
        masked.push('\n');
    }
    masked
}

pub(crate) async fn harness(emu: &Emulator) -> Harness {
    let mut h = Harness::new(emu).await;
    h.app.state.now = SystemTime::now();
    h
}

/// `:sp`, then `/name` and check the selected row.
pub(crate) async fn find(h: &mut Harness, name: &str) -> String {
    if h.app.state.view != View::Principals {
        h.keys(":sp\n").await;
    }
    h.keys(&format!("/{name}\n")).await;
    let sp = h
        .app
        .state
        .principals
        .selected()
        .expect("a principal is selected")
        .clone();
    assert_eq!(sp.name(), name);
    sp.id
}

#[tokio::test]
async fn list_streams_sorts_and_snapshots() {
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    h.keys(":sp\n").await;
    let p = &h.app.state.principals;
    assert_eq!(p.load, Load::Loaded);
    assert_eq!(p.rows.len(), 150);
    let screen = h.screen();
    assert!(screen.contains("Service principals (150)"), "{screen}");
    assert!(screen.contains("NAME ▲"), "{screen}");
    // Secrets of the visible rows only, never of all 150.
    assert!(
        p.secrets.len() >= 20 && p.secrets.len() < 60,
        "{}",
        p.secrets.len()
    );
    // An unknown expiry is a lone `…` cell (cut text ends in `…` too, but inside a word).
    assert!(
        !screen.contains(" … "),
        "visible expiries should be known: {screen}"
    );
    insta::assert_snapshot!("principals_list", mask_dates(&h.body()));

    // Sort by the next column (application id), then flip it.
    h.keys("o").await;
    assert!(h.screen().contains("APPLICATION ID ▲"));
    let first = h
        .app
        .state
        .principals
        .selected()
        .unwrap()
        .application_id
        .clone();
    h.keys("O").await;
    assert!(h.screen().contains("APPLICATION ID ▼"));
    h.keys("g").await;
    let top = h
        .app
        .state
        .principals
        .selected()
        .unwrap()
        .application_id
        .clone();
    assert!(
        top > first,
        "{top:?} should sort after {first:?} descending"
    );
}

#[tokio::test]
async fn find_by_filter_and_deactivate() {
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    let id = find(&mut h, "github-actions-deploy").await;
    h.type_keys("t");
    let screen = h.screen();
    assert!(
        screen.contains("Deactivate github-actions-deploy?"),
        "{screen}"
    );
    assert!(
        screen.contains("tokens and secrets stop working"),
        "{screen}"
    );
    // Anything but y cancels; nothing was written.
    h.keys("x").await;
    assert!(
        h.app.state.modal.is_some(),
        "an unknown key keeps the dialog"
    );
    h.keys("n").await;
    assert!(h.app.state.modal.is_none());
    assert_eq!(sp_on_emulator(&emu, &id).await.1["active"], true);

    h.keys("ty").await;
    assert_eq!(sp_on_emulator(&emu, &id).await.1["active"], false);
    h.assert_shows("deactivated");
    assert_eq!(
        h.app.state.principals.selected().unwrap().active,
        Some(false)
    );
    let (entries, _) = h.journal().read_all().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "deactivate_service_principal");
    assert_eq!(entries[0].policy_id, id);
    assert_eq!(entries[0].after.as_ref().unwrap()["active"], false);

    // And back on.
    h.keys("ty").await;
    assert_eq!(sp_on_emulator(&emu, &id).await.1["active"], true);
}

#[tokio::test]
async fn read_only_refuses_every_write() {
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    h.app.state.read_only = true;
    let id = find(&mut h, "dbt-cloud").await;
    for k in ["t", "n", "c", "E", "R", "+"] {
        h.keys(k).await;
        assert!(h.app.state.modal.is_none(), "{k} opened a dialog");
        assert!(
            h.screen().contains("read-only session"),
            "{k}: {}",
            h.screen()
        );
    }
    h.ctrl('d');
    assert!(h.app.state.modal.is_none());
    assert_eq!(sp_on_emulator(&emu, &id).await.1["active"], true);
}

#[tokio::test]
async fn detail_shows_attributes_workspaces_groups_and_secrets() {
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    find(&mut h, "github-actions-deploy").await;
    h.keys("\n").await;
    assert_eq!(h.app.state.view, View::PrincipalDetail);
    let screen = h.screen();
    for expected in [
        "Service principal github-actions-deploy",
        "application id",
        "Workspaces (permission)",
        "USER",
        "OAuth secrets",
        "expires in",
        "ACTIVE",
    ] {
        assert!(
            screen.contains(expected),
            "detail lacks {expected}:\n{screen}"
        );
    }
    let d = &h.app.state.principals.detail;
    let Some(Ok(rows)) = &d.assignments else {
        panic!("assignments: {:?}", d.assignments)
    };
    assert_eq!(rows.iter().filter(|r| !r.permissions.is_empty()).count(), 1);
    assert_eq!(h.app.state.principals.detail_secrets().unwrap().len(), 2);
    insta::assert_snapshot!("principal_detail", mask_dates(&h.body()));
    h.keys("\x1b").await;
    assert_eq!(h.app.state.view, View::Principals);
}

#[tokio::test]
async fn server_side_filter_and_clear() {
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    h.keys(":sp\n").await;
    h.keys(":filter displayName co \"dbt\"\n").await;
    let p = &h.app.state.principals;
    assert_eq!(p.server_filter.as_deref(), Some("displayName co \"dbt\""));
    assert!(!p.rows.is_empty() && p.rows.len() < 150, "{}", p.rows.len());
    assert!(p.rows.iter().all(|r| r.name().contains("dbt")));
    h.assert_shows("where displayName co \"dbt\"");
    h.keys(":filter\n").await;
    assert_eq!(h.app.state.principals.server_filter, None);
    assert_eq!(h.app.state.principals.rows.len(), 150);
}

#[tokio::test]
async fn ten_thousand_principals_stream_first_page_first() {
    let opts = EmulatorOptions {
        generated_service_principals: 10_000,
        ..Default::default()
    };
    let emu = support::emulator_with(opts).await;
    let mut h = harness(&emu).await;
    h.type_keys(":sp\n");
    // Pump by hand until the first page is in.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        for cmd in h.app.take_commands() {
            assert!(h.actor.try_send(cmd));
        }
        let ev = tokio::time::timeout_at(deadline, h.events.recv())
            .await
            .expect("no first page")
            .unwrap();
        let page = matches!(
            &ev,
            ActorEvent::Response {
                payload: Payload::Principals(_),
                ..
            }
        );
        h.app.handle_actor_event(ev);
        if page && !h.app.state.principals.rows.is_empty() {
            break;
        }
    }
    let p = &h.app.state.principals;
    assert_eq!(
        p.load,
        Load::Loading,
        "the first page came with the whole list"
    );
    assert!(p.rows.len() < 10_150, "{}", p.rows.len());
    let screen = h.screen();
    assert!(screen.contains("/10,150 loading…"), "{screen}");

    h.settle().await;
    let p = &h.app.state.principals;
    assert_eq!(p.load, Load::Loaded);
    assert_eq!(p.rows.len(), 10_150);
    let ids: HashSet<&str> = p.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 10_150, "duplicates");
    assert!(h.screen().contains("Service principals (10,150)"));
    // Secrets were fetched for what is on screen, not for 10,000 rows.
    assert!(p.secrets.len() < 100, "{}", p.secrets.len());

    // A keystroke or two finds one.
    h.keys("/-sp-04242\n").await;
    assert_eq!(h.app.state.principals.list.len(), 1);
    assert!(
        h.app
            .state
            .principals
            .selected()
            .unwrap()
            .name()
            .ends_with("-sp-04242")
    );
}

#[tokio::test]
async fn leaving_the_pane_cancels_the_load_and_returning_restarts_it() {
    let opts = EmulatorOptions {
        generated_service_principals: 3_000,
        ..Default::default()
    };
    let emu = support::emulator_with(opts).await;
    let mut h = harness(&emu).await;
    h.type_keys(":sp\n:ws\n");
    h.settle().await;
    assert_eq!(h.app.state.principals.load, Load::NotLoaded);
    h.keys(":sp\n").await;
    assert_eq!(h.app.state.principals.rows.len(), 3_150);
}

#[tokio::test]
async fn a_workspace_profile_lists_workspace_principals_and_uses_the_secrets_proxy() {
    let emu = emulator().await;
    let a = support::aws_account(&emu);
    let (ws, token) = a.workspace_pat.clone().unwrap();
    let mut p = dbx_tui::config::Profile::empty("ws-pat", dbx_tui::config::ProfileSource::Demo);
    p.host = Some(emu.base_url());
    p.workspace_id = Some(ws.to_string());
    p.token = Some(token.into());
    let mut h = Harness::new(&emu).await;
    h.app.state.profiles.push(p);
    h.app.state.now = SystemTime::now();
    h.keys(":ctx ws-pat\n").await;
    h.keys(":sp\n").await;
    let n = h.app.state.principals.rows.len();
    assert_eq!(h.app.state.principals.load, Load::Loaded);
    assert!(
        n > 0 && n < 150,
        "workspace SCIM lists this workspace's principals: {n}"
    );
    h.keys("\n").await;
    let screen = h.screen();
    assert!(
        screen.contains("workspace assignments are account-level"),
        "{screen}"
    );
    // Secrets came through the workspace proxy route.
    assert!(
        h.app.state.principals.detail_secrets().is_some(),
        "{:?}",
        h.app.state.principals.secrets
    );
    assert!(
        emu.handle()
            .request_count("/api/2.0/accounts/servicePrincipals/")
            > 0
    );
}

/// When the permission-assignments endpoint fails, the detail says so instead of claiming the
/// principal is not assigned anywhere (it may well be, in a workspace that could not be read).
#[tokio::test]
async fn failed_assignment_reads_are_not_shown_as_no_assignment() {
    let emu = emulator().await;
    let (acc, _) = account(&emu);
    let mut h = harness(&emu).await;
    find(&mut h, "ops-export").await;
    emu.handle().inject_fault(dbx_tui::emulator::Fault {
        path_prefix: format!("/api/2.0/accounts/{acc}/workspaces/"),
        status: 403,
        retry_after_secs: None,
        times: 1000,
    });
    h.keys("\n").await;
    let screen = h.screen();
    assert!(screen.contains("could not read assignments"), "{screen}");
    assert!(
        !screen.contains("not assigned to any workspace"),
        "{screen}"
    );
}
