//! The egress tail: polls `system.access.outbound_network` through a SQL warehouse, hands new
//! rows to the UI, and refreshes the by-destination aggregate now and then. It runs until the
//! actor cancels its slot (the user left the pane, paused, or changed the window).

use super::session::Session;
use super::{ActorEvent, Payload, RequestId};
use crate::api::egress::{
    AggregateWindow, DestinationSummary, EgressEvent, by_destination_request, events_request,
};
use crate::api::egress_tail::TailCursor;
use crate::api::sql::{self, SqlError, StatementRequest, StatementResult};
use crate::api::{ApiClient, ApiError};
use std::time::Duration;

pub use crate::api::timestamp::now_ms;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

/// Rows asked for per poll; the first poll shows the newest this many of the window.
const POLL_LIMIT: i32 = 5_000;
/// Refresh the warehouse-computed aggregate every this many polls.
const SUMMARY_EVERY: u32 = 4;

/// What the UI asks the tail to do.
#[derive(Clone, Debug, PartialEq)]
pub struct TailRequest {
    pub warehouse_id: String,
    pub cursor: TailCursor,
    pub window: AggregateWindow,
    pub interval: Duration,
    pub workspace: Option<String>,
    /// The workspace an account profile reads through (None on a workspace profile).
    pub via: Option<super::EgressVia>,
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
    ) -> Result<StatementResult, ApiError> {
        let token = CancellationToken::new();
        let _guard = CancelOnDrop(token.clone());
        let client = client.clone();
        let handle = tokio::spawn(async move { sql::execute(&client, &req, &token).await });
        match handle.await {
            Ok(r) => r.map_err(sql_error),
            Err(e) => Err(ApiError::Local(format!("the query task failed: {e}"))),
        }
    }

    /// Polls until cancelled. A poll that fails (after the client's retries) does not end the
    /// tail: the failure is reported, what was loaded stays, and the next tick tries again.
    pub(super) async fn egress_tail(
        &self,
        id: RequestId,
        req: TailRequest,
        events: &UnboundedSender<ActorEvent>,
    ) -> Result<(), ApiError> {
        let send = |payload| {
            let _ = events.send(ActorEvent::Response { id, payload });
        };
        let client = self.sql_route(req.via.as_ref()).await?.client;
        let ws = req.workspace.as_deref();
        let mut cursor = req.cursor;
        let mut polls: u32 = 0;
        let mut summary_due = true;
        loop {
            if summary_due || polls.is_multiple_of(SUMMARY_EVERY) {
                let as_of_ms = now_ms();
                let summary = Self::run_statement(
                    &client,
                    by_destination_request(&req.warehouse_id, req.window, ws),
                )
                .await
                .and_then(|r| DestinationSummary::from_result(&r).map_err(sql_error));
                match summary {
                    Ok(rows) => {
                        summary_due = false;
                        send(Payload::EgressSummary {
                            rows,
                            as_of_ms,
                            window: req.window,
                        });
                    }
                    Err(ApiError::Cancelled) => return Err(ApiError::Cancelled),
                    Err(e) => send(Payload::EgressPollFailed {
                        message: e.user_message(),
                        at_ms: now_ms(),
                    }),
                }
            }
            let since = cursor.since_ms(req.window.start_ms(now_ms()));
            let poll = Self::run_statement(
                &client,
                events_request(&req.warehouse_id, since, POLL_LIMIT, ws),
            )
            .await
            .and_then(|r| {
                EgressEvent::from_result(&r)
                    .map(|batch| (batch, r.gaps))
                    .map_err(sql_error)
            });
            match poll {
                Ok((batch, gaps)) => {
                    let truncated = batch.len() + gap_rows(&gaps) >= POLL_LIMIT as usize;
                    // The oldest row of a capped poll: the window is covered from there on only.
                    let covered_from_ms = truncated
                        .then(|| batch.iter().map(|e| e.event_time_ms).min())
                        .flatten();
                    let fresh = cursor.accept(batch);
                    send(Payload::EgressEvents {
                        events: fresh,
                        cursor: cursor.clone(),
                        polled_at_ms: now_ms(),
                        truncated,
                        covered_from_ms,
                        gap: crate::api::sql::describe_gaps(&gaps),
                    });
                }
                Err(ApiError::Cancelled) => return Err(ApiError::Cancelled),
                Err(e) => send(Payload::EgressPollFailed {
                    message: e.user_message(),
                    at_ms: now_ms(),
                }),
            }
            polls = polls.wrapping_add(1);
            tokio::time::sleep(req.interval).await;
        }
    }
}

fn gap_rows(gaps: &[crate::api::sql::RowGap]) -> usize {
    gaps.iter().map(|g| g.row_count as usize).sum()
}
