//! `e` in the policy views: the policy as the server holds it, as Terraform or JSON, written
//! to `{policy id}.tf` or `.json` in the export directory (the working directory). The id comes
//! from the server, so it is checked before it names a file, and an existing file is replaced
//! only after asking.

use super::App;
use super::confirm::Confirm;
use super::modal::Modal;
use crate::api::PolicyId;
use crate::api::network_policies::export;
use crate::api::network_policies::validate::validate_policy_id;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Create `path`; fails with `AlreadyExists` if anything (a symlink too) is there already.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// Replace `path` by a new file renamed over it: never half-written, and a symlink in its
/// place is replaced rather than followed.
fn replace(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.dbx-tui-tmp"));
    // Left by an interrupted earlier replace of the same file: ours to remove.
    let _ = std::fs::remove_file(&tmp);
    write_new(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

impl App {
    pub(super) fn export(&mut self, id: &PolicyId, terraform: bool) {
        // Only the documented id alphabet (1-32 letters, digits, "_", "." or "-") may name a
        // file: no separator, so the file lands in the export directory and nowhere else.
        if let Err(why) = validate_policy_id(id.as_str()) {
            self.state.last_error = Some(format!(
                "not exported: the policy id {:?} cannot name a file ({why})",
                id.as_str()
            ));
            return;
        }
        let policy = match (&self.state.detail.id, self.state.detail.policy.clone()) {
            (Some(d), Some(p)) if d == id => Some(p),
            _ => self.state.listed_policy(id.as_str()).cloned(),
        };
        let Some(policy) = policy else { return };
        let account = self
            .state
            .session
            .as_ref()
            .and_then(|s| s.account_id.clone())
            .unwrap_or_default();
        let bound: Vec<(i64, String)> = self
            .state
            .workspaces_bound_to(id.as_str())
            .iter()
            .map(|w| (w.workspace_id.0, w.workspace_name.clone()))
            .collect();
        let (text, ext) = if terraform {
            (export::to_terraform(&policy, &account, &bound), "tf")
        } else {
            (export::to_json(&policy), "json")
        };
        let path: PathBuf = self.state.export_dir.join(format!("{id}.{ext}"));
        match write_new(&path, &text) {
            Ok(()) => self.exported(&path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                self.state.modal = Some(Modal::Confirm(Confirm::Overwrite { path, text }));
            }
            Err(e) => {
                self.state.last_error = Some(format!("could not write {}: {e}", path.display()));
            }
        }
    }

    /// `y` to the overwrite question.
    pub(super) fn overwrite_export(&mut self, path: &Path, text: &str) {
        match replace(path, text) {
            Ok(()) => self.exported(path),
            Err(e) => {
                self.state.last_error = Some(format!("could not write {}: {e}", path.display()));
            }
        }
    }

    fn exported(&mut self, path: &Path) {
        self.state.flash = Some(format!(
            "wrote {} (as the server holds it; pending edits not included)",
            path.display()
        ));
    }
}
