//! The terminal end to end, in a pseudo-terminal: a paste as a terminal sends it never acts as
//! keys, and a signal (SIGHUP when the SSH session or the tab closes, SIGTERM, SIGQUIT) leaves
//! the terminal restored, the log flushed and an exit status of 128 + the signal.

#![cfg(unix)]

use crate::support;

use std::time::Duration;
use support::pty::{Tui, emulator_in_runtime};

/// The app against an emulator of this process, with corp-egress's allow-DNS input open.
fn allow_input() -> (tokio::runtime::Runtime, dbx_tui::emulator::Emulator, Tui) {
    let (rt, emu) = emulator_in_runtime(dbx_tui::emulator::EmulatorOptions::default());
    let account = emu.accounts().into_iter().next().unwrap();
    let mut tui = Tui::against(&emu, &account);
    tui.open_corp_egress_allow_dns();
    (rt, emu, tui)
}

#[test]
fn a_two_line_paste_is_offered_and_applies_nothing() {
    let (_rt, emu, mut tui) = allow_input();
    let before = support::server_names(&emu, "corp-egress");
    assert!(
        tui.bracketed_paste(),
        "the app did not turn bracketed paste on"
    );
    // As a terminal sends it: `ESC [200~ analytics.example.org CR www.yammer.com CR ESC [201~`.
    // As keys, the first line would be added, `w` would open the review and `y` apply it.
    tui.paste("analytics.example.org\nwww.yammer.com\n");
    tui.wait_for("Allow 2 names: analytics.example.org, www.yammer.com?");
    assert_eq!(
        support::server_names(&emu, "corp-egress"),
        before,
        "nothing written"
    );
    assert!(!tui.screen().contains("Review change"));

    tui.send("\x1b");
    tui.wait_for("enter to add");
    tui.send("\x1b");
    tui.wait_until("the input closed", Duration::from_secs(20), |s| {
        !s.contains("Allow DNS name")
    });
    tui.send("q");
    assert!(tui.wait_exit().success());
    assert!(tui.wrote("\x1b[?2004l"), "bracketed paste left on");
    assert_eq!(support::server_names(&emu, "corp-egress"), before);
}

#[test]
fn a_huge_paste_leaves_the_console_responsive() {
    let (_rt, _emu, mut tui) = allow_input();
    tui.paste(&"x".repeat(10_000));
    tui.wait_for("paste ignored: 10000 characters");
    tui.send("ok.example.com");
    tui.wait_for(" ok.example.com");
    tui.send("\x1b");
    tui.wait_until("the input closed", Duration::from_secs(20), |s| {
        !s.contains("Allow DNS name")
    });
    tui.send("q");
    assert!(tui.wait_exit().success());
}

/// Start the demo, send `signal`, and check the way out.
fn signal_restores_the_terminal(signal: &str, code: u32) {
    let mut tui = Tui::start(&["--demo"]);
    tui.wait_for("Workspaces (");
    assert!(tui.parser.screen().alternate_screen());
    tui.signal(signal);
    let status = tui.wait_exit();
    assert_eq!(status.exit_code(), code, "SIG{signal}: {status:?}");
    for (seq, what) in [
        ("\x1b[?1049l", "the alternate screen left"),
        ("\x1b[?25h", "the cursor shown"),
        ("\x1b[?2004l", "bracketed paste turned off"),
    ] {
        assert!(tui.wrote(seq), "SIG{signal}: {what}: {seq:?} never written");
    }
    let screen = tui.parser.screen();
    assert!(!screen.alternate_screen(), "SIG{signal}");
    assert!(!screen.hide_cursor(), "SIG{signal}");
    let log = tui.log_text();
    assert!(
        log.contains("stopping on a signal"),
        "SIG{signal}: the log was not flushed:\n{log}"
    );
}

#[test]
fn sighup_restores_the_terminal_and_exits_129() {
    signal_restores_the_terminal("HUP", 129);
}

#[test]
fn sigterm_restores_the_terminal_and_exits_143() {
    signal_restores_the_terminal("TERM", 143);
}

#[test]
fn sigquit_restores_the_terminal_and_exits_131() {
    signal_restores_the_terminal("QUIT", 131);
}
