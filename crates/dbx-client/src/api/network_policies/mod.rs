//! Account network policies: serverless egress control (docs/wire-facts.md §1).
//!
//! Update is a PUT of the whole object with no etag, so every struct keeps unknown fields in
//! `extra` and writes them back untouched.

pub mod change;
pub mod export;
pub mod readback;
pub mod validate;

use super::types::PolicyId;
use super::{ApiClient, ApiError};
use crate::lenient_enum;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

lenient_enum!(RestrictionMode { FullAccess => "FULL_ACCESS", RestrictedAccess => "RESTRICTED_ACCESS" });
lenient_enum!(EnforcementMode { Enforced => "ENFORCED", DryRun => "DRY_RUN" });
lenient_enum!(InternetDestinationType { DnsName => "DNS_NAME" });
lenient_enum!(StorageDestinationType {
    AwsS3 => "AWS_S3",
    AzureStorage => "AZURE_STORAGE",
    GoogleCloudStorage => "GOOGLE_CLOUD_STORAGE",
});
lenient_enum!(DryRunProduct { Dbsql => "DBSQL", MlServing => "ML_SERVING" });

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_policy_id: Option<PolicyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Egress>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Egress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<NetworkAccess>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkAccess {
    pub restriction_mode: RestrictionMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_internet_destinations: Option<Vec<InternetDestination>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_storage_destinations: Option<Vec<StorageDestination>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_internet_destinations: Option<Vec<InternetDestination>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_databricks_destinations: Option<Vec<DatabricksDestination>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_enforcement: Option<PolicyEnforcement>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InternetDestination {
    pub destination: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internet_destination_type: Option<InternetDestinationType>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StorageDestination {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_destination_type: Option<StorageDestinationType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_storage_account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_storage_service: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatabricksDestination {
    #[serde(default)]
    pub workspace_ids: Vec<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyEnforcement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforcement_mode: Option<EnforcementMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run_mode_product_filter: Option<Vec<DryRunProduct>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl StorageDestination {
    /// One line naming the destination: `s3://bucket (us-west-2)`, `acct.dfs`, `gs://bucket`.
    pub fn label(&self) -> String {
        match self.storage_destination_type {
            Some(StorageDestinationType::AzureStorage) => format!(
                "{}.{}",
                self.azure_storage_account.as_deref().unwrap_or("?"),
                self.azure_storage_service.as_deref().unwrap_or("*")
            ),
            Some(StorageDestinationType::GoogleCloudStorage) => {
                format!("gs://{}", self.bucket_name.as_deref().unwrap_or("?"))
            }
            _ => {
                let bucket = format!("s3://{}", self.bucket_name.as_deref().unwrap_or("?"));
                match &self.region {
                    Some(r) => format!("{bucket} ({r})"),
                    None => bucket,
                }
            }
        }
    }
}

impl NetworkPolicy {
    pub fn id(&self) -> &str {
        self.network_policy_id.as_ref().map_or("", PolicyId::as_str)
    }

    pub fn access(&self) -> Option<&NetworkAccess> {
        self.egress.as_ref()?.network_access.as_ref()
    }

    pub fn restriction_mode(&self) -> Option<&RestrictionMode> {
        self.access().map(|a| &a.restriction_mode)
    }

    /// Enforcement as it applies: ENFORCED when the field is absent (docs/wire-facts.md §1.3).
    pub fn enforcement_mode(&self) -> EnforcementMode {
        self.access()
            .and_then(|a| a.policy_enforcement.as_ref())
            .and_then(|p| p.enforcement_mode.clone())
            .unwrap_or(EnforcementMode::Enforced)
    }

    pub fn dry_run_products(&self) -> &[DryRunProduct] {
        self.access()
            .and_then(|a| a.policy_enforcement.as_ref())
            .and_then(|p| p.dry_run_mode_product_filter.as_deref())
            .unwrap_or(&[])
    }

    pub fn internet_destinations(&self) -> &[InternetDestination] {
        self.access()
            .and_then(|a| a.allowed_internet_destinations.as_deref())
            .unwrap_or(&[])
    }

    pub fn storage_destinations(&self) -> &[StorageDestination] {
        self.access()
            .and_then(|a| a.allowed_storage_destinations.as_deref())
            .unwrap_or(&[])
    }

    pub fn blocked_destinations(&self) -> &[InternetDestination] {
        self.access()
            .and_then(|a| a.blocked_internet_destinations.as_deref())
            .unwrap_or(&[])
    }

    pub fn databricks_destinations(&self) -> &[DatabricksDestination] {
        self.access()
            .and_then(|a| a.allowed_databricks_destinations.as_deref())
            .unwrap_or(&[])
    }
}

#[derive(Deserialize)]
struct ListPage {
    #[serde(default)]
    items: Vec<NetworkPolicy>,
    #[serde(default)]
    next_page_token: Option<String>,
}

fn base(account_id: &str) -> String {
    format!("/api/2.0/accounts/{account_id}/network-policies")
}

/// Every policy, following `next_page_token` until it is missing or empty.
pub async fn list(client: &ApiClient, account_id: &str) -> Result<Vec<NetworkPolicy>, ApiError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let query: Vec<(&str, String)> = token.iter().map(|t| ("page_token", t.clone())).collect();
        let page: ListPage = client.get(&base(account_id), &query).await?;
        out.extend(page.items);
        match page.next_page_token {
            Some(t) if !t.is_empty() && token.as_deref() != Some(t.as_str()) => token = Some(t),
            _ => return Ok(out),
        }
    }
}

pub async fn get(
    client: &ApiClient,
    account_id: &str,
    id: &PolicyId,
) -> Result<NetworkPolicy, ApiError> {
    client.get(&format!("{}/{id}", base(account_id)), &[]).await
}

/// The policy exactly as the server sent it (field order and unknown fields kept), for
/// `dbx-tui policy get --format json`.
pub async fn get_raw(
    client: &ApiClient,
    account_id: &str,
    id: &PolicyId,
) -> Result<Value, ApiError> {
    client.get(&format!("{}/{id}", base(account_id)), &[]).await
}

/// Create: the body is the bare policy object, not wrapped (docs/wire-facts.md §1.2).
pub async fn create(
    client: &ApiClient,
    account_id: &str,
    policy: &NetworkPolicy,
) -> Result<NetworkPolicy, ApiError> {
    client.post(&base(account_id), policy).await
}

/// Replace the whole policy. There is no concurrency guard on the server: callers re-read first.
pub async fn update(
    client: &ApiClient,
    account_id: &str,
    policy: &NetworkPolicy,
) -> Result<NetworkPolicy, ApiError> {
    client
        .put(&format!("{}/{}", base(account_id), policy.id()), policy)
        .await
}

pub async fn delete(client: &ApiClient, account_id: &str, id: &PolicyId) -> Result<(), ApiError> {
    client.delete(&format!("{}/{id}", base(account_id))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let raw = serde_json::json!({
            "network_policy_id": "p", "account_id": "a",
            "ingress": {"public_access": {"restriction_mode": "RESTRICTION_MODE_UNSPECIFIED"}},
            "egress": {"network_access": {
                "restriction_mode": "RESTRICTED_ACCESS",
                "allowed_internet_destinations": [{"destination": "pypi.org", "internet_destination_type": "DNS_NAME", "future": 1}],
                "cross_workspace_access": {"mode": "X"},
                "policy_enforcement": {"enforcement_mode": "DRY_RUN", "dry_run_mode_product_filter": ["DBSQL", "NEW_PRODUCT"]}
            }}
        });
        let p: NetworkPolicy = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(p.enforcement_mode(), EnforcementMode::DryRun);
        assert_eq!(
            p.dry_run_products()[1],
            DryRunProduct::Other("NEW_PRODUCT".into())
        );
        assert_eq!(serde_json::to_value(&p).unwrap(), raw);
    }

    #[test]
    fn enforcement_defaults_to_enforced() {
        let p: NetworkPolicy = serde_json::from_value(serde_json::json!({
            "network_policy_id": "p", "egress": {"network_access": {"restriction_mode": "FULL_ACCESS"}}
        }))
        .unwrap();
        assert_eq!(p.enforcement_mode(), EnforcementMode::Enforced);
    }
}
