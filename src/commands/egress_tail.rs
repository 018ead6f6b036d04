//! `dbx-tui egress tail [--since 1h] [--follow] [--format text|json]`: the events of
//! `system.access.outbound_network` since a window, newest last, through a SQL warehouse
//! (docs/wire-facts.md §6). `--format json` writes one JSON object per line, flushed per line,
//! for piping; `--follow` polls until Ctrl-C, each poll paging until it has caught up with the
//! newest row (or saying on stderr how far behind it is), each row printed once.

use super::{Failure, Outcome, OutputFormat, emit, open_client};
use crate::api::egress::{AggregateWindow, EgressEvent};
use crate::api::egress_poll::{self, PollBudget, TailScope};
use crate::api::egress_tail::{DEFAULT_OVERLAP_MS, SharedCursor, TailCursor};
use crate::api::sql::{self, SqlError};
use crate::api::timestamp::format_timestamp_ms;
use crate::api::{ApiClient, ApiError};
use crate::config::{Profile, ProfileKind};
use crate::sanitize::terminal_text;
use std::io::Write;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A window with more rows than this prints its newest (whole minutes) first.
pub const FIRST_SAMPLE: usize = 100_000;

/// How often `--follow` asks again.
pub const FOLLOW_INTERVAL: Duration = Duration::from_secs(15);

/// What to tail.
#[derive(Clone, Debug)]
pub struct TailArgs {
    /// The start of the window, epoch ms.
    pub since_ms: i64,
    pub follow: bool,
    pub format: OutputFormat,
    pub interval: Duration,
    /// How much one poll may read before it says how far behind it is.
    pub budget: PollBudget,
}

fn sql_error(e: SqlError) -> ApiError {
    match e {
        SqlError::Api(e) => e,
        SqlError::Cancelled => ApiError::Cancelled,
        other => ApiError::Local(other.to_string()),
    }
}

/// The warehouse client: the profile's own on a workspace profile; an account profile reads
/// through a workspace (accounts hosts serve no SQL).
async fn warehouse_client(profile: &Profile) -> Result<ApiClient, ApiError> {
    let client = open_client(profile)?;
    if profile.kind() == ProfileKind::Workspace {
        return Ok(client);
    }
    let (client, account) = crate::cli::account_client(profile)?;
    let all = crate::api::workspaces::list(&client, &account).await?;
    crate::policy_rollout::sql_client(profile, &client, &account, &all).await
}

/// One event as a line for a person; server text is sanitized.
pub fn text_line(e: &EgressEvent) -> String {
    let clean = |s: &str| terminal_text(s).into_owned();
    let mut line = format!(
        "{}  ws {:<18} {:<15} {:<14} {}",
        format_timestamp_ms(e.event_time_ms),
        clean(&e.workspace_id),
        clean(e.access_type.as_str()),
        clean(&e.destination_type),
        clean(&e.destination),
    );
    if let Some(p) = e.storage_path.as_deref().filter(|p| !p.is_empty()) {
        line.push_str(&format!(" {}", clean(p)));
    }
    if let Some(r) = e.rejection_reason.as_deref().filter(|r| !r.is_empty()) {
        line.push_str(&format!("  ({})", clean(r)));
    }
    line.push('\n');
    line
}

/// One event as a JSON line. Server text is data here: the serializer escapes it.
pub fn json_line(e: &EgressEvent) -> String {
    let doc = serde_json::json!({
        "event_id": e.event_id,
        "event_time": format_timestamp_ms(e.event_time_ms),
        "workspace_id": e.workspace_id,
        "access_type": e.access_type.as_str(),
        "destination_type": e.destination_type,
        "destination": e.destination,
        "network_source_type": e.network_source_type,
        "storage_path": e.storage_path,
        "rejection_reason": e.rejection_reason,
    });
    doc.to_string() + "\n"
}

/// Runs the tail until the window is printed (or, with `follow`, until `stop` is cancelled or
/// the reader closes the pipe). Notices (a cut window, a failed poll while following) go to
/// `err`.
pub async fn run(
    profile: &Profile,
    args: &TailArgs,
    stop: &CancellationToken,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let client = tokio::select! {
        () = stop.cancelled() => return Ok(()),
        c = warehouse_client(profile) => c?,
    };
    let warehouses = sql::list_warehouses(&client).await?;
    let warehouse = sql::choose_warehouse(&warehouses, profile.warehouse_id.as_deref())
        .cloned()
        .ok_or_else(|| Failure::error("no SQL warehouse to read the egress log on"))?;
    let cursor = SharedCursor::new(TailCursor::new(DEFAULT_OVERLAP_MS));
    let scope = TailScope {
        warehouse_id: warehouse.id.clone(),
        window: AggregateWindow::Since(args.since_ms),
        workspace: None,
        sample: FIRST_SAMPLE,
    };
    let mut first = true;
    loop {
        let mut closed: Option<std::io::Result<bool>> = None;
        let poll = egress_poll::poll(
            |req| {
                let client = &client;
                async move { sql::execute(client, &req, stop).await }
            },
            &scope,
            &cursor,
            args.budget,
            crate::api::timestamp::now_ms(),
            |rows| {
                for e in &rows {
                    if closed.is_some() {
                        return;
                    }
                    let line = match args.format {
                        OutputFormat::Text => text_line(e),
                        OutputFormat::Json => json_line(e),
                    };
                    match emit(out, &line) {
                        Ok(true) => {}
                        other => closed = Some(other),
                    }
                }
            },
        )
        .await;
        if let Some(r) = closed {
            r?;
            return Ok(());
        }
        match poll {
            Ok(o) => {
                if first && let Some(from) = o.covered_from_ms {
                    let _ = emit(
                        err,
                        &format!(
                            "The window holds {} events: printed the newest, since {}.\n",
                            o.total,
                            format_timestamp_ms(from)
                        ),
                    );
                }
                if let Some(n) = o.behind {
                    let _ = emit(
                        err,
                        &format!(
                            "Behind by {n} events: the poll's budget ran out; the next poll goes on from here.\n"
                        ),
                    );
                }
            }
            Err(SqlError::Cancelled) => return Ok(()),
            // The first answer decides whether the command works at all; later, one failed
            // poll of a long follow is reported and the next one tried.
            Err(e) if first || !args.follow => return Err(sql_error(e).into()),
            Err(e) => {
                let _ = emit(
                    err,
                    &format!(
                        "A poll failed ({}); asking again in {} s.\n",
                        terminal_text(&sql_error(e).user_message()),
                        args.interval.as_secs()
                    ),
                );
            }
        }
        first = false;
        if !args.follow {
            return Ok(());
        }
        tokio::select! {
            () = stop.cancelled() => return Ok(()),
            () = tokio::time::sleep(args.interval) => {}
        }
    }
}
