//! The one table every list view draws through. It builds rows only for the visible slice:
//! ratatui's `Table` walks every row it is given, so handing it 100,000 rows costs a frame.
//! Cells are mostly server text (names, domains, principals), so every cell passes through the
//! terminal sanitizer here: a pane cannot hand the table a cell that skips it.

use super::theme;
use crate::app::list::ListState;
use crate::app::table_sort::TableSort;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Margin, Rect};
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

    /// The ratatui row, every span of every cell sanitized and cut to its column with `…`.
    fn into_row(self, columns: &[u16]) -> Row<'a> {
        let cells = self.cells.into_iter().enumerate().map(|(i, mut line)| {
            super::sanitize_line(&mut line);
            if let Some(&w) = columns.get(i) {
                cut(&mut line, usize::from(w));
            }
            Cell::from(line)
        });
        Row::new(cells).style(self.style)
    }
}

/// Cut `line` to `width` columns, ending with `…` when anything was cut (never silently).
pub fn cut(line: &mut Line<'_>, width: usize) {
    if line.width() <= width || width == 0 {
        return;
    }
    let mut left = width - 1;
    let mut spans = Vec::new();
    for span in line.spans.drain(..) {
        if left == 0 {
            break;
        }
        let w = span.width();
        if w <= left {
            left -= w;
            spans.push(span);
            continue;
        }
        let mut text = String::new();
        for c in span.content.chars() {
            let mut buf = [0u8; 4];
            let cw = ratatui::text::Span::raw(&*c.encode_utf8(&mut buf)).width();
            if cw > left {
                break;
            }
            left -= cw;
            text.push(c);
        }
        spans.push(ratatui::text::Span::styled(text, span.style));
        left = 0;
    }
    let style = spans.last().map(|s| s.style).unwrap_or_default();
    spans.push(ratatui::text::Span::styled("…", style));
    line.spans = spans;
}

/// The width of each column as ratatui's `Table` lays them out (selection column, then the
/// constraints with one space between, from the left).
fn column_widths(area: Rect, widths: &[Constraint], selection: u16) -> Vec<u16> {
    let inner = area.width.saturating_sub(2);
    let [_, columns] = Layout::horizontal([Constraint::Length(selection), Constraint::Fill(0)])
        .areas(Rect::new(0, 0, inner, 1));
    Layout::horizontal(widths.to_vec())
        .flex(Flex::Start)
        .spacing(1)
        .split(columns)
        .iter()
        .map(|r| r.width)
        .collect()
}

/// A column as a pane declares it: its header beside its width.
pub type Column<'c> = (&'c str, Constraint);

/// One list view's table: its title, its columns, the sort that marks a header, and the list
/// whose visible rows it draws.
pub struct ListTable<'a, 'c> {
    title: Line<'a>,
    columns: &'c [Column<'c>],
    sort: Option<TableSort>,
    list: &'c ListState,
}

impl<'a, 'c> ListTable<'a, 'c> {
    pub fn new(title: Line<'a>, columns: &'c [Column<'c>], list: &'c ListState) -> Self {
        Self {
            title,
            columns,
            sort: None,
            list,
        }
    }

    /// The sorted column's header carries its arrow ([`TableSort::header`]).
    pub fn sorted(mut self, sort: TableSort) -> Self {
        self.sort = Some(sort);
        self
    }

    /// Draw the list's visible rows; `row(i)` builds the row for data index `i`.
    pub fn render(self, frame: &mut Frame, area: Rect, row: impl Fn(usize) -> TableRow<'a>) {
        let headers: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (h, _))| match self.sort {
                Some(sort) => sort.header(i, h),
                None => (*h).to_owned(),
            })
            .collect();
        let widths: Vec<Constraint> = self.columns.iter().map(|&(_, w)| w).collect();
        render(frame, area, self.title, &headers, &widths, self.list, row);
    }
}

/// Draw `list`'s visible rows; `row(i)` builds the row for data index `i`.
fn render<'a>(
    frame: &mut Frame,
    area: Rect,
    title: Line<'a>,
    headers: &[String],
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
    let columns = column_widths(area, widths, 2);
    let rows: Vec<Row> = list.visible[offset..end]
        .iter()
        .map(|&i| row(i).into_row(&columns))
        .collect();
    let header =
        Row::new(headers.iter().map(|h| Line::from(h.clone()))).style(theme::column_header());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_text_ends_with_an_ellipsis() {
        let mut l = Line::from("acme-staging-data-eng.cloud.databricks.com");
        cut(&mut l, 20);
        assert_eq!(l.to_string(), "acme-staging-data-e…");
        let mut l = Line::from(vec!["ab".into(), "cdef".into()]);
        cut(&mut l, 4);
        assert_eq!(l.to_string(), "abc…");
        let mut l = Line::from("fits");
        cut(&mut l, 4);
        assert_eq!(l.to_string(), "fits");
    }
}
