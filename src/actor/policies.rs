//! The network policies feature of the actor: list, read, and the guarded writes (in
//! `writes.rs`).

use super::Payload;
use super::feature::{Feature, Reply};
use super::session::Session;
use crate::api::network_policies::change::EditOp;
use crate::api::network_policies::{self, NetworkPolicy};
use crate::api::{ApiError, PolicyId};

/// The network policies feature's lanes: the newest request of each wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PoliciesSlot {
    List,
    Detail,
}

/// What the policy panes ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum PoliciesRequest {
    List,
    Get(PolicyId),
    /// Re-read the policy; if it still equals `base`, write `base` + `ops` and verify it.
    Apply {
        base: Box<NetworkPolicy>,
        ops: Vec<EditOp>,
    },
    Create(Box<NetworkPolicy>),
    Delete(PolicyId),
}

/// What the actor answers to a [`PoliciesRequest`].
#[allow(
    clippy::large_enum_variant,
    reason = "a few per second at most; boxing buys nothing"
)]
#[derive(Clone, Debug, PartialEq)]
pub enum PoliciesPayload {
    List(Vec<NetworkPolicy>),
    Policy(NetworkPolicy),
    /// The policy changed on the server since it was read: nothing was written.
    Conflict {
        base: Box<NetworkPolicy>,
        server: Box<NetworkPolicy>,
        ops: Vec<EditOp>,
    },
    /// A policy write (update or create) was applied and read back identical.
    Written(NetworkPolicy),
    Deleted(PolicyId),
}

impl PoliciesRequest {
    /// Words for the footer while the request is in flight.
    pub fn label(&self) -> String {
        match self {
            PoliciesRequest::List => "listing network policies".into(),
            PoliciesRequest::Get(id) => format!("reading policy {id}"),
            PoliciesRequest::Apply { base, .. } => format!("writing policy {}", base.id()),
            PoliciesRequest::Create(p) => format!("creating policy {}", p.id()),
            PoliciesRequest::Delete(id) => format!("deleting policy {id}"),
        }
    }
}

impl Feature for PoliciesRequest {
    async fn execute(self, session: &Session, reply: Reply<'_>) -> Result<(), ApiError> {
        let payload = match self {
            PoliciesRequest::List => PoliciesPayload::List(
                network_policies::list(&session.client, session.account_id()?).await?,
            ),
            PoliciesRequest::Get(id) => PoliciesPayload::Policy(
                network_policies::get(&session.client, session.account_id()?, &id).await?,
            ),
            PoliciesRequest::Apply { base, ops } => session.apply_policy_change(*base, ops).await?,
            PoliciesRequest::Create(p) => session.create_policy(*p).await?,
            PoliciesRequest::Delete(id) => session.delete_policy(id).await?,
        };
        reply.send(Payload::Policies(payload));
        Ok(())
    }
}
