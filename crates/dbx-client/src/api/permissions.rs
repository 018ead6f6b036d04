//! Workspace permission assignments (docs/wire-facts.md §4.3), on the account host: which principals may
//! use a workspace, as `USER` or `ADMIN`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ApiClient, ApiError, WorkspaceId};
use crate::lenient_enum;

lenient_enum!(
    /// A workspace permission level.
    WorkspacePermission { User => "USER", Admin => "ADMIN", Unknown => "UNKNOWN" }
);

/// The assigned principal: exactly one of the three name fields is set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Principal {
    /// The account-level SCIM id, as an int64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// Probably the applicationId (UNCONFIRMED, docs/wire-facts.md §4.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_principal_name: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PermissionAssignment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    #[serde(default)]
    pub permissions: Vec<WorkspacePermission>,
    /// Set when the server could not resolve this assignment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PermissionLevel {
    pub permission_level: WorkspacePermission,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn base(account_id: &str, workspace_id: WorkspaceId) -> String {
    format!("/api/2.0/accounts/{account_id}/workspaces/{workspace_id}/permissionassignments")
}

#[derive(Deserialize)]
struct ListBody {
    #[serde(default)]
    permission_assignments: Vec<PermissionAssignment>,
}

#[derive(Deserialize)]
struct LevelsBody {
    #[serde(default)]
    permissions: Vec<PermissionLevel>,
}

/// All assignments of a workspace (one page; the API has no paging).
pub async fn list(
    client: &ApiClient,
    account_id: &str,
    workspace_id: WorkspaceId,
) -> Result<Vec<PermissionAssignment>, ApiError> {
    let body: ListBody = client.get(&base(account_id, workspace_id), &[]).await?;
    Ok(body.permission_assignments)
}

/// Assigns or re-levels a principal. An empty `permissions` deletes the assignment (documented
/// API behaviour); prefer [`delete`] to say so.
pub async fn upsert(
    client: &ApiClient,
    account_id: &str,
    workspace_id: WorkspaceId,
    principal_id: i64,
    permissions: &[WorkspacePermission],
) -> Result<PermissionAssignment, ApiError> {
    let path = format!(
        "{}/principals/{principal_id}",
        base(account_id, workspace_id)
    );
    client
        .put(&path, &serde_json::json!({ "permissions": permissions }))
        .await
}

pub async fn delete(
    client: &ApiClient,
    account_id: &str,
    workspace_id: WorkspaceId,
    principal_id: i64,
) -> Result<(), ApiError> {
    let path = format!(
        "{}/principals/{principal_id}",
        base(account_id, workspace_id)
    );
    client.delete(&path).await
}

/// The permission levels a workspace offers.
pub async fn levels(
    client: &ApiClient,
    account_id: &str,
    workspace_id: WorkspaceId,
) -> Result<Vec<PermissionLevel>, ApiError> {
    let path = format!("{}/permissions", base(account_id, workspace_id));
    let body: LevelsBody = client.get(&path, &[]).await?;
    Ok(body.permissions)
}

/// The `principal_id` of a SCIM principal (its SCIM id, which is numeric).
pub fn principal_id_of(scim_id: &str) -> Option<i64> {
    scim_id.parse().ok()
}
