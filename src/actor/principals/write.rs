//! Every lifecycle write to a service principal, each read back and verified, then journaled
//! without any secret value.

use super::{PrincipalWrite, PrincipalsPayload};
use crate::actor::session::Session;
use crate::api::permissions::{self, WorkspacePermission};
use crate::api::scim::{self, NewServicePrincipal, PatchRequest, ScimScope, ServicePrincipal};
use crate::api::secrets;
use crate::api::{ApiError, WorkspaceId};
use std::time::Duration;

impl PrincipalsPayload {
    /// A write beside the principal itself (a workspace assignment, a secret), read back: the
    /// principal's row has nothing new to show.
    fn verified(id: String, done: &str) -> Self {
        Self::Written {
            message: format!("{done}; verified"),
            id,
            sp: None,
            deleted: false,
        }
    }
}

impl Session {
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

    pub(super) async fn principal_write(
        &self,
        w: PrincipalWrite,
    ) -> Result<PrincipalsPayload, ApiError> {
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
                let done = format!("assigned {id} to workspace {workspace} as {permission}");
                Ok(PrincipalsPayload::verified(id, &done))
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
                let done = format!("removed {id} from workspace {workspace}");
                Ok(PrincipalsPayload::verified(id, &done))
            }
            PrincipalWrite::SetGroupMember {
                id,
                group_id,
                group_name,
                member,
            } => {
                self.set_membership(&scope, id, (group_id, group_name), member)
                    .await
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
                let done = format!("deleted secret {secret_id} of {id}");
                Ok(PrincipalsPayload::verified(id, &done))
            }
        }
    }

    /// Add the principal to the group (`member`) or take it out, verify the group holds it so,
    /// and journal the change.
    async fn set_membership(
        &self,
        scope: &ScimScope,
        id: String,
        (group_id, group_name): (String, String),
        member: bool,
    ) -> Result<PrincipalsPayload, ApiError> {
        if member {
            scim::add_to_group(&self.client, scope, &group_id, &id).await?;
        } else {
            scim::remove_from_group(&self.client, scope, &group_id, &id).await?;
        }
        let g = scim::get_group(&self.client, scope, &group_id).await?;
        let is = g
            .members
            .iter()
            .any(|m| m.value.as_deref() == Some(id.as_str()));
        if is != member {
            return Err(ApiError::Local(format!(
                "group {group_id} membership of {id} did not change as asked; reload with r"
            )));
        }
        let group = Some(serde_json::json!({ "group_id": group_id, "group": group_name }));
        let (action, before, after, done) = if member {
            let done = format!("added {id} to group {group_name}");
            ("add_service_principal_to_group", None, group, done)
        } else {
            let done = format!("removed {id} from group {group_name}");
            ("remove_service_principal_from_group", group, None, done)
        };
        self.record(action, &id, None, before, after).await;
        Ok(PrincipalsPayload::Written {
            message: format!("{done}; verified"),
            sp: self.get_sp(&id).await.ok(),
            id,
            deleted: false,
        })
    }
}
