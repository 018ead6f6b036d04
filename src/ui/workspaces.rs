//! The Workspaces pane: one row per workspace of the account, with its bound policy.

use super::{load_suffix, table, theme};
use crate::actor::WorkspacesSlot;
use crate::api::workspaces::WorkspaceStatus;
use crate::app::state::{Binding, State};
use ratatui::Frame;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use table::{Column, ListTable, TableRow};

const COLUMNS: [Column; 6] = [
    ("ID", Length(17)),
    ("NAME", Fill(2)),
    ("URL", Fill(4)),
    ("CLOUD / REGION", Length(20)),
    ("STATUS", Length(13)),
    ("NETWORK POLICY", Fill(2)),
];

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let empty = state.workspaces.is_empty();
    if super::list_failed(frame, area, "Workspaces", &state.workspaces_load, empty) {
        return;
    }
    let account_host = state.session.as_ref().map_or("", |s| s.host.as_str());
    let title = table::title(
        "Workspaces",
        &state.workspaces_list,
        state.workspaces.len(),
        load_suffix(&state.workspaces_load, state.spinner)
            + &super::as_of(state, crate::actor::Slot::Workspaces(WorkspacesSlot::List)),
    );
    ListTable::new(title, &COLUMNS, &state.workspaces_list)
        .sorted(state.workspaces_sort)
        .render(frame, area, |i| {
            let w = &state.workspaces[i];
            let status = w
                .workspace_status
                .as_ref()
                .map_or("?", dbx_client::api::workspaces::WorkspaceStatus::as_str);
            let status_style = match w.workspace_status {
                Some(WorkspaceStatus::Running) => theme::ok(),
                Some(WorkspaceStatus::Failed | WorkspaceStatus::Banned) => theme::error(),
                _ => theme::warn(),
            };
            let policy = match state.bindings.get(&w.workspace_id) {
                Some(Binding::Policy(p)) => Span::raw(p.to_string()),
                Some(Binding::Unknown(_)) => Span::styled("unknown", theme::error()),
                None => Span::styled("…", theme::dim()),
            };
            TableRow::new(vec![
                Line::from(w.workspace_id.to_string()),
                Line::from(w.workspace_name.clone()),
                Line::from(
                    w.url(account_host)
                        .map(|u| u.trim_start_matches("https://").to_owned())
                        .unwrap_or_default(),
                ),
                Line::from(format!(
                    "{} {}",
                    w.cloud.as_deref().unwrap_or(""),
                    w.region().unwrap_or("")
                )),
                Line::from(Span::styled(status.to_owned(), status_style)),
                Line::from(policy),
            ])
        });
}
