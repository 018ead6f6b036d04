//! Keys of the policy editor's own dialogs: the review of a change, a conflict with a change
//! made elsewhere, and the export format.

use crate::api::PolicyId;
use crate::api::network_policies::NetworkPolicy;
use crate::app::App;
use crate::app::confirm::Confirm;
use crate::app::modal::{Modal, ReviewKind};
use crossterm::event::{KeyCode, KeyEvent};

impl App {
    /// The server's version of a policy, in the detail if that policy is open there (the
    /// conflict may be about another one: writes of several policies can be in flight).
    fn show_server_version(&mut self, id: &PolicyId, server: NetworkPolicy) {
        if self.state.detail.id.as_ref() == Some(id) {
            self.state.detail.policy = Some(server);
        }
    }

    pub(in crate::app) fn review_key(
        &mut self,
        kind: ReviewKind,
        scroll: u16,
        key: KeyEvent,
    ) -> Option<Modal> {
        match key.code {
            KeyCode::Char('y') => {
                self.apply_review(&kind);
                None
            }
            KeyCode::Char('n') => None,
            KeyCode::Esc => match kind {
                ReviewKind::Update(policy) => Some(Modal::Confirm(Confirm::Discard { policy })),
                ReviewKind::Create(_) => None,
            },
            code => Some(Modal::Review {
                kind,
                scroll: crate::app::modal::scrolled(code, scroll),
            }),
        }
    }

    pub(in crate::app) fn conflict_key(
        &mut self,
        policy: PolicyId,
        server: Box<NetworkPolicy>,
        key: KeyEvent,
    ) -> Option<Modal> {
        match key.code {
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
        }
    }

    pub(in crate::app) fn export_key(&mut self, policy: PolicyId, key: KeyEvent) -> Option<Modal> {
        match key.code {
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
        }
    }
}
