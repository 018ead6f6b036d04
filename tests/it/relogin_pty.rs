//! End to end: the real binary on an `external-browser` profile with no OS keyring (the D-Bus
//! session bus points nowhere), signing in from the header through the dialog while the test
//! plays the browser over HTTP. The login is kept in memory for the run, and no code or token
//! reaches the screen, the log or any file.

#![cfg(target_os = "linux")]

use crate::support;

use dbx_tui::emulator::{Emulator, EmulatorOptions};
use reqwest::header::LOCATION;
use std::time::Duration;
use support::pty::Tui;

/// The authorize address as the dialog shows it: cut into rows inside the box's borders.
fn url_on_screen(screen: &str) -> String {
    let rows: Vec<&str> = screen.lines().collect();
    let start = rows
        .iter()
        .position(|l| l.contains("Sign in at this address:"))
        .expect("the dialog shows the address");
    let inner = |l: &str| l.replace('│', "").trim().to_owned();
    rows[start + 1..]
        .iter()
        .map(|l| inner(l))
        .skip_while(String::is_empty)
        .take_while(|l| !l.is_empty())
        .collect()
}

async fn play_browser(url: &str) {
    let no_redirects = crate::support::http_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects.get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 302, "{url}");
    let back = r.headers()[LOCATION].to_str().unwrap().to_owned();
    let page = reqwest::get(&back).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
}

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn sign_in_from_the_header_without_a_keyring_keeps_the_login_for_the_run() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let opts = EmulatorOptions {
        egress_events_per_sec: 0.0,
        egress_backfill: 0,
        ..EmulatorOptions::default()
    };
    let emu = rt
        .block_on(Emulator::start(opts, "127.0.0.1:0".parse().unwrap()))
        .unwrap();
    let a = emu.accounts().into_iter().next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("databrickscfg");
    std::fs::write(
        &cfg,
        format!(
            "[me]\nhost = {}\naccount_id = {}\nauth_type = external-browser\n",
            emu.base_url(),
            a.account_id
        ),
    )
    .unwrap();
    let bus = format!("unix:path={}", dir.path().join("no-bus").display());
    let env = [
        ("DBUS_SESSION_BUS_ADDRESS", bus.as_str()),
        ("BROWSER", ""),
        ("DISPLAY", ""),
        ("WAYLAND_DISPLAY", ""),
        ("DBX_TUI_LOG", "debug"),
    ];
    let cfg = cfg.to_str().unwrap().to_owned();
    let mut tui = Tui::start_with_env(dir, &["--config-file", &cfg, "--profile", "me"], &env);
    tui.wait_for("not signed in — press S to sign in again");
    assert!(
        tui.screen().contains("<S> sign in again"),
        "{}",
        tui.screen()
    );

    tui.send("S");
    tui.wait_for("Sign in at this address:");
    // The whole dialog drawn, down to its last line.
    tui.wait_for("left · esc cancel");
    let screen = tui.screen();
    assert!(
        screen.contains("No browser could be opened here"),
        "no display: no browser started: {screen}"
    );
    let url = url_on_screen(&screen);
    assert!(
        url.starts_with(&format!("{}/oidc/accounts/", emu.base_url())) && url.contains("state="),
        "{url}"
    );
    rt.block_on(play_browser(&url));

    tui.wait_for("kept in memory for this run only");
    let screen = tui.screen();
    assert!(screen.contains("signed in to"), "{screen}");
    tui.wait_until("the workspaces", Duration::from_secs(20), |s| {
        s.contains("Workspaces (") && s.contains("RUNNING") && !s.contains("not signed in")
    });

    // The view loads again with the login held in memory (no keyring to read it from).
    tui.send("r");
    tui.wait_until("a reload", Duration::from_secs(20), |s| {
        s.contains("RUNNING") && !s.contains("not signed in") && !s.contains("error:")
    });

    tui.send("q");
    let status = tui.wait_exit();
    assert!(status.success(), "exit status {status:?}");

    // Canary: no authorization code, access or refresh token anywhere the app wrote.
    let canaries = ["dbxemu-code-", "dbxemu-u2m-"];
    let raw = String::from_utf8_lossy(tui.raw_output()).into_owned();
    let log = tui.log_text();
    assert!(
        log.contains("kept in memory") && log.contains("no OS keyring"),
        "the log says why: {log}"
    );
    let mut files = Vec::new();
    walk(tui.home(), &mut files);
    for c in canaries {
        assert!(!raw.contains(c), "{c} on screen");
        assert!(!log.contains(c), "{c} in the log");
        for f in &files {
            let text = String::from_utf8_lossy(&std::fs::read(f).unwrap_or_default()).into_owned();
            assert!(!text.contains(c), "{c} in {}", f.display());
        }
    }
}
