//! Choose one option of a list.

use crate::app::App;
use crate::app::list::ListState;
use crate::app::modal::Modal;
use crate::app::state::State;
use crossterm::event::{KeyCode, KeyEvent};

/// What a pick is for: its title, how an option reads, and what choosing one leads to.
pub trait PickPurpose: Clone {
    fn title(&self, state: &State) -> String;
    /// The line of an option (`label`, `value`), drawn now: by default its label.
    fn line(&self, _state: &State, label: &str, _value: &str) -> String {
        label.to_owned()
    }
    /// Shown while there is no option.
    fn empty(&self) -> &'static str;
    /// Enter on an option; the dialog that follows, if any.
    fn picked(self, app: &mut App, label: String, value: String) -> Option<Modal>;
}

/// A list of options, each a label and the value it stands for, with the selection.
#[derive(Clone, Debug)]
pub struct Pick<P> {
    pub purpose: P,
    /// (label, value)
    pub options: Vec<(String, String)>,
    pub list: ListState,
}

impl<P> Pick<P> {
    pub fn new(purpose: P, options: Vec<(String, String)>) -> Self {
        let mut pick = Self {
            purpose,
            options: Vec::new(),
            list: ListState::default(),
        };
        pick.set_options(options);
        pick
    }

    /// New options (they arrived after the dialog opened), keeping the selected one.
    pub fn set_options(&mut self, options: Vec<(String, String)>) {
        self.options = options;
        self.list
            .rebuild(self.options.iter().map(|(label, _)| label.as_str()));
    }
}

impl App {
    /// A key while a pick is open; `wrap` keeps it open.
    pub(in crate::app) fn pick_key<P: PickPurpose>(
        &mut self,
        mut d: Pick<P>,
        key: KeyEvent,
        wrap: fn(Pick<P>) -> Modal,
    ) -> Option<Modal> {
        match key.code {
            KeyCode::Esc => None,
            KeyCode::Down | KeyCode::Char('j') => {
                d.list.move_by(1, 10);
                Some(wrap(d))
            }
            KeyCode::Up | KeyCode::Char('k') => {
                d.list.move_by(-1, 10);
                Some(wrap(d))
            }
            KeyCode::Enter => {
                let (label, value) = d
                    .list
                    .selected_index()
                    .and_then(|i| d.options.get(i))
                    .cloned()?;
                d.purpose.picked(self, label, value)
            }
            _ => Some(wrap(d)),
        }
    }
}
