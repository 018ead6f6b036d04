//! A column's ascending order computed from the packed keys alone, so that it can run on
//! another thread: the few runs of rows that tie on their 16-byte prefixes while a key or an
//! id is longer are left for the owner of the rows to compare in full. And the warm-up: once a
//! large list has settled, every other column's order is computed on a background thread, so
//! that the first sort by a column takes a pass over the rows instead of a sort of them (a sort
//! of 120,000 rows costs more than a frame).

use super::SortColumn;
use super::sort_key::RowKey;
use std::ops::Range;
use std::sync::{Arc, Condvar, Mutex, Weak};

/// Below this many rows a sort takes a few milliseconds: no warm-up.
pub(super) const WARM_UP_FROM_ROWS: usize = 20_000;

/// A row's sort key packed into plain numbers: (class, value prefix, id prefix, row). Sorting
/// these contiguous values is what makes a sort of 100,000 rows fast.
type Packed = (u8, u128, u128, u32);

/// One column's ascending order of every row (data indexes), and for each position whether
/// its key equals the previous position's.
#[derive(Debug)]
pub(super) struct Ascending {
    pub(super) order: Vec<u32>,
    pub(super) same_as_previous: Vec<bool>,
}

/// An ascending order computed from the packed keys: final except for the listed runs, whose
/// rows tie on their prefixes while a key or an id is longer than its prefix. Those runs are
/// in id-prefix order, and their `same_as_previous` is not yet known.
#[derive(Debug)]
pub(super) struct Draft {
    pub(super) asc: Ascending,
    pub(super) unresolved: Vec<Range<usize>>,
}

/// The ascending order of `column` (ties by id) as far as the packed keys tell it.
pub(super) fn draft(keys: &[RowKey], column: SortColumn) -> Draft {
    let mut packed: Vec<Packed> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let (class, value) = k.value(column);
            (class, value, k.id_prefix(), i as u32)
        })
        .collect();
    packed.sort_unstable();
    let mut same_as_previous = vec![false; packed.len()];
    let mut unresolved = Vec::new();
    let mut start = 0;
    while start < packed.len() {
        let head = (packed[start].0, packed[start].1);
        let end = start
            + packed[start..]
                .iter()
                .take_while(|p| (p.0, p.1) == head)
                .count();
        if end - start > 1 {
            let whole = packed[start..end].iter().all(|p| {
                let k = keys[p.3 as usize];
                k.value_is_whole(column) && k.id_is_whole()
            });
            if whole {
                same_as_previous[start + 1..end].fill(true);
            } else {
                unresolved.push(start..end);
            }
        }
        start = end;
    }
    Draft {
        asc: Ascending {
            order: packed.iter().map(|p| p.3).collect(),
            same_as_previous,
        },
        unresolved,
    }
}

/// Every row in id-prefix order (rows whose ids are longer than the prefix still to be
/// compared in full by the owner).
pub(super) fn by_id_prefix(keys: &[RowKey]) -> Vec<u32> {
    let mut order: Vec<(u128, u32)> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.id_prefix(), i as u32))
        .collect();
    order.sort_unstable();
    order.into_iter().map(|(_, i)| i).collect()
}

/// Orders computed on a background thread, each taken by the first sort that needs it. Kept
/// in the sort cache, so it is dropped with it when a row changes: the thread then finds
/// nobody holding it and stops, and nothing it computed about the old rows is ever read.
#[derive(Debug, Default)]
pub(super) struct WarmUp {
    ready: Mutex<Ready>,
    /// Signalled when the thread has put its last order.
    finished: Condvar,
}

#[derive(Debug, Default)]
struct Ready {
    columns: [Option<Draft>; SortColumn::ALL.len()],
    by_id: Option<Vec<u32>>,
    done: bool,
}

impl WarmUp {
    /// Start computing the id order and the orders of `columns` from a snapshot of the keys.
    pub(super) fn start(keys: Arc<Vec<RowKey>>, columns: Vec<SortColumn>) -> Arc<WarmUp> {
        let warm = Arc::new(WarmUp::default());
        let weak: Weak<WarmUp> = Arc::downgrade(&warm);
        let work = move || {
            let by_id = by_id_prefix(&keys);
            let Some(w) = weak.upgrade() else { return };
            if let Ok(mut r) = w.ready.lock() {
                r.by_id = Some(by_id);
            }
            drop(w);
            for column in columns {
                let d = draft(&keys, column);
                let Some(w) = weak.upgrade() else { return };
                if let Ok(mut r) = w.ready.lock() {
                    r.columns[column.index()] = Some(d);
                }
            }
            if let Some(w) = weak.upgrade()
                && let Ok(mut r) = w.ready.lock()
            {
                r.done = true;
                w.finished.notify_all();
            }
        };
        // Without a thread, each column is sorted when first asked for, as before.
        if let Err(e) = std::thread::Builder::new()
            .name("sort-warm-up".into())
            .spawn(work)
        {
            tracing::debug!(error = %e, "no warm-up thread for the principals sort");
        }
        warm
    }

    /// The column's order, if the thread has computed it (taken: it is asked for once).
    pub(super) fn take(&self, column: SortColumn) -> Option<Draft> {
        self.ready.lock().ok()?.columns[column.index()].take()
    }

    /// Wait (at most `limit`) until the thread has computed every order; whether it has.
    #[cfg(test)]
    pub(super) fn wait(&self, limit: std::time::Duration) -> bool {
        let Ok(r) = self.ready.lock() else {
            return false;
        };
        self.finished
            .wait_timeout_while(r, limit, |r| !r.done)
            .is_ok_and(|(r, _)| r.done)
    }

    /// The id-prefix order, if the thread has computed it.
    pub(super) fn take_by_id(&self) -> Option<Vec<u32>> {
        self.ready.lock().ok()?.by_id.take()
    }
}
