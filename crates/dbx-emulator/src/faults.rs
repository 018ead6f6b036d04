//! Faults beyond an error status: slow, broken, odd or huge answers, injected per route at run
//! time (through [`EmulatorHandle::inject_body_fault`], or `POST /__emulator/faults` when the
//! emulator was started with `--faults`), so the client's handling of each is tested against
//! real HTTP.

use super::state::{EmulatorHandle, Shared, lock};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// What happens to the matching responses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer normally after a delay.
    Latency { millis: u64 },
    /// Send the headers and half the body, then drop the connection.
    ResetMidBody,
    /// Send half the body and end it cleanly: JSON that stops in the middle.
    Truncated,
    /// A 200 whose body is not JSON at all.
    Malformed,
    /// Add fields nobody knows to every JSON object of the real answer.
    ExtraFields,
    /// Drop fields that are null or empty arrays from the real answer.
    MissingOptional,
    /// Pad the real answer (its first JSON object) with an unknown field of this many bytes,
    /// at most [`MAX_HUGE_BYTES`].
    Huge { bytes: usize },
    /// The real answer, a few bytes at a time with a pause between.
    SlowDrip { chunk: usize, pause_millis: u64 },
}

/// A fault on the next `times` requests whose path starts with `path_prefix` (and whose method
/// matches, when given).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BodyFault {
    pub path_prefix: String,
    #[serde(default)]
    pub method: Option<String>,
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub times: usize,
}

/// The largest padding a `huge` fault adds: 8 MiB is far beyond any real Databricks answer,
/// and a request for gigabytes must not exhaust the emulator's memory.
pub const MAX_HUGE_BYTES: usize = 8 << 20;

fn one() -> usize {
    1
}

impl EmulatorHandle {
    pub fn inject_body_fault(&self, fault: BodyFault) {
        if fault.times > 0 {
            lock(&self.shared).body_faults.push(fault);
        }
    }

    pub fn clear_faults(&self) {
        let mut s = lock(&self.shared);
        s.body_faults.clear();
        s.faults.clear();
    }
}

fn take(shared: &Shared, method: &str, path: &str) -> Option<FaultKind> {
    let mut s = lock(shared);
    let idx = s.body_faults.iter().position(|f| {
        path.starts_with(&f.path_prefix)
            && f.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    })?;
    let kind = s.body_faults[idx].kind.clone();
    s.body_faults[idx].times -= 1;
    if s.body_faults[idx].times == 0 {
        s.body_faults.remove(idx);
    }
    Some(kind)
}

/// `POST /__emulator/faults` (a [`BodyFault`]) and `DELETE /__emulator/faults`: for tests that
/// drive a separately running emulator. No auth, so only served with `--faults` (the emulator
/// listens on loopback only).
pub(crate) async fn admin_add(
    State(shared): State<Shared>,
    Json(fault): Json<BodyFault>,
) -> Response {
    EmulatorHandle { shared }.inject_body_fault(fault);
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn admin_clear(State(shared): State<Shared>) -> Response {
    EmulatorHandle { shared }.clear_faults();
    StatusCode::NO_CONTENT.into_response()
}

fn map_json(v: &mut Value, f: &dyn Fn(&mut serde_json::Map<String, Value>)) {
    match v {
        Value::Object(m) => {
            // Children first, so what `f` adds is not visited again.
            for x in m.values_mut() {
                map_json(x, f);
            }
            f(m);
        }
        Value::Array(a) => a.iter_mut().for_each(|x| map_json(x, f)),
        _ => {}
    }
}

/// The answer itself when it is an object, else the first object in it.
fn first_object(v: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m),
        Value::Array(a) => a.iter_mut().find_map(first_object),
        _ => None,
    }
}

/// Middleware: run the real handler, then break its answer as the fault says.
pub(crate) async fn apply(State(shared): State<Shared>, req: Request, next: Next) -> Response {
    let latency = lock(&shared).latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let Some(kind) = take(&shared, req.method().as_str(), req.uri().path()) else {
        return next.run(req).await;
    };
    tracing::debug!(target: "emulator", path = req.uri().path(), ?kind, "injected body fault");
    if let FaultKind::Latency { millis } = kind {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        return next.run(req).await;
    }
    let resp = next.run(req).await;
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    let half = bytes.slice(..bytes.len() / 2);
    let rewrite = |f: &dyn Fn(&mut serde_json::Map<String, Value>)| -> Bytes {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(mut v) => {
                map_json(&mut v, f);
                Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
            }
            Err(_) => bytes.clone(),
        }
    };
    let body = match kind {
        FaultKind::ResetMidBody => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(half),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected reset",
                )),
            ];
            Body::from_stream(futures::stream::iter(chunks))
        }
        FaultKind::Truncated => Body::from(half),
        FaultKind::Malformed => {
            parts.status = StatusCode::OK;
            Body::from("{\"this is\": not json, <html>")
        }
        FaultKind::ExtraFields => Body::from(rewrite(&|m| {
            m.insert(
                "x_future_field".into(),
                serde_json::json!({"nested": [1, 2, 3]}),
            );
        })),
        FaultKind::MissingOptional => Body::from(rewrite(&|m| {
            m.retain(|_, v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()));
        })),
        FaultKind::Huge { bytes: n } => match serde_json::from_slice::<Value>(&bytes) {
            // One padding field in all, so the answer grows by at most the cap.
            Ok(mut v) => {
                if let Some(m) = first_object(&mut v) {
                    m.insert(
                        "x_padding".into(),
                        Value::String("x".repeat(n.min(MAX_HUGE_BYTES))),
                    );
                }
                Body::from(serde_json::to_vec(&v).unwrap_or_default())
            }
            Err(_) => Body::from(bytes),
        },
        FaultKind::SlowDrip {
            chunk,
            pause_millis,
        } => {
            let pieces: Vec<Bytes> = bytes
                .chunks(chunk.max(1))
                .map(Bytes::copy_from_slice)
                .collect();
            let pause = Duration::from_millis(pause_millis);
            let stream = futures::stream::unfold(pieces.into_iter(), move |mut it| async move {
                let next = it.next()?;
                tokio::time::sleep(pause).await;
                Some((Ok::<_, std::io::Error>(next), it))
            });
            Body::from_stream(stream)
        }
        FaultKind::Latency { .. } => Body::from(bytes),
    };
    Response::from_parts(parts, body)
}
