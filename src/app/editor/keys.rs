//! Keys while a modal is open: each dialog's keys, and what a picked row leads to.

use crate::actor::{Request, Slot};
use crate::api::PolicyId;
use crate::api::network_policies::NetworkPolicy;
use crate::app::App;
use crate::app::list::ListState;
use crate::app::modal::{Modal, PickFor, ReviewKind};
use crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::backend::crossterm::EventHandler;

impl App {
    /// The server's version of a policy, in the detail if that policy is open there (the
    /// conflict may be about another one: writes of several policies can be in flight).
    fn show_server_version(&mut self, id: &PolicyId, server: NetworkPolicy) {
        if self.state.detail.id.as_ref() == Some(id) {
            self.state.detail.policy = Some(server);
        }
    }

    /// Keys while a modal is open. Returns after consuming the key.
    pub(in crate::app) fn handle_modal_key(&mut self, key: KeyEvent) {
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
            Modal::SignIn(d) => self.sign_in_key(*d, key),
            Modal::HistoryEntry { index, scroll } => App::history_entry_key(index, scroll, key),
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
