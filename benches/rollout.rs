//! The rollout report on the real path: `dbx-tui policy rollout`'s `run` (policy, bindings, the
//! warehouse reached through a workspace, one GROUP BY over the dry-run denials) against the
//! emulator holding at least 1,000,000 events of the account in the 7-day window. Target: the
//! report in under 2 s.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or bench that cannot set itself up should stop loudly"
)]

use dbx_tui::api::ApiClient;
use dbx_tui::api::network_policies::{self, EnforcementMode};
use dbx_tui::api::workspaces;
use dbx_tui::config::{Profile, ProfileSource};
use dbx_tui::emulator::{Emulator, EmulatorOptions};
use std::time::{Duration, Instant};

const EVENTS: usize = 1_000_000;
const RUNS: usize = 5;

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let opts = EmulatorOptions {
        egress_events_per_sec: 0.0,
        egress_backfill: 0,
        warehouse_start_delay: Duration::ZERO,
        sql_statement_delay: Duration::ZERO,
        ..EmulatorOptions::default()
    };
    let emu = rt
        .block_on(Emulator::start(opts, "127.0.0.1:0".parse().unwrap()))
        .unwrap();
    let a = emu.accounts().remove(0);
    let filled = Instant::now();
    while emu.handle().egress_row_count_of(&a.account_id) < EVENTS {
        emu.handle().generate_egress_events(200_000);
    }
    let rows = emu.handle().egress_row_count_of(&a.account_id);
    println!(
        "emulator: {rows} events of the account in the window, generated in {:.1?}",
        filled.elapsed()
    );

    let mut p = Profile::empty("bench", ProfileSource::Demo);
    p.host = Some(emu.base_url());
    p.account_id = Some(a.account_id.clone());
    p.client_id = Some(a.client_id.clone());
    p.client_secret = Some(a.client_secret.clone().into());
    let policy = rt.block_on(async {
        let http = dbx_tui::api::client::http_client_for(&p).unwrap();
        let c = ApiClient::new(
            http,
            &emu.base_url(),
            dbx_tui::auth::provider_for(&p).unwrap(),
        );
        for policy in network_policies::list(&c, &a.account_id).await.unwrap() {
            if policy.enforcement_mode() == EnforcementMode::DryRun
                && !workspaces::bound_to(&c, &a.account_id, policy.id())
                    .await
                    .unwrap()
                    .is_empty()
            {
                return policy.id().to_owned();
            }
        }
        panic!("the demo seed has a bound dry-run policy");
    });
    let since = dbx_tui::api::timestamp::now_ms() - 7 * 86_400_000;
    let mut times = Vec::new();
    let mut denials = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let run = rt
            .block_on(dbx_tui::policy_rollout::run(&p, &policy, since))
            .unwrap();
        times.push(started.elapsed());
        denials = run.report.rows.iter().map(|r| r.denials).sum::<u64>();
    }
    times.sort();
    // allow-print: a benchmark's report.
    println!(
        "rollout report of {policy} over {rows} events ({denials} dry-run denials): median {:.1?}, min {:.1?}, max {:.1?} (target < 2 s)",
        times[RUNS / 2],
        times[0],
        times[RUNS - 1]
    );
}
