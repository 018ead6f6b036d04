//! The footer: requests in flight and the last error, then the prompt or the key hints.

use super::theme;
use crate::actor::EgressSlot;
use crate::app::command::completions;
use crate::app::keymap::Action;
use crate::app::pane_keys::footer_for;
use crate::app::state::{Mode, State};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

fn status_line(state: &State) -> Line<'static> {
    let mut spans = Vec::new();
    // The egress tail waiting between polls is not pending: it shows only while a poll runs.
    let tail_idle = !state.egress.polling;
    let pending: Vec<_> = state
        .in_flight
        .iter()
        .filter(|(_, (slot, _))| {
            !(tail_idle && *slot == crate::actor::Slot::Egress(EgressSlot::Tail))
        })
        .collect();
    if !pending.is_empty() {
        let labels: Vec<String> = pending
            .into_iter()
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
    if let Some(n) = state.egress.behind.filter(|_| state.egress.tailing) {
        spans.push(Span::styled(
            format!(" egress tail behind by {} events", super::thousands(n)),
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

/// The keys of the focused view, from its declared key table. When they do not all fit, the
/// view's own hints go from the end first: `?`, back and quit always show.
fn hints(state: &State, width: usize) -> Line<'static> {
    let sign_in = state.session.as_ref().is_some_and(|s| s.sign_in.is_some());
    let mut items: Vec<(Action, String)> = footer_for(state.view, sign_in)
        .into_iter()
        .filter_map(|(a, word)| {
            let keys = state.keymap.label(a)?;
            Some((a, format!("<{keys}> {word}  ")))
        })
        .collect();
    let fixed = [
        Action::SignIn,
        Action::Command,
        Action::Help,
        Action::Back,
        Action::Refresh,
        Action::Quit,
    ];
    while 1 + items.iter().map(|(_, t)| t.chars().count()).sum::<usize>() > width {
        let Some(drop) = items.iter().rposition(|(a, _)| !fixed.contains(a)) else {
            break;
        };
        items.remove(drop);
    }
    let mut spans = vec![Span::raw(" ")];
    for (_, text) in items {
        let (key, word) = text.split_once(' ').unwrap_or((text.as_str(), ""));
        spans.push(Span::styled(key.to_owned(), theme::key_hint()));
        spans.push(Span::raw(format!(" {word}")));
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
        None => hints(state, usize::from(area.width)),
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
