//! The purposes of every pane's inputs and picks, so that one dialog variant holds any of them.
//! A pane adds a variant here once; its dialogs are variants of its own purpose.

use super::{InputStyle, PickPurpose, Purpose};
use crate::app::App;
use crate::app::editor::{BindPick, PolicyInput};
use crate::app::modal::Modal;
use crate::app::principals::{PrincipalInput, PrincipalPick};
use crate::app::state::State;

/// What an input is for, by pane.
#[derive(Clone, Debug, PartialEq)]
pub enum InputFor {
    Policy(PolicyInput),
    Principal(PrincipalInput),
}

impl Purpose for InputFor {
    fn prompt(&self, state: &State) -> String {
        match self {
            InputFor::Policy(p) => p.prompt(state),
            InputFor::Principal(p) => p.prompt(state),
        }
    }

    fn style(&self) -> InputStyle {
        match self {
            InputFor::Policy(p) => p.style(),
            InputFor::Principal(p) => p.style(),
        }
    }

    fn check(&self, app: &App, text: &str) -> Result<(), String> {
        match self {
            InputFor::Policy(p) => p.check(app, text),
            InputFor::Principal(p) => p.check(app, text),
        }
    }

    fn submit(self, app: &mut App, text: &str) -> Result<Option<Modal>, String> {
        match self {
            InputFor::Policy(p) => p.submit(app, text),
            InputFor::Principal(p) => p.submit(app, text),
        }
    }
}

/// What a pick is for, by pane.
#[derive(Clone, Debug, PartialEq)]
pub enum PickFor {
    Bind(BindPick),
    Principal(PrincipalPick),
}

impl PickPurpose for PickFor {
    fn title(&self, state: &State) -> String {
        match self {
            PickFor::Bind(p) => p.title(state),
            PickFor::Principal(p) => p.title(state),
        }
    }

    fn line(&self, state: &State, label: &str, value: &str) -> String {
        match self {
            PickFor::Bind(p) => p.line(state, label, value),
            PickFor::Principal(p) => p.line(state, label, value),
        }
    }

    fn empty(&self) -> &'static str {
        match self {
            PickFor::Bind(p) => p.empty(),
            PickFor::Principal(p) => p.empty(),
        }
    }

    fn picked(self, app: &mut App, label: String, value: String) -> Option<Modal> {
        match self {
            PickFor::Bind(p) => p.picked(app, label, value),
            PickFor::Principal(p) => p.picked(app, label, value),
        }
    }
}
