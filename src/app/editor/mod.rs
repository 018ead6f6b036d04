//! Editing network policies: pending changes and their review, create, clone, delete and bind
//! (writes in flight: `pending`; export: `export_file`; undo: `undo`). Every write goes through
//! a reviewed diff or a confirmation, and the actor refuses to overwrite a change made elsewhere.

use super::App;
use super::keymap::Action;
use super::list::ListState;
use super::modal::{InputPurpose, Modal, PickFor, ReviewKind};
use super::state::{PendingChange, State, View};
use crate::actor::{Request, Slot};
use crate::api::network_policies::change::EditOp;
use crate::api::network_policies::validate::{
    check_new_dns_destination, check_new_storage_destination, validate_policy_id,
};
use crate::api::network_policies::{
    DryRunProduct, Egress, EnforcementMode, NetworkAccess, NetworkPolicy, PolicyEnforcement,
    RestrictionMode, StorageDestination, StorageDestinationType,
};
use crate::api::{PolicyId, WorkspaceId};
use crossterm::event::{Event, KeyCode, KeyEvent};
use serde_json::Map;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

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

/// Parse the storage input syntax: `s3://bucket [region]`, `gs://bucket`,
/// `azure://account.service` (or `account.service.core.windows.net`).
pub fn parse_storage_input(text: &str) -> Result<StorageDestination, String> {
    let mut words = text.split_whitespace();
    let target = words
        .next()
        .ok_or("enter s3://bucket region, gs://bucket or azure://account.dfs")?;
    let extra = words.next();
    let blank = |t| StorageDestination {
        storage_destination_type: Some(t),
        bucket_name: None,
        region: None,
        azure_storage_account: None,
        azure_storage_service: None,
        extra: Map::new(),
    };
    if let Some(bucket) = target.strip_prefix("s3://") {
        let mut d = blank(StorageDestinationType::AwsS3);
        d.bucket_name = Some(bucket.trim_end_matches('/').to_owned());
        d.region = extra.map(str::to_owned);
        return Ok(d);
    }
    if let Some(bucket) = target.strip_prefix("gs://") {
        let mut d = blank(StorageDestinationType::GoogleCloudStorage);
        d.bucket_name = Some(bucket.trim_end_matches('/').to_owned());
        return Ok(d);
    }
    let azure = target
        .strip_prefix("azure://")
        .unwrap_or(target)
        .trim_end_matches(".core.windows.net");
    if let Some((account, service)) = azure.split_once('.') {
        let mut d = blank(StorageDestinationType::AzureStorage);
        d.azure_storage_account = Some(account.to_owned());
        d.azure_storage_service = Some(service.to_owned());
        return Ok(d);
    }
    Err("start with s3://, gs:// or azure:// (e.g. s3://my-bucket us-west-2)".into())
}

fn storage_input_text(d: &StorageDestination) -> String {
    match d.storage_destination_type {
        Some(StorageDestinationType::AzureStorage) => format!(
            "azure://{}.{}",
            d.azure_storage_account.as_deref().unwrap_or(""),
            d.azure_storage_service.as_deref().unwrap_or("")
        ),
        Some(StorageDestinationType::GoogleCloudStorage) => {
            format!("gs://{}", d.bucket_name.as_deref().unwrap_or(""))
        }
        _ => format!(
            "s3://{} {}",
            d.bucket_name.as_deref().unwrap_or(""),
            d.region.as_deref().unwrap_or("")
        )
        .trim()
        .to_owned(),
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

    /// Keys of the editing actions, in list and detail views.
    pub(super) fn perform_edit(&mut self, action: Action) {
        let in_detail = self.state.view == View::PolicyDetail;
        match action {
            Action::AddDns | Action::AddBlocked | Action::AddStorage if in_detail => {
                if self.refuse_write() {
                    return;
                }
                let purpose = match action {
                    Action::AddDns => InputPurpose::AddDns,
                    Action::AddBlocked => InputPurpose::AddBlocked,
                    _ => InputPurpose::AddStorage,
                };
                self.open_modal(Modal::Input {
                    purpose,
                    input: Input::default(),
                    error: None,
                });
            }
            Action::ToggleRestriction if in_detail => {
                let Some(p) = self.state.detail_draft() else {
                    return;
                };
                if self.refuse_write() {
                    return;
                }
                let mode = match p.restriction_mode() {
                    Some(RestrictionMode::RestrictedAccess) => RestrictionMode::FullAccess,
                    _ => RestrictionMode::RestrictedAccess,
                };
                self.push_op(EditOp::SetRestriction { mode });
            }
            Action::ToggleEnforcement if in_detail => {
                let Some(p) = self.state.detail_draft() else {
                    return;
                };
                if self.refuse_write() {
                    return;
                }
                let mode = match p.enforcement_mode() {
                    EnforcementMode::DryRun => EnforcementMode::Enforced,
                    _ => EnforcementMode::DryRun,
                };
                self.push_op(EditOp::SetEnforcement { mode });
            }
            Action::CycleDryRunProducts if in_detail => {
                let Some(p) = self.state.detail_draft() else {
                    return;
                };
                if self.refuse_write() {
                    return;
                }
                // all products → DBSQL only → ML_SERVING only → all products
                let products = match p.dry_run_products() {
                    [] => vec![DryRunProduct::Dbsql],
                    [DryRunProduct::Dbsql] => vec![DryRunProduct::MlServing],
                    _ => vec![],
                };
                self.push_op(EditOp::SetDryRunProducts { products });
            }
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
                self.open_modal(Modal::Input {
                    purpose: InputPurpose::NewPolicy,
                    input: Input::default(),
                    error: None,
                });
            }
            Action::Clone => {
                if let Some(p) = self.focused_policy()
                    && !self.refuse_write()
                {
                    let purpose = InputPurpose::ClonePolicy(PolicyId(p.id().to_owned()));
                    self.open_modal(Modal::Input {
                        purpose,
                        input: Input::new(format!("{}-copy", p.id())),
                        error: None,
                    });
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
                    self.open_modal(Modal::ConfirmBind {
                        workspace: ws,
                        policy: PolicyId(PolicyId::DEFAULT.into()),
                        expected: policy,
                    });
                }
            }
            _ => {
                self.state.flash =
                    Some("select an allow-list entry or a bound workspace to remove".into());
            }
        }
    }

    /// Enter on a detail row: edit the entry, or toggle a mode.
    pub(super) fn edit_selected(&mut self) {
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
            Some(DetailItem::Dns(name)) => Modal::Input {
                input: Input::new(name.clone()),
                purpose: InputPurpose::EditDns(name),
                error: None,
            },
            Some(DetailItem::Blocked(name)) => Modal::Input {
                input: Input::new(name.clone()),
                purpose: InputPurpose::EditBlocked(name),
                error: None,
            },
            Some(DetailItem::Storage(d)) => Modal::Input {
                input: Input::new(storage_input_text(&d)),
                purpose: InputPurpose::EditStorage(d),
                error: None,
            },
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
        self.open_modal(Modal::DeletePolicy {
            policy: id,
            input: Input::default(),
        });
    }

    fn start_bind(&mut self) {
        if self.refuse_write() {
            return;
        }
        let for_ = match self.state.view {
            View::Workspaces => match self.state.workspaces_list.selected_index() {
                Some(i) => PickFor::Workspace(self.state.workspaces[i].workspace_id),
                None => return,
            },
            View::PolicyDetail | View::Policies => match self.focused_policy() {
                Some(p) => PickFor::Policy(PolicyId(p.id().to_owned())),
                None => return,
            },
            _ => return,
        };
        if matches!(for_, PickFor::Workspace(_))
            && self.state.policies_load == super::state::Load::NotLoaded
        {
            self.state.policies_load = super::state::Load::Loading;
            self.request(Slot::Policies, Request::ListPolicies);
        }
        let mut list = ListState::default();
        self.rebuild_pick(&for_, &mut list);
        self.open_modal(Modal::Pick { for_, list });
    }

    pub(super) fn rebuild_pick(&self, for_: &PickFor, list: &mut ListState) {
        match for_ {
            PickFor::Workspace(_) => list.rebuild(
                self.state
                    .policies
                    .iter()
                    .map(dbx_client::api::network_policies::NetworkPolicy::id),
            ),
            PickFor::Policy(_) => list.rebuild(
                self.state
                    .workspaces
                    .iter()
                    .map(|w| w.workspace_name.as_str()),
            ),
        }
    }

    /// The server's version of a policy, in the detail if that policy is open there (the
    /// conflict may be about another one: writes of several policies can be in flight).
    fn show_server_version(&mut self, id: &PolicyId, server: NetworkPolicy) {
        if self.state.detail.id.as_ref() == Some(id) {
            self.state.detail.policy = Some(server);
        }
    }

    /// Keys while a modal is open. Returns after consuming the key.
    pub(super) fn handle_modal_key(&mut self, key: KeyEvent) {
        let Some(modal) = self.state.modal.take() else {
            return;
        };
        let keep = match modal {
            Modal::Input {
                purpose, mut input, ..
            } => match key.code {
                KeyCode::Esc => None,
                KeyCode::Enter => self.submit_input(purpose, input),
                _ => {
                    input.handle_event(&Event::Key(key));
                    // Validate while typing; the text is never discarded, only explained.
                    let error = if input.value().is_empty() {
                        None
                    } else {
                        self.validate_input(&purpose, input.value()).err()
                    };
                    Some(Modal::Input {
                        purpose,
                        input,
                        error,
                    })
                }
            },
            Modal::Review { kind, scroll } => match key.code {
                KeyCode::Char('y') => {
                    self.apply_review(&kind);
                    None
                }
                KeyCode::Char('n') => None,
                KeyCode::Esc => match kind {
                    ReviewKind::Update(policy) => Some(Modal::ConfirmDiscard { policy }),
                    ReviewKind::Create(_) => None,
                },
                KeyCode::Down | KeyCode::Char('j') => Some(Modal::Review {
                    kind,
                    scroll: scroll.saturating_add(1),
                }),
                KeyCode::Up | KeyCode::Char('k') => Some(Modal::Review {
                    kind,
                    scroll: scroll.saturating_sub(1),
                }),
                _ => Some(Modal::Review { kind, scroll }),
            },
            Modal::ConfirmDiscard { policy } => match key.code {
                KeyCode::Char('y') => {
                    self.state.pending.remove(&policy);
                    self.state.flash = Some(format!("discarded the pending change of {policy}"));
                    None
                }
                KeyCode::Char('n') | KeyCode::Esc => None,
                _ => Some(Modal::ConfirmDiscard { policy }),
            },
            Modal::Conflict { policy, server } => match key.code {
                KeyCode::Char('r') => {
                    if let Some(p) = self.state.pending.get_mut(&policy) {
                        p.base = (*server).clone();
                    }
                    self.show_server_version(&policy, *server);
                    Some(Modal::Review {
                        kind: ReviewKind::Update(policy),
                        scroll: 0,
                    })
                }
                KeyCode::Char('d') => {
                    self.state.pending.remove(&policy);
                    self.show_server_version(&policy, *server);
                    self.state.flash = Some(format!(
                        "discarded your change; showing the server's version of {policy}"
                    ));
                    None
                }
                KeyCode::Esc | KeyCode::Char('n') => None,
                _ => Some(Modal::Conflict { policy, server }),
            },
            Modal::ConfirmBind {
                workspace,
                policy,
                expected,
            } => match key.code {
                KeyCode::Char('y') => {
                    self.request(
                        Slot::Write,
                        Request::BindWorkspace {
                            workspace,
                            policy,
                            expected,
                        },
                    );
                    None
                }
                KeyCode::Char('n') | KeyCode::Esc => None,
                _ => Some(Modal::ConfirmBind {
                    workspace,
                    policy,
                    expected,
                }),
            },
            Modal::Pick { for_, mut list } => match key.code {
                KeyCode::Esc => None,
                KeyCode::Down | KeyCode::Char('j') => {
                    list.move_by(1, 10);
                    Some(Modal::Pick { for_, list })
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    list.move_by(-1, 10);
                    Some(Modal::Pick { for_, list })
                }
                KeyCode::Enter => self.picked(&for_, &list),
                _ => Some(Modal::Pick { for_, list }),
            },
            Modal::DeletePolicy { policy, mut input } => match key.code {
                KeyCode::Esc => None,
                KeyCode::Enter if input.value() == policy.as_str() => {
                    self.request(Slot::Write, Request::DeletePolicy(policy));
                    None
                }
                KeyCode::Enter => {
                    self.state.flash = Some(format!(
                        "type {policy} exactly to delete it, or esc to cancel"
                    ));
                    Some(Modal::DeletePolicy { policy, input })
                }
                _ => {
                    input.handle_event(&Event::Key(key));
                    Some(Modal::DeletePolicy { policy, input })
                }
            },
            Modal::Principal(m) => self.principal_modal_key(m, key),
            Modal::PasteOffer(offer) => self.paste_offer_key(*offer, key),
            Modal::Confirm(c) => self.confirm_key(c, key),
            Modal::Export { policy } => match key.code {
                KeyCode::Char('t') => {
                    self.export(&policy, true);
                    None
                }
                KeyCode::Char('j') => {
                    self.export(&policy, false);
                    None
                }
                KeyCode::Esc => None,
                _ => Some(Modal::Export { policy }),
            },
        };
        self.state.modal = keep.or(self.state.modal.take());
    }

    pub(super) fn validate_input(
        &self,
        purpose: &InputPurpose,
        value: &str,
    ) -> Result<EditOp, String> {
        let draft = self.state.detail_draft();
        let dns = draft
            .as_ref()
            .map(|p| p.internet_destinations().to_vec())
            .unwrap_or_default();
        let blocked = draft
            .as_ref()
            .map(|p| p.blocked_destinations().to_vec())
            .unwrap_or_default();
        let storage = draft
            .as_ref()
            .map(|p| p.storage_destinations().to_vec())
            .unwrap_or_default();
        match purpose {
            InputPurpose::AddDns => Ok(EditOp::AddDns {
                name: check_new_dns_destination(value, &dns).map_err(|e| e.to_string())?,
            }),
            InputPurpose::EditDns(old) => {
                let others: Vec<_> = dns.into_iter().filter(|d| &d.destination != old).collect();
                Ok(EditOp::AddDns {
                    name: check_new_dns_destination(value, &others).map_err(|e| e.to_string())?,
                })
            }
            InputPurpose::AddBlocked => Ok(EditOp::AddBlockedDns {
                name: check_new_dns_destination(value, &blocked).map_err(|e| e.to_string())?,
            }),
            InputPurpose::EditBlocked(old) => {
                let others: Vec<_> = blocked
                    .into_iter()
                    .filter(|d| &d.destination != old)
                    .collect();
                Ok(EditOp::AddBlockedDns {
                    name: check_new_dns_destination(value, &others).map_err(|e| e.to_string())?,
                })
            }
            InputPurpose::AddStorage | InputPurpose::EditStorage(_) => {
                let d = parse_storage_input(value)?;
                let others: Vec<_> = match purpose {
                    InputPurpose::EditStorage(old) => {
                        storage.into_iter().filter(|s| s != old).collect()
                    }
                    _ => storage,
                };
                Ok(EditOp::AddStorage {
                    destination: check_new_storage_destination(&d, &others)
                        .map_err(|e| e.to_string())?,
                })
            }
            InputPurpose::NewPolicy | InputPurpose::ClonePolicy(_) => {
                validate_policy_id(value)?;
                if self.state.policies.iter().any(|p| p.id() == value) {
                    return Err(format!("a policy named {value} exists already"));
                }
                Ok(EditOp::AddDns {
                    name: String::new(),
                })
            }
        }
    }

    /// Enter in an input: apply it, or keep the modal with the reason and the typed text.
    fn submit_input(&mut self, purpose: InputPurpose, input: Input) -> Option<Modal> {
        let op = match self.validate_input(&purpose, input.value()) {
            Ok(op) => op,
            Err(error) => {
                return Some(Modal::Input {
                    purpose,
                    input,
                    error: Some(error),
                });
            }
        };
        match purpose {
            InputPurpose::AddDns | InputPurpose::AddBlocked | InputPurpose::AddStorage => {
                self.push_op(op);
            }
            InputPurpose::EditDns(old) => {
                self.push_op(EditOp::RemoveDns { name: old });
                self.push_op(op);
            }
            InputPurpose::EditBlocked(old) => {
                self.push_op(EditOp::RemoveBlockedDns { name: old });
                self.push_op(op);
            }
            InputPurpose::EditStorage(old) => {
                self.push_op(EditOp::RemoveStorage { destination: old });
                self.push_op(op);
            }
            InputPurpose::NewPolicy => {
                let p = new_policy(input.value());
                return Some(Modal::Review {
                    kind: ReviewKind::Create(Box::new(p)),
                    scroll: 0,
                });
            }
            InputPurpose::ClonePolicy(from) => {
                let source = self
                    .state
                    .policies
                    .iter()
                    .find(|p| p.id() == from.as_str())
                    .cloned();
                let mut p = match (&self.state.detail.id, self.state.detail_draft()) {
                    (Some(id), Some(draft)) if *id == from => draft,
                    _ => source?,
                };
                p.network_policy_id = Some(PolicyId(input.value().to_owned()));
                p.account_id = None;
                return Some(Modal::Review {
                    kind: ReviewKind::Create(Box::new(p)),
                    scroll: 0,
                });
            }
        }
        None
    }

    fn picked(&mut self, for_: &PickFor, list: &ListState) -> Option<Modal> {
        let i = list.selected_index()?;
        match for_ {
            PickFor::Workspace(ws) => {
                let policy = PolicyId(self.state.policies.get(i)?.id().to_owned());
                let expected = self.state.binding_of(*ws).cloned()?;
                Some(Modal::ConfirmBind {
                    workspace: *ws,
                    policy,
                    expected,
                })
            }
            PickFor::Policy(policy) => {
                let ws = self.state.workspaces.get(i)?.workspace_id;
                let expected = self.state.binding_of(ws).cloned()?;
                Some(Modal::ConfirmBind {
                    workspace: ws,
                    policy: policy.clone(),
                    expected,
                })
            }
        }
    }
}
