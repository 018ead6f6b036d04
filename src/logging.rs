//! Logs go to a private file, never to the terminal the UI draws on.
//!
//! The file is `<log dir>/dbx-tui.log`, created 0600 in a 0700 directory. It is capped in
//! size: past [`MAX_LOG_BYTES`] it is renamed to `dbx-tui.log.1` (older ones shift up to
//! `.3`, the oldest is removed), so a long tail at trace level cannot fill the disk.

use crate::files;
use color_eyre::eyre::{Result, WrapErr};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub use crate::files::project_dirs;

/// Size at which the log is rotated.
pub const MAX_LOG_BYTES: u64 = 10 * 1024 * 1024;
/// Rotated logs kept besides the current one.
pub const KEPT_LOGS: usize = 3;
const LOG_NAME: &str = "dbx-tui.log";

/// Start logging to `<dir>/dbx-tui.log`; level from `DBX_TUI_LOG` (default `info`): a level
/// (`debug`) or per-module levels (`dbx_client=trace,info`). No regular expressions: the
/// filter `tracing-subscriber` would parse them with costs a regex engine in the build.
/// Keep the guard alive for the life of the program so the last lines are flushed.
pub fn init(dir: &Path, owned: bool) -> Result<(WorkerGuard, PathBuf)> {
    files::private_dir(dir, owned)
        .wrap_err_with(|| format!("creating the log directory {}", dir.display()))?;
    let writer = RotatingLog::open(dir, LOG_NAME, MAX_LOG_BYTES, KEPT_LOGS)
        .wrap_err_with(|| format!("opening the log in {}", dir.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(writer);
    let filter = std::env::var("DBX_TUI_LOG")
        .ok()
        .and_then(|v| v.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish()
        .with(filter)
        .try_init()
        .map_err(|e| color_eyre::eyre::eyre!("starting the logger: {e}"))?;
    Ok((guard, dir.join(LOG_NAME)))
}

/// A log file that rotates by size. Rotation happens between whole writes, and the
/// non-blocking writer hands over one formatted event per write, so lines are never split
/// across files.
pub struct RotatingLog {
    dir: PathBuf,
    name: &'static str,
    max_bytes: u64,
    keep: usize,
    file: File,
    size: u64,
}

impl RotatingLog {
    pub fn open(dir: &Path, name: &'static str, max_bytes: u64, keep: usize) -> io::Result<Self> {
        let file = files::open_private_append(&dir.join(name))?;
        let size = file.metadata()?.len();
        Ok(Self {
            dir: dir.to_path_buf(),
            name,
            max_bytes,
            keep,
            file,
            size,
        })
    }

    fn rotated(&self, n: usize) -> PathBuf {
        self.dir.join(format!("{}.{n}", self.name))
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        let _ = std::fs::remove_file(self.rotated(self.keep));
        for n in (1..self.keep).rev() {
            let from = self.rotated(n);
            if from.exists() {
                std::fs::rename(&from, self.rotated(n + 1))?;
            }
        }
        let current = self.dir.join(self.name);
        if self.keep > 0 {
            std::fs::rename(&current, self.rotated(1))?;
        } else {
            std::fs::remove_file(&current)?;
        }
        self.file = files::open_private_append(&current)?;
        self.size = 0;
        Ok(())
    }
}

impl Write for RotatingLog {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.size > 0 && self.size + buf.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        self.file.write_all(buf)?;
        self.size += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_by_size_and_keeps_a_few_private_files() {
        let tmp = tempfile::tempdir().unwrap();
        let mut log = RotatingLog::open(tmp.path(), "t.log", 100, 2).unwrap();
        let line = [b'x'; 40];
        for _ in 0..12 {
            log.write_all(&line).unwrap();
        }
        log.flush().unwrap();
        let mut names: Vec<String> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["t.log", "t.log.1", "t.log.2"]);
        for n in &names {
            let len = std::fs::metadata(tmp.path().join(n)).unwrap().len();
            assert!(len <= 100, "{n} is {len} bytes");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(tmp.path().join(n))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{n}");
            }
        }
    }
}
