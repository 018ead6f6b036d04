//! Sorting the principals list: the sortable columns, and the sort itself over keys computed
//! once per row (never per comparison).

use super::sort_order::{self, Ascending, WARM_UP_FROM_ROWS, WarmUp};
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
        Self::ALL[(self.index() + 1) % Self::ALL.len()]
    }

    /// The column's place in [`Self::ALL`].
    pub(super) fn index(self) -> usize {
        Self::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// The ascending order per sortable column (indexed as [`SortColumn::ALL`]), the rows in id
/// order, and the background warm-up computing the others, kept until a row is added, replaced
/// or removed.
#[derive(Clone, Debug, Default)]
pub(super) struct SortCache {
    columns: [Option<Arc<Ascending>>; SortColumn::ALL.len()],
    by_id: Option<Arc<Vec<u32>>>,
    warm_up: Option<Arc<WarmUp>>,
}

impl PrincipalsState {
    /// The full comparison of two rows' ids, the tie-break of every column.
    fn id_cmp(&self, a: usize, b: usize) -> Ordering {
        let (x, y) = (self.keys[a], self.keys[b]);
        x.id_prefix().cmp(&y.id_prefix()).then_with(|| {
            if x.id_is_whole() && y.id_is_whole() {
                Ordering::Equal
            } else {
                self.rows[a].id.cmp(&self.rows[b].id)
            }
        })
    }

    /// The column's full comparison of two rows, ascending (for rows whose packed keys tie and
    /// are not whole).
    fn full_cmp(&self, a: usize, b: usize) -> Ordering {
        let (x, y) = (&self.rows[a], &self.rows[b]);
        match self.sort {
            SortColumn::Name => self.sort_name[a].cmp(&self.sort_name[b]),
            SortColumn::ApplicationId => x.application_id.cmp(&y.application_id),
            SortColumn::Active => x.active.cmp(&y.active),
            SortColumn::Id => (x.id.len(), &x.id).cmp(&(y.id.len(), &y.id)),
            SortColumn::ExternalId => x.external_id.cmp(&y.external_id),
            SortColumn::Groups => x.groups.len().cmp(&y.groups.len()),
            SortColumn::Expiry => Ordering::Equal,
        }
    }

    /// Whether two rows whose packed keys tie have equal keys in full.
    fn same_key(&self, a: usize, b: usize) -> bool {
        let whole = |i: usize| self.keys[i].value_is_whole(self.sort);
        (whole(a) && whole(b)) || self.full_cmp(a, b) == Ordering::Equal
    }

    /// Every row in ascending order of the current column (ties by id): the order the packed
    /// keys give (computed by the warm-up thread, or now), with the runs they cannot tell
    /// apart compared in full. Also says which rows' keys equal the previous row's, so the
    /// descending order is the runs of equal keys taken backwards.
    fn ascending(&mut self) -> Ascending {
        let draft = self
            .sorted
            .warm_up
            .as_ref()
            .and_then(|w| w.take(self.sort))
            .unwrap_or_else(|| sort_order::draft(&self.keys, self.sort));
        let mut asc = draft.asc;
        for run in draft.unresolved {
            asc.order[run.clone()].sort_by(|&a, &b| {
                let (a, b) = (a as usize, b as usize);
                self.full_cmp(a, b)
                    .then_with(|| self.rows[a].id.cmp(&self.rows[b].id))
            });
            for k in run.start + 1..run.end {
                asc.same_as_previous[k] =
                    self.same_key(asc.order[k] as usize, asc.order[k - 1] as usize);
            }
        }
        asc
    }

    /// Once a large list is sorted and stays put, compute every other column's order and the
    /// id order in the background (see [`WarmUp`]).
    fn warm_up(&mut self) {
        if self.sorted.warm_up.is_some()
            || self.rows.len() < WARM_UP_FROM_ROWS
            || self.load == Load::Loading
        {
            return;
        }
        let missing: Vec<SortColumn> = SortColumn::ALL
            .into_iter()
            .filter(|c| *c != SortColumn::Expiry && self.sorted.columns[c.index()].is_none())
            .collect();
        self.sorted.warm_up = Some(WarmUp::start(self.keys.clone(), missing));
    }

    /// Every row in id order, kept until a row changes.
    fn by_id(&mut self) -> Arc<Vec<u32>> {
        if let Some(o) = &self.sorted.by_id {
            return o.clone();
        }
        let mut order = self
            .sorted
            .warm_up
            .as_ref()
            .and_then(|w| w.take_by_id())
            .unwrap_or_else(|| sort_order::by_id_prefix(&self.keys));
        if self.keys.iter().any(|k| !k.id_is_whole()) {
            order.sort_by(|&a, &b| self.id_cmp(a as usize, b as usize));
        }
        let order = Arc::new(order);
        self.sorted.by_id = Some(order.clone());
        order
    }

    /// The expiry column's ascending order. Only the rows whose secrets were read (those shown
    /// on screen) have a known expiry; every other row's is unknown and sorts last, by id. So
    /// the order is the few known rows sorted, then the id order without them: a pass over the
    /// rows, where computing and sorting every row's expiry cost several frames.
    fn ascending_by_expiry(&mut self) -> Ascending {
        let mut known: Vec<(Expiry, u32)> = self
            .secrets
            .iter()
            .filter_map(|(id, s)| {
                let i = *self.index.get(id)?;
                Some((super::soonest_expiry(Some(s)), i as u32))
            })
            .collect();
        known.sort_unstable_by(|(x, a), (y, b)| {
            x.cmp(y).then_with(|| self.id_cmp(*a as usize, *b as usize))
        });
        let mut is_known = vec![false; self.rows.len()];
        for &(_, i) in &known {
            is_known[i as usize] = true;
        }
        let by_id = self.by_id();
        let mut order = Vec::with_capacity(self.rows.len());
        let mut same_as_previous = Vec::with_capacity(self.rows.len());
        let mut previous = None;
        for &(e, i) in &known {
            same_as_previous.push(previous == Some(e));
            previous = Some(e);
            order.push(i);
        }
        for &i in by_id.iter().filter(|&&i| !is_known[i as usize]) {
            same_as_previous.push(previous == Some(Expiry::Unknown));
            previous = Some(Expiry::Unknown);
            order.push(i);
        }
        Ascending {
            order,
            same_as_previous,
        }
    }

    /// Sort every row by the current column (ties by id, ascending either way). The ascending
    /// order of each column is computed once and kept until a row changes (the expiry column's
    /// depends on the secrets read so far, so it is built each time from the id order);
    /// descending is that order's runs of equal keys backwards, a pass over the rows. Runs when
    /// the sort changes, when a load settles and on a single-row write; never per page while a
    /// load streams in (those rows are appended in arrival order).
    pub fn resort(&mut self) {
        let slot = self.sort.index();
        let asc = if self.sort == SortColumn::Expiry {
            Arc::new(self.ascending_by_expiry())
        } else if let Some(a) = self.sorted.columns.get(slot).cloned().flatten() {
            a
        } else {
            let a = Arc::new(self.ascending());
            self.sorted.columns[slot] = Some(a.clone());
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
        self.warm_up();
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
    use crate::app::principals::SecretsKnown;

    /// Rows whose keys and ids pass the 16 bytes packed into numbers, tie, or are missing; and
    /// secrets read for some of them (as for those on screen): soonest expiries that tie and
    /// differ, none expiring, none at all, a failed read, and a principal not in the list.
    fn principals(n: u64) -> PrincipalsState {
        let rows: Vec<ServicePrincipal> = (0..n)
            .map(|i| {
                let k = (i * 7919) % 97;
                let active = [None, Some(true), Some(false)][(i % 3) as usize];
                serde_json::from_value(serde_json::json!({
                    "id": if i % 3 == 0 { format!("12345678901234567{i:05}") } else { format!("{}", 100_000 - i) },
                    "displayName": format!("{}-{k}", ["Shared-prefix-longer-than-16", "shared-prefix-longer-than-16", "b", "A"][(i % 4) as usize]),
                    "applicationId": (i % 5 != 0).then(|| format!("{:04}", k % 13)),
                    "externalId": (i % 2 == 0).then(|| format!("ext-long-common-prefix-{}", k % 7)),
                    "active": active,
                }))
                .unwrap()
            })
            .collect();
        let mut p = PrincipalsState::default();
        p.upsert(rows.clone());
        let secret = super::super::expiry::secret_expiring;
        for (k, r) in rows.iter().enumerate().filter(|(k, _)| k % 7 == 0) {
            let known = match k % 5 {
                0 => SecretsKnown::Known(vec![secret(Some("2030-01-01T00:00:00Z"))]),
                1 => SecretsKnown::Known(vec![
                    secret(Some(if k % 2 == 0 {
                        "2029-05-01T00:00:00Z"
                    } else {
                        "2031-01-01T00:00:00Z"
                    })),
                    secret(None),
                ]),
                2 => SecretsKnown::Known(vec![secret(None)]),
                3 => SecretsKnown::Known(Vec::new()),
                _ => SecretsKnown::Failed("no".into()),
            };
            p.secrets.insert(r.id.clone(), known);
        }
        p.secrets
            .insert("not-listed".into(), SecretsKnown::Known(Vec::new()));
        p
    }

    /// Every column, both ways, sorts as the plain comparison of the rows says.
    fn assert_sorts_as_the_plain_comparison(p: &mut PrincipalsState) {
        for col in SortColumn::ALL {
            for desc in [false, true] {
                p.sort = col;
                p.descending = desc;
                p.resort();
                let mut want: Vec<usize> = (0..p.rows.len()).collect();
                want.sort_by(|&a, &b| {
                    let (x, y) = (&p.rows[a], &p.rows[b]);
                    let o = match col {
                        SortColumn::Name => x.name().to_lowercase().cmp(&y.name().to_lowercase()),
                        SortColumn::ApplicationId => x.application_id.cmp(&y.application_id),
                        SortColumn::Active => x.active.cmp(&y.active),
                        SortColumn::Id => (x.id.len(), &x.id).cmp(&(y.id.len(), &y.id)),
                        SortColumn::ExternalId => x.external_id.cmp(&y.external_id),
                        SortColumn::Groups => x.groups.len().cmp(&y.groups.len()),
                        SortColumn::Expiry => p.expiry_of(&x.id).cmp(&p.expiry_of(&y.id)),
                    };
                    let o = if desc { o.reverse() } else { o };
                    o.then_with(|| x.id.cmp(&y.id))
                });
                assert_eq!(p.order, want, "{col:?} descending={desc}");
            }
        }
    }

    #[test]
    fn packed_sort_equals_the_plain_comparison() {
        let mut p = principals(400);
        assert!(p.sorted.warm_up.is_none(), "no warm-up for a short list");
        assert_sorts_as_the_plain_comparison(&mut p);
    }

    /// A large list's orders computed by the warm-up thread (taken by the first sort of each
    /// column, the long keys and ids compared in full afterwards) are the plain comparison's.
    #[test]
    fn orders_from_the_warm_up_thread_equal_the_plain_comparison() {
        let mut p = principals(WARM_UP_FROM_ROWS as u64 + 400);
        let warm = p
            .sorted
            .warm_up
            .clone()
            .expect("a warm-up for a large list");
        assert!(
            warm.wait(std::time::Duration::from_secs(60)),
            "warm-up finished"
        );
        assert_sorts_as_the_plain_comparison(&mut p);
        assert!(
            SortColumn::ALL
                .iter()
                .all(|c| warm.take(*c).is_none() && warm.take_by_id().is_none()),
            "every order the thread computed was used"
        );
    }
}
