//! `?`: every key and command, generated from the keymap registry so it matches the live
//! bindings.

use super::theme;
use crate::app::command::COMMANDS;
use crate::app::keymap::{ACTIONS, Action, ActionInfo};
use crate::app::state::State;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

fn key_lines(state: &State, title: &str, actions: &[ActionInfo]) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled(title.to_owned(), theme::title())];
    for a in actions {
        let keys = state
            .keymap
            .label(a.action)
            .unwrap_or_else(|| "(unbound)".into());
        out.push(Line::from(vec![
            Span::styled(format!(" {keys:<16}"), theme::key_hint()),
            Span::raw(a.description),
        ]));
    }
    out
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let split = ACTIONS
        .iter()
        .position(|a| a.action == Action::AddDns)
        .unwrap_or(ACTIONS.len());
    let mut left = key_lines(state, "Navigation", &ACTIONS[..split]);
    left.push(Line::from(vec![
        Span::styled(format!(" {:<16}", "ctrl-c"), theme::key_hint()),
        Span::raw("quit, from anywhere"),
    ]));
    let right = key_lines(
        state,
        "Editing (policies, bindings, principals, history)",
        &ACTIONS[split..],
    );
    let commands: Vec<String> = COMMANDS.iter().map(|(n, _)| format!(":{n}")).collect();
    let footer = vec![
        Line::from(vec![
            Span::styled("Commands ", theme::title()),
            Span::raw(commands.join("  ")),
        ]),
        Line::styled(
            "In dialogs: y yes, n no (the default), esc cancel. Rebind keys in keys.toml (README). esc or ? closes this.",
            theme::dim(),
        ),
    ];
    let rows = left.len().max(right.len()) as u16;
    let height = (rows + footer.len() as u16 + 3).min(area.height);
    let width = 150.min(area.width);
    let [_, mid, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(height),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, rect, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(width),
        Constraint::Fill(1),
    ])
    .areas(mid);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(" Help ")
        .title_style(theme::title())
        .border_style(theme::border());
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let [cols, _, bottom] = Layout::vertical([
        Constraint::Length(rows),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(cols);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right), r);
    frame.render_widget(Paragraph::new(footer), bottom);
}
