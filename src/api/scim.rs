//! SCIM service principals, account and workspace level (api.md §4.1).

use super::{ApiClient, ApiError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where a SCIM call goes: the account (by id) or the workspace the client points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScimScope {
    Account(String),
    Workspace,
}

impl ScimScope {
    pub fn service_principals_path(&self) -> String {
        match self {
            ScimScope::Account(id) => format!("/api/2.0/accounts/{id}/scim/v2/ServicePrincipals"),
            ScimScope::Workspace => "/api/2.0/preview/scim/v2/ServicePrincipals".into(),
        }
    }
}

/// A SCIM multi-valued attribute entry (`groups`, `roles`, `entitlements`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComplexValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<ComplexValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<ComplexValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<ComplexValue>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ServicePrincipal {
    /// Account-level reads of workspace-created principals may have no display name.
    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.application_id.as_deref())
            .unwrap_or(&self.id)
    }
}

/// One page of a SCIM list. `Resources` is matched case-insensitively (TF spells it lower-case).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimPage<T> {
    #[serde(default)]
    pub total_results: Option<u64>,
    #[serde(default)]
    pub start_index: Option<u64>,
    #[serde(default)]
    pub items_per_page: Option<u64>,
    #[serde(default = "Vec::new", rename = "Resources", alias = "resources")]
    pub resources: Vec<T>,
}

/// Query for one page.
#[derive(Clone, Debug, Default)]
pub struct PageQuery {
    pub start_index: u64,
    pub count: u64,
    pub filter: Option<String>,
    pub attributes: Option<String>,
}

pub async fn list_service_principals_page(
    client: &ApiClient,
    scope: &ScimScope,
    q: &PageQuery,
) -> Result<ScimPage<ServicePrincipal>, ApiError> {
    let mut query = vec![
        ("startIndex", q.start_index.max(1).to_string()),
        ("count", q.count.to_string()),
    ];
    if let Some(f) = &q.filter {
        query.push(("filter", f.clone()));
    }
    if let Some(a) = &q.attributes {
        query.push(("attributes", a.clone()));
    }
    client.get(&scope.service_principals_path(), &query).await
}

pub async fn get_service_principal(
    client: &ApiClient,
    scope: &ScimScope,
    id: &str,
) -> Result<ServicePrincipal, ApiError> {
    client
        .get(&format!("{}/{id}", scope.service_principals_path()), &[])
        .await
}

/// The caller, on a workspace (`/Me`): a user or a service principal.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    #[serde(default)]
    pub user_name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub application_id: Option<String>,
}

pub async fn me(client: &ApiClient) -> Result<Me, ApiError> {
    client.get("/api/2.0/preview/scim/v2/Me", &[]).await
}
