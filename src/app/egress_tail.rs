//! The egress tail's answers in the app: pages of new rows merged into the capped ring (newest
//! first), and each poll's report: the warehouse's per-minute counts (the sparkline and the
//! window's total are exact, whatever the ring holds) and how far behind the tail is.

use super::App;
use super::egress::{EgressState, SPARK_MINUTES};
use super::state::Load;
use crate::actor::EgressPayload;
use crate::actor::egress::PollReport;
use crate::api::egress::EgressEvent;
use crate::api::egress_tail::minute_of;
use crate::api::sql::WarehouseState;
use std::cmp::Ordering;
use std::collections::VecDeque;

/// Rows highlighted as new: the newest of the latest page.
const NEW_MARKED: usize = 2_000;

/// Newest first: by time, then by id (the tail's keyset order, reversed).
fn newer_first(a: &EgressEvent, b: &EgressEvent) -> Ordering {
    b.event_time_ms
        .cmp(&a.event_time_ms)
        .then_with(|| b.event_id.cmp(&a.event_id))
}

impl EgressState {
    /// Merge a page of rows into the ring, keeping it newest first and within its cap. The
    /// usual page is newer than everything held and goes in front; a page of late rows is
    /// merged in one pass (never one insertion per row).
    pub fn ingest(&mut self, mut batch: Vec<EgressEvent>) {
        if batch.is_empty() {
            return;
        }
        batch.sort_unstable_by(newer_first);
        self.new_ids = batch
            .iter()
            .take(NEW_MARKED)
            .map(|e| e.event_id.clone())
            .collect();
        let all_newer = self
            .events
            .front()
            .is_none_or(|f| newer_first(&batch[batch.len() - 1], f) != Ordering::Greater);
        if all_newer {
            for e in batch.into_iter().rev() {
                self.events.push_front(e);
            }
        } else {
            let old = std::mem::take(&mut self.events);
            let mut merged = VecDeque::with_capacity((old.len() + batch.len()).min(self.cap));
            let (mut a, mut b) = (old.into_iter().peekable(), batch.into_iter().peekable());
            while merged.len() < self.cap {
                let take_b = match (a.peek(), b.peek()) {
                    (Some(x), Some(y)) => newer_first(y, x) != Ordering::Greater,
                    (None, Some(_)) => true,
                    (Some(_), None) => false,
                    (None, None) => break,
                };
                let next = if take_b { b.next() } else { a.next() };
                merged.extend(next);
            }
            self.dropped += (a.count() + b.count()) as u64;
            self.events = merged;
        }
        while self.events.len() > self.cap {
            self.events.pop_back();
            self.dropped += 1;
        }
    }

    /// The sparkline from the warehouse's per-minute counts: the last [`SPARK_MINUTES`]
    /// minutes up to `now_ms`, oldest first.
    pub fn spark_from(&mut self, per_minute: &[(i64, u64)], now_ms: i64) {
        let now = minute_of(now_ms);
        self.per_minute = vec![0; SPARK_MINUTES];
        for &(t, n) in per_minute {
            let age = now - minute_of(t);
            if (0..SPARK_MINUTES as i64).contains(&age) {
                self.per_minute[SPARK_MINUTES - 1 - age as usize] += n;
            }
        }
    }

    /// Rows in the window the ring does not hold (older than the sample, or not received).
    pub fn not_held(&self) -> u64 {
        self.total
            .map_or(0, |t| t.saturating_sub(self.events.len() as u64))
    }
}

impl App {
    /// An answer of the egress feature (warehouses, or a piece of the tail's poll).
    pub(super) fn on_egress_payload(&mut self, payload: EgressPayload) {
        match payload {
            EgressPayload::Warehouses { list, via } => self.on_warehouses(list, via),
            EgressPayload::PollStarted => self.on_egress_poll_started(),
            EgressPayload::Events { events } => self.on_egress_events(events),
            EgressPayload::Polled(report) => self.on_egress_polled(*report),
            EgressPayload::PollFailed { message, at_ms } => {
                self.state.egress.polling = false;
                self.state.egress.poll_failed = Some((message.clone(), at_ms));
                self.state.last_error = Some(message);
            }
            EgressPayload::Summary {
                rows,
                as_of_ms,
                window,
            } => {
                let names = self.workspace_names();
                let e = &mut self.state.egress;
                if e.window == window {
                    e.summary = rows;
                    e.summary_as_of_ms = Some(as_of_ms);
                    e.summary_load = Load::Loaded;
                    e.rebuild(&names);
                }
            }
        }
    }

    fn on_egress_poll_started(&mut self) {
        self.state.egress.polling = self.state.egress.tailing;
    }

    /// One page of new rows.
    fn on_egress_events(&mut self, events: Vec<EgressEvent>) {
        let names = self.workspace_names();
        let e = &mut self.state.egress;
        e.ingest(events);
        e.rebuild(&names);
    }

    /// A poll ended.
    fn on_egress_polled(&mut self, r: PollReport) {
        let e = &mut self.state.egress;
        e.polling = false;
        e.last_poll_ms = Some(r.polled_at_ms);
        e.poll_failed = None;
        e.behind = r.behind;
        e.total = Some(r.total);
        e.covered_from_ms = r.covered_from_ms;
        e.spark_from(&r.per_minute, r.polled_at_ms);
        // A poll that answered ran on the warehouse: it is up, whatever the list said.
        if let Some(id) = e.warehouse.clone()
            && let Some(w) = e.warehouses.iter_mut().find(|w| w.id == id)
        {
            w.state = Some(WarehouseState::Running);
        }
        if let Some(g) = &r.gap {
            self.state.last_error = Some(format!("egress log: {g}"));
        }
        let e = &mut self.state.egress;
        e.gap = r.gap.or(e.gap.take());
    }
}
