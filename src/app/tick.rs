//! When the screen changes by itself, so the event loop wakes only then: the spinner while a
//! request is visibly pending, a countdown or "ago" text when its next digit turns, and never
//! otherwise (an idle console uses no CPU).

use super::App;
use super::state::View;
use crate::actor::{EgressSlot, Slot};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Spinner frames while a request is visibly pending.
pub const SPINNER_TICK: Duration = Duration::from_millis(120);
/// Wake a little after a displayed value turns, never just before it.
const SLACK: Duration = Duration::from_millis(20);

pub(super) fn ms_of(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// How long until an "ago" text (seconds below a minute, minutes below an hour, else hours)
/// shows another value, given the time elapsed in milliseconds.
fn next_turn(elapsed_ms: i64) -> Duration {
    let unit: i64 = match elapsed_ms {
        ..60_000 => 1_000,
        60_000..3_600_000 => 60_000,
        _ => 3_600_000,
    };
    let left = unit - elapsed_ms.rem_euclid(unit);
    Duration::from_millis(left.max(1) as u64) + SLACK
}

impl App {
    /// Whether the egress tail is running a poll (the actor says when one starts and ends),
    /// as opposed to waiting out the interval between polls, which is not "pending".
    pub fn tail_polling(&self) -> bool {
        let e = &self.state.egress;
        e.tailing && !e.paused && e.polling
    }

    /// Whether a request is visibly pending (the footer shows it with the spinner) and the
    /// spinner must animate.
    pub fn animating(&self, _now: SystemTime) -> bool {
        self.state.connecting.is_some()
            || self
                .state
                .in_flight
                .values()
                .any(|(slot, _)| *slot != Slot::Egress(EgressSlot::Tail) || self.tail_polling())
    }

    /// How long until something on screen changes by itself; `None` when nothing does, and
    /// the loop then waits for input or an answer only.
    pub fn next_tick(&self, now: SystemTime) -> Option<Duration> {
        if self.animating(now) {
            return Some(SPINNER_TICK);
        }
        let now_ms = ms_of(now);
        let mut wake: Option<Duration> = None;
        let mut at = |d: Duration| wake = Some(wake.map_or(d, |w| w.min(d)));
        // The header's token countdown: seconds under a minute, else minutes.
        if let Some(exp) = self.state.session.as_ref().and_then(|s| s.expires_at) {
            let left = ms_of(exp) - now_ms;
            if left > 0 {
                let unit = if left < 60_000 { 1_000 } else { 60_000 };
                at(Duration::from_millis(left.rem_euclid(unit).max(1) as u64) + SLACK);
            }
        }
        if self.state.view == View::Egress {
            let e = &self.state.egress;
            // "polled … ago" and "last block … ago".
            for t in [e.last_poll_ms, e.events.front().map(|ev| ev.event_time_ms)]
                .into_iter()
                .flatten()
            {
                at(next_turn((now_ms - t).max(0)));
            }
        }
        // A live view is read again in the background.
        if let Some(d) = self.refresh_due_in(now) {
            at(d + SLACK);
        }
        wake
    }
}
