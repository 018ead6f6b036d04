//! End to end: the real binary in a pseudo-terminal against an in-test emulator, driving the
//! service-principals pane by keystrokes and checking the emulator afterwards.

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
    let journal = dir.path().join("journal.jsonl");
    let cfg = cfg.to_str().unwrap().to_owned();
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
        reqwest::Client::new()
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
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt
        .block_on(dbx_tui::emulator::Emulator::start(
            dbx_tui::emulator::EmulatorOptions {
                generated_service_principals: 2_000,
                ..Default::default()
            },
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
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
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt
        .block_on(dbx_tui::emulator::Emulator::start(
            dbx_tui::emulator::EmulatorOptions::default(),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
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
    tui.wait_for("copied to the clipboard");
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
