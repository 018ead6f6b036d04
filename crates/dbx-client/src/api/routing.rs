//! Which workspace a workspace-level call is for (docs/wire-facts.md §3, §7.4).
//!
//! A unified host serves the account and many workspaces; it routes a workspace-level call by
//! the `X-Databricks-Workspace-Id` header. As the SDKs do, the header carries the profile's
//! `workspace_id` (or `DATABRICKS_WORKSPACE_ID`), else the `workspace_id` the host's
//! `/.well-known/databricks-config` names, and it is sent only on workspace-level calls, never
//! on the account APIs under `/api/2.0/accounts/{account_id}/`.

use crate::config::Profile;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// The header a unified host routes workspace-level calls by.
pub const WORKSPACE_ID_HEADER: &str = "X-Databricks-Workspace-Id";

/// Where the host describes itself (fetched without credentials).
pub const HOST_METADATA_PATH: &str = "/.well-known/databricks-config";

/// What a host says about itself in `/.well-known/databricks-config`. Every field is optional:
/// older hosts omit some, and a classic host answers 404 (nothing to learn).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct HostMetadata {
    /// `WORKSPACE_HOST`, `ACCOUNT_HOST` or `UNIFIED_HOST`.
    #[serde(default)]
    pub host_type: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub workspace_id: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub cloud: Option<String>,
    /// The OIDC root, possibly with an `{account_id}` placeholder.
    #[serde(default)]
    pub oidc_endpoint: Option<String>,
}

/// A workspace id as a string, whether the host sends it as a JSON string or a number.
fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

impl HostMetadata {
    pub fn is_unified(&self) -> bool {
        self.host_type.as_deref() == Some("UNIFIED_HOST")
    }
}

/// True for calls that address a workspace: everything but the account APIs under
/// `/api/2.0/accounts/{account_id}/…`, the OIDC endpoints and the host metadata. The account
/// secrets proxy (`/api/2.0/accounts/servicePrincipals/…`) is served by workspaces and routed
/// like any workspace call.
pub fn is_workspace_level(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    if path.starts_with("/oidc/") || path == HOST_METADATA_PATH {
        return false;
    }
    match path.strip_prefix("/api/2.0/accounts/") {
        Some(rest) => rest.starts_with("servicePrincipals/"),
        None => true,
    }
}

/// A connection's workspace routing: the configured workspace id, and the host metadata read
/// once, on the first workspace-level call.
#[derive(Debug, Default)]
pub struct WorkspaceRouting {
    configured: Option<String>,
    metadata: OnceCell<Option<HostMetadata>>,
}

/// How long the metadata read may take: it is a hint, never worth holding a call for long.
const METADATA_TIMEOUT: Duration = Duration::from_secs(5);

impl WorkspaceRouting {
    /// Routing for a profile: its `workspace_id` (the environment variable is merged into the
    /// profile when it is loaded), metadata read on demand.
    pub fn for_profile(profile: &Profile) -> Arc<Self> {
        Arc::new(Self {
            configured: profile
                .workspace_id
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            metadata: OnceCell::new(),
        })
    }

    /// The host's metadata, fetched once per connection; `None` when the host has none (404)
    /// or the read failed (logged, not fatal: the SDKs also carry on without it).
    pub async fn host_metadata(&self, http: &reqwest::Client, base: &str) -> Option<&HostMetadata> {
        self.metadata
            .get_or_init(|| fetch_host_metadata(http, base))
            .await
            .as_ref()
    }

    /// The workspace id to send with a workspace-level call, if any is known.
    pub async fn workspace_id(&self, http: &reqwest::Client, base: &str) -> Option<String> {
        if let Some(id) = &self.configured {
            return Some(id.clone());
        }
        self.host_metadata(http, base)
            .await
            .and_then(|m| m.workspace_id.clone())
            .filter(|s| !s.is_empty())
    }
}

/// `GET {base}/.well-known/databricks-config`, with no `Authorization` header.
pub async fn fetch_host_metadata(http: &reqwest::Client, base: &str) -> Option<HostMetadata> {
    let url = format!("{}{HOST_METADATA_PATH}", base.trim_end_matches('/'));
    let answer = tokio::time::timeout(METADATA_TIMEOUT, async {
        let resp = http
            .get(&url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await?;
        let status = resp.status();
        let body = resp.bytes().await?;
        Ok::<_, reqwest::Error>((status, body))
    })
    .await;
    match answer {
        Ok(Ok((status, body))) if status.is_success() => {
            match serde_json::from_slice::<HostMetadata>(&body) {
                Ok(m) => {
                    tracing::debug!(host_type = ?m.host_type, workspace_id = ?m.workspace_id, "host metadata");
                    Some(m)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "host metadata is not the expected JSON; ignored");
                    None
                }
            }
        }
        // A classic host: nothing to learn.
        Ok(Ok((status, _))) if status.as_u16() == 404 => None,
        Ok(Ok((status, _))) => {
            tracing::warn!(
                status = status.as_u16(),
                "host metadata not available; ignored"
            );
            None
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "host metadata could not be read; ignored");
            None
        }
        Err(_) => {
            tracing::warn!("host metadata: no answer in time; ignored");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_apis_are_not_workspace_level() {
        assert!(!is_workspace_level("/api/2.0/accounts/abc/workspaces"));
        assert!(!is_workspace_level(
            "/api/2.0/accounts/abc/scim/v2/ServicePrincipals"
        ));
        assert!(!is_workspace_level("/oidc/v1/token"));
        assert!(!is_workspace_level(HOST_METADATA_PATH));
        assert!(is_workspace_level("/api/2.0/sql/statements"));
        assert!(is_workspace_level("/api/2.0/preview/scim/v2/Me"));
        assert!(is_workspace_level(
            "/api/2.0/accounts/servicePrincipals/1/credentials/secrets"
        ));
    }

    #[test]
    fn metadata_reads_numeric_or_string_workspace_ids() {
        let m: HostMetadata =
            serde_json::from_str(r#"{"host_type":"UNIFIED_HOST","workspace_id":123}"#).unwrap();
        assert_eq!(m.workspace_id.as_deref(), Some("123"));
        assert!(m.is_unified());
        let m: HostMetadata = serde_json::from_str(r#"{"workspace_id":"456"}"#).unwrap();
        assert_eq!(m.workspace_id.as_deref(), Some("456"));
    }
}
