//! `dbx-tui policy list`, `policy get ID`, `policy bind WORKSPACE POLICY --yes`.
//!
//! Policies and bindings are account-level (docs/wire-facts.md §1, §2): these need an account
//! profile. Only `bind` writes, and only with `--yes`; it re-reads the binding first and says
//! what it was.

use super::{Failure, Outcome, OutputFormat, emit};
use crate::api::network_policies::{self, NetworkPolicy};
use crate::api::workspaces::{self, Workspace};
use crate::api::{ApiClient, ApiError, PolicyId};
use crate::cli::{account_client, check_policy_id};
use crate::config::Profile;
use crate::sanitize::terminal_text;
use std::collections::BTreeMap;
use std::io::Write;

/// Exit code of `policy bind` when `--yes` is missing: nothing was written.
pub const EXIT_NOT_CONFIRMED: i32 = 2;

/// The refusal of `policy bind` without `--yes`.
pub const NEEDS_YES: &str =
    "this changes what the workspace's serverless compute may reach; add --yes";

fn clean(s: &str) -> String {
    terminal_text(s).into_owned()
}

fn json_line(value: &impl serde::Serialize) -> String {
    // Plain data with string keys: serialising cannot fail.
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// The policy each workspace is bound to (`None` when its binding could not be read). There is
/// no list endpoint for bindings (docs/wire-facts.md §2): one read per workspace, four at a time.
async fn bindings(
    client: &ApiClient,
    account: &str,
) -> Result<Vec<(Workspace, Option<String>)>, ApiError> {
    use futures::StreamExt;
    let all = workspaces::list(client, account).await?;
    Ok(futures::stream::iter(all)
        .map(|w| async move {
            let b = workspaces::network_option(client, account, w.workspace_id).await;
            (w, b.ok().map(|o| o.network_policy_id.as_str().to_owned()))
        })
        .buffered(4)
        .collect()
        .await)
}

/// `policy list`: one line per policy with the workspaces bound to it (text), or the policies
/// as the server holds them (JSON array).
pub async fn list(profile: &Profile, format: OutputFormat, out: &mut dyn Write) -> Outcome {
    let (client, account) = account_client(profile)?;
    let policies = network_policies::list(&client, &account).await?;
    if format == OutputFormat::Json {
        emit(out, &json_line(&policies))?;
        return Ok(());
    }
    let bound = bindings(&client, &account).await?;
    let unknown = bound.iter().filter(|(_, b)| b.is_none()).count();
    let mut per_policy: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, b) in &bound {
        if let Some(p) = b {
            *per_policy.entry(p.as_str()).or_default() += 1;
        }
    }
    let mut text = format!(
        "{:<32} {:<18} {:<12} {:>7} {:>10}\n",
        "ID", "RESTRICTION", "ENFORCEMENT", "ALLOWED", "WORKSPACES"
    );
    for p in &policies {
        let restriction = p
            .restriction_mode()
            .map_or_else(|| "-".to_owned(), ToString::to_string);
        let allowed = p.internet_destinations().len() + p.storage_destinations().len();
        text.push_str(&format!(
            "{:<32} {:<18} {:<12} {allowed:>7} {:>10}\n",
            clean(p.id()),
            clean(&restriction),
            clean(&p.enforcement_mode().to_string()),
            per_policy.get(p.id()).copied().unwrap_or(0),
        ));
    }
    if unknown > 0 {
        text.push_str(&format!(
            "The binding of {unknown} workspace(s) could not be read: their counts are missing.\n"
        ));
    }
    emit(out, &text)?;
    Ok(())
}

/// `policy get ID`: the policy exactly as the server returned it (JSON), or a summary with the
/// workspaces bound to it (text).
pub async fn get(
    profile: &Profile,
    id: &str,
    format: OutputFormat,
    out: &mut dyn Write,
) -> Outcome {
    check_policy_id(id)?;
    let (client, account) = account_client(profile)?;
    let raw = network_policies::get_raw(&client, &account, &PolicyId(id.to_owned())).await?;
    if format == OutputFormat::Json {
        emit(out, &json_line(&raw))?;
        return Ok(());
    }
    let policy: NetworkPolicy = serde_json::from_value(raw)
        .map_err(|e| Failure::error(format!("the server's policy {id:?} is not readable: {e}")))?;
    let bound = workspaces::bound_to(&client, &account, id).await?;
    emit(out, &render_policy(&policy, &bound))?;
    Ok(())
}

fn section(out: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        out.push_str(&format!("{title}: none\n"));
        return;
    }
    out.push_str(&format!("{title} ({}):\n", items.len()));
    for i in items {
        out.push_str(&format!("  {}\n", clean(i)));
    }
}

/// A policy for a person: modes, destinations, bound workspaces.
pub fn render_policy(policy: &NetworkPolicy, bound: &[Workspace]) -> String {
    let restriction = policy
        .restriction_mode()
        .map_or_else(|| "no egress settings".to_owned(), ToString::to_string);
    let mut out = format!(
        "Policy {}: {}, {}",
        clean(policy.id()),
        clean(&restriction),
        clean(&policy.enforcement_mode().to_string())
    );
    let products: Vec<String> = policy
        .dry_run_products()
        .iter()
        .map(ToString::to_string)
        .collect();
    if !products.is_empty() {
        out.push_str(&format!(" (dry run for {})", clean(&products.join(", "))));
    }
    out.push('\n');
    let internet: Vec<String> = policy
        .internet_destinations()
        .iter()
        .map(|d| d.destination.clone())
        .collect();
    section(&mut out, "Allowed internet destinations", &internet);
    let storage: Vec<String> = policy
        .storage_destinations()
        .iter()
        .map(network_policies::StorageDestination::label)
        .collect();
    section(&mut out, "Allowed storage destinations", &storage);
    let blocked: Vec<String> = policy
        .blocked_destinations()
        .iter()
        .map(|d| d.destination.clone())
        .collect();
    if !blocked.is_empty() {
        section(&mut out, "Blocked internet destinations", &blocked);
    }
    let names: Vec<String> = bound
        .iter()
        .map(|w| format!("{} ({})", w.workspace_name, w.workspace_id))
        .collect();
    section(&mut out, "Bound to workspaces", &names);
    out
}

/// The workspace named by id or by name.
fn find_workspace<'a>(all: &'a [Workspace], wanted: &str) -> Option<&'a Workspace> {
    all.iter()
        .find(|w| w.workspace_id.to_string() == wanted)
        .or_else(|| all.iter().find(|w| w.workspace_name == wanted))
}

/// `policy bind WORKSPACE POLICY`: reads the workspace's binding and says what it is; writes
/// the new one only with `yes`, else ends with [`EXIT_NOT_CONFIRMED`] and writes nothing.
pub async fn bind(
    profile: &Profile,
    workspace: &str,
    policy: &str,
    yes: bool,
    out: &mut dyn Write,
) -> Outcome {
    check_policy_id(policy)?;
    let (client, account) = account_client(profile)?;
    let all = workspaces::list(&client, &account).await?;
    let ws = find_workspace(&all, workspace).ok_or_else(|| {
        Failure::error(format!(
            "no workspace {workspace:?} in account {account} (give its id or name)"
        ))
    })?;
    let target = PolicyId(policy.to_owned());
    // The policy must exist: binding a missing one would fail on the server anyway, and the
    // message is clearer here.
    network_policies::get(&client, &account, &target).await?;
    let current = workspaces::network_option(&client, &account, ws.workspace_id).await?;
    let name = format!("{} ({})", clean(&ws.workspace_name), ws.workspace_id);
    let was = clean(current.network_policy_id.as_str());
    if current.network_policy_id.as_str() == policy {
        emit(
            out,
            &format!("Workspace {name} is already bound to {was}: nothing to change.\n"),
        )?;
        return Ok(());
    }
    if !yes {
        emit(
            out,
            &format!(
                "Workspace {name} is bound to {was}; binding it to {} was not done.\n",
                clean(policy)
            ),
        )?;
        return Err(Failure {
            code: EXIT_NOT_CONFIRMED,
            message: NEEDS_YES.to_owned(),
        });
    }
    workspaces::set_network_option(&client, &account, ws.workspace_id, &target).await?;
    // No concurrency guard on the server (docs/wire-facts.md §2): read back what holds now.
    let now = workspaces::network_option(&client, &account, ws.workspace_id).await?;
    let holds = clean(now.network_policy_id.as_str());
    if now.network_policy_id != target {
        return Err(Failure::error(format!(
            "workspace {name} was bound to {was}; after binding {} it reads {holds} (another change?)",
            clean(policy)
        )));
    }
    emit(
        out,
        &format!("Workspace {name} was bound to {was}; now bound to {holds}.\n"),
    )?;
    Ok(())
}
