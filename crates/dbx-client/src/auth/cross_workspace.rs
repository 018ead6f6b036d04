//! From an account profile to one of its workspaces: the workspace URL and a credential valid
//! there, derived from the same configuration (docs/wire-facts.md §3, §8, §13).
//!
//! Account hosts serve no workspace APIs (no `/api/2.0/sql/*`), and a token is valid on the host
//! that minted it, so reading a workspace's warehouses from an account profile needs both:
//! - the URL: `https://{deployment_name}{dns zone}` when the account host is in a known zone;
//!   otherwise (a unified host) the account host itself, with `X-Databricks-Workspace-Id` naming
//!   the workspace on every call, as the Go SDK's `GetWorkspaceClient` does;
//! - the credential: OAuth M2M and the Databricks CLI ask the workspace's own token endpoint;
//!   Azure and Google mint for the workspace as a workspace profile would (same Azure resource,
//!   a Google ID token whose audience is the workspace URL); a personal access token belongs to
//!   one workspace and cannot cross, and neither can a gateway's headers.

use super::{AuthError, CredentialProvider, oauth_m2m, provider_for, token_cache};
use crate::api::workspaces::Workspace;
use crate::config::{AuthMethod, Profile};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::sync::Arc;

/// The header naming the workspace on a unified host.
pub const WORKSPACE_ID_HEADER: &str = "x-databricks-workspace-id";

/// DNS zones whose account hosts have per-workspace hosts (Go `common/environment`).
const ZONES: &[&str] = &[
    ".dev.databricks.com",
    ".staging.cloud.databricks.com",
    ".cloud.databricks.us",
    ".cloud.databricks.com",
    ".dev.azuredatabricks.net",
    ".staging.azuredatabricks.net",
    ".azuredatabricks.net",
    ".databricks.azure.us",
    ".databricks.azure.cn",
    ".dev.gcp.databricks.com",
    ".staging.gcp.databricks.com",
    ".gcp.databricks.com",
];

/// Where a workspace's APIs are, seen from its account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceHost {
    /// Scheme and host (and any path prefix of a unified host), no trailing slash.
    pub url: String,
    /// The account host itself serves the workspace: every call names it by header.
    pub unified: bool,
}

fn host_name(url: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
}

/// The workspace's URL, as the Go SDK's `workspaceHost` derives it.
pub fn workspace_host(account_host: &str, ws: &Workspace) -> Result<WorkspaceHost, String> {
    let account_host = account_host.trim_end_matches('/');
    let zone = host_name(account_host).and_then(|h| ZONES.iter().find(|z| h.ends_with(**z)));
    match zone {
        None => Ok(WorkspaceHost {
            url: account_host.to_owned(),
            unified: true,
        }),
        Some(zone) => {
            let deployment = ws
                .deployment_name
                .as_deref()
                .filter(|d| !d.is_empty())
                .ok_or_else(|| {
                    format!(
                        "workspace {} ({}) has no deployment_name, so its URL is unknown",
                        ws.workspace_name, ws.workspace_id
                    )
                })?;
            Ok(WorkspaceHost {
                url: format!("https://{deployment}{zone}"),
                unified: false,
            })
        }
    }
}

/// The ARM resource id of an Azure workspace, from `azure_workspace_info` (Go `ext_azure.go`).
fn azure_resource_id(ws: &Workspace) -> Option<String> {
    let info = ws.extra.get("azure_workspace_info")?;
    let sub = info.get("subscription_id")?.as_str()?;
    let rg = info.get("resource_group")?.as_str()?;
    Some(format!(
        "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Databricks/workspaces/{}",
        ws.workspace_name
    ))
}

/// The workspace profile the account profile implies for `ws`: same credential, the
/// workspace's host and id. Refuses credentials that cannot cross to another host.
pub fn workspace_profile(account: &Profile, ws: &Workspace) -> Result<Profile, AuthError> {
    let host = account
        .host
        .clone()
        .ok_or_else(|| AuthError::Config(account.missing_host()))?;
    let target = workspace_host(&host, ws).map_err(AuthError::Config)?;
    let method = account
        .auth_method()
        .map_err(|e| AuthError::Config(e.to_string()))?;
    let refuse = |what: &str| {
        AuthError::Config(format!(
            "profile {} authenticates with {what}, which is valid on its own host only: it cannot read workspace {} ({}). Use an OAuth (client_id/client_secret), Databricks CLI, Azure or Google credential, or a workspace profile with warehouse_id",
            account.name, ws.workspace_name, ws.workspace_id
        ))
    };
    if method == AuthMethod::Pat {
        return Err(refuse("a personal access token"));
    }
    if method == AuthMethod::Other("gateway".into())
        || account.other_secrets.contains_key("gateway_headers")
    {
        return Err(refuse("gateway headers"));
    }
    let mut p = account.clone();
    p.name = format!("{} → workspace {}", account.name, ws.workspace_id);
    p.host = Some(target.url);
    p.workspace_id = Some(ws.workspace_id.to_string());
    if !target.unified {
        // Go's GetWorkspaceClient drops the account id on classic hosts.
        p.account_id = None;
    }
    // The ARM resource id goes with an Azure credential only: for any other method it would
    // count as a second auth method (docs/wire-facts.md §7.4).
    p.other.remove("azure_workspace_resource_id");
    let azure = matches!(&method, AuthMethod::Other(n) if n.starts_with("azure-"));
    if azure && let Some(id) = azure_resource_id(ws) {
        p.other.insert("azure_workspace_resource_id".into(), id);
    }
    Ok(p)
}

/// A provider and the headers for calls to `ws`, from the account profile's credential.
pub fn workspace_credential(
    account: &Profile,
    ws: &Workspace,
) -> Result<(Profile, Arc<dyn CredentialProvider>, HeaderMap), AuthError> {
    let profile = workspace_profile(account, ws)?;
    let host = profile.host.clone().unwrap_or_default();
    let unified = workspace_host(&host, ws).is_ok_and(|h| h.unified)
        && account.host.as_deref().map(|h| h.trim_end_matches('/')) == Some(host.as_str());
    let mut headers = HeaderMap::new();
    if unified && let Ok(v) = HeaderValue::from_str(&ws.workspace_id.to_string()) {
        headers.insert(HeaderName::from_static(WORKSPACE_ID_HEADER), v);
    }
    let provider: Arc<dyn CredentialProvider> = match profile.auth_method() {
        // The workspace's own token endpoint; on a unified host the token request names the
        // workspace too, or the host could not tell which workspace the token is for.
        Ok(AuthMethod::OAuthM2M) => {
            let resolved =
                crate::config::keyring::resolve_profile(&profile).map_err(|(key, e)| {
                    AuthError::Config(format!("profile {} key {key}: {e}", account.name))
                })?;
            let (Some(client_id), Some(secret)) =
                (resolved.client_id.clone(), resolved.client_secret.clone())
            else {
                return Err(AuthError::Config(format!(
                    "profile {} has no client_id/client_secret",
                    account.name
                )));
            };
            let m2m = oauth_m2m::M2mProvider::new(
                oauth_m2m::Audience::Workspace { host },
                client_id,
                secret,
            );
            Arc::new(token_cache::Cached::new(if unified {
                m2m.with_workspace_id(ws.workspace_id.to_string())
            } else {
                m2m
            }))
        }
        _ => provider_for(&profile)?,
    };
    Ok((profile, provider, headers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProfileSource;
    use serde_json::json;

    fn ws(value: serde_json::Value) -> Workspace {
        serde_json::from_value(value).unwrap()
    }

    fn account(host: &str) -> Profile {
        let mut p = Profile::empty("acct", ProfileSource::Demo);
        p.host = Some(host.into());
        p.account_id = Some("a-1".into());
        p
    }

    #[test]
    fn classic_account_hosts_give_the_deployment_url_and_unified_hosts_themselves() {
        let w = ws(
            json!({"workspace_id": 7, "workspace_name": "prod", "deployment_name": "acme-prod"}),
        );
        for (acc, url) in [
            (
                "https://accounts.cloud.databricks.com",
                "https://acme-prod.cloud.databricks.com",
            ),
            (
                "https://accounts.azuredatabricks.net",
                "https://acme-prod.azuredatabricks.net",
            ),
            (
                "https://accounts.gcp.databricks.com",
                "https://acme-prod.gcp.databricks.com",
            ),
            (
                "https://accounts.cloud.databricks.us",
                "https://acme-prod.cloud.databricks.us",
            ),
        ] {
            let h = workspace_host(acc, &w).unwrap();
            assert_eq!(h.url, url);
            assert!(!h.unified);
        }
        let h = workspace_host("http://127.0.0.1:9/", &w).unwrap();
        assert_eq!(h.url, "http://127.0.0.1:9");
        assert!(h.unified);
        let nameless = ws(json!({"workspace_id": 8, "workspace_name": "x"}));
        assert!(workspace_host("https://accounts.cloud.databricks.com", &nameless).is_err());
    }

    #[test]
    fn a_pat_and_gateway_headers_do_not_cross_and_m2m_does() {
        let w = ws(
            json!({"workspace_id": 7, "workspace_name": "prod", "deployment_name": "acme-prod"}),
        );
        let mut pat = account("https://accounts.cloud.databricks.com");
        pat.token = Some("dapi-not-shown".into());
        let e = workspace_credential(&pat, &w).err().unwrap().to_string();
        assert!(
            e.contains("personal access token") && e.contains("prod"),
            "{e}"
        );
        assert!(!e.contains("dapi-not-shown"));

        let mut m2m = account("https://accounts.cloud.databricks.com");
        m2m.client_id = Some("cid".into());
        m2m.client_secret = Some("s3cret".into());
        let (p, provider, headers) = workspace_credential(&m2m, &w).unwrap();
        assert_eq!(
            p.host.as_deref(),
            Some("https://acme-prod.cloud.databricks.com")
        );
        assert_eq!(p.kind(), crate::config::ProfileKind::Workspace);
        assert_eq!(p.account_id, None);
        assert_eq!(provider.method(), "oauth-m2m");
        assert!(
            headers.is_empty(),
            "a classic host needs no workspace header"
        );

        let mut unified = account("http://127.0.0.1:9");
        unified.client_id = Some("cid".into());
        unified.client_secret = Some("s3cret".into());
        let (p, _, headers) = workspace_credential(&unified, &w).unwrap();
        assert_eq!(p.host.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(p.kind(), crate::config::ProfileKind::Workspace);
        assert_eq!(headers.get(WORKSPACE_ID_HEADER).unwrap(), "7");
    }

    #[test]
    fn azure_workspaces_carry_their_resource_id() {
        let w = ws(
            json!({"workspace_id": 9, "workspace_name": "adb", "deployment_name": "adb-9.1",
            "azure_workspace_info": {"subscription_id": "sub", "resource_group": "rg"}}),
        );
        let mut a = account("https://accounts.azuredatabricks.net");
        a.auth_type = Some("azure-cli".into());
        let p = workspace_profile(&a, &w).unwrap();
        assert_eq!(
            p.other
                .get("azure_workspace_resource_id")
                .map(String::as_str),
            Some(
                "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/adb"
            )
        );
        assert_eq!(
            p.host.as_deref(),
            Some("https://adb-9.1.azuredatabricks.net")
        );
    }
}
