//! `:ws`: the account's workspaces, each with the policy bound to it.

use super::{Pane, PaneInfo};
use crate::actor::{
    Request, RequestId, Slot, WorkspacesPayload, WorkspacesRequest, WorkspacesSlot,
};
use crate::app::App;
use crate::app::keymap::Action;
use crate::app::pane_keys::{FILTER, PaneKey, REFRESH, SORT_NEXT, SORT_REVERSE, hint, key};
use crate::app::state::{Binding, Load, State};
use ratatui::Frame;
use ratatui::layout::Rect;

pub struct Workspaces;

const KEYS: &[PaneKey] = &[
    FILTER,
    hint(
        Action::Open,
        "open",
        "open the policy bound to the workspace",
    ),
    hint(Action::Bind, "bind", "bind the workspace to another policy"),
    key(
        Action::ReadEgressThrough,
        "read the egress log through this workspace",
    ),
    SORT_NEXT,
    SORT_REVERSE,
    REFRESH,
];

pub const INFO: PaneInfo = PaneInfo::new("Workspaces", "ws", ":ws", KEYS).account_level();

impl Pane for Workspaces {
    super::list_at!(workspaces_list);
    fn rebuild(&self, state: &mut State) {
        state.rebuild_workspaces();
    }
    fn load(&self, app: &mut App, force: bool) {
        load_list(app, force);
    }
    fn perform(&self, app: &mut App, action: Action) {
        match action {
            Action::Open => open_bound_policy(app),
            Action::ReadEgressThrough => app.read_egress_through(),
            Action::SortNext | Action::SortReverse => app.sort_table(action),
            other => app.perform_edit(other),
        }
    }
    fn render(&self, state: &State, frame: &mut Frame, area: Rect) {
        crate::ui::workspaces::render(state, frame, area);
    }
}

/// The workspace list, which the policy panes and the egress log need too (names, bindings).
/// Account profiles only.
pub(in crate::app) fn load_list(app: &mut App, force: bool) {
    let s = &mut app.state;
    if s.is_account() && (force || s.workspaces_load == Load::NotLoaded) {
        s.workspaces_load = Load::Loading;
        app.request(
            Slot::Workspaces(WorkspacesSlot::List),
            Request::Workspaces(WorkspacesRequest::List),
        );
    }
}

/// Drill from a workspace into the policy that governs its egress.
fn open_bound_policy(app: &mut App) {
    let Some(i) = app.state.workspaces_list.selected_index() else {
        return;
    };
    match app
        .state
        .binding_of(app.state.workspaces[i].workspace_id)
        .cloned()
    {
        Some(p) => app.open_policy(p),
        None => {
            app.state.flash = Some("the binding of this workspace is not known yet".into());
        }
    }
}

/// The actor's answer to a [`WorkspacesRequest`]: the list (then each workspace's binding is
/// asked for), or one binding (read, or written by a bind).
pub(in crate::app) fn on_reply(app: &mut App, _id: RequestId, payload: WorkspacesPayload) {
    let s = &mut app.state;
    match payload {
        WorkspacesPayload::List(list) => {
            let ids = list.iter().map(|w| w.workspace_id).collect::<Vec<_>>();
            s.set_workspaces(list);
            s.workspaces_load = Load::Loaded;
            app.mark_fresh(Slot::Workspaces(WorkspacesSlot::List));
            app.request(
                Slot::Workspaces(WorkspacesSlot::Bindings),
                Request::Workspaces(WorkspacesRequest::LoadBindings(ids)),
            );
        }
        WorkspacesPayload::Binding(ws, result) => {
            let b = match result {
                Ok(p) => Binding::Policy(p),
                Err(e) => Binding::Unknown(e),
            };
            s.set_binding(ws, b);
            // Rebuilding per binding would be O(n²) on big accounts; the filter haystack
            // only needs refreshing when a filter is active.
            if !s.workspaces_list.filter.is_empty() {
                s.rebuild_workspaces();
            }
        }
    }
}
