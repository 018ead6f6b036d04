//! `dbx-tui policy rollout ID`: the rollout report on the command line, for a change ticket or a
//! script. Exit code 0 when nothing seen in the window would be blocked, 3 when something would.

use crate::api::rollout::{self, RolloutReport, Verdict};
use crate::api::sql::{self, SqlError, Warehouse};
use crate::api::timestamp::format_timestamp_ms;
use crate::api::{ApiClient, ApiError, PolicyId, network_policies, workspaces};
use crate::config::Profile;
use crate::sanitize::terminal_text;
use crate::ui::thousands;
use tokio_util::sync::CancellationToken;

/// Output format of `dbx-tui policy rollout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RolloutFormat {
    Text,
    Json,
}

/// A report and where it was read.
pub struct RolloutRun {
    pub report: RolloutReport,
    /// `(id, name)` of the warehouse the query ran on; `None` when nothing is bound.
    pub warehouse: Option<(String, String)>,
}

/// Read the policy, the workspaces bound to it and the dry-run denials since `since_ms`.
pub async fn run(profile: &Profile, id: &str, since_ms: i64) -> Result<RolloutRun, ApiError> {
    crate::cli::check_policy_id(id)?;
    let (client, account) = crate::cli::account_client(profile)?;
    let policy = network_policies::get(&client, &account, &PolicyId(id.to_owned())).await?;
    let bound: Vec<(String, String)> = workspaces::bound_to(&client, &account, id)
        .await?
        .into_iter()
        .map(|w| (w.workspace_id.to_string(), w.workspace_name))
        .collect();
    if bound.is_empty() {
        let report = RolloutReport::new(&policy, since_ms, bound, Vec::new(), false, false);
        return Ok(RolloutRun {
            report,
            warehouse: None,
        });
    }
    let warehouses = sql::list_warehouses(&client).await?;
    let warehouse = sql::choose_warehouse(&warehouses, profile.warehouse_id.as_deref())
        .cloned()
        .ok_or_else(|| ApiError::Local("no SQL warehouse to read the egress log on".into()))?;
    let ids: Vec<String> = bound.iter().map(|(id, _)| id.clone()).collect();
    let (result, has_products) = query(&client, &warehouse, since_ms, &ids).await?;
    let rows = rollout::fold(&result, &policy).map_err(ApiError::Local)?;
    let report = RolloutReport::new(
        &policy,
        since_ms,
        bound,
        rows,
        result.truncated,
        has_products,
    );
    Ok(RolloutRun {
        report,
        warehouse: Some((warehouse.id, warehouse.name)),
    })
}

/// The grouped query, again without products when the table is of the older schema.
async fn query(
    client: &ApiClient,
    warehouse: &Warehouse,
    since_ms: i64,
    ids: &[String],
) -> Result<(sql::StatementResult, bool), ApiError> {
    let cancel = CancellationToken::new();
    let run = |with_products| {
        let req = rollout::rollout_request(&warehouse.id, since_ms, ids, with_products);
        let cancel = cancel.clone();
        async move { sql::execute(client, &req, &cancel).await }
    };
    let as_api = |e: SqlError| match e {
        SqlError::Api(e) => e,
        other => ApiError::Local(other.to_string()),
    };
    match run(true).await {
        Ok(r) => Ok((r, true)),
        Err(e) if rollout::is_missing_product_column(&e) => {
            run(false).await.map(|r| (r, false)).map_err(as_api)
        }
        Err(e) => Err(as_api(e)),
    }
}

fn minutes(ms: i64) -> String {
    // `2026-11-25T13:00:00.123Z` → `2026-11-25 13:00Z`
    let t = format_timestamp_ms(ms);
    format!("{} {}Z", &t[..10], &t[11..16])
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The report as text for a person: a summary, then one line per destination.
pub fn render_text(run: &RolloutRun) -> String {
    let r = &run.report;
    let clean = |s: &str| terminal_text(s).into_owned();
    let mut out = format!(
        "Policy {}: {}, {}\n",
        clean(&r.policy_id),
        r.restriction_mode,
        r.enforcement_mode
    );
    if r.workspaces.is_empty() {
        out.push_str(
            "Bound to no workspace: nothing runs under it, so enforcing it blocks nothing.\n",
        );
        return out;
    }
    let names: Vec<String> = r
        .workspaces
        .iter()
        .map(|(id, name)| format!("{} ({id})", clean(name)))
        .collect();
    out.push_str(&format!(
        "Bound to {}: {}\n",
        plural(names.len(), "workspace", "workspaces"),
        names.join(", ")
    ));
    if let Some((id, name)) = &run.warehouse {
        out.push_str(&format!(
            "Dry-run denials since {}, read on warehouse {} ({})\n",
            minutes(r.since_ms),
            clean(name),
            clean(id)
        ));
    }
    let blocked = r.would_block().count();
    let allowed = r.rows.len() - blocked;
    out.push_str(&format!(
        "Enforcing it now would block {blocked} of the {} seen ({allowed} already allowed).\n",
        plural(r.rows.len(), "destination", "destinations"),
    ));
    if r.truncated {
        out.push_str(&format!(
            "The warehouse cut the answer at {} groups: more destinations may exist.\n",
            thousands(rollout::GROUP_LIMIT)
        ));
    }
    if !r.is_dry_run() {
        out.push_str("The policy is not in dry run: only rows logged while it was are counted.\n");
    }
    if r.rows.is_empty() {
        return out;
    }
    out.push_str(&format!(
        "\n{:<14} {:>9}  {:<8} {:<40} {:>4}  {:<24} {}\n",
        "VERDICT", "DENIALS", "TYPE", "DESTINATION", "WS", "PRODUCTS", "LAST SEEN"
    ));
    for row in &r.rows {
        let verdict = match row.verdict {
            Verdict::WouldBlock => "would block",
            Verdict::AlreadyAllowed => "already allowed",
        };
        let kind = match row.kind {
            rollout::DestinationKind::Dns => "DNS",
            rollout::DestinationKind::Storage => "STORAGE",
            rollout::DestinationKind::Other => "OTHER",
        };
        let products: Vec<String> = row.products.iter().map(|p| clean(p)).collect();
        out.push_str(&format!(
            "{verdict:<14} {:>9}  {kind:<8} {:<40} {:>4}  {:<24} {}\n",
            thousands(row.denials),
            clean(&row.destination),
            row.workspaces.len(),
            if products.is_empty() {
                "-".to_owned()
            } else {
                products.join(", ")
            },
            minutes(row.last_seen_ms),
        ));
    }
    out
}

/// The report as one JSON document, for scripts. Server text is data here, not drawn, so it is
/// passed through as JSON strings (escaped by the serializer).
pub fn render_json(run: &RolloutRun) -> String {
    let warehouse = run
        .warehouse
        .as_ref()
        .map(|(id, name)| serde_json::json!({"id": id, "name": name}));
    let doc = serde_json::json!({
        "since": format_timestamp_ms(run.report.since_ms),
        "warehouse": warehouse,
        "would_block": run.report.would_block().count(),
        "report": run.report,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
