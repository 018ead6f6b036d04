//! `:sp` and a service principal opened with Enter (their state, keys and replies live in
//! `app::principals`).

use super::{Pane, PaneInfo};
use crate::app::App;
use crate::app::keymap::Action;
use crate::app::pane_keys::{PRINCIPAL_DETAIL, PRINCIPALS};
use crate::app::state::{State, View};
use ratatui::Frame;
use ratatui::layout::Rect;

pub struct Principals;
pub struct PrincipalDetail;

pub const LIST_INFO: PaneInfo = PaneInfo::new("Service principals", "sp", ":sp", PRINCIPALS);

impl Pane for Principals {
    super::list_at!(principals.list);
    fn rebuild(&self, state: &mut State) {
        state.principals.refilter();
    }
    fn load(&self, app: &mut App, force: bool) {
        app.load_principals(force);
    }
    fn perform(&self, app: &mut App, action: Action) {
        match action {
            Action::Open => app.open_principal(),
            other => app.perform_principals(other),
        }
    }
    fn leave(&self, app: &mut App, to: View) {
        app.leave_principals(to);
    }
    fn render(&self, state: &State, frame: &mut Frame, area: Rect) {
        crate::ui::principals::render(state, frame, area);
    }
}

pub const DETAIL_INFO: PaneInfo = PaneInfo::new(
    "Service principal",
    "sp",
    "a service principal (:sp, enter)",
    PRINCIPAL_DETAIL,
);

impl Pane for PrincipalDetail {
    super::list_at!(principals.detail.items);
    fn rebuild(&self, state: &mut State) {
        state.principals.rebuild_detail();
    }
    fn load(&self, app: &mut App, force: bool) {
        app.load_principals(force);
    }
    fn perform(&self, app: &mut App, action: Action) {
        app.perform_principals(action);
    }
    fn leave(&self, app: &mut App, to: View) {
        app.leave_principals(to);
    }
    fn render(&self, state: &State, frame: &mut Frame, area: Rect) {
        crate::ui::principal_detail::render(state, frame, area);
    }
}
