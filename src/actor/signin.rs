//! Signing in again from inside the app, when a person's login (`external-browser`,
//! `databricks-cli`) has expired or was revoked. The browser sign-in runs here, in the actor:
//! the loopback listener, the countdown and the code exchange never touch the UI loop. The UI
//! only shows what [`SignInEvent`]s say and sends [`SignInCommand`]s.

use super::ActorEvent;
use super::session::{Session, SessionInfo};
use crate::auth::u2m::{self, LoginUi, SessionFailure, Target};
use crate::config::Secret;
use crate::config::keyring::KeyringError;
use crate::journal::Journal;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::AbortHandle;

/// What the UI asks of a sign-in.
#[derive(Clone, Debug, PartialEq)]
pub enum SignInCommand {
    /// Start the browser sign-in for this profile.
    Start { profile: String },
    /// The address the browser ended on, pasted by the person (no local port could be bound).
    Paste(Secret),
    /// Try the profile's login again (a `databricks-cli` profile after `databricks auth login`).
    Retry { profile: String },
    /// Stop waiting: the listener is dropped with the sign-in.
    Cancel,
}

/// What the UI is told about a sign-in. Never carries a code or token.
#[derive(Clone, Debug, PartialEq)]
pub enum SignInEvent {
    /// A call failed because this profile's login must be renewed.
    Needed {
        profile: String,
        why: SessionFailure,
    },
    /// The address to open; `listening`: a local port waits for the browser (else only a
    /// pasted address answers); `opened`: a browser was started.
    Waiting {
        url: String,
        listening: bool,
        opened: bool,
    },
    /// Seconds left to answer.
    Countdown(u64),
    /// A message for the person during the wait (a pasted line that is not an answer).
    Note(String),
    Failed(String),
    /// Signed in: the profile's session was rebuilt. `note` says when the login is kept in
    /// memory only.
    Done {
        info: SessionInfo,
        note: Option<String>,
    },
}

/// A finished sign-in, for the actor's loop to put in place of the profile's session.
pub(super) struct Installed {
    pub session: Arc<Session>,
    pub note: Option<String>,
}

/// The sign-in in progress, at most one.
#[derive(Default)]
pub(super) struct SignIns {
    running: Option<(AbortHandle, mpsc::UnboundedSender<String>)>,
}

/// Where a sign-in task reports.
pub(super) struct Outlets<'a> {
    pub events: &'a UnboundedSender<ActorEvent>,
    pub done: &'a UnboundedSender<Installed>,
    pub http: &'a reqwest::Client,
    pub journal: &'a Journal,
}

fn say(events: &UnboundedSender<ActorEvent>, ev: SignInEvent) {
    let _ = events.send(ActorEvent::SignIn(ev));
}

impl SignIns {
    pub fn handle(
        &mut self,
        cmd: SignInCommand,
        sessions: &HashMap<String, Arc<Session>>,
        out: &Outlets<'_>,
    ) {
        match cmd {
            SignInCommand::Cancel => self.cancel(),
            SignInCommand::Paste(line) => {
                if let Some((_, tx)) = &self.running {
                    let _ = tx.send(line.expose().to_owned());
                }
            }
            SignInCommand::Start { profile } => {
                self.cancel();
                let Some(session) = sessions.get(&profile).cloned() else {
                    say(
                        out.events,
                        SignInEvent::Failed(format!("profile {profile} is not connected")),
                    );
                    return;
                };
                let (tx, rx) = mpsc::unbounded_channel();
                let task = tokio::spawn(browser_sign_in(
                    session,
                    rx,
                    out.events.clone(),
                    out.done.clone(),
                    out.http.clone(),
                    out.journal.clone(),
                ));
                self.running = Some((task.abort_handle(), tx));
            }
            SignInCommand::Retry { profile } => {
                let Some(session) = sessions.get(&profile).cloned() else {
                    say(
                        out.events,
                        SignInEvent::Failed(format!("profile {profile} is not connected")),
                    );
                    return;
                };
                let (events, done, http) = (out.events.clone(), out.done.clone(), out.http.clone());
                tokio::spawn(async move {
                    match session.client.auth().authorize(&http).await {
                        Ok(_) => {
                            let _ = done.send(Installed {
                                session,
                                note: None,
                            });
                        }
                        Err(e) => say(&events, SignInEvent::Failed(e.to_string())),
                    }
                });
            }
        }
    }

    /// Drops the sign-in in progress, and with it the loopback listener.
    fn cancel(&mut self) {
        if let Some((task, _)) = self.running.take() {
            task.abort();
        }
    }
}

/// The dialog's side of [`u2m::login`]: what the command line prints goes to the UI as events.
struct DialogUi {
    events: UnboundedSender<ActorEvent>,
    /// The wait has begun: later messages are for the person (the first ones are the command
    /// line's wording of what [`SignInEvent::Waiting`] says).
    waiting: bool,
}

impl LoginUi for DialogUi {
    fn say(&mut self, text: &str) {
        if self.waiting {
            say(&self.events, SignInEvent::Note(text.to_owned()));
        }
    }

    fn open_browser(&mut self, url: &str) -> bool {
        browser_available() && spawn_browser(url)
    }

    fn countdown(&mut self, left: Duration) {
        say(&self.events, SignInEvent::Countdown(left.as_secs()));
    }

    fn waiting(&mut self, url: &str, listening: bool, opened: bool) {
        self.waiting = true;
        let url = crate::sanitize::terminal_text(url).into_owned();
        say(
            &self.events,
            SignInEvent::Waiting {
                url,
                listening,
                opened,
            },
        );
    }
}

/// Whether a graphical browser can be started from here: `$BROWSER` names one, or a display
/// exists (a terminal browser would fight the TUI for the terminal, so none is guessed).
fn browser_available() -> bool {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    set("BROWSER")
        || cfg!(any(target_os = "macos", target_os = "windows"))
        || set("DISPLAY")
        || set("WAYLAND_DISPLAY")
}

/// Starts `$BROWSER`, `xdg-open` or `open` on `url` with no access to the terminal (null stdio:
/// the TUI owns it); true once one started. The URL is an argument, never passed to a shell.
fn spawn_browser(url: &str) -> bool {
    let mut candidates: Vec<String> = std::env::var("BROWSER")
        .ok()
        .map(|b| {
            b.split(':')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    candidates.extend(["xdg-open".to_owned(), "open".to_owned()]);
    for program in candidates {
        let child = std::process::Command::new(&program)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        if let Ok(mut child) = child {
            // Reaped on a thread of its own: the actor never waits on it.
            std::thread::spawn(move || child.wait());
            return true;
        }
    }
    false
}

/// What to say when the keyring cannot keep the login.
fn memory_only(e: &KeyringError) -> String {
    let why = match e {
        KeyringError::Unavailable { reason } => format!("no OS keyring is available ({reason})"),
        other => format!("the OS keyring refused it ({other})"),
    };
    format!("the login is kept in memory for this run only (sign in again after a restart): {why}")
}

async fn browser_sign_in(
    session: Arc<Session>,
    mut pasted: mpsc::UnboundedReceiver<String>,
    events: UnboundedSender<ActorEvent>,
    done: UnboundedSender<Installed>,
    shared: reqwest::Client,
    journal: Journal,
) {
    let profile = session.profile.clone();
    let fail = |m: String| say(&events, SignInEvent::Failed(m));
    let Some(host) = profile.host.clone() else {
        return fail(format!("profile {} has no host", profile.name));
    };
    let target = match Target::for_profile(&profile, host) {
        Ok(t) => t,
        Err(e) => return fail(e.to_string()),
    };
    // The profile's own CA, if it names one; else the actor's pool.
    let http = if profile.other.contains_key("tls_ca_file") {
        match crate::api::client::http_client_for(&profile) {
            Ok(h) => h,
            Err(e) => return fail(e),
        }
    } else {
        shared.clone()
    };
    let login = u2m::Login::new(target.clone(), profile.client_id.clone());
    let mut ui = DialogUi {
        events: events.clone(),
        waiting: false,
    };
    let tokens = match u2m::login(&http, &login, &mut ui, &mut pasted).await {
        Ok(t) => t,
        Err(e) => return fail(e.to_string()),
    };
    drop(tokens.access);
    let Some(refresh) = tokens.refresh else {
        return fail(u2m::LoginError::NoRefreshToken.to_string());
    };
    let note = match u2m::provider::store_refresh_token(&target, refresh.clone()).await {
        Ok(()) => None,
        Err(e) => {
            tracing::warn!(profile = %profile.name, error = %e, "the sign-in could not be stored in the keyring; kept in memory");
            Some(memory_only(&e))
        }
    };
    // A fresh session (a new provider, no cached failure), given the login in memory.
    let fresh = match Session::new(profile, shared, journal) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if !fresh.client.auth().adopt_login(refresh) {
        return fail("this profile's method does not use a browser sign-in".into());
    }
    let _ = done.send(Installed {
        session: Arc::new(fresh),
        note,
    });
}

/// The event that tells the UI a session was put in place.
pub(super) fn installed_event(info: SessionInfo, note: Option<String>) -> ActorEvent {
    ActorEvent::SignIn(SignInEvent::Done { info, note })
}
