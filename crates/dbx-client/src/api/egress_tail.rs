//! The live tail's cursor: where the next page of `system.access.outbound_network` starts, and
//! which rows of the minutes not yet complete were received (docs/wire-facts.md §6.4).
//!
//! The tail reads forward in `(event_time, event_id)` order (keyset paging), so a row is read
//! once however fast rows arrive. Rows land late (the table is filled after the fact), so a
//! row can land behind the cursor: the cursor remembers, per minute, a hash of each id it
//! received; once a minute is older than the lateness bound, the warehouse's count for it is
//! compared with what was received, and only a minute that differs is read again (ids already
//! received are dropped). The minute is then complete ("settled") and its ids are forgotten,
//! which keeps memory bounded by the lateness bound.

use super::egress::EgressEvent;
use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Default lateness bound: longer than the lateness the emulator produces (up to a minute)
/// with margin; the real table's latency is UNCONFIRMED.
pub const DEFAULT_OVERLAP_MS: i64 = 5 * 60 * 1000;

pub const MINUTE_MS: i64 = 60_000;

/// The minute (epoch minutes) an event time falls in.
pub fn minute_of(t_ms: i64) -> i64 {
    t_ms.div_euclid(MINUTE_MS)
}

fn id_key(id: &str) -> u64 {
    // SipHash with fixed keys: the same id always gives the same key.
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TailCursor {
    /// How late a row may land after its event time (the overlap kept open).
    pub overlap_ms: i64,
    /// The first event time the tail covers (the window's start, or the edge of the sample).
    floor_ms: Option<i64>,
    /// The newest `(event_time, event_id)` read: the next page starts after it.
    head: Option<(i64, String)>,
    /// Minutes before this one are complete: every row of them was received.
    settled_before: Option<i64>,
    /// Hashes of the ids received in each minute not yet complete.
    minutes: BTreeMap<i64, HashSet<u64>>,
}

impl TailCursor {
    pub fn new(overlap_ms: i64) -> Self {
        Self {
            overlap_ms,
            ..Self::default()
        }
    }

    /// Whether the tail has chosen where it starts.
    pub fn is_started(&self) -> bool {
        self.head.is_some()
    }

    /// Start reading at `from_ms` (inclusive).
    pub fn start_at(&mut self, from_ms: i64) {
        self.floor_ms = Some(from_ms);
        self.head = Some((from_ms, String::new()));
        self.settled_before = Some(minute_of(from_ms));
        self.minutes.clear();
    }

    /// The first event time the tail covers.
    pub fn floor_ms(&self) -> Option<i64> {
        self.floor_ms
    }

    /// The next fresh page starts after this `(event_time, event_id)`.
    pub fn head(&self) -> Option<(i64, &str)> {
        self.head.as_ref().map(|(t, id)| (*t, id.as_str()))
    }

    /// Minutes before this one are complete.
    pub fn settled_before(&self) -> Option<i64> {
        self.settled_before
    }

    /// Rows received so far in a minute that is not complete yet.
    pub fn received(&self, minute: i64) -> u64 {
        self.minutes.get(&minute).map_or(0, |s| s.len() as u64)
    }

    /// The minutes with rows received and not complete yet, oldest first.
    pub fn open_minutes(&self) -> Vec<i64> {
        self.minutes.keys().copied().collect()
    }

    /// The events of `batch` not received before, in the order given; advances the head.
    /// Rows of a complete minute (or before the tail's start) are not new by definition.
    pub fn accept(&mut self, batch: Vec<EgressEvent>) -> Vec<EgressEvent> {
        let mut fresh = Vec::with_capacity(batch.len());
        for e in batch {
            let minute = minute_of(e.event_time_ms);
            if self.settled_before.is_some_and(|s| minute < s)
                || self.floor_ms.is_some_and(|f| e.event_time_ms < f)
            {
                continue;
            }
            if !self
                .minutes
                .entry(minute)
                .or_default()
                .insert(id_key(&e.event_id))
            {
                continue;
            }
            let newer = self
                .head
                .as_ref()
                .is_none_or(|(t, id)| (e.event_time_ms, e.event_id.as_str()) > (*t, id.as_str()));
            if newer {
                self.head = Some((e.event_time_ms, e.event_id.clone()));
            }
            fresh.push(e);
        }
        fresh
    }

    /// Every row of `minute` and the minutes before it was received: forget their ids.
    pub fn settle(&mut self, minute: i64) {
        let keep = self.minutes.split_off(&(minute + 1));
        self.minutes = keep;
        self.settled_before = Some(
            self.settled_before
                .map_or(minute + 1, |s| s.max(minute + 1)),
        );
    }

    /// How many ids the cursor remembers (bounded by the lateness bound).
    pub fn remembered(&self) -> usize {
        self.minutes.values().map(HashSet::len).sum()
    }
}

/// A cursor shared between the app (which keeps it across pauses, restarts and profile
/// switches) and the running tail (which advances it), so it is never copied per poll.
#[derive(Clone, Debug, Default)]
pub struct SharedCursor(Arc<Mutex<TailCursor>>);

impl PartialEq for SharedCursor {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl SharedCursor {
    pub fn new(cursor: TailCursor) -> Self {
        Self(Arc::new(Mutex::new(cursor)))
    }

    /// The cursor; held only briefly, never across an await.
    pub fn lock(&self) -> MutexGuard<'_, TailCursor> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::egress::AccessType;

    fn ev(id: &str, t: i64) -> EgressEvent {
        EgressEvent {
            event_id: id.into(),
            event_time_ms: t,
            workspace_id: "1".into(),
            destination: "x.com".into(),
            destination_type: "DNS".into(),
            access_type: AccessType::Drop,
            network_source_type: None,
            storage_path: None,
            rejection_reason: None,
        }
    }

    fn ids(v: &[EgressEvent]) -> Vec<&str> {
        v.iter().map(|e| e.event_id.as_str()).collect()
    }

    #[test]
    fn keyset_head_advances_and_a_reread_minute_gives_only_late_rows() {
        let mut c = TailCursor::new(60_000);
        c.start_at(60_000);
        assert_eq!(c.head(), Some((60_000, "")));
        assert_eq!(
            ids(&c.accept(vec![ev("a", 100_000), ev("b", 110_000)])),
            ["a", "b"]
        );
        assert_eq!(c.head(), Some((110_000, "b")));
        // The minute is read again: a and b again, plus c that landed late.
        let again = c.accept(vec![ev("a", 100_000), ev("c", 105_000), ev("b", 110_000)]);
        assert_eq!(ids(&again), ["c"]);
        assert_eq!(c.head(), Some((110_000, "b")));
        assert_eq!(c.received(1), 3);
    }

    #[test]
    fn equal_timestamps_are_distinct_events() {
        let mut c = TailCursor::new(1000);
        c.start_at(0);
        let got = c.accept(vec![ev("x", 5), ev("y", 5), ev("x", 5)]);
        assert_eq!(ids(&got), ["x", "y"]);
        assert_eq!(c.head(), Some((5, "y")));
    }

    #[test]
    fn settled_minutes_are_forgotten_and_not_taken_again() {
        let mut c = TailCursor::new(1_000);
        c.start_at(0);
        for i in 0..10_000 {
            c.accept(vec![ev(&format!("e{i}"), i * 100)]);
        }
        assert_eq!(c.remembered(), 10_000);
        c.settle(minute_of(999_999) - 1);
        assert_eq!(c.remembered(), 10_000 - 9_600);
        assert!(c.accept(vec![ev("late", 50)]).is_empty());
        assert_eq!(c.settled_before(), Some(16));
    }

    #[test]
    fn a_shared_cursor_is_one_cursor() {
        let a = SharedCursor::new(TailCursor::new(10));
        let b = a.clone();
        b.lock().start_at(5);
        assert!(a.lock().is_started());
        assert_eq!(a, b);
        assert_ne!(a, SharedCursor::default());
    }
}
