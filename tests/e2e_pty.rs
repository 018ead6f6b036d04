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
        let dir = tempfile::tempdir().unwrap();
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
        cmd.env("TERM", "xterm-256color");
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
