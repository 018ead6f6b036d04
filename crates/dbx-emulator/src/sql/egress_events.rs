//! Blocked-egress events generated from each workspace's live policy binding.
//!
//! Each workspace has a seeded list of destinations its workloads try to reach. An attempt is
//! logged only if the bound policy denies it: RESTRICTED_ACCESS denies what is not allowed
//! (`DROP` when enforced, `DRY_RUN_DENIAL` in dry run or for a product in the dry-run filter);
//! FULL_ACCESS denies only `blocked_internet_destinations`. The policy is read at generation
//! time, so allowing a domain through the API stops its blocks.

use serde_json::{Value, json};

use super::engine::EventRow;

/// What a workspace's workloads try to reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A DNS lookup of this host (storage hosts too: that is how storage often shows up).
    Dns(String),
    /// A storage access to this location (`s3://bucket`, `gs://bucket`, `abfss://c@acct.dfs…`).
    Storage(String),
}

/// The live policy facts the generator needs about one workspace.
#[derive(Debug, Clone)]
pub(crate) struct WorkspacePolicy {
    pub account_id: String,
    pub workspace_id: i64,
    pub cloud: String,
    /// `egress.network_access` of the bound policy (`{}` when it has none).
    pub network_access: Value,
}

/// SplitMix64: tiny, seedable, and good enough for demo data.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn uuid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

const COMMON_DNS: &[&str] = &[
    "pypi.org",
    "files.pythonhosted.org",
    "api.openai.com",
    "registry.npmjs.org",
    "sentry.io",
    "github.com",
    "huggingface.co",
    "cdn-lfs.huggingface.co",
    "api.stripe.com",
    "hooks.slack.com",
    "api.hubapi.com",
    "repo.maven.apache.org",
    "conda.anaconda.org",
    "telemetry.example-vendor.io",
    "partner-api.example-retail.com",
    "pastebin.com",
];

fn cloud_storage(cloud: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match cloud {
        "azure" => (
            &[
                "abfss://raw@contosoexports.dfs.core.windows.net",
                "abfss://ledger@acmefinledger.dfs.core.windows.net",
            ],
            &[
                "contosoexports.blob.core.windows.net",
                "acmefinledger.dfs.core.windows.net",
            ],
        ),
        "gcp" => (
            &["gs://shared-ml-artifacts", "gs://acme-delta-share"],
            &["shared-ml-artifacts.storage.googleapis.com"],
        ),
        _ => (
            &[
                "s3://other-team-bucket",
                "s3://acme-finance-ledger",
                "s3://acme-raw-landing",
                "s3://partner-data-exchange",
            ],
            &[
                "mybucket.s3.us-west-2.amazonaws.com",
                "acme-finance-ledger.s3.us-east-1.amazonaws.com",
                "acme-curated.s3.us-west-2.amazonaws.com",
            ],
        ),
    }
}

/// The seeded list of destinations one workspace tries: always `pypi.org` and
/// `api.openai.com`, a workspace-specific share of the rest, and its cloud's storage.
pub(crate) fn targets_for(workspace_id: i64, cloud: &str) -> Vec<Target> {
    let mut rng = Rng::new(workspace_id as u64 ^ 0x5EED);
    let mut out: Vec<Target> = Vec::new();
    for (i, d) in COMMON_DNS.iter().enumerate() {
        if i < 3 || rng.below(3) > 0 {
            out.push(Target::Dns(d.to_string()));
        }
    }
    let (storage, storage_dns) = cloud_storage(cloud);
    out.extend(storage.iter().map(|s| Target::Storage(s.to_string())));
    out.extend(storage_dns.iter().map(|s| Target::Dns(s.to_string())));
    out
}

/// `(kind, bucket or account, region)` a storage host or URL names, if it names one.
fn storage_key(target: &str) -> Option<(&'static str, String, Option<String>)> {
    let t = target.to_ascii_lowercase();
    if let Some(rest) = t.strip_prefix("s3://") {
        return Some(("AWS_S3", rest.split('/').next()?.to_string(), None));
    }
    if let Some(rest) = t.strip_prefix("gs://") {
        return Some((
            "GOOGLE_CLOUD_STORAGE",
            rest.split('/').next()?.to_string(),
            None,
        ));
    }
    if let Some(rest) = t.strip_prefix("abfss://") {
        let host = rest.split('/').next()?.rsplit('@').next()?;
        return Some(("AZURE_STORAGE", host.split('.').next()?.to_string(), None));
    }
    if let Some(host) = t.strip_suffix(".amazonaws.com") {
        let (bucket, rest) = host.split_once(".s3.")?;
        return Some(("AWS_S3", bucket.to_string(), Some(rest.to_string())));
    }
    if t.ends_with(".core.windows.net") {
        return Some(("AZURE_STORAGE", t.split('.').next()?.to_string(), None));
    }
    if let Some(bucket) = t.strip_suffix(".storage.googleapis.com") {
        return Some(("GOOGLE_CLOUD_STORAGE", bucket.to_string(), None));
    }
    None
}

fn dns_listed(list: &Value, host: &str) -> bool {
    list.as_array().into_iter().flatten().any(|d| {
        let rule = d["destination"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let host = host.to_ascii_lowercase();
        match rule.strip_prefix("*.") {
            Some(suffix) => host.ends_with(&format!(".{suffix}")),
            None => rule == host,
        }
    })
}

fn storage_allowed(access: &Value, target: &str) -> bool {
    let Some((kind, name, region)) = storage_key(target) else {
        return false;
    };
    let list = access["allowed_storage_destinations"].as_array();
    list.into_iter().flatten().any(|s| {
        let same_kind = s["storage_destination_type"] == kind;
        let named = match kind {
            "AZURE_STORAGE" => s["azure_storage_account"].as_str(),
            _ => s["bucket_name"].as_str(),
        };
        let region_ok = match (region.as_deref(), s["region"].as_str()) {
            (Some(r), Some(allowed)) => r.eq_ignore_ascii_case(allowed),
            _ => true,
        };
        same_kind && named.is_some_and(|n| n.eq_ignore_ascii_case(&name)) && region_ok
    })
}

/// The `access_type` a policy logs for this attempt, or `None` when it is not denied.
pub(crate) fn verdict(access: &Value, target: &Target, source: &str) -> Option<&'static str> {
    let (host, is_storage) = match target {
        Target::Dns(h) => (h.as_str(), false),
        Target::Storage(s) => (s.as_str(), true),
    };
    let blocked = !is_storage && dns_listed(&access["blocked_internet_destinations"], host);
    let restricted = access["restriction_mode"] == "RESTRICTED_ACCESS";
    let allowed = if is_storage {
        storage_allowed(access, host)
    } else {
        dns_listed(&access["allowed_internet_destinations"], host) || storage_allowed(access, host)
    };
    if !(blocked || (restricted && !allowed)) {
        return None;
    }
    let enforcement = &access["policy_enforcement"];
    if enforcement["enforcement_mode"] != "DRY_RUN" {
        return Some("DROP");
    }
    let product = match source {
        "DBSQL" => "DBSQL",
        "MLServing" => "ML_SERVING",
        _ => "",
    };
    let filter = enforcement["dry_run_mode_product_filter"].as_array();
    let dry = match filter.filter(|f| !f.is_empty()) {
        None => true,
        Some(f) => f.iter().any(|p| p == product),
    };
    Some(if dry { "DRY_RUN_DENIAL" } else { "DROP" })
}

const SOURCES: &[(&str, u64)] = &[
    ("DBSQL", 30),
    ("General Compute", 35),
    ("MLServing", 15),
    ("ML Build", 10),
    ("Apps", 10),
];

fn source(rng: &mut Rng) -> &'static str {
    let mut roll = rng.below(100);
    for (name, weight) in SOURCES {
        if roll < *weight {
            return name;
        }
        roll -= weight;
    }
    "General Compute"
}

/// How an attempt's event time is chosen.
#[derive(Debug, Clone, Copy)]
pub(crate) enum When {
    /// Live: now, and a quarter of rows arrive late (5–60 s before insertion).
    Live { now_ms: i64 },
    /// Backfill: uniformly over `span_ms` before `now_ms`.
    Spread { now_ms: i64, span_ms: i64 },
}

/// Makes `attempts` connection attempts spread over the workspaces and returns the denied ones.
pub(crate) fn generate(
    rng: &mut Rng,
    workspaces: &[(WorkspacePolicy, Vec<Target>)],
    attempts: usize,
    when: When,
) -> Vec<EventRow> {
    let mut rows = Vec::new();
    if workspaces.is_empty() {
        return rows;
    }
    for _ in 0..attempts {
        let (ws, targets) = rng.pick(workspaces);
        if targets.is_empty() {
            continue;
        }
        let target = rng.pick(targets).clone();
        let src = source(rng);
        let Some(access_type) = verdict(&ws.network_access, &target, src) else {
            continue;
        };
        let event_time_ms = match when {
            When::Live { now_ms } if rng.below(4) == 0 => now_ms - 5_000 - rng.below(55_000) as i64,
            When::Live { now_ms } => now_ms - rng.below(3_000) as i64,
            When::Spread { now_ms, span_ms } => now_ms - rng.below(span_ms.max(1) as u64) as i64,
        };
        let rcode = if access_type == "DROP" { 3 } else { 0 };
        let (destination_type, destination, dns_event, storage_event) = match &target {
            Target::Dns(host) => (
                "DNS",
                host.clone(),
                Some(json!({"domain_name": host, "rcode": rcode}).to_string()),
                None,
            ),
            Target::Storage(url) => {
                let path = format!("/data/part-{:05}.parquet", rng.below(100_000));
                let event = json!({
                    "hostname": url,
                    "path": path,
                    "rejection_reason": "storage-bucket-path-denied",
                });
                ("STORAGE", url.clone(), None, Some(event.to_string()))
            }
        };
        rows.push(EventRow {
            account_id: ws.account_id.clone(),
            workspace_id: ws.workspace_id.to_string(),
            event_id: rng.uuid(),
            destination_type,
            destination,
            dns_event,
            storage_event,
            event_time_ms,
            access_type,
            network_source_type: src,
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(v: Value) -> Value {
        v
    }

    #[test]
    fn verdicts_follow_mode_allow_lists_and_dry_run_filters() {
        let dns = |h: &str| Target::Dns(h.into());
        let restricted = access(json!({
            "restriction_mode": "RESTRICTED_ACCESS",
            "allowed_internet_destinations": [{"destination": "pypi.org"}, {"destination": "*.example.com"}],
            "allowed_storage_destinations": [{"storage_destination_type": "AWS_S3", "bucket_name": "mybucket", "region": "us-west-2"}],
        }));
        assert_eq!(verdict(&restricted, &dns("pypi.org"), "DBSQL"), None);
        assert_eq!(verdict(&restricted, &dns("a.example.com"), "DBSQL"), None);
        assert_eq!(
            verdict(&restricted, &dns("api.openai.com"), "DBSQL"),
            Some("DROP")
        );
        assert_eq!(
            verdict(
                &restricted,
                &dns("mybucket.s3.us-west-2.amazonaws.com"),
                "Apps"
            ),
            None
        );
        assert_eq!(
            verdict(
                &restricted,
                &dns("mybucket.s3.eu-west-1.amazonaws.com"),
                "Apps"
            ),
            Some("DROP")
        );
        assert_eq!(
            verdict(
                &restricted,
                &Target::Storage("s3://mybucket".into()),
                "Apps"
            ),
            None
        );
        assert_eq!(
            verdict(
                &restricted,
                &Target::Storage("s3://other-team-bucket".into()),
                "Apps"
            ),
            Some("DROP")
        );

        let mut dry = restricted.clone();
        dry["policy_enforcement"] = json!({"enforcement_mode": "DRY_RUN"});
        assert_eq!(
            verdict(&dry, &dns("sentry.io"), "Apps"),
            Some("DRY_RUN_DENIAL")
        );
        dry["policy_enforcement"]["dry_run_mode_product_filter"] = json!(["DBSQL"]);
        assert_eq!(
            verdict(&dry, &dns("sentry.io"), "DBSQL"),
            Some("DRY_RUN_DENIAL")
        );
        assert_eq!(
            verdict(&dry, &dns("sentry.io"), "General Compute"),
            Some("DROP")
        );

        let full = json!({"restriction_mode": "FULL_ACCESS", "blocked_internet_destinations": [{"destination": "sentry.io"}]});
        assert_eq!(verdict(&full, &dns("api.openai.com"), "DBSQL"), None);
        assert_eq!(verdict(&full, &dns("sentry.io"), "DBSQL"), Some("DROP"));
        assert_eq!(verdict(&json!({}), &dns("sentry.io"), "DBSQL"), None);
    }

    #[test]
    fn generation_is_seeded_and_late_rows_are_bounded() {
        let ws = WorkspacePolicy {
            account_id: "a".into(),
            workspace_id: 42,
            cloud: "aws".into(),
            network_access: json!({"restriction_mode": "RESTRICTED_ACCESS"}),
        };
        let targets = targets_for(42, "aws");
        assert!(targets.contains(&Target::Dns("pypi.org".into())));
        assert!(targets.contains(&Target::Storage("s3://other-team-bucket".into())));
        let set = vec![(ws, targets)];
        let now_ms = 1_000_000_000;
        let a = generate(&mut Rng::new(7), &set, 200, When::Live { now_ms });
        let b = generate(&mut Rng::new(7), &set, 200, When::Live { now_ms });
        assert_eq!(
            a.len(),
            200,
            "everything is denied under an empty allow-list"
        );
        assert_eq!(
            a.iter().map(|r| &r.event_id).collect::<Vec<_>>(),
            b.iter().map(|r| &r.event_id).collect::<Vec<_>>()
        );
        assert!(
            a.iter()
                .all(|r| r.event_time_ms <= now_ms && r.event_time_ms > now_ms - 60_000)
        );
        assert!(
            a.iter().any(|r| r.event_time_ms < now_ms - 5_000),
            "some rows arrive late"
        );
        let storage = a.iter().find(|r| r.destination_type == "STORAGE").unwrap();
        assert!(
            storage
                .storage_event
                .as_deref()
                .unwrap()
                .contains("storage-bucket-path-denied")
        );
        assert!(storage.dns_event.is_none());
    }
}
