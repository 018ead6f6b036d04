//! The actor: one tokio task that owns the HTTP client and every credential session, and makes
//! every REST call. The UI sends it [`Command`]s with a [`RequestId`] and a [`Slot`]; it answers
//! with [`ActorEvent`]s. A new request in a slot cancels the one before it ("latest wins"), so
//! a user who navigates away never waits for, or sees, a stale answer.

mod session;

pub use session::SessionInfo;

use crate::api::network_policies::NetworkPolicy;
use crate::api::workspaces::Workspace;
use crate::api::{ApiError, PolicyId, WorkspaceId};
use crate::config::Profile;
use session::Session;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// Identifies one request and every event that answers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// A lane of requests where only the newest matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    Workspaces,
    Bindings,
    Policies,
    PolicyDetail,
}

/// What the UI asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    ListWorkspaces,
    /// The policy bound to each workspace (no list endpoint exists: one GET each, bounded).
    LoadBindings(Vec<WorkspaceId>),
    ListPolicies,
    GetPolicy(PolicyId),
}

impl Request {
    /// Words for the footer while the request is in flight.
    pub fn label(&self) -> String {
        match self {
            Request::ListWorkspaces => "listing workspaces".into(),
            Request::LoadBindings(ids) => format!("reading {} policy bindings", ids.len()),
            Request::ListPolicies => "listing network policies".into(),
            Request::GetPolicy(id) => format!("reading policy {id}"),
        }
    }
}

pub enum Command {
    /// Use this profile from now on; requests of the previous one are cancelled.
    Connect(Box<Profile>),
    Send {
        id: RequestId,
        slot: Slot,
        request: Request,
    },
    Cancel(Slot),
}

/// One piece of an answer; a request may send several before it finishes.
#[allow(clippy::large_enum_variant, reason = "a few per second at most; boxing buys nothing")]
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Workspaces(Vec<Workspace>),
    Binding(WorkspaceId, Result<PolicyId, String>),
    Policies(Vec<NetworkPolicy>),
    Policy(NetworkPolicy),
}

#[allow(clippy::large_enum_variant, reason = "a few per second at most; boxing buys nothing")]
#[derive(Debug)]
pub enum ActorEvent {
    Connected(Result<SessionInfo, String>),
    /// A better name for who we act as, once the server told us.
    Principal {
        profile: String,
        name: String,
    },
    Response {
        id: RequestId,
        payload: Payload,
    },
    Finished {
        id: RequestId,
        error: Option<ApiError>,
        token_expires_at: Option<SystemTime>,
    },
}

/// The UI's end: cheap to clone, never awaits.
#[derive(Clone)]
pub struct ActorHandle {
    tx: mpsc::Sender<Command>,
}

impl ActorHandle {
    /// Queue a command; `false` when the actor is saturated or gone (the UI says "busy").
    pub fn try_send(&self, cmd: Command) -> bool {
        self.tx.try_send(cmd).is_ok()
    }
}

/// Start the actor on the current tokio runtime.
pub fn spawn() -> (ActorHandle, mpsc::UnboundedReceiver<ActorEvent>) {
    let (tx, rx) = mpsc::channel(64);
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    tokio::spawn(run(rx, events_tx));
    (ActorHandle { tx }, events_rx)
}

struct Running {
    id: RequestId,
    handle: AbortHandle,
}

async fn run(mut rx: mpsc::Receiver<Command>, events: mpsc::UnboundedSender<ActorEvent>) {
    let http = crate::api::client::http_client();
    let mut sessions: HashMap<String, Arc<Session>> = HashMap::new();
    let mut current: Option<Arc<Session>> = None;
    let mut running: HashMap<Slot, Running> = HashMap::new();

    while let Some(cmd) = rx.recv().await {
        match cmd {
            Command::Connect(profile) => {
                for (_, r) in running.drain() {
                    cancel(r, &events);
                }
                // Sessions are kept per profile so switching back reuses a valid token.
                let session = match sessions.get(&profile.name) {
                    Some(s) if s.profile == *profile => Ok(s.clone()),
                    _ => Session::new(*profile, http.clone()).map(Arc::new),
                };
                match session {
                    Ok(s) => {
                        sessions.insert(s.profile.name.clone(), s.clone());
                        let _ = events.send(ActorEvent::Connected(Ok(s.info())));
                        let (s2, ev) = (s.clone(), events.clone());
                        tokio::spawn(async move {
                            if let Some(name) = s2.resolve_principal().await {
                                let _ = ev.send(ActorEvent::Principal {
                                    profile: s2.profile.name.clone(),
                                    name,
                                });
                            }
                        });
                        current = Some(s);
                    }
                    Err(e) => {
                        current = None;
                        let _ = events.send(ActorEvent::Connected(Err(e)));
                    }
                }
            }
            Command::Send { id, slot, request } => {
                if let Some(prev) = running.remove(&slot) {
                    cancel(prev, &events);
                }
                let Some(session) = current.clone() else {
                    let _ = events.send(ActorEvent::Finished {
                        id,
                        error: Some(ApiError::Auth(
                            "no profile is connected (:ctx to choose one)".into(),
                        )),
                        token_expires_at: None,
                    });
                    continue;
                };
                let ev = events.clone();
                let task = tokio::spawn(async move {
                    let error = session.execute(id, request, &ev).await.err();
                    let _ = ev.send(ActorEvent::Finished {
                        id,
                        error,
                        token_expires_at: session.client.auth().expires_at(),
                    });
                });
                running.insert(
                    slot,
                    Running {
                        id,
                        handle: task.abort_handle(),
                    },
                );
            }
            Command::Cancel(slot) => {
                if let Some(prev) = running.remove(&slot) {
                    cancel(prev, &events);
                }
            }
        }
    }
}

fn cancel(r: Running, events: &mpsc::UnboundedSender<ActorEvent>) {
    if !r.handle.is_finished() {
        r.handle.abort();
        let _ = events.send(ActorEvent::Finished {
            id: r.id,
            error: Some(ApiError::Cancelled),
            token_expires_at: None,
        });
    }
}
