//! The live egress generator's pacing: `--events-per-sec R` means R *logged* (denied) rows a
//! second, measured on the SQL clock. Each wake-up makes the rows due since the last one, so a
//! slow insert or a late wake-up is made up at the next tick instead of lost, and a test drives
//! the rate by moving the clock instead of sleeping.

use super::{Shared, egress_events};
use egress_events::When;

/// At most this much elapsed time is made up in one go (a clock jumped hours ahead by a test
/// or a suspended laptop does not insert hours of rows at once).
const MAX_CATCH_UP_MS: i64 = 60_000;

/// Attempts made per row asked for before giving up: when the live policies deny (almost)
/// nothing, the generator logs what it can instead of spinning.
const MAX_ATTEMPTS_PER_ROW: usize = 50;

/// Rows due at `rate` a second between wake-ups; fractions carry over.
#[derive(Debug, Clone)]
pub(crate) struct Pace {
    last_ms: i64,
    carry: f64,
}

impl Pace {
    pub fn new(now_ms: i64) -> Pace {
        Pace {
            last_ms: now_ms,
            carry: 0.0,
        }
    }

    /// Rows due at `now_ms` since the last call (or since [`Pace::new`]).
    pub fn due(&mut self, now_ms: i64, rate: f64) -> usize {
        let elapsed = (now_ms - self.last_ms).clamp(0, MAX_CATCH_UP_MS);
        self.last_ms = now_ms;
        self.carry += rate * elapsed as f64 / 1000.0;
        let n = self.carry.floor();
        self.carry -= n;
        n as usize
    }
}

/// Makes connection attempts under the live policies until `rows` are denied and logged (or
/// [`MAX_ATTEMPTS_PER_ROW`] attempts per row were made); returns the rows logged.
pub(crate) fn generate_rows(shared: &Shared, rows: usize) -> usize {
    if rows == 0 {
        return 0;
    }
    super::log_generated(shared, |rng, set, now_ms| {
        let mut out = Vec::with_capacity(rows);
        let mut attempts = 0;
        while out.len() < rows && attempts < rows * MAX_ATTEMPTS_PER_ROW {
            // Ask for what is missing; most attempts are denied under the demo's policies.
            let batch = (rows - out.len()).max(16);
            attempts += batch;
            let denied = egress_events::generate(rng, set, batch, When::Live { now_ms });
            out.extend(denied.into_iter().take(rows - out.len()));
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::super::{lock, lock_sql};
    use super::*;
    use crate::{Emulator, EmulatorOptions};

    #[test]
    fn pace_makes_rate_times_elapsed_rows_whatever_the_wake_ups() {
        let mut p = Pace::new(1_000_000);
        // 10 s of clock in uneven steps (a late wake-up included) at 333.3 rows/s.
        let mut total = 0;
        let mut now = 1_000_000;
        for step in [250, 250, 1_700, 3, 247, 7_550] {
            now += step;
            total += p.due(now, 333.3);
        }
        assert_eq!(total, 3_333);
        // The clock going backwards makes nothing; a jump of hours makes at most a minute.
        assert_eq!(p.due(now - 5_000, 1_000.0), 0);
        assert_eq!(p.due(now + 3_600_000, 1_000.0), 60_000);
    }

    /// `--events-per-sec 5000`: ten seconds of the SQL clock log 50,000 denied rows, not 5,000
    /// attempts a second of which only the denied part shows up.
    #[tokio::test]
    async fn ten_seconds_at_5000_a_second_log_50000_rows() {
        let emu = Emulator::start(
            EmulatorOptions {
                egress_events_per_sec: 0.0,
                egress_backfill: 0,
                ..Default::default()
            },
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap();
        let h = emu.handle();
        let t0 = lock_sql(&lock(&h.shared).sql.clone()).now_ms();
        let mut pace = Pace::new(t0);
        let mut logged = 0;
        for tick in 1..=40 {
            logged += generate_rows(&h.shared, pace.due(t0 + tick * 250, 5_000.0));
        }
        assert_eq!(logged, 50_000);
        assert_eq!(h.egress_row_count(), 50_000);
        emu.shutdown().await;
    }
}
