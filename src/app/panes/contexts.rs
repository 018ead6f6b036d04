//! `:ctx`: the profiles dbx-tui can use, like k9s contexts; Enter switches.

use super::{Pane, PaneInfo};
use crate::app::App;
use crate::app::keymap::Action;
use crate::app::list::ListState;
use crate::app::pane_keys::{FILTER, PaneKey, hint};
use crate::app::state::State;
use ratatui::Frame;
use ratatui::layout::Rect;

pub struct Contexts;

/// The pane's state: its list over `State::profiles`.
#[derive(Clone, Debug, Default)]
pub struct ContextsState {
    pub list: ListState,
}

const KEYS: &[PaneKey] = &[
    FILTER,
    hint(Action::Open, "switch", "switch to the profile"),
];

pub const INFO: PaneInfo = PaneInfo::new("Contexts", "ctx", ":ctx", KEYS).works_offline();

impl Pane for Contexts {
    super::list_at!(contexts.list);
    fn rebuild(&self, state: &mut State) {
        state.rebuild_contexts();
    }
    fn perform(&self, app: &mut App, action: Action) {
        if action == Action::Open
            && let Some(i) = app.state.contexts.list.selected_index()
        {
            let name = app.state.profiles[i].name.clone();
            app.switch_profile(name, true);
        }
    }
    fn render(&self, state: &State, frame: &mut Frame, area: Rect) {
        crate::ui::contexts::render(state, frame, area);
    }
}
