//! Binding a workspace to a policy: the pick of the policy for a workspace, or of the workspace
//! for a policy, then the confirmation.

use crate::api::{PolicyId, WorkspaceId};
use crate::app::App;
use crate::app::confirm::Confirm;
use crate::app::dialog::PickPurpose;
use crate::app::modal::Modal;
use crate::app::state::State;

/// Which list a bind pick chooses from.
#[derive(Clone, Debug, PartialEq)]
pub enum BindPick {
    /// Choose a policy for this workspace; options are policy ids.
    Workspace(WorkspaceId),
    /// Choose a workspace to bind to this policy; options are workspace ids.
    Policy(PolicyId),
}

impl BindPick {
    /// The options, as (label, value), from what is loaded now.
    pub(in crate::app) fn options(&self, state: &State) -> Vec<(String, String)> {
        match self {
            BindPick::Workspace(_) => state
                .policies
                .iter()
                .map(|p| (p.id().to_owned(), p.id().to_owned()))
                .collect(),
            BindPick::Policy(_) => state
                .workspaces
                .iter()
                .map(|w| (w.workspace_name.clone(), w.workspace_id.to_string()))
                .collect(),
        }
    }
}

fn workspace_name(state: &State, ws: WorkspaceId) -> String {
    state.workspace_index.get(&ws).map_or_else(
        || ws.to_string(),
        |&i| state.workspaces[i].workspace_name.clone(),
    )
}

impl PickPurpose for BindPick {
    fn title(&self, state: &State) -> String {
        match self {
            BindPick::Workspace(ws) => {
                format!("Policy for workspace {}", workspace_name(state, *ws))
            }
            BindPick::Policy(p) => format!("Workspace to bind to {p}"),
        }
    }

    /// Which policy is bound now, as the bindings load.
    fn line(&self, state: &State, label: &str, value: &str) -> String {
        match self {
            BindPick::Workspace(ws) => {
                if state.binding_of(*ws).is_some_and(|c| c.as_str() == value) {
                    format!("{label:<28} (current)")
                } else {
                    label.to_owned()
                }
            }
            BindPick::Policy(p) => {
                let current = value
                    .parse()
                    .ok()
                    .and_then(|ws| state.binding_of(WorkspaceId(ws)))
                    .map(std::string::ToString::to_string)
                    .unwrap_or_default();
                let mark = if current == p.as_str() {
                    " (current)"
                } else {
                    ""
                };
                format!("{label:<28} now {current}{mark}")
            }
        }
    }

    fn empty(&self) -> &'static str {
        " loading…"
    }

    fn picked(self, app: &mut App, _label: String, value: String) -> Option<Modal> {
        let (workspace, policy) = match self {
            BindPick::Workspace(ws) => (ws, PolicyId(value)),
            BindPick::Policy(policy) => (WorkspaceId(value.parse().ok()?), policy),
        };
        let expected = app.state.binding_of(workspace).cloned()?;
        Some(Modal::Confirm(Confirm::Bind {
            workspace,
            policy,
            expected,
        }))
    }
}
