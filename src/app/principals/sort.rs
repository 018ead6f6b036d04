//! Sorting the principals list: the sortable columns and the re-sort and re-filter of the
//! rows that keeps the selection.

use super::PrincipalsState;

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
    fn compare(&self, a: usize, b: usize) -> std::cmp::Ordering {
        let (x, y) = (&self.rows[a], &self.rows[b]);
        let o = match self.sort {
            SortColumn::Name => x.name().to_lowercase().cmp(&y.name().to_lowercase()),
            SortColumn::ApplicationId => x.application_id.cmp(&y.application_id),
            SortColumn::Active => x.active.cmp(&y.active),
            SortColumn::Id => (x.id.len(), &x.id).cmp(&(y.id.len(), &y.id)),
            SortColumn::ExternalId => x.external_id.cmp(&y.external_id),
            SortColumn::Groups => x.groups.len().cmp(&y.groups.len()),
            SortColumn::Expiry => self.expiry_of(&x.id).cmp(&self.expiry_of(&y.id)),
        };
        let o = if self.descending { o.reverse() } else { o };
        o.then_with(|| x.id.cmp(&y.id))
    }

    /// Re-sort (an adaptive merge when only a page was appended) and re-filter, keeping the
    /// selected row. Runs on data, sort or filter change, never per frame.
    pub fn rebuild(&mut self) {
        let previously = self.list.selected_index();
        let mut order = std::mem::take(&mut self.order);
        order.sort_by(|&a, &b| self.compare(a, b));
        self.order = order;
        let (needle, invert) = match self.list.filter.strip_prefix('!') {
            Some(rest) => (rest.to_lowercase(), true),
            None => (self.list.filter.to_lowercase(), false),
        };
        self.list.visible = self
            .order
            .iter()
            .copied()
            .filter(|&i| needle.is_empty() || self.hay[i].contains(&needle) != invert)
            .collect();
        self.list.selected = previously
            .and_then(|p| self.list.visible.iter().position(|&i| i == p))
            .unwrap_or(0);
        if self.list.selected >= self.list.visible.len() {
            self.list.selected = self.list.visible.len().saturating_sub(1);
        }
        if self.list.offset > self.list.selected {
            self.list.offset = self.list.selected;
        }
    }
}
