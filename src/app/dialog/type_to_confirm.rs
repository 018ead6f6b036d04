//! Type the name of what is deleted to go ahead.

use crate::actor::{PrincipalWrite, Request, Slot};
use crate::api::PolicyId;
use crate::app::App;
use crate::app::modal::Modal;
use crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::backend::crossterm::EventHandler;

/// What is deleted once its name is typed.
#[derive(Clone, Debug, PartialEq)]
pub enum Deletion {
    Policy(PolicyId),
    Principal { id: String },
}

impl Deletion {
    /// What the deletion takes with it, above the input.
    pub fn question(&self, expected: &str) -> Vec<String> {
        match self {
            Deletion::Policy(policy) => {
                vec![format!("Delete policy {policy}? Type its id to confirm:")]
            }
            Deletion::Principal { .. } => vec![
                format!(
                    "Delete service principal {expected}? Its secrets, group memberships and workspace assignments go with it."
                ),
                "Type its display name to confirm:".into(),
            ],
        }
    }

    /// The widest the box may be.
    pub fn width(&self) -> u16 {
        match self {
            Deletion::Policy(_) => 70,
            Deletion::Principal { .. } => u16::MAX,
        }
    }

    fn confirmed(self, app: &mut App) {
        match self {
            Deletion::Policy(policy) => {
                app.request(
                    Slot::Write,
                    Request::Policies(crate::actor::PoliciesRequest::Delete(policy)),
                );
            }
            Deletion::Principal { id } => app.send_write(PrincipalWrite::Delete { id }),
        }
    }
}

/// Type `expected` exactly, then enter.
#[derive(Clone, Debug)]
pub struct TypeToConfirm {
    pub deletion: Deletion,
    pub expected: String,
    pub input: tui_input::Input,
}

impl TypeToConfirm {
    pub fn new(deletion: Deletion, expected: String) -> Self {
        Self {
            deletion,
            expected,
            input: tui_input::Input::default(),
        }
    }
}

impl App {
    /// A key while a type-to-confirm dialog is open.
    pub(in crate::app) fn type_to_confirm_key(
        &mut self,
        mut d: TypeToConfirm,
        key: KeyEvent,
    ) -> Option<Modal> {
        match key.code {
            KeyCode::Esc => None,
            KeyCode::Enter if d.input.value() == d.expected => {
                d.deletion.confirmed(self);
                None
            }
            KeyCode::Enter => {
                self.state.flash = Some(format!(
                    "type {} exactly to delete it, or esc to cancel",
                    d.expected
                ));
                Some(Modal::TypeToConfirm(d))
            }
            _ => {
                d.input.handle_event(&Event::Key(key));
                Some(Modal::TypeToConfirm(d))
            }
        }
    }
}
