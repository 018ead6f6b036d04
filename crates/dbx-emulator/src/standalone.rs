//! `dbx-tui emulator`: the emulator alone on 127.0.0.1, with a ready-to-paste `.databrickscfg`
//! (each profile says which emulated account it is for) and knobs to try scale and faults from
//! the command line: generated principals, the egress event rate, a latency on every answer and
//! faults from the same machinery tests use.

use super::faults::{BodyFault, FaultKind};
use super::state::{EmulatorHandle, Fault, lock};
use super::{DemoAccount, Emulator, EmulatorOptions};
use std::net::SocketAddr;
use std::time::Duration;

/// What `--fault` accepts, for `--help` and for errors.
pub const FAULT_HELP: &str = "KIND[:PATH_PREFIX[:TIMES]], repeatable. KIND is one of \
latency-MS, reset-mid-body, truncated, malformed, extra-fields, missing-optional, huge-BYTES, \
slow-drip, or an HTTP status (429, 500, 503, …). PATH_PREFIX defaults to /api/, TIMES (the \
next matching requests that fail) to 1. Example: --fault truncated:/api/2.0/accounts:3";

/// A fault given on the command line: a broken answer or an error status.
#[derive(Clone, Debug, PartialEq)]
pub enum CliFault {
    Body(BodyFault),
    Status(Fault),
}

/// Parses one `--fault` value (see [`FAULT_HELP`]).
pub fn parse_fault(text: &str) -> Result<CliFault, String> {
    let mut parts = text.splitn(3, ':');
    let kind = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let path_prefix = parts
        .next()
        .filter(|p| !p.is_empty())
        .unwrap_or("/api/")
        .to_owned();
    if !path_prefix.starts_with('/') {
        return Err(format!("{path_prefix:?} is not a path (it starts with /)"));
    }
    let times = match parts.next() {
        None => 1,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{t:?} is not a positive number of requests"))?,
    };
    let number = |s: &str, what: &str| {
        s.parse::<u64>()
            .map_err(|_| format!("{s:?} is not a number of {what}"))
    };
    let body = |kind| {
        Ok(CliFault::Body(BodyFault {
            path_prefix: path_prefix.clone(),
            method: None,
            kind,
            times,
        }))
    };
    match kind.as_str() {
        "reset-mid-body" => body(FaultKind::ResetMidBody),
        "truncated" => body(FaultKind::Truncated),
        "malformed" => body(FaultKind::Malformed),
        "extra-fields" => body(FaultKind::ExtraFields),
        "missing-optional" => body(FaultKind::MissingOptional),
        "slow-drip" => body(FaultKind::SlowDrip {
            chunk: 16,
            pause_millis: 50,
        }),
        k if k.starts_with("latency-") => body(FaultKind::Latency {
            millis: number(&k["latency-".len()..], "milliseconds")?,
        }),
        k if k.starts_with("huge-") => body(FaultKind::Huge {
            bytes: usize::try_from(number(&k["huge-".len()..], "bytes")?)
                .unwrap_or(usize::MAX)
                .min(super::MAX_HUGE_BYTES),
        }),
        k => match k.parse::<u16>() {
            Ok(status) if (400..=599).contains(&status) => Ok(CliFault::Status(Fault {
                path_prefix,
                status,
                retry_after_secs: (status == 429 || status == 503).then_some(1),
                times,
            })),
            _ => Err(format!("unknown fault {k:?}: {FAULT_HELP}")),
        },
    }
}

/// How to run the standalone emulator.
#[derive(Clone, Debug, Default)]
pub struct Standalone {
    pub port: u16,
    /// Serve the unauthenticated `/__emulator/faults` route.
    pub fault_routes: bool,
    /// Generated service principals per account, on top of the demo's.
    pub principals: usize,
    /// Denied egress events logged per second (the default when `None`).
    pub events_per_sec: Option<f64>,
    /// Added to every answer.
    pub latency: Duration,
    pub faults: Vec<CliFault>,
}

impl EmulatorHandle {
    /// Every answer is delayed by this much (on top of any injected fault).
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared).latency = latency;
    }
}

/// The `.databrickscfg` text for a running emulator: per account an OAuth M2M account profile
/// and a workspace-PAT profile pinned to its workspace with `workspace_id`, each preceded by a
/// comment naming the emulated account (name, cloud, id) it is for.
pub fn databrickscfg(base_url: &str, accounts: &[DemoAccount]) -> String {
    let mut out = String::new();
    for a in accounts {
        let name = format!("emulator-{}", a.cloud);
        let whose = format!("account \"{}\" ({}, {})", a.name, a.cloud, a.account_id);
        // Account APIs take no personal access token, as on Databricks: the account profile is
        // OAuth M2M.
        out.push_str(&format!(
            "# {whose}: account profile, OAuth M2M\n[{name}]\nhost          = {base_url}\naccount_id    = {}\nclient_id     = {}\nclient_secret = {}\n\n",
            a.account_id, a.client_id, a.client_secret
        ));
        if let Some((ws, token)) = &a.workspace_pat {
            out.push_str(&format!(
                "# {whose}: workspace {ws} with a personal access token\n[{name}-ws]\nhost         = {base_url}\nworkspace_id = {ws}\ntoken        = {token}\n\n"
            ));
        }
    }
    out
}

/// The `dbx-tui emulator --port N [--faults]` entry point with default knobs.
pub async fn run_standalone(port: u16, faults: bool) -> std::io::Result<()> {
    run_standalone_with(Standalone {
        port,
        fault_routes: faults,
        ..Standalone::default()
    })
    .await
}

/// Start on 127.0.0.1, print a ready-to-paste `.databrickscfg`, then serve until Ctrl-C.
pub async fn run_standalone_with(opts: Standalone) -> std::io::Result<()> {
    let defaults = EmulatorOptions::default();
    let emu = Emulator::start(
        EmulatorOptions {
            fault_routes: opts.fault_routes,
            generated_service_principals: opts.principals,
            egress_events_per_sec: opts
                .events_per_sec
                .unwrap_or(defaults.egress_events_per_sec),
            ..defaults
        },
        SocketAddr::from(([127, 0, 0, 1], opts.port)),
    )
    .await?;
    let handle = emu.handle();
    handle.set_latency(opts.latency);
    for f in &opts.faults {
        match f.clone() {
            CliFault::Body(b) => handle.inject_body_fault(b),
            CliFault::Status(s) => handle.inject_fault(s),
        }
    }
    let cfg = databrickscfg(&emu.base_url(), &emu.accounts());
    let mut knobs = Vec::new();
    if opts.principals > 0 {
        knobs.push(format!(
            "{} generated service principals per account",
            opts.principals
        ));
    }
    if let Some(r) = opts.events_per_sec {
        knobs.push(format!("{r} denied egress events per second"));
    }
    if !opts.latency.is_zero() {
        knobs.push(format!(
            "{} ms added to every answer",
            opts.latency.as_millis()
        ));
    }
    if !opts.faults.is_empty() {
        knobs.push(format!("{} fault(s) armed", opts.faults.len()));
    }
    let knobs = if knobs.is_empty() {
        String::new()
    } else {
        format!("# {}\n", knobs.join("; "))
    };
    let banner = format!(
        "dbx-tui emulator listening on {}\n\n{knobs}# ~/.databrickscfg\n{cfg}# Ctrl-C to stop.",
        emu.base_url()
    );
    // The standalone emulator's user-facing output, not a UI.
    println!("{banner}"); // allow-print
    tokio::signal::ctrl_c().await?;
    emu.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_with_defaults_and_refuse_nonsense() {
        assert_eq!(
            parse_fault("truncated").unwrap(),
            CliFault::Body(BodyFault {
                path_prefix: "/api/".into(),
                method: None,
                kind: FaultKind::Truncated,
                times: 1,
            })
        );
        assert_eq!(
            parse_fault("latency-250:/api/2.0/accounts:3").unwrap(),
            CliFault::Body(BodyFault {
                path_prefix: "/api/2.0/accounts".into(),
                method: None,
                kind: FaultKind::Latency { millis: 250 },
                times: 3,
            })
        );
        assert!(matches!(
            parse_fault("503::2").unwrap(),
            CliFault::Status(Fault {
                status: 503,
                times: 2,
                retry_after_secs: Some(1),
                ..
            })
        ));
        for bad in [
            "teapot",
            "200",
            "truncated:api",
            "truncated:/x:0",
            "latency-x",
        ] {
            assert!(parse_fault(bad).is_err(), "{bad}");
        }
    }
}
