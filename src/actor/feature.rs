//! What every feature of the actor shares: its request type carries itself out on the connected
//! session and answers through a [`Reply`]. A new feature implements [`Feature`] for its request
//! type and adds one variant to `Request`, `Payload` and `Slot`.

use super::session::Session;
use super::{ActorEvent, Payload, RequestId};
use crate::api::ApiError;
use tokio::sync::mpsc::UnboundedSender;

/// Where one request's answers go: to the UI, tagged with the request's id.
#[derive(Clone, Copy)]
pub(super) struct Reply<'a> {
    id: RequestId,
    events: &'a UnboundedSender<ActorEvent>,
}

impl<'a> Reply<'a> {
    pub(super) fn new(id: RequestId, events: &'a UnboundedSender<ActorEvent>) -> Self {
        Self { id, events }
    }

    /// One piece of the answer; a request may send several before it finishes. A UI that has
    /// gone away is not the request's error.
    pub(super) fn send(&self, payload: Payload) {
        let _ = self.events.send(ActorEvent::Response {
            id: self.id,
            payload,
        });
    }
}

/// One feature's requests, carried out on the connected session.
pub(super) trait Feature {
    async fn execute(self, session: &Session, reply: Reply<'_>) -> Result<(), ApiError>;
}
