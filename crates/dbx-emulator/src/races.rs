//! Races: another client's change landing while a request is on its way, for tests of writes
//! that must re-read before they retry. Reachable only through [`EmulatorHandle`] (no route).

use super::error::{code_for_status, envelope, json_response};
use super::state::{EmulatorHandle, Shared, lock};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

/// How the raced request is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaceAnswer {
    /// This error status, without running the handler: the server did not act (429, 503).
    Refuse(u16),
    /// The handler runs (the write lands), then this error status replaces its answer, as a
    /// gateway timing out (504) after the backend acted.
    LoseAnswer(u16),
}

type Meanwhile = Box<dyn FnOnce(&EmulatorHandle) + Send>;

/// One armed race (see [`EmulatorHandle::race_next`]).
pub(crate) struct Race {
    method: String,
    path: String,
    answer: RaceAnswer,
    meanwhile: Meanwhile,
}

impl EmulatorHandle {
    /// On the next `method` request to exactly `path`: run `meanwhile` (another admin's change,
    /// made through this handle), then answer as `answer` says. One shot; races queue in order.
    pub fn race_next(
        &self,
        method: &str,
        path: &str,
        answer: RaceAnswer,
        meanwhile: impl FnOnce(&EmulatorHandle) + Send + 'static,
    ) {
        lock(&self.shared).races.push(Race {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            answer,
            meanwhile: Box::new(meanwhile),
        });
    }

    /// Bind a workspace behind every client's back (no validation).
    pub fn set_binding_raw(&self, account_id: &str, workspace_id: i64, policy_id: &str) {
        lock(&self.shared)
            .bindings
            .insert((account_id.to_owned(), workspace_id), policy_id.to_owned());
    }
}

fn take(shared: &Shared, method: &str, path: &str) -> Option<Race> {
    let mut st = lock(shared);
    let idx = st
        .races
        .iter()
        .position(|r| r.method == method && r.path == path)?;
    Some(st.races.remove(idx))
}

fn error(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    json_response(
        code,
        &envelope(
            code_for_status(status),
            &format!("Injected race (HTTP {status})."),
        ),
    )
}

/// Middleware: serve an armed race, else pass the request on.
pub(crate) async fn apply(State(shared): State<Shared>, req: Request, next: Next) -> Response {
    let Some(race) = take(&shared, req.method().as_str(), req.uri().path()) else {
        return next.run(req).await;
    };
    tracing::debug!(target: "emulator", path = req.uri().path(), answer = ?race.answer, "injected race");
    (race.meanwhile)(&EmulatorHandle {
        shared: shared.clone(),
    });
    match race.answer {
        RaceAnswer::Refuse(status) => error(status),
        RaceAnswer::LoseAnswer(status) => {
            let _ = next.run(req).await;
            error(status)
        }
    }
}
