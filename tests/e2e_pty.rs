//! End to end: the real binary in a pseudo-terminal against its embedded emulator, with the
//! screen parsed by vt100 (ratatui writes cursor moves, not text lines, so raw bytes won't do).

#![cfg(unix)]

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const ROWS: u16 = 40;
const COLS: u16 = 140;

struct Tui {
    parser: vt100::Parser,
    output: mpsc::Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _dir: tempfile::TempDir,
}

impl Tui {
    fn start(args: &[&str]) -> Tui {
        Self::start_in(tempfile::tempdir().unwrap(), args)
    }

    fn start_in(dir: tempfile::TempDir, args: &[&str]) -> Tui {
        Self::start_with_env(dir, args, &[])
    }

    fn start_with_env(dir: tempfile::TempDir, args: &[&str], env: &[(&str, &str)]) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_dbx-tui"));
        cmd.args(args);
        cmd.env("HOME", dir.path());
        cmd.env("XDG_CONFIG_HOME", dir.path().join("config"));
        cmd.env("XDG_DATA_HOME", dir.path().join("data"));
        cmd.env("DBX_TUI_LOG_DIR", dir.path().join("logs"));
        cmd.env("DBX_TUI_JOURNAL", dir.path().join("journal.jsonl"));
        cmd.cwd(dir.path());
        cmd.env("TERM", "xterm-256color");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (tx, rx) = mpsc::channel();
        // The PTY is read on its own thread: a full PTY buffer would otherwise block the app.
        std::thread::spawn(move || {
            let _keep_master_open = pair.master;
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let size = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        Tui {
            parser: vt100::Parser::new(size(ROWS), size(COLS), 0),
            output: rx,
            writer,
            child,
            _dir: dir,
        }
    }

    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Feed output until the screen satisfies `pred`, or fail with the screen after `timeout`.
    fn wait_until(&mut self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            if pred(&self.screen()) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!("timed out waiting for {what}; screen:\n{}", self.screen());
            }
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.parser.process(&bytes),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!(
                        "the app exited while waiting for {what}; screen:\n{}",
                        self.screen()
                    )
                }
            }
        }
    }

    fn wait_for(&mut self, text: &str) {
        let t = text.to_owned();
        self.wait_until(text, Duration::from_secs(20), move |s| s.contains(&t));
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Wait for the process to exit and drain the rest of its output.
    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            while let Ok(bytes) = self.output.try_recv() {
                self.parser.process(&bytes);
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                // Whatever the app wrote on the way out (leaving the alternate screen).
                while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(200)) {
                    self.parser.process(&bytes);
                }
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the app did not exit; screen:\n{}",
                self.screen()
            );
            if let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(50)) {
                self.parser.process(&bytes);
            }
        }
    }
}

impl Tui {
    fn log_text(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("logs").join("dbx-tui.log"))
            .unwrap_or_default()
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn demo_browse_policies_and_quit_restores_the_terminal() {
    let mut tui = Tui::start(&["--demo"]);
    tui.wait_for("Workspaces (");
    tui.wait_until(
        "workspace rows with bound policies",
        Duration::from_secs(20),
        |s| s.contains("RUNNING") && s.contains("default-policy") && !s.contains("…"),
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
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt
        .block_on(dbx_tui::emulator::Emulator::start(
            dbx_tui::emulator::EmulatorOptions::default(),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let account = emu.accounts().into_iter().next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("databrickscfg");
    std::fs::write(
        &cfg,
        format!(
            "[emu]\nhost = {}\naccount_id = {}\nclient_id = {}\nclient_secret = {}\n",
            emu.base_url(),
            account.account_id,
            account.client_id,
            account.client_secret
        ),
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap().to_owned();
    let mut tui = Tui::start_in(dir, &["--config-file", &cfg, "--profile", "emu"]);
    tui.wait_for("Workspaces (");
    tui.send(":np\r");
    tui.wait_for("corp-egress");
    tui.send("/corp\r");
    tui.wait_for("/corp");
    tui.send("\r");
    tui.wait_for("Allowed DNS names");
    tui.send("a");
    tui.wait_for("Allow DNS name");
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
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt
        .block_on(dbx_tui::emulator::Emulator::start(
            dbx_tui::emulator::EmulatorOptions::default(),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
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
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dbx-tui"))
        .args([
            "--config-file",
            cfg.to_str().unwrap(),
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
