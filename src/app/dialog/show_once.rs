//! A secret shown once: `c` copies it with OSC 52, closing drops the only copy.

use crate::app::App;
use crate::app::modal::Modal;
use crate::config::Secret;
use crossterm::event::{KeyCode, KeyEvent};

#[derive(Clone, Debug)]
pub struct ShowOnce {
    /// What the secret is, e.g. `New OAuth secret 1a2b for etl-bot (1234)`.
    pub heading: String,
    /// The secret's own id (not secret).
    pub label: String,
    pub secret: Secret,
    /// When it expires (RFC 3339); `None`: never.
    pub expires: Option<String>,
    /// `c` was pressed.
    pub copied: bool,
    /// The key hint: what closing leads to.
    pub keys: &'static str,
    /// The dialog that opens once this one closes.
    pub then: Option<Box<Modal>>,
}

impl App {
    /// A key while a secret is shown.
    pub(in crate::app) fn show_once_key(
        &mut self,
        mut d: ShowOnce,
        key: KeyEvent,
    ) -> Option<Modal> {
        match key.code {
            KeyCode::Char('c') => {
                self.clipboard = Some(d.secret.clone());
                self.state.flash = Some(
                    "sent to the terminal's clipboard (OSC 52); under tmux: set -g set-clipboard on"
                        .into(),
                );
                d.copied = true;
                Some(Modal::ShowOnce(Box::new(d)))
            }
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => {
                let ShowOnce { secret, then, .. } = d;
                drop(secret);
                then.map(|m| *m)
            }
            _ => Some(Modal::ShowOnce(Box::new(d))),
        }
    }
}
