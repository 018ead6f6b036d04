//! `:history`: the journal of changes dbx-tui applied, newest first; `u` prepares the reverse.

use super::{load_suffix, table};
use crate::api::network_policies::NetworkPolicy;
use crate::api::network_policies::change::ops_between;
use crate::app::state::State;
use crate::journal::JournalEntry;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use table::TableRow;

/// What an entry changed, in words.
pub fn summary(e: &JournalEntry) -> String {
    let parse = |v: &Option<serde_json::Value>| {
        v.clone()
            .and_then(|v| serde_json::from_value::<NetworkPolicy>(v).ok())
    };
    match e.action.as_str() {
        "update_policy" => match (parse(&e.before), parse(&e.after)) {
            (Some(b), Some(a)) => {
                let ops: Vec<String> = ops_between(&b, &a)
                    .iter()
                    .map(dbx_client::api::network_policies::change::EditOp::describe)
                    .collect();
                if ops.is_empty() {
                    "no visible change".into()
                } else {
                    ops.join("; ")
                }
            }
            _ => "update".into(),
        },
        "bind_workspace" => {
            let before = e
                .before
                .as_ref()
                .and_then(|v| v.get("network_policy_id"))
                .and_then(|v| v.as_str())
                .unwrap_or("?");
            format!(
                "{before} → {} (workspace {})",
                e.policy_id,
                e.workspace_id.unwrap_or_default()
            )
        }
        "create_policy" => "created".into(),
        "delete_policy" => "deleted".into(),
        other => other.to_owned(),
    }
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let title = table::title(
        "History",
        &state.history_list,
        state.journal.len(),
        load_suffix(&state.journal_load, state.spinner),
    );
    let headers = ["TIME", "PROFILE", "ACTION", "POLICY", "CHANGE"];
    let widths = [
        Constraint::Length(19),
        Constraint::Length(14),
        Constraint::Length(14),
        Constraint::Length(20),
        Constraint::Fill(1),
    ];
    table::render(
        frame,
        area,
        title,
        &headers,
        &widths,
        &state.history_list,
        |i| {
            let Some(e) = state.history_entry(i) else {
                return TableRow::new(Vec::<String>::new());
            };
            TableRow::new(vec![
                e.time
                    .chars()
                    .take(19)
                    .collect::<String>()
                    .replace('T', " "),
                e.profile.clone(),
                e.action.replace('_', " "),
                e.policy_id.clone(),
                summary(e),
            ])
        },
    );
}
