//! `:history`: what kind of object an entry is about, its name (not its number), and `Enter`
//! showing the entry's change as a diff.

use super::{Pane, PaneInfo};
use crate::actor::{JournalPayload, JournalRequest, Request, RequestId, Slot};
use crate::app::App;
use crate::app::keymap::Action;
use crate::app::list::ListState;
use crate::app::modal::Modal;
use crate::app::pane_keys::{FILTER, PaneKey, REFRESH, hint};
use crate::app::state::{Load, State};
use crate::journal::JournalEntry;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;

pub struct History;

/// The pane's state: the journal as last read, and its list (newest first).
#[derive(Clone, Debug, Default)]
pub struct HistoryState {
    pub journal: Vec<JournalEntry>,
    pub load: Load,
    pub list: ListState,
}

impl HistoryState {
    /// Filter haystacks, newest entry first.
    pub fn rebuild(&mut self) {
        let hay: Vec<String> = self
            .journal
            .iter()
            .rev()
            .map(|e| {
                format!(
                    "{} {} {} {} {}",
                    e.time,
                    e.profile,
                    e.action,
                    e.policy_id,
                    e.workspace_id.unwrap_or_default()
                )
            })
            .collect();
        self.list.rebuild(hay.iter().map(String::as_str));
    }

    /// The journal entry at a history position (the list shows newest first).
    pub fn entry(&self, data_index: usize) -> Option<&JournalEntry> {
        self.journal
            .len()
            .checked_sub(data_index + 1)
            .and_then(|i| self.journal.get(i))
    }
}

const KEYS: &[PaneKey] = &[
    FILTER,
    hint(Action::Open, "open", "show the entry's change (diff)"),
    hint(
        Action::Undo,
        "undo",
        "prepare the reverse change for review",
    ),
    REFRESH,
];

pub const INFO: PaneInfo = PaneInfo::new("History", "history", ":history", KEYS);

impl Pane for History {
    super::list_at!(history.list);
    fn rebuild(&self, state: &mut State) {
        state.history.rebuild();
    }
    fn load(&self, app: &mut App, force: bool) {
        let s = &mut app.state;
        if (force || s.history.load == Load::NotLoaded) && s.session.is_some() {
            s.history.load = Load::Loading;
            app.request(Slot::Journal, Request::Journal(JournalRequest::Read));
        }
    }
    fn perform(&self, app: &mut App, action: Action) {
        match action {
            Action::Open => app.show_history_entry(),
            other => app.perform_edit(other),
        }
    }
    fn render(&self, state: &State, frame: &mut Frame, area: Rect) {
        crate::ui::history::render(state, frame, area);
    }
}

/// The journal, read for `:history`.
pub(in crate::app) fn on_reply(app: &mut App, _id: RequestId, journal: JournalPayload) {
    let JournalPayload {
        entries,
        unreadable,
    } = journal;
    let s = &mut app.state;
    s.history.journal = entries;
    s.history.load = Load::Loaded;
    if unreadable > 0 {
        s.flash = Some(format!(
            "{unreadable} journal line(s) could not be read and are not shown"
        ));
    }
    s.history.rebuild();
}

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
    pub(in crate::app) fn show_history_entry(&mut self) {
        if let Some(index) = self.state.history.list.selected_index()
            && self.state.history_entry(index).is_some()
        {
            self.state.modal = Some(Modal::HistoryEntry { index, scroll: 0 });
        }
    }

    /// Keys while an entry is shown: scroll, or close.
    pub(in crate::app) fn history_entry_key(
        index: usize,
        scroll: u16,
        key: KeyEvent,
    ) -> Option<Modal> {
        match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => None,
            code => Some(Modal::HistoryEntry {
                index,
                scroll: crate::app::modal::scrolled(code, scroll),
            }),
        }
    }
}
