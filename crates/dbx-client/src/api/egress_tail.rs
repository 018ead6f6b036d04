//! The live tail's cursor: which rows of `system.access.outbound_network` to ask for next, and
//! which of the answer are new.
//!
//! Rows land late (the table is filled after the fact), so each poll asks for
//! `event_time >= watermark - overlap` and drops event ids already seen. A row later than the
//! overlap would be missed, so the overlap is generous (5 minutes by default); ids older than the
//! overlap window are forgotten, which keeps memory bounded.

use super::egress::EgressEvent;
use std::collections::HashMap;

/// Default overlap: longer than the lateness the emulator produces (up to a minute) with margin.
pub const DEFAULT_OVERLAP_MS: i64 = 5 * 60 * 1000;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TailCursor {
    /// Newest event time seen, epoch ms.
    pub watermark_ms: Option<i64>,
    pub overlap_ms: i64,
    /// Ids seen with their event time, for events inside the overlap window.
    seen: HashMap<String, i64>,
}

impl TailCursor {
    pub fn new(overlap_ms: i64) -> Self {
        Self {
            watermark_ms: None,
            overlap_ms,
            seen: HashMap::new(),
        }
    }

    /// Lower bound of the next query: the overlap before the watermark, or `initial_ms` at first.
    pub fn since_ms(&self, initial_ms: i64) -> i64 {
        match self.watermark_ms {
            Some(w) => w - self.overlap_ms,
            None => initial_ms,
        }
    }

    /// The events of `batch` not seen before, newest first; advances the watermark.
    pub fn accept(&mut self, batch: Vec<EgressEvent>) -> Vec<EgressEvent> {
        let mut fresh: Vec<EgressEvent> = Vec::new();
        for e in batch {
            if self.seen.contains_key(&e.event_id) {
                continue;
            }
            self.seen.insert(e.event_id.clone(), e.event_time_ms);
            self.watermark_ms = Some(
                self.watermark_ms
                    .map_or(e.event_time_ms, |w| w.max(e.event_time_ms)),
            );
            fresh.push(e);
        }
        if let Some(w) = self.watermark_ms {
            let horizon = w - self.overlap_ms;
            self.seen.retain(|_, t| *t >= horizon);
        }
        fresh.sort_by(|a, b| {
            b.event_time_ms
                .cmp(&a.event_time_ms)
                .then_with(|| a.event_id.cmp(&b.event_id))
        });
        fresh
    }

    /// How many ids the cursor remembers (bounded by the overlap window).
    pub fn remembered(&self) -> usize {
        self.seen.len()
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
    fn overlap_catches_late_rows_without_doubling() {
        let mut c = TailCursor::new(60_000);
        assert_eq!(c.since_ms(5), 5);
        assert_eq!(
            ids(&c.accept(vec![ev("a", 100_000), ev("b", 110_000)])),
            ["b", "a"]
        );
        assert_eq!(c.since_ms(0), 50_000);
        // Next poll overlaps: a and b again, plus c that happened earlier but landed late.
        let again = c.accept(vec![ev("b", 110_000), ev("a", 100_000), ev("c", 90_000)]);
        assert_eq!(ids(&again), ["c"]);
        assert_eq!(c.watermark_ms, Some(110_000));
    }

    #[test]
    fn equal_timestamps_are_distinct_events() {
        let mut c = TailCursor::new(1000);
        let got = c.accept(vec![ev("x", 5), ev("y", 5), ev("x", 5)]);
        assert_eq!(ids(&got), ["x", "y"]);
        assert!(
            c.accept(vec![ev("y", 5), ev("z", 5)])
                .iter()
                .all(|e| e.event_id == "z")
        );
    }

    #[test]
    fn a_restarted_tail_resumes_from_its_cursor() {
        let mut c = TailCursor::new(10_000);
        c.accept(vec![ev("a", 50_000), ev("b", 55_000)]);
        let saved = c.clone();
        let mut resumed = saved;
        assert_eq!(resumed.since_ms(0), 45_000);
        assert_eq!(
            ids(&resumed.accept(vec![ev("b", 55_000), ev("d", 56_000)])),
            ["d"]
        );
    }

    #[test]
    fn memory_is_bounded_by_the_overlap() {
        let mut c = TailCursor::new(1_000);
        for i in 0..10_000 {
            c.accept(vec![ev(&format!("e{i}"), i * 100)]);
        }
        assert!(c.remembered() <= 11, "{}", c.remembered());
    }
}
