//! The actor: one tokio task that owns the HTTP client and every credential session, and makes
//! every REST call. The UI sends it [`Command`]s with a [`RequestId`] and a [`Slot`]; it answers
//! with [`ActorEvent`]s. A new request in a slot cancels the one before it ("latest wins"), so
//! a user who navigates away never waits for, or sees, a stale answer.

pub mod egress;
mod egress_route;
mod feature;
mod guarded;
mod journal;
mod policies;
mod principals;
mod record;
mod rollout;
mod session;
mod signin;
mod workspaces;
mod writes;

pub use egress::{EgressPayload, EgressRequest, EgressSlot};
pub use journal::{JournalPayload, JournalRequest};
pub use policies::{PoliciesPayload, PoliciesRequest, PoliciesSlot};
pub use principals::{
    AssignmentRow, PrincipalWrite, PrincipalsPayload, PrincipalsRequest, PrincipalsSlot,
};
pub use rollout::RolloutRequest;
pub use workspaces::{WorkspacesPayload, WorkspacesRequest, WorkspacesSlot};

pub use egress_route::EgressVia;
pub use session::SessionInfo;
pub use signin::{SignInCommand, SignInEvent};

use crate::api::ApiError;
use crate::config::Profile;
use crate::journal::Journal;
use session::Session;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// Identifies one request and every event that answers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// A lane of requests where only the newest matters: one variant per feature, holding that
/// feature's lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slot {
    Workspaces(WorkspacesSlot),
    Policies(PoliciesSlot),
    Journal,
    Egress(EgressSlot),
    Principals(PrincipalsSlot),
    /// `:rollout`: one policy's dry-run report.
    Rollout,
    /// Writes are never cancelled by a newer request: an aborted write could half-apply.
    Write,
}

/// What the UI asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Workspaces(WorkspacesRequest),
    Policies(PoliciesRequest),
    Journal(JournalRequest),
    Egress(EgressRequest),
    Principals(PrincipalsRequest),
    /// `:rollout`: one policy's dry-run denials per destination.
    Rollout(RolloutRequest),
    /// Panics inside the request task: lets tests prove a bug in one request does not take the
    /// actor down. Not reachable from any key, and not compiled into a release build.
    #[cfg(any(test, feature = "test-hooks"))]
    #[doc(hidden)]
    PanicForTest,
}

impl Request {
    /// Words for the footer while the request is in flight.
    pub fn label(&self) -> String {
        match self {
            Request::Workspaces(r) => r.label(),
            Request::Policies(r) => r.label(),
            Request::Journal(r) => r.label(),
            Request::Egress(r) => r.label(),
            Request::Principals(r) => r.label(),
            Request::Rollout(r) => r.label(),
            #[cfg(any(test, feature = "test-hooks"))]
            Request::PanicForTest => "panicking on purpose".into(),
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
    /// Sign in again (a person's login expired), or give up waiting.
    SignIn(SignInCommand),
}

/// One piece of an answer; a request may send several before it finishes.
#[allow(
    clippy::large_enum_variant,
    reason = "a few per second at most; boxing buys nothing"
)]
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Workspaces(WorkspacesPayload),
    Policies(PoliciesPayload),
    Journal(JournalPayload),
    Egress(EgressPayload),
    Principals(PrincipalsPayload),
    Rollout(Box<crate::api::rollout::RolloutRun>),
    /// A load finished with rows it could not read (`rows 1,201–1,300 could not be read`), in
    /// any feature.
    LoadGap(String),
}

#[allow(
    clippy::large_enum_variant,
    reason = "a few per second at most; boxing buys nothing"
)]
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
    /// A request is being retried; the footer says so instead of looking frozen.
    Retrying {
        id: RequestId,
        notice: crate::api::retry::RetryNotice,
    },
    /// The actor crashed and was restarted; sessions are re-created on the next connect.
    Restarted {
        reason: String,
    },
    Finished {
        id: RequestId,
        error: Option<ApiError>,
        token_expires_at: Option<SystemTime>,
    },
    /// A person's login must be renewed, or a sign-in in the app moved on.
    SignIn(SignInEvent),
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
pub fn spawn(journal: Journal) -> (ActorHandle, mpsc::UnboundedReceiver<ActorEvent>) {
    let (tx, rx) = mpsc::channel(64);
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    tokio::spawn(supervise(rx, events_tx, journal));
    (ActorHandle { tx }, events_rx)
}

/// Run the actor; if its loop panics, report it and start a fresh one on the same channels,
/// so a bug costs the current sessions, not the app.
async fn supervise(
    mut rx: mpsc::Receiver<Command>,
    events: mpsc::UnboundedSender<ActorEvent>,
    journal: Journal,
) {
    use futures::FutureExt;
    loop {
        let outcome = std::panic::AssertUnwindSafe(run(&mut rx, events.clone(), journal.clone()))
            .catch_unwind()
            .await;
        match outcome {
            Ok(()) => return,
            Err(panic) => {
                let reason = panic_message(&panic);
                tracing::error!(%reason, "the actor panicked; restarting it");
                if events.send(ActorEvent::Restarted { reason }).is_err() {
                    return;
                }
            }
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

struct Running {
    id: RequestId,
    handle: AbortHandle,
}

async fn run(
    rx: &mut mpsc::Receiver<Command>,
    events: mpsc::UnboundedSender<ActorEvent>,
    journal: Journal,
) {
    let http = crate::api::client::http_client();
    let mut sessions: HashMap<String, Arc<Session>> = HashMap::new();
    let mut current: Option<Arc<Session>> = None;
    let mut running: HashMap<Slot, Running> = HashMap::new();
    let mut sign_ins = signin::SignIns::default();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<signin::Installed>();

    loop {
        let cmd = tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(cmd) => cmd,
                None => break,
            },
            Some(done) = done_rx.recv() => {
                // A sign-in finished: its session replaces the profile's, current or not.
                let s = done.session;
                if current.as_ref().is_some_and(|c| c.profile.name == s.profile.name) {
                    current = Some(s.clone());
                }
                sessions.insert(s.profile.name.clone(), s.clone());
                let _ = events.send(signin::installed_event(s.info(), done.note));
                continue;
            }
        };
        match cmd {
            Command::SignIn(c) => {
                let out = signin::Outlets {
                    events: &events,
                    done: &done_tx,
                    http: &http,
                    journal: &journal,
                };
                sign_ins.handle(c, &sessions, &out);
            }
            Command::Connect(profile) => {
                for (_, r) in running.drain() {
                    cancel(r, &events);
                }
                // Sessions are kept per profile so switching back reuses a valid token.
                let session = match sessions.get(&profile.name) {
                    Some(s) if s.profile == *profile => Ok(s.clone()),
                    _ => Session::new(*profile, http.clone(), journal.clone()).map(Arc::new),
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
                if slot != Slot::Write
                    && let Some(prev) = running.remove(&slot)
                {
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
                    use futures::FutureExt;
                    let observer_events = ev.clone();
                    let observer: std::sync::Arc<
                        dyn Fn(crate::api::retry::RetryNotice) + Send + Sync,
                    > = std::sync::Arc::new(move |notice| {
                        let _ = observer_events.send(ActorEvent::Retrying { id, notice });
                    });
                    let reply = feature::Reply::new(id, &ev);
                    let work =
                        crate::api::retry::observe(observer, session.execute(request, reply));
                    // A panic in one request is that request's error, not the app's end.
                    let error = match std::panic::AssertUnwindSafe(work).catch_unwind().await {
                        Ok(result) => result.err(),
                        Err(panic) => {
                            let reason = panic_message(&panic);
                            tracing::error!(%reason, "a request task panicked");
                            Some(ApiError::Local(format!(
                                "internal error while handling the request: {reason}"
                            )))
                        }
                    };
                    if matches!(error, Some(ApiError::Auth(_)))
                        && let Some(why) = session.client.auth().sign_in_needed()
                    {
                        let profile = session.profile.name.clone();
                        let _ = ev.send(ActorEvent::SignIn(SignInEvent::Needed { profile, why }));
                    }
                    let _ = ev.send(ActorEvent::Finished {
                        id,
                        error,
                        token_expires_at: session.client.auth().expires_at(),
                    });
                });
                if slot != Slot::Write {
                    running.insert(
                        slot,
                        Running {
                            id,
                            handle: task.abort_handle(),
                        },
                    );
                }
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
