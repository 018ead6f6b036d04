//! The shared dialogs, one renderer each: an input, a pick, a y/N question, type-to-confirm and
//! a secret shown once.

use super::modal::{boxed, centered, keys};
use super::principals::expiry_span;
use super::theme;
use crate::app::dialog::{Input, Pick, PickPurpose, Purpose, Question, ShowOnce, TypeToConfirm};
use crate::app::state::State;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};

/// The width of a dialog that says more than a line: most of the screen, at most 110.
pub(super) fn wide(area: Rect) -> u16 {
    area.width.saturating_sub(8).min(110)
}

/// Rows `text` takes in a box whose inner width is `width`, wrapped at spaces as a paragraph
/// wraps it.
fn wrapped_rows(text: &str, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let (mut rows, mut col) = (1, 0usize);
    for (i, word) in text.split(' ').enumerate() {
        let w = word.chars().count();
        let need = if i == 0 { w } else { col + 1 + w };
        if need <= width {
            col = need;
            continue;
        }
        // The word starts a row (the first already has one), and a word wider than a row is
        // broken over several.
        if i > 0 {
            rows += 1;
        }
        col = w;
        while col > width {
            rows += 1;
            col -= width;
        }
    }
    rows
}

/// Rows `lines` take in a box `width` wide.
fn rows(lines: &[Line], width: u16) -> u16 {
    lines
        .iter()
        .map(|l| {
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            wrapped_rows(&text, width.saturating_sub(2))
        })
        .sum()
}

/// Each line of a question after one space.
fn spaced(lines: Vec<String>) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .map(|l| Line::from(format!(" {l}")))
        .collect()
}

/// The terminal cursor in the text of an input drawn at `row` of its box.
fn cursor(frame: &mut Frame, rect: Rect, input: &tui_input::Input, row: u16) {
    let x = rect.x + 2 + input.visual_cursor() as u16;
    frame.set_cursor_position(Position::new(
        x.min(rect.right().saturating_sub(2)),
        rect.y + row,
    ));
}

pub(super) fn input<P: Purpose>(state: &State, d: &Input<P>, frame: &mut Frame, area: Rect) {
    let style = d.purpose.style();
    let rect = centered(area, wide(area), style.height);
    let lines = vec![
        Line::from(format!(" {}", d.input.value())),
        match &d.error {
            Some(e) => Line::styled(format!(" ✗ {e}"), theme::error()),
            None => Line::styled(style.hint, theme::dim()),
        },
    ];
    boxed(frame, rect, &d.purpose.prompt(state), lines, 0);
    cursor(frame, rect, &d.input, 1);
}

pub(super) fn pick<P: PickPurpose>(state: &State, d: &Pick<P>, frame: &mut Frame, area: Rect) {
    let list = &d.list;
    let mut lines: Vec<Line> = list
        .visible
        .iter()
        .enumerate()
        .map(|(pos, &i)| {
            let line = d
                .options
                .get(i)
                .map(|(label, value)| d.purpose.line(state, label, value))
                .unwrap_or_default();
            // The marker shows the selection without colour (NO_COLOR, monochrome terminals).
            if pos == list.selected {
                Line::styled(format!(" > {line}"), theme::selected())
            } else {
                Line::from(format!("   {line}"))
            }
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::styled(d.purpose.empty(), theme::dim()));
    }
    lines.push(keys(" enter choose · esc cancel"));
    let height = (lines.len() as u16 + 2).min(area.height);
    let scroll = (list.selected as u16).saturating_sub(height.saturating_sub(4));
    let title = d.purpose.title(state);
    boxed(frame, centered(area, 70, height), &title, lines, scroll);
}

pub(super) fn confirm(q: Question, frame: &mut Frame, area: Rect) {
    let width = wide(area).min(q.width);
    let mut lines = spaced(q.lines);
    lines.push(keys(q.keys));
    let height = rows(&lines, width) + 2;
    boxed(frame, centered(area, width, height), &q.title, lines, 0);
}

pub(super) fn type_to_confirm(d: &TypeToConfirm, frame: &mut Frame, area: Rect) {
    let width = wide(area).min(d.deletion.width());
    let mut lines = spaced(d.deletion.question(&d.expected));
    let above = rows(&lines, width);
    lines.push(Line::from(format!(" {}", d.input.value())));
    lines.push(keys(" enter delete · esc cancel"));
    let rect = centered(area, width, above + 4);
    boxed(frame, rect, "Delete", lines, 0);
    cursor(frame, rect, &d.input, above + 1);
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub(super) fn show_once(state: &State, d: &ShowOnce, frame: &mut Frame, area: Rect) {
    let mut lines = vec![
        Line::styled(format!(" {}", d.heading), theme::title()),
        Line::from(""),
        Line::from(vec![
            Span::raw(" "),
            // The one place the plaintext is drawn.
            Span::styled(d.secret.expose().to_owned(), theme::ok()),
        ]),
        Line::from(""),
        Line::styled(
            " This is the only time it is shown: it is not stored, logged or journaled.",
            theme::warn(),
        ),
        Line::from(match d.expires.as_deref() {
            Some(t) => match crate::api::timestamp::parse_timestamp_ms(t) {
                Some(ms) => format!(
                    " {} ({t}).",
                    capitalized(&expiry_span(state.now, ms, true).content)
                ),
                None => format!(" Expires {t}."),
            },
            None => " Never expires.".to_owned(),
        }),
    ];
    if d.copied {
        lines.push(Line::styled(
            " Sent to the terminal's clipboard (OSC 52). The terminal cannot confirm it arrived: under tmux it does only with `set -g set-clipboard on`.",
            theme::ok(),
        ));
    }
    lines.push(keys(d.keys));
    let height = rows(&lines, wide(area)) + 2;
    boxed(
        frame,
        centered(area, wide(area), height),
        "Secret (shown once)",
        lines,
        0,
    );
}

#[cfg(test)]
mod tests {
    use super::wrapped_rows;

    #[test]
    fn rows_count_the_wrapping_at_spaces() {
        assert_eq!(wrapped_rows("", 10), 1);
        assert_eq!(wrapped_rows("aaaa bbbb", 9), 1);
        assert_eq!(wrapped_rows("aaaa bbbbb", 9), 2);
        assert_eq!(wrapped_rows(&"x".repeat(25), 10), 3);
        assert_eq!(wrapped_rows(&format!("a {}", "x".repeat(25)), 10), 4);
    }
}
