//! The editing actions of the policy views: mode toggles, adding, editing and removing entries,
//! review, export, create, clone, delete and bind, each opening its dialog or recording an edit.

use super::storage::storage_input_text;
use super::{BindPick, PolicyInput};
use super::{DetailItem, detail_items};
use crate::actor::{PoliciesSlot, Request, Slot};
use crate::api::PolicyId;
use crate::api::network_policies::change::EditOp;
use crate::api::network_policies::{
    DryRunProduct, EnforcementMode, NetworkPolicy, RestrictionMode,
};
use crate::app::App;
use crate::app::confirm::Confirm;
use crate::app::dialog::{Deletion, Input, InputFor, Pick, PickFor, TypeToConfirm};
use crate::app::keymap::Action;
use crate::app::modal::{Modal, ReviewKind};
use crate::app::state::View;

fn input(purpose: PolicyInput) -> Modal {
    Modal::Input(Input::new(InputFor::Policy(purpose)))
}

/// An input that starts with the value it edits.
fn edit(purpose: PolicyInput, text: String) -> Modal {
    Modal::Input(Input::with_text(InputFor::Policy(purpose), text))
}

impl App {
    /// Record the edit `op` makes of the opened policy's draft, unless writes are refused here.
    fn push_draft_op(&mut self, op: impl FnOnce(&NetworkPolicy) -> EditOp) {
        let Some(p) = self.state.detail_draft() else {
            return;
        };
        if self.refuse_write() {
            return;
        }
        self.push_op(op(&p));
    }

    /// Keys of the editing actions, in list and detail views.
    pub(in crate::app) fn perform_edit(&mut self, action: Action) {
        let in_detail = self.state.view == View::PolicyDetail;
        match action {
            Action::AddDns | Action::AddBlocked | Action::AddStorage if in_detail => {
                if self.refuse_write() {
                    return;
                }
                let purpose = match action {
                    Action::AddDns => PolicyInput::AddDns,
                    Action::AddBlocked => PolicyInput::AddBlocked,
                    _ => PolicyInput::AddStorage,
                };
                self.open_modal(input(purpose));
            }
            Action::ToggleRestriction if in_detail => self.push_draft_op(|p| {
                let mode = match p.restriction_mode() {
                    Some(RestrictionMode::RestrictedAccess) => RestrictionMode::FullAccess,
                    _ => RestrictionMode::RestrictedAccess,
                };
                EditOp::SetRestriction { mode }
            }),
            Action::ToggleEnforcement if in_detail => self.push_draft_op(|p| {
                let mode = match p.enforcement_mode() {
                    EnforcementMode::DryRun => EnforcementMode::Enforced,
                    _ => EnforcementMode::DryRun,
                };
                EditOp::SetEnforcement { mode }
            }),
            Action::CycleDryRunProducts if in_detail => self.push_draft_op(|p| {
                // all products → DBSQL only → ML_SERVING only → all products
                let products = match p.dry_run_products() {
                    [] => vec![DryRunProduct::Dbsql],
                    [DryRunProduct::Dbsql] => vec![DryRunProduct::MlServing],
                    _ => vec![],
                };
                EditOp::SetDryRunProducts { products }
            }),
            Action::RemoveEntry if in_detail => self.remove_selected(),
            Action::Review => self.open_review(),
            Action::Export => {
                if let Some(p) = self.focused_policy() {
                    self.open_modal(Modal::Export {
                        policy: PolicyId(p.id().to_owned()),
                    });
                }
            }
            Action::Create
                if matches!(self.state.view, View::Policies | View::PolicyDetail)
                    && !self.refuse_write() =>
            {
                self.open_modal(input(PolicyInput::NewPolicy));
            }
            Action::Clone => {
                if let Some(p) = self.focused_policy()
                    && !self.refuse_write()
                {
                    let purpose = PolicyInput::ClonePolicy(PolicyId(p.id().to_owned()));
                    self.open_modal(edit(purpose, format!("{}-copy", p.id())));
                }
            }
            Action::Delete => self.start_delete(),
            Action::Bind => self.start_bind(),
            Action::Undo if self.state.view == View::History => self.undo_selected(),
            _ => {}
        }
    }

    fn remove_selected(&mut self) {
        let Some(p) = self.state.detail_draft() else {
            return;
        };
        if self.refuse_write() {
            return;
        }
        let items = detail_items(&self.state, &p);
        match items.get(self.state.detail.cursor) {
            Some(DetailItem::Dns(name)) => self.push_op(EditOp::RemoveDns { name: name.clone() }),
            Some(DetailItem::Blocked(name)) => {
                self.push_op(EditOp::RemoveBlockedDns { name: name.clone() });
            }
            Some(DetailItem::Storage(d)) => self.push_op(EditOp::RemoveStorage {
                destination: d.clone(),
            }),
            Some(DetailItem::Bound(ws)) => {
                if p.id() == PolicyId::DEFAULT {
                    self.state.flash = Some(
                        "unbinding means binding default-policy; this workspace already is".into(),
                    );
                } else {
                    let (ws, policy) = (*ws, PolicyId(p.id().to_owned()));
                    self.open_modal(Modal::Confirm(Confirm::Bind {
                        workspace: ws,
                        policy: PolicyId(PolicyId::DEFAULT.into()),
                        expected: policy,
                    }));
                }
            }
            _ => {
                self.state.flash =
                    Some("select an allow-list entry or a bound workspace to remove".into());
            }
        }
    }

    /// Enter on a detail row: edit the entry, or toggle a mode.
    pub(in crate::app) fn edit_selected(&mut self) {
        let Some(p) = self.state.detail_draft() else {
            return;
        };
        if self.refuse_write() {
            return;
        }
        let items = detail_items(&self.state, &p);
        let modal = match items.get(self.state.detail.cursor).cloned() {
            Some(DetailItem::Restriction) => return self.perform_edit(Action::ToggleRestriction),
            Some(DetailItem::Enforcement) => return self.perform_edit(Action::ToggleEnforcement),
            Some(DetailItem::Dns(name)) => edit(PolicyInput::EditDns(name.clone()), name),
            Some(DetailItem::Blocked(name)) => edit(PolicyInput::EditBlocked(name.clone()), name),
            Some(DetailItem::Storage(d)) => {
                let text = storage_input_text(&d);
                edit(PolicyInput::EditStorage(d), text)
            }
            Some(DetailItem::Bound(_)) | None => return,
        };
        self.open_modal(modal);
    }

    fn open_review(&mut self) {
        let id = match self.state.view {
            View::PolicyDetail => self.state.detail.id.clone(),
            View::Policies => self
                .state
                .policies_list
                .selected_index()
                .map(|i| PolicyId(self.state.policies[i].id().to_owned())),
            _ => None,
        };
        match id {
            Some(id) if self.state.pending.contains_key(&id) => {
                self.open_modal(Modal::Review {
                    kind: ReviewKind::Update(id),
                    scroll: 0,
                });
            }
            _ => self.state.flash = Some("no pending change to review here".into()),
        }
    }

    fn start_delete(&mut self) {
        if !matches!(self.state.view, View::Policies | View::PolicyDetail) || self.refuse_write() {
            return;
        }
        let Some(p) = self.focused_policy() else {
            return;
        };
        let id = PolicyId(p.id().to_owned());
        if id.as_str() == PolicyId::DEFAULT {
            self.state.flash = Some(
                "default-policy can be edited but never deleted: every unbound workspace uses it"
                    .into(),
            );
            return;
        }
        if self.state.bindings.len() < self.state.workspaces.len()
            || self.state.workspaces.is_empty()
        {
            self.state.flash =
                Some("workspace bindings are still loading; try again in a moment".into());
            return;
        }
        let bound = self.state.workspaces_bound_to(id.as_str());
        if !bound.is_empty() {
            let names: Vec<&str> = bound
                .iter()
                .take(3)
                .map(|w| w.workspace_name.as_str())
                .collect();
            self.state.flash = Some(format!(
                "{id} is bound to {} workspace(s) ({}): bind them to another policy first",
                bound.len(),
                names.join(", ")
            ));
            return;
        }
        let expected = id.to_string();
        self.open_modal(Modal::TypeToConfirm(TypeToConfirm::new(
            Deletion::Policy(id),
            expected,
        )));
    }

    fn start_bind(&mut self) {
        if self.refuse_write() {
            return;
        }
        let for_ = match self.state.view {
            View::Workspaces => match self.state.workspaces_list.selected_index() {
                Some(i) => BindPick::Workspace(self.state.workspaces[i].workspace_id),
                None => return,
            },
            View::PolicyDetail | View::Policies => match self.focused_policy() {
                Some(p) => BindPick::Policy(PolicyId(p.id().to_owned())),
                None => return,
            },
            _ => return,
        };
        if matches!(for_, BindPick::Workspace(_))
            && self.state.policies_load == crate::app::state::Load::NotLoaded
        {
            self.state.policies_load = crate::app::state::Load::Loading;
            self.request(
                Slot::Policies(PoliciesSlot::List),
                Request::Policies(crate::actor::PoliciesRequest::List),
            );
        }
        let options = for_.options(&self.state);
        self.open_modal(Modal::Pick(Pick::new(PickFor::Bind(for_), options)));
    }
}
