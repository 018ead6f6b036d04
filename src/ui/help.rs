//! `?`: every key and command, generated from the keymap registry so it matches the live
//! bindings.

use super::theme;
use crate::app::command::COMMANDS;
use crate::app::keymap::ACTIONS;
use crate::app::state::State;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

fn key_lines(state: &State) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled("Keys", theme::title())];
    for a in ACTIONS {
        let keys = state
            .keymap
            .label(a.action)
            .unwrap_or_else(|| "(unbound)".into());
        out.push(Line::from(vec![
            Span::styled(format!(" {keys:<16}"), theme::key_hint()),
            Span::raw(a.description),
        ]));
    }
    out.push(Line::from(vec![
        Span::styled(format!(" {:<16}", "ctrl-c"), theme::key_hint()),
        Span::raw("quit, from anywhere"),
    ]));
    out
}

fn command_lines() -> Vec<Line<'static>> {
    let mut out = vec![Line::styled("Commands", theme::title())];
    for (name, aliases) in COMMANDS {
        out.push(Line::from(vec![
            Span::styled(format!(" :{name:<8}"), theme::key_hint()),
            Span::styled(
                aliases
                    .iter()
                    .map(|a| format!(":{a}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                theme::dim(),
            ),
        ]));
    }
    out.push(Line::from(""));
    out.push(Line::styled(" Rebind keys in keys.toml", theme::dim()));
    out.push(Line::styled(" (see the README).", theme::dim()));
    out.push(Line::styled(" esc or ? closes this.", theme::dim()));
    out
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let keys = key_lines(state);
    let commands = command_lines();
    let height = (keys.len().max(commands.len()) as u16 + 2).min(area.height);
    let width = 110.min(area.width);
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
    let [left, right] = Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(inner);
    frame.render_widget(Paragraph::new(keys), left);
    frame.render_widget(Paragraph::new(commands), right);
}
