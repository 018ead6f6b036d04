//! Asking the actor for what the principals views show, and forgetting it when leaving the
//! pane or switching profile.

use super::{PrincipalsState, in_principals};
use crate::actor::{PrincipalsRequest, PrincipalsSlot, Request, Slot};
use crate::app::App;
use crate::app::state::{Load, View};

impl App {
    /// Ask for what the principals views show (list, detail), unless already there.
    pub(in crate::app) fn load_principals(&mut self, force: bool) {
        if self.state.session.is_none() {
            return;
        }
        let p = &mut self.state.principals;
        match self.state.view {
            View::Principals if force || p.load == Load::NotLoaded => {
                p.clear_rows();
                p.load = Load::Loading;
                let filter = p.server_filter.clone();
                self.request(
                    Slot::Principals(PrincipalsSlot::List),
                    Request::Principals(PrincipalsRequest::List { filter }),
                );
            }
            View::PrincipalDetail if force || p.detail.load == Load::NotLoaded => {
                let Some(id) = p.detail.id.clone() else {
                    return;
                };
                p.detail.load = Load::Loading;
                p.detail.assignments = None;
                if force {
                    p.secrets.remove(&id);
                }
                self.request(
                    Slot::Principals(PrincipalsSlot::Detail),
                    Request::Principals(PrincipalsRequest::Detail(id)),
                );
            }
            _ => {}
        }
    }

    /// Leaving the pane cancels its list load (it restarts on return).
    pub(in crate::app) fn leave_principals(&mut self, to: View) {
        if in_principals(self.state.view) && !in_principals(to) {
            for slot in [
                Slot::Principals(PrincipalsSlot::List),
                Slot::Principals(PrincipalsSlot::Secrets),
                Slot::Principals(PrincipalsSlot::Detail),
            ] {
                self.outbox.push(crate::actor::Command::Cancel(slot));
            }
            let p = &mut self.state.principals;
            if p.load == Load::Loading {
                p.load = Load::NotLoaded;
            }
            p.secrets_asked.clear();
            if p.detail.load == Load::Loading {
                p.detail.load = Load::NotLoaded;
            }
        }
    }

    /// A new profile: nothing of the old one's principals means anything.
    pub(in crate::app) fn forget_principals(&mut self) {
        let s = &mut self.state;
        let (sort, descending) = (s.principals.sort, s.principals.descending);
        s.principals = PrincipalsState {
            sort,
            descending,
            ..Default::default()
        };
        s.back_stack.retain(|v| *v != View::PrincipalDetail);
        if s.view == View::PrincipalDetail {
            s.view = View::Principals;
        }
    }

    /// `:filter EXPR` runs a SCIM filter on the server; `:filter` alone clears it.
    pub(in crate::app) fn set_server_filter(&mut self, filter: Option<String>) {
        self.state.principals.server_filter = filter;
        if self.state.view != View::Principals {
            self.show(View::Principals);
        }
        self.load_principals(true);
    }

    /// Fetch the secrets of the rows on screen (never of the whole list), once the list has
    /// settled: while pages stream in, the rows on screen are not final, and asking for each
    /// screenful that passes by would fetch secrets of rows the user never sees.
    pub(in crate::app) fn fetch_visible_secrets(&mut self) {
        if self.state.view != View::Principals || self.state.principals.load == Load::Loading {
            return;
        }
        let page = self.state.page_rows();
        let p = &self.state.principals;
        let start = p.list.offset.min(p.list.visible.len());
        let end = (start + page).min(p.list.visible.len());
        let missing: Vec<String> = p.list.visible[start..end]
            .iter()
            .map(|&i| p.rows[i].id.clone())
            .filter(|id| !p.secrets.contains_key(id))
            .collect();
        if missing.is_empty() || missing.iter().all(|id| p.secrets_asked.contains(id)) {
            return;
        }
        self.state.principals.secrets_asked = missing.iter().cloned().collect();
        self.request(
            Slot::Principals(PrincipalsSlot::Secrets),
            Request::Principals(PrincipalsRequest::Secrets(missing)),
        );
    }
}
