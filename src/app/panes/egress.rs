//! `:egress`: the live egress block log (its state and tail live in `app::egress`).

use super::{Pane, PaneInfo};
use crate::app::App;
use crate::app::egress::EgressTab;
use crate::app::keymap::Action;
use crate::app::list::ListState;
use crate::app::pane_keys::EGRESS;
use crate::app::state::{State, View};
use ratatui::Frame;
use ratatui::layout::Rect;

pub struct Egress;

pub const INFO: PaneInfo = PaneInfo::new("Egress block log", "egress", ":egress", EGRESS);

impl Pane for Egress {
    fn list<'s>(&self, state: &'s State) -> Option<&'s ListState> {
        let e = &state.egress;
        Some(match e.tab {
            EgressTab::Events => &e.list,
            EgressTab::ByDestination => &e.dest_list,
        })
    }
    fn list_mut<'s>(&self, state: &'s mut State) -> Option<&'s mut ListState> {
        let e = &mut state.egress;
        Some(match e.tab {
            EgressTab::Events => &mut e.list,
            EgressTab::ByDestination => &mut e.dest_list,
        })
    }
    fn rebuild(&self, state: &mut State) {
        let names = state
            .workspaces
            .iter()
            .map(|w| (w.workspace_id.to_string(), w.workspace_name.clone()))
            .collect();
        state.egress.rebuild(&names);
    }
    fn load(&self, app: &mut App, force: bool) {
        if app.state.session.is_some() {
            app.egress_load(force);
        }
        // Workspace names for the log's rows (account profiles).
        super::workspaces::load_list(app, force);
    }
    fn perform(&self, app: &mut App, action: Action) {
        match action {
            Action::TogglePause => app.toggle_pause(),
            Action::SwitchTab => {
                let e = &mut app.state.egress;
                e.tab = match e.tab {
                    EgressTab::Events => EgressTab::ByDestination,
                    EgressTab::ByDestination => EgressTab::Events,
                };
            }
            Action::AddDns => app.allow_from_log(),
            other => app.perform_edit(other),
        }
    }
    fn leave(&self, app: &mut App, _to: View) {
        app.stop_tail();
    }
    fn render(&self, state: &State, frame: &mut Frame, area: Rect) {
        crate::ui::egress::render(state, frame, area);
    }
}
