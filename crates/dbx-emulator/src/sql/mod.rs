//! SQL warehouses, the Statement Execution API and `system.access.outbound_network`
//! (docs/wire-facts.md §5, §6), run on an embedded SQLite so the app's SQL is really executed.
//!
//! State lives in its own mutex, separate from the account state: a handler takes the account
//! lock only to authorise and read policies, releases it, then takes this one. Never both.
//! Time is the wall clock plus an offset tests can advance ([`EmulatorHandle::advance_sql_clock`]),
//! so warehouse starts and slow statements are driven without sleeping.

mod account_host;
mod egress_events;
mod engine;
mod functions;
mod live;
mod statements;
mod tokens;
mod translate;
mod warehouses;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};

use super::EmulatorHandle;
use super::EmulatorOptions;
use super::state::{Shared, State, lock};
use egress_events::{Rng, Target, When, WorkspacePolicy};
use engine::EventRow;

pub(crate) type SqlShared = Arc<Mutex<SqlState>>;

pub(crate) fn lock_sql(shared: &SqlShared) -> MutexGuard<'_, SqlState> {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Rows older than this are dropped, so a long demo stays bounded.
const RETENTION_MS: i64 = 8 * 24 * 3_600_000;
const BACKFILL_SPAN_MS: i64 = 7 * 24 * 3_600_000;
/// How often the background generator wakes.
const GENERATOR_TICK: Duration = Duration::from_millis(250);

pub(crate) struct SqlState {
    pub engine: engine::Engine,
    pub warehouses: Vec<warehouses::Warehouse>,
    pub statements: HashMap<String, statements::Statement>,
    pub clock_offset: Duration,
    pub warehouse_start_delay: Duration,
    pub statement_delay: Duration,
    pub chunk_rows: usize,
    rng: Rng,
    targets: HashMap<i64, Vec<Target>>,
}

impl SqlState {
    pub fn new(opts: &EmulatorOptions, workspaces: &[serde_json::Value]) -> SqlState {
        SqlState {
            engine: engine::Engine::new(),
            warehouses: warehouses::seed(workspaces),
            statements: HashMap::new(),
            clock_offset: Duration::ZERO,
            warehouse_start_delay: opts.warehouse_start_delay,
            statement_delay: opts.sql_statement_delay,
            chunk_rows: opts.sql_chunk_rows.max(1),
            rng: Rng::new(opts.egress_seed),
            targets: HashMap::new(),
        }
    }

    pub fn now(&self) -> Instant {
        Instant::now() + self.clock_offset
    }

    pub fn now_ms(&self) -> i64 {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        (wall + self.clock_offset).as_millis() as i64
    }
}

/// The SQL routes, behind the accounts-host rule of [`account_host`].
pub(crate) fn routes(shared: Shared) -> Router<Shared> {
    let wh = "/api/2.0/sql/warehouses";
    let st = "/api/2.0/sql/statements";
    Router::new()
        .route(wh, get(warehouses::list))
        .route(&format!("{wh}/{{id}}"), get(warehouses::get_one))
        .route(&format!("{wh}/{{id}}/start"), post(warehouses::start))
        .route(&format!("{wh}/{{id}}/stop"), post(warehouses::stop))
        .route(st, post(statements::execute))
        .route(&format!("{st}/{{id}}"), get(statements::get_status))
        .route(&format!("{st}/{{id}}/cancel"), post(statements::cancel))
        .route(
            &format!("{st}/{{id}}/result/chunks/{{chunk}}"),
            get(statements::get_chunk),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            shared,
            account_host::guard,
        ))
}

/// Every workspace with its bound policy's `egress.network_access`, read now.
fn policy_snapshot(st: &State) -> Vec<WorkspacePolicy> {
    st.workspaces
        .iter()
        .filter_map(|w| {
            let account_id = w["account_id"].as_str()?.to_string();
            let workspace_id = w["workspace_id"].as_i64()?;
            let policy_id = st.binding_of(&account_id, workspace_id);
            let network_access = st
                .policies
                .get(&account_id)
                .and_then(|list| {
                    list.iter()
                        .find(|p| p["network_policy_id"] == policy_id.as_str())
                })
                .map_or_else(
                    || serde_json::json!({}),
                    |p| p["egress"]["network_access"].clone(),
                );
            Some(WorkspacePolicy {
                account_id,
                workspace_id,
                cloud: w["cloud"].as_str().unwrap_or("aws").to_string(),
                network_access,
            })
        })
        .collect()
}

/// Each workspace with the destinations it tries (made once per workspace, then kept).
fn with_targets(
    sql: &mut SqlState,
    snapshot: Vec<WorkspacePolicy>,
) -> Vec<(WorkspacePolicy, Vec<Target>)> {
    snapshot
        .into_iter()
        .map(|ws| {
            let targets = sql
                .targets
                .entry(ws.workspace_id)
                .or_insert_with(|| egress_events::targets_for(ws.workspace_id, &ws.cloud))
                .clone();
            (ws, targets)
        })
        .collect()
}

/// Logs the rows `make` draws (from the random source, each workspace's live policy and
/// destinations, and the SQL clock's now), then drops rows past the retention; returns how many
/// were logged. The one path by which generated rows enter the table.
pub(crate) fn log_generated(
    shared: &Shared,
    make: impl FnOnce(&mut Rng, &[(WorkspacePolicy, Vec<Target>)], i64) -> Vec<EventRow>,
) -> usize {
    let (snapshot, sql) = {
        let st = lock(shared);
        (policy_snapshot(&st), st.sql.clone())
    };
    let mut sql = lock_sql(&sql);
    let now_ms = sql.now_ms();
    let set = with_targets(&mut sql, snapshot);
    let rows = make(&mut sql.rng, &set, now_ms);
    sql.engine.insert(&rows);
    sql.engine.prune(now_ms - RETENTION_MS);
    rows.len()
}

/// Makes `attempts` connection attempts under the live policies; returns the rows logged.
fn generate(shared: &Shared, attempts: usize, backfill: bool) -> usize {
    log_generated(shared, |rng, set, now_ms| {
        let when = if backfill {
            When::Spread {
                now_ms,
                span_ms: BACKFILL_SPAN_MS,
            }
        } else {
            When::Live { now_ms }
        };
        egress_events::generate(rng, set, attempts, when)
    })
}

/// Fills the last 7 days and, when a rate is set, keeps logging `rate` denied rows a second in
/// the background (paced on the SQL clock, see [`live`]).
pub(crate) fn start_generator(
    shared: &Shared,
    opts: &EmulatorOptions,
) -> Option<tokio::task::JoinHandle<()>> {
    if opts.egress_backfill > 0 {
        generate(shared, opts.egress_backfill, true);
    }
    let rate = opts.egress_events_per_sec;
    if rate.is_nan() || rate <= 0.0 {
        return None;
    }
    let shared = shared.clone();
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(GENERATOR_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let sql = lock(&shared).sql.clone();
        let mut pace = live::Pace::new(lock_sql(&sql).now_ms());
        loop {
            tick.tick().await;
            let now_ms = lock_sql(&sql).now_ms();
            live::generate_rows(&shared, pace.due(now_ms, rate));
        }
    }))
}

/// Test and demo hooks for the SQL side.
impl EmulatorHandle {
    fn sql(&self) -> SqlShared {
        lock(&self.shared).sql.clone()
    }

    /// Makes `attempts` connection attempts now, under the live policies (seeded, so a test
    /// gets the same rows every run); returns how many were denied and logged.
    pub fn generate_egress_events(&self, attempts: usize) -> usize {
        generate(&self.shared, attempts, false)
    }

    /// Rows currently in `system.access.outbound_network`.
    pub fn egress_row_count(&self) -> usize {
        lock_sql(&self.sql()).engine.row_count()
    }

    /// Rows of one account's `system.access.outbound_network` (what its workspaces can read).
    pub fn egress_row_count_of(&self, account_id: &str) -> usize {
        lock_sql(&self.sql()).engine.row_count_of(account_id)
    }

    /// How long a statement runs once its warehouse is up (applies to new statements).
    pub fn set_sql_statement_delay(&self, d: Duration) {
        lock_sql(&self.sql()).statement_delay = d;
    }

    /// How long a warehouse takes from STARTING to RUNNING (applies to new starts).
    pub fn set_warehouse_start_delay(&self, d: Duration) {
        lock_sql(&self.sql()).warehouse_start_delay = d;
    }

    /// Moves the SQL clock forward: warehouse starts and statement runs due by then complete.
    pub fn advance_sql_clock(&self, d: Duration) {
        lock_sql(&self.sql()).clock_offset += d;
    }

    /// `(statement_id, state)` of every statement the emulator knows, as last computed.
    pub fn sql_statements(&self) -> Vec<(String, String)> {
        let sql = self.sql();
        let st = lock_sql(&sql);
        let mut out: Vec<(String, String)> = st
            .statements
            .values()
            .map(|s| (s.id.clone(), s.state.as_str().to_string()))
            .collect();
        out.sort();
        out
    }

    /// Ids of a workspace's warehouses, in list order.
    pub fn warehouse_ids(&self, workspace_id: i64) -> Vec<String> {
        let sql = self.sql();
        let st = lock_sql(&sql);
        st.warehouses
            .iter()
            .filter(|w| w.workspace_id == workspace_id)
            .map(|w| w.id.clone())
            .collect()
    }

    /// Drops a finished statement's result, as the service does after a while (state CLOSED).
    pub fn close_sql_statement(&self, id: &str) {
        let sql = self.sql();
        let mut st = lock_sql(&sql);
        if let Some(s) = st.statements.get_mut(id) {
            s.close();
        }
    }
}
