//! The real binary in a pseudo-terminal, with the screen parsed by vt100 (ratatui writes cursor
//! moves, not text lines, so raw bytes won't do). Waits are on screen conditions with deadlines.

use dbx_tui::emulator::{DemoAccount, Emulator, EmulatorOptions};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const ROWS: u16 = 40;
pub const COLS: u16 = 140;

pub struct Tui {
    pub parser: vt100::Parser,
    /// Every byte the app wrote, for checks on sequences the screen does not show (modes set
    /// and reset on the way out).
    raw: Vec<u8>,
    output: mpsc::Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    home: tempfile::TempDir,
}

impl Tui {
    pub fn start(args: &[&str]) -> Tui {
        Self::start_in(tempfile::tempdir().unwrap(), args)
    }

    pub fn start_in(dir: tempfile::TempDir, args: &[&str]) -> Tui {
        Self::start_with_env(dir, args, &[])
    }

    pub fn start_with_env(dir: tempfile::TempDir, args: &[&str], env: &[(&str, &str)]) -> Tui {
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
            raw: Vec::new(),
            output: rx,
            writer,
            child,
            home: dir,
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        self.parser.process(bytes);
        self.raw.extend_from_slice(bytes);
    }

    /// Everything the app wrote so far.
    pub fn raw_output(&self) -> &[u8] {
        &self.raw
    }

    /// Whether the app wrote `seq` at some point.
    pub fn wrote(&self, seq: &str) -> bool {
        self.raw.windows(seq.len()).any(|w| w == seq.as_bytes())
    }

    /// Whether bracketed paste is on now: the last of `CSI ? 2004 h` / `l` the app wrote.
    pub fn bracketed_paste(&self) -> bool {
        let last = |seq: &[u8]| self.raw.windows(seq.len()).rposition(|w| w == seq);
        match (last(b"\x1b[?2004h"), last(b"\x1b[?2004l")) {
            (Some(on), Some(off)) => on > off,
            (on, _) => on.is_some(),
        }
    }

    /// Paste `text` as a terminal does: wrapped in `ESC [200~ … ESC [201~` when the app turned
    /// bracketed paste on, else as plain typed bytes. Line breaks go as `\r`, as terminals send.
    pub fn paste(&mut self, text: &str) {
        while let Ok(bytes) = self.output.try_recv() {
            self.feed(&bytes);
        }
        let text = text.replace('\n', "\r");
        if self.bracketed_paste() {
            self.send(&format!("\x1b[200~{text}\x1b[201~"));
        } else {
            self.send(&text);
        }
    }

    /// The app's process id.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("the app has a pid")
    }

    /// Send `signal` (a name `kill` knows: HUP, TERM, QUIT) to the app.
    pub fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("running kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    pub fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Feed output until the screen satisfies `pred`, or fail with the screen after `timeout`.
    pub fn wait_until(&mut self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            if pred(&self.screen()) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; screen:\n{}",
                self.screen()
            );
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.feed(&bytes),
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

    pub fn wait_for(&mut self, text: &str) {
        let t = text.to_owned();
        self.wait_until(text, Duration::from_secs(20), move |s| s.contains(&t));
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Wait for the process to exit and drain the rest of its output.
    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            while let Ok(bytes) = self.output.try_recv() {
                self.feed(&bytes);
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                // Whatever the app wrote on the way out (leaving the alternate screen).
                while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(200)) {
                    self.feed(&bytes);
                }
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the app did not exit; screen:\n{}",
                self.screen()
            );
            if let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(50)) {
                self.feed(&bytes);
            }
        }
    }
}

impl Tui {
    /// Everything the app logged: a profile run logs to `DBX_TUI_LOG_DIR`, a `--demo` run to
    /// its own directory under the data dir.
    pub fn log_text(&self) -> String {
        [
            self.home.path().join("logs"),
            self.home.path().join("data/dbx-tui/demo/logs"),
        ]
        .iter()
        .map(|d| std::fs::read_to_string(d.join("dbx-tui.log")).unwrap_or_default())
        .collect()
    }

    /// The temporary home the app runs in.
    pub fn home(&self) -> &std::path::Path {
        self.home.path()
    }

    /// The real binary against `emu`, signed in as `account` through a config file in a fresh
    /// home (profile `emu`, see [`write_profile`]).
    pub fn against(emu: &Emulator, account: &DemoAccount) -> Tui {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_profile(dir.path(), emu, account);
        Tui::start_in(dir, &["--config-file", &cfg, "--profile", "emu"])
    }

    /// From the first screen, open corp-egress and its "Allow DNS name" input.
    pub fn open_corp_egress_allow_dns(&mut self) {
        self.wait_for("Workspaces (");
        self.send(":np\r");
        self.wait_for("corp-egress");
        self.send("/corp\r");
        self.wait_for("/corp");
        self.send("\r");
        self.wait_for("Allowed DNS names");
        self.send("a");
        self.wait_for("Allow DNS name");
    }
}

/// An emulator with `opts` and the runtime that serves it, for a test that drives the real
/// binary from a plain thread. Keep the runtime as long as the emulator is used.
pub fn emulator_in_runtime(opts: EmulatorOptions) -> (tokio::runtime::Runtime, Emulator) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt
        .block_on(Emulator::start(opts, "127.0.0.1:0".parse().unwrap()))
        .unwrap();
    (rt, emu)
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// Write a `.databrickscfg` with one OAuth M2M account profile `emu` for `account`; its path.
pub fn write_profile(dir: &std::path::Path, emu: &Emulator, account: &DemoAccount) -> String {
    let cfg = dir.join("databrickscfg");
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
    cfg.to_str().unwrap().to_owned()
}
