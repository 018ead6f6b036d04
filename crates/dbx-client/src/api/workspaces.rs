//! Account workspaces (provisioning API) and their network-policy binding (docs/wire-facts.md §2, §3).

use super::types::{PolicyId, WorkspaceId};
use super::{ApiClient, ApiError};
use crate::lenient_enum;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

lenient_enum!(
    /// `workspace_status`.
    WorkspaceStatus {
        NotProvisioned => "NOT_PROVISIONED",
        Provisioning => "PROVISIONING",
        Running => "RUNNING",
        Failed => "FAILED",
        Banned => "BANNED",
        Cancelling => "CANCELLING",
    }
);

/// A workspace as the account API lists it. Unknown fields are kept in `extra`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub workspace_id: WorkspaceId,
    #[serde(default)]
    pub workspace_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_status: Option<WorkspaceStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_status_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing_tier: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The cloud a host or workspace lives in, with the DNS zone of its workspace URLs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cloud {
    Aws,
    Azure,
    Gcp,
}

impl Cloud {
    pub fn dns_zone(self) -> &'static str {
        match self {
            Cloud::Aws => ".cloud.databricks.com",
            Cloud::Azure => ".azuredatabricks.net",
            Cloud::Gcp => ".gcp.databricks.com",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Azure => "azure",
            Cloud::Gcp => "gcp",
        }
    }

    /// From a workspace's `cloud` field (lower-case per the Go comment; match leniently).
    pub fn from_field(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "aws" => Some(Cloud::Aws),
            "azure" => Some(Cloud::Azure),
            "gcp" => Some(Cloud::Gcp),
            _ => None,
        }
    }

    /// From an accounts host (`https://accounts.cloud.databricks.com` …), as the SDKs do.
    pub fn from_account_host(host: &str) -> Option<Self> {
        let h = host.trim_end_matches('/');
        [Cloud::Aws, Cloud::Azure, Cloud::Gcp]
            .into_iter()
            .find(|c| h.ends_with(c.dns_zone()))
    }
}

impl Workspace {
    /// The cloud region, whichever field this cloud uses.
    pub fn region(&self) -> Option<&str> {
        self.aws_region.as_deref().or(self.location.as_deref())
    }

    /// `https://{deployment_name}{zone}`: the list carries no URL (docs/wire-facts.md §3). The zone comes
    /// from the account host when it is a known one, else from the workspace's own `cloud`.
    pub fn url(&self, account_host: &str) -> Option<String> {
        let deployment = self.deployment_name.as_deref()?;
        let cloud = Cloud::from_account_host(account_host)
            .or_else(|| self.cloud.as_deref().and_then(Cloud::from_field))?;
        Some(format!("https://{deployment}{}", cloud.dns_zone()))
    }
}

/// Which policy a workspace is bound to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceNetworkOption {
    pub workspace_id: WorkspaceId,
    pub network_policy_id: PolicyId,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn base(account_id: &str) -> String {
    format!("/api/2.0/accounts/{account_id}/workspaces")
}

/// All workspaces of the account (a bare array, not paginated).
pub async fn list(client: &ApiClient, account_id: &str) -> Result<Vec<Workspace>, ApiError> {
    client.get(&base(account_id), &[]).await
}

pub async fn get(
    client: &ApiClient,
    account_id: &str,
    id: WorkspaceId,
) -> Result<Workspace, ApiError> {
    client.get(&format!("{}/{id}", base(account_id)), &[]).await
}

/// The policy bound to a workspace (`default-policy` when none was set).
pub async fn network_option(
    client: &ApiClient,
    account_id: &str,
    id: WorkspaceId,
) -> Result<WorkspaceNetworkOption, ApiError> {
    client
        .get(&format!("{}/{id}/network", base(account_id)), &[])
        .await
}

/// The workspaces bound to `policy`. There is no list endpoint for bindings
/// (docs/wire-facts.md §2): one read per workspace, four at a time; a workspace whose binding
/// cannot be read is left out.
pub async fn bound_to(
    client: &ApiClient,
    account_id: &str,
    policy: &str,
) -> Result<Vec<Workspace>, ApiError> {
    use futures::StreamExt;
    let all = list(client, account_id).await?;
    let bound = futures::stream::iter(all)
        .map(|w| async move {
            let b = network_option(client, account_id, w.workspace_id).await;
            (w, b)
        })
        .buffered(4)
        .filter_map(|(w, b)| async move {
            matches!(b, Ok(o) if o.network_policy_id.as_str() == policy).then_some(w)
        })
        .collect()
        .await;
    Ok(bound)
}

/// Bind a policy; binding `default-policy` is how a workspace is unbound.
pub async fn set_network_option(
    client: &ApiClient,
    account_id: &str,
    id: WorkspaceId,
    policy: &PolicyId,
) -> Result<WorkspaceNetworkOption, ApiError> {
    let body = WorkspaceNetworkOption {
        workspace_id: id,
        network_policy_id: policy.clone(),
        extra: Map::new(),
    };
    client
        .put(&format!("{}/{id}/network", base(account_id)), &body)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(cloud: &str, deployment: &str) -> Workspace {
        serde_json::from_value(serde_json::json!({
            "workspace_id": 1, "workspace_name": "w", "deployment_name": deployment, "cloud": cloud,
            "some_new_field": {"x": 1}
        }))
        .unwrap()
    }

    #[test]
    fn urls_follow_the_account_cloud_then_the_workspace_cloud() {
        let w = ws("azure", "adb-123.4");
        assert_eq!(
            w.url("https://accounts.azuredatabricks.net").unwrap(),
            "https://adb-123.4.azuredatabricks.net"
        );
        assert_eq!(
            w.url("http://127.0.0.1:9").unwrap(),
            "https://adb-123.4.azuredatabricks.net"
        );
        let a = ws("aws", "acme-prod");
        assert_eq!(
            a.url("https://accounts.cloud.databricks.com").unwrap(),
            "https://acme-prod.cloud.databricks.com"
        );
        let g = ws("gcp", "123.7");
        assert_eq!(
            g.url("https://accounts.gcp.databricks.com").unwrap(),
            "https://123.7.gcp.databricks.com"
        );
        assert!(a.extra.contains_key("some_new_field"));
    }
}
