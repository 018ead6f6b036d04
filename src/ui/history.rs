//! `:history`: the journal of changes dbx-tui applied, newest first; `u` prepares the reverse.

use super::theme;
use super::{load_suffix, table};
use crate::api::network_policies::NetworkPolicy;
use crate::api::network_policies::change::{DiffLine, json_diff, ops_between, text_diff};
use crate::app::history::{kind, object_name};
use crate::app::state::State;
use crate::journal::JournalEntry;
use ratatui::Frame;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::Rect;
use ratatui::text::Line;
use table::{Column, ListTable, TableRow};

const COLUMNS: [Column; 6] = [
    ("TIME", Length(19)),
    ("PROFILE", Length(14)),
    ("KIND", Length(9)),
    ("ACTION", Length(14)),
    ("OBJECT", Length(24)),
    ("CHANGE", Fill(1)),
];

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
            format!("{before} → {}", e.policy_id)
        }
        "create_policy" => "created".into(),
        "delete_policy" => "deleted".into(),
        other => other.replace('_', " "),
    }
}

/// An entry's change in full, for `Enter` in `:history`.
pub fn entry_lines(state: &State, e: &JournalEntry) -> (String, Vec<Line<'static>>) {
    let name = object_name(state, e);
    let kind = kind(e);
    let mut lines = vec![
        Line::from(format!(
            " {} {} by {} ({}), {}",
            e.action.replace('_', " "),
            name,
            e.principal,
            e.profile,
            e.time
        )),
        Line::from(format!(" {}", summary(e))),
        Line::from(""),
    ];
    let pretty = |v: &Option<serde_json::Value>| {
        v.as_ref()
            .and_then(|v| serde_json::to_string_pretty(v).ok())
            .map(|s| format!("{s}\n"))
            .unwrap_or_default()
    };
    let parse = |v: &Option<serde_json::Value>| {
        v.clone()
            .and_then(|v| serde_json::from_value::<NetworkPolicy>(v).ok())
    };
    let diff = match (e.action.as_str(), parse(&e.before), parse(&e.after)) {
        ("update_policy", Some(b), Some(a)) => json_diff(&b, &a),
        _ => text_diff(&pretty(&e.before), &pretty(&e.after)),
    };
    if diff.is_empty() {
        lines.push(Line::styled(" (no recorded before/after)", theme::dim()));
    }
    lines.push(Line::styled(" before → after:", theme::title()));
    lines.extend(diff.into_iter().map(|l| match l {
        DiffLine::Same(s) => Line::styled(format!("   {s}"), theme::dim()),
        DiffLine::Added(s) => Line::styled(format!(" + {s}"), theme::ok()),
        DiffLine::Removed(s) => Line::styled(format!(" - {s}"), theme::error()),
    }));
    lines.push(Line::from(""));
    lines.push(Line::styled(
        " j/k scroll · esc close · u (in the list) prepares the reverse change",
        theme::key_hint(),
    ));
    (format!("{kind} {name}"), lines)
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let title = table::title(
        "History",
        &state.history.list,
        state.history.journal.len(),
        load_suffix(&state.history.load, state.spinner),
    );
    ListTable::new(title, &COLUMNS, &state.history.list).render(frame, area, |i| {
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
            kind(e).to_owned(),
            short_action(e),
            object_name(state, e),
            summary(e),
        ])
    });
}

/// The action without the kind it names (`deactivate service principal` → `deactivate`).
fn short_action(e: &JournalEntry) -> String {
    let a = e.action.replace('_', " ").replace(" service principal", "");
    a.strip_suffix(" policy").map_or(a.clone(), str::to_owned)
}
