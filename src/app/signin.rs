//! The sign-in dialog: when a person's login has expired, the header offers the sign-in key;
//! the dialog shows what the actor's sign-in says (the address, the countdown, a paste-back
//! input when no local port could be bound) and sends only commands. Nothing here waits: the
//! listener and the code exchange run in the actor. On success the session is replaced and the
//! view reloads; pending edits, filters and the view stay as they were.

use super::App;
use super::modal::Modal;
use crate::actor::{Command, SignInCommand, SignInEvent};
use crate::config::Secret;
use crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// How the profile's login is renewed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `external-browser`: the browser sign-in, run by the actor.
    Browser,
    /// `databricks-cli`: the person runs `databricks auth login` elsewhere, then retries.
    Cli,
}

#[derive(Clone, Debug)]
pub enum Phase {
    /// Browser: the actor prepares the sign-in (discovery, the listener).
    Starting,
    Waiting {
        url: String,
        listening: bool,
        opened: bool,
        /// Seconds left, once the countdown has begun.
        left: Option<u64>,
        /// The redirected address, typed or pasted, when no local port could be bound.
        paste: Option<Input>,
    },
    /// CLI: says what to run; `r` checks again.
    Instructions,
    /// CLI: checking the login again.
    Checking,
    Failed(String),
}

#[derive(Clone, Debug)]
pub struct SignIn {
    pub profile: String,
    pub host: String,
    pub account_id: Option<String>,
    pub method: Method,
    pub phase: Phase,
    /// A message from the sign-in during the wait (a paste that was not the address).
    pub note: Option<String>,
}

impl SignIn {
    /// The command that renews a Databricks CLI login for this profile.
    pub fn cli_command(&self) -> String {
        match &self.account_id {
            Some(a) => format!(
                "databricks auth login --host {} --account-id {a}",
                self.host
            ),
            None => format!("databricks auth login --host {}", self.host),
        }
    }
}

impl App {
    /// The sign-in key: opens the dialog for the connected profile's login.
    pub(super) fn open_sign_in(&mut self) {
        let Some(s) = &self.state.session else {
            self.state.flash = Some("not connected: choose a profile with :ctx".into());
            return;
        };
        let method = match s.auth_method.as_str() {
            "external-browser" => Method::Browser,
            "databricks-cli" => Method::Cli,
            other => {
                self.state.flash = Some(format!(
                    "profile {} signs in with {other}, not as a person: nothing to sign in to here",
                    s.profile
                ));
                return;
            }
        };
        let host = self
            .state
            .profiles
            .iter()
            .find(|p| p.name == s.profile)
            .and_then(|p| p.host.clone())
            .unwrap_or_else(|| s.host.clone());
        let dialog = SignIn {
            profile: s.profile.clone(),
            host,
            account_id: s.account_id.clone(),
            method,
            phase: match method {
                Method::Browser => Phase::Starting,
                Method::Cli => Phase::Instructions,
            },
            note: None,
        };
        if method == Method::Browser {
            self.outbox.push(Command::SignIn(SignInCommand::Start {
                profile: dialog.profile.clone(),
            }));
        }
        self.state.modal = Some(Modal::SignIn(Box::new(dialog)));
    }

    /// A key while the dialog is open; the dialog that stays, if any.
    pub(super) fn sign_in_key(&mut self, mut d: SignIn, key: KeyEvent) -> Option<Modal> {
        if key.code == KeyCode::Esc {
            if d.method == Method::Browser {
                self.outbox.push(Command::SignIn(SignInCommand::Cancel));
            }
            return None;
        }
        match (&mut d.phase, key.code) {
            (
                Phase::Waiting {
                    paste: Some(input), ..
                },
                KeyCode::Enter,
            ) => {
                let line = std::mem::take(input).value().to_owned();
                if !line.trim().is_empty() {
                    d.note = None;
                    self.outbox
                        .push(Command::SignIn(SignInCommand::Paste(Secret::new(line))));
                }
            }
            (
                Phase::Waiting {
                    paste: Some(input), ..
                },
                _,
            ) => {
                input.handle_event(&Event::Key(key));
            }
            (Phase::Instructions | Phase::Failed(_), KeyCode::Char('r')) => {
                d.note = None;
                let profile = d.profile.clone();
                match d.method {
                    Method::Browser => {
                        d.phase = Phase::Starting;
                        self.outbox
                            .push(Command::SignIn(SignInCommand::Start { profile }));
                    }
                    Method::Cli => {
                        d.phase = Phase::Checking;
                        self.outbox
                            .push(Command::SignIn(SignInCommand::Retry { profile }));
                    }
                }
            }
            _ => {}
        }
        Some(Modal::SignIn(Box::new(d)))
    }

    /// Text pasted while the dialog waits for the redirected address.
    pub(super) fn sign_in_paste(d: &mut SignIn, text: &str) -> bool {
        match &mut d.phase {
            Phase::Waiting {
                paste: Some(input), ..
            } => {
                let mut value = input.value().to_owned();
                value.push_str(text.trim());
                *input = Input::new(value);
                true
            }
            _ => false,
        }
    }

    pub(super) fn on_sign_in_event(&mut self, ev: SignInEvent) {
        let dialog = match &mut self.state.modal {
            Some(Modal::SignIn(d)) => Some(d.as_mut()),
            _ => None,
        };
        match ev {
            SignInEvent::Needed { profile, why } => {
                if let Some(s) = self.state.session.as_mut().filter(|s| s.profile == profile) {
                    s.sign_in = Some(why);
                }
            }
            SignInEvent::Waiting {
                url,
                listening,
                opened,
            } => {
                if let Some(d) = dialog {
                    d.phase = Phase::Waiting {
                        url,
                        listening,
                        opened,
                        left: None,
                        paste: (!listening).then(Input::default),
                    };
                }
            }
            SignInEvent::Countdown(secs) => {
                if let Some(SignIn {
                    phase: Phase::Waiting { left, .. },
                    ..
                }) = dialog
                {
                    *left = Some(secs);
                }
            }
            SignInEvent::Note(text) => {
                if let Some(d) = dialog {
                    d.note = Some(text);
                }
            }
            SignInEvent::Failed(message) => {
                if let Some(d) = dialog {
                    d.phase = Phase::Failed(message);
                }
            }
            SignInEvent::Done { info, note } => {
                let current = self.state.session.as_ref().map(|s| s.profile.as_str());
                if current != Some(info.profile.as_str()) {
                    return;
                }
                let host = info.host.clone();
                self.state.session = Some(info);
                if matches!(self.state.modal, Some(Modal::SignIn(_))) {
                    self.state.modal = None;
                }
                self.state.flash = Some(match note {
                    Some(n) => format!("signed in to {host}; {n}"),
                    None => format!("signed in to {host}"),
                });
                self.state.last_error = None;
                // What failed for want of a login loads again; edits and filters are untouched.
                self.load_view(true);
            }
        }
    }
}
