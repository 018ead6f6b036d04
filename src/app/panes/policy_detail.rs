//! A network policy opened with Enter: its allow-lists, modes and bound workspaces, edited as a
//! pending change (the editing itself lives in `app::editor`).

use super::{Pane, PaneInfo};
use crate::actor::{Command, PoliciesRequest, PoliciesSlot, Request, Slot};
use crate::app::App;
use crate::app::editor;
use crate::app::keymap::Action;
use crate::app::pane_keys::{
    POLICY_BIND, POLICY_CLONE, POLICY_DELETE, POLICY_EXPORT, POLICY_ROLLOUT, PaneKey, REFRESH,
    hint, key,
};
use crate::app::state::{Load, State, View};
use ratatui::Frame;
use ratatui::layout::Rect;

pub struct PolicyDetail;

const KEYS: &[PaneKey] = &[
    hint(
        Action::Filter,
        "find",
        "find an entry: the cursor jumps to the first match",
    ),
    hint(Action::AddDns, "allow", "allow a DNS name"),
    key(Action::AddStorage, "allow a storage destination"),
    key(Action::AddBlocked, "block a DNS name"),
    hint(
        Action::RemoveEntry,
        "remove",
        "remove the selected entry; on a bound workspace, unbind it",
    ),
    key(
        Action::ToggleRestriction,
        "full access <-> restricted access",
    ),
    key(Action::ToggleEnforcement, "enforced <-> dry run"),
    key(
        Action::CycleDryRunProducts,
        "cycle the dry-run product filter",
    ),
    hint(
        Action::Review,
        "review",
        "review the pending change (diff), y applies",
    ),
    hint(
        Action::Open,
        "edit",
        "edit the selected entry (or toggle the selected mode)",
    ),
    POLICY_EXPORT,
    key(Action::Create, "create a policy"),
    POLICY_CLONE,
    POLICY_DELETE,
    POLICY_BIND,
    POLICY_ROLLOUT,
    REFRESH,
];

pub const INFO: PaneInfo =
    PaneInfo::new("Network policy", "np", "a policy (:np, enter)", KEYS).account_level();

impl Pane for PolicyDetail {
    fn load(&self, app: &mut App, force: bool) {
        super::workspaces::load_list(app, force);
        let s = &mut app.state;
        if s.is_account()
            && (force || s.detail.load == Load::NotLoaded)
            && let Some(id) = s.detail.id.clone()
        {
            s.detail.load = Load::Loading;
            app.request(
                Slot::Policies(PoliciesSlot::Detail),
                Request::Policies(PoliciesRequest::Get(id)),
            );
        }
    }
    fn perform(&self, app: &mut App, action: Action) {
        match action {
            Action::Open => app.edit_selected(),
            Action::Rollout => app.open_rollout(None, None),
            other => app.perform_edit(other),
        }
    }
    fn leave(&self, app: &mut App, _to: View) {
        app.outbox
            .push(Command::Cancel(Slot::Policies(PoliciesSlot::Detail)));
    }
    /// The cursor moves over the detail's items, not a list.
    fn navigate(&self, app: &mut App, action: Action) {
        let page = app.state.page_rows();
        let count = app
            .state
            .detail_draft()
            .map_or(0, |p| editor::detail_items(&app.state, &p).len());
        let last = count.saturating_sub(1);
        let d = &mut app.state.detail;
        d.cursor = match action {
            Action::Up => d.cursor.saturating_sub(1),
            Action::Down => d.cursor + 1,
            Action::PageUp => d.cursor.saturating_sub(page),
            Action::PageDown => d.cursor + page,
            Action::Top => 0,
            _ => last,
        }
        .min(last);
    }
    /// `/` finds an entry: it always starts empty.
    fn filter_text(&self, _state: &State) -> Option<String> {
        Some(String::new())
    }
    fn set_filter(&self, app: &mut App, value: String) {
        app.find_in_detail(&value);
    }
    fn render(&self, state: &State, frame: &mut Frame, area: Rect) {
        crate::ui::network_policies::render_detail(state, frame, area);
    }
}
