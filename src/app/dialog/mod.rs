//! The dialogs every pane shares, each with one key handler here and one renderer in
//! `ui::dialog`:
//! - [`Input`]: a one-line input whose [`Purpose`] checks the value and says what enter does;
//! - [`Pick`]: one option of a list, chosen for a [`PickPurpose`];
//! - a y/N question ([`crate::app::confirm::Confirm`], answered by [`answer`]; only `y` goes
//!   ahead);
//! - [`TypeToConfirm`]: type the name of what is deleted;
//! - [`ShowOnce`]: a secret shown once, copied with OSC 52 on request, then dropped.
//!
//! A pane brings only its purposes: what to check and what happens next.

mod input;
mod pick;
mod purposes;
mod show_once;
mod type_to_confirm;

pub use input::{Input, InputStyle, Live, Purpose};
pub use pick::{Pick, PickPurpose};
pub use purposes::{InputFor, PickFor};
pub use show_once::ShowOnce;
pub use type_to_confirm::{Deletion, TypeToConfirm};

use crossterm::event::{KeyCode, KeyEvent};

/// A y/N question: what it says, and how the dialog is drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub title: String,
    pub lines: Vec<String>,
    /// The key hint under the lines, e.g. ` y bind · n cancel (default)`.
    pub keys: &'static str,
    /// The widest the box may be.
    pub width: u16,
}

/// What a key does to a y/N question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Yes,
    /// `n` or Esc: nothing happens.
    No,
    /// Any other key keeps the question open.
    Undecided,
}

/// Only `y` goes ahead.
pub fn answer(key: &KeyEvent) -> Answer {
    match key.code {
        KeyCode::Char('y') => Answer::Yes,
        KeyCode::Char('n') | KeyCode::Esc => Answer::No,
        _ => Answer::Undecided,
    }
}
