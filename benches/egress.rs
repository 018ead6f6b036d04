//! Egress log, two paths:
//! - `tail_real_actor_vs_emulator_process_account_at_5000_per_sec`: `dbx-tui emulator
//!   --events-per-sec 12000` runs as its own process. Its rate is spread over the workspaces of
//!   all its accounts (AWS, Azure, GCP), so the AWS account this bench tails gets about 5,000
//!   rows a second; the bench prints the rate it saw. This process runs the real actor and App
//!   (`:egress` typed, the app's own poll interval and budget) for 90 s and prints, per poll:
//!   rows held against the warehouse's count of the window, "behind by", the lag of the newest
//!   row held, and the poll's time; then this process's RSS (VmRSS, VmHWM from
//!   /proc/self/status) with the ring full at 100,000 events. Targets: the account's rows grow
//!   at 5,000 a second or more, the tail is never behind, RSS under 150 MB.
//! - `parse_ingest_frame`: parse 1,000,000 rows as the warehouse returns them, ingest them
//!   into the capped ring page by page, draw the events view with the cap full, and type a
//!   filter a key at a time over it. Targets: parse >= 500k events/s, frame < 2 ms, a filter
//!   key under 16 ms.
//!
//! Run with `cargo bench --bench egress`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or bench that cannot set itself up should stop loudly"
)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dbx_tui::api::egress::{EgressEvent, EventColumns};
use dbx_tui::api::sql::{Column, StatementResult, format_timestamp_ms};
use dbx_tui::app::App;
use dbx_tui::app::egress::EgressState;
use dbx_tui::app::keymap::Keymap;
use dbx_tui::app::state::{State, View};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::time::{Duration, Instant};

/// `VmRSS` and `VmHWM` of this process, in MB.
fn rss_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Starts `dbx-tui emulator` as a child process; returns it and its printed config text.
fn start_emulator(rate: u32) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dbx-tui"))
        .args([
            "emulator",
            "--port",
            &port.to_string(),
            "--events-per-sec",
            &rate.to_string(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut cfg = String::new();
    let mut in_cfg = false;
    for line in out.lines() {
        let line = line.unwrap();
        if line.contains("Ctrl-C to stop") {
            break;
        }
        if line.contains("~/.databrickscfg") {
            in_cfg = true;
            continue;
        }
        if in_cfg {
            cfg.push_str(&line);
            cfg.push('\n');
        }
    }
    (child, cfg)
}

fn tail_real_actor_vs_emulator_process(rate: u32, run_for: Duration) {
    let (mut child, cfg) = start_emulator(rate);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("databrickscfg");
    let file = dbx_tui::config::parse_config(&path, &cfg).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (actor, mut events) =
            dbx_tui::actor::spawn(dbx_tui::journal::Journal::at(dir.path().join("j.jsonl")));
        let mut app = App::new(file.profiles.clone(), Keymap::default());
        app.state.size = (200, 50);
        app.connect("emulator-aws");
        for c in ":egress".chars() {
            app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        let started = Instant::now();
        let mut last_poll = None;
        let mut poll_started: Option<Instant> = None;
        let mut first_total: Option<(u64, Instant)> = None;
        let mut last_total: Option<(u64, Instant)> = None;
        let mut worst_lag_ms = 0i64;
        let mut worst_behind = 0u64;
        println!(
            "egress tail through the real actor (emulator in its own process at {rate} denied rows/s over all its accounts):"
        );
        while started.elapsed() < run_for {
            for cmd in app.take_commands() {
                assert!(actor.try_send(cmd), "actor queue full");
            }
            let Ok(Some(ev)) = tokio::time::timeout(Duration::from_secs(1), events.recv()).await
            else {
                continue;
            };
            app.handle_actor_event(ev);
            let e = &app.state.egress;
            if e.polling && poll_started.is_none() {
                poll_started = Some(Instant::now());
            }
            if e.last_poll_ms != last_poll && e.last_poll_ms.is_some() {
                last_poll = e.last_poll_ms;
                let took = poll_started.take().map_or(0.0, |t| t.elapsed().as_secs_f64());
                let now = dbx_tui::api::timestamp::now_ms();
                let lag = e.events.front().map_or(0, |f| now - f.event_time_ms);
                let total = e.total.unwrap_or(0);
                if first_total.is_some() {
                    worst_lag_ms = worst_lag_ms.max(lag);
                    worst_behind = worst_behind.max(e.behind.unwrap_or(0));
                }
                let (rss, _) = rss_mb();
                println!(
                    "  t={:>5.1}s poll {took:>5.2}s  held {:>7} of {:>9} in the window  behind {:>7}  newest row {:>5.1}s old  RSS {rss:.0} MB",
                    started.elapsed().as_secs_f64(),
                    e.events.len(),
                    total,
                    e.behind.unwrap_or(0),
                    lag as f64 / 1000.0,
                );
                first_total.get_or_insert((total, Instant::now()));
                last_total = Some((total, Instant::now()));
            }
        }
        let e = &app.state.egress;
        let ids: HashSet<&str> = e.events.iter().map(|x| x.event_id.as_str()).collect();
        assert_eq!(ids.len(), e.events.len(), "a row was held twice");
        if let (Some((t0, at0)), Some((t1, at1))) = (first_total, last_total) {
            let grew = t1.saturating_sub(t0) as f64;
            println!(
                "  the tailed account's window grew {:.0} rows/s between the first and last poll (target >= 5000); worst lag after the first poll {:.1}s, worst behind {worst_behind}",
                grew / (at1 - at0).as_secs_f64().max(0.001),
                worst_lag_ms as f64 / 1000.0
            );
        }
        let (rss, hwm) = rss_mb();
        println!(
            "  held {} events; process RSS {rss:.1} MB (peak {hwm:.1} MB), target < 150 MB",
            e.events.len()
        );
    });
    child.kill().ok();
    child.wait().ok();
}

const TOTAL: usize = 1_000_000;
const BATCH: usize = 10_000;
const CAP: usize = 100_000;

fn result(offset: usize, now_ms: i64) -> StatementResult {
    let names = [
        "event_id",
        "event_time",
        "workspace_id",
        "destination_type",
        "destination",
        "dns_domain",
        "storage_host",
        "storage_path",
        "rejection_reason",
        "access_type",
        "network_source_type",
    ];
    let domains = [
        "api.openai.com",
        "registry.npmjs.org",
        "pypi.org",
        "sentry.io",
        "hooks.slack.com",
    ];
    let rows = (offset..offset + BATCH)
        .map(|i| {
            let d = domains[i % domains.len()];
            vec![
                Some(format!("ev-{i:08}")),
                Some(format_timestamp_ms(now_ms - (TOTAL - i) as i64 * 10)),
                Some(format!("{}", 1_000_000_000_000_000i64 + (i % 13) as i64)),
                Some("DNS".into()),
                Some(d.into()),
                Some(d.into()),
                None,
                None,
                None,
                Some(if i % 3 == 0 { "DRY_RUN_DENIAL" } else { "DROP" }.into()),
                Some("General Compute".into()),
            ]
        })
        .collect();
    StatementResult {
        statement_id: "s".into(),
        columns: names
            .iter()
            .map(|n| Column {
                name: (*n).into(),
                type_name: "STRING".into(),
            })
            .collect(),
        rows,
        truncated: false,
        gaps: Vec::new(),
    }
}

fn main() {
    tail_real_actor_vs_emulator_process(12_000, Duration::from_secs(90));
    parse_ingest_frame();
}

fn parse_ingest_frame() {
    let now_ms = 1_800_000_000_000i64;
    let results: Vec<StatementResult> = (0..TOTAL / BATCH)
        .map(|b| result(b * BATCH, now_ms))
        .collect();

    let started = Instant::now();
    let mut parsed: Vec<Vec<EgressEvent>> = Vec::with_capacity(results.len());
    for r in &results {
        let cols = EventColumns::locate(r).unwrap();
        parsed.push(r.rows.iter().filter_map(|row| cols.parse(row)).collect());
    }
    let parse_secs = started.elapsed().as_secs_f64();
    let n: usize = parsed.iter().map(Vec::len).sum();
    assert_eq!(n, TOTAL);
    drop(results);

    let mut egress = EgressState {
        cap: CAP,
        ..EgressState::default()
    };
    let names: HashMap<String, String> = HashMap::new();
    let started = Instant::now();
    for batch in parsed {
        let mut batch = batch;
        batch.reverse(); // newest first, as the tail delivers
        egress.ingest(batch);
    }
    let ingest_secs = started.elapsed().as_secs_f64();
    egress.rebuild(&names);
    assert_eq!(egress.events.len(), CAP);
    // A filter typed a key at a time over the full ring: each key rebuilds the visible rows.
    let mut filter_ms: Vec<f64> = Vec::new();
    for typed in [
        "o",
        "op",
        "ope",
        "open",
        "opena",
        "openai",
        "openai ",
        "openai d",
        "openai dn",
    ] {
        egress.list.filter = typed.into();
        let started = Instant::now();
        egress.rebuild(&names);
        filter_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    egress.list.filter.clear();
    egress.rebuild(&names);

    let mut state = State::new(Vec::new(), Keymap::default());
    state.view = View::Egress;
    state.size = (200, 50);
    state.egress = egress;
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let frames = 200;
    let started = Instant::now();
    for _ in 0..frames {
        terminal.draw(|f| dbx_tui::ui::render(&state, f)).unwrap();
    }
    let frame_ms = started.elapsed().as_secs_f64() * 1000.0 / f64::from(frames);

    println!(
        "egress: parsed {TOTAL} events in {parse_secs:.3} s = {:.0} events/s",
        TOTAL as f64 / parse_secs
    );
    println!(
        "egress: ingested into a {CAP}-event ring in {ingest_secs:.3} s ({} dropped by the cap)",
        state.egress.dropped
    );
    println!("egress: frame of the events view with the cap full (200x50): {frame_ms:.3} ms");
    filter_ms.sort_by(f64::total_cmp);
    println!(
        "egress: a filter key over the {CAP} held events: median {:.1} ms, max {:.1} ms",
        filter_ms[filter_ms.len() / 2],
        filter_ms[filter_ms.len() - 1]
    );
}
