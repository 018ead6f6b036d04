//! `:rollout`: a dry-run policy's denials per destination as a checklist, with what the chosen
//! change leaves blocked.

use super::{load_suffix, table, theme, thousands};
use crate::api::rollout::{DestinationKind, Verdict};
use crate::api::timestamp::format_minute_utc;
use crate::app::rollout::verdict_words;
use crate::app::state::{Load, State};
use ratatui::Frame;
use ratatui::layout::Constraint::{self, Fill, Length};
use ratatui::layout::{Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};
use table::{Column, ListTable, TableRow};

const COLUMNS: [Column; 8] = [
    ("", Length(3)),
    ("VERDICT", Length(15)),
    ("DENIALS", Length(9)),
    ("TYPE", Length(7)),
    ("DESTINATION", Fill(3)),
    ("WS", Length(3)),
    ("PRODUCTS", Fill(2)),
    ("LAST SEEN", Length(17)),
];

fn summary(state: &State) -> Vec<Line<'static>> {
    let r = &state.rollout;
    let policy = r.policy.as_ref().map_or("?", |p| p.as_str());
    let Some(run) = &r.run else {
        return vec![Line::from(format!(
            " {policy}: reading its dry-run denials over the last {}…",
            r.window
        ))];
    };
    let rep = &run.report;
    let names: Vec<&str> = rep.workspaces.iter().map(|(_, n)| n.as_str()).collect();
    let warehouse = run.warehouse.as_ref().map_or(String::new(), |(id, name)| {
        format!(" · warehouse {name} ({id})")
    });
    let mut lines = vec![
        Line::from(format!(
            " {}: {}, {} · dry-run denials of the last {}{warehouse}",
            rep.policy_id, rep.restriction_mode, rep.enforcement_mode, r.window,
        )),
        Line::from(format!(
            " bound to {} workspace{}: {}",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            },
        )),
    ];
    if rep.workspaces.is_empty() {
        lines.push(Line::styled(
            " Bound to no workspace: nothing runs under it, so enforcing it blocks nothing.",
            theme::dim(),
        ));
        return lines;
    }
    let would = rep.would_block().count();
    let left = rep.would_block().filter(|row| !r.is_chosen(row)).count();
    let enforce = if !rep.is_dry_run() {
        "already enforced"
    } else if r.enforce {
        "[x] enforce with this change (f)"
    } else {
        "[ ] enforce with this change (f)"
    };
    lines.push(Line::from(format!(
        " Enforcing now would block {would} of {} destinations seen · chosen to allow {} · after the change {left} would be blocked",
        rep.rows.len(),
        r.chosen.len(),
    )));
    lines.push(Line::from(format!(" {enforce}")));
    if rep.truncated {
        lines.push(Line::styled(
            " The warehouse cut the answer: more destinations may exist.",
            theme::warn(),
        ));
    }
    lines
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let r = &state.rollout;
    if let Load::Failed(e) = &r.load {
        super::message(
            frame,
            area,
            "Rollout",
            &format!("Could not read the rollout report:\n{e}\n\nPress r to retry."),
        );
        return;
    }
    let mut head = summary(state);
    super::sanitize_lines(&mut head);
    let [top, body] = Layout::vertical([
        Constraint::Length(head.len() as u16 + 2),
        Constraint::Fill(1),
    ])
    .areas(area);
    let title = format!(
        " Rollout {}{} ",
        r.policy.as_ref().map_or("", |p| p.as_str()),
        load_suffix(&r.load, state.spinner)
    );
    frame.render_widget(
        Paragraph::new(head).block(Block::bordered().title(title).border_style(theme::border())),
        top,
    );
    let table_title = table::title("Destinations", &r.list, r.rows().len(), String::new());
    ListTable::new(table_title, &COLUMNS, &r.list).render(frame, body, |i| {
        let Some(row) = r.row(i) else {
            return TableRow::new(Vec::<String>::new());
        };
        let mark = match (row.verdict, r.is_chosen(row)) {
            (Verdict::AlreadyAllowed, _) => " ✓ ",
            (_, true) => "[x]",
            (_, false) => "[ ]",
        };
        let kind = match row.kind {
            DestinationKind::Dns => "DNS",
            DestinationKind::Storage => "STORAGE",
            DestinationKind::Other => "OTHER",
        };
        let products: Vec<&str> = row.products.iter().map(String::as_str).collect();
        let cells = vec![
            mark.to_owned(),
            verdict_words(row.verdict).to_owned(),
            thousands(row.denials),
            kind.to_owned(),
            row.destination.clone(),
            row.workspaces.len().to_string(),
            if products.is_empty() {
                "-".into()
            } else {
                products.join(", ")
            },
            format_minute_utc(row.last_seen_ms),
        ];
        let style = match row.verdict {
            Verdict::AlreadyAllowed => theme::dim(),
            Verdict::WouldBlock if r.is_chosen(row) => theme::ok(),
            Verdict::WouldBlock => theme::warn(),
        };
        TableRow::new(cells).style(style)
    });
}
