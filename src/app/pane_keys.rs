//! What each view handles: a declared key table per pane (in the pane's component, or here for
//! the principals and egress panes). The footer, the help overlay and the
//! "does nothing here" message are all derived from these tables, and `App::perform` refuses an
//! action the focused view does not declare, so a key never does something the screen did not
//! say (and never falls through to another meaning).

use super::keymap::{Action, Keymap, info};
use super::state::View;

/// One action a pane handles: what it does there, and its footer word when it is a main one.
pub struct PaneKey {
    pub action: Action,
    /// What the key does in this view, in a few words.
    pub does: &'static str,
    /// The footer's word for it; `None` keeps it out of the footer (help still lists it).
    pub hint: Option<&'static str>,
}

pub(crate) const fn key(action: Action, does: &'static str) -> PaneKey {
    PaneKey {
        action,
        does,
        hint: None,
    }
}

pub(crate) const fn hint(action: Action, hint: &'static str, does: &'static str) -> PaneKey {
    PaneKey {
        action,
        does,
        hint: Some(hint),
    }
}

/// Keys every view handles the same way (their meaning is the registry's description).
pub const EVERYWHERE: &[Action] = &[
    Action::Command,
    Action::Help,
    Action::Up,
    Action::Down,
    Action::PageUp,
    Action::PageDown,
    Action::Top,
    Action::Bottom,
    Action::Back,
    Action::Quit,
    Action::SignIn,
];

pub(crate) const SORT_NEXT: PaneKey = hint(Action::SortNext, "sort", "sort by the next column");
pub(crate) const SORT_REVERSE: PaneKey = key(Action::SortReverse, "flip the sort order");
pub(crate) const REFRESH: PaneKey = hint(Action::Refresh, "refresh", "reload this view");
pub(crate) const FILTER: PaneKey = hint(Action::Filter, "filter", "filter the list (! inverts)");

/// Keys that act on the focused policy, the same in the policy list and in a policy's detail.
pub(crate) const POLICY_EXPORT: PaneKey =
    key(Action::Export, "export the policy as Terraform or JSON");
pub(crate) const POLICY_CLONE: PaneKey = key(Action::Clone, "clone the policy under a new id");
pub(crate) const POLICY_DELETE: PaneKey = key(Action::Delete, "delete the policy (type its id)");
pub(crate) const POLICY_BIND: PaneKey = key(Action::Bind, "bind a workspace to the policy");
pub(crate) const POLICY_ROLLOUT: PaneKey = key(
    Action::Rollout,
    "rollout: what enforcing this dry-run policy blocks",
);

pub(crate) const PRINCIPALS: &[PaneKey] = &[
    FILTER,
    hint(Action::Open, "open", "open the service principal"),
    SORT_NEXT,
    SORT_REVERSE,
    hint(
        Action::ToggleActive,
        "(de)activate",
        "activate / deactivate the service principal",
    ),
    hint(
        Action::NewSecret,
        "new secret",
        "create an OAuth secret (shown once)",
    ),
    key(
        Action::RotateSecret,
        "rotate a secret: new one shown once, old deleted",
    ),
    key(Action::Rename, "rename the service principal"),
    key(Action::AddToGroup, "add the service principal to a group"),
    hint(Action::Create, "create", "create a service principal"),
    key(
        Action::Delete,
        "delete the service principal (type its name)",
    ),
    REFRESH,
];

pub(crate) const PRINCIPAL_DETAIL: &[PaneKey] = &[
    FILTER,
    hint(
        Action::RotateSecret,
        "rotate",
        "rotate the selected secret: new one shown once, old deleted",
    ),
    hint(
        Action::ToggleActive,
        "(de)activate",
        "activate / deactivate the service principal",
    ),
    hint(
        Action::Bind,
        "assign",
        "assign to a workspace, or change its permission there",
    ),
    hint(
        Action::RemoveEntry,
        "remove",
        "remove the selected workspace, group or secret",
    ),
    key(Action::NewSecret, "create an OAuth secret (shown once)"),
    key(Action::Rename, "rename the service principal"),
    key(Action::AddToGroup, "add the service principal to a group"),
    key(Action::Create, "create a service principal"),
    key(
        Action::Delete,
        "delete the service principal (type its name)",
    ),
    REFRESH,
];

pub(crate) const EGRESS: &[PaneKey] = &[
    FILTER,
    hint(
        Action::AddDns,
        "allow",
        "allow the blocked destination in its workspace's policy (reviewed)",
    ),
    hint(
        Action::TogglePause,
        "pause",
        "pause or resume the live tail",
    ),
    hint(
        Action::SwitchTab,
        "by destination",
        "events <-> by destination",
    ),
    REFRESH,
];

/// The keys `view` handles besides [`EVERYWHERE`] (each pane declares its own).
pub fn pane_keys(view: View) -> &'static [PaneKey] {
    super::panes::info(view).keys
}

/// Whether `view` does something with `action`.
pub fn handles(view: View, action: Action) -> bool {
    EVERYWHERE.contains(&action) || pane_keys(view).iter().any(|k| k.action == action)
}

/// Where a view is, in words for a message.
fn place(view: View) -> &'static str {
    super::panes::info(view).place
}

/// Why `action` does nothing in `view`, and where it does something.
pub fn not_here(keymap: &Keymap, view: View, action: Action) -> String {
    let key = keymap
        .label(action)
        .unwrap_or_else(|| info(action).name.to_owned());
    let elsewhere = super::panes::all_views()
        .filter(|&v| v != view)
        .find_map(|v| {
            pane_keys(v)
                .iter()
                .find(|k| k.action == action)
                .map(|k| (v, k.does))
        });
    match elsewhere {
        Some((v, does)) => format!("{key} does nothing here; in {}: {does}", place(v)),
        None => format!("{key} does nothing here"),
    }
}

/// The footer's actions for `view`, in order, with their words.
pub fn footer(view: View) -> Vec<(Action, &'static str)> {
    footer_for(view, false)
}

/// [`footer`], led by the sign-in key while the session's login must be renewed.
pub fn footer_for(view: View, sign_in_needed: bool) -> Vec<(Action, &'static str)> {
    let mut out = vec![(Action::Command, "command"), (Action::Help, "help")];
    if sign_in_needed {
        out.insert(0, (Action::SignIn, "sign in again"));
    }
    out.extend(
        pane_keys(view)
            .iter()
            .filter(|k| k.action != Action::Refresh)
            .filter_map(|k| k.hint.map(|h| (k.action, h))),
    );
    out.push((Action::Back, "back"));
    if handles_refresh(view) {
        out.push((Action::Refresh, "refresh"));
    }
    out.push((Action::Quit, "quit"));
    out
}

fn handles_refresh(view: View) -> bool {
    pane_keys(view).iter().any(|k| k.action == Action::Refresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keymap::ACTIONS;

    #[test]
    fn every_action_is_handled_somewhere_and_declared_once_per_view() {
        for a in ACTIONS {
            assert!(
                crate::app::panes::all_views().any(|v| handles(v, a.action)),
                "{} is handled by no view",
                a.name
            );
        }
        for v in crate::app::panes::all_views() {
            let keys = pane_keys(v);
            for (i, k) in keys.iter().enumerate() {
                assert!(
                    !EVERYWHERE.contains(&k.action),
                    "{v:?} redeclares {:?}",
                    k.action
                );
                assert!(
                    keys[i + 1..].iter().all(|o| o.action != k.action),
                    "{v:?} declares {:?} twice",
                    k.action
                );
            }
        }
    }

    #[test]
    fn not_here_names_the_view_that_handles_the_key() {
        let k = Keymap::default();
        assert_eq!(
            not_here(&k, View::Egress, Action::Create),
            "c does nothing here; in :np: create a policy"
        );
        assert!(!handles(View::Egress, Action::Create));
        assert!(handles(View::Egress, Action::Quit));
    }
}
