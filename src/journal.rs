//! The local journal of applied changes: one JSON object per line under the data dir, so an
//! admin can see what dbx-tui changed, when, as whom, and undo it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::Write;
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

    /// `DBX_TUI_JOURNAL`, else `<data dir>/journal.jsonl`.
    pub fn default_location() -> Self {
        if let Some(p) = std::env::var_os("DBX_TUI_JOURNAL") {
            return Self::at(p);
        }
        let dir = crate::logging::project_dirs()
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(|| std::env::temp_dir().join("dbx-tui"));
        Self::at(dir.join("journal.jsonl"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one entry as a single line (one `write` call, so concurrent appends never
    /// interleave within a line).
    pub fn append(&self, entry: &JournalEntry) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        f.write_all(&line)
    }

    /// Every readable entry, oldest first, and how many lines could not be read.
    pub fn read_all(&self) -> std::io::Result<(Vec<JournalEntry>, usize)> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
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
}
