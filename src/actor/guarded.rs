//! A guarded write: a PUT that replaces a whole object the server guards with no version, sent
//! only while the server still holds what the user saw, and never retried blindly.
//!
//! The client's own retry loop would resend the same body after a 429/503 or a lost connection;
//! if another admin changed the object in between, that resend silently replaces their change.
//! So the PUT goes out one attempt at a time and, before every retry, the object is read again:
//! if it still holds what we expected, the PUT is sent again; if it now holds exactly what we
//! sent, an earlier attempt landed (its answer was lost); anything else is a conflict.

use crate::api::ApiError;
use crate::api::retry::{RetryNotice, RetryPolicy};
use std::future::Future;
use std::time::{Duration, Instant};

/// What the server holds, compared with what the write expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Seen {
    /// What the user saw when they made the change: write.
    Expected,
    /// What the write sends: an earlier attempt landed.
    Ours,
    /// Something else: a change made elsewhere.
    Moved,
}

/// How a guarded write ended.
#[derive(Debug)]
pub(super) enum Guarded<S> {
    /// The write landed. `before` is what the server held just before the PUT that landed.
    Written { before: S },
    /// The server holds something else; nothing (more) was sent.
    Moved(S),
}

/// Why a single attempt may be tried again, or `None` when it may not.
struct Retryable {
    reason: String,
    retry_after: Option<Duration>,
    /// Nothing was sent (connection refused): limited to `connect_attempts`.
    refused: bool,
}

/// The same classes the client retries for a PUT: 429 and 503 (the server did not act), 502
/// and 504 and a lost connection or timeout (it may have acted), a refused connection.
fn retryable(e: &ApiError) -> Option<Retryable> {
    match e {
        ApiError::Http {
            status: status @ (429 | 502 | 503 | 504),
            retry_after,
            ..
        } => Some(Retryable {
            reason: status.to_string(),
            retry_after: *retry_after,
            refused: false,
        }),
        ApiError::Timeout { .. } => Some(Retryable {
            reason: "timeout".into(),
            retry_after: None,
            refused: false,
        }),
        ApiError::Connect { reason, .. } => {
            let lost = reason.contains("connection lost");
            Some(Retryable {
                reason: if lost {
                    "connection lost"
                } else {
                    "connection refused"
                }
                .into(),
                retry_after: None,
                refused: !lost,
            })
        }
        _ => None,
    }
}

/// Write with `write` (one attempt each, see [`RetryPolicy::once`]) while `read` shows what
/// `classify` calls [`Seen::Expected`]; `retry` bounds the attempts and the time, as the
/// client's own loop would, and each retry is announced the same way ("retrying (2/5) after
/// 503"). `write` gets the version just read, so the body is built from it.
pub(super) async fn guarded_write<S, W, RF, WF>(
    retry: RetryPolicy,
    endpoint: &str,
    mut read: impl FnMut() -> RF,
    classify: impl Fn(&S) -> Seen,
    mut write: impl FnMut(&S) -> WF,
) -> Result<Guarded<S>, ApiError>
where
    RF: Future<Output = Result<S, ApiError>>,
    WF: Future<Output = Result<W, ApiError>>,
{
    let started = Instant::now();
    let mut current = read().await?;
    // The version read before the last failed attempt: what the server held if it landed.
    let mut before_failed: Option<S> = None;
    let mut attempt = 0;
    let mut refused = 0;
    loop {
        match (classify(&current), before_failed.take()) {
            (Seen::Expected, _) => {}
            (Seen::Ours, Some(before)) => {
                tracing::info!(
                    endpoint,
                    "the server holds what was sent: an earlier attempt landed"
                );
                return Ok(Guarded::Written { before });
            }
            _ => {
                tracing::info!(
                    endpoint,
                    "changed on the server since it was read; not writing"
                );
                return Ok(Guarded::Moved(current));
            }
        }
        attempt += 1;
        let Err(err) = write(&current).await else {
            return Ok(Guarded::Written { before: current });
        };
        let Some(why) = retryable(&err) else {
            return Err(err);
        };
        refused += u32::from(why.refused);
        let wait = retry.wait(attempt, why.retry_after);
        if attempt >= retry.max_attempts
            || (why.refused && refused >= retry.connect_attempts)
            || started.elapsed() + wait >= retry.deadline
        {
            return Err(err);
        }
        crate::api::retry::notify(RetryNotice {
            attempt: attempt + 1,
            max_attempts: retry.max_attempts,
            reason: why.reason,
            wait,
            endpoint: endpoint.to_owned(),
        });
        tokio::time::sleep(wait).await;
        before_failed = Some(current);
        current = read().await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn http(status: u16) -> ApiError {
        ApiError::Http {
            method: "PUT".into(),
            endpoint: "/x".into(),
            status,
            kind: crate::api::ErrorKind::classify(status, ""),
            code: String::new(),
            message: String::new(),
            retry_after: Some(Duration::ZERO),
        }
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            base: Duration::ZERO,
            ..RetryPolicy::default()
        }
    }

    /// A fake server: `reads` answers in turn, `writes` answers in turn; returns the outcome and
    /// the number of writes sent.
    async fn run(
        reads: Vec<&'static str>,
        writes: Vec<Result<(), ApiError>>,
    ) -> (Result<Guarded<&'static str>, ApiError>, usize) {
        let reads = RefCell::new(reads.into_iter());
        let writes = RefCell::new(writes.into_iter());
        let sent = RefCell::new(0);
        let out = guarded_write(
            fast(),
            "/x",
            || {
                let r = reads.borrow_mut().next().expect("an unexpected read");
                async move { Ok(r) }
            },
            |s: &&str| match *s {
                "base" => Seen::Expected,
                "ours" => Seen::Ours,
                _ => Seen::Moved,
            },
            |_: &&str| {
                *sent.borrow_mut() += 1;
                let w = writes.borrow_mut().next().expect("an unexpected write");
                async move { w }
            },
        )
        .await;
        (out, sent.into_inner())
    }

    #[tokio::test]
    async fn a_retry_after_a_change_elsewhere_is_a_conflict() {
        let (out, sent) = run(vec!["base", "theirs"], vec![Err(http(503))]).await;
        assert!(matches!(out, Ok(Guarded::Moved("theirs"))), "{out:?}");
        assert_eq!(sent, 1);
    }

    /// [`run`], expecting the write to land over "base"; returns the number of writes sent.
    async fn landed(reads: Vec<&'static str>, writes: Vec<Result<(), ApiError>>) -> usize {
        let (out, sent) = run(reads, writes).await;
        let written = matches!(out, Ok(Guarded::Written { before: "base" }));
        assert!(written, "{out:?}");
        sent
    }

    #[tokio::test]
    async fn a_lost_answer_of_a_write_that_landed_is_success() {
        assert_eq!(landed(vec!["base", "ours"], vec![Err(http(504))]).await, 1);
    }

    #[tokio::test]
    async fn an_unchanged_server_gets_the_write_again() {
        let sent = landed(vec!["base", "base"], vec![Err(http(429)), Ok(())]).await;
        assert_eq!(sent, 2);
    }

    #[tokio::test]
    async fn a_first_read_that_moved_sends_nothing_and_other_errors_are_not_retried() {
        let (out, sent) = run(vec!["theirs"], vec![]).await;
        assert!(matches!(out, Ok(Guarded::Moved("theirs"))));
        assert_eq!(sent, 0);
        // Before any attempt, our own version on the server is someone else's identical change.
        let (out, _) = run(vec!["ours"], vec![]).await;
        assert!(matches!(out, Ok(Guarded::Moved("ours"))));
        let (out, sent) = run(vec!["base"], vec![Err(http(400))]).await;
        assert!(matches!(out, Err(ApiError::Http { status: 400, .. })));
        assert_eq!(sent, 1);
    }

    #[tokio::test]
    async fn attempts_are_bounded() {
        let (out, sent) = run(vec!["base"; 5], (0..5).map(|_| Err(http(503))).collect()).await;
        assert!(matches!(out, Err(ApiError::Http { status: 503, .. })));
        assert_eq!(sent, 5);
    }
}
