//! Sorting the principals list: the sortable columns, and the sort itself over keys computed
//! once per row (never per comparison).

use super::{Expiry, PrincipalsState};
use crate::app::state::Load;
use std::cmp::Ordering;
use std::sync::Arc;

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

/// The first 16 bytes of a key as a number that orders like the bytes (shorter keys are
/// padded with zeros, so a key and its extension may tie and are then compared in full).
fn prefix(s: &str) -> u128 {
    let mut b = [0u8; 16];
    let n = s.len().min(16);
    b[..n].copy_from_slice(&s.as_bytes()[..n]);
    u128::from_be_bytes(b)
}

/// A row's sort key packed into plain numbers: (class, value prefix, id prefix, row). Sorting
/// these contiguous values is what makes a sort of 100,000 rows fast; the rare rows whose
/// packed keys tie are then compared in full.
type Packed = (u8, u128, u128, u32);

/// One column's ascending order of every row (data indexes), and for each position whether
/// its key equals the previous position's.
#[derive(Debug)]
pub(super) struct Ascending {
    order: Vec<u32>,
    same_as_previous: Vec<bool>,
}

/// The ascending order per sortable column (indexed as [`SortColumn::ALL`]), kept until a row
/// is added, replaced or removed.
pub(super) type SortCache = [Option<Arc<Ascending>>; SortColumn::ALL.len()];

impl PrincipalsState {
    /// The column's key of row `i` as (class, prefix), ascending.
    fn packed_key(&self, i: usize, expiry: Option<&[Expiry]>) -> (u8, u128) {
        let r = &self.rows[i];
        let opt = |o: &Option<String>| o.as_deref().map_or((0, 0), |v| (1, prefix(v)));
        match self.sort {
            SortColumn::Name => (0, prefix(&self.sort_name[i])),
            SortColumn::ApplicationId => opt(&r.application_id),
            SortColumn::ExternalId => opt(&r.external_id),
            SortColumn::Active => (
                match r.active {
                    None => 0,
                    Some(false) => 1,
                    Some(true) => 2,
                },
                0,
            ),
            SortColumn::Id => (r.id.len().min(255) as u8, prefix(&r.id)),
            SortColumn::Groups => (0, r.groups.len() as u128),
            SortColumn::Expiry => match expiry.map_or(Expiry::Unknown, |e| e[i]) {
                Expiry::At(ms) => (0, (i128::from(ms) - i128::from(i64::MIN)) as u128),
                Expiry::Never => (1, 0),
                Expiry::NoSecrets => (2, 0),
                Expiry::Failed => (3, 0),
                Expiry::Unknown => (4, 0),
            },
        }
    }

    /// Whether row `i`'s packed key and id prefix hold its whole key and id.
    fn prefix_is_whole(&self, i: usize) -> bool {
        let r = &self.rows[i];
        let short = |o: &Option<String>| o.as_ref().is_none_or(|v| v.len() <= 16);
        r.id.len() <= 16
            && match self.sort {
                SortColumn::Name => self.sort_name[i].len() <= 16,
                SortColumn::ApplicationId => short(&r.application_id),
                SortColumn::ExternalId => short(&r.external_id),
                _ => true,
            }
    }

    /// The column's full comparison of two rows, ascending (for rows whose packed keys tie).
    fn full_cmp(&self, a: usize, b: usize, expiry: Option<&[Expiry]>) -> Ordering {
        let (x, y) = (&self.rows[a], &self.rows[b]);
        match self.sort {
            SortColumn::Name => self.sort_name[a].cmp(&self.sort_name[b]),
            SortColumn::ApplicationId => x.application_id.cmp(&y.application_id),
            SortColumn::Active => x.active.cmp(&y.active),
            SortColumn::Id => (x.id.len(), &x.id).cmp(&(y.id.len(), &y.id)),
            SortColumn::ExternalId => x.external_id.cmp(&y.external_id),
            SortColumn::Groups => x.groups.len().cmp(&y.groups.len()),
            SortColumn::Expiry => expiry.map_or(Ordering::Equal, |e| e[a].cmp(&e[b])),
        }
    }

    /// Every row in ascending order of the current column (ties by id), with keys computed once
    /// per row and packed into numbers: the lower-cased name is kept per row, the others are
    /// read once per sort, never per comparison. Also says which rows' keys equal the previous
    /// row's, so the descending order is the runs of equal keys taken backwards.
    fn ascending(&self, expiry: Option<&[Expiry]>) -> Ascending {
        let mut keys: Vec<Packed> = (0..self.rows.len())
            .map(|i| {
                let (class, value) = self.packed_key(i, expiry);
                (class, value, prefix(&self.rows[i].id), i as u32)
            })
            .collect();
        keys.sort_unstable();
        // Rows whose value prefixes tie are in id order already; that is the final order
        // unless a key or an id is longer than its 16-byte prefix: then compare that run in full.
        let mut start = 0;
        while start < keys.len() {
            let mut end = start + 1;
            while end < keys.len() && (keys[end].0, keys[end].1) == (keys[start].0, keys[start].1) {
                end += 1;
            }
            if end - start > 1
                && !keys[start..end]
                    .iter()
                    .all(|k| self.prefix_is_whole(k.3 as usize))
            {
                keys[start..end].sort_by(|p, q| {
                    let (a, b) = (p.3 as usize, q.3 as usize);
                    self.full_cmp(a, b, expiry)
                        .then_with(|| self.rows[a].id.cmp(&self.rows[b].id))
                });
            }
            start = end;
        }
        let same_as_previous = (0..keys.len())
            .map(|k| {
                k > 0
                    && (keys[k].0, keys[k].1) == (keys[k - 1].0, keys[k - 1].1)
                    && self.full_cmp(keys[k].3 as usize, keys[k - 1].3 as usize, expiry)
                        == Ordering::Equal
            })
            .collect();
        Ascending {
            order: keys.iter().map(|k| k.3).collect(),
            same_as_previous,
        }
    }

    /// Sort every row by the current column (ties by id, ascending either way). The ascending
    /// order of each column is computed once and kept until a row changes (the expiry column's
    /// depends on the secrets read so far, so it is computed each time); descending is that
    /// order's runs of equal keys backwards, a pass over the rows. Runs when the sort changes,
    /// when a load settles and on a single-row write; never per page while a load streams in
    /// (those rows are appended in arrival order).
    pub fn resort(&mut self) {
        let slot = SortColumn::ALL
            .iter()
            .position(|c| *c == self.sort)
            .unwrap_or(0);
        let asc = if self.sort == SortColumn::Expiry {
            let expiry: Vec<Expiry> = self.rows.iter().map(|r| self.expiry_of(&r.id)).collect();
            Arc::new(self.ascending(Some(&expiry)))
        } else if let Some(a) = self.sorted.get(slot).cloned().flatten() {
            a
        } else {
            let a = Arc::new(self.ascending(None));
            self.sorted[slot] = Some(a.clone());
            a
        };
        self.order.clear();
        if self.descending {
            let mut end = asc.order.len();
            while end > 0 {
                let mut start = end - 1;
                while start > 0 && asc.same_as_previous[start] {
                    start -= 1;
                }
                self.order
                    .extend(asc.order[start..end].iter().map(|&i| i as usize));
                end = start;
            }
        } else {
            self.order.extend(asc.order.iter().map(|&i| i as usize));
        }
        self.arrival_tail = false;
        self.filter_memo.order_changed = true;
    }

    /// The sort column or direction changed. While a load streams in, the rows stay in arrival
    /// order and its end sorts them once, by the new order (a sort per key of every row loaded
    /// so far would be thrown away by the next page); otherwise sort now.
    pub fn sort_changed(&mut self) {
        if self.load == Load::Loading && !self.rows.is_empty() {
            self.arrival_tail = true;
        } else {
            self.rebuild();
        }
    }

    /// Re-sort and re-filter, keeping the selected row.
    pub fn rebuild(&mut self) {
        self.resort();
        self.refilter();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::scim::ServicePrincipal;

    /// Keys and ids past the 16 bytes packed into numbers, ties, and missing values sort as
    /// the plain comparison says, both ways.
    #[test]
    fn packed_sort_equals_the_plain_comparison() {
        let rows: Vec<ServicePrincipal> = (0..400u64)
            .map(|i| {
                let n = (i * 7919) % 97;
                let active = [None, Some(true), Some(false)][(i % 3) as usize];
                serde_json::from_value(serde_json::json!({
                    "id": if i % 3 == 0 { format!("12345678901234567{i:03}") } else { format!("{}", 9000 - i) },
                    "displayName": format!("{}-{n}", ["Shared-prefix-longer-than-16", "shared-prefix-longer-than-16", "b", "A"][(i % 4) as usize]),
                    "applicationId": (i % 5 != 0).then(|| format!("{:04}", n % 13)),
                    "externalId": (i % 2 == 0).then(|| format!("ext-long-common-prefix-{}", n % 7)),
                    "active": active,
                }))
                .unwrap()
            })
            .collect();
        let mut p = PrincipalsState::default();
        p.upsert(rows.clone());
        for col in SortColumn::ALL {
            for desc in [false, true] {
                p.sort = col;
                p.descending = desc;
                p.resort();
                let mut want: Vec<usize> = (0..rows.len()).collect();
                want.sort_by(|&a, &b| {
                    let (x, y) = (&p.rows[a], &p.rows[b]);
                    let o = match col {
                        SortColumn::Name => x.name().to_lowercase().cmp(&y.name().to_lowercase()),
                        SortColumn::ApplicationId => x.application_id.cmp(&y.application_id),
                        SortColumn::Active => x.active.cmp(&y.active),
                        SortColumn::Id => (x.id.len(), &x.id).cmp(&(y.id.len(), &y.id)),
                        SortColumn::ExternalId => x.external_id.cmp(&y.external_id),
                        SortColumn::Groups => x.groups.len().cmp(&y.groups.len()),
                        SortColumn::Expiry => Ordering::Equal,
                    };
                    let o = if desc { o.reverse() } else { o };
                    o.then_with(|| x.id.cmp(&y.id))
                });
                assert_eq!(p.order, want, "{col:?} descending={desc}");
            }
        }
    }
}
