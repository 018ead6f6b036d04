//! Egress log throughput: parse 1,000,000 rows as the warehouse returns them, ingest them into
//! the capped ring, and draw the events view with the cap full. Prints events/s, memory held at
//! the cap (measured with a counting allocator) and frame time. Targets: parse >= 500k events/s,
//! frame < 2 ms, memory < 150 MB at 100k events.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or bench that cannot set itself up should stop loudly"
)]

use dbx_tui::api::egress::{EgressEvent, EventColumns};
use dbx_tui::api::sql::{Column, StatementResult, format_timestamp_ms};
use dbx_tui::app::egress::EgressState;
use dbx_tui::app::keymap::Keymap;
use dbx_tui::app::state::{State, View};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

#[allow(
    unsafe_code,
    reason = "a counting allocator that forwards every call to the system allocator"
)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

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
    let baseline = LIVE.load(Ordering::Relaxed);
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
    // Everything parsed has been moved into the ring or dropped: what is live is the ring.
    let held = LIVE.load(Ordering::Relaxed) - baseline;
    assert_eq!(egress.events.len(), CAP);

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
    println!(
        "egress: memory held at the cap: {:.1} MB",
        held as f64 / 1_048_576.0
    );
    println!("egress: frame of the events view with the cap full (200x50): {frame_ms:.3} ms");
}
