//! The principals list's rows: adding, replacing and removing them, and which one is selected.

use super::haystack::push_lower;
use super::sort_key::RowKey;
use super::{Expiry, PrincipalsState, soonest_expiry};
use crate::api::scim::ServicePrincipal;
use crate::app::state::View;

/// A row's name as the name column sorts it.
fn sort_key(sp: &ServicePrincipal) -> Box<str> {
    let mut key = String::with_capacity(sp.name().len());
    push_lower(&mut key, sp.name());
    key.into_boxed_str()
}

impl PrincipalsState {
    pub fn clear_rows(&mut self) {
        self.rows.clear();
        self.hay.clear();
        self.sort_name.clear();
        self.keys = std::sync::Arc::default();
        self.index.clear();
        self.order.clear();
        self.arrival_tail = false;
        self.loaded = 0;
        self.total = None;
        self.secrets.clear();
        self.secrets_asked.clear();
        self.sorted = Default::default();
        self.filter_memo.invalidate();
        self.refilter();
    }

    pub fn get(&self, id: &str) -> Option<&ServicePrincipal> {
        self.index.get(id).map(|&i| &self.rows[i])
    }

    /// Add a row or replace the one with its id; returns whether it was new (and appended to
    /// the data, not yet to the display order).
    /// Either way every column's kept sort order is dropped; a replaced row also drops what
    /// the filters matched (a new one is checked by [`Self::admit_appended`] or a full refilter).
    fn put(&mut self, sp: ServicePrincipal) -> Option<usize> {
        self.sorted = Default::default();
        if let Some(&i) = self.index.get(&sp.id) {
            self.filter_memo.invalidate();
            self.hay.replace(i, &sp);
            self.sort_name[i] = sort_key(&sp);
            std::sync::Arc::make_mut(&mut self.keys)[i] = RowKey::of(&sp, &self.sort_name[i]);
            self.rows[i] = sp;
            None
        } else {
            let i = self.rows.len();
            self.index.insert(sp.id.clone(), i);
            self.hay.push(&sp);
            let name = sort_key(&sp);
            std::sync::Arc::make_mut(&mut self.keys).push(RowKey::of(&sp, &name));
            self.sort_name.push(name);
            self.rows.push(sp);
            Some(i)
        }
    }

    /// Add or replace rows (a write's read-back, a drill-in), then re-sort and re-filter.
    pub fn upsert(&mut self, rows: Vec<ServicePrincipal>) {
        for sp in rows {
            self.put(sp);
        }
        self.filter_memo.invalidate();
        self.rebuild();
    }

    /// Room for the `total` rows a load announced, so that no page of a large load pays for
    /// growing (and rehashing) every row already there.
    pub fn reserve_for(&mut self, total: Option<u64>) {
        let Some(more) = total
            .and_then(|t| usize::try_from(t).ok())
            .map(|t| t.saturating_sub(self.rows.len()))
        else {
            return;
        };
        // A server's total is a claim, not a size to trust: beyond this many rows the vectors
        // grow as usual (a total of a billion must not reserve gigabytes).
        let more = more.min(250_000);
        self.rows.reserve(more);
        self.hay.reserve(more);
        self.sort_name.reserve(more);
        std::sync::Arc::make_mut(&mut self.keys).reserve(more);
        self.index.reserve(more);
        self.order.reserve(more);
    }

    /// A page of a streaming load: new rows are shown in arrival order after the rows already
    /// there, and only they are checked against the filter, so a page costs its own rows and
    /// nothing proportional to what is already loaded. [`Self::settle`] sorts once at the end.
    pub fn append_page(&mut self, rows: Vec<ServicePrincipal>) {
        let from = self.order.len();
        let mut replaced = false;
        for sp in rows {
            match self.put(sp) {
                Some(i) => self.order.push(i),
                None => replaced = true,
            }
        }
        if self.order.len() > from {
            self.arrival_tail = true;
        }
        if replaced {
            // A row already shown changed: its filter match may have too.
            self.refilter();
        } else {
            self.admit_appended(from);
        }
    }

    /// The load is complete: sort the rows that came in arrival order (once). A selection the
    /// user moved follows its row; one still on the first row stays on the (new) first row.
    pub fn settle(&mut self) {
        if self.arrival_tail {
            let at_top = self.list.selected == 0 && self.list.offset == 0;
            self.rebuild();
            if at_top {
                self.list.select_first();
            }
        }
    }

    /// Whether rows are shown in arrival order until the load completes.
    pub fn in_arrival_order(&self) -> bool {
        self.arrival_tail
    }

    pub fn remove(&mut self, id: &str) {
        let Some(i) = self.index.remove(id) else {
            return;
        };
        self.rows.remove(i);
        self.hay.remove(i);
        self.sort_name.remove(i);
        std::sync::Arc::make_mut(&mut self.keys).remove(i);
        self.index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        self.loaded = self.loaded.saturating_sub(1);
        self.total = self.total.map(|t| t.saturating_sub(1));
        self.sorted = Default::default();
        self.filter_memo.invalidate();
        self.rebuild();
    }

    pub fn expiry_of(&self, id: &str) -> Expiry {
        soonest_expiry(self.secrets.get(id))
    }

    pub fn selected(&self) -> Option<&ServicePrincipal> {
        self.list.selected_index().map(|i| &self.rows[i])
    }

    /// The principal the current view is about.
    pub fn focused(&self, view: View) -> Option<ServicePrincipal> {
        match view {
            View::PrincipalDetail => self.detail.sp.clone().or_else(|| {
                self.detail
                    .id
                    .as_deref()
                    .and_then(|id| self.get(id).cloned())
            }),
            _ => self.selected().cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A load's announced total reserves room once, but a claim of a trillion rows reserves no
    /// more than a bounded number of them.
    #[test]
    fn an_announced_total_reserves_room_within_a_bound() {
        let mut p = PrincipalsState::default();
        p.reserve_for(Some(120_000));
        assert!(p.rows.capacity() >= 120_000);
        let mut p = PrincipalsState::default();
        p.reserve_for(Some(1_000_000_000_000));
        assert!((250_000..500_000).contains(&p.rows.capacity()));
    }

    /// The one-allocation sort key equals the lower-cased name it replaces, non-ASCII names
    /// (a final sigma, a dotted capital I) included.
    #[test]
    fn sort_key_equals_the_lowercased_name() {
        for name in ["ETL-Bot", "ΟΔΟΣ Σ", "İstanbul ÆØ", ""] {
            let sp = ServicePrincipal {
                id: "9ABC".into(),
                application_id: None,
                display_name: Some(name.into()),
                active: None,
                external_id: None,
                groups: Vec::new(),
                roles: Vec::new(),
                entitlements: Vec::new(),
                extra: serde_json::Map::new(),
            };
            assert_eq!(&*sort_key(&sp), sp.name().to_lowercase(), "{name}");
        }
    }
}
