//! The rollout feature of the actor: one policy's dry-run denials per destination, counted by a
//! SQL warehouse over a window.

use super::Payload;
use super::feature::{Feature, Reply};
use super::session::Session;
use crate::api::{ApiError, PolicyId};

/// The rollout report of a policy: its dry-run denials since `since_ms`, per destination.
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutRequest {
    pub policy: PolicyId,
    pub since_ms: i64,
}

impl RolloutRequest {
    /// Words for the footer while the request is in flight.
    pub fn label(&self) -> String {
        format!("reading what enforcing {} blocks", self.policy)
    }
}

impl Feature for RolloutRequest {
    async fn execute(self, session: &Session, reply: Reply<'_>) -> Result<(), ApiError> {
        let RolloutRequest { policy, since_ms } = self;
        let account = session.account_id()?;
        let (policy, bound) =
            crate::api::rollout::bound_policy(&session.client, account, policy.as_str()).await?;
        // The warehouse lives in a workspace: the same one the egress log reads through.
        let (via, _) = session.egress_warehouses(None).await?;
        let route = session.sql_route(via.as_ref()).await?;
        let preferred = session.profile.warehouse_id.as_deref();
        let run = crate::api::rollout::report(&route.client, &policy, &bound, since_ms, preferred)
            .await?;
        reply.send(Payload::Rollout(Box::new(run)));
        Ok(())
    }
}
