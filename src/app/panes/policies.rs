//! `:np`: the account's network policies.

use super::{Pane, PaneInfo};
use crate::actor::{PoliciesPayload, PoliciesRequest, PoliciesSlot, Request, RequestId, Slot};
use crate::api::PolicyId;
use crate::app::App;
use crate::app::dialog::PickFor;
use crate::app::keymap::Action;
use crate::app::modal::Modal;
use crate::app::pane_keys::{
    FILTER, POLICY_BIND, POLICY_CLONE, POLICY_DELETE, POLICY_EXPORT, POLICY_ROLLOUT, PaneKey,
    REFRESH, SORT_NEXT, SORT_REVERSE, hint, key,
};
use crate::app::state::{Load, State};
use ratatui::Frame;
use ratatui::layout::Rect;

pub struct Policies;

const KEYS: &[PaneKey] = &[
    FILTER,
    hint(Action::Open, "open", "open the policy"),
    key(Action::Review, "review the policy's pending change"),
    POLICY_EXPORT,
    hint(Action::Create, "create", "create a policy"),
    POLICY_CLONE,
    POLICY_DELETE,
    POLICY_BIND,
    POLICY_ROLLOUT,
    SORT_NEXT,
    SORT_REVERSE,
    REFRESH,
];

pub const INFO: PaneInfo = PaneInfo::new("Network policies", "np", ":np", KEYS).account_level();

impl Pane for Policies {
    super::list_at!(policies_list);
    fn rebuild(&self, state: &mut State) {
        state.rebuild_policies();
    }
    fn load(&self, app: &mut App, force: bool) {
        super::workspaces::load_list(app, force);
        let s = &mut app.state;
        if s.is_account() && (force || s.policies_load == Load::NotLoaded) {
            s.policies_load = Load::Loading;
            app.request(
                Slot::Policies(PoliciesSlot::List),
                Request::Policies(PoliciesRequest::List),
            );
        }
    }
    fn perform(&self, app: &mut App, action: Action) {
        match action {
            Action::Open => {
                if let Some(i) = app.state.policies_list.selected_index() {
                    let id = app.state.policies[i].id().to_owned();
                    app.open_policy(PolicyId(id));
                }
            }
            Action::Rollout => app.open_rollout(None, None),
            Action::SortNext | Action::SortReverse => app.sort_table(action),
            other => app.perform_edit(other),
        }
    }
    fn render(&self, state: &State, frame: &mut Frame, area: Rect) {
        crate::ui::network_policies::render_list(state, frame, area);
    }
}

/// The actor's answer to a [`PoliciesRequest`]: the list, one policy read, or a write's
/// outcome (routed by its request to the write that asked).
pub(in crate::app) fn on_reply(app: &mut App, id: RequestId, payload: PoliciesPayload) {
    match payload {
        PoliciesPayload::List(list) => {
            for p in &list {
                app.notice_server_change(p);
            }
            app.mark_fresh(Slot::Policies(PoliciesSlot::List));
            let s = &mut app.state;
            s.policies = list;
            s.policies_load = Load::Loaded;
            s.rebuild_policies();
            // A policy picker opened before the list arrived fills in now.
            let options = match &app.state.modal {
                Some(Modal::Pick(pick)) => match &pick.purpose {
                    PickFor::Bind(purpose) => Some(purpose.options(&app.state)),
                    PickFor::Principal(_) => None,
                },
                _ => None,
            };
            if let (Some(options), Some(Modal::Pick(pick))) = (options, &mut app.state.modal) {
                pick.set_options(options);
            }
        }
        PoliciesPayload::Policy(p) => {
            app.notice_server_change(&p);
            app.mark_fresh(Slot::Policies(PoliciesSlot::Detail));
            app.take_waiting_edits(&p);
            let s = &mut app.state;
            if s.detail.id.as_ref().map(PolicyId::as_str) == Some(p.id()) {
                if let Some(existing) = s.policies.iter_mut().find(|x| x.id() == p.id()) {
                    *existing = p.clone();
                }
                s.detail.policy = Some(p);
                s.detail.load = Load::Loaded;
            }
        }
        write => app.on_write_payload(id, write),
    }
}
