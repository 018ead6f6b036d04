//! Every write the actor makes. Network policies and bindings have no server-side concurrency
//! guard (a PUT replaces the whole object), so each write re-reads first and refuses to
//! overwrite a change made elsewhere, then reads back and verifies what the server holds.
//! A small window between the re-read and the PUT remains; no client can close it.

use super::Payload;
use super::session::Session;
use crate::api::network_policies::change::{EditOp, apply_all};
use crate::api::network_policies::{self, NetworkPolicy};
use crate::api::{ApiError, PolicyId, WorkspaceId, workspaces};
use crate::journal::{JournalEntry, now_rfc3339};

/// Equality as far as the write is concerned: `account_id` is set by the server.
fn same(a: &NetworkPolicy, b: &NetworkPolicy) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    a.account_id = None;
    b.account_id = None;
    a == b
}

impl Session {
    fn journal(
        &self,
        action: &str,
        policy_id: &str,
        workspace_id: Option<i64>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) {
        let entry = JournalEntry {
            time: now_rfc3339(),
            profile: self.profile.name.clone(),
            principal: self.client.auth().principal(),
            action: action.to_owned(),
            policy_id: policy_id.to_owned(),
            workspace_id,
            before,
            after,
        };
        // The change is applied already; a journal failure must not hide that, only be logged.
        if let Err(e) = self.journal.append(&entry) {
            tracing::error!(error = %e, path = %self.journal.path().display(), "could not append to the journal");
        }
    }

    pub(super) async fn apply_policy_change(
        &self,
        base: NetworkPolicy,
        ops: Vec<EditOp>,
    ) -> Result<Payload, ApiError> {
        let account = self.account_id()?;
        let id = PolicyId(base.id().to_owned());
        let server = network_policies::get(&self.client, account, &id).await?;
        if !same(&server, &base) {
            tracing::info!(policy = %id, "policy changed on the server since it was read; not writing");
            return Ok(Payload::PolicyConflict {
                base: Box::new(base),
                server: Box::new(server),
                ops,
            });
        }
        let draft = apply_all(&server, &ops);
        network_policies::update(&self.client, account, &draft).await?;
        let written = network_policies::get(&self.client, account, &id).await?;
        if !same(&written, &draft) {
            return Err(ApiError::Local(format!(
                "policy {id} was written but the server now holds something else (another change landed at the same moment?): reload with r and review"
            )));
        }
        self.journal(
            "update_policy",
            id.as_str(),
            None,
            serde_json::to_value(&server).ok(),
            serde_json::to_value(&written).ok(),
        );
        Ok(Payload::PolicyWritten(written))
    }

    pub(super) async fn create_policy(&self, policy: NetworkPolicy) -> Result<Payload, ApiError> {
        let account = self.account_id()?;
        let id = PolicyId(policy.id().to_owned());
        if let Err(e) = network_policies::create(&self.client, account, &policy).await {
            // A POST is not retried blindly: after a lost connection the create may or may not
            // have happened, so look before reporting a failure.
            if !matches!(e, ApiError::Connect { .. } | ApiError::Timeout { .. }) {
                return Err(e);
            }
            match network_policies::get(&self.client, account, &id).await {
                Ok(existing) if same(&existing, &policy) => {
                    tracing::info!(policy = %id, "create answer was lost but the policy exists as sent");
                }
                _ => return Err(e),
            }
        }
        let written = network_policies::get(&self.client, account, &id).await?;
        if !same(&written, &policy) {
            return Err(ApiError::Local(format!(
                "policy {id} was created but reads back different from what was sent"
            )));
        }
        self.journal(
            "create_policy",
            id.as_str(),
            None,
            None,
            serde_json::to_value(&written).ok(),
        );
        Ok(Payload::PolicyWritten(written))
    }

    pub(super) async fn delete_policy(&self, id: PolicyId) -> Result<Payload, ApiError> {
        let account = self.account_id()?;
        let before = network_policies::get(&self.client, account, &id).await?;
        network_policies::delete(&self.client, account, &id).await?;
        self.journal(
            "delete_policy",
            id.as_str(),
            None,
            serde_json::to_value(&before).ok(),
            None,
        );
        Ok(Payload::PolicyDeleted(id))
    }

    pub(super) async fn bind_workspace(
        &self,
        ws: WorkspaceId,
        policy: PolicyId,
        expected: PolicyId,
    ) -> Result<Payload, ApiError> {
        let account = self.account_id()?;
        let current = workspaces::network_option(&self.client, account, ws)
            .await?
            .network_policy_id;
        if current != expected {
            return Err(ApiError::Local(format!(
                "workspace {ws} is now bound to {current} (changed elsewhere since it was read as {expected}); nothing was written"
            )));
        }
        let written = workspaces::set_network_option(&self.client, account, ws, &policy).await?;
        let read = workspaces::network_option(&self.client, account, ws).await?;
        if read.network_policy_id != policy {
            return Err(ApiError::Local(format!(
                "workspace {ws} reads back bound to {}, not {policy}",
                read.network_policy_id
            )));
        }
        self.journal(
            "bind_workspace",
            policy.as_str(),
            Some(ws.0),
            Some(serde_json::json!({ "network_policy_id": current })),
            serde_json::to_value(&written).ok(),
        );
        Ok(Payload::Binding(ws, Ok(policy)))
    }
}
