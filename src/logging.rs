//! Logs go to a file under the data dir, never to the terminal the UI draws on.

use color_eyre::eyre::{Result, WrapErr};
use std::path::PathBuf;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Where dbx-tui keeps its own files (logs, journal, keys file).
pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("dev", "dbx-tui", "dbx-tui")
}

/// The log directory: `DBX_TUI_LOG_DIR`, else `<data dir>/logs`.
pub fn log_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("DBX_TUI_LOG_DIR") {
        return PathBuf::from(dir);
    }
    project_dirs()
        .map(|d| d.data_dir().join("logs"))
        .unwrap_or_else(|| std::env::temp_dir().join("dbx-tui-logs"))
}

/// Start logging to `<log dir>/dbx-tui.log`; level from `DBX_TUI_LOG` (default `info`).
/// Keep the guard alive for the life of the program so the last lines are flushed.
pub fn init() -> Result<(WorkerGuard, PathBuf)> {
    let dir = log_dir();
    std::fs::create_dir_all(&dir)
        .wrap_err_with(|| format!("creating the log directory {}", dir.display()))?;
    let appender = tracing_appender::rolling::never(&dir, "dbx-tui.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("DBX_TUI_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| color_eyre::eyre::eyre!("starting the logger: {e}"))?;
    Ok((guard, dir.join("dbx-tui.log")))
}
