//! The egress loop in a real terminal: the tail shows blocks of a domain, `a` and `y` allow it,
//! and the emulator logs no new blocks for it on that policy's workspaces afterwards.

#![cfg(unix)]

use dbx_tui::emulator::{Emulator, EmulatorOptions};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn wait_for(parser: &mut vt100::Parser, rx: &mpsc::Receiver<Vec<u8>>, text: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let screen = parser.screen().contents();
        if screen.contains(text) {
            return screen;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "timed out waiting for {text}; screen:\n{screen}"
        );
        if let Ok(bytes) = rx.recv_timeout(left) {
            parser.process(&bytes);
        }
    }
}

#[test]
fn allow_a_blocked_domain_from_the_log_and_its_blocks_stop() {
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
    emu.handle().generate_egress_events(600);
    let a = emu.accounts().into_iter().next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("databrickscfg");
    std::fs::write(
        &cfg,
        format!(
            "[emu]\nhost = {}\naccount_id = {}\nclient_id = {}\nclient_secret = {}\n",
            emu.base_url(),
            a.account_id,
            a.client_id,
            a.client_secret
        ),
    )
    .unwrap();

    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 150,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_dbx-tui"));
    cmd.args(["--config-file", cfg.to_str().unwrap(), "--profile", "emu"]);
    cmd.env("HOME", dir.path());
    cmd.env("DBX_TUI_LOG_DIR", dir.path().join("logs"));
    cmd.env("DBX_TUI_JOURNAL", dir.path().join("journal.jsonl"));
    cmd.env("TERM", "xterm-256color");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _master = pair.master;
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut parser = vt100::Parser::new(
        std::num::NonZeroU16::new(40).unwrap(),
        std::num::NonZeroU16::new(150).unwrap(),
        0,
    );
    let mut send = |s: &str| {
        writer.write_all(s.as_bytes()).unwrap();
        writer.flush().unwrap();
    };

    wait_for(&mut parser, &rx, "Workspaces (");
    wait_for(&mut parser, &rx, "corp-egress");
    send(":egress\r");
    let screen = wait_for(&mut parser, &rx, "BLOCKED");
    // The first blocked DNS row on a workspace of this account bound to corp-egress.
    let line = screen
        .lines()
        .find(|l| {
            l.contains("BLOCKED")
                && l.contains(" DNS ")
                && (l.contains("prod-analytics") || l.contains("staging-data-eng"))
                && !l.contains("amazonaws")
        })
        .unwrap_or_else(|| panic!("no blocked DNS row for a corp-egress workspace:\n{screen}"))
        .to_owned();
    let domain = line
        .split_whitespace()
        .find(|w| w.contains('.') && !w.contains(':'))
        .unwrap()
        .to_owned();
    let workspace = if line.contains("prod-analytics") {
        "prod-analytics"
    } else {
        "staging-data-eng"
    };
    send(&format!("/{domain} {workspace}"));
    send("\r");
    wait_for(&mut parser, &rx, &format!("/{domain} {workspace}"));
    send("a");
    wait_for(&mut parser, &rx, "Review change to corp-egress");
    send("y");
    wait_for(&mut parser, &rx, "applied 1 change(s) to corp-egress");

    // New traffic: nothing more for that domain on corp-egress workspaces.
    let held = emu
        .handle()
        .policy_raw(&a.account_id, "corp-egress")
        .unwrap();
    assert!(held.to_string().contains(&format!("\"{domain}\"")));
    // Ask the warehouse, with the app's own client, whether any block of that domain was
    // logged on the workspace since the allow.
    let count = |rt: &tokio::runtime::Runtime| {
        rt.block_on(async {
            use dbx_tui::api::sql::{Param, StatementRequest, execute};
            let mut p = dbx_tui::config::Profile::empty("t", dbx_tui::config::ProfileSource::Demo);
            p.host = Some(emu.base_url());
            p.account_id = Some(a.account_id.clone());
            p.client_id = Some(a.client_id.clone());
            p.client_secret = Some(a.client_secret.clone().into());
            let c = dbx_tui::api::ApiClient::new(
                dbx_tui::api::client::http_client(),
                &emu.base_url(),
                dbx_tui::auth::provider_for(&p).unwrap(),
            );
            let ws = dbx_tui::api::workspaces::list(&c, &a.account_id)
                .await
                .unwrap()
                .into_iter()
                .find(|w| w.workspace_name == workspace)
                .unwrap()
                .workspace_id;
            let wh = dbx_tui::api::sql::list_warehouses(&c).await.unwrap()[0]
                .id
                .clone();
            let req = StatementRequest::new(
                "SELECT COUNT(*) AS n FROM system.access.outbound_network \
             WHERE COALESCE(dns_event.domain_name, storage_event.hostname, destination) = :d \
             AND workspace_id = :ws",
                &wh,
            )
            .param(Param::string("d", domain.clone()))
            .param(Param::string("ws", ws.to_string()));
            let r = execute(&c, &req, &tokio_util::sync::CancellationToken::new())
                .await
                .unwrap();
            r.rows[0][0].clone().unwrap()
        })
    };
    let before_rows = emu.handle().egress_row_count();
    let before = count(&rt);
    emu.handle().generate_egress_events(600);
    assert!(
        emu.handle().egress_row_count() > before_rows,
        "the generator should still log other blocks"
    );
    assert_eq!(
        count(&rt),
        before,
        "{domain} is still blocked on {workspace} after it was allowed"
    );
    send(":egress\r");
    let screen = wait_for(&mut parser, &rx, "BLOCKED");
    assert!(screen.contains("Egress block log"), "{screen}");
    send("q");
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the app did not exit");
        if let Ok(b) = rx.recv_timeout(Duration::from_millis(50)) {
            parser.process(&b);
        }
    }
    drop(rt);
}
