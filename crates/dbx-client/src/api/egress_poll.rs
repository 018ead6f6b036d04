//! One poll of the live egress tail (docs/wire-facts.md §6.4): count the window per minute on
//! the warehouse, page forward from the cursor until caught up with the newest row, read again
//! only the minutes whose count says a row landed late, all within a budget of rows and time;
//! when the budget runs out, say how many rows the tail is behind by (from the warehouse's
//! counts, not from what was read). The app's actor and `dbx-tui egress tail --follow` both run
//! it; statements go through the caller's `run`, so each caller keeps its own cancellation.

use super::egress::egress_select;
use super::egress::{AggregateWindow, EgressEvent};
use super::egress_tail::{MINUTE_MS, SharedCursor, minute_of};
use super::sql::{Param, SqlError, StatementRequest, StatementResult, parse_timestamp_ms};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

macro_rules! page_sql {
    ($filter:literal) => {
        concat!(
            egress_select!(),
            "WHERE event_time >= :after_time AND event_time < :until ",
            "AND (event_time > :after_time OR event_id > :after_id)",
            $filter,
            " ORDER BY event_time ASC, event_id ASC LIMIT :limit"
        )
    };
}

/// One keyset page: rows after `(:after_time, :after_id)` and before `:until`, oldest first.
pub const EGRESS_PAGE_SQL: &str = page_sql!("");
/// [`EGRESS_PAGE_SQL`] for one workspace: also `:ws` (STRING).
pub const EGRESS_PAGE_WS_SQL: &str = page_sql!(" AND workspace_id = :ws");

macro_rules! per_minute_sql {
    ($filter:literal) => {
        concat!(
            "SELECT date_trunc('MINUTE', event_time) AS minute, COUNT(*) AS n ",
            "FROM system.access.outbound_network WHERE event_time >= :since",
            $filter,
            " GROUP BY ALL ORDER BY minute"
        )
    };
}

/// Rows per minute since `:since`, counted by the warehouse: the sparkline, the window's total
/// and the check for late rows all come from it.
pub const EGRESS_PER_MINUTE_SQL: &str = per_minute_sql!("");
/// [`EGRESS_PER_MINUTE_SQL`] for one workspace: also `:ws`.
pub const EGRESS_PER_MINUTE_WS_SQL: &str = per_minute_sql!(" AND workspace_id = :ws");

/// How much one poll may read before it stops and reports how far behind it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollBudget {
    pub rows: usize,
    pub time: Duration,
    /// Rows asked for per statement (INLINE results are capped at 25 MiB: ~400 B a row). A page
    /// is in memory three times while it is read (the body, its parse, the events), so smaller
    /// pages keep the process small: 10,000 rows held about 30 MB less than 25,000 at 5,000
    /// rows a second, and polls took about as long.
    pub page_rows: usize,
}

impl Default for PollBudget {
    fn default() -> Self {
        PollBudget {
            rows: 300_000,
            time: Duration::from_secs(10),
            page_rows: 10_000,
        }
    }
}

/// What the tail reads.
#[derive(Clone, Debug, PartialEq)]
pub struct TailScope {
    pub warehouse_id: String,
    pub window: AggregateWindow,
    pub workspace: Option<String>,
    /// A first poll starts at the newest whole minutes holding at most this many rows.
    pub sample: usize,
}

/// What one poll found, beside the rows it delivered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollOutcome {
    /// `(minute start, rows)` of the window, oldest first, counted by the warehouse.
    pub per_minute: Vec<(i64, u64)>,
    /// Rows in the window, counted by the warehouse.
    pub total: u64,
    /// The budget ran out: rows the warehouse holds that the tail has not received yet.
    pub behind: Option<u64>,
    /// Rows read by this poll (fresh and read again).
    pub rows_read: usize,
    /// The tail covers the window only from here (it started at the newest `sample` rows).
    pub covered_from_ms: Option<i64>,
    /// Rows that could not be read (`rows 1,200–1,300 could not be read`).
    pub gap: Option<String>,
}

/// The keyset page request.
pub fn page_request(
    warehouse_id: &str,
    after: (i64, &str),
    until_ms: i64,
    limit: usize,
    workspace_id: Option<&str>,
) -> StatementRequest {
    let sql = if workspace_id.is_some() {
        EGRESS_PAGE_WS_SQL
    } else {
        EGRESS_PAGE_SQL
    };
    let mut req = StatementRequest::new(sql, warehouse_id)
        .param(Param::timestamp_ms("after_time", after.0))
        .param(Param::string("after_id", after.1))
        .param(Param::timestamp_ms("until", until_ms))
        .param(Param::int(
            "limit",
            i32::try_from(limit).unwrap_or(i32::MAX),
        ));
    if let Some(ws) = workspace_id {
        req = req.param(Param::string("ws", ws));
    }
    req
}

/// The per-minute count request.
pub fn per_minute_request(
    warehouse_id: &str,
    since_ms: i64,
    workspace_id: Option<&str>,
) -> StatementRequest {
    let sql = if workspace_id.is_some() {
        EGRESS_PER_MINUTE_WS_SQL
    } else {
        EGRESS_PER_MINUTE_SQL
    };
    let mut req =
        StatementRequest::new(sql, warehouse_id).param(Param::timestamp_ms("since", since_ms));
    if let Some(ws) = workspace_id {
        req = req.param(Param::string("ws", ws));
    }
    req
}

/// `(minute start, rows)` from a per-minute result; unreadable rows are skipped.
pub fn parse_per_minute(result: &StatementResult) -> Result<Vec<(i64, u64)>, SqlError> {
    let col = |name: &str| {
        result.column(name).ok_or_else(|| SqlError::Unexpected {
            statement_id: result.statement_id.clone(),
            reason: format!("the result has no {name} column"),
        })
    };
    let (m, n) = (col("minute")?, col("n")?);
    let mut out: Vec<(i64, u64)> = result
        .rows
        .iter()
        .filter_map(|r| {
            let t = parse_timestamp_ms(r.get(m)?.as_deref()?)?;
            let n = r.get(n)?.as_deref()?.parse().ok()?;
            Some((minute_of(t) * MINUTE_MS, n))
        })
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// Where a first poll starts: the start of the newest whole minutes that hold at most
/// `sample` rows (the newest minute alone if it holds more), or the window's start.
pub fn sample_start(per_minute: &[(i64, u64)], window_start_ms: i64, sample: usize) -> i64 {
    let mut held = 0u64;
    let mut start = window_start_ms;
    for &(minute_ms, n) in per_minute.iter().rev() {
        if held + n > sample as u64 && held > 0 {
            return start;
        }
        held += n;
        start = minute_ms.max(window_start_ms);
    }
    window_start_ms
}

/// Runs one poll: see the module documentation. `deliver` gets each page's new rows, oldest
/// first (a minute read again delivers only its late rows).
pub async fn poll<F, Fut>(
    mut run: F,
    scope: &TailScope,
    cursor: &SharedCursor,
    budget: PollBudget,
    now_ms: i64,
    mut deliver: impl FnMut(Vec<EgressEvent>),
) -> Result<PollOutcome, SqlError>
where
    F: FnMut(StatementRequest) -> Fut,
    Fut: Future<Output = Result<StatementResult, SqlError>>,
{
    let started = Instant::now();
    let ws = scope.workspace.as_deref();
    let wh = scope.warehouse_id.as_str();
    let window_start = scope.window.start_ms(now_ms);
    let counts = parse_per_minute(&run(per_minute_request(wh, window_start, ws)).await?)?;
    {
        let mut c = cursor.lock();
        if !c.is_started() {
            c.start_at(sample_start(&counts, window_start, scope.sample));
        }
    }
    let mut out = PollOutcome::default();
    let mut gaps = Vec::new();
    let spent = |read: usize| read >= budget.rows || started.elapsed() >= budget.time;
    // Fresh rows: page forward from the head until a short page says it is caught up.
    let far = now_ms + 24 * 3_600_000;
    let mut exhausted = false;
    loop {
        if spent(out.rows_read) {
            exhausted = true;
            break;
        }
        let limit = budget.page_rows.min(budget.rows - out.rows_read).max(1);
        let after = cursor.lock().head().map(|(t, id)| (t, id.to_owned()));
        let Some((t, id)) = after else { break };
        let result = run(page_request(wh, (t, &id), far, limit, ws)).await?;
        let n = result.rows.len() + gap_rows(&result);
        let fresh = cursor.lock().accept(EgressEvent::from_result(&result)?);
        gaps.extend(result.gaps.iter().copied());
        out.rows_read += n;
        let moved = cursor.lock().head().is_some_and(|h| h != (t, id.as_str()));
        if !fresh.is_empty() {
            deliver(fresh);
        }
        if n < limit || !moved {
            break;
        }
    }
    // Late rows: a minute past the lateness bound whose count differs is read again.
    let server: BTreeMap<i64, u64> = counts.iter().map(|&(m, n)| (minute_of(m), n)).collect();
    let (overlap, settled, head_t) = {
        let c = cursor.lock();
        (
            c.overlap_ms,
            c.settled_before(),
            c.head().map_or(i64::MIN, |h| h.0),
        )
    };
    let mut minutes: Vec<i64> = server.keys().copied().collect();
    minutes.extend(cursor.lock().open_minutes());
    minutes.sort_unstable();
    minutes.dedup();
    let clock = now_ms.max(head_t);
    for m in minutes
        .into_iter()
        .filter(|&m| settled.is_none_or(|s| m >= s))
    {
        let end = (m + 1) * MINUTE_MS;
        if m * MINUTE_MS > head_t {
            break; // the fresh pages have not read this far
        }
        // Complete: past the lateness bound, and read up to its end.
        let complete = end + overlap <= clock && !(exhausted && end > head_t);
        let want = server.get(&m).copied().unwrap_or(0);
        // A minute short of rows is read again at once while it is small (late rows show at
        // the next poll); a big one only once, when it is complete, so a fast log is read
        // about twice, not once per poll.
        let short = cursor.lock().received(m) < want;
        let small = want <= budget.page_rows as u64;
        if short
            && (complete || small)
            && !reread_minute(
                &mut run,
                scope,
                cursor,
                m,
                budget,
                &mut out,
                &mut gaps,
                &spent,
                &mut deliver,
            )
            .await?
        {
            exhausted = true;
            break;
        }
        if complete {
            cursor.lock().settle(m);
        }
    }
    let mut counts = counts;
    if exhausted {
        // Count again: rows kept landing while this poll read.
        counts = parse_per_minute(&run(per_minute_request(wh, window_start, ws)).await?)?;
        let c = cursor.lock();
        let from = c.settled_before().unwrap_or(i64::MIN);
        out.behind = Some(
            counts
                .iter()
                .filter(|(t, _)| minute_of(*t) >= from)
                .map(|&(t, n)| n.saturating_sub(c.received(minute_of(t))))
                .sum(),
        );
    }
    out.total = counts.iter().map(|c| c.1).sum();
    out.per_minute = counts;
    out.covered_from_ms = cursor
        .lock()
        .floor_ms()
        .filter(|&f| f > window_start + MINUTE_MS);
    out.gap = super::sql::describe_gaps(&gaps);
    Ok(out)
}

/// Reads minute `m` again (keyset pages over it), delivering the rows not received before.
/// `false` when the budget ran out first.
#[allow(
    clippy::too_many_arguments,
    reason = "the poll's state, passed down once"
)]
async fn reread_minute<F, Fut>(
    run: &mut F,
    scope: &TailScope,
    cursor: &SharedCursor,
    m: i64,
    budget: PollBudget,
    out: &mut PollOutcome,
    gaps: &mut Vec<super::sql::RowGap>,
    spent: &impl Fn(usize) -> bool,
    deliver: &mut impl FnMut(Vec<EgressEvent>),
) -> Result<bool, SqlError>
where
    F: FnMut(StatementRequest) -> Fut,
    Fut: Future<Output = Result<StatementResult, SqlError>>,
{
    let end = (m + 1) * MINUTE_MS;
    let floor = cursor.lock().floor_ms().unwrap_or(i64::MIN);
    let mut after = ((m * MINUTE_MS).max(floor), String::new());
    loop {
        if spent(out.rows_read) {
            return Ok(false);
        }
        let limit = budget.page_rows.min(budget.rows - out.rows_read).max(1);
        let req = page_request(
            &scope.warehouse_id,
            (after.0, &after.1),
            end,
            limit,
            scope.workspace.as_deref(),
        );
        let result = run(req).await?;
        let n = result.rows.len() + gap_rows(&result);
        let rows = EgressEvent::from_result(&result)?;
        gaps.extend(result.gaps.iter().copied());
        out.rows_read += n;
        let last = rows.last().map(|e| (e.event_time_ms, e.event_id.clone()));
        let late = cursor.lock().accept(rows);
        if !late.is_empty() {
            deliver(late);
        }
        match last {
            Some(l) if n >= limit => after = l,
            _ => return Ok(true),
        }
    }
}

fn gap_rows(r: &StatementResult) -> usize {
    r.gaps
        .iter()
        .map(|g| usize::try_from(g.row_count).unwrap_or(0))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_poll_starts_at_the_newest_whole_minutes_within_the_sample() {
        let m = |i: i64| i * MINUTE_MS;
        let counts = [(m(10), 50), (m(11), 30), (m(12), 40)];
        assert_eq!(sample_start(&counts, m(9) + 5, 1000), m(9) + 5);
        assert_eq!(sample_start(&counts, m(9), 70), m(11));
        assert_eq!(sample_start(&counts, m(9), 69), m(12));
        // The newest minute alone holds more than the sample: it is read whole.
        assert_eq!(sample_start(&counts, m(9), 10), m(12));
        assert_eq!(sample_start(&[], 7, 10), 7);
    }
}
