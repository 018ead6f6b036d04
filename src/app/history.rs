//! `:history`: what kind of object an entry is about, its name (not its number), and `Enter`
//! showing the entry's change as a diff.

use super::App;
use super::modal::Modal;
use super::state::State;
use crate::journal::JournalEntry;
use crossterm::event::{KeyCode, KeyEvent};

/// The kind of object a journal entry changed, for the KIND column.
pub fn kind(e: &JournalEntry) -> &'static str {
    match e.action.as_str() {
        "bind_workspace" => "binding",
        "create_secret" | "delete_secret" => "secret",
        a if a.contains("service_principal") => "principal",
        _ => "policy",
    }
}

/// The object's name: a policy's id, a service principal's display name (else its application
/// id, else its numeric id).
pub fn object_name(state: &State, e: &JournalEntry) -> String {
    match kind(e) {
        "policy" => return e.policy_id.clone(),
        // A binding is about the workspace; the change column says which policies.
        "binding" => {
            let ws = e.workspace_id.unwrap_or_default();
            return state
                .workspace_index
                .get(&crate::api::WorkspaceId(ws))
                .map_or_else(
                    || ws.to_string(),
                    |&i| state.workspaces[i].workspace_name.clone(),
                );
        }
        _ => {}
    }
    let from_json = [&e.after, &e.before].into_iter().flatten().find_map(|v| {
        ["displayName", "applicationId"]
            .iter()
            .find_map(|k| v.get(k).and_then(|n| n.as_str()).filter(|n| !n.is_empty()))
            .map(str::to_owned)
    });
    from_json
        .or_else(|| {
            state
                .principals
                .get(&e.policy_id)
                .map(|sp| sp.name().to_owned())
        })
        .unwrap_or_else(|| e.policy_id.clone())
}

impl App {
    /// `Enter` in `:history`: the selected entry's change.
    pub(super) fn show_history_entry(&mut self) {
        if let Some(index) = self.state.history_list.selected_index()
            && self.state.history_entry(index).is_some()
        {
            self.state.modal = Some(Modal::HistoryEntry { index, scroll: 0 });
        }
    }

    /// Keys while an entry is shown: scroll, or close.
    pub(super) fn history_entry_key(index: usize, scroll: u16, key: KeyEvent) -> Option<Modal> {
        match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => None,
            KeyCode::Down | KeyCode::Char('j') => Some(Modal::HistoryEntry {
                index,
                scroll: scroll.saturating_add(1),
            }),
            KeyCode::Up | KeyCode::Char('k') => Some(Modal::HistoryEntry {
                index,
                scroll: scroll.saturating_sub(1),
            }),
            _ => Some(Modal::HistoryEntry { index, scroll }),
        }
    }
}
