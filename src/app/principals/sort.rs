//! Sorting the principals list: the sortable columns, and the sort itself over keys computed
//! once per row (never per comparison).

use super::{Expiry, PrincipalsState};
use std::cmp::Ordering;

/// Sortable columns, in display order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortColumn {
    #[default]
    Name,
    ApplicationId,
    Active,
    Id,
    ExternalId,
    Groups,
    Expiry,
}

impl SortColumn {
    pub const ALL: [SortColumn; 7] = [
        SortColumn::Name,
        SortColumn::ApplicationId,
        SortColumn::Active,
        SortColumn::Id,
        SortColumn::ExternalId,
        SortColumn::Groups,
        SortColumn::Expiry,
    ];

    pub fn header(self) -> &'static str {
        match self {
            SortColumn::Name => "NAME",
            SortColumn::ApplicationId => "APPLICATION ID",
            SortColumn::Active => "ACTIVE",
            SortColumn::Id => "ID",
            SortColumn::ExternalId => "EXTERNAL ID",
            SortColumn::Groups => "GROUPS",
            SortColumn::Expiry => "SECRET EXPIRES",
        }
    }

    pub(super) fn next(self) -> SortColumn {
        let i = Self::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

impl PrincipalsState {
    /// Sort every row by the current column (ties by id, ascending either way), with keys
    /// computed once per row: the lower-cased name is kept per row, the others compare in place
    /// without allocating, and the expiry column looks each row's secrets up once per sort.
    /// Runs when the sort changes, when a load settles and on a single-row write; never per
    /// page while a load streams in (those rows are appended in arrival order).
    pub fn resort(&mut self) {
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        order.extend(0..self.rows.len());
        let desc = self.descending;
        let dir = |o: Ordering| if desc { o.reverse() } else { o };
        let rows = &self.rows;
        let by_id = |a: usize, b: usize| rows[a].id.cmp(&rows[b].id);
        // Every id is unique (the index guarantees it), so the order is total and an unstable
        // sort gives the same result as a stable one.
        match self.sort {
            SortColumn::Name => {
                let keys = &self.sort_name;
                order.sort_unstable_by(|&a, &b| {
                    dir(keys[a].cmp(&keys[b])).then_with(|| by_id(a, b))
                });
            }
            SortColumn::ApplicationId => order.sort_unstable_by(|&a, &b| {
                dir(rows[a].application_id.cmp(&rows[b].application_id)).then_with(|| by_id(a, b))
            }),
            SortColumn::Active => order.sort_unstable_by(|&a, &b| {
                dir(rows[a].active.cmp(&rows[b].active)).then_with(|| by_id(a, b))
            }),
            SortColumn::Id => order.sort_unstable_by(|&a, &b| {
                let (x, y) = (&rows[a].id, &rows[b].id);
                dir((x.len(), x).cmp(&(y.len(), y))).then_with(|| by_id(a, b))
            }),
            SortColumn::ExternalId => order.sort_unstable_by(|&a, &b| {
                dir(rows[a].external_id.cmp(&rows[b].external_id)).then_with(|| by_id(a, b))
            }),
            SortColumn::Groups => order.sort_unstable_by(|&a, &b| {
                dir(rows[a].groups.len().cmp(&rows[b].groups.len())).then_with(|| by_id(a, b))
            }),
            SortColumn::Expiry => {
                let keys: Vec<Expiry> = rows.iter().map(|r| self.expiry_of(&r.id)).collect();
                order.sort_unstable_by(|&a, &b| {
                    dir(keys[a].cmp(&keys[b])).then_with(|| by_id(a, b))
                });
            }
        }
        self.order = order;
        self.arrival_tail = false;
        self.filtered_with = None;
    }

    /// Re-sort and re-filter, keeping the selected row.
    pub fn rebuild(&mut self) {
        self.resort();
        self.refilter();
    }
}
