//! The reducer of the actor's principals replies (pages, secrets, detail, groups, writes)
//! and of its failures.

use super::dialogs::confirm;
use super::{PrincipalDetail, PrincipalPick, SecretsKnown, SortColumn};
use crate::actor::{PrincipalWrite, PrincipalsPayload, PrincipalsSlot, Slot};
use crate::app::App;
use crate::app::dialog::{PickFor, ShowOnce};
use crate::app::modal::Modal;
use crate::app::state::{Load, View};

impl App {
    pub(in crate::app) fn on_principals_payload(&mut self, payload: PrincipalsPayload) {
        let p = &mut self.state.principals;
        match payload {
            PrincipalsPayload::Page {
                rows,
                loaded,
                total,
                done,
            } => {
                if !rows.is_empty() {
                    p.reserve_for(total);
                    p.append_page(rows);
                }
                p.loaded = loaded;
                p.total = total;
                if done {
                    p.load = Load::Loaded;
                    p.settle();
                    // Only now is what is on screen final: its secrets are asked for once.
                    self.fetch_visible_secrets();
                }
            }
            PrincipalsPayload::Secrets { id, result } => {
                p.secrets_asked.remove(&id);
                p.secrets.insert(
                    id.clone(),
                    match result {
                        Ok(l) => SecretsKnown::Known(l),
                        Err(e) => SecretsKnown::Failed(e),
                    },
                );
                // Sorted by expiry: one re-sort when the screenful's secrets are all in, not
                // one per principal.
                if p.sort == SortColumn::Expiry && p.secrets_asked.is_empty() {
                    p.rebuild();
                }
                if p.detail.id.as_deref() == Some(id.as_str()) {
                    p.rebuild_detail();
                }
            }
            PrincipalsPayload::Detail(sp) => {
                if p.detail.id.as_deref() == Some(sp.id.as_str()) {
                    p.detail.sp = Some(sp.clone());
                    p.detail.load = Load::Loaded;
                }
                if p.get(&sp.id).is_some() {
                    p.upsert(vec![sp]);
                }
                p.rebuild_detail();
            }
            PrincipalsPayload::Assignments { id, rows, note } => {
                if p.detail.id.as_deref() == Some(id.as_str()) {
                    p.detail.assignments = Some(match note {
                        Some(n) => Err(n),
                        None => Ok(rows),
                    });
                    p.rebuild_detail();
                }
            }
            PrincipalsPayload::Groups(groups) => {
                p.groups = groups;
                p.groups_load = Load::Loaded;
                // A group picker opened before the groups arrived fills in now.
                let options = match &self.state.modal {
                    Some(Modal::Pick(pick))
                        if matches!(
                            pick.purpose,
                            PickFor::Principal(PrincipalPick::Group { .. })
                        ) =>
                    {
                        self.state
                            .principals
                            .focused(self.state.view)
                            .map(|sp| self.group_options(&sp))
                    }
                    _ => None,
                };
                if let (Some(options), Some(Modal::Pick(pick))) = (options, &mut self.state.modal) {
                    pick.set_options(options);
                }
            }
            PrincipalsPayload::Written {
                id,
                message,
                sp,
                deleted,
            } => {
                self.state.flash = Some(named(
                    self.state.principals.get(&id),
                    sp.as_ref(),
                    &id,
                    message,
                ));
                self.state.history.load = Load::NotLoaded;
                let p = &mut self.state.principals;
                p.secrets.remove(&id);
                if deleted {
                    p.remove(&id);
                    if p.detail.id.as_deref() == Some(id.as_str()) {
                        p.detail = PrincipalDetail::default();
                        if self.state.view == View::PrincipalDetail {
                            self.back();
                        }
                    }
                    return;
                }
                if let Some(sp) = sp {
                    p.upsert(vec![sp.clone()]);
                    // A new principal: select it so the next key acts on it.
                    if let Some(pos) = p.list.visible.iter().position(|&i| p.rows[i].id == sp.id) {
                        p.list.selected = pos;
                        let page = self.state.page_rows();
                        self.state.principals.list.scroll_into_view(page);
                    }
                }
                if self.state.principals.detail.id.as_deref() == Some(id.as_str()) {
                    self.state.principals.detail.load = Load::NotLoaded;
                    if self.state.view == View::PrincipalDetail {
                        self.load_principals(false);
                    }
                }
                self.fetch_visible_secrets();
            }
            PrincipalsPayload::SecretCreated {
                id,
                info,
                secret,
                rotating,
            } => {
                self.state.history.load = Load::NotLoaded;
                let name = p
                    .focused(self.state.view)
                    .filter(|s| s.id == id)
                    .map_or_else(|| id.clone(), |s| s.name().to_owned());
                p.secrets.remove(&id);
                if p.detail.id.as_deref() == Some(id.as_str()) {
                    p.detail.load = Load::NotLoaded;
                    if self.state.view == View::PrincipalDetail {
                        self.load_principals(false);
                    }
                }
                self.fetch_visible_secrets();
                // Rotation: once the new secret is closed, offer to delete the old one.
                let then = rotating.as_ref().map(|old| {
                    Box::new(confirm(
                        PrincipalWrite::DeleteSecret {
                            id: id.clone(),
                            secret_id: old.clone(),
                        },
                        format!("Delete the old secret {old} of {name}?"),
                        vec![
                            format!("The new secret {} is in place.", info.id),
                            "Anything still using the old secret stops working once it is deleted: update your automation first.".into(),
                        ],
                    ))
                });
                self.open(Modal::ShowOnce(Box::new(ShowOnce {
                    heading: format!("New OAuth secret {} for {name} ({id})", info.id),
                    label: info.id,
                    secret,
                    expires: info.expire_time,
                    copied: false,
                    keys: if then.is_some() {
                        " c copy (OSC 52; stays shown) · enter/esc close, then confirm deleting the old secret"
                    } else {
                        " c copy (OSC 52; stays shown until you close) · enter/esc close"
                    },
                    then,
                })));
            }
        }
    }

    pub(in crate::app) fn on_principals_failure(&mut self, slot: Slot, msg: &str) {
        let p = &mut self.state.principals;
        match slot {
            Slot::Principals(PrincipalsSlot::List) => p.load = Load::Failed(msg.to_owned()),
            Slot::Principals(PrincipalsSlot::Detail) => {
                p.detail.load = Load::Failed(msg.to_owned());
                if p.detail.assignments.is_none() {
                    p.detail.assignments = Some(Err(msg.to_owned()));
                }
            }
            Slot::Principals(PrincipalsSlot::Groups) => {
                p.groups_load = Load::Failed(msg.to_owned());
            }
            Slot::Principals(PrincipalsSlot::Secrets) => p.secrets_asked.clear(),
            _ => {}
        }
    }
}

/// A status line names a service principal, not its number: the id in `message` becomes the
/// name it had before the write (else the one read back), unless the message names it already.
fn named(
    before: Option<&crate::api::scim::ServicePrincipal>,
    after: Option<&crate::api::scim::ServicePrincipal>,
    id: &str,
    message: String,
) -> String {
    match before
        .or(after)
        .map(crate::api::scim::ServicePrincipal::name)
    {
        Some(name) if name != id && !message.contains(name) => message.replace(id, name),
        _ => message,
    }
}
