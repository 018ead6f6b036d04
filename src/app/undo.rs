//! `u` in `:history`: undo a journal entry through the same reviewed flows as any change. An
//! update is undone by its reverse edits against the server's current version; edits pending
//! on that policy are dropped only after asking, and an undo that changes nothing says so.

use super::App;
use super::confirm::Confirm;
use super::modal::{Modal, ReviewKind};
use crate::api::network_policies::NetworkPolicy;
use crate::api::network_policies::change::ops_between;
use crate::api::{PolicyId, WorkspaceId};

impl App {
    pub(super) fn undo_selected(&mut self) {
        if let Some(why) = self.state.write_refusal() {
            self.state.flash = Some(why);
            return;
        }
        let Some(entry) = self
            .state
            .history
            .list
            .selected_index()
            .and_then(|i| self.state.history_entry(i))
            .cloned()
        else {
            return;
        };
        let parse = |v: &Option<serde_json::Value>| {
            v.clone()
                .and_then(|v| serde_json::from_value::<NetworkPolicy>(v).ok())
        };
        match entry.action.as_str() {
            "update_policy" => {
                let (Some(before), Some(after)) = (parse(&entry.before), parse(&entry.after))
                else {
                    return;
                };
                let ops = ops_between(&after, &before);
                let id = PolicyId(entry.policy_id.clone());
                if ops.is_empty() {
                    self.state.flash =
                        Some(format!("nothing to undo: that entry did not change {id}"));
                } else if self.state.pending.contains_key(&id) {
                    self.state.modal =
                        Some(Modal::Confirm(Confirm::UndoOverPending { policy: id, ops }));
                } else {
                    self.review_undo(id, ops);
                }
            }
            "create_policy" => {
                self.state.flash = Some(format!(
                    "to undo the creation, delete {} (ctrl-d in :np)",
                    entry.policy_id
                ));
            }
            "delete_policy" => {
                if let Some(before) = parse(&entry.before) {
                    let mut p = before;
                    p.account_id = None;
                    self.state.modal = Some(Modal::Review {
                        kind: ReviewKind::Create(Box::new(p)),
                        scroll: 0,
                    });
                }
            }
            "bind_workspace" => {
                let before = entry
                    .before
                    .as_ref()
                    .and_then(|v| v.get("network_policy_id"))
                    .and_then(|v| v.as_str());
                if let (Some(ws), Some(before)) = (entry.workspace_id, before) {
                    if before == entry.policy_id {
                        self.state.flash = Some(format!(
                            "nothing to undo: workspace {ws} was already bound to {before}"
                        ));
                        return;
                    }
                    self.state.modal = Some(Modal::Confirm(Confirm::Bind {
                        workspace: WorkspaceId(ws),
                        policy: PolicyId(before.to_owned()),
                        expected: PolicyId(entry.policy_id.clone()),
                    }));
                }
            }
            _ => {}
        }
    }
}
