//! Signing in as a person (OAuth U2M, the SDKs' `external-browser`): the authorization-code
//! flow with PKCE as the Databricks CLI's public client, and the provider that keeps such a
//! login fresh from the refresh token in the OS keyring (docs/wire-facts.md §13).
//!
//! [`login`] runs one sign-in: discovery, a loopback listener on 8020-8040, the browser (or an
//! address pasted back when there is none), the `state` check and the code exchange.

pub mod discovery;
pub mod exchange;
pub mod listener;
pub mod pkce;
pub mod provider;

pub use discovery::{Endpoints, Target};
pub use exchange::Tokens;

use super::AuthError;
use listener::Answer;
use std::ops::RangeInclusive;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The Databricks CLI's public OAuth client, which every Databricks account knows.
pub const DEFAULT_CLIENT_ID: &str = "databricks-cli";
/// `all-apis` for the REST APIs, `offline_access` for a refresh token.
pub const SCOPES: &str = "all-apis offline_access";
/// How long a sign-in waits for the browser.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(300);

/// Why a stored login gives no token, with what to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionFailure {
    NotSignedIn,
    Expired,
}

/// A stored login that cannot be used. Never carries a token.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct SessionError {
    pub kind: SessionFailure,
    pub message: String,
}

/// Whether a person's login must be renewed, as [`crate::auth::CredentialProvider::sign_in_needed`]
/// reports it: written by the provider's token fetches, read by the app after a failure.
#[derive(Debug, Default)]
pub struct SignInFlag(std::sync::atomic::AtomicU8);

impl SignInFlag {
    pub fn set(&self, need: Option<SessionFailure>) {
        let v = match need {
            None => 0,
            Some(SessionFailure::Expired) => 1,
            Some(SessionFailure::NotSignedIn) => 2,
        };
        self.0.store(v, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn get(&self) -> Option<SessionFailure> {
        match self.0.load(std::sync::atomic::Ordering::Relaxed) {
            1 => Some(SessionFailure::Expired),
            2 => Some(SessionFailure::NotSignedIn),
            _ => None,
        }
    }
}

impl From<SessionError> for AuthError {
    fn from(e: SessionError) -> Self {
        AuthError::Session(e)
    }
}

/// Why a sign-in did not finish. Never carries a code or token.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("{0}")]
    Auth(#[from] AuthError),
    #[error(
        "the answer's state does not match this sign-in: refused (it may come from another sign-in, or someone else's); run the login again"
    )]
    StateMismatch,
    #[error("sign-in refused: {0}")]
    Denied(String),
    #[error("the sign-in code was refused ({0}); it may have expired: run the login again")]
    CodeRefused(String),
    #[error("no answer from the browser within {0} s: run the login again")]
    TimedOut(u64),
    #[error("the sign-in gave no refresh token (scope offline_access was not granted)")]
    NoRefreshToken,
    #[error("the terminal closed before an answer arrived")]
    NoInput,
    #[error("{0}")]
    Local(String),
}

/// What the sign-in shows the person and how it reaches a browser; the command line prints,
/// tests record and play the browser themselves.
pub trait LoginUi: Send {
    /// One message for the person.
    fn say(&mut self, text: &str);
    /// Opens `url` in a browser; false when none could be opened.
    fn open_browser(&mut self, url: &str) -> bool;
    /// Time left to answer, about once a second.
    fn countdown(&mut self, left: Duration);
    /// The wait begins: `url` is the address to open, `listening` whether a local port waits
    /// for the browser (else only a pasted address can answer), `opened` whether a browser
    /// was started. The command line has said all this already; a dialog shows it.
    fn waiting(&mut self, _url: &str, _listening: bool, _opened: bool) {}
}

/// One sign-in to run.
pub struct Login {
    pub target: Target,
    pub client_id: String,
    /// The redirect ports to try, in order ([`listener::PORTS`]).
    pub ports: RangeInclusive<u16>,
    pub wait: Duration,
}

impl Login {
    pub fn new(target: Target, client_id: Option<String>) -> Self {
        Self {
            target,
            client_id: client_id.unwrap_or_else(|| DEFAULT_CLIENT_ID.to_owned()),
            ports: listener::PORTS,
            wait: DEFAULT_WAIT,
        }
    }
}

/// The address the person opens: the authorization endpoint with the PKCE challenge.
pub fn authorize_url(
    endpoints: &Endpoints,
    client_id: &str,
    redirect_uri: &str,
    p: &pkce::Pkce,
) -> String {
    let mut url = endpoints.authorization.clone();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", SCOPES)
        .append_pair("state", &p.state)
        .append_pair("code_challenge", &p.challenge)
        .append_pair("code_challenge_method", "S256");
    url.to_string()
}

/// Aborts the listener task when the sign-in ends, however it ends.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs one sign-in. `pasted` carries lines the person types (the redirected address, when the
/// browser cannot reach this machine); it is read only while waiting.
pub async fn login(
    http: &reqwest::Client,
    login: &Login,
    ui: &mut dyn LoginUi,
    pasted: &mut mpsc::UnboundedReceiver<String>,
) -> Result<Tokens, LoginError> {
    let endpoints = discovery::discover(http, &login.target).await?;
    let p = pkce::Pkce::new().map_err(LoginError::Local)?;
    let bound = listener::bind(login.ports.clone()).await;
    let first_port = *login.ports.start();
    let redirect_uri = bound.as_ref().map_or_else(
        || format!("http://localhost:{first_port}"),
        listener::Listener::redirect_uri,
    );
    let url = authorize_url(&endpoints, &login.client_id, &redirect_uri, &p);
    ui.say(&format!(
        "Sign in to {} in a browser at this address:\n\n  {url}\n",
        login.target.host()
    ));
    let opened = bound.is_some() && ui.open_browser(&url);
    if bound.is_none() {
        ui.say(&format!(
            "No local port {first_port}-{} could be opened for the browser's answer. Open the address above in a browser on any machine, sign in, then paste here the address the browser ends on (it starts with {redirect_uri}/?code=).",
            login.ports.end()
        ));
    } else if !opened {
        ui.say(&format!(
            "No browser could be opened here (set BROWSER, or open the address yourself). After you sign in, the browser returns to {redirect_uri}; if that page does not load (a browser on another machine), paste its address here."
        ));
    } else {
        ui.say("A browser was opened. Waiting for the sign-in to finish (or paste the redirected address here).");
    }
    ui.waiting(&url, bound.is_some(), opened);
    let mut from_browser =
        bound.map(|l| AbortOnDrop(tokio::spawn(async move { l.next_answer().await })));
    let deadline = Instant::now() + login.wait;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut paste_open = true;
    let answer = loop {
        tokio::select! {
            got = async { (&mut from_browser.as_mut()?.0).await.ok() }, if from_browser.is_some() => {
                match got {
                    Some(a) => break a,
                    None => from_browser = None,
                }
            }
            line = pasted.recv(), if paste_open => {
                if let Some(l) = line {
                    match listener::answer_from(&l) {
                        Some(a) => break a,
                        None if l.trim().is_empty() => {}
                        None => ui.say("That is not the address the browser ended on (it has no code=…): paste the whole address."),
                    }
                } else {
                    paste_open = false;
                    if from_browser.is_none() {
                        return Err(LoginError::NoInput);
                    }
                }
            }
            _ = tick.tick() => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(LoginError::TimedOut(login.wait.as_secs()));
                }
                ui.countdown(left);
            }
        }
    };
    drop(from_browser);
    let (code, state) = match answer {
        Answer::Error { error, description } => {
            let text = crate::sanitize::terminal_text(format!("{error} {description}").trim())
                .into_owned();
            return Err(LoginError::Denied(text));
        }
        Answer::Code { code, state } => (code, state),
    };
    if !pkce::same(&state, &p.state) {
        tracing::warn!("sign-in answer with a state of another sign-in refused");
        return Err(LoginError::StateMismatch);
    }
    let grant = exchange::Grant::Code {
        code: &code,
        verifier: &p.verifier,
        redirect_uri: &redirect_uri,
    };
    let tokens = exchange::request(http, &endpoints.token, &login.client_id, grant)
        .await
        .map_err(|e| match e {
            exchange::ExchangeError::InvalidGrant(r) => LoginError::CodeRefused(r),
            exchange::ExchangeError::Other(e) => LoginError::Auth(e),
        })?;
    if tokens.refresh.is_none() {
        return Err(LoginError::NoRefreshToken);
    }
    Ok(tokens)
}
