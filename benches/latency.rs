//! Key-to-frame latency through the real event loop (`app::run::run_with`: the same `select!`
//! loop, bounded slices of actor answers, drawing) with 120,000 principals streaming in from
//! the emulator through the real actor. Keys come from another thread at a human pace (one
//! every 15 ms): moving, typing and clearing a filter, and re-sorting (`o`, `O`) the whole list.
//! A key's latency runs from the moment it is sent to the end of the first frame drawn after
//! the loop took it. Measured twice: from 100,000 rows loaded while the last pages still arrive
//! (each slowed to 80 ms), then with the list settled. The emulator runs on a runtime of its own
//! (as a separate server would). Target: p99 under 16 ms.
//! Run with `cargo bench --bench latency`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or bench that cannot set itself up should stop loudly"
)]

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use dbx_tui::app::App;
use dbx_tui::app::keymap::Keymap;
use dbx_tui::config::{Profile, ProfileSource};
use dbx_tui::emulator::{BodyFault, Emulator, EmulatorOptions, FaultKind};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const GENERATED: usize = 120_000;
const PAGE: usize = 100;

/// A test backend that notes when each frame is complete (flushed).
struct FrameClock {
    inner: TestBackend,
    frames: Arc<Mutex<Vec<Instant>>>,
}

impl Backend for FrameClock {
    type Error = <TestBackend as Backend>::Error;
    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, t: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(t)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()?;
        self.frames.lock().unwrap().push(Instant::now());
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Move,
    Filter,
    Sort,
}

struct Sent {
    at: Instant,
    kind: Kind,
    arriving: bool,
}

fn key(c: KeyCode) -> Event {
    Event::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn report(label: &str, lat: &[(Kind, Duration)]) {
    let pct = |v: &mut Vec<Duration>, q: f64| -> f64 {
        v.sort();
        v[((v.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0
    };
    let mut all: Vec<Duration> = lat.iter().map(|(_, d)| *d).collect();
    if all.is_empty() {
        println!("{label}: no keys");
        return;
    }
    let mut line = format!(
        "{label}: {} keys p50 {:.2} ms p99 {:.2} ms max {:.2} ms",
        all.len(),
        pct(&mut all, 0.5),
        pct(&mut all, 0.99),
        pct(&mut all, 1.0)
    );
    for k in [Kind::Move, Kind::Filter, Kind::Sort] {
        let mut v: Vec<Duration> = lat
            .iter()
            .filter(|(x, _)| *x == k)
            .map(|(_, d)| *d)
            .collect();
        if !v.is_empty() {
            line.push_str(&format!(
                " | {k:?} {}: p99 {:.2} max {:.2}",
                v.len(),
                pct(&mut v, 0.99),
                pct(&mut v, 1.0)
            ));
        }
    }
    // allow-print: a benchmark's report.
    println!("{line}");
}

#[tokio::main]
async fn main() {
    // The emulator on a runtime of its own, as a separate server would be: its handlers scan
    // 360,000 principals per page and must not take the app's worker threads.
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emu = server
        .spawn(Emulator::start(
            EmulatorOptions {
                generated_service_principals: GENERATED,
                egress_events_per_sec: 0.0,
                egress_backfill: 0,
                ..EmulatorOptions::default()
            },
            "127.0.0.1:0".parse().unwrap(),
        ))
        .await
        .unwrap()
        .unwrap();
    let a = emu
        .accounts()
        .into_iter()
        .find(|a| a.cloud == "aws")
        .unwrap();
    let scim = format!(
        "/api/2.0/accounts/{}/scim/v2/ServicePrincipals",
        a.account_id
    );
    let pages = (GENERATED + 150).div_ceil(PAGE);
    let mut p = Profile::empty("bench", ProfileSource::Demo);
    p.host = Some(emu.base_url());
    p.account_id = Some(a.account_id.clone());
    p.client_id = Some(a.client_id.clone());
    p.client_secret = Some(a.client_secret.clone().into());
    let dir = tempfile::tempdir().unwrap();
    let (actor, events) =
        dbx_tui::actor::spawn(dbx_tui::journal::Journal::at(dir.path().join("j")));
    let mut app = App::new(vec![p], Keymap::default());
    app.connect("bench");

    let frames = Arc::new(Mutex::new(Vec::new()));
    let taken = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let mut terminal = Terminal::new(FrameClock {
        inner: TestBackend::new(200, 50),
        frames: frames.clone(),
    })
    .unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let taken_log = taken.clone();
    let input = tokio_stream_from(rx).map(move |ev| {
        taken_log.lock().unwrap().push(Instant::now());
        Ok(ev)
    });

    // The keyboard: another thread, so a busy loop cannot delay when a key is sent.
    let handle = emu.handle();
    let driver = std::thread::spawn(move || {
        let mut sent = Vec::new();
        let send = |sent: &mut Vec<Sent>, ev: Event, kind: Kind, arriving: bool| {
            sent.push(Sent {
                at: Instant::now(),
                kind,
                arriving,
            });
            tx.send(ev).unwrap();
            std::thread::sleep(Duration::from_millis(15));
        };
        for c in ":sp".chars() {
            send(&mut sent, key(KeyCode::Char(c)), Kind::Move, false);
        }
        send(&mut sent, key(KeyCode::Enter), Kind::Move, false);
        sent.clear();
        // Wait for 100,000 rows requested, then slow the remaining pages down.
        let deadline = Instant::now() + Duration::from_secs(120);
        while handle.request_count(&scim) < 100_000 / PAGE {
            assert!(
                Instant::now() < deadline,
                "the load did not reach 100,000 rows"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        handle.inject_body_fault(BodyFault {
            path_prefix: scim.clone(),
            method: None,
            kind: FaultKind::Latency { millis: 80 },
            times: pages,
        });
        let script: Vec<(Event, Kind)> = vec![
            (key(KeyCode::Char('j')), Kind::Move),
            (key(KeyCode::Char('j')), Kind::Move),
            (key(KeyCode::PageDown), Kind::Move),
            (key(KeyCode::Char('k')), Kind::Move),
            (key(KeyCode::Char('/')), Kind::Filter),
            (key(KeyCode::Char('s')), Kind::Filter),
            (key(KeyCode::Char('p')), Kind::Filter),
            (key(KeyCode::Char('-')), Kind::Filter),
            (key(KeyCode::Char('0')), Kind::Filter),
            (key(KeyCode::Backspace), Kind::Filter),
            (key(KeyCode::Backspace), Kind::Filter),
            (key(KeyCode::Esc), Kind::Filter),
            (key(KeyCode::Char('o')), Kind::Sort),
            (key(KeyCode::Char('O')), Kind::Sort),
            (key(KeyCode::Char('G')), Kind::Move),
            (key(KeyCode::Char('g')), Kind::Move),
        ];
        // While pages arrive, then as many keys again once the list has settled.
        let mut i = 0;
        let mut arriving_keys = 0;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let arriving = handle.request_count(&scim) < pages;
            if (!arriving && i % script.len() == 0 && arriving_keys > 0)
                || Instant::now() > deadline
            {
                break;
            }
            let (ev, kind) = script[i % script.len()].clone();
            send(&mut sent, ev, kind, arriving);
            arriving_keys += usize::from(arriving);
            i += 1;
        }
        // The last page lands and the list is sorted once; then the settled phase.
        std::thread::sleep(Duration::from_millis(500));
        for k in 0..arriving_keys.max(script.len() * 4) {
            let (ev, kind) = script[k % script.len()].clone();
            send(&mut sent, ev, kind, false);
        }
        std::thread::sleep(Duration::from_millis(200));
        tx.send(Event::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL,
        )))
        .unwrap();
        sent
    });

    let exit = dbx_tui::app::run::run_with(&mut terminal, app, actor, events, input)
        .await
        .unwrap();
    assert_eq!(exit, dbx_tui::app::run::Exit::Quit);
    let sent = driver.join().unwrap();
    let frames = frames.lock().unwrap().clone();
    let taken = taken.lock().unwrap().clone();
    // The measured keys are the last `sent.len()` taken (the `:sp` keys before them).
    let taken = &taken[taken.len() - 1 - sent.len()..taken.len() - 1];
    let mut arriving = Vec::new();
    let mut settled = Vec::new();
    for (s, t) in sent.iter().zip(taken) {
        let frame = frames
            .iter()
            .find(|f| **f > *t)
            .copied()
            .expect("no frame after a key");
        let lat = frame - s.at;
        if s.arriving {
            arriving.push((s.kind, lat));
        } else {
            settled.push((s.kind, lat));
        }
    }
    report(
        "latency/event_loop/120k_principals/pages_arriving",
        &arriving,
    );
    report("latency/event_loop/120k_principals/settled", &settled);
    drop(emu);
    server.shutdown_background();
}

/// A tokio receiver as a stream.
fn tokio_stream_from<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<T>,
) -> impl futures::Stream<Item = T> + Unpin {
    Box::pin(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}
