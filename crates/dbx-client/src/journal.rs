//! The local journal of applied changes: one JSON object per line under the data dir, so an
//! admin can see what dbx-tui changed, when, as whom, and undo it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// One applied change. `before`/`after` are the objects as the server held them; never a secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// RFC 3339, UTC.
    pub time: String,
    pub profile: String,
    pub principal: String,
    /// `update_policy`, `create_policy`, `delete_policy`, `bind_workspace`.
    pub action: String,
    pub policy_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

/// The journal file.
#[derive(Clone, Debug)]
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Remove every entry (the demo's journal, whose emulator starts fresh on every run).
    pub fn clear(&self) -> std::io::Result<()> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one entry as one whole line: one `write` under an exclusive lock, then fsync,
    /// so concurrent appends (two dbx-tui processes) never interleave and a crash loses at
    /// most the entry being written. A previous append cut off before its newline (crash,
    /// full disk) would glue this entry onto the torn line and lose both, so a missing final
    /// newline is written first: the torn line stays unreadable on its own and is skipped.
    pub fn append(&self, entry: &JournalEntry) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut f = crate::files::open_private_append(&self.path)?;
        f.lock()?;
        let result = (|| {
            if ends_without_newline(&mut f)? {
                line.insert(0, b'\n');
            }
            f.write_all(&line)?;
            f.sync_data()
        })();
        let _ = f.unlock();
        result
    }

    /// Every readable entry, oldest first, and how many lines could not be read.
    pub fn read_all(&self) -> std::io::Result<(Vec<JournalEntry>, usize)> {
        // Bytes, not a string: a line torn inside a multi-byte character must cost that line
        // only, not the whole journal.
        let text = match std::fs::read(&self.path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
            Err(e) => return Err(e),
        };
        let mut bad = 0;
        let entries = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| serde_json::from_str(l).map_err(|_| bad += 1).ok())
            .collect();
        Ok((entries, bad))
    }
}

/// True when the file is not empty and its last byte is not a newline.
fn ends_without_newline(f: &mut std::fs::File) -> std::io::Result<bool> {
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    f.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

/// Now, as RFC 3339 UTC.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_and_reads_back_skipping_broken_lines() {
        let dir = std::env::temp_dir().join(format!("dbx-journal-{}", uuid::Uuid::new_v4()));
        let j = Journal::at(dir.join("j.jsonl"));
        assert_eq!(j.read_all().unwrap().0.len(), 0);
        let e = JournalEntry {
            time: now_rfc3339(),
            profile: "p".into(),
            principal: "sp".into(),
            action: "update_policy".into(),
            policy_id: "corp".into(),
            workspace_id: None,
            before: Some(serde_json::json!({"a": 1})),
            after: Some(serde_json::json!({"a": 2})),
        };
        j.append(&e).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(j.path())
            .unwrap()
            .write_all(b"{broken\n")
            .unwrap();
        j.append(&e).unwrap();
        let (entries, bad) = j.read_all().unwrap();
        assert_eq!(entries, vec![e.clone(), e]);
        assert_eq!(bad, 1);
        let _ = std::fs::remove_dir_all(dir);
    }

    fn entry(action: &str) -> JournalEntry {
        JournalEntry {
            time: now_rfc3339(),
            profile: "p".into(),
            principal: "sp".into(),
            action: action.into(),
            policy_id: "corp".into(),
            workspace_id: None,
            before: None,
            after: Some(serde_json::json!({"a": 2})),
        }
    }

    #[test]
    fn an_entry_after_a_torn_line_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::at(dir.path().join("j.jsonl"));
        j.append(&entry("first")).unwrap();
        // A crash in the middle of the second append: half a line, no newline.
        let torn = serde_json::to_string(&entry("torn")).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(j.path())
            .unwrap()
            .write_all(&torn.as_bytes()[..torn.len() / 2])
            .unwrap();
        j.append(&entry("third")).unwrap();
        let (entries, bad) = j.read_all().unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["first", "third"]);
        assert_eq!(bad, 1, "the torn line is reported, not silently dropped");
        assert!(std::fs::read_to_string(j.path()).unwrap().ends_with('\n'));
    }

    #[test]
    fn concurrent_appends_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let j = Journal::at(&path);
                std::thread::spawn(move || {
                    for i in 0..50 {
                        j.append(&entry(&format!("t{t}-{i}"))).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let (entries, bad) = Journal::at(&path).read_all().unwrap();
        assert_eq!((entries.len(), bad), (200, 0));
    }

    #[cfg(unix)]
    #[test]
    fn the_journal_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::at(dir.path().join("new/j.jsonl"));
        j.append(&entry("first")).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(j.path()), 0o600);
        assert_eq!(mode(&dir.path().join("new")), 0o700);
    }
}
