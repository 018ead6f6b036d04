//! The one table every list view draws through. It builds rows only for the visible slice:
//! ratatui's `Table` walks every row it is given, so handing it 100,000 rows costs a frame.
//! Cells are mostly server text (names, domains, principals), so every cell passes through the
//! terminal sanitizer here: a pane cannot hand the table a cell that skips it.

use super::theme;
use crate::app::list::ListState;
use ratatui::Frame;
use ratatui::layout::{Constraint, Margin, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{
    Block, Cell, HighlightSpacing, Row, Scrollbar, ScrollbarOrientation, ScrollbarState, Table,
    TableState,
};

/// One row as a pane describes it: a line per cell, and a style for the whole row.
pub struct TableRow<'a> {
    cells: Vec<Line<'a>>,
    style: Style,
}

impl<'a> TableRow<'a> {
    pub fn new<T: Into<Line<'a>>>(cells: impl IntoIterator<Item = T>) -> Self {
        Self {
            cells: cells.into_iter().map(Into::into).collect(),
            style: Style::default(),
        }
    }

    pub fn style(mut self, style: Style) -> Self {
        self.style = style;
        self
    }

    /// The ratatui row, every span of every cell sanitized.
    fn into_row(self) -> Row<'a> {
        let cells = self.cells.into_iter().map(|mut line| {
            super::sanitize_line(&mut line);
            Cell::from(line)
        });
        Row::new(cells).style(self.style)
    }
}

/// Draw `list`'s visible rows; `row(i)` builds the row for data index `i`.
pub fn render<'a>(
    frame: &mut Frame,
    area: Rect,
    title: Line<'a>,
    headers: &[&'a str],
    widths: &[Constraint],
    list: &ListState,
    row: impl Fn(usize) -> TableRow<'a>,
) {
    let body_rows = area.height.saturating_sub(3).max(1) as usize;
    let mut offset = list.offset.min(list.len().saturating_sub(1));
    if list.selected < offset {
        offset = list.selected;
    } else if list.selected >= offset + body_rows {
        offset = list.selected + 1 - body_rows;
    }
    let end = (offset + body_rows).min(list.len());
    let rows: Vec<Row> = list.visible[offset..end]
        .iter()
        .map(|&i| row(i).into_row())
        .collect();
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
