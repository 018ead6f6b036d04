//! The egress tail: polls `system.access.outbound_network` through a SQL warehouse, paging each
//! poll until it has caught up with the newest row (within a budget, else saying how far behind
//! it is), hands new rows to the UI page by page, and refreshes the by-destination aggregate.
//! It runs until the actor cancels its slot (the user left the pane, paused, or changed the
//! window). See docs/wire-facts.md §6.4.

use super::feature::{Feature, Reply};
use super::session::Session;
use super::{EgressVia, Payload};
use crate::api::egress::{AggregateWindow, DestinationSummary, by_destination_request};
use crate::api::egress_poll::{self, PollBudget, TailScope};
use crate::api::egress_tail::SharedCursor;
use crate::api::sql::{self, SqlError, StatementRequest, StatementResult};
use crate::api::{ApiClient, ApiError, WorkspaceId};
use std::time::Duration;

pub use crate::api::timestamp::now_ms;
use tokio_util::sync::CancellationToken;

/// A first poll shows at most about this many of the window's newest rows (the app's cap).
pub const SAMPLE: usize = 100_000;

/// The egress feature's lanes: the newest request of each wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EgressSlot {
    Warehouses,
    /// The long-running tail; cancelled when the user leaves the pane or pauses.
    Tail,
}

/// What the egress pane asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum EgressRequest {
    /// The warehouses to read the egress log with (an account profile: of the workspace it
    /// reads through, picked by the actor).
    ListWarehouses,
    /// Read the egress log through this workspace from now on (remembered per profile), and list
    /// its warehouses.
    ReadThrough(WorkspaceId),
    /// Poll the egress log until cancelled.
    Tail(Box<TailRequest>),
}

impl EgressRequest {
    /// Words for the footer while the request is in flight.
    pub fn label(&self) -> String {
        match self {
            EgressRequest::ListWarehouses => "listing SQL warehouses".into(),
            EgressRequest::ReadThrough(ws) => {
                format!("listing the SQL warehouses of workspace {ws}")
            }
            EgressRequest::Tail(t) => {
                format!("tailing the egress log on warehouse {}", t.warehouse_id)
            }
        }
    }
}

/// What the actor answers to an [`EgressRequest`].
#[derive(Clone, Debug, PartialEq)]
pub enum EgressPayload {
    Warehouses {
        list: Vec<sql::Warehouse>,
        /// The workspace they belong to, when an account profile reads through one.
        via: Option<EgressVia>,
    },
    /// A poll of the tail started (between polls the tail is idle, not pending).
    PollStarted,
    /// New rows of the egress log, one page of a poll (oldest first).
    Events {
        events: Vec<crate::api::egress::EgressEvent>,
    },
    /// A poll of the tail ended: the warehouse's counts, and how far behind it is.
    Polled(Box<PollReport>),
    /// One poll (or the aggregate) failed after its retries; the tail tries again next tick.
    PollFailed { message: String, at_ms: i64 },
    /// The by-destination aggregate, computed by the warehouse over the whole window.
    Summary {
        rows: Vec<DestinationSummary>,
        as_of_ms: i64,
        window: AggregateWindow,
    },
}

impl Feature for EgressRequest {
    async fn execute(self, session: &Session, reply: Reply<'_>) -> Result<(), ApiError> {
        let send = |p| reply.send(Payload::Egress(p));
        match self {
            EgressRequest::ListWarehouses => {
                let (via, list) = session.egress_warehouses(None).await?;
                send(EgressPayload::Warehouses { list, via });
            }
            EgressRequest::ReadThrough(ws) => {
                let (via, list) = session.egress_warehouses(Some(ws)).await?;
                send(EgressPayload::Warehouses { list, via });
            }
            EgressRequest::Tail(t) => session.egress_tail(*t, reply).await?,
        }
        Ok(())
    }
}

/// What the UI asks the tail to do.
#[derive(Clone, Debug, PartialEq)]
pub struct TailRequest {
    pub warehouse_id: String,
    /// Shared with the app, so a restarted tail resumes where this one stopped.
    pub cursor: SharedCursor,
    pub window: AggregateWindow,
    pub interval: Duration,
    pub workspace: Option<String>,
    /// The workspace an account profile reads through (None on a workspace profile).
    pub via: Option<EgressVia>,
    /// How much one poll may read before it reports how far behind it is.
    pub budget: PollBudget,
}

/// What a finished poll tells the UI (counted by the warehouse, not from the rows held).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollReport {
    pub polled_at_ms: i64,
    /// `(minute start, rows)` of the window, oldest first.
    pub per_minute: Vec<(i64, u64)>,
    /// Rows in the window.
    pub total: u64,
    /// The budget ran out with this many rows not received yet.
    pub behind: Option<u64>,
    /// The tail covers the window only from this event time on.
    pub covered_from_ms: Option<i64>,
    /// Rows that could not be read.
    pub gap: Option<String>,
}

fn sql_error(e: SqlError) -> ApiError {
    match e {
        SqlError::Api(e) => e,
        SqlError::Cancelled => ApiError::Cancelled,
        other => ApiError::Local(other.to_string()),
    }
}

/// Cancels the statement's token when dropped, so an aborted tail also cancels the query on the
/// warehouse instead of leaving it running.
struct CancelOnDrop(CancellationToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl Session {
    /// Run one statement in its own task, so that if this (tail) task is aborted the statement
    /// task still sees the cancellation and sends `/cancel` to the warehouse.
    async fn run_statement(
        client: &ApiClient,
        req: StatementRequest,
    ) -> Result<StatementResult, SqlError> {
        let token = CancellationToken::new();
        let _guard = CancelOnDrop(token.clone());
        let client = client.clone();
        let handle = tokio::spawn(async move { sql::execute(&client, &req, &token).await });
        match handle.await {
            Ok(r) => r,
            Err(e) => Err(SqlError::Api(ApiError::Local(format!(
                "the query task failed: {e}"
            )))),
        }
    }

    /// Polls until cancelled. A poll that fails (after the client's retries) does not end the
    /// tail: the failure is reported, what was loaded stays, and the next tick tries again.
    /// The UI is told when a poll starts and ends: only then is the tail "pending".
    async fn egress_tail(&self, req: TailRequest, reply: Reply<'_>) -> Result<(), ApiError> {
        let send = |p| reply.send(Payload::Egress(p));
        let client = self.sql_route(req.via.as_ref()).await?.client;
        let ws = req.workspace.as_deref();
        let scope = TailScope {
            warehouse_id: req.warehouse_id.clone(),
            window: req.window,
            workspace: req.workspace.clone(),
            sample: SAMPLE,
        };
        loop {
            send(EgressPayload::PollStarted);
            let as_of_ms = now_ms();
            // The by-destination counts come from the warehouse on every poll: exact, whatever
            // the tail holds.
            let summary = Self::run_statement(
                &client,
                by_destination_request(&req.warehouse_id, req.window, ws),
            )
            .await
            .and_then(|r| {
                let gap = sql::describe_gaps(&r.gaps);
                DestinationSummary::from_result(&r).map(|rows| (rows, gap))
            });
            // A failed aggregate is reported once the poll has ended (a failure ends a poll).
            let (mut summary_failed, mut summary_gap) = (None, None);
            match summary.map_err(sql_error) {
                Ok((rows, gap)) => {
                    summary_gap = gap;
                    send(EgressPayload::Summary {
                        rows,
                        as_of_ms,
                        window: req.window,
                    });
                }
                Err(ApiError::Cancelled) => return Err(ApiError::Cancelled),
                Err(e) => summary_failed = Some(e.user_message()),
            }
            let poll = egress_poll::poll(
                |r| Self::run_statement(&client, r),
                &scope,
                &req.cursor,
                req.budget,
                now_ms(),
                |rows| send(EgressPayload::Events { events: rows }),
            )
            .await;
            match poll.map_err(sql_error) {
                Ok(o) => send(EgressPayload::Polled(Box::new(PollReport {
                    polled_at_ms: now_ms(),
                    per_minute: o.per_minute,
                    total: o.total,
                    behind: o.behind,
                    covered_from_ms: o.covered_from_ms,
                    gap: o.gap.or(summary_gap),
                }))),
                Err(ApiError::Cancelled) => return Err(ApiError::Cancelled),
                Err(e) => send(EgressPayload::PollFailed {
                    message: e.user_message(),
                    at_ms: now_ms(),
                }),
            }
            if let Some(message) = summary_failed {
                send(EgressPayload::PollFailed {
                    message,
                    at_ms: now_ms(),
                });
            }
            tokio::time::sleep(req.interval).await;
        }
    }
}
