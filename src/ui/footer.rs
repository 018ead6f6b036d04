//! The footer: requests in flight and the last error, then the prompt or the key hints.

use super::theme;
use crate::app::command::completions;
use crate::app::keymap::Action;
use crate::app::state::{Mode, State, View};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn status_line(state: &State) -> Line<'static> {
    let mut spans = Vec::new();
    if !state.in_flight.is_empty() {
        let labels: Vec<String> = state
            .in_flight
            .iter()
            .map(|(id, (_, l))| match state.retrying.get(id) {
                Some(r) => format!("{l}: {r}"),
                None => l.clone(),
            })
            .collect();
        spans.push(Span::styled(
            format!(
                " {} {}",
                super::theme::spinner(state.spinner),
                labels.join(", ")
            ),
            theme::warn(),
        ));
    }
    if let Some(f) = &state.flash {
        spans.push(Span::styled(format!(" {f}"), theme::warn()));
    } else if let Some(e) = &state.last_error {
        spans.push(Span::styled(format!(" error: {e}"), theme::error()));
    }
    // Errors and flashes quote what servers said.
    let mut line = Line::from(spans);
    super::sanitize_line(&mut line);
    line
}

fn hints(state: &State) -> Line<'static> {
    let mut actions = vec![Action::Command, Action::Filter, Action::Help];
    match state.view {
        View::PolicyDetail => actions.extend([
            Action::AddDns,
            Action::RemoveEntry,
            Action::Review,
            Action::Back,
        ]),
        View::Egress => actions.extend([
            Action::AddDns,
            Action::TogglePause,
            Action::SwitchTab,
            Action::Back,
        ]),
        View::Contexts => actions.extend([Action::Open, Action::Back]),
        View::Rollout => actions.extend([
            Action::ToggleRow,
            Action::AddDns,
            Action::ToggleEnforcement,
            Action::Review,
            Action::Open,
        ]),
        View::Principals => actions.extend([
            Action::Open,
            Action::SortNext,
            Action::ToggleActive,
            Action::NewSecret,
            Action::Create,
        ]),
        View::PrincipalDetail => actions.extend([
            Action::Back,
            Action::RotateSecret,
            Action::ToggleActive,
            Action::Bind,
            Action::RemoveEntry,
        ]),
        _ => actions.extend([Action::Open, Action::Back]),
    }
    actions.extend([Action::Refresh, Action::Quit]);
    let mut spans = vec![Span::raw(" ")];
    for a in actions {
        let Some(keys) = state.keymap.label(a) else {
            continue;
        };
        let name = crate::app::keymap::info(a).name.replace('_', " ");
        spans.push(Span::styled(format!("<{keys}>"), theme::key_hint()));
        spans.push(Span::raw(format!(" {name}  ")));
    }
    Line::from(spans)
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let (prompt, input) = match &state.mode {
        Mode::Command(i) => (":", Some(i)),
        Mode::Filter(i) => ("/", Some(i)),
        _ => ("", None),
    };
    let second = match input {
        Some(i) => {
            let mut spans = vec![
                Span::styled(format!(" {prompt}"), theme::title()),
                Span::raw(i.value().to_owned()),
            ];
            if prompt == ":" {
                let c = completions(i.value());
                if !i.value().is_empty() && !c.is_empty() {
                    spans.push(Span::styled(
                        format!("   tab: {}", c.join(" ")),
                        theme::dim(),
                    ));
                }
            }
            Line::from(spans)
        }
        None => hints(state),
    };
    frame.render_widget(Paragraph::new(vec![status_line(state), second]), area);
    if let Some(i) = input
        && area.height >= 2
    {
        let x = area.x + 2 + i.visual_cursor() as u16;
        frame.set_cursor_position(Position::new(
            x.min(area.right().saturating_sub(1)),
            area.y + 1,
        ));
    }
}
