//! When and how long to retry, and how the caller hears about it.
//!
//! The official SDKs retry for up to five minutes and look frozen meanwhile (docs/wire-facts.md §7.2, §10).
//! dbx-tui retries less and says so: capped exponential backoff with jitter under an overall
//! deadline, `Retry-After` honoured, and every wait reported to whoever is listening (the actor
//! turns it into "retrying (2/5) after 429" in the footer).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Retry limits for one request.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    /// No retry starts once this much time has passed since the first attempt.
    pub deadline: Duration,
    /// A host that refuses connections gets this many attempts in all, so it fails in seconds.
    pub connect_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base: Duration::from_millis(400),
            cap: Duration::from_secs(10),
            deadline: Duration::from_secs(45),
            connect_attempts: 2,
        }
    }
}

impl RetryPolicy {
    /// A single attempt: for writes whose caller must look at the server before trying again
    /// (a blind retry of a PUT could overwrite a change made between the attempts).
    pub fn once() -> Self {
        Self {
            max_attempts: 1,
            connect_attempts: 1,
            ..Self::default()
        }
    }

    /// Wait before attempt `attempt + 1`: the server's `Retry-After` if it gave one (capped),
    /// else exponential from `base` with up to 50 % jitter, capped.
    pub fn wait(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(d) = retry_after {
            return d.min(self.cap);
        }
        let exp = self
            .base
            .saturating_mul(1 << attempt.saturating_sub(1).min(10));
        let capped = exp.min(self.cap);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let jitter = capped.mul_f64(f64::from(nanos % 1000) / 2000.0);
        (capped + jitter).min(self.cap)
    }
}

/// One retry about to happen.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryNotice {
    /// The attempt that is about to be made (2 for the first retry).
    pub attempt: u32,
    pub max_attempts: u32,
    /// Short cause: `429`, `503`, `connection reset`, `timeout`.
    pub reason: String,
    pub wait: Duration,
    pub endpoint: String,
}

type Observer = Arc<dyn Fn(RetryNotice) + Send + Sync>;

tokio::task_local! {
    static OBSERVER: Observer;
}

/// Run `fut` with `observer` told about every retry made inside it.
pub async fn observe<F: Future>(observer: Observer, fut: F) -> F::Output {
    OBSERVER.scope(observer, fut).await
}

/// Tell whoever observes this task about a retry (public for write paths with their own loop).
pub fn notify(notice: RetryNotice) {
    tracing::info!(endpoint = %notice.endpoint, attempt = notice.attempt, reason = %notice.reason, wait_ms = notice.wait.as_millis() as u64, "retrying");
    let _ = OBSERVER.try_with(|o| o(notice));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let p = RetryPolicy::default();
        let w1 = p.wait(1, None);
        let w3 = p.wait(3, None);
        assert!(
            w1 >= Duration::from_millis(400) && w1 <= Duration::from_millis(600),
            "{w1:?}"
        );
        assert!(w3 >= Duration::from_millis(1600), "{w3:?}");
        assert_eq!(p.wait(9, None), p.cap.min(p.wait(9, None)));
        assert!(p.wait(20, None) <= p.cap);
        assert_eq!(
            p.wait(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(p.wait(1, Some(Duration::from_secs(600))), p.cap);
    }
}
