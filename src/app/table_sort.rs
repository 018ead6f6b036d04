//! `o`/`O` on the workspaces and policies tables: which column sorts, and which way. The data
//! keeps its order; only the list's visible rows are reordered, so the selection (a data index)
//! stays on its row.

use super::list::ListState;
use super::state::State;
use std::cmp::Ordering;

/// The sort of one table: a column index (`None`: the server's order) and its direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableSort {
    pub column: Option<usize>,
    pub descending: bool,
}

impl TableSort {
    /// `o`: the next column (after the last, back to the server's order).
    pub fn next(&mut self, columns: usize) {
        self.column = match self.column {
            None => Some(0),
            Some(c) if c + 1 < columns => Some(c + 1),
            Some(_) => None,
        };
    }

    /// `O`: flip the direction (sorting by the first column when none was chosen).
    pub fn reverse(&mut self) {
        self.column.get_or_insert(0);
        self.descending = !self.descending;
    }

    /// `header` with an arrow when it is the sorted column.
    pub fn header(&self, index: usize, header: &str) -> String {
        if self.column == Some(index) {
            format!("{header} {}", if self.descending { "▼" } else { "▲" })
        } else {
            header.to_owned()
        }
    }
}

/// A cell as it sorts: numbers as numbers, then text without case.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey {
    Num(u64),
    Text(String),
}

fn text(s: &str) -> SortKey {
    SortKey::Text(s.to_lowercase())
}

/// Reorder `list` by `key(row)`, keeping the selected row selected.
fn reorder(list: &mut ListState, sort: TableSort, key: impl Fn(usize) -> SortKey) {
    let Some(_) = sort.column else {
        return;
    };
    let selected = list.selected_index();
    let cmp = |a: &usize, b: &usize| -> Ordering {
        let o = key(*a).cmp(&key(*b)).then(a.cmp(b));
        if sort.descending { o.reverse() } else { o }
    };
    list.visible.sort_by(cmp);
    if let Some(s) = selected
        && let Some(pos) = list.visible.iter().position(|&i| i == s)
    {
        list.selected = pos;
    }
}

pub const WORKSPACE_COLUMNS: usize = 6;
pub const POLICY_COLUMNS: usize = 6;

impl super::App {
    /// `o` / `O` on `:ws` or `:np`.
    pub(super) fn sort_table(&mut self, action: super::keymap::Action) {
        let s = &mut self.state;
        let (sort, columns) = match s.view {
            super::state::View::Workspaces => (&mut s.workspaces_sort, WORKSPACE_COLUMNS),
            _ => (&mut s.policies_sort, POLICY_COLUMNS),
        };
        if action == super::keymap::Action::SortReverse {
            sort.reverse();
        } else {
            sort.next(columns);
        }
        s.rebuild_current();
        let page = s.page_rows();
        if let Some(l) = s.current_list_mut() {
            l.scroll_into_view(page);
        }
    }
}

impl State {
    pub(super) fn sort_workspaces(&mut self) {
        let sort = self.workspaces_sort;
        let Some(column) = sort.column else {
            return;
        };
        let mut list = std::mem::take(&mut self.workspaces_list);
        let host = self.session.as_ref().map_or("", |s| s.host.as_str());
        let ws = &self.workspaces;
        let key = |i: usize| {
            let w = &ws[i];
            match column {
                0 => SortKey::Num(w.workspace_id.0.unsigned_abs()),
                1 => text(&w.workspace_name),
                2 => text(&w.url(host).unwrap_or_default()),
                3 => text(&format!(
                    "{} {}",
                    w.cloud.as_deref().unwrap_or(""),
                    w.region().unwrap_or("")
                )),
                4 => text(
                    w.workspace_status
                        .as_ref()
                        .map_or("", dbx_client::api::workspaces::WorkspaceStatus::as_str),
                ),
                _ => text(self.binding_of(w.workspace_id).map_or("", |p| p.as_str())),
            }
        };
        reorder(&mut list, sort, key);
        self.workspaces_list = list;
    }

    pub(super) fn sort_policies(&mut self) {
        let sort = self.policies_sort;
        let Some(column) = sort.column else {
            return;
        };
        let mut list = std::mem::take(&mut self.policies_list);
        let ps = &self.policies;
        let key = |i: usize| {
            let p = &ps[i];
            match column {
                0 => text(p.id()),
                1 => text(p.restriction_mode().map_or(
                    "",
                    dbx_client::api::network_policies::RestrictionMode::as_str,
                )),
                2 => text(&p.enforcement_mode().to_string()),
                3 => SortKey::Num(p.internet_destinations().len() as u64),
                4 => SortKey::Num(p.storage_destinations().len() as u64),
                _ => SortKey::Num(self.workspaces_bound_to(p.id()).len() as u64),
            }
        };
        reorder(&mut list, sort, key);
        self.policies_list = list;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_cycles_through_the_columns_and_back_to_server_order() {
        let mut s = TableSort::default();
        s.next(2);
        assert_eq!(s.column, Some(0));
        s.next(2);
        assert_eq!(s.column, Some(1));
        s.next(2);
        assert_eq!(s.column, None);
        s.reverse();
        assert_eq!((s.column, s.descending), (Some(0), true));
    }

    #[test]
    fn reorder_keeps_the_selected_row() {
        let rows = ["b", "c", "a"];
        let mut l = ListState::default();
        l.rebuild(rows.iter().copied());
        l.move_by(1, 10); // "c"
        let sort = TableSort {
            column: Some(0),
            descending: false,
        };
        reorder(&mut l, sort, |i| text(rows[i]));
        assert_eq!(l.visible, vec![2, 0, 1]);
        assert_eq!(l.selected_index(), Some(1));
    }
}
