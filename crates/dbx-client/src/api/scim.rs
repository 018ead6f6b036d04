//! SCIM service principals, account and workspace level (docs/wire-facts.md §4.1).

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

/// A value to compare with in a SCIM filter or PATCH path, quoted and escaped. RFC 7644
/// §3.4.2.2 makes a filter's string `compValue` a JSON string, so JSON's escaping is the
/// standard's: `"` and `\` get a backslash, control characters are escaped too. Whatever the
/// value holds, it stays one string and cannot add operators (` or 1 eq 1`) of its own.
pub fn scim_string(value: &str) -> String {
    Value::from(value).to_string()
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
    pub id: Option<String>,
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

/// `get` with `attributes` (comma-separated); the table asks for a few, a drill-in for all.
pub async fn get_service_principal_with(
    client: &ApiClient,
    scope: &ScimScope,
    id: &str,
    attributes: Option<&str>,
) -> Result<ServicePrincipal, ApiError> {
    let query: Vec<(&str, String)> = attributes
        .map(|a| vec![("attributes", a.to_owned())])
        .unwrap_or_default();
    client
        .get(&format!("{}/{id}", scope.service_principals_path()), &query)
        .await
}

/// The body of a SCIM create. `application_id` is needed on Azure (the Entra app id); elsewhere
/// leave it `None` and Databricks mints one.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewServicePrincipal {
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<ComplexValue>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<ComplexValue>,
}

const SP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

pub async fn create_service_principal(
    client: &ApiClient,
    scope: &ScimScope,
    new: &NewServicePrincipal,
) -> Result<ServicePrincipal, ApiError> {
    let mut body = serde_json::to_value(new).unwrap_or_default();
    body["schemas"] = Value::from(vec![SP_SCHEMA]);
    client.post(&scope.service_principals_path(), &body).await
}

/// PUT the whole resource. `None` when the server answers 204 (Go treats the answer as empty).
pub async fn replace_service_principal(
    client: &ApiClient,
    scope: &ScimScope,
    sp: &ServicePrincipal,
) -> Result<Option<ServicePrincipal>, ApiError> {
    let path = format!("{}/{}", scope.service_principals_path(), sp.id);
    client.put(&path, sp).await
}

/// `None` when the server answers 204; docs/wire-facts.md §12 leaves 200-with-body vs 204 UNCONFIRMED.
pub async fn patch_service_principal(
    client: &ApiClient,
    scope: &ScimScope,
    id: &str,
    patch: &PatchRequest,
) -> Result<Option<ServicePrincipal>, ApiError> {
    let path = format!("{}/{id}", scope.service_principals_path());
    client.patch(&path, patch).await
}

pub async fn delete_service_principal(
    client: &ApiClient,
    scope: &ScimScope,
    id: &str,
) -> Result<(), ApiError> {
    client
        .delete(&format!("{}/{id}", scope.service_principals_path()))
        .await
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchOpKind {
    Add,
    Remove,
    Replace,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatchOperation {
    pub op: PatchOpKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// A SCIM PatchOp body. It always sends the RFC 7644 value form
/// (`{"op":"replace","path":"active","value":false}`), never a dropped falsy value (docs/wire-facts.md §12).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatchRequest {
    schemas: Vec<&'static str>,
    #[serde(rename = "Operations")]
    operations: Vec<PatchOperation>,
}

impl Default for PatchRequest {
    fn default() -> Self {
        Self::new()
    }
}

impl PatchRequest {
    pub fn new() -> Self {
        Self {
            schemas: vec![PATCH_SCHEMA],
            operations: Vec::new(),
        }
    }

    pub fn op(mut self, op: PatchOpKind, path: &str, value: Option<Value>) -> Self {
        self.operations.push(PatchOperation {
            op,
            path: Some(path.to_owned()),
            value,
        });
        self
    }

    pub fn set_active(self, active: bool) -> Self {
        self.op(PatchOpKind::Replace, "active", Some(Value::Bool(active)))
    }

    pub fn set_display_name(self, name: &str) -> Self {
        self.op(PatchOpKind::Replace, "displayName", Some(Value::from(name)))
    }

    /// `None` removes the external id.
    pub fn set_external_id(self, external_id: Option<&str>) -> Self {
        match external_id {
            Some(e) => self.op(PatchOpKind::Replace, "externalId", Some(Value::from(e))),
            None => self.op(PatchOpKind::Remove, "externalId", None),
        }
    }

    fn entry(value: &str) -> Option<Value> {
        Some(serde_json::json!([{ "value": value }]))
    }

    /// Remove one entry the way Terraform does, with a `[value eq "…"]` filter.
    fn remove_entry(self, attr: &str, value: &str) -> Self {
        let path = format!("{attr}[value eq {}]", scim_string(value));
        self.op(PatchOpKind::Remove, &path, None)
    }

    pub fn add_entitlement(self, e: &str) -> Self {
        self.op(PatchOpKind::Add, "entitlements", Self::entry(e))
    }

    pub fn remove_entitlement(self, e: &str) -> Self {
        self.remove_entry("entitlements", e)
    }

    pub fn add_role(self, role: &str) -> Self {
        self.op(PatchOpKind::Add, "roles", Self::entry(role))
    }

    pub fn remove_role(self, role: &str) -> Self {
        self.remove_entry("roles", role)
    }

    pub fn operations(&self) -> &[PatchOperation] {
        &self.operations
    }

    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }
}

/// A SCIM group; members are principals (`value` is the member's SCIM id).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<ComplexValue>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ScimScope {
    pub fn groups_path(&self) -> String {
        match self {
            ScimScope::Account(id) => format!("/api/2.0/accounts/{id}/scim/v2/Groups"),
            ScimScope::Workspace => "/api/2.0/preview/scim/v2/Groups".into(),
        }
    }
}

/// All groups matching `filter`, walked the SDK way (advance by the page length until empty).
pub async fn list_groups(
    client: &ApiClient,
    scope: &ScimScope,
    filter: Option<&str>,
) -> Result<Vec<Group>, ApiError> {
    let mut out = Vec::new();
    let mut start = 1u64;
    loop {
        let mut query = vec![
            ("startIndex", start.to_string()),
            ("count", "100".to_owned()),
            ("attributes", "id,displayName".to_owned()),
        ];
        if let Some(f) = filter {
            query.push(("filter", f.to_owned()));
        }
        let page: ScimPage<Group> = client.get(&scope.groups_path(), &query).await?;
        let n = page.resources.len() as u64;
        out.extend(page.resources);
        if n == 0 || page.total_results.is_some_and(|t| start + n > t) {
            return Ok(out);
        }
        start += n;
    }
}

pub async fn get_group(client: &ApiClient, scope: &ScimScope, id: &str) -> Result<Group, ApiError> {
    client
        .get(&format!("{}/{id}", scope.groups_path()), &[])
        .await
}

/// Membership goes through the group's `members` (a principal's `groups` is read-only in SCIM).
pub async fn add_to_group(
    client: &ApiClient,
    scope: &ScimScope,
    group_id: &str,
    principal_id: &str,
) -> Result<(), ApiError> {
    let patch = PatchRequest::new().op(
        PatchOpKind::Add,
        "members",
        Some(serde_json::json!([{ "value": principal_id }])),
    );
    let path = format!("{}/{group_id}", scope.groups_path());
    client
        .patch::<_, Option<Value>>(&path, &patch)
        .await
        .map(|_| ())
}

pub async fn remove_from_group(
    client: &ApiClient,
    scope: &ScimScope,
    group_id: &str,
    principal_id: &str,
) -> Result<(), ApiError> {
    let patch = PatchRequest::new().remove_entry("members", principal_id);
    let path = format!("{}/{group_id}", scope.groups_path());
    client
        .patch::<_, Option<Value>>(&path, &patch)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {

    #[test]
    fn filter_values_are_quoted_and_escaped() {
        assert_eq!(scim_string("abc-123"), r#""abc-123""#);
        let hostile = r#"x" or 1 eq 1 or id eq "\"#;
        let quoted = scim_string(hostile);
        assert_eq!(quoted, r#""x\" or 1 eq 1 or id eq \"\\""#);
        // Read back as the string it was: no quote in the value ends the literal early.
        assert_eq!(serde_json::from_str::<String>(&quoted).unwrap(), hostile);
        assert_eq!(scim_string("a\nb"), r#""a\nb""#);
    }

    use super::*;

    #[test]
    fn patch_sends_the_rfc_value_form() {
        let p = PatchRequest::new()
            .set_active(false)
            .remove_role("account_admin");
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v["Operations"][0],
            serde_json::json!({"op": "replace", "path": "active", "value": false})
        );
        assert_eq!(
            v["Operations"][1]["path"],
            r#"roles[value eq "account_admin"]"#
        );
        assert_eq!(v["schemas"][0], PATCH_SCHEMA);
    }
}
