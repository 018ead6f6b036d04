//! Drawing: pure functions of [`State`], one module per pane. Nothing here awaits or mutates.

pub(crate) mod contexts;
mod dialog;
pub mod egress;
mod footer;
mod header;
pub(crate) mod help;
pub(crate) mod history;
mod modal;
pub(crate) mod network_policies;
pub(crate) mod principal_detail;
pub(crate) mod principals;
pub(crate) mod rollout;
mod signin;
pub mod table;
pub mod theme;
pub(crate) mod workspaces;

/// ` · as of 12:00:05` (UTC) for a live view's data, so the title says how fresh it is.
pub fn as_of(state: &State, slot: crate::actor::Slot) -> String {
    state.fresh_at.get(&slot).map_or_else(String::new, |&ms| {
        let t = crate::api::timestamp::format_timestamp_ms(ms);
        format!(" · as of {}", &t[11..19])
    })
}

/// Counts as people read them (`1,234`), in the panes and on the command line.
pub use principals::thousands;

use crate::app::state::{Load, State};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

/// Draw the whole screen.
pub fn render(state: &State, frame: &mut Frame) {
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(1),
        Constraint::Length(2),
    ])
    .areas(frame.area());
    header::render(state, frame, head);
    render_body(state, frame, body);
    footer::render(state, frame, foot);
    if let Some(m) = &state.modal {
        modal::render(state, m, frame, body);
    }
    crate::app::panes::help::render(state, frame, body);
    scrub(frame);
}

/// Every span of `line` through the terminal sanitizer (names, domains and messages drawn here
/// mostly come from a server).
pub(crate) fn sanitize_line(line: &mut Line<'_>) {
    for span in &mut line.spans {
        if let std::borrow::Cow::Owned(clean) = crate::sanitize::terminal_text(&span.content) {
            span.content = clean.into();
        }
    }
}

pub(crate) fn sanitize_lines(lines: &mut [Line<'_>]) {
    lines.iter_mut().for_each(sanitize_line);
}

/// The last line of defence, whatever a pane forgot: no cell of the frame holds a control
/// character or a bidi override when it goes to the terminal. (ratatui drops control
/// characters itself, but not the bidi controls.)
fn scrub(frame: &mut Frame) {
    for cell in &mut frame.buffer_mut().content {
        if let std::borrow::Cow::Owned(clean) = crate::sanitize::terminal_text(cell.symbol()) {
            cell.set_symbol(if clean.is_empty() { " " } else { &clean });
        }
    }
}

fn render_body(state: &State, frame: &mut Frame, area: Rect) {
    let focused = crate::app::panes::pane(state.view);
    let info = crate::app::panes::info(state.view);
    if info.account_level && state.session.is_some() && !state.is_account() {
        let msg = "Workspaces and network policies are account-level.\nThis is a workspace profile: switch to an account profile with :ctx.";
        message(frame, area, state.view.title(), msg);
        return;
    }
    if state.session.is_none() && !info.works_offline {
        let msg = match (&state.connecting, &state.last_error) {
            (Some(p), _) => format!("Connecting with profile {p}…"),
            (None, Some(e)) => format!("Not connected: {e}\n\nChoose a profile with :ctx."),
            (None, None) => "No profile selected. Choose one with :ctx.".to_owned(),
        };
        message(frame, area, state.view.title(), &msg);
        return;
    }
    focused.render(state, frame, area);
}

/// A bordered box with a message, for empty, loading and error states.
pub fn message(frame: &mut Frame, area: Rect, title: &str, text: &str) {
    let mut lines: Vec<Line> = text.lines().map(|l| Line::from(l.to_owned())).collect();
    sanitize_lines(&mut lines);
    let block = Block::bordered()
        .title(format!(" {title} "))
        .border_style(theme::border());
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// A list pane whose load failed with nothing to show says so instead of an empty table
/// (`r` retries); `true` when it did.
pub fn list_failed(frame: &mut Frame, area: Rect, title: &str, load: &Load, empty: bool) -> bool {
    let Load::Failed(e) = load else {
        return false;
    };
    if empty {
        let what = title.to_lowercase();
        let text = format!("Could not list {what}:\n{e}\n\nPress r to retry.");
        message(frame, area, title, &text);
    }
    empty
}

/// A short word for a load state, appended to titles.
pub fn load_suffix(load: &Load, spinner: usize) -> String {
    match load {
        Load::Loading => format!(" {}", theme::spinner(spinner)),
        Load::Failed(_) => " (failed)".into(),
        _ => String::new(),
    }
}
