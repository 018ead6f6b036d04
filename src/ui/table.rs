//! The one table every list view draws through. It builds rows only for the visible slice:
//! ratatui's `Table` walks every row it is given, so handing it 100,000 rows costs a frame.

use super::theme;
use crate::app::list::ListState;
use ratatui::Frame;
use ratatui::layout::{Constraint, Margin, Rect};
use ratatui::text::Line;
use ratatui::widgets::{
    Block, HighlightSpacing, Row, Scrollbar, ScrollbarOrientation, ScrollbarState, Table,
    TableState,
};

/// Draw `list`'s visible rows; `row(i)` builds the row for data index `i`.
pub fn render<'a>(
    frame: &mut Frame,
    area: Rect,
    title: Line<'a>,
    headers: &[&'a str],
    widths: &[Constraint],
    list: &ListState,
    row: impl Fn(usize) -> Row<'a>,
) {
    let body_rows = area.height.saturating_sub(3).max(1) as usize;
    let mut offset = list.offset.min(list.len().saturating_sub(1));
    if list.selected < offset {
        offset = list.selected;
    } else if list.selected >= offset + body_rows {
        offset = list.selected + 1 - body_rows;
    }
    let end = (offset + body_rows).min(list.len());
    let rows: Vec<Row> = list.visible[offset..end].iter().map(|&i| row(i)).collect();
    let header = Row::new(headers.iter().map(|h| Line::from(*h))).style(theme::column_header());
    let block = Block::bordered()
        .title(title)
        .title_style(theme::title())
        .border_style(theme::border());
    let table = Table::new(rows, widths.to_vec())
        .header(header)
        .block(block)
        .row_highlight_style(theme::selected())
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    let mut ts = TableState::default();
    if !list.is_empty() {
        ts.select(Some(list.selected - offset));
    }
    frame.render_stateful_widget(table, area, &mut ts);
    if list.len() > body_rows {
        let mut sb = ScrollbarState::new(list.len().saturating_sub(body_rows)).position(offset);
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None),
            area.inner(Margin {
                vertical: 1,
                horizontal: 0,
            }),
            &mut sb,
        );
    }
}

/// `Workspaces (12)` or `Workspaces (3/12) /prod`, with a load marker.
pub fn title<'a>(name: &str, list: &ListState, total: usize, suffix: String) -> Line<'a> {
    let count = if list.filter.is_empty() {
        format!("{total}")
    } else {
        format!("{}/{total}", list.len())
    };
    let filter = if list.filter.is_empty() {
        String::new()
    } else {
        format!(" /{}", list.filter)
    };
    Line::from(format!(" {name} ({count}){filter}{suffix} "))
}
