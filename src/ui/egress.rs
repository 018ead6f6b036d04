//! The egress block log: live events or the by-destination view, a blocks-per-minute
//! sparkline, and how fresh the data is.

use super::thousands;
use super::{load_suffix, table, theme};
use crate::api::egress::AccessType;
use crate::api::sql::format_timestamp_ms;
use crate::app::egress::{EgressTab, SPARK_MINUTES};
use crate::app::state::{Load, State};
use ratatui::Frame;
use ratatui::layout::Constraint::{self, Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Sparkline};
use std::time::UNIX_EPOCH;
use table::{Column, ListTable, TableRow};

const EVENT_COLUMNS: [Column; 7] = [
    ("TIME (UTC)", Length(15)),
    ("WORKSPACE", Length(18)),
    ("DESTINATION", Fill(3)),
    ("TYPE", Length(8)),
    ("ACCESS", Length(8)),
    ("SOURCE", Length(16)),
    ("DETAIL", Fill(2)),
];

const DESTINATION_COLUMNS: [Column; 8] = [
    ("DESTINATION", Fill(3)),
    ("TYPE", Length(8)),
    ("ACCESS", Length(8)),
    ("COUNT", Length(8)),
    ("FIRST SEEN", Length(15)),
    ("LAST SEEN", Length(15)),
    ("WORKSPACES", Length(10)),
    ("POLICY", Fill(2)),
];

fn now_ms(state: &State) -> i64 {
    state
        .now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// `45s ago`, `12m ago`, `3h ago`.
pub fn ago(now_ms: i64, t_ms: i64) -> String {
    let s = ((now_ms - t_ms) / 1000).max(0);
    match s {
        0..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=172_799 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

fn access_span(a: &AccessType) -> Span<'static> {
    match a {
        AccessType::Drop => Span::styled("BLOCKED", theme::error()),
        AccessType::DryRunDenial => Span::styled("DRY RUN", theme::warn()),
        AccessType::Other(s) => Span::raw(s.clone()),
    }
}

fn short_time(ms: i64) -> String {
    // 2026-11-25T13:00:00.123Z → 11-25 13:00:00
    let t = format_timestamp_ms(ms);
    t.get(5..19).map(|x| x.replace('T', " ")).unwrap_or(t)
}

/// Two lines: where the log is read (workspace, warehouse, window), then how fresh it is.
fn status_lines(state: &State) -> Vec<Line<'static>> {
    let e = &state.egress;
    let now = now_ms(state);
    let warehouse = e
        .warehouse
        .as_ref()
        .and_then(|id| e.warehouses.iter().find(|w| &w.id == id))
        .map_or_else(
            || match e.warehouses_load {
                Load::Loading => "finding a SQL warehouse…".into(),
                _ => "no warehouse".into(),
            },
            |w| {
                format!(
                    "{} ({})",
                    w.name,
                    w.state
                        .as_ref()
                        .map_or("?", dbx_client::api::sql::WarehouseState::as_str)
                )
            },
        );
    let window = e.window.label();
    let mut spans = Vec::new();
    // An account profile reads the log through one of its workspaces: say which.
    if let Some(v) = &e.via {
        spans.extend([
            Span::styled(" through workspace ", theme::header_key()),
            Span::raw(format!("{} ({})", v.workspace_name, v.workspace_id)),
        ]);
    }
    spans.extend([
        Span::styled(" warehouse ", theme::header_key()),
        Span::raw(warehouse),
        Span::styled("  window ", theme::header_key()),
        Span::raw(window),
    ]);
    let first = Line::from(std::mem::take(&mut spans));
    // Never claim "no blocks" for a window the table has not caught up to: say how fresh it is.
    let newest = e
        .events
        .front()
        .map_or_else(|| "none yet".into(), |ev| ago(now, ev.event_time_ms));
    spans.extend([
        Span::styled(" newest event ", theme::header_key()),
        Span::raw(newest),
    ]);
    if let Some(p) = e.last_poll_ms {
        spans.extend([
            Span::styled("  polled ", theme::header_key()),
            Span::raw(ago(now, p)),
        ]);
    }
    // "every 15 s" only while a tail runs: a stopped tail says so.
    if e.paused {
        spans.push(Span::styled("  [paused: p resumes]", theme::warn()));
    } else if e.tailing {
        spans.extend([
            Span::styled("  every ", theme::header_key()),
            Span::raw(format!("{} s", e.interval.as_secs())),
        ]);
    } else if e.warehouse.is_some() {
        spans.push(Span::styled("  [stopped: r restarts]", theme::warn()));
    }
    if let Some((why, at)) = &e.poll_failed {
        spans.push(Span::styled(
            format!("  last poll failed {}: {why}", ago(now, *at)),
            theme::error(),
        ));
    }
    if let Some((policy, at, ws)) = &e.enforced_mark {
        spans.push(Span::styled(
            format!(
                "  {policy} enforced at {}: later blocks in its {} workspace(s) are marked ▲",
                short_time(*at),
                ws.len()
            ),
            theme::warn(),
        ));
    }
    if let Some(gap) = &e.gap {
        spans.push(Span::styled(format!("  {gap}"), theme::warn()));
    }
    if let Some(n) = e.behind {
        spans.push(Span::styled(
            format!("  behind by {} events (poll budget spent)", thousands(n)),
            theme::error(),
        ));
    }
    // The ring holds a sample (the newest rows); the counts above and by destination are the
    // warehouse's, so say how much of the window the events view shows.
    if let Some(total) = e.total.filter(|_| e.not_held() > 0) {
        let since = e
            .covered_from_ms
            .map(|t| format!(", since {}", short_time(t)))
            .unwrap_or_default();
        spans.push(Span::styled(
            format!(
                "  showing newest {} of {}{since}",
                thousands(e.events.len() as u64),
                thousands(total)
            ),
            theme::warn(),
        ));
    }
    vec![first, Line::from(spans)]
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let e = &state.egress;
    let [status, spark, body] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(3),
        Constraint::Min(3),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(status_lines(state)), status);
    let peak = e.per_minute.iter().copied().max().unwrap_or(0);
    frame.render_widget(
        Sparkline::default()
            .block(Block::default().title(format!(
                " blocks per minute, last {SPARK_MINUTES} min (peak {peak}) "
            )))
            .data(&e.per_minute)
            .style(theme::error()),
        spark,
    );
    let names = |ws: &str| -> String {
        ws.parse::<i64>()
            .ok()
            .and_then(|id| state.workspace_index.get(&crate::api::WorkspaceId(id)))
            .map_or_else(
                || ws.to_owned(),
                |&i| state.workspaces[i].workspace_name.clone(),
            )
    };
    match e.tab {
        EgressTab::Events => {
            let title = table::title(
                "Egress block log: events (tab: by destination)",
                &e.list,
                e.events.len(),
                load_suffix(&e.summary_load, state.spinner),
            );
            ListTable::new(title, &EVENT_COLUMNS, &e.list).render(frame, body, |i| {
                let ev = &e.events[i];
                let detail = match (&ev.storage_path, &ev.rejection_reason) {
                    (Some(p), Some(r)) => format!("{p} ({r})"),
                    (Some(p), None) => p.clone(),
                    (None, Some(r)) => r.clone(),
                    _ => String::new(),
                };
                let after_enforcing = e.enforced_mark.as_ref().is_some_and(|(_, at, ws)| {
                    ev.event_time_ms >= *at && ws.contains(&ev.workspace_id)
                });
                let time = if after_enforcing {
                    format!("▲{}", short_time(ev.event_time_ms))
                } else {
                    short_time(ev.event_time_ms)
                };
                let row = TableRow::new(vec![
                    Line::from(time),
                    Line::from(names(&ev.workspace_id)),
                    Line::from(ev.destination.clone()),
                    Line::from(ev.destination_type.clone()),
                    Line::from(access_span(&ev.access_type)),
                    Line::from(ev.network_source_type.clone().unwrap_or_default()),
                    Line::from(detail),
                ]);
                if e.new_ids.contains(&ev.event_id) {
                    row.style(theme::ok().add_modifier(Modifier::BOLD))
                } else {
                    row
                }
            });
        }
        EgressTab::ByDestination => {
            let title = table::title(
                "Egress block log: by destination (tab: events)",
                &e.dest_list,
                e.summary.len(),
                load_suffix(&e.summary_load, state.spinner),
            );
            let list = &e.dest_list;
            ListTable::new(title, &DESTINATION_COLUMNS, list).render(frame, body, |i| {
                let s = &e.summary[i];
                // The policy that blocked it, as far as the most recent event's workspace tells.
                let policy = e
                    .events
                    .iter()
                    .find(|ev| ev.destination == s.destination)
                    .and_then(|ev| ev.workspace_id.parse::<i64>().ok())
                    .and_then(|id| state.binding_of(crate::api::WorkspaceId(id)))
                    .map(std::string::ToString::to_string)
                    .unwrap_or_default();
                TableRow::new(vec![
                    Line::from(s.destination.clone()),
                    Line::from(s.destination_type.clone()),
                    Line::from(access_span(&s.access_type)),
                    Line::from(e.count_of(s).to_string()),
                    Line::from(s.first_seen_ms.map(short_time).unwrap_or_default()),
                    Line::from(s.last_seen_ms.map(short_time).unwrap_or_default()),
                    Line::from(s.workspaces.to_string()),
                    Line::from(policy),
                ])
            });
        }
    }
}
