//! Service principals in the actor: the streamed list, lazily fetched secrets, the drill-in
//! (attributes, workspace assignments, secrets) and every lifecycle write. Writes re-read and
//! verify what the server holds, and are journaled without any secret value.

use super::Payload;
use super::session::Session;
use crate::api::permissions::{self, WorkspacePermission};
use crate::api::scim::{
    self, Group, NewServicePrincipal, PageQuery, PatchRequest, ScimScope, ServicePrincipal,
};
use crate::api::scim_load::{LoadQuery, load_all};
use crate::api::secrets::{self, SecretInfo, SecretScope};
use crate::api::{ApiError, WorkspaceId, workspaces};
use crate::config::{ProfileKind, Secret};
use futures::StreamExt;
use std::time::Duration;

/// SCIM pages in flight at once while streaming the list.
const LIST_CONCURRENCY: usize = 4;
/// Secret lists (one per visible row) or workspace assignment lists in flight at once.
const FAN_OUT: usize = 4;

/// What the service-principal pane asks the actor for.
#[derive(Clone, Debug, PartialEq)]
pub enum PrincipalsRequest {
    /// Stream every principal (optionally a server-side SCIM filter), one payload per page.
    List {
        filter: Option<String>,
    },
    /// Secrets of these principals (the visible rows only).
    Secrets(Vec<String>),
    /// Everything about one principal: attributes, secrets, workspace assignments.
    Detail(String),
    /// The groups a principal can be added to.
    Groups,
    Write(PrincipalWrite),
}

impl PrincipalsRequest {
    pub fn label(&self) -> String {
        match self {
            PrincipalsRequest::List { filter: None } => "listing service principals".into(),
            PrincipalsRequest::List { filter: Some(f) } => {
                format!("listing service principals where {f}")
            }
            PrincipalsRequest::Secrets(ids) => {
                format!("reading secrets of {} principal(s)", ids.len())
            }
            PrincipalsRequest::Detail(id) => format!("reading service principal {id}"),
            PrincipalsRequest::Groups => "listing groups".into(),
            PrincipalsRequest::Write(w) => w.label(),
        }
    }
}

/// A change to a service principal. Never carries a secret value.
#[derive(Clone, Debug, PartialEq)]
pub enum PrincipalWrite {
    Create {
        display_name: String,
        application_id: Option<String>,
    },
    Rename {
        id: String,
        name: String,
    },
    SetActive {
        id: String,
        active: bool,
    },
    Delete {
        id: String,
    },
    Assign {
        id: String,
        workspace: WorkspaceId,
        permission: WorkspacePermission,
    },
    Unassign {
        id: String,
        workspace: WorkspaceId,
    },
    AddToGroup {
        id: String,
        group_id: String,
        group_name: String,
    },
    RemoveFromGroup {
        id: String,
        group_id: String,
        group_name: String,
    },
    /// `rotating`: the secret this one replaces (deleted after a second confirmation).
    CreateSecret {
        id: String,
        lifetime_days: Option<u64>,
        rotating: Option<String>,
    },
    DeleteSecret {
        id: String,
        secret_id: String,
    },
}

impl PrincipalWrite {
    pub fn label(&self) -> String {
        match self {
            PrincipalWrite::Create { display_name, .. } => {
                format!("creating service principal {display_name}")
            }
            PrincipalWrite::Rename { id, name } => format!("renaming {id} to {name}"),
            PrincipalWrite::SetActive { id, active: true } => format!("activating {id}"),
            PrincipalWrite::SetActive { id, active: false } => format!("deactivating {id}"),
            PrincipalWrite::Delete { id } => format!("deleting service principal {id}"),
            PrincipalWrite::Assign {
                id,
                workspace,
                permission,
            } => format!("assigning {id} to workspace {workspace} as {permission}"),
            PrincipalWrite::Unassign { id, workspace } => {
                format!("removing {id} from workspace {workspace}")
            }
            PrincipalWrite::AddToGroup { id, group_name, .. } => {
                format!("adding {id} to group {group_name}")
            }
            PrincipalWrite::RemoveFromGroup { id, group_name, .. } => {
                format!("removing {id} from group {group_name}")
            }
            PrincipalWrite::CreateSecret { id, .. } => format!("creating a secret for {id}"),
            PrincipalWrite::DeleteSecret { id, secret_id } => {
                format!("deleting secret {secret_id} of {id}")
            }
        }
    }
}

/// A workspace and what the principal may do there (empty: not assigned).
#[derive(Clone, Debug, PartialEq)]
pub struct AssignmentRow {
    pub workspace: WorkspaceId,
    pub name: String,
    pub permissions: Vec<WorkspacePermission>,
    pub error: Option<String>,
}

/// Answers to [`PrincipalsRequest`]s.
#[derive(Clone, Debug, PartialEq)]
pub enum PrincipalsPayload {
    Page {
        rows: Vec<ServicePrincipal>,
        loaded: usize,
        total: Option<u64>,
        done: bool,
    },
    Secrets {
        id: String,
        result: Result<Vec<SecretInfo>, String>,
    },
    Detail(ServicePrincipal),
    /// Every workspace of the account with the principal's permissions there; `note` when they
    /// cannot be read (a workspace profile has no account API).
    Assignments {
        id: String,
        rows: Vec<AssignmentRow>,
        note: Option<String>,
    },
    Groups(Vec<Group>),
    /// A write applied and verified. `sp` as read back; `deleted` when the principal is gone.
    Written {
        id: String,
        message: String,
        sp: Option<ServicePrincipal>,
        deleted: bool,
    },
    /// A new secret: the plaintext is shown once and never stored anywhere else.
    SecretCreated {
        id: String,
        info: SecretInfo,
        secret: Secret,
        rotating: Option<String>,
    },
}

impl Session {
    fn scim_scope(&self) -> ScimScope {
        match (self.profile.kind(), self.profile.account_id.as_deref()) {
            (ProfileKind::Account, Some(acc)) => ScimScope::Account(acc.to_owned()),
            _ => ScimScope::Workspace,
        }
    }

    /// The account route first; on a workspace profile the workspace "proxy" route, also as the
    /// fallback when the account route is refused to a workspace admin (403).
    fn secret_scopes(&self) -> Vec<SecretScope> {
        match (self.profile.kind(), self.profile.account_id.as_deref()) {
            (ProfileKind::Account, Some(acc)) => vec![SecretScope::Account(acc.to_owned())],
            (ProfileKind::Workspace, Some(acc)) => vec![
                SecretScope::Account(acc.to_owned()),
                SecretScope::WorkspaceProxy,
            ],
            _ => vec![SecretScope::WorkspaceProxy],
        }
    }

    async fn with_secret_scope<T, F, Fut>(&self, f: F) -> Result<T, ApiError>
    where
        F: Fn(SecretScope) -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        let scopes = self.secret_scopes();
        let last = scopes.len() - 1;
        for (i, scope) in scopes.into_iter().enumerate() {
            match f(scope).await {
                Err(e) if i < last && matches!(e.status(), Some(401 | 403)) => {}
                other => return other,
            }
        }
        unreachable!("at least one secret scope")
    }

    async fn list_secrets(&self, id: &str) -> Result<Vec<SecretInfo>, ApiError> {
        self.with_secret_scope(|s| async move { secrets::list(&self.client, &s, id).await })
            .await
    }

    /// SCIM ids of the principals named exactly `name`.
    async fn ids_named(&self, scope: &ScimScope, name: &str) -> Result<Vec<String>, ApiError> {
        let q = PageQuery {
            start_index: 1,
            count: 100,
            filter: Some(format!("displayName eq {}", scim::scim_string(name))),
            attributes: Some("id,displayName".into()),
        };
        let page = scim::list_service_principals_page(&self.client, scope, &q).await?;
        Ok(page
            .resources
            .into_iter()
            .filter(|sp| sp.display_name.as_deref() == Some(name))
            .map(|sp| sp.id)
            .collect())
    }

    /// After a create whose answer was lost: the one new principal with that name, or an error
    /// that says what the server holds.
    async fn find_lost_principal(
        &self,
        scope: &ScimScope,
        name: &str,
        namesakes: &[String],
        lost: &ApiError,
    ) -> Result<String, ApiError> {
        let now = self.ids_named(scope, name).await.map_err(|e| {
            ApiError::Local(format!(
                "the answer to creating {name} was lost ({}) and the server could not be asked whether it exists ({}): look for it with r before trying again",
                lost.user_message(),
                e.user_message()
            ))
        })?;
        let new: Vec<String> = now.into_iter().filter(|i| !namesakes.contains(i)).collect();
        match new.as_slice() {
            [one] => {
                tracing::info!(id = %one, "create answer was lost but the principal exists");
                Ok(one.clone())
            }
            [] => Err(ApiError::Local(format!(
                "the answer to creating {name} was lost ({}); the server holds no new principal of that name, so nothing was created: try again",
                lost.user_message()
            ))),
            many => Err(ApiError::Local(format!(
                "the answer to creating {name} was lost; the server now holds {} new principals of that name ({}): check them with r",
                many.len(),
                many.join(", ")
            ))),
        }
    }

    /// After a secret create whose answer was lost: the secret may exist and be usable, but its
    /// value is gone for good, so say which one to delete.
    async fn lost_secret(&self, id: &str, existing: &[String], lost: &ApiError) -> ApiError {
        let now = match self.list_secrets(id).await {
            Ok(now) => now,
            Err(e) => {
                return ApiError::Local(format!(
                    "the answer to creating a secret for {id} was lost ({}) and its secrets could not be listed ({}): check them before trying again",
                    lost.user_message(),
                    e.user_message()
                ));
            }
        };
        let new: Vec<&SecretInfo> = now.iter().filter(|s| !existing.contains(&s.id)).collect();
        if new.is_empty() {
            return ApiError::Local(format!(
                "the answer to creating a secret for {id} was lost ({}); no new secret exists, so nothing was created: try again",
                lost.user_message()
            ));
        }
        let ids: Vec<&str> = new.iter().map(|s| s.id.as_str()).collect();
        ApiError::Local(format!(
            "a secret was created for {id} ({}) but the answer carrying its value was lost ({}); the value cannot be shown again: delete that secret and create a new one",
            ids.join(", "),
            lost.user_message()
        ))
    }

    pub(super) async fn execute_principals(
        &self,
        request: PrincipalsRequest,
        send: &(dyn Fn(Payload) + Send + Sync),
    ) -> Result<(), ApiError> {
        let out = |p| send(Payload::Principals(p));
        match request {
            PrincipalsRequest::List { filter } => {
                let query = LoadQuery {
                    filter,
                    ..LoadQuery::default()
                };
                let summary = load_all(
                    &self.client,
                    &self.scim_scope(),
                    &query,
                    LIST_CONCURRENCY,
                    |rows, progress| {
                        out(PrincipalsPayload::Page {
                            rows,
                            loaded: progress.loaded,
                            total: progress.total,
                            done: false,
                        });
                    },
                )
                .await?;
                out(PrincipalsPayload::Page {
                    rows: Vec::new(),
                    loaded: summary.loaded,
                    total: summary.total,
                    done: true,
                });
            }
            PrincipalsRequest::Secrets(ids) => {
                let mut stream = futures::stream::iter(ids)
                    .map(|id| async move {
                        let r = self.list_secrets(&id).await;
                        (id, r)
                    })
                    .buffer_unordered(FAN_OUT);
                while let Some((id, r)) = stream.next().await {
                    out(PrincipalsPayload::Secrets {
                        id,
                        result: r.map_err(|e| e.user_message()),
                    });
                }
            }
            PrincipalsRequest::Detail(id) => {
                let sp = scim::get_service_principal(&self.client, &self.scim_scope(), &id).await?;
                out(PrincipalsPayload::Detail(sp));
                out(PrincipalsPayload::Secrets {
                    id: id.clone(),
                    result: self.list_secrets(&id).await.map_err(|e| e.user_message()),
                });
                let (rows, note) = self.assignments_of(&id).await;
                out(PrincipalsPayload::Assignments { id, rows, note });
            }
            PrincipalsRequest::Groups => {
                let groups = scim::list_groups(&self.client, &self.scim_scope(), None).await?;
                out(PrincipalsPayload::Groups(groups));
            }
            PrincipalsRequest::Write(w) => out(self.principal_write(w).await?),
        }
        Ok(())
    }

    /// Assignments of one principal over every workspace of the account, read with bounded
    /// concurrency. Done on drill-in (one principal, an account's tens of workspaces), never per
    /// list row.
    async fn assignments_of(&self, id: &str) -> (Vec<AssignmentRow>, Option<String>) {
        let Ok(acc) = self.account_id() else {
            return (
                Vec::new(),
                Some("workspace assignments are account-level: use an account profile".into()),
            );
        };
        let Some(pid) = permissions::principal_id_of(id) else {
            return (Vec::new(), Some(format!("{id} is not a numeric SCIM id")));
        };
        let list = match workspaces::list(&self.client, acc).await {
            Ok(l) => l,
            Err(e) => return (Vec::new(), Some(e.user_message())),
        };
        let mut rows: Vec<AssignmentRow> = futures::stream::iter(list)
            .map(|w| async move {
                let r = permissions::list(&self.client, acc, w.workspace_id).await;
                let (permissions, error) = match r {
                    Ok(all) => (
                        all.into_iter()
                            .filter(|a| {
                                a.principal.as_ref().and_then(|p| p.principal_id) == Some(pid)
                            })
                            .flat_map(|a| a.permissions)
                            .collect(),
                        None,
                    ),
                    Err(e) => (Vec::new(), Some(e.user_message())),
                };
                AssignmentRow {
                    workspace: w.workspace_id,
                    name: w.workspace_name,
                    permissions,
                    error,
                }
            })
            .buffer_unordered(FAN_OUT)
            .collect()
            .await;
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        (rows, None)
    }

    async fn get_sp(&self, id: &str) -> Result<ServicePrincipal, ApiError> {
        scim::get_service_principal(&self.client, &self.scim_scope(), id).await
    }

    async fn patch_and_verify(
        &self,
        id: &str,
        patch: PatchRequest,
        action: &str,
        check: impl Fn(&ServicePrincipal) -> bool,
        message: String,
    ) -> Result<PrincipalsPayload, ApiError> {
        let scope = self.scim_scope();
        let before = self.get_sp(id).await?;
        scim::patch_service_principal(&self.client, &scope, id, &patch).await?;
        let after = self.get_sp(id).await?;
        if !check(&after) {
            return Err(ApiError::Local(format!(
                "{id} was patched but reads back unchanged; reload with r"
            )));
        }
        self.record(
            action,
            id,
            None,
            serde_json::to_value(&before).ok(),
            serde_json::to_value(&after).ok(),
        )
        .await;
        Ok(PrincipalsPayload::Written {
            id: id.to_owned(),
            message,
            sp: Some(after),
            deleted: false,
        })
    }

    async fn permissions_on(
        &self,
        acc: &str,
        ws: WorkspaceId,
        id: &str,
    ) -> Result<Vec<WorkspacePermission>, ApiError> {
        let pid = permissions::principal_id_of(id);
        Ok(permissions::list(&self.client, acc, ws)
            .await?
            .into_iter()
            .filter(|a| a.principal.as_ref().and_then(|p| p.principal_id) == pid)
            .flat_map(|a| a.permissions)
            .collect())
    }

    async fn principal_write(&self, w: PrincipalWrite) -> Result<PrincipalsPayload, ApiError> {
        let scope = self.scim_scope();
        match w {
            PrincipalWrite::Create {
                display_name,
                application_id,
            } => {
                let new = NewServicePrincipal {
                    display_name: display_name.clone(),
                    application_id,
                    active: Some(true),
                    ..Default::default()
                };
                // Who already carries the name, so a create whose answer is lost can be told
                // apart from a namesake (display names are not unique).
                let namesakes = self.ids_named(&scope, &display_name).await?;
                let created = match scim::create_service_principal(&self.client, &scope, &new).await
                {
                    Ok(created) => created.id,
                    Err(e) if e.outcome_unknown() => {
                        self.find_lost_principal(&scope, &display_name, &namesakes, &e)
                            .await?
                    }
                    Err(e) => return Err(e),
                };
                let read = self.get_sp(&created).await?;
                if read.display_name.as_deref() != Some(display_name.as_str()) {
                    return Err(ApiError::Local(format!(
                        "{created} was created but reads back named {:?}",
                        read.display_name
                    )));
                }
                self.record(
                    "create_service_principal",
                    &read.id,
                    None,
                    None,
                    serde_json::to_value(&read).ok(),
                )
                .await;
                Ok(PrincipalsPayload::Written {
                    id: read.id.clone(),
                    message: format!(
                        "created {display_name} ({}); read back and verified",
                        read.id
                    ),
                    sp: Some(read),
                    deleted: false,
                })
            }
            PrincipalWrite::Rename { id, name } => {
                let msg = format!("renamed {id} to {name}; read back and verified");
                let n = name.clone();
                self.patch_and_verify(
                    &id,
                    PatchRequest::new().set_display_name(&name),
                    "rename_service_principal",
                    move |sp| sp.display_name.as_deref() == Some(n.as_str()),
                    msg,
                )
                .await
            }
            PrincipalWrite::SetActive { id, active } => {
                let (action, word) = if active {
                    ("activate_service_principal", "activated")
                } else {
                    ("deactivate_service_principal", "deactivated")
                };
                self.patch_and_verify(
                    &id,
                    PatchRequest::new().set_active(active),
                    action,
                    move |sp| sp.active == Some(active),
                    format!("{word} {id}; read back and verified"),
                )
                .await
            }
            PrincipalWrite::Delete { id } => {
                let before = self.get_sp(&id).await?;
                scim::delete_service_principal(&self.client, &scope, &id).await?;
                match self.get_sp(&id).await {
                    Err(e) if e.status() == Some(404) => {}
                    Ok(_) => {
                        return Err(ApiError::Local(format!(
                            "{id} was deleted but still reads back"
                        )));
                    }
                    Err(e) => return Err(e),
                }
                self.record(
                    "delete_service_principal",
                    &id,
                    None,
                    serde_json::to_value(&before).ok(),
                    None,
                )
                .await;
                Ok(PrincipalsPayload::Written {
                    message: format!("deleted {} ({id})", before.name()),
                    id,
                    sp: None,
                    deleted: true,
                })
            }
            PrincipalWrite::Assign {
                id,
                workspace,
                permission,
            } => {
                let acc = self.account_id()?;
                let pid = permissions::principal_id_of(&id)
                    .ok_or_else(|| ApiError::Local(format!("{id} is not a numeric SCIM id")))?;
                let before = self.permissions_on(acc, workspace, &id).await?;
                permissions::upsert(
                    &self.client,
                    acc,
                    workspace,
                    pid,
                    std::slice::from_ref(&permission),
                )
                .await?;
                let after = self.permissions_on(acc, workspace, &id).await?;
                if !after.contains(&permission) {
                    return Err(ApiError::Local(format!(
                        "{id} reads back on workspace {workspace} as {after:?}, not {permission}"
                    )));
                }
                self.record(
                    "assign_service_principal",
                    &id,
                    Some(workspace.0),
                    Some(serde_json::json!({ "permissions": before })),
                    Some(serde_json::json!({ "permissions": after })),
                )
                .await;
                Ok(PrincipalsPayload::Written {
                    message: format!(
                        "assigned {id} to workspace {workspace} as {permission}; verified"
                    ),
                    id,
                    sp: None,
                    deleted: false,
                })
            }
            PrincipalWrite::Unassign { id, workspace } => {
                let acc = self.account_id()?;
                let pid = permissions::principal_id_of(&id)
                    .ok_or_else(|| ApiError::Local(format!("{id} is not a numeric SCIM id")))?;
                let before = self.permissions_on(acc, workspace, &id).await?;
                permissions::delete(&self.client, acc, workspace, pid).await?;
                let after = self.permissions_on(acc, workspace, &id).await?;
                if !after.is_empty() {
                    return Err(ApiError::Local(format!(
                        "{id} still reads back on workspace {workspace} as {after:?}"
                    )));
                }
                self.record(
                    "unassign_service_principal",
                    &id,
                    Some(workspace.0),
                    Some(serde_json::json!({ "permissions": before })),
                    None,
                )
                .await;
                Ok(PrincipalsPayload::Written {
                    message: format!("removed {id} from workspace {workspace}; verified"),
                    id,
                    sp: None,
                    deleted: false,
                })
            }
            PrincipalWrite::AddToGroup {
                id,
                group_id,
                group_name,
            } => {
                scim::add_to_group(&self.client, &scope, &group_id, &id).await?;
                self.verify_membership(&scope, &id, &group_id, true).await?;
                self.record(
                    "add_service_principal_to_group",
                    &id,
                    None,
                    None,
                    Some(serde_json::json!({ "group_id": group_id, "group": group_name })),
                )
                .await;
                Ok(PrincipalsPayload::Written {
                    message: format!("added {id} to group {group_name}; verified"),
                    sp: self.get_sp(&id).await.ok(),
                    id,
                    deleted: false,
                })
            }
            PrincipalWrite::RemoveFromGroup {
                id,
                group_id,
                group_name,
            } => {
                scim::remove_from_group(&self.client, &scope, &group_id, &id).await?;
                self.verify_membership(&scope, &id, &group_id, false)
                    .await?;
                self.record(
                    "remove_service_principal_from_group",
                    &id,
                    None,
                    Some(serde_json::json!({ "group_id": group_id, "group": group_name })),
                    None,
                )
                .await;
                Ok(PrincipalsPayload::Written {
                    message: format!("removed {id} from group {group_name}; verified"),
                    sp: self.get_sp(&id).await.ok(),
                    id,
                    deleted: false,
                })
            }
            PrincipalWrite::CreateSecret {
                id,
                lifetime_days,
                rotating,
            } => {
                let lifetime = lifetime_days.map(|d| Duration::from_secs(d * 86_400));
                let existing: Vec<String> = self
                    .list_secrets(&id)
                    .await?
                    .into_iter()
                    .map(|s| s.id)
                    .collect();
                let created = match self
                    .with_secret_scope(|s| {
                        let id = id.clone();
                        async move { secrets::create(&self.client, &s, &id, lifetime).await }
                    })
                    .await
                {
                    Ok(created) => created,
                    Err(e) if e.outcome_unknown() => {
                        return Err(self.lost_secret(&id, &existing, &e).await);
                    }
                    Err(e) => return Err(e),
                };
                let listed = self.list_secrets(&id).await?;
                if !listed.iter().any(|s| s.id == created.info.id) {
                    return Err(ApiError::Local(format!(
                        "secret {} was created but is not listed for {id}",
                        created.info.id
                    )));
                }
                // The journal gets the metadata only: `SecretInfo` has no plaintext field.
                self.record(
                    "create_secret",
                    &id,
                    None,
                    None,
                    serde_json::to_value(&created.info).ok(),
                )
                .await;
                Ok(PrincipalsPayload::SecretCreated {
                    id,
                    info: created.info,
                    secret: created.secret,
                    rotating,
                })
            }
            PrincipalWrite::DeleteSecret { id, secret_id } => {
                let before = self.list_secrets(&id).await?;
                let old = before.iter().find(|s| s.id == secret_id).cloned();
                self.with_secret_scope(|s| {
                    let (id, secret_id) = (id.clone(), secret_id.clone());
                    async move { secrets::delete(&self.client, &s, &id, &secret_id).await }
                })
                .await?;
                let after = self.list_secrets(&id).await?;
                if after.iter().any(|s| s.id == secret_id) {
                    return Err(ApiError::Local(format!(
                        "secret {secret_id} of {id} was deleted but is still listed"
                    )));
                }
                self.record(
                    "delete_secret",
                    &id,
                    None,
                    old.and_then(|o| serde_json::to_value(o).ok()),
                    None,
                )
                .await;
                Ok(PrincipalsPayload::Written {
                    message: format!("deleted secret {secret_id} of {id}; verified"),
                    id,
                    sp: None,
                    deleted: false,
                })
            }
        }
    }

    async fn verify_membership(
        &self,
        scope: &ScimScope,
        id: &str,
        group_id: &str,
        member: bool,
    ) -> Result<(), ApiError> {
        let g = scim::get_group(&self.client, scope, group_id).await?;
        let is = g.members.iter().any(|m| m.value.as_deref() == Some(id));
        if is != member {
            return Err(ApiError::Local(format!(
                "group {group_id} membership of {id} did not change as asked; reload with r"
            )));
        }
        Ok(())
    }
}
