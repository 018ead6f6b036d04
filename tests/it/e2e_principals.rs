//! End to end: the real binary in a pseudo-terminal against an in-test emulator, driving the
//! service-principals pane by keystrokes and checking the emulator afterwards.

#![cfg(unix)]

use crate::support;

use std::time::Duration;
use support::pty::{Tui, emulator_in_runtime, write_profile};

/// The app against an emulator running in this test process, through a real config file.
fn start_against(
    emu: &dbx_tui::emulator::Emulator,
    env: &[(&str, &str)],
) -> (Tui, std::path::PathBuf) {
    let a = emu
        .accounts()
        .into_iter()
        .find(|a| a.cloud == "aws")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_profile(dir.path(), emu, &a);
    let journal = dir.path().join("journal.jsonl");
    let tui = Tui::start_with_env(dir, &["--config-file", &cfg, "--profile", "emu"], env);
    (tui, journal)
}

fn sp_active(rt: &tokio::runtime::Runtime, emu: &dbx_tui::emulator::Emulator, name: &str) -> bool {
    let a = emu
        .accounts()
        .into_iter()
        .find(|a| a.cloud == "aws")
        .unwrap();
    let url = format!(
        "{}/api/2.0/accounts/{}/scim/v2/ServicePrincipals",
        emu.base_url(),
        a.account_id
    );
    let v: serde_json::Value = rt.block_on(async {
        crate::support::http()
            .get(url)
            .query(&[("filter", format!("displayName eq \"{name}\""))])
            .bearer_auth(&a.admin_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    v["Resources"][0]["active"]
        .as_bool()
        .expect("principal found")
}

#[test]
fn find_a_principal_deactivate_it_and_see_it_inactive_on_the_emulator() {
    let (rt, emu) = emulator_in_runtime(dbx_tui::emulator::EmulatorOptions {
        generated_service_principals: 2_000,
        ..Default::default()
    });
    let (mut tui, journal) = start_against(&emu, &[]);
    tui.wait_for("Workspaces (");
    tui.send(":sp\r");
    tui.wait_for("Service principals (2,150)");
    tui.send("/github-act");
    tui.wait_for("/github-act");
    tui.send("\r");
    tui.wait_for("Service principals (1/2,150)");
    assert!(sp_active(&rt, &emu, "github-actions-deploy"));
    tui.send("t");
    tui.wait_for("Deactivate github-actions-deploy?");
    tui.send("y");
    tui.wait_for("deactivated");
    assert!(!sp_active(&rt, &emu, "github-actions-deploy"));
    let screen = tui.screen();
    assert!(screen.contains(" no "), "{screen}");
    tui.send("q");
    assert!(tui.wait_exit().success());
    let text = std::fs::read_to_string(journal).unwrap();
    assert!(text.contains("deactivate_service_principal"), "{text}");
    drop(rt);
}

#[test]
fn a_new_secret_is_shown_once_and_never_reaches_the_log_or_journal() {
    let (rt, emu) = emulator_in_runtime(dbx_tui::emulator::EmulatorOptions::default());
    let (mut tui, journal) = start_against(&emu, &[("DBX_TUI_LOG", "trace")]);
    tui.wait_for("Workspaces (");
    tui.send(":sp\r");
    tui.wait_for("Service principals (150)");
    tui.send("/dbt-cloud\r");
    tui.wait_for("/dbt-cloud");
    tui.send("\r");
    tui.wait_for("OAuth secrets");
    tui.send("n");
    tui.wait_for("lifetime in days");
    tui.send("\r");
    tui.wait_for("only time it is shown");
    // The emulator mints secrets as `dose<32 hex>`.
    let screen = tui.screen();
    let secret = screen
        .split_whitespace()
        .find(|w| w.starts_with("dose") && w.len() > 30)
        .unwrap_or_else(|| panic!("no secret on screen:\n{screen}"))
        .trim_matches('│')
        .to_owned();
    tui.send("c");
    tui.wait_for("sent to the terminal's clipboard");
    tui.send("\x1b");
    tui.wait_until("the modal to close", Duration::from_secs(10), |s| {
        !s.contains("only time it is shown")
    });
    assert!(!tui.screen().contains(&secret));
    tui.send("q");
    assert!(tui.wait_exit().success());
    let log = tui.log_text();
    assert!(
        log.contains("request"),
        "the trace log should have request lines"
    );
    assert!(!log.contains(&secret), "the secret reached the log");
    let text = std::fs::read_to_string(journal).unwrap();
    assert!(text.contains("create_secret"));
    assert!(!text.contains(&secret), "the secret reached the journal");
    drop(rt);
}
