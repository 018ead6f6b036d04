//! End to end: the real binary in a pseudo-terminal against its embedded emulator, with the
//! screen parsed by vt100 (ratatui writes cursor moves, not text lines, so raw bytes won't do).

#![cfg(unix)]

use crate::support;

use std::time::Duration;
use support::pty::{Tui, emulator_in_runtime, write_profile};

#[test]
fn demo_browse_policies_and_quit_restores_the_terminal() {
    let mut tui = Tui::start(&["--demo"]);
    tui.wait_for("Workspaces (");
    tui.wait_until(
        "workspace rows with bound policies",
        Duration::from_secs(20),
        // A binding not known yet is a lone `…` cell (cut text ends in `…` inside a word).
        |s| s.contains("RUNNING") && s.contains("default-policy") && !s.contains(" … "),
    );
    assert!(
        tui.parser.screen().alternate_screen(),
        "the UI should run on the alternate screen"
    );

    tui.send(":np\r");
    tui.wait_for("Network policies (");
    tui.wait_for("corp-egress");

    tui.send("/corp");
    tui.wait_for("/corp");
    tui.send("\r\r");
    tui.wait_for("Allowed DNS names");
    let screen = tui.screen();
    assert!(screen.contains("Network policy corp-egress"), "{screen}");
    assert!(screen.contains("Restriction mode"), "{screen}");
    assert!(screen.contains("Bound workspaces"), "{screen}");

    tui.send("\x1b");
    tui.wait_for("Network policies (");

    tui.send("q");
    let status = tui.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    let screen = tui.parser.screen();
    assert!(
        !screen.alternate_screen(),
        "the alternate screen was not left"
    );
    assert!(!screen.hide_cursor(), "the cursor was left hidden");
}

#[test]
fn ctrl_c_quits_from_the_command_line() {
    let mut tui = Tui::start(&["--demo"]);
    tui.wait_for("Workspaces (");
    tui.send(":ct");
    tui.wait_for(":ct");
    tui.send("\x03");
    let status = tui.wait_exit();
    assert!(status.success());
    assert!(!tui.parser.screen().alternate_screen());
}

#[test]
fn add_a_domain_with_keystrokes_and_find_it_on_the_emulator() {
    // The emulator runs in this test process; the app reaches it through a real config file.
    let (rt, emu) = emulator_in_runtime(dbx_tui::emulator::EmulatorOptions::default());
    let account = emu.accounts().into_iter().next().unwrap();
    let mut tui = Tui::against(&emu, &account);
    tui.open_corp_egress_allow_dns();
    tui.send("pty.example.com\r");
    tui.wait_for("[modified: 1 change(s)");
    tui.send("w");
    tui.wait_for("Review change to corp-egress");
    tui.send("y");
    tui.wait_for("applied 1 change(s) to corp-egress");

    let held = emu
        .handle()
        .policy_raw(&account.account_id, "corp-egress")
        .unwrap();
    let names: Vec<&str> = held["egress"]["network_access"]["allowed_internet_destinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["destination"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"pty.example.com"), "{names:?}");

    tui.send("q");
    assert!(tui.wait_exit().success());
    assert!(!tui.parser.screen().alternate_screen());
    drop(rt);
}

#[test]
fn policy_export_from_the_command_line_prints_terraform() {
    let (rt, emu) = emulator_in_runtime(dbx_tui::emulator::EmulatorOptions::default());
    let a = emu.accounts().into_iter().next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_profile(dir.path(), &emu, &a);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dbx-tui"))
        .args([
            "--config-file",
            &cfg,
            "--profile",
            "emu",
            "policy",
            "export",
            "corp-egress",
        ])
        .env("DBX_TUI_LOG_DIR", dir.path().join("logs"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tf = String::from_utf8(out.stdout).unwrap();
    assert!(
        tf.contains("resource \"databricks_account_network_policy\""),
        "{tf}"
    );
    assert!(tf.contains("pypi.org"), "{tf}");
    assert_eq!(
        tf.matches("resource \"databricks_workspace_network_option\"")
            .count(),
        2,
        "{tf}"
    );
    assert!(
        !tf.contains(&a.client_secret),
        "a secret reached the output"
    );
    drop(rt);
}

#[test]
fn secrets_never_reach_the_screen_or_the_debug_log() {
    let seed = dbx_tui::emulator::Seed::demo();
    let mut tui = Tui::start_with_env(
        tempfile::tempdir().unwrap(),
        &["--demo"],
        &[("DBX_TUI_LOG", "debug")],
    );
    tui.wait_for("Workspaces (");
    tui.send(":np\r");
    tui.wait_for("corp-egress");
    tui.send(":ctx demo-gcp\r");
    tui.wait_for("demo-gcp (account)");
    let screen = tui.screen();
    tui.send("q");
    assert!(tui.wait_exit().success());
    let log = tui.log_text();
    assert!(
        log.contains("request"),
        "the debug log should have request lines:\n{log}"
    );
    for a in &seed.accounts {
        for secret in [&a.client_secret, &a.admin_token] {
            assert!(
                !screen.contains(secret.as_str()),
                "a secret reached the screen"
            );
            assert!(!log.contains(secret.as_str()), "a secret reached the log");
        }
    }
    assert!(
        !log.contains("dbxemu-oauth-"),
        "an access token reached the log"
    );
    assert!(
        !log.contains("Bearer "),
        "an Authorization header reached the log"
    );
}

/// `--demo` keeps its journal and log apart from the real ones (which `DBX_TUI_JOURNAL` and
/// `DBX_TUI_LOG_DIR` point at here), in private files.
#[test]
fn demo_files_are_private_and_apart_from_the_real_ones() {
    use std::os::unix::fs::PermissionsExt;
    let mut tui = Tui::start(&["--demo"]);
    tui.wait_for("Workspaces (");
    tui.send("q");
    assert!(tui.wait_exit().success());
    let home = tui.home().to_path_buf();
    assert!(
        !home.join("journal.jsonl").exists() && !home.join("logs").exists(),
        "the demo wrote into the real journal or log directory"
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let demo = home.join("data/dbx-tui/demo");
    assert_eq!(mode(&home.join("data/dbx-tui")), 0o700);
    assert_eq!(mode(&demo), 0o700);
    assert_eq!(mode(&demo.join("logs")), 0o700);
    assert_eq!(mode(&demo.join("logs/dbx-tui.log")), 0o600);
    assert!(tui.log_text().contains("starting"));
}
