//! Listing 10,000 account service principals from the emulator: time to the first row and to
//! all rows, with dbx-tui's paged loader (4 pages in flight) and, when installed, the official
//! Python SDK against the same emulator. Run with `cargo bench --bench principals`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or bench that cannot set itself up should stop loudly"
)]

use dbx_tui::api::ApiClient;
use dbx_tui::api::scim::ScimScope;
use dbx_tui::api::scim_load::{LoadQuery, load_all};
use dbx_tui::config::{Profile, ProfileSource};
use dbx_tui::emulator::{Emulator, EmulatorOptions};
use std::time::{Duration, Instant};

const GENERATED: usize = 10_000;
const RUNS: usize = 5;

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt
        .block_on(Emulator::start(
            EmulatorOptions {
                generated_service_principals: GENERATED,
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
    let mut p = Profile::empty("bench", ProfileSource::Demo);
    p.host = Some(emu.base_url());
    p.account_id = Some(a.account_id.clone());
    p.token = Some(a.admin_token.clone().into());
    let provider = dbx_tui::auth::provider_for(&p).unwrap();
    let client = ApiClient::new(
        dbx_tui::api::client::http_client(),
        &emu.base_url(),
        provider,
    );
    let scope = ScimScope::Account(a.account_id.clone());

    let mut firsts = Vec::new();
    let mut alls = Vec::new();
    let mut rows = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut first: Option<Duration> = None;
        let summary = rt
            .block_on(load_all(
                &client,
                &scope,
                &LoadQuery::default(),
                4,
                |page, _| {
                    if first.is_none() && !page.is_empty() {
                        first = Some(started.elapsed());
                    }
                },
            ))
            .unwrap();
        alls.push(started.elapsed());
        firsts.push(first.unwrap());
        rows = summary.loaded;
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    // allow-print: a benchmark's report.
    println!(
        "dbx-tui   {rows} principals: first row {:>8.1?}  all rows {:>8.1?}  (median of {RUNS})",
        median(&mut firsts),
        median(&mut alls)
    );

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
        println!("python sdk not installed");
        return;
    }
    // The emulator is served by this process's runtime: keep it running while Python calls it.
    let base = emu.base_url();
    let out = rt.block_on(async {
        tokio::process::Command::new("python3")
            .args(["-c", script, &base, &a.account_id, &a.admin_token])
            .output()
            .await
    });
    match out {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            let f: Vec<&str> = text.split_whitespace().collect();
            if let [n, first, all] = f[..] {
                println!(
                    "python sdk {n} principals: first row {:>8.1}ms  all rows {:>8.1}ms  (one run)",
                    first.parse::<f64>().unwrap_or(0.0) * 1000.0,
                    all.parse::<f64>().unwrap_or(0.0) * 1000.0
                );
            } else {
                println!("python sdk: unexpected output {text:?}");
            }
        }
        Ok(o) => println!(
            "python sdk failed: {}",
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ),
        Err(e) => println!("python sdk could not run: {e}"),
    }
}
