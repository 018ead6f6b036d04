//! The pane's actions on the focused principal (sort, create, activate, rename, delete,
//! secrets, workspaces, groups): each opens the dialog that confirms it.

use super::dialogs::{confirm, input, pick};
use super::{DetailItem, PrincipalInput, PrincipalPick, SecretsKnown};
use crate::actor::{PrincipalWrite, PrincipalsRequest, PrincipalsSlot, Request, Slot};
use crate::api::scim::ServicePrincipal;
use crate::api::timestamp::parse_timestamp_ms;
use crate::app::App;
use crate::app::dialog::{Deletion, TypeToConfirm};
use crate::app::keymap::Action;
use crate::app::modal::Modal;
use crate::app::state::{Load, View};
use std::collections::HashSet;

impl App {
    pub(in crate::app) fn perform_principals(&mut self, action: Action) {
        let view = self.state.view;
        let focused = self.state.principals.focused(view);
        match action {
            Action::SortNext if view == View::Principals => {
                let p = &mut self.state.principals;
                p.sort = p.sort.next();
                p.sort_changed();
            }
            Action::SortReverse if view == View::Principals => {
                let p = &mut self.state.principals;
                p.descending = !p.descending;
                p.sort_changed();
            }
            Action::Create => {
                if !self.principals_write_refusal() {
                    self.open(input(PrincipalInput::CreateName, String::new()));
                }
            }
            other => {
                if let Some(sp) = focused {
                    self.perform_on_principal(other, sp);
                }
            }
        }
    }

    fn perform_on_principal(&mut self, action: Action, sp: ServicePrincipal) {
        let view = self.state.view;
        match action {
            Action::ToggleActive => {
                if self.principals_write_refusal() {
                    return;
                }
                let name = sp.name().to_owned();
                let active = sp.active != Some(false);
                let (title, lines) = if active {
                    (
                        format!("Deactivate {name}?"),
                        vec![
                            format!("{name} ({}) will be switched off.", sp.id),
                            "Its OAuth tokens and secrets stop working: every job, pipeline and tool that authenticates as it fails until it is activated again.".into(),
                            "Nothing is deleted; t activates it again.".into(),
                        ],
                    )
                } else {
                    (
                        format!("Activate {name}?"),
                        vec![format!(
                            "{name} ({}) can authenticate again with its existing secrets.",
                            sp.id
                        )],
                    )
                };
                self.open(confirm(
                    PrincipalWrite::SetActive {
                        id: sp.id.clone(),
                        active: !active,
                    },
                    title,
                    lines,
                ));
            }
            Action::Rename if !self.principals_write_refusal() => {
                self.open(input(
                    PrincipalInput::Rename { id: sp.id.clone() },
                    sp.display_name.clone().unwrap_or_default(),
                ));
            }
            Action::Delete if !self.principals_write_refusal() => {
                self.open(Modal::TypeToConfirm(TypeToConfirm::new(
                    Deletion::Principal { id: sp.id.clone() },
                    sp.name().to_owned(),
                )));
            }
            Action::NewSecret if !self.principals_write_refusal() => {
                self.open(input(
                    PrincipalInput::SecretLifetime { id: sp.id.clone() },
                    String::new(),
                ));
            }
            Action::RotateSecret => self.start_rotate(sp),
            Action::Bind => {
                if self.principals_write_refusal() {
                    return;
                }
                let p = &self.state.principals;
                let rows = match (&p.detail.assignments, p.detail.id.as_deref()) {
                    (Some(Ok(rows)), Some(id)) if view == View::PrincipalDetail && id == sp.id => {
                        rows
                    }
                    (Some(Err(e)), _) if view == View::PrincipalDetail => {
                        self.state.flash = Some(e.clone());
                        return;
                    }
                    _ => {
                        self.state.flash = Some(
                            "open the principal (enter) and wait for its workspaces to assign it"
                                .into(),
                        );
                        return;
                    }
                };
                let options: Vec<(String, String)> = rows
                    .iter()
                    .map(|r| {
                        let now = if r.permissions.is_empty() {
                            "not assigned".to_owned()
                        } else {
                            r.permissions
                                .iter()
                                .map(|p| p.as_str().to_owned())
                                .collect::<Vec<_>>()
                                .join(",")
                        };
                        (format!("{:<28} {now}", r.name), r.workspace.0.to_string())
                    })
                    .collect();
                self.open(pick(PrincipalPick::Workspace { id: sp.id }, options));
            }
            Action::AddToGroup => {
                if self.principals_write_refusal() {
                    return;
                }
                if self.state.principals.groups_load != Load::Loaded {
                    self.state.principals.groups_load = Load::Loading;
                    self.request(
                        Slot::Principals(PrincipalsSlot::Groups),
                        Request::Principals(PrincipalsRequest::Groups),
                    );
                }
                let options = self.group_options(&sp);
                self.open(pick(PrincipalPick::Group { id: sp.id }, options));
            }
            Action::RemoveEntry if view == View::PrincipalDetail => {
                if self.principals_write_refusal() {
                    return;
                }
                self.remove_detail_item(&sp);
            }
            _ => {}
        }
    }

    pub(super) fn group_options(&self, sp: &ServicePrincipal) -> Vec<(String, String)> {
        let member: HashSet<&str> = sp
            .groups
            .iter()
            .filter_map(|g| g.value.as_deref())
            .collect();
        self.state
            .principals
            .groups
            .iter()
            .filter(|g| !member.contains(g.id.as_str()))
            .map(|g| {
                (
                    g.display_name.clone().unwrap_or_else(|| g.id.clone()),
                    g.id.clone(),
                )
            })
            .collect()
    }

    fn start_rotate(&mut self, sp: ServicePrincipal) {
        if self.principals_write_refusal() {
            return;
        }
        let selected = match self.state.principals.selected_item() {
            Some(DetailItem::Secret(s)) if self.state.view == View::PrincipalDetail => {
                Some(s.clone())
            }
            _ => None,
        };
        let known = if let Some(SecretsKnown::Known(l)) = self.state.principals.secrets.get(&sp.id)
        {
            l.clone()
        } else {
            self.state.flash = Some("its secrets are not known yet; try again in a moment".into());
            return;
        };
        // The selected secret, else the one that expires first.
        let old = selected.or_else(|| {
            known
                .iter()
                .min_by_key(|s| {
                    s.expire_time
                        .as_deref()
                        .and_then(parse_timestamp_ms)
                        .unwrap_or(i64::MAX)
                })
                .map(|s| s.id.clone())
        });
        let Some(old) = old else {
            self.state.flash = Some(format!(
                "{} has no secret to rotate; n creates one",
                sp.name()
            ));
            return;
        };
        self.open(confirm(
            PrincipalWrite::CreateSecret {
                id: sp.id.clone(),
                lifetime_days: None,
                rotating: Some(old.clone()),
            },
            format!("Rotate secret {old} of {}?", sp.name()),
            vec![
                "1. A new secret is created (730 days) and shown once: copy it into your automation.".into(),
                format!("2. Then you confirm deleting the old secret {old}; until then both work."),
            ],
        ));
    }

    fn remove_detail_item(&mut self, sp: &ServicePrincipal) {
        let name = sp.name().to_owned();
        let item = self.state.principals.selected_item().cloned();
        let (write, title, lines) = match item {
            Some(DetailItem::Workspace(ws)) => {
                let wname = self
                    .state
                    .principals
                    .assignment(ws)
                    .map_or_else(|| ws.to_string(), |r| r.name.clone());
                (
                    PrincipalWrite::Unassign {
                        id: sp.id.clone(),
                        workspace: ws,
                    },
                    format!("Remove {name} from workspace {wname}?"),
                    vec![format!(
                        "{name} loses access to {wname} ({ws}): its jobs and calls there fail."
                    )],
                )
            }
            Some(DetailItem::Group { id, name: gname }) => (
                PrincipalWrite::SetGroupMember {
                    id: sp.id.clone(),
                    group_id: id.clone(),
                    group_name: gname.clone(),
                    member: false,
                },
                format!("Remove {name} from group {gname}?"),
                vec![format!("It loses whatever {gname} grants.")],
            ),
            Some(DetailItem::Secret(secret_id)) => (
                PrincipalWrite::DeleteSecret {
                    id: sp.id.clone(),
                    secret_id: secret_id.clone(),
                },
                format!("Delete secret {secret_id} of {name}?"),
                vec!["Anything that authenticates with this secret stops working at once.".into()],
            ),
            None => {
                self.state.flash =
                    Some("select a workspace, group or secret of the principal to remove".into());
                return;
            }
        };
        self.open(confirm(write, title, lines));
    }

    pub(in crate::app) fn send_write(&mut self, w: PrincipalWrite) {
        if self.principals_write_refusal() {
            return;
        }
        self.request(
            Slot::Write,
            Request::Principals(PrincipalsRequest::Write(w)),
        );
    }
}
