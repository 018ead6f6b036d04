//! `?`: the keys of the focused view and the keys that work everywhere, generated from the
//! view's declared key table and the live bindings, so help lists exactly what works here.

use super::theme;
use crate::app::command::COMMANDS;
use crate::app::keymap::info;
use crate::app::pane_keys::{EVERYWHERE, pane_keys};
use crate::app::state::State;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

fn key_line(keys: &str, does: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!(" {keys:<16}"), theme::key_hint()),
        Span::raw(does.to_owned()),
    ])
}

fn keys_of(state: &State, action: crate::app::keymap::Action) -> String {
    state
        .keymap
        .label(action)
        .unwrap_or_else(|| "(unbound)".into())
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let mut left = vec![Line::styled("Everywhere", theme::title())];
    for &a in EVERYWHERE {
        left.push(key_line(&keys_of(state, a), info(a).description));
    }
    left.push(key_line("ctrl-c", "quit, from anywhere"));
    let mut right = vec![Line::styled(
        format!("In this view ({})", state.view.title()),
        theme::title(),
    )];
    for k in pane_keys(state.view) {
        right.push(key_line(&keys_of(state, k.action), k.does));
    }
    right.push(Line::from(""));
    right.push(Line::styled(
        "Other views have other keys: ? there lists them.",
        theme::dim(),
    ));
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
    let rect = super::modal::centered(area, width, height);
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
