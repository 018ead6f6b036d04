//! `?`: the help overlay, a popup over the focused pane listing that pane's keys (drawn by
//! `ui::help`). Esc, `q` or the help key again close it; every other key is ignored.

use crate::app::App;
use crate::app::keymap::Action;
use crate::app::state::{Mode, State};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

/// A key while the overlay is open.
pub(in crate::app) fn handle(app: &mut App, key: &KeyEvent) {
    if matches!(key.code, KeyCode::Esc | KeyCode::Char('q'))
        || app.state.keymap.action_for(key) == Some(Action::Help)
    {
        app.state.mode = Mode::Normal;
    }
}

/// Draw the overlay when it is open.
pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    if matches!(state.mode, Mode::Help) {
        crate::ui::help::render(state, frame, area);
    }
}
