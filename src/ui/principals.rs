//! The Service principals pane (list).

use super::{table, theme};
use crate::app::principals::{EXPIRY_WARN_DAYS, Expiry, PrincipalsState, SortColumn};
use crate::app::state::{Load, State};
use crate::app::table_sort::TableSort;
use ratatui::Frame;
use ratatui::layout::Constraint::{self, Fill, Length, Min};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::time::SystemTime;
use table::{Column, ListTable, TableRow};

/// The width of each column, in [`SortColumn::ALL`]'s order.
const WIDTHS: [Constraint; SortColumn::ALL.len()] = [
    Min(26),
    Length(36),
    Length(8),
    Length(16),
    Fill(1),
    Length(8),
    Length(16),
];

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
    let empty = p.rows.is_empty();
    if super::list_failed(frame, area, "Service principals", &p.load, empty) {
        return;
    }
    let columns: Vec<Column> = SortColumn::ALL
        .iter()
        .map(|c| c.header())
        .zip(WIDTHS)
        .collect();
    let sort = TableSort {
        column: SortColumn::ALL.iter().position(|c| *c == p.sort),
        descending: p.descending,
    };
    ListTable::new(title(p, state.spinner), &columns, &p.list)
        .sorted(sort)
        .render(frame, area, |i| {
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
        });
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
