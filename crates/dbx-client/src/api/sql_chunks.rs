//! Reading the result chunks of a statement so that one bad chunk does not lose the others
//! (docs/wire-facts.md §5.3): a chunk whose answer fails (a truncated body, a reset, a 5xx after
//! the client's own retries) is asked for again like any read; if it still fails, its rows are
//! reported as a gap and the next chunk is read.

use super::{ApiClient, ApiError};
use serde::de::DeserializeOwned;
use std::future::Future;
use tokio_util::sync::CancellationToken;

/// Rows of a result that could not be read: `row_offset` is 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowGap {
    pub row_offset: u64,
    pub row_count: u64,
}

/// Times a chunk is asked for in all.
pub const CHUNK_ATTEMPTS: u32 = 3;

/// `1,200` (thousands separated, as the UI writes counts).
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `rows 1,201–1,300 could not be read` (1-based, inclusive), or None when nothing is missing.
pub fn describe_gaps(gaps: &[RowGap]) -> Option<String> {
    if gaps.is_empty() {
        return None;
    }
    let ranges: Vec<String> = gaps
        .iter()
        .map(|g| {
            let first = g.row_offset + 1;
            let last = g.row_offset + g.row_count.max(1);
            format!("{}–{}", grouped(first), grouped(last))
        })
        .collect();
    Some(format!("rows {} could not be read", ranges.join(", ")))
}

/// GET a chunk, asking again after a failure (bounded); `Ok(None)` when every attempt failed.
/// A cancellation is returned as `Err(ApiError::Cancelled)`.
pub(super) async fn read_chunk<T: DeserializeOwned>(
    client: &ApiClient,
    path: &str,
    cancel: &CancellationToken,
) -> Result<Option<T>, ApiError> {
    read_part(client, path, Some(cancel), || client.get::<T>(path, &[])).await
}

/// One part of a paged read (a result chunk, a SCIM page), asked for again after a failure:
/// [`CHUNK_ATTEMPTS`] in all, waiting between them as the client's retry policy says.
/// `Ok(None)` when every attempt failed, so the caller reports a gap and reads on. A failure
/// that asking again cannot fix (the credential, a cancellation, 400/401/403/404) is returned
/// at once. `cancel`, when given, interrupts a read or a wait (`Err(ApiError::Cancelled)`).
pub(super) async fn read_part<T, F: Future<Output = Result<T, ApiError>>>(
    client: &ApiClient,
    what: &str,
    cancel: Option<&CancellationToken>,
    mut read: impl FnMut() -> F,
) -> Result<Option<T>, ApiError> {
    let policy = client.retry_policy();
    for attempt in 1..=CHUNK_ATTEMPTS {
        let got = tokio::select! {
            biased;
            () = cancelled(cancel) => return Err(ApiError::Cancelled),
            r = read() => r,
        };
        match got {
            Ok(part) => return Ok(Some(part)),
            // The credential or the statement is gone: asking again cannot help.
            Err(e @ (ApiError::Auth(_) | ApiError::Cancelled)) => return Err(e),
            Err(e)
                if e.status()
                    .is_some_and(|s| matches!(s, 400 | 401 | 403 | 404)) =>
            {
                return Err(e);
            }
            Err(e) => {
                tracing::warn!(what, attempt, error = %e, "part of a paged read could not be read");
                if attempt < CHUNK_ATTEMPTS {
                    tokio::select! {
                        biased;
                        () = cancelled(cancel) => return Err(ApiError::Cancelled),
                        () = tokio::time::sleep(policy.wait(attempt, None)) => {}
                    }
                }
            }
        }
    }
    Ok(None)
}

/// Resolves when `cancel` is cancelled; never without one.
async fn cancelled(cancel: Option<&CancellationToken>) {
    match cancel {
        Some(c) => c.cancelled().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_read_as_one_based_row_ranges() {
        assert_eq!(describe_gaps(&[]), None);
        assert_eq!(
            describe_gaps(&[RowGap {
                row_offset: 1_199,
                row_count: 101
            }])
            .unwrap(),
            "rows 1,200–1,300 could not be read"
        );
    }
}
