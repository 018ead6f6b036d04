//! One component per pane. Each pane is a [`Pane`]: the keys it declares, its key handling,
//! what it asks the actor for when shown, its list (filter, scroll) and its drawing. `App`
//! routes the focused view to its pane through [`pane`]; [`PANES`] is the one registry: a new
//! pane is its own module (with its [`PaneInfo`]), a [`View`] variant and one line there.
//!
//! Replies come back by feature: `Payload::Workspaces` to [`workspaces::on_reply`],
//! `Payload::Policies` to [`policies::on_reply`], `Payload::Journal` to [`history::on_reply`],
//! `Payload::Rollout` to the rollout pane, each checked against the request that asked.

pub mod contexts;
pub mod egress;
pub mod help;
pub mod history;
pub mod policies;
pub mod policy_detail;
pub mod principals;
pub mod rollout;
pub mod workspaces;

use super::App;
use super::keymap::Action;
use super::list::ListState;
use super::pane_keys::PaneKey;
use super::state::{State, View};
use ratatui::Frame;
use ratatui::layout::Rect;

/// A pane's `list` and `list_mut`, both reaching the same `State` field: the two must never
/// point at different lists, so one line writes both.
macro_rules! list_at {
    ($($field:ident).+) => {
        fn list<'s>(&self, state: &'s State) -> Option<&'s crate::app::list::ListState> {
            Some(&state.$($field).+)
        }
        fn list_mut<'s>(
            &self,
            state: &'s mut State,
        ) -> Option<&'s mut crate::app::list::ListState> {
            Some(&mut state.$($field).+)
        }
    };
}
pub(crate) use list_at;

/// What a pane says about itself: its words and its keys.
pub struct PaneInfo {
    pub title: &'static str,
    /// The command that opens it (for the tab strip).
    pub command: &'static str,
    /// Where it is, in words for a message (`:ws`, `a policy (:np, enter)`).
    pub place: &'static str,
    /// The keys it handles besides the ones every view handles.
    pub keys: &'static [PaneKey],
    /// It shows account-level data (a workspace profile gets a message instead).
    pub account_level: bool,
    /// It shows something with no profile connected.
    pub works_offline: bool,
}

impl PaneInfo {
    /// A pane's words and keys; it needs a connection and is not account-level.
    pub const fn new(
        title: &'static str,
        command: &'static str,
        place: &'static str,
        keys: &'static [PaneKey],
    ) -> Self {
        PaneInfo {
            title,
            command,
            place,
            keys,
            account_level: false,
            works_offline: false,
        }
    }

    /// The pane shows account-level data.
    pub const fn account_level(mut self) -> Self {
        self.account_level = true;
        self
    }

    /// The pane shows something with no profile connected.
    pub const fn works_offline(mut self) -> Self {
        self.works_offline = true;
        self
    }
}

/// A pane: what `App` needs of the focused view. Everything but [`Pane::perform`] and
/// [`Pane::render`] has a default for a pane without a list or loads.
pub trait Pane: Sync {
    /// Its list, if it has one (filter, scroll and selection live there).
    fn list<'s>(&self, _state: &'s State) -> Option<&'s ListState> {
        None
    }
    fn list_mut<'s>(&self, _state: &'s mut State) -> Option<&'s mut ListState> {
        None
    }
    /// Rebuild its list after its data or filter changed.
    fn rebuild(&self, _state: &mut State) {}
    /// Ask for what it shows, unless it is already there (or `force`).
    fn load(&self, _app: &mut App, _force: bool) {}
    /// A key it declares (the gate in `App::handle_key` lets no other reach it).
    fn perform(&self, app: &mut App, action: Action);
    /// The focus moves from it to `to`.
    fn leave(&self, _app: &mut App, _to: View) {}
    /// Up, down, pages, top and bottom.
    fn navigate(&self, app: &mut App, action: Action) {
        let page = app.state.page_rows();
        if let Some(list) = self.list_mut(&mut app.state) {
            match action {
                Action::Up => list.move_by(-1, page),
                Action::Down => list.move_by(1, page),
                Action::PageUp => list.move_by(-(page as isize), page),
                Action::PageDown => list.move_by(page as isize, page),
                Action::Top => list.select_first(),
                _ => list.select_last(page),
            }
        }
    }
    /// What `/` starts from, or `None` when the pane has nothing to filter.
    fn filter_text(&self, state: &State) -> Option<String> {
        self.list(state).map(|l| l.filter.clone())
    }
    /// The `/` input changed.
    fn set_filter(&self, app: &mut App, value: String) {
        if let Some(list) = self.list_mut(&mut app.state) {
            list.filter = value;
        }
        self.rebuild(&mut app.state);
    }
    fn render(&self, state: &State, frame: &mut Frame, area: Rect);
}

/// The registry: every view with its component and its words, in the order of [`View`]'s
/// variants (which is also the order the help and the "does nothing here" message look them up).
pub static PANES: [(View, &dyn Pane, PaneInfo); 9] = [
    (View::Workspaces, &workspaces::Workspaces, workspaces::INFO),
    (View::Policies, &policies::Policies, policies::INFO),
    (
        View::PolicyDetail,
        &policy_detail::PolicyDetail,
        policy_detail::INFO,
    ),
    (
        View::Principals,
        &principals::Principals,
        principals::LIST_INFO,
    ),
    (
        View::PrincipalDetail,
        &principals::PrincipalDetail,
        principals::DETAIL_INFO,
    ),
    (View::Egress, &egress::Egress, egress::INFO),
    (View::Contexts, &contexts::Contexts, contexts::INFO),
    (View::History, &history::History, history::INFO),
    (View::Rollout, &rollout::Rollout, rollout::INFO),
];

/// The component of a view.
pub fn pane(view: View) -> &'static dyn Pane {
    PANES[view as usize].1
}

/// What a view's pane says about itself.
pub fn info(view: View) -> &'static PaneInfo {
    &PANES[view as usize].2
}

/// Every view, in the registry's order.
pub fn all_views() -> impl Iterator<Item = View> {
    PANES.iter().map(|(view, _, _)| *view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keymap::Keymap;

    /// The registry's contract: every view is listed once, has its own words, and a pane with a
    /// list keeps the filter typed into it.
    #[test]
    fn every_view_has_one_pane_and_a_list_pane_keeps_its_filter() {
        // No wildcard: a new `View` stops this from compiling until it has its line in `PANES`.
        let registered = |v: View| match v {
            View::Workspaces | View::Policies | View::PolicyDetail | View::Principals => true,
            View::PrincipalDetail | View::Egress | View::Contexts | View::History => true,
            View::Rollout => true,
        };
        assert!(all_views().all(registered));
        assert_eq!(PANES.len(), View::Rollout as usize + 1);
        for (i, (v, _, _)) in PANES.iter().enumerate() {
            assert_eq!(
                *v as usize, i,
                "{v:?} is out of order, so `pane` would find another"
            );
            let info = info(*v);
            assert!(!info.title.is_empty() && !info.place.is_empty(), "{v:?}");
            assert_eq!(
                info.account_level,
                matches!(v, View::Workspaces | View::Policies | View::PolicyDetail),
                "{v:?}"
            );
            assert_eq!(info.works_offline, *v == View::Contexts, "{v:?}");
        }
        let mut app = App::new(Vec::new(), Keymap::default());
        for v in all_views() {
            app.state.view = v;
            let focused = pane(v);
            if focused.list(&app.state).is_none() {
                continue;
            }
            focused.set_filter(&mut app, "needle".into());
            assert_eq!(
                focused.filter_text(&app.state).as_deref(),
                Some("needle"),
                "{v:?}"
            );
            assert_eq!(
                app.state.current_list().map(|l| l.filter.as_str()),
                Some("needle"),
                "{v:?}"
            );
        }
    }
}
