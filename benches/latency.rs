//! Key-to-frame latency under load: the emulator answers every request after 2 s, 20 requests
//! are in flight, 10,000 rows are loaded, and keys keep coming. The UI never awaits the
//! network, so each key is handled and drawn at once. Prints p50/p99/max; target p99 < 16 ms.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or bench that cannot set itself up should stop loudly"
)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dbx_tui::actor::{Command, Request, RequestId, Slot};
use dbx_tui::api::PolicyId;
use dbx_tui::app::App;
use dbx_tui::app::keymap::Keymap;
use dbx_tui::config::{Profile, ProfileSource};
use dbx_tui::emulator::{BodyFault, Emulator, EmulatorOptions, FaultKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let emu = Emulator::start(
        EmulatorOptions {
            egress_events_per_sec: 0.0,
            egress_backfill: 0,
            ..EmulatorOptions::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let a = emu.accounts().remove(0);
    let mut p = Profile::empty("bench", ProfileSource::Demo);
    p.host = Some(emu.base_url());
    p.account_id = Some(a.account_id.clone());
    p.client_id = Some(a.client_id.clone());
    p.client_secret = Some(a.client_secret.clone().into());
    let dir = std::env::temp_dir().join(format!("dbx-latency-{}", std::process::id()));
    let (actor, mut events) = dbx_tui::actor::spawn(dbx_tui::journal::Journal::at(dir.join("j")));
    let mut app = App::new(vec![p], Keymap::default());
    app.state.size = (200, 50);
    app.connect("bench");
    // Connect and load normally, then make every later answer take 2 s.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        for c in app.take_commands() {
            actor.try_send(c);
        }
        if app.state.session.is_some() && app.state.in_flight.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "setup timed out");
        if let Ok(Some(ev)) = tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
            app.handle_actor_event(ev);
        }
    }
    // 10,000 rows in the workspaces table.
    let rows: Vec<_> = (0..10_000)
        .map(|i| {
            serde_json::from_value(serde_json::json!({
                "workspace_id": 5_000_000_000_000i64 + i, "workspace_name": format!("ws-{i:05}"),
                "deployment_name": format!("acme-{i:05}"), "cloud": "aws", "aws_region": "us-west-2",
                "workspace_status": "RUNNING"
            }))
            .unwrap()
        })
        .collect();
    app.state.set_workspaces(rows);
    emu.handle().inject_body_fault(BodyFault {
        path_prefix: "/api/".into(),
        method: None,
        kind: FaultKind::Latency { millis: 2000 },
        times: 1000,
    });
    // 20 slow requests in flight (writes are never cancelled, so they stay in flight together).
    for i in 0..20 {
        actor.try_send(Command::Send {
            id: RequestId(1_000 + i),
            slot: Slot::Write,
            request: Request::GetPolicy(PolicyId("corp-egress".into())),
        });
    }
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut samples = Vec::new();
    let keys = [
        KeyCode::Char('j'),
        KeyCode::Char('j'),
        KeyCode::Char('k'),
        KeyCode::PageDown,
        KeyCode::Char('/'),
    ];
    let end = Instant::now() + Duration::from_secs(3);
    let mut i = 0;
    while Instant::now() < end {
        while let Ok(ev) = events.try_recv() {
            app.handle_actor_event(ev);
        }
        let key = keys[i % keys.len()];
        i += 1;
        let t0 = Instant::now();
        app.handle_key(KeyEvent::new(key, KeyModifiers::NONE));
        if key == KeyCode::Char('/') {
            app.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        }
        terminal
            .draw(|f| dbx_tui::ui::render(&app.state, f))
            .unwrap();
        samples.push(t0.elapsed());
        for c in app.take_commands() {
            actor.try_send(c);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    samples.sort();
    let pct = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "latency: {} keys with 20 requests stalled 2 s and 10,000 rows: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        samples.len(),
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        samples.last().unwrap().as_secs_f64() * 1000.0
    );
    emu.shutdown().await;
}
