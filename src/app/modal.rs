//! Dialogs that take the keys until they close: the shared ones of [`super::dialog`] (inputs,
//! picks, questions, type-to-confirm, a secret shown once) and the policy editor's review,
//! conflict and export. Every destructive confirmation defaults to "no": only `y` (or the typed
//! name) goes ahead.

use super::App;
use super::confirm::Confirm;
use super::dialog::{Input, InputFor, Pick, PickFor, ShowOnce, TypeToConfirm};
use crate::api::PolicyId;
use crate::api::network_policies::NetworkPolicy;
use crossterm::event::{KeyCode, KeyEvent};

/// A scrolled dialog's offset after `code`: `j`/down one line further, `k`/up one line back, any
/// other key leaves it where it is.
pub(crate) fn scrolled(code: KeyCode, scroll: u16) -> u16 {
    match code {
        KeyCode::Down | KeyCode::Char('j') => scroll.saturating_add(1),
        KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
        _ => scroll,
    }
}

/// What a review applies.
#[derive(Clone, Debug, PartialEq)]
pub enum ReviewKind {
    /// The pending change of this policy.
    Update(PolicyId),
    /// A new policy (created or cloned).
    Create(Box<NetworkPolicy>),
}

#[derive(Clone, Debug)]
pub enum Modal {
    /// A one-line input of any pane.
    Input(Input<InputFor>),
    Review {
        kind: ReviewKind,
        scroll: u16,
    },
    Conflict {
        policy: PolicyId,
        server: Box<NetworkPolicy>,
    },
    /// Choose one option, for any pane.
    Pick(Pick<PickFor>),
    /// Type the name of what is deleted.
    TypeToConfirm(TypeToConfirm),
    Export {
        policy: PolicyId,
    },
    /// A new secret, shown once. Closing it drops the only copy.
    ShowOnce(Box<ShowOnce>),
    /// Several pasted lines offered as names to add.
    PasteOffer(Box<super::paste::PasteOffer>),
    /// A `:history` entry's change (the history list's data index), read-only.
    HistoryEntry {
        index: usize,
        scroll: u16,
    },
    /// A yes/no question before something that cannot be taken back.
    Confirm(Confirm),
    /// Sign in again: a person's login expired.
    SignIn(Box<super::signin::SignIn>),
}

impl App {
    /// Keys while a modal is open. Returns after consuming the key.
    pub(in crate::app) fn handle_modal_key(&mut self, key: KeyEvent) {
        let Some(modal) = self.state.modal.take() else {
            return;
        };
        let keep = match modal {
            Modal::Input(d) => self.input_key(d, key, Modal::Input),
            Modal::Pick(d) => self.pick_key(d, key, Modal::Pick),
            Modal::TypeToConfirm(d) => self.type_to_confirm_key(d, key),
            Modal::ShowOnce(d) => self.show_once_key(*d, key),
            Modal::Confirm(c) => self.confirm_key(c, key),
            Modal::Review { kind, scroll } => self.review_key(kind, scroll, key),
            Modal::Conflict { policy, server } => self.conflict_key(policy, server, key),
            Modal::Export { policy } => self.export_key(policy, key),
            Modal::PasteOffer(offer) => self.paste_offer_key(*offer, key),
            Modal::HistoryEntry { index, scroll } => App::history_entry_key(index, scroll, key),
            Modal::SignIn(s) => self.sign_in_key(*s, key),
        };
        // What a key started may open a dialog of its own, shown when this one closes.
        self.state.modal = keep.or(self.state.modal.take());
    }
}
