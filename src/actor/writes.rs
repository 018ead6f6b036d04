//! Every write the actor makes. Network policies and bindings have no server-side concurrency
//! guard (a PUT replaces the whole object), so each write re-reads first, and again before any
//! retry, and refuses to overwrite a change made elsewhere ([`guarded_write`]); then it reads
//! back and verifies what the server holds. A small window between the re-read and the PUT
//! remains; no client can close it.

use super::guarded::{Guarded, Seen, guarded_write};
use super::policies::PoliciesPayload;
use super::session::Session;
use super::workspaces::WorkspacesPayload;
use crate::api::network_policies::change::{EditOp, apply_all};
use crate::api::network_policies::readback::holds;
use crate::api::network_policies::{self, NetworkPolicy};
use crate::api::retry::RetryPolicy;
use crate::api::{ApiError, PolicyId, WorkspaceId, workspaces};

/// Equality of two versions read from the server (`account_id` aside), for telling whether
/// the policy moved since it was read.
fn same(a: &NetworkPolicy, b: &NetworkPolicy) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    a.account_id = None;
    b.account_id = None;
    a == b
}

impl Session {
    /// The policy as the server holds it after a write; it must hold `expected`, else the error
    /// says `policy {id} {otherwise}`.
    async fn read_back(
        &self,
        account: &str,
        id: &PolicyId,
        expected: &NetworkPolicy,
        otherwise: &str,
    ) -> Result<NetworkPolicy, ApiError> {
        let written = network_policies::get(&self.client, account, id).await?;
        if !holds(&written, expected) {
            return Err(ApiError::Local(format!("policy {id} {otherwise}")));
        }
        Ok(written)
    }

    /// Journal a policy write with the versions the server held before and after it.
    async fn record_policy(
        &self,
        action: &str,
        id: &PolicyId,
        before: Option<&NetworkPolicy>,
        after: Option<&NetworkPolicy>,
    ) {
        let json = |p: Option<&NetworkPolicy>| p.and_then(|p| serde_json::to_value(p).ok());
        self.record(action, id.as_str(), None, json(before), json(after))
            .await;
    }

    pub(super) async fn apply_policy_change(
        &self,
        base: NetworkPolicy,
        ops: Vec<EditOp>,
    ) -> Result<PoliciesPayload, ApiError> {
        let account = self.account_id()?;
        let id = PolicyId(base.id().to_owned());
        let once = self.client.clone().with_retry(RetryPolicy::once());
        let (client, id_ref, ops_ref, base_ref) = (&self.client, &id, &ops, &base);
        let outcome = guarded_write(
            self.client.retry_policy(),
            &format!("PUT network-policies/{id}"),
            move || network_policies::get(client, account, id_ref),
            |server: &NetworkPolicy| {
                if same(server, base_ref) {
                    Seen::Expected
                } else if holds(server, &apply_all(base_ref, ops_ref)) {
                    Seen::Ours
                } else {
                    Seen::Moved
                }
            },
            |server: &NetworkPolicy| {
                let draft = apply_all(server, ops_ref);
                let once = &once;
                async move { network_policies::update(once, account, &draft).await }
            },
        )
        .await?;
        let before = match outcome {
            Guarded::Written { before } => before,
            Guarded::Moved(server) => {
                return Ok(PoliciesPayload::Conflict {
                    base: Box::new(base),
                    server: Box::new(server),
                    ops,
                });
            }
        };
        // Verified against the version the landed PUT replaced, not the one first read.
        let draft = apply_all(&before, &ops);
        let moved = "was written but the server now holds something else (another change landed at the same moment?): reload with r and review";
        let written = self.read_back(account, &id, &draft, moved).await?;
        self.record_policy("update_policy", &id, Some(&before), Some(&written))
            .await;
        Ok(PoliciesPayload::Written(written))
    }

    pub(super) async fn create_policy(
        &self,
        policy: NetworkPolicy,
    ) -> Result<PoliciesPayload, ApiError> {
        let account = self.account_id()?;
        let id = PolicyId(policy.id().to_owned());
        if let Err(e) = network_policies::create(&self.client, account, &policy).await {
            // A POST is not retried blindly: after a lost connection the create may or may not
            // have happened, so look before reporting a failure.
            if !e.outcome_unknown() {
                return Err(e);
            }
            match network_policies::get(&self.client, account, &id).await {
                Ok(existing) if holds(&existing, &policy) => {
                    tracing::info!(policy = %id, "create answer was lost but the policy exists as sent");
                }
                _ => return Err(e),
            }
        }
        let differs = "was created but reads back different from what was sent";
        let written = self.read_back(account, &id, &policy, differs).await?;
        self.record_policy("create_policy", &id, None, Some(&written))
            .await;
        Ok(PoliciesPayload::Written(written))
    }

    pub(super) async fn delete_policy(&self, id: PolicyId) -> Result<PoliciesPayload, ApiError> {
        let account = self.account_id()?;
        let before = network_policies::get(&self.client, account, &id).await?;
        network_policies::delete(&self.client, account, &id).await?;
        self.record_policy("delete_policy", &id, Some(&before), None)
            .await;
        Ok(PoliciesPayload::Deleted(id))
    }

    pub(super) async fn bind_workspace(
        &self,
        ws: WorkspaceId,
        policy: PolicyId,
        expected: PolicyId,
    ) -> Result<WorkspacesPayload, ApiError> {
        let account = self.account_id()?;
        let once = self.client.clone().with_retry(RetryPolicy::once());
        let (client, policy_ref, expected_ref) = (&self.client, &policy, &expected);
        let outcome = guarded_write(
            self.client.retry_policy(),
            &format!("PUT workspaces/{ws}/network"),
            move || async move {
                workspaces::network_option(client, account, ws)
                    .await
                    .map(|o| o.network_policy_id)
            },
            |current: &PolicyId| {
                if current == expected_ref {
                    Seen::Expected
                } else if current == policy_ref {
                    Seen::Ours
                } else {
                    Seen::Moved
                }
            },
            |_: &PolicyId| {
                let once = &once;
                async move { workspaces::set_network_option(once, account, ws, policy_ref).await }
            },
        )
        .await?;
        let before = match outcome {
            Guarded::Written { before } => before,
            Guarded::Moved(current) => {
                return Err(ApiError::Local(format!(
                    "workspace {ws} is now bound to {current} (changed elsewhere since it was read as {expected}); nothing was written"
                )));
            }
        };
        let read = workspaces::network_option(&self.client, account, ws).await?;
        if read.network_policy_id != policy {
            return Err(ApiError::Local(format!(
                "workspace {ws} reads back bound to {}, not {policy}",
                read.network_policy_id
            )));
        }
        self.record(
            "bind_workspace",
            policy.as_str(),
            Some(ws.0),
            Some(serde_json::json!({ "network_policy_id": before })),
            serde_json::to_value(&read).ok(),
        )
        .await;
        Ok(WorkspacesPayload::Binding(ws, Ok(policy)))
    }
}
