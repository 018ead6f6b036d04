//! A one-line input: the text typed, the reason it is not accepted yet, and its purpose.

use crate::app::App;
use crate::app::modal::Modal;
use crate::app::state::State;
use crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::backend::crossterm::EventHandler;

/// When the reason a value is refused shows while typing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Live {
    /// After every key, unless the input is empty.
    WhileTyping,
    /// Only once enter was refused; it goes as soon as the value is accepted.
    OnceRefused,
}

/// How an input's dialog looks and checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputStyle {
    /// Shown under the text while nothing is wrong.
    pub hint: &'static str,
    /// Height of the box.
    pub height: u16,
    pub live: Live,
}

/// What an input is for: its prompt, the check of what is typed and what enter does with it.
pub trait Purpose: Clone {
    fn prompt(&self, state: &State) -> String;
    fn style(&self) -> InputStyle;
    /// Why `text` is not accepted.
    fn check(&self, app: &App, text: &str) -> Result<(), String>;
    /// Enter: check `text` and act on it; the dialog that follows, if any. An error keeps the
    /// input open with the typed text and the reason.
    fn submit(self, app: &mut App, text: &str) -> Result<Option<Modal>, String>;
}

/// A one-line input dialog.
#[derive(Clone, Debug)]
pub struct Input<P> {
    pub purpose: P,
    pub input: tui_input::Input,
    pub error: Option<String>,
}

impl InputStyle {
    pub const fn new(hint: &'static str, height: u16, live: Live) -> Self {
        Self { hint, height, live }
    }
}

impl<P> Input<P> {
    pub fn new(purpose: P) -> Self {
        Self::with_text(purpose, String::new())
    }

    /// An input that starts with `text` (an edit of an existing value).
    pub fn with_text(purpose: P, text: String) -> Self {
        Self {
            purpose,
            input: tui_input::Input::new(text),
            error: None,
        }
    }
}

impl App {
    /// A key while an input is open; `wrap` keeps it open.
    pub(in crate::app) fn input_key<P: Purpose>(
        &mut self,
        mut d: Input<P>,
        key: KeyEvent,
        wrap: fn(Input<P>) -> Modal,
    ) -> Option<Modal> {
        match key.code {
            KeyCode::Esc => None,
            KeyCode::Enter => {
                let text = d.input.value().to_owned();
                match d.purpose.clone().submit(self, &text) {
                    Ok(next) => next,
                    Err(error) => {
                        d.error = Some(error);
                        Some(wrap(d))
                    }
                }
            }
            _ => {
                d.input.handle_event(&Event::Key(key));
                self.recheck(&mut d);
                Some(wrap(d))
            }
        }
    }

    /// After the text changed (typed or pasted): the text is never discarded, only explained.
    pub(in crate::app) fn recheck<P: Purpose>(&self, d: &mut Input<P>) {
        let text = d.input.value();
        d.error = match d.purpose.style().live {
            Live::WhileTyping if text.is_empty() => None,
            Live::OnceRefused if d.error.is_none() => None,
            _ => d.purpose.check(self, text).err(),
        };
    }
}
