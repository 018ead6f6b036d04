//! Frame-time benchmarks: drawing big tables and the key-to-frame round trip.
//! Targets: under 2 ms per frame at 100,000 rows.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or bench that cannot set itself up should stop loudly"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dbx_tui::actor::{
    ActorEvent, Command, Payload, PoliciesPayload, PoliciesRequest, Request, SessionInfo,
    WorkspacesPayload, WorkspacesRequest,
};
use dbx_tui::api::network_policies::NetworkPolicy;
use dbx_tui::api::workspaces::Workspace;
use dbx_tui::api::{PolicyId, WorkspaceId};
use dbx_tui::app::App;
use dbx_tui::app::keymap::Keymap;
use dbx_tui::app::state::View;
use dbx_tui::config::{Profile, ProfileKind, ProfileSource};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;

const ROWS: usize = 100_000;

fn workspaces() -> Vec<Workspace> {
    (0..ROWS)
        .map(|i| {
            serde_json::from_value(serde_json::json!({
                "workspace_id": 1_000_000_000_000_000i64 + i as i64,
                "workspace_name": format!("workspace-{i:06}"),
                "deployment_name": format!("acme-ws-{i:06}"),
                "cloud": "aws", "aws_region": "us-west-2", "workspace_status": "RUNNING"
            }))
            .unwrap()
        })
        .collect()
}

fn policies() -> Vec<NetworkPolicy> {
    (0..ROWS)
        .map(|i| {
            serde_json::from_value(serde_json::json!({
                "network_policy_id": format!("policy-{i:06}"),
                "egress": {"network_access": {"restriction_mode": "RESTRICTED_ACCESS",
                  "allowed_internet_destinations": [{"destination": "pypi.org", "internet_destination_type": "DNS_NAME"}]}}
            }))
            .unwrap()
        })
        .collect()
}

/// An app holding 100k workspaces (with bindings) and 100k policies, fed as the actor would.
fn loaded_app() -> App {
    let mut p = Profile::empty("bench", ProfileSource::Demo);
    p.host = Some("https://accounts.cloud.databricks.com".into());
    p.account_id = Some("acc".into());
    p.client_id = Some("id".into());
    p.client_secret = Some("secret".into());
    let mut app = App::new(vec![p], Keymap::default());
    app.state.size = (200, 50);
    app.connect("bench");
    pump(&mut app);
    // Policies load when their view opens.
    app.show(View::Policies);
    pump(&mut app);
    app.show(View::Workspaces);
    pump(&mut app);
    app
}

/// Answer the app's requests as the actor would, until it asks for nothing more.
fn pump(app: &mut App) {
    let mut pending = app.take_commands();
    while let Some(cmd) = pending.pop() {
        match cmd {
            Command::Connect(p) => app.handle_actor_event(ActorEvent::Connected(Ok(SessionInfo {
                profile: p.name.clone(),
                host: p.host.clone().unwrap(),
                kind: ProfileKind::Account,
                account_id: p.account_id.clone(),
                auth_method: "oauth-m2m".into(),
                principal: "bench".into(),
                expires_at: None,
                transport_warning: None,
                sign_in: None,
            }))),
            Command::Send { id, request, .. } => {
                let payloads = match request {
                    Request::Workspaces(WorkspacesRequest::List) => {
                        vec![Payload::Workspaces(WorkspacesPayload::List(workspaces()))]
                    }
                    Request::Policies(PoliciesRequest::List) => {
                        vec![Payload::Policies(PoliciesPayload::List(policies()))]
                    }
                    Request::Workspaces(WorkspacesRequest::LoadBindings(ids)) => ids
                        .into_iter()
                        .map(|w: WorkspaceId| {
                            Payload::Workspaces(WorkspacesPayload::Binding(
                                w,
                                Ok(PolicyId(format!("policy-{:06}", w.0 % 1000))),
                            ))
                        })
                        .collect(),
                    _ => vec![],
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
        pending.extend(app.take_commands());
    }
}

fn bench(c: &mut Criterion) {
    let mut app = loaded_app();
    assert_eq!(app.state.workspaces.len(), ROWS);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();

    c.bench_function("draw workspaces 100k rows 200x50", |b| {
        b.iter(|| {
            terminal
                .draw(|f| dbx_tui::ui::render(black_box(&app.state), f))
                .unwrap();
        });
    });

    let down = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    c.bench_function("key to frame (j) workspaces 100k", |b| {
        b.iter(|| {
            app.handle_key(down);
            terminal
                .draw(|f| dbx_tui::ui::render(&app.state, f))
                .unwrap();
        });
    });

    app.state.view = View::Policies;
    app.state.rebuild_current();
    assert_eq!(app.state.policies.len(), ROWS);
    c.bench_function("draw policies 100k rows 200x50", |b| {
        b.iter(|| {
            app.handle_key(down);
            terminal
                .draw(|f| dbx_tui::ui::render(&app.state, f))
                .unwrap();
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
