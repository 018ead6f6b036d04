//! The workspaces feature of the actor: the account's workspaces, the policy bound to each, and
//! binding a workspace to another policy.

use super::Payload;
use super::feature::{Feature, Reply};
use super::session::Session;
use crate::api::workspaces::{self, Workspace};
use crate::api::{ApiError, PolicyId, WorkspaceId};
use futures::StreamExt;

/// Workspace binding reads in flight at once: N calls with no list endpoint
/// (docs/wire-facts.md §2), kept well under the account rate limits.
const BINDING_CONCURRENCY: usize = 4;

/// The workspaces feature's lanes: the newest request of each wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkspacesSlot {
    List,
    Bindings,
}

/// What the workspaces pane asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkspacesRequest {
    List,
    /// The policy bound to each workspace (no list endpoint exists: one GET each, bounded).
    LoadBindings(Vec<WorkspaceId>),
    /// Bind a workspace, if its binding is still `expected` (unbinding = `default-policy`).
    Bind {
        workspace: WorkspaceId,
        policy: PolicyId,
        expected: PolicyId,
    },
}

/// What the actor answers to a [`WorkspacesRequest`].
#[derive(Clone, Debug, PartialEq)]
pub enum WorkspacesPayload {
    List(Vec<Workspace>),
    Binding(WorkspaceId, Result<PolicyId, String>),
}

impl WorkspacesRequest {
    /// Words for the footer while the request is in flight.
    pub fn label(&self) -> String {
        match self {
            WorkspacesRequest::List => "listing workspaces".into(),
            WorkspacesRequest::LoadBindings(ids) => {
                format!("reading {} policy bindings", ids.len())
            }
            WorkspacesRequest::Bind {
                workspace, policy, ..
            } => format!("binding {workspace} to {policy}"),
        }
    }
}

impl Feature for WorkspacesRequest {
    async fn execute(self, session: &Session, reply: Reply<'_>) -> Result<(), ApiError> {
        let send = |p| reply.send(Payload::Workspaces(p));
        match self {
            WorkspacesRequest::List => {
                let list = workspaces::list(&session.client, session.account_id()?).await?;
                send(WorkspacesPayload::List(list));
            }
            WorkspacesRequest::LoadBindings(ids) => {
                let account = session.account_id()?;
                let mut stream = futures::stream::iter(ids)
                    .map(|ws| async move {
                        (
                            ws,
                            workspaces::network_option(&session.client, account, ws).await,
                        )
                    })
                    .buffer_unordered(BINDING_CONCURRENCY);
                while let Some((ws, result)) = stream.next().await {
                    send(WorkspacesPayload::Binding(
                        ws,
                        result
                            .map(|o| o.network_policy_id)
                            .map_err(|e| e.user_message()),
                    ));
                }
            }
            WorkspacesRequest::Bind {
                workspace,
                policy,
                expected,
            } => send(session.bind_workspace(workspace, policy, expected).await?),
        }
        Ok(())
    }
}
