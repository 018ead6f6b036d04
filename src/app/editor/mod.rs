//! Editing network policies: pending changes and their review, create, clone, delete and bind
//! (writes in flight: `pending`; export: `export_file`; undo: `undo`). Every write goes through
//! a reviewed diff or a confirmation, and the actor refuses to overwrite a change made elsewhere.

mod actions;
mod input;
mod keys;
mod pick;
mod storage;

pub use input::PolicyInput;
pub use pick::BindPick;
pub use storage::parse_storage_input;

use super::App;
use super::keymap::Action;
use super::modal::Modal;
use super::state::{PendingChange, State, View};
use crate::api::network_policies::change::EditOp;
use crate::api::network_policies::{
    Egress, EnforcementMode, NetworkAccess, NetworkPolicy, PolicyEnforcement, RestrictionMode,
    StorageDestination,
};
use crate::api::{PolicyId, WorkspaceId};
use serde_json::Map;

/// A selectable row of the policy detail.
#[derive(Clone, Debug, PartialEq)]
pub enum DetailItem {
    Restriction,
    Enforcement,
    Dns(String),
    Storage(StorageDestination),
    Blocked(String),
    Bound(WorkspaceId),
}

/// The editable rows of a policy, in display order.
pub fn detail_items(state: &State, p: &NetworkPolicy) -> Vec<DetailItem> {
    let mut items = vec![DetailItem::Restriction, DetailItem::Enforcement];
    items.extend(
        p.internet_destinations()
            .iter()
            .map(|d| DetailItem::Dns(d.destination.clone())),
    );
    items.extend(
        p.storage_destinations()
            .iter()
            .cloned()
            .map(DetailItem::Storage),
    );
    items.extend(
        p.blocked_destinations()
            .iter()
            .map(|d| DetailItem::Blocked(d.destination.clone())),
    );
    items.extend(
        state
            .workspaces_bound_to(p.id())
            .iter()
            .map(|w| DetailItem::Bound(w.workspace_id)),
    );
    items
}

/// The words a detail row is found by (`/` in the policy detail).
fn item_text(state: &State, item: &DetailItem) -> String {
    match item {
        DetailItem::Restriction => "restriction mode".into(),
        DetailItem::Enforcement => "enforcement mode dry run".into(),
        DetailItem::Dns(name) | DetailItem::Blocked(name) => name.clone(),
        DetailItem::Storage(d) => d.label(),
        DetailItem::Bound(ws) => state.workspace_index.get(ws).map_or_else(
            || ws.to_string(),
            |&i| format!("{} {ws}", state.workspaces[i].workspace_name),
        ),
    }
}

/// A new restricted policy logs before it blocks: dry run, nothing allowed yet.
pub fn new_policy(id: &str) -> NetworkPolicy {
    NetworkPolicy {
        network_policy_id: Some(PolicyId(id.to_owned())),
        account_id: None,
        egress: Some(Egress {
            network_access: Some(NetworkAccess {
                restriction_mode: RestrictionMode::RestrictedAccess,
                allowed_internet_destinations: Some(Vec::new()),
                allowed_storage_destinations: Some(Vec::new()),
                blocked_internet_destinations: None,
                allowed_databricks_destinations: None,
                policy_enforcement: Some(PolicyEnforcement {
                    enforcement_mode: Some(EnforcementMode::DryRun),
                    dry_run_mode_product_filter: None,
                    extra: Map::new(),
                }),
                extra: Map::new(),
            }),
            extra: Map::new(),
        }),
        extra: Map::new(),
    }
}

impl App {
    fn open_modal(&mut self, modal: Modal) {
        self.state.modal = Some(modal);
    }

    fn refuse_write(&mut self) -> bool {
        match self.state.write_refusal() {
            Some(why) => {
                self.state.flash = Some(why);
                true
            }
            None => false,
        }
    }

    /// The policy the current view is about: the detail's, or the selected row's.
    fn focused_policy(&self) -> Option<NetworkPolicy> {
        match self.state.view {
            View::PolicyDetail => self.state.detail_draft(),
            View::Policies => self
                .state
                .policies_list
                .selected_index()
                .map(|i| self.state.policies[i].clone()),
            _ => None,
        }
    }

    /// `/` in the policy detail: move the cursor to the first entry matching every word typed
    /// (the entries are few; finding beats hiding the ones being edited).
    pub(super) fn find_in_detail(&mut self, needle: &str) {
        let words: Vec<String> = needle.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return;
        }
        let Some(p) = self.state.detail_draft() else {
            return;
        };
        let found = detail_items(&self.state, &p).iter().position(|item| {
            let text = item_text(&self.state, item).to_lowercase();
            words.iter().all(|w| text.contains(w.as_str()))
        });
        match found {
            Some(i) => self.state.detail.cursor = i,
            None => self.state.flash = Some(format!("no entry matches {needle}")),
        }
    }

    /// Record an edit of the policy open in the detail view.
    pub(super) fn push_op(&mut self, op: EditOp) {
        let Some(id) = self.state.detail.id.clone() else {
            return;
        };
        let Some(base) = self.state.detail.policy.clone() else {
            self.state.flash = Some("the policy is still loading".into());
            return;
        };
        let what = op.describe();
        let pending = self
            .state
            .pending
            .entry(id.clone())
            .or_insert(PendingChange {
                base,
                ops: Vec::new(),
            });
        pending.ops.push(op);
        if pending.draft() == pending.base {
            // Edits that cancel out leave nothing to review.
            self.state.pending.remove(&id);
        }
        let review = self
            .state
            .keymap
            .label(Action::Review)
            .unwrap_or_else(|| ":review".into());
        self.state.flash = Some(format!("pending: {what} ({review} to review and apply)"));
    }
}
