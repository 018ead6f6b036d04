//! The rollout report: what a dry-run policy would block once it is enforced.
//!
//! A policy in dry run logs `DRY_RUN_DENIAL` rows in `system.access.outbound_network` for every
//! connection it would have blocked (docs/wire-facts.md §6). One `GROUP BY` on the warehouse
//! counts them per destination, workspace and product over a window, for the workspaces bound to
//! the policy; the client folds those groups into one row per destination and marks each row
//! against the policy as it is *now* (an admin may have allowed a destination since it was
//! logged). The same rows answer "what would still be blocked after this change".

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::network_policies::{
    EnforcementMode, NetworkPolicy, RestrictionMode, StorageDestination, StorageDestinationType,
};
use super::sql::{
    self, Param, SqlError, StatementRequest, StatementResult, Warehouse, parse_timestamp_ms,
};
use super::types::PolicyId;
use super::{ApiClient, ApiError, network_policies, workspaces};
use tokio_util::sync::CancellationToken;

/// Groups the warehouse may return; far more than any allow-list could hold (the documented
/// cap is 2,000 destinations), so a cut report says so instead of guessing.
pub const GROUP_LIMIT: u64 = 20_000;

/// The statement for `workspaces` (bound as strings: the column is a string) since `:since`.
/// `with_products` adds `network_source_type`, a column only the newer schema has.
pub fn rollout_sql(workspaces: usize, with_products: bool) -> String {
    let list: Vec<String> = (0..workspaces).map(|i| format!(":w{i}")).collect();
    format!(
        "SELECT COALESCE(dns_event.domain_name, storage_event.hostname, destination) AS dest, \
         destination_type, workspace_id, {product}COUNT(*) AS n, \
         MIN(event_time) AS first_seen, MAX(event_time) AS last_seen \
         FROM system.access.outbound_network \
         WHERE access_type = 'DRY_RUN_DENIAL' AND event_time >= :since \
         AND workspace_id IN ({list}) \
         GROUP BY ALL ORDER BY n DESC LIMIT {GROUP_LIMIT}",
        product = if with_products {
            "network_source_type AS product, "
        } else {
            ""
        },
        list = list.join(", "),
    )
}

/// The rollout query for a warehouse. `workspaces` must not be empty (nothing is bound: there is
/// nothing to ask the warehouse).
pub fn rollout_request(
    warehouse_id: &str,
    since_ms: i64,
    workspaces: &[String],
    with_products: bool,
) -> StatementRequest {
    let mut req =
        StatementRequest::new(&rollout_sql(workspaces.len(), with_products), warehouse_id)
            .param(Param::timestamp_ms("since", since_ms));
    for (i, ws) in workspaces.iter().enumerate() {
        req = req.param(Param::string(&format!("w{i}"), ws.clone()));
    }
    req.row_limit = Some(GROUP_LIMIT);
    req
}

/// Whether a failed rollout query failed only because the table has no `network_source_type`
/// (the older schema): then it is run again without products.
pub fn is_missing_product_column(e: &SqlError) -> bool {
    match e {
        SqlError::Failed { message, .. } => {
            let m = message.to_ascii_lowercase();
            m.contains("network_source_type")
                && (m.contains("unresolved")
                    || m.contains("cannot be resolved")
                    || m.contains("no such column"))
        }
        _ => false,
    }
}

/// What kind of place a destination is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DestinationKind {
    Dns,
    Storage,
    /// `IP` or a type this version does not know.
    Other,
}

/// What enforcing the policy as it is now would do to a destination seen in dry run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    WouldBlock,
    /// The policy allows it now: it changed since these rows were logged.
    AlreadyAllowed,
}

/// A storage location a destination names, as the allow-list would spell it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StorageTarget {
    pub kind: StorageDestinationType,
    /// The bucket (S3, GCS) or the storage account (Azure).
    pub name: String,
    /// The S3 region when the host names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl StorageTarget {
    /// The text of the storage input (`s3://bucket region`, `gs://bucket`, `azure://acct.dfs`).
    pub fn input_text(&self) -> String {
        match self.kind {
            StorageDestinationType::AwsS3 => match &self.region {
                Some(r) => format!("s3://{} {r}", self.name),
                None => format!("s3://{} ", self.name),
            },
            StorageDestinationType::GoogleCloudStorage => format!("gs://{}", self.name),
            _ => format!("azure://{}.dfs", self.name),
        }
    }
}

/// `s3://bucket/…`, `gs://bucket`, `abfss://c@acct.dfs.core.windows.net/…` or a storage host
/// (`bucket.s3.us-west-2.amazonaws.com`, `acct.blob.core.windows.net`,
/// `bucket.storage.googleapis.com`): storage often shows up as DNS rows for such hosts.
pub fn storage_target(dest: &str) -> Option<StorageTarget> {
    let t = dest.trim().to_ascii_lowercase();
    let target = |kind, name: &str, region: Option<&str>| {
        (!name.is_empty()).then(|| StorageTarget {
            kind,
            name: name.to_owned(),
            region: region.map(str::to_owned),
        })
    };
    if let Some(rest) = t.strip_prefix("s3://") {
        return target(StorageDestinationType::AwsS3, rest.split('/').next()?, None);
    }
    if let Some(rest) = t.strip_prefix("gs://") {
        let bucket = rest.split('/').next()?;
        return target(StorageDestinationType::GoogleCloudStorage, bucket, None);
    }
    if let Some(rest) = t
        .strip_prefix("abfss://")
        .or_else(|| t.strip_prefix("azure://"))
    {
        let host = rest.split('/').next()?.rsplit('@').next()?;
        return target(
            StorageDestinationType::AzureStorage,
            host.split('.').next()?,
            None,
        );
    }
    if let Some(host) = t.strip_suffix(".amazonaws.com") {
        let (bucket, rest) = host
            .split_once(".s3.")
            .or_else(|| host.split_once(".s3-"))?;
        let region = rest.split('.').next().filter(|r| *r != "dualstack");
        return target(StorageDestinationType::AwsS3, bucket, region);
    }
    if t.ends_with(".core.windows.net") {
        return target(
            StorageDestinationType::AzureStorage,
            t.split('.').next()?,
            None,
        );
    }
    if let Some(bucket) = t.strip_suffix(".storage.googleapis.com") {
        return target(StorageDestinationType::GoogleCloudStorage, bucket, None);
    }
    None
}

/// One destination the policy logged in dry run, over the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RolloutRow {
    pub destination: String,
    pub kind: DestinationKind,
    /// Set when the destination names a storage location (also for DNS rows of storage hosts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<StorageTarget>,
    pub denials: u64,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    pub workspaces: BTreeSet<String>,
    /// `network_source_type` values; empty when the table has no such column.
    pub products: BTreeSet<String>,
    pub verdict: Verdict,
}

/// The rows of one rollout query, folded per destination and marked against `policy`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RolloutReport {
    pub policy_id: String,
    pub restriction_mode: String,
    pub enforcement_mode: String,
    pub since_ms: i64,
    /// Bound workspaces: `(id, name)`.
    pub workspaces: Vec<(String, String)>,
    /// Most denials first.
    pub rows: Vec<RolloutRow>,
    /// Not every group was read: the warehouse cut them at [`GROUP_LIMIT`], or a result chunk
    /// could not be read.
    pub truncated: bool,
    /// The live table has `network_source_type`.
    pub has_products: bool,
}

/// Fold the warehouse's groups (`dest, destination_type, workspace_id, [product,] n, first_seen,
/// last_seen`) into one row per destination, marked against `policy`.
pub fn fold(result: &StatementResult, policy: &NetworkPolicy) -> Result<Vec<RolloutRow>, String> {
    let col = |name: &str| {
        result
            .column(name)
            .ok_or_else(|| format!("the rollout query answered without a {name} column"))
    };
    let (dest, dtype, ws, n, first, last) = (
        col("dest")?,
        col("destination_type")?,
        col("workspace_id")?,
        col("n")?,
        col("first_seen")?,
        col("last_seen")?,
    );
    let product = result.column("product");
    let mut by_dest: BTreeMap<String, RolloutRow> = BTreeMap::new();
    for r in &result.rows {
        let cell = |i: usize| r.get(i).and_then(Option::as_deref);
        let Some(name) = cell(dest).map(|d| d.trim().trim_end_matches('.').to_owned()) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let count: u64 = cell(n).and_then(|v| v.parse().ok()).unwrap_or(0);
        let first_ms = cell(first).and_then(parse_timestamp_ms).unwrap_or(0);
        let last_ms = cell(last).and_then(parse_timestamp_ms).unwrap_or(0);
        let key = name.to_ascii_lowercase();
        let row = by_dest.entry(key).or_insert_with(|| {
            let storage = storage_target(&name);
            let kind = match cell(dtype) {
                Some(t) if t.eq_ignore_ascii_case("STORAGE") => DestinationKind::Storage,
                Some(t) if t.eq_ignore_ascii_case("DNS") => DestinationKind::Dns,
                _ if storage.is_some() => DestinationKind::Storage,
                _ => DestinationKind::Other,
            };
            RolloutRow {
                destination: name.clone(),
                kind,
                storage,
                denials: 0,
                first_seen_ms: first_ms,
                last_seen_ms: last_ms,
                workspaces: BTreeSet::new(),
                products: BTreeSet::new(),
                verdict: Verdict::WouldBlock,
            }
        });
        row.denials += count;
        row.first_seen_ms = row.first_seen_ms.min(first_ms);
        row.last_seen_ms = row.last_seen_ms.max(last_ms);
        if let Some(w) = cell(ws) {
            row.workspaces.insert(w.to_owned());
        }
        if let Some(p) = product.and_then(cell).filter(|p| !p.is_empty()) {
            row.products.insert(p.to_owned());
        }
    }
    let mut rows: Vec<RolloutRow> = by_dest.into_values().collect();
    for row in &mut rows {
        row.verdict = if allows(policy, row) {
            Verdict::AlreadyAllowed
        } else {
            Verdict::WouldBlock
        };
    }
    rows.sort_by(|a, b| {
        b.denials
            .cmp(&a.denials)
            .then_with(|| a.destination.cmp(&b.destination))
    });
    Ok(rows)
}

/// Whether `policy`, as it is now, lets `row` through once enforced. An explicit block always
/// wins; FULL_ACCESS allows everything else.
pub fn allows(policy: &NetworkPolicy, row: &RolloutRow) -> bool {
    let host = row.destination.to_ascii_lowercase();
    let listed = |list: &[super::network_policies::InternetDestination]| {
        list.iter().any(|d| {
            d.destination
                .trim_end_matches('.')
                .eq_ignore_ascii_case(&host)
        })
    };
    if row.kind != DestinationKind::Storage && listed(policy.blocked_destinations()) {
        return false;
    }
    if policy.restriction_mode() != Some(&RestrictionMode::RestrictedAccess) {
        return true;
    }
    match &row.storage {
        Some(target) => {
            storage_listed(policy.storage_destinations(), target)
                || (row.kind != DestinationKind::Storage && listed(policy.internet_destinations()))
        }
        None => listed(policy.internet_destinations()),
    }
}

fn storage_listed(list: &[StorageDestination], target: &StorageTarget) -> bool {
    list.iter().any(|s| {
        let named = match target.kind {
            StorageDestinationType::AzureStorage => s.azure_storage_account.as_deref(),
            _ => s.bucket_name.as_deref(),
        };
        let region_ok = match (&target.region, &s.region) {
            (Some(r), Some(allowed)) => r.eq_ignore_ascii_case(allowed),
            _ => true,
        };
        s.storage_destination_type.as_ref() == Some(&target.kind)
            && named.is_some_and(|n| n.eq_ignore_ascii_case(&target.name))
            && region_ok
    })
}

impl RolloutReport {
    pub fn new(
        policy: &NetworkPolicy,
        since_ms: i64,
        workspaces: Vec<(String, String)>,
        rows: Vec<RolloutRow>,
        truncated: bool,
        has_products: bool,
    ) -> Self {
        RolloutReport {
            policy_id: policy.id().to_owned(),
            restriction_mode: policy
                .restriction_mode()
                .map_or_else(|| "unset".to_owned(), |m| m.as_str().to_owned()),
            enforcement_mode: policy.enforcement_mode().as_str().to_owned(),
            since_ms,
            workspaces,
            rows,
            truncated,
            has_products,
        }
    }

    /// The rows enforcing would block (the policy as it is now).
    pub fn would_block(&self) -> impl Iterator<Item = &RolloutRow> {
        self.rows
            .iter()
            .filter(|r| r.verdict == Verdict::WouldBlock)
    }

    /// The rows still blocked once `after` (the policy with the chosen allows) is enforced.
    pub fn blocked_after<'a>(
        &'a self,
        after: &'a NetworkPolicy,
    ) -> impl Iterator<Item = &'a RolloutRow> + 'a {
        self.rows.iter().filter(move |r| !allows(after, r))
    }

    /// 0 when nothing seen in the window would be blocked, 3 when something would.
    pub fn exit_code(&self) -> i32 {
        if self.would_block().next().is_some() {
            3
        } else {
            0
        }
    }

    pub fn is_dry_run(&self) -> bool {
        self.enforcement_mode == EnforcementMode::DryRun.as_str()
    }
}

/// A report and where it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutRun {
    pub report: RolloutReport,
    /// `(id, name)` of the warehouse the query ran on; `None` when nothing is bound.
    pub warehouse: Option<(String, String)>,
}

/// The policy and the workspaces bound to it (account APIs).
pub async fn bound_policy(
    client: &ApiClient,
    account: &str,
    id: &str,
) -> Result<(NetworkPolicy, Vec<workspaces::Workspace>), ApiError> {
    let policy = network_policies::get(client, account, &PolicyId(id.to_owned())).await?;
    let bound = workspaces::bound_to(client, account, id).await?;
    Ok((policy, bound))
}

/// The dry-run denials of `bound` since `since_ms`, counted on a warehouse reached with `sql`
/// (a workspace's client: accounts hosts serve no SQL): the `preferred` one (id or name), else
/// one [`sql::choose_warehouse`] picks.
pub async fn report(
    sql: &ApiClient,
    policy: &NetworkPolicy,
    bound: &[workspaces::Workspace],
    since_ms: i64,
    preferred: Option<&str>,
) -> Result<RolloutRun, ApiError> {
    let names: Vec<(String, String)> = bound
        .iter()
        .map(|w| (w.workspace_id.to_string(), w.workspace_name.clone()))
        .collect();
    if names.is_empty() {
        let report = RolloutReport::new(policy, since_ms, names, Vec::new(), false, false);
        return Ok(RolloutRun {
            report,
            warehouse: None,
        });
    }
    let warehouses = sql::list_warehouses(sql).await?;
    let warehouse = sql::choose_warehouse(&warehouses, preferred)
        .cloned()
        .ok_or_else(|| ApiError::Local("no SQL warehouse to read the egress log on".into()))?;
    let ids: Vec<String> = names.iter().map(|(id, _)| id.clone()).collect();
    let (result, has_products) = query(sql, &warehouse, since_ms, &ids).await?;
    let rows = fold(&result, policy).map_err(ApiError::Local)?;
    let report = RolloutReport::new(
        policy,
        since_ms,
        names,
        rows,
        result.truncated || !result.gaps.is_empty(),
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
        let req = rollout_request(&warehouse.id, since_ms, ids, with_products);
        let cancel = cancel.clone();
        async move { sql::execute(client, &req, &cancel).await }
    };
    let as_api = |e: SqlError| match e {
        SqlError::Api(e) => e,
        other => ApiError::Local(other.to_string()),
    };
    match run(true).await {
        Ok(r) => Ok((r, true)),
        Err(e) if is_missing_product_column(&e) => {
            run(false).await.map(|r| (r, false)).map_err(as_api)
        }
        Err(e) => Err(as_api(e)),
    }
}

#[cfg(test)]
#[path = "rollout_tests.rs"]
mod tests;
