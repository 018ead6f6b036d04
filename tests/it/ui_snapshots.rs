//! Screen tests: the real `App` driven by key presses and actor events, drawn into ratatui's
//! `TestBackend` and compared with insta snapshots.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dbx_tui::actor::{
    ActorEvent, Command, Payload, PoliciesPayload, PoliciesRequest, Request, SessionInfo,
    WorkspacesPayload, WorkspacesRequest,
};
use dbx_tui::api::PolicyId;
use dbx_tui::api::network_policies::NetworkPolicy;
use dbx_tui::api::workspaces::Workspace;
use dbx_tui::app::App;
use dbx_tui::app::keymap::Keymap;
use dbx_tui::app::state::View;
use dbx_tui::config::{Profile, ProfileSource};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, SystemTime};

fn workspaces() -> Vec<Workspace> {
    serde_json::from_str(include_str!("../fixtures/workspaces.json")).unwrap()
}

fn policies() -> Vec<NetworkPolicy> {
    serde_json::from_str(include_str!("../fixtures/policies.json")).unwrap()
}

fn profiles() -> Vec<Profile> {
    let mut acc = Profile::empty("prod-account", ProfileSource::Demo);
    acc.host = Some("https://accounts.cloud.databricks.com".into());
    acc.account_id = Some("acc-1".into());
    acc.client_id = Some("11111111-2222-3333-4444-555555555555".into());
    acc.client_secret = Some("canary-secret-do-not-show".into());
    let mut ws = Profile::empty("dev-workspace", ProfileSource::Demo);
    ws.host = Some("https://acme-dev-ml.cloud.databricks.com".into());
    ws.token = Some("dapi-canary-token".into());
    vec![acc, ws]
}

pub(crate) fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

pub(crate) fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

pub(crate) fn type_str(app: &mut App, s: &str) {
    for c in s.chars() {
        app.handle_key(key(c));
    }
}

/// Answer every request the app sent with fixture data, as the actor would.
pub(crate) fn serve(app: &mut App) {
    loop {
        let cmds = app.take_commands();
        if cmds.is_empty() {
            return;
        }
        for cmd in cmds {
            match cmd {
                Command::Connect(p) => {
                    app.handle_actor_event(ActorEvent::Connected(Ok(SessionInfo {
                        profile: p.name.clone(),
                        host: p.host.clone().unwrap(),
                        kind: p.kind(),
                        account_id: p.account_id.clone(),
                        auth_method: "oauth-m2m".into(),
                        principal: "terraform-ci".into(),
                        expires_at: Some(
                            SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + 3000),
                        ),
                        transport_warning: dbx_tui::auth::transport::warning(&p),
                        sign_in: None,
                    })));
                }
                Command::Send { id, request, .. } => {
                    let payloads = match request {
                        Request::Workspaces(WorkspacesRequest::List) => {
                            vec![Payload::Workspaces(WorkspacesPayload::List(workspaces()))]
                        }
                        Request::Workspaces(WorkspacesRequest::LoadBindings(ids)) => ids
                            .into_iter()
                            .enumerate()
                            .map(|(i, w)| {
                                let p = [
                                    "corp-egress",
                                    "corp-egress",
                                    "ml-serving-lockdown",
                                    "default-policy",
                                ][i % 4];
                                Payload::Workspaces(WorkspacesPayload::Binding(
                                    w,
                                    Ok(PolicyId(p.into())),
                                ))
                            })
                            .collect(),
                        Request::Policies(PoliciesRequest::List) => {
                            vec![Payload::Policies(PoliciesPayload::List(policies()))]
                        }
                        Request::Policies(PoliciesRequest::Get(id)) => {
                            vec![Payload::Policies(PoliciesPayload::Policy(
                                policies()
                                    .into_iter()
                                    .find(|p| p.id() == id.as_str())
                                    .unwrap(),
                            ))]
                        }
                        other => panic!("the screen tests make no writes: {other:?}"),
                    };
                    for payload in payloads {
                        app.handle_actor_event(ActorEvent::Response { id, payload });
                    }
                    app.handle_actor_event(ActorEvent::Finished {
                        id,
                        error: None,
                        token_expires_at: None,
                    });
                }
                Command::Cancel(_) | Command::SignIn(_) => {}
            }
        }
    }
}

pub(crate) fn connected_app() -> App {
    let mut app = App::new(profiles(), Keymap::default());
    app.state.size = (120, 24);
    app.state.now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    app.connect("prod-account");
    serve(&mut app);
    app
}

pub(crate) fn draw(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.state.size.0, app.state.size.1)).unwrap();
    terminal
        .draw(|f| dbx_tui::ui::render(&app.state, f))
        .unwrap();
    let screen = terminal.backend().to_string();
    assert!(!screen.contains("canary"), "a secret reached the screen");
    screen
}

#[test]
fn plain_http_and_skip_verify_are_said_in_the_header() {
    let mut p = Profile::empty("lab", ProfileSource::Demo);
    p.host = Some("http://dbx.lab.example.com".into());
    p.token = Some("dapi-canary-token".into());
    p.other.insert("skip_verify".into(), "true".into());
    let mut app = App::new(vec![p], Keymap::default());
    app.state.size = (200, 24);
    app.connect("lab");
    serve(&mut app);
    let screen = draw(&app);
    let first = screen.lines().next().unwrap_or_default();
    assert!(
        first.contains("host http://dbx.lab.example.com  ! plain http")
            && first.contains("skip_verify is not supported; certificates are always verified"),
        "{screen}"
    );
}

#[test]
fn a_picker_still_loading_says_how_to_leave_it() {
    let mut app = connected_app();
    assert!(app.state.policies.is_empty());
    // Bind the selected workspace: the policies to choose from are still on their way.
    app.handle_key(key('b'));
    let screen = draw(&app);
    assert!(screen.contains("loading…"), "{screen}");
    assert!(screen.contains("enter choose · esc cancel"), "{screen}");
}

#[test]
fn workspaces_pane() {
    let app = connected_app();
    assert_eq!(app.state.view, View::Workspaces);
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn policies_pane() {
    let mut app = connected_app();
    app.handle_key(key(':'));
    type_str(&mut app, "np");
    app.handle_key(code(KeyCode::Enter));
    serve(&mut app);
    assert_eq!(app.state.view, View::Policies);
    insta::assert_snapshot!(draw(&app));
}

#[test]
fn policy_detail() {
    let mut app = connected_app();
    app.handle_key(key(':'));
    type_str(&mut app, "np");
    app.handle_key(code(KeyCode::Enter));
    serve(&mut app);
    app.handle_key(key('j'));
    app.handle_key(code(KeyCode::Enter));
    serve(&mut app);
    assert_eq!(app.state.view, View::PolicyDetail);
    let screen = draw(&app);
    for expected in [
        "corp-egress",
        "RESTRICTED",
        "pypi.org",
        "s3://acme-landing (us-west-2)",
        "prod-analytics",
        "dev-ml",
    ] {
        assert!(screen.contains(expected), "detail lacks {expected}");
    }
    insta::assert_snapshot!(screen);
    // Esc goes back to the list, with the selection kept.
    app.handle_key(code(KeyCode::Esc));
    assert_eq!(app.state.view, View::Policies);
    assert_eq!(app.state.policies_list.selected, 1);
}

#[test]
fn help_overlay_lists_every_key_of_the_view() {
    let mut app = connected_app();
    // Tall enough for every action, service principals' included.
    app.state.size = (150, 44);
    app.handle_key(key('?'));
    let screen = draw(&app);
    // What this view handles and what works everywhere, from the view's declared key table.
    for k in dbx_tui::app::pane_keys::pane_keys(View::Workspaces) {
        assert!(screen.contains(k.does), "help lacks {:?}", k.action);
    }
    for a in dbx_tui::app::pane_keys::EVERYWHERE {
        let info = dbx_tui::app::keymap::info(*a);
        assert!(
            screen.contains(info.description),
            "help lacks {}",
            info.name
        );
    }
    insta::assert_snapshot!(screen);
    app.handle_key(code(KeyCode::Esc));
    assert!(!draw(&app).contains(" Help "));
}

#[test]
fn filter_narrows_the_list() {
    let mut app = connected_app();
    app.handle_key(key('/'));
    type_str(&mut app, "prod");
    let screen = draw(&app);
    assert!(screen.contains("prod-analytics"));
    assert!(!screen.contains("finance-etl"));
    insta::assert_snapshot!(screen);
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(app.state.workspaces_list.len(), 1);
    app.handle_key(code(KeyCode::Esc));
    assert_eq!(app.state.workspaces_list.len(), 4);
}

#[test]
fn workspace_profile_explains_account_views() {
    let mut app = connected_app();
    app.handle_key(key(':'));
    type_str(&mut app, "ctx dev-workspace");
    app.handle_key(code(KeyCode::Enter));
    serve(&mut app);
    let screen = draw(&app);
    assert!(screen.contains("workspace profile"), "{screen}");
}

#[test]
fn unknown_command_is_explained() {
    let mut app = connected_app();
    app.handle_key(key(':'));
    type_str(&mut app, "pods");
    app.handle_key(code(KeyCode::Enter));
    assert!(draw(&app).contains("unknown command :pods"));
}

#[test]
fn rebound_keys_show_in_hints_and_help() {
    let mut o = std::collections::BTreeMap::new();
    o.insert("refresh".to_string(), vec!["f5".to_string()]);
    let mut app = App::new(profiles(), Keymap::with_overrides(&o).unwrap());
    app.state.size = (120, 24);
    app.connect("prod-account");
    serve(&mut app);
    assert!(draw(&app).contains("<f5> refresh"));
    // The old key no longer refreshes.
    app.handle_key(key('r'));
    assert!(app.take_commands().is_empty());
    app.handle_key(code(KeyCode::F(5)));
    assert!(!app.take_commands().is_empty());
}

#[test]
fn switching_context_from_a_policy_detail_lands_on_a_list() {
    let mut app = connected_app();
    app.handle_key(key(':'));
    type_str(&mut app, "np");
    app.handle_key(code(KeyCode::Enter));
    serve(&mut app);
    app.handle_key(code(KeyCode::Enter));
    serve(&mut app);
    assert_eq!(app.state.view, View::PolicyDetail);
    app.handle_key(key(':'));
    type_str(&mut app, "ctx");
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(app.state.view, View::Contexts);
    app.handle_key(code(KeyCode::Enter));
    serve(&mut app);
    assert_eq!(app.state.view, View::Policies);
    assert!(draw(&app).contains("corp-egress"));
}

fn egress_event(
    i: i64,
    dest: &str,
    access: &str,
    dtype: &str,
) -> dbx_tui::api::egress::EgressEvent {
    dbx_tui::api::egress::EgressEvent {
        event_id: format!("ev-{i}"),
        event_time_ms: 1_800_000_000_000 - i * 45_000,
        workspace_id: ["1234567890123456", "2234567890123456"][(i % 2) as usize].into(),
        destination: dest.into(),
        destination_type: dtype.into(),
        access_type: dbx_tui::api::egress::AccessType::parse(access),
        network_source_type: Some("General Compute".into()),
        storage_path: (dtype == "STORAGE").then(|| "/raw/part-0001.parquet".into()),
        rejection_reason: (dtype == "STORAGE").then(|| "storage-bucket-path-denied".into()),
    }
}

#[test]
fn egress_pane_events_and_by_destination() {
    let mut app = connected_app();
    let now_ms = 1_800_000_000_000i64;
    app.state.now = SystemTime::UNIX_EPOCH + Duration::from_millis(now_ms as u64 + 20_000);
    app.state.view = View::Egress;
    let events = vec![
        egress_event(0, "api.openai.com", "DROP", "DNS"),
        egress_event(1, "registry.npmjs.org", "DRY_RUN_DENIAL", "DNS"),
        egress_event(2, "s3://other-team-bucket", "DROP", "STORAGE"),
        egress_event(3, "api.openai.com", "DROP", "DNS"),
    ];
    // The sparkline counts come from the warehouse: here, one per event's minute.
    let per_minute: Vec<(i64, u64)> = events
        .iter()
        .map(|e| (e.event_time_ms / 60_000 * 60_000, 1))
        .collect();
    app.state.egress.ingest(events);
    app.state.egress.spark_from(&per_minute, now_ms);
    app.state.egress.last_poll_ms = Some(now_ms + 5_000);
    app.state.rebuild_current();
    let screen = draw(&app);
    assert!(
        screen.contains("BLOCKED") && screen.contains("DRY RUN"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
    app.handle_key(code(KeyCode::Tab));
    let summary = |dest: &str, n| dbx_tui::api::egress::DestinationSummary {
        destination: dest.into(),
        destination_type: "DNS".into(),
        access_type: dbx_tui::api::egress::AccessType::Drop,
        count: n,
        first_seen_ms: Some(now_ms - 3_600_000),
        last_seen_ms: Some(now_ms),
        workspaces: 2,
    };
    app.state.egress.summary = vec![
        summary("registry.npmjs.org", 3),
        summary("api.openai.com", 40),
    ];
    app.state.egress.summary_load = dbx_tui::app::state::Load::Loaded;
    app.state.rebuild_current();
    let screen = draw(&app);
    let openai = screen.find("api.openai.com").unwrap();
    let npm = screen.find("registry.npmjs.org").unwrap();
    assert!(openai < npm, "sorted by count");
    insta::assert_snapshot!(screen);
}

#[test]
fn server_text_with_escape_sequences_is_drawn_inert() {
    let mut app = connected_app();
    // A workspace name and a principal as a hostile or broken server could send them: a window
    // title change (OSC 2), a colour (CSI), a C1 CSI and a right-to-left override.
    app.state.workspaces[0].workspace_name =
        "evil\x1b]2;pwned\x07-\x1b[31mred\u{9b}2J\u{202e}gnp.exe".into();
    if let Some(s) = app.state.session.as_mut() {
        s.principal = "sp\x1b]52;c;cHduZWQ=\x07-name".into();
    }
    let mut terminal = Terminal::new(TestBackend::new(120, 24)).unwrap();
    terminal
        .draw(|f| dbx_tui::ui::render(&app.state, f))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let text: String = buffer
        .content
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .collect();
    for bad in [
        "\x1b", "\x07", "\u{9b}", "\u{202e}", "2;pwned", "52;c", "2J",
    ] {
        assert!(!text.contains(bad), "{bad:?} reached the screen:\n{text}");
    }
    let screen = terminal.backend().to_string();
    assert!(screen.contains("evil-red"), "{screen}");
    assert!(screen.contains("sp-name"), "{screen}");
}
