//! Loading every account service principal from the emulator (50,000 and 100,000 generated),
//! three paths side by side in the same run:
//! - `raw_http_pages`: the same SCIM pages the loader asks for (100 per page, 4 in flight),
//!   fetched with a bare HTTP client and read as bytes: the floor.
//! - `actor_loader+app_reducer`: the real path: `:sp` typed into the App, the actor's paged
//!   loader, every page through the App's reducer (appended in arrival order, filtered), the
//!   one sort when the load settles. Times to the first row on screen and to the sorted list.
//! - `python_sdk_list` (when `databricks-sdk` is installed): `AccountClient.service_principals
//!   .list()` against the same emulator, the list alone (import excluded).
//!
//! Target: the real path under 2x the raw fetch, first row under 100 ms, and faster than the
//! Python SDK. Run with `cargo bench --bench principals`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or bench that cannot set itself up should stop loudly"
)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dbx_tui::api::scim_load::TABLE_ATTRIBUTES;
use dbx_tui::app::App;
use dbx_tui::app::keymap::Keymap;
use dbx_tui::app::state::Load;
use dbx_tui::config::{Profile, ProfileSource};
use dbx_tui::emulator::{DemoAccount, Emulator, EmulatorOptions};
use futures::StreamExt;
use std::time::{Duration, Instant};

const RUNS: usize = 3;
const PAGE: usize = 100;
const IN_FLIGHT: usize = 4;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The loader's pages, fetched bare.
async fn raw_http(base: &str, a: &DemoAccount, rows: usize) -> Duration {
    dbx_tui::api::client::install_tls_provider();
    let http = reqwest::Client::new();
    let url = format!(
        "{base}/api/2.0/accounts/{}/scim/v2/ServicePrincipals",
        a.account_id
    );
    let started = Instant::now();
    let bytes: usize = futures::stream::iter((0..rows.div_ceil(PAGE)).map(|p| {
        let (http, url) = (&http, &url);
        async move {
            http.get(url)
                .bearer_auth(&a.admin_token)
                .query(&[
                    ("startIndex", (1 + p * PAGE).to_string()),
                    ("count", PAGE.to_string()),
                    ("attributes", TABLE_ATTRIBUTES.to_owned()),
                ])
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .len()
        }
    }))
    .buffer_unordered(IN_FLIGHT)
    .fold(0, |n, b| async move { n + b })
    .await;
    assert!(bytes > rows * 50, "{bytes} bytes for {rows} rows");
    started.elapsed()
}

/// `:sp` through the App and the actor until the list is loaded and sorted: (first row, all).
async fn real_path(base: &str, a: &DemoAccount, rows: usize) -> (Duration, Duration) {
    let mut p = Profile::empty("bench", ProfileSource::Demo);
    p.host = Some(base.to_owned());
    p.account_id = Some(a.account_id.clone());
    p.client_id = Some(a.client_id.clone());
    p.client_secret = Some(a.client_secret.clone().into());
    let dir = tempfile::tempdir().unwrap();
    let (actor, mut events) =
        dbx_tui::actor::spawn(dbx_tui::journal::Journal::at(dir.path().join("j")));
    let mut app = App::new(vec![p], Keymap::default());
    app.state.size = (200, 50);
    app.connect("bench");
    let pump = async |app: &mut App, events: &mut tokio::sync::mpsc::UnboundedReceiver<_>| {
        for c in app.take_commands() {
            assert!(actor.try_send(c));
        }
        let ev = tokio::time::timeout(Duration::from_secs(60), events.recv())
            .await
            .expect("no answer in 60 s")
            .unwrap();
        app.handle_actor_event(ev);
    };
    // Connected and idle before the clock starts.
    while app.state.session.is_none() || !app.state.in_flight.is_empty() {
        pump(&mut app, &mut events).await;
    }
    let started = Instant::now();
    for c in ":sp".chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let mut first = None;
    while app.state.principals.load != Load::Loaded {
        pump(&mut app, &mut events).await;
        if first.is_none() && !app.state.principals.list.visible.is_empty() {
            first = Some(started.elapsed());
        }
        assert!(
            !matches!(app.state.principals.load, Load::Failed(_)),
            "{:?}",
            app.state.principals.load
        );
    }
    let all = started.elapsed();
    assert_eq!(app.state.principals.rows.len(), rows);
    (first.unwrap(), all)
}

fn python_sdk(rt: &tokio::runtime::Runtime, base: &str, a: &DemoAccount) -> Option<String> {
    let script = r#"
import sys, time
from databricks.sdk import AccountClient
host, acc, token = sys.argv[1:4]
a = AccountClient(host=host, account_id=acc, token=token, auth_type="pat")
t0 = time.monotonic(); first = None; n = 0
for sp in a.service_principals.list():
    if first is None: first = time.monotonic() - t0
    n += 1
print(f"{n} {first:.4f} {time.monotonic() - t0:.4f}")
"#;
    let have_sdk = std::process::Command::new("python3")
        .args(["-c", "import databricks.sdk"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_sdk {
        return Some("python sdk not installed (pip install databricks-sdk)".into());
    }
    // The emulator is served by this process's runtime: keep it running while Python calls it.
    let out = rt.block_on(async {
        tokio::process::Command::new("python3")
            .args(["-c", script, base, &a.account_id, &a.admin_token])
            .output()
            .await
    });
    Some(match out {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            let f: Vec<&str> = text.split_whitespace().collect();
            if let [_, first, all] = f[..] {
                format!(
                    "first row {:>8.1} ms  all rows {:>8.1} ms  (one run)",
                    first.parse::<f64>().unwrap_or(0.0) * 1000.0,
                    all.parse::<f64>().unwrap_or(0.0) * 1000.0
                )
            } else {
                format!("unexpected output {text:?}")
            }
        }
        Ok(o) => format!(
            "failed: {}",
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ),
        Err(e) => format!("could not run: {e}"),
    })
}

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for generated in [50_000, 100_000] {
        let emu = rt
            .block_on(Emulator::start(
                EmulatorOptions {
                    generated_service_principals: generated,
                    egress_events_per_sec: 0.0,
                    egress_backfill: 0,
                    ..Default::default()
                },
                "127.0.0.1:0".parse().unwrap(),
            ))
            .unwrap();
        let a = emu
            .accounts()
            .into_iter()
            .find(|a| a.cloud == "aws")
            .unwrap();
        let base = emu.base_url();
        // The demo's own principals come on top of the generated ones.
        let rows = generated + 150;
        let raw = median(
            (0..RUNS)
                .map(|_| rt.block_on(raw_http(&base, &a, rows)))
                .collect(),
        );
        let (firsts, alls): (Vec<_>, Vec<_>) = (0..RUNS)
            .map(|_| rt.block_on(real_path(&base, &a, rows)))
            .unzip();
        let (first, all) = (median(firsts), median(alls));
        let k = generated / 1000;
        // allow-print: a benchmark's report.
        println!(
            "principals/{k}k/raw_http_pages                  all rows {:>8.1} ms  (median of {RUNS})",
            ms(raw)
        );
        println!(
            "principals/{k}k/actor_loader+app_reducer+sort   first row {:>6.1} ms  all rows sorted {:>8.1} ms  = {:.2}x raw  (median of {RUNS})",
            ms(first),
            ms(all),
            all.as_secs_f64() / raw.as_secs_f64()
        );
        if let Some(line) = python_sdk(&rt, &base, &a) {
            println!("principals/{k}k/python_sdk_list                 {line}");
        }
        rt.block_on(emu.shutdown());
    }
}
