//! Where dbx-tui keeps its own files, and how it creates them: private to the user.
//!
//! The log, the journal and the key bindings are the user's alone, so directories dbx-tui
//! creates are 0700 and files 0600 (the Databricks CLI keeps its token cache the same way).
//! There is never a fallback to a shared directory such as `/tmp`: without a home directory
//! the caller must say where (`DBX_TUI_JOURNAL`, `DBX_TUI_LOG_DIR`).
//!
//! `--demo` talks to a fresh emulator on every start, so its journal and logs live apart from
//! the real ones (`<data dir>/demo`, or `DBX_TUI_DEMO_DIR`) and its journal starts empty:
//! a demo change never shows up in the real history, and an old demo entry is never undone
//! against a new emulator.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Where this run keeps its journal and its logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppPaths {
    pub journal: PathBuf,
    pub log_dir: PathBuf,
    /// True when the directories are dbx-tui's own (not named by the user), so an existing
    /// one made by an older version with wider permissions may be tightened.
    pub owned: bool,
}

/// What went wrong finding a place for dbx-tui's files.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "no data directory for dbx-tui's journal and log (no home directory?): set DBX_TUI_JOURNAL and DBX_TUI_LOG_DIR"
)]
pub struct NoDataDir;

/// Where dbx-tui keeps its own files (logs, journal, keys file).
pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("dev", "dbx-tui", "dbx-tui")
}

impl AppPaths {
    /// The paths for this process, from the environment.
    pub fn from_env(demo: bool) -> Result<Self, NoDataDir> {
        Self::resolve(
            demo,
            |k| std::env::var_os(k),
            project_dirs().map(|d| d.data_dir().to_path_buf()),
        )
    }

    /// The paths for a given environment and data directory.
    ///
    /// Normal runs: `DBX_TUI_JOURNAL`, else `<data>/journal.jsonl`; `DBX_TUI_LOG_DIR`, else
    /// `<data>/logs`. Demo runs: `DBX_TUI_DEMO_DIR`, else `<data>/demo`, holding both; the
    /// real locations and their variables are never used by the demo.
    pub fn resolve(
        demo: bool,
        var: impl Fn(&str) -> Option<std::ffi::OsString>,
        data_dir: Option<PathBuf>,
    ) -> Result<Self, NoDataDir> {
        if demo {
            let (base, owned) = match var("DBX_TUI_DEMO_DIR") {
                Some(d) => (PathBuf::from(d), false),
                None => (data_dir.ok_or(NoDataDir)?.join("demo"), true),
            };
            return Ok(Self {
                journal: base.join("journal.jsonl"),
                log_dir: base.join("logs"),
                owned,
            });
        }
        let journal = var("DBX_TUI_JOURNAL").map(PathBuf::from);
        let log_dir = var("DBX_TUI_LOG_DIR").map(PathBuf::from);
        let owned = journal.is_none() || log_dir.is_none();
        let data = || data_dir.clone().ok_or(NoDataDir);
        Ok(Self {
            journal: match journal {
                Some(j) => j,
                None => data()?.join("journal.jsonl"),
            },
            log_dir: match log_dir {
                Some(l) => l,
                None => data()?.join("logs"),
            },
            owned,
        })
    }
}

/// Create `dir` and any missing parents as 0700. When `tighten` is set and `dir` already
/// exists with wider permissions (made by an older version), it is narrowed to 0700.
pub fn private_dir(dir: &Path, tighten: bool) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    if tighten {
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = tighten;
    Ok(())
}

/// Open `path` for appending, creating it 0600 (and its directory 0700). An existing file
/// readable by others is narrowed to 0600: it holds what dbx-tui wrote.
pub fn open_private_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir, false)?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true).read(true);
    #[cfg(unix)]
    options.mode(0o600);
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        let mode = file.metadata()?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(file)
}

/// Write `bytes` to a new file at `path` (0600), failing if it exists.
pub fn create_private_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Replace the file at `path` with `bytes`, 0600 (its directory 0700): written to a sibling
/// temporary file first and renamed over, so a reader never sees half a file.
pub fn write_private_replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    private_dir(dir, false)?;
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp = dir.join(name);
    let _ = std::fs::remove_file(&tmp);
    create_private_new(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + use<> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn demo_never_uses_the_real_journal_or_logs() {
        let data = Some(PathBuf::from("/home/a/.local/share/dbx-tui"));
        let real = AppPaths::resolve(false, env(&[]), data.clone()).unwrap();
        let demo = AppPaths::resolve(true, env(&[]), data.clone()).unwrap();
        assert_ne!(demo.journal, real.journal);
        assert!(
            demo.journal
                .starts_with("/home/a/.local/share/dbx-tui/demo")
        );
        assert!(
            demo.log_dir
                .starts_with("/home/a/.local/share/dbx-tui/demo")
        );
        // The variables that point at the real journal do not pull the demo there.
        let vars = env(&[
            ("DBX_TUI_JOURNAL", "/real/j.jsonl"),
            ("DBX_TUI_LOG_DIR", "/real/logs"),
        ]);
        let demo = AppPaths::resolve(true, vars, data).unwrap();
        assert!(!demo.journal.starts_with("/real"));
        assert!(!demo.log_dir.starts_with("/real"));
    }

    #[test]
    fn no_home_is_an_error_not_a_shared_directory() {
        assert_eq!(AppPaths::resolve(false, env(&[]), None), Err(NoDataDir));
        assert_eq!(AppPaths::resolve(true, env(&[]), None), Err(NoDataDir));
        let both = env(&[("DBX_TUI_JOURNAL", "/x/j"), ("DBX_TUI_LOG_DIR", "/x/l")]);
        assert!(AppPaths::resolve(false, both, None).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn directories_are_0700_and_files_0600() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a/b/journal.jsonl");
        drop(open_private_append(&file).unwrap());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        assert_eq!(mode(&tmp.path().join("a/b")), 0o700);
        assert_eq!(mode(&file), 0o600);
        // An older version's 0644 file and 0755 directory are narrowed.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let dir = tmp.path().join("a/b");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        drop(open_private_append(&file).unwrap());
        assert_eq!(mode(&file), 0o600);
        private_dir(&dir, true).unwrap();
        assert_eq!(mode(&dir), 0o700);
        // A replaced file is 0600 whatever was there, and holds only the new bytes.
        let state = tmp.path().join("s/state.json");
        write_private_replace(&state, b"{\"a\":1}").unwrap();
        write_private_replace(&state, b"{}").unwrap();
        assert_eq!(std::fs::read(&state).unwrap(), b"{}");
        assert_eq!(mode(&state), 0o600);
        assert_eq!(mode(&tmp.path().join("s")), 0o700);
    }
}
