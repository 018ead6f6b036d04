//! The Service principals pane (list) and its dialogs.

use super::modal::{boxed, centered, keys};
use super::{table, theme};
use crate::app::list::ListState;
use crate::app::principals::{
    EXPIRY_WARN_DAYS, Expiry, PrincipalModal, PrincipalsState, SortColumn,
};
use crate::app::state::{Load, State};
use ratatui::Frame;
use ratatui::layout::{Constraint, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::time::SystemTime;
use table::TableRow;

/// `1,234`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn now_ms(now: SystemTime) -> i64 {
    now.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Days from `now` until `at_ms`, to the nearest day (a secret minted for 730 days a moment
/// ago has 730 left); negative once past (a secret that expired an hour ago: -1).
pub fn days_until(now: SystemTime, at_ms: i64) -> i64 {
    const DAY: i64 = 86_400_000;
    let delta = at_ms - now_ms(now);
    if delta < 0 {
        delta.div_euclid(DAY)
    } else {
        (delta + DAY / 2) / DAY
    }
}

/// `1 day`, `2 days`.
pub fn plural_days(n: i64) -> String {
    if n.abs() == 1 {
        format!("{n} day")
    } else {
        format!("{n} days")
    }
}

/// `in 12 days` / `expired 3 days ago`, styled: red when expired, yellow under 30 days.
pub fn expiry_span(now: SystemTime, at_ms: i64, long: bool) -> Span<'static> {
    let days = days_until(now, at_ms);
    let text = match (days, long) {
        (d, true) if d < 0 => format!("expired {} ago", plural_days(-d)),
        (d, true) => format!("expires in {}", plural_days(d)),
        (d, false) if d < 0 => "expired".to_owned(),
        (d, false) => format!("in {d}d"),
    };
    let style = if days < 0 {
        theme::error()
    } else if days < EXPIRY_WARN_DAYS {
        theme::warn()
    } else {
        Style::default()
    };
    Span::styled(text, style)
}

fn expiry_cell(now: SystemTime, e: Expiry) -> Span<'static> {
    match e {
        Expiry::At(ms) => expiry_span(now, ms, false),
        Expiry::Never => Span::raw("never"),
        Expiry::NoSecrets => Span::styled("no secrets", theme::dim()),
        Expiry::Failed => Span::styled("?", theme::error()),
        Expiry::Unknown => Span::styled("…", theme::dim()),
    }
}

fn title(p: &PrincipalsState, spinner: usize) -> Line<'static> {
    let n = p.rows.len() as u64;
    let count = match (&p.load, p.total) {
        (Load::Loading, Some(total)) => {
            format!("{}/{} loading…", thousands(n), thousands(total.max(n)))
        }
        (Load::Loading, None) => format!("{} loading…", thousands(n)),
        _ if !p.list.filter.is_empty() => {
            format!("{}/{}", thousands(p.list.len() as u64), thousands(n))
        }
        _ => thousands(n),
    };
    let mut s = format!(" Service principals ({count})");
    if let Some(f) = &p.server_filter {
        s.push_str(&format!(" where {f}"));
    }
    if !p.list.filter.is_empty() {
        s.push_str(&format!(" /{}", p.list.filter));
    }
    if p.load == Load::Loading && p.in_arrival_order() {
        s.push_str(" in arrival order, sorted when loaded");
    }
    s.push_str(&super::load_suffix(&p.load, spinner));
    s.push(' ');
    Line::from(s)
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let p = &state.principals;
    if let Load::Failed(e) = &p.load
        && p.rows.is_empty()
    {
        super::message(
            frame,
            area,
            "Service principals",
            &format!("Could not list service principals:\n{e}\n\nPress r to retry."),
        );
        return;
    }
    let headers: Vec<String> = SortColumn::ALL
        .iter()
        .map(|c| {
            if *c == p.sort {
                format!("{} {}", c.header(), if p.descending { "▼" } else { "▲" })
            } else {
                c.header().to_owned()
            }
        })
        .collect();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let widths = [
        Constraint::Min(26),
        Constraint::Length(36),
        Constraint::Length(8),
        Constraint::Length(16),
        Constraint::Fill(1),
        Constraint::Length(8),
        Constraint::Length(16),
    ];
    table::render(
        frame,
        area,
        title(p, state.spinner),
        &header_refs,
        &widths,
        &p.list,
        |i| {
            let sp = &p.rows[i];
            let active = match sp.active {
                Some(false) => Span::styled("no", theme::error()),
                _ => Span::styled("yes", theme::ok()),
            };
            TableRow::new(vec![
                Line::from(sp.name().to_owned()),
                Line::from(sp.application_id.clone().unwrap_or_default()),
                Line::from(active),
                Line::from(sp.id.clone()),
                Line::from(sp.external_id.clone().unwrap_or_default()),
                Line::from(sp.groups.len().to_string()),
                Line::from(expiry_cell(state.now, p.expiry_of(&sp.id))),
            ])
        },
    );
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn pick_lines(options: &[(String, String)], list: &ListState) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = list
        .visible
        .iter()
        .enumerate()
        .map(|(pos, &i)| {
            // The marker shows the selection without colour (NO_COLOR, monochrome terminals).
            let marker = if pos == list.selected { ">" } else { " " };
            let text = format!(" {marker} {}", options.get(i).map_or("", |o| o.0.as_str()));
            if pos == list.selected {
                Line::styled(text, theme::selected())
            } else {
                Line::from(text)
            }
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::styled(
            " loading… (or nothing to choose)",
            theme::dim(),
        ));
    }
    lines
}

pub fn render_modal(state: &State, m: &PrincipalModal, frame: &mut Frame, area: Rect) {
    let wide = area.width.saturating_sub(8).min(110);
    match m {
        PrincipalModal::Input {
            purpose,
            input,
            error,
        } => {
            let rect = centered(area, wide, 4);
            let lines = vec![
                Line::from(format!(" {}", input.value())),
                match error {
                    Some(e) => Line::styled(format!(" ✗ {e}"), theme::error()),
                    None => Line::styled(" enter to continue · esc to cancel", theme::dim()),
                },
            ];
            // The prompt names the principal, not its number.
            let mut title = purpose.prompt();
            if let crate::app::principals::PrincipalInput::Rename { id }
            | crate::app::principals::PrincipalInput::SecretLifetime { id } = purpose
                && let Some(sp) = state.principals.get(id)
            {
                title = title.replace(id.as_str(), sp.name());
            }
            boxed(frame, rect, &title, lines, 0);
            let x = rect.x + 2 + input.visual_cursor() as u16;
            frame.set_cursor_position(Position::new(
                x.min(rect.right().saturating_sub(2)),
                rect.y + 1,
            ));
        }
        PrincipalModal::Confirm { title, lines, .. } => {
            let mut body: Vec<Line> = lines.iter().map(|l| Line::from(format!(" {l}"))).collect();
            body.push(Line::from(""));
            body.push(keys(" y go ahead · n cancel (default)"));
            let height =
                (body.len() as u16 + 2 + lines.iter().filter(|l| l.len() > 100).count() as u16)
                    .min(area.height);
            boxed(frame, centered(area, wide, height), title, body, 0);
        }
        PrincipalModal::TypeToConfirm {
            expected, input, ..
        } => {
            let lines = vec![
                Line::from(format!(
                    " Delete service principal {expected}? Its secrets, group memberships and workspace assignments go with it."
                )),
                Line::from(" Type its display name to confirm:"),
                Line::from(format!(" {}", input.value())),
                keys(" enter delete · esc cancel"),
            ];
            let rect = centered(area, wide, 7);
            boxed(frame, rect, "Delete", lines, 0);
            let x = rect.x + 2 + input.visual_cursor() as u16;
            frame.set_cursor_position(Position::new(
                x.min(rect.right().saturating_sub(2)),
                rect.y + 4,
            ));
        }
        PrincipalModal::Pick {
            purpose,
            options,
            list,
        } => {
            use crate::app::principals::PrincipalPick;
            let name = |id: &str| {
                state
                    .principals
                    .get(id)
                    .map_or_else(|| id.to_owned(), |sp| sp.name().to_owned())
            };
            let title = match purpose {
                PrincipalPick::Workspace { id } => format!("Workspace to assign {} to", name(id)),
                PrincipalPick::Permission { workspace, .. } => {
                    format!("Permission on workspace {workspace}")
                }
                PrincipalPick::Group { id } => format!("Group to add {} to", name(id)),
            };
            let mut lines = pick_lines(options, list);
            lines.push(keys(" enter choose · esc cancel"));
            let height = (lines.len() as u16 + 2).min(area.height);
            let scroll = (list.selected as u16).saturating_sub(height.saturating_sub(4));
            boxed(frame, centered(area, 70, height), &title, lines, scroll);
        }
        PrincipalModal::SecretShown {
            id,
            name,
            info,
            secret,
            copied,
            rotating,
        } => {
            let mut lines = vec![
                Line::styled(
                    format!(" New OAuth secret {} for {name} ({id})", info.id),
                    theme::title(),
                ),
                Line::from(""),
                Line::from(vec![
                    Span::raw(" "),
                    // The one place the plaintext is drawn.
                    Span::styled(secret.expose().to_owned(), theme::ok()),
                ]),
                Line::from(""),
                Line::styled(
                    " This is the only time it is shown: it is not stored, logged or journaled.",
                    theme::warn(),
                ),
                Line::from(match info.expire_time.as_deref() {
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
            if *copied {
                lines.push(Line::styled(
                    " Sent to the terminal's clipboard (OSC 52). The terminal cannot confirm it arrived: under tmux it does only with `set -g set-clipboard on`.",
                    theme::ok(),
                ));
            }
            lines.push(keys(match rotating {
                Some(_) => {
                    " c copy (OSC 52; stays shown) · enter/esc close, then confirm deleting the old secret"
                }
                None => " c copy (OSC 52; stays shown until you close) · enter/esc close",
            }));
            boxed(
                frame,
                centered(area, wide, lines.len() as u16 + 2),
                "Secret (shown once)",
                lines,
                0,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_new_730_day_secret_has_730_days_and_one_day_is_singular() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let ms = now_ms(now);
        // Minted a few seconds before the screen drew it.
        let at = ms + 730 * 86_400_000 - 5_000;
        assert_eq!(expiry_span(now, at, true).content, "expires in 730 days");
        assert_eq!(
            expiry_span(now, ms + 86_400_000, true).content,
            "expires in 1 day"
        );
        assert_eq!(
            expiry_span(now, ms - 3_600_000, true).content,
            "expired 1 day ago"
        );
    }
}
