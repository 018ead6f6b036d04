//! The sign-in dialog: the address to open (wrapped, sanitized), whether a browser was started,
//! the countdown, and the paste-back input when no local port could be bound; for a Databricks
//! CLI login, the command to run elsewhere and `r` to retry.

use super::theme;
use crate::app::signin::{Method, Phase, SignIn};
use crate::app::state::State;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// The URL cut into rows of `width` characters, so it can be copied whole from the screen.
fn url_rows(url: &str, width: usize) -> Vec<Line<'static>> {
    let chars: Vec<char> = url.chars().collect();
    chars
        .chunks(width.max(1))
        .map(|c| Line::styled(format!(" {}", c.iter().collect::<String>()), theme::title()))
        .collect()
}

fn text(s: &str) -> Line<'static> {
    Line::from(format!(" {s}"))
}

fn hint(s: &str) -> Line<'static> {
    Line::styled(format!(" {s}"), theme::key_hint())
}

fn countdown(left: Option<u64>) -> String {
    left.map_or_else(
        || "Waiting for the sign-in".to_owned(),
        |s| format!("Waiting for the sign-in: {}:{:02} left", s / 60, s % 60),
    )
}

/// The dialog's lines and, with a paste input, the row of that input (in lines).
fn lines(d: &SignIn, inner: usize) -> (Vec<Line<'static>>, Option<(usize, usize)>) {
    let mut out = Vec::new();
    let mut cursor = None;
    match (&d.method, &d.phase) {
        (Method::Cli, Phase::Instructions | Phase::Checking) => {
            out.push(text(
                "This profile uses the Databricks CLI's login (auth_type = databricks-cli).",
            ));
            out.push(text("In another terminal, run:"));
            out.push(Line::from(""));
            out.push(Line::styled(
                format!("   {}", d.cli_command()),
                theme::title(),
            ));
            out.push(Line::from(""));
            if matches!(d.phase, Phase::Checking) {
                out.push(text("Checking the login…"));
            } else {
                out.push(hint("r retry once you have signed in · esc close"));
            }
        }
        (_, Phase::Starting) => out.push(text("Preparing the sign-in…")),
        (
            _,
            Phase::Waiting {
                url,
                listening,
                opened,
                left,
                paste,
            },
        ) => {
            out.push(text("Sign in at this address:"));
            out.push(Line::from(""));
            out.extend(url_rows(url, inner.saturating_sub(2)));
            out.push(Line::from(""));
            let how = match (listening, opened) {
                (true, true) => {
                    "A browser was opened; sign in there. The answer comes back to this machine."
                }
                (true, false) => {
                    "No browser could be opened here: open the address in a browser on this machine (set BROWSER to have it opened)."
                }
                (false, _) => {
                    "No local port 8020-8040 could be opened for the browser's answer: sign in on any machine, then paste below the address the browser ends on (http://localhost:8020/?code=…)."
                }
            };
            out.push(text(how));
            if let Some(input) = paste {
                out.push(Line::from(""));
                cursor = Some((out.len(), input.visual_cursor()));
                out.push(Line::from(format!(" > {}", input.value())));
            }
            if let Some(n) = &d.note {
                out.push(Line::styled(format!(" {n}"), theme::warn()));
            }
            out.push(Line::from(""));
            out.push(hint(&format!(
                "{} · {}esc cancel",
                countdown(*left),
                if paste.is_some() {
                    "enter submit · "
                } else {
                    ""
                }
            )));
        }
        (_, Phase::Failed(message)) => {
            out.push(Line::styled(
                format!(" The sign-in did not finish: {message}"),
                theme::error(),
            ));
            out.push(Line::from(""));
            out.push(hint("r try again · esc close"));
        }
        (Method::Browser, Phase::Instructions | Phase::Checking) => {}
    }
    (out, cursor)
}

/// Rows a line takes once wrapped to `inner` columns.
fn rows(line: &Line<'_>, inner: usize) -> usize {
    line.width().div_ceil(inner.max(1)).max(1)
}

pub fn render(_state: &State, d: &SignIn, frame: &mut Frame, area: Rect) {
    let width = area.width.saturating_sub(4).min(120);
    let inner = usize::from(width.saturating_sub(2));
    let (mut body, cursor) = lines(d, inner);
    // The address and any message come from the profile and the server.
    super::sanitize_lines(&mut body);
    // Rows above the input, for the cursor; the total, for the box.
    let above = cursor.map(|(row, _)| body[..row].iter().map(|l| rows(l, inner)).sum::<usize>());
    let total: usize = body.iter().map(|l| rows(l, inner)).sum();
    let height = u16::try_from(total + 2)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let rect = super::modal::centered(area, width, height);
    frame.render_widget(Clear, rect);
    let title =
        crate::sanitize::terminal_text(&format!(" Sign in again: {} ({}) ", d.profile, d.host))
            .into_owned();
    let block = Block::bordered()
        .title(title)
        .title_style(theme::title())
        .border_style(theme::border());
    frame.render_widget(
        Paragraph::new(body).wrap(Wrap { trim: false }).block(block),
        rect,
    );
    if let (Some(above), Some((_, col))) = (above, cursor) {
        let y = rect.y + 1 + u16::try_from(above).unwrap_or(0);
        let x = rect.x + 4 + u16::try_from(col).unwrap_or(0);
        if y < rect.bottom().saturating_sub(1) {
            frame.set_cursor_position(Position::new(x.min(rect.right().saturating_sub(2)), y));
        }
    }
}
