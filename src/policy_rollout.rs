//! `dbx-tui policy rollout ID`: the rollout report on the command line, for a change ticket or a
//! script. Exit code 0 when nothing seen in the window would be blocked, 3 when something would.

use crate::api::rollout::{self, RolloutRun, Verdict};
use crate::api::timestamp::{format_minute_utc, format_timestamp_ms};
use crate::api::workspaces::{Workspace, WorkspaceStatus};
use crate::api::{ApiClient, ApiError};
use crate::config::{Profile, ProfileKind};
use crate::sanitize::terminal_text;
use crate::ui::thousands;

/// Output format of `dbx-tui policy rollout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RolloutFormat {
    Text,
    Json,
}

/// Read the policy, the workspaces bound to it and the dry-run denials since `since_ms`.
pub async fn run(profile: &Profile, id: &str, since_ms: i64) -> Result<RolloutRun, ApiError> {
    crate::cli::check_policy_id(id)?;
    let (client, account) = crate::cli::account_client(profile)?;
    let (policy, bound) = rollout::bound_policy(&client, &account, id).await?;
    let preferred = profile.warehouse_id.as_deref();
    if bound.is_empty() {
        return rollout::report(&client, &policy, &bound, since_ms, preferred).await;
    }
    let sql = sql_client(profile, &client, &account, &bound).await?;
    rollout::report(&sql, &policy, &bound, since_ms, preferred).await
}

/// A client for the warehouse: an account host serves no SQL, so an account profile reaches
/// one through a workspace: the profile's `warehouse_workspace` or `workspace_id` (id or name),
/// else the first running workspace bound to the policy, with the same credential.
pub(crate) async fn sql_client(
    profile: &Profile,
    client: &ApiClient,
    account: &str,
    bound: &[Workspace],
) -> Result<ApiClient, ApiError> {
    if profile.kind() == ProfileKind::Workspace {
        return Ok(client.clone());
    }
    let configured = profile
        .other
        .get("warehouse_workspace")
        .or(profile.workspace_id.as_ref())
        .cloned();
    let all;
    let named = match configured {
        Some(c) => {
            all = crate::api::workspaces::list(client, account).await?;
            all.iter()
                .find(|w| w.workspace_id.to_string() == c || w.workspace_name == c)
                .cloned()
        }
        None => None,
    };
    let ws = named
        .or_else(|| {
            bound
                .iter()
                .find(|w| w.workspace_status == Some(WorkspaceStatus::Running))
                .cloned()
        })
        .ok_or_else(|| {
            ApiError::Local(
                "no running workspace to read the egress log through: set warehouse_workspace in the profile"
                    .into(),
            )
        })?;
    let (account_profile, target) = (profile.clone(), ws);
    // Building a credential may read the OS keyring.
    let (ws_profile, provider, headers) = tokio::task::spawn_blocking(move || {
        crate::auth::cross_workspace::workspace_credential(&account_profile, &target)
    })
    .await
    .map_err(|e| ApiError::Local(format!("preparing the workspace credential: {e}")))?
    .map_err(|e| ApiError::Auth(e.to_string()))?;
    let host = ws_profile.host.clone().unwrap_or_default();
    Ok(ApiClient::new(client.http().clone(), &host, provider)
        .with_headers(headers)
        .with_retry(client.retry_policy()))
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
            format_minute_utc(r.since_ms),
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
            format_minute_utc(row.last_seen_ms),
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
