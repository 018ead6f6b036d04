//! Loading a whole SCIM service-principal list, page by page, as fast as the server allows.
//!
//! The first page gives `totalResults`; the remaining pages are then fetched with bounded
//! concurrency and handed to the caller as they arrive (not in order), so the first rows show at
//! once. The walk stops at `totalResults` instead of fetching a trailing empty page. A server
//! that omits `totalResults` is walked sequentially until an empty page, as the SDKs do.
//!
//! One bad page does not end a load: a page whose answer fails (truncated, reset, a 5xx after
//! the client's own retries) is asked for again; if it still fails, its rows are recorded as a
//! gap ([`LoadSummary::gaps`]) and the walk goes on, so what was loaded stays and the rest loads.
//!
//! Rows are de-duplicated by `id`: if principals are created while we page, rows shift onto the
//! next page and would otherwise show twice. A principal deleted mid-walk shifts rows the other
//! way, so one row after it may be missed by this walk; offset paging cannot prevent that, and a
//! reload fixes it.

use std::collections::HashSet;

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use super::scim::{PageQuery, ScimPage, ScimScope, ServicePrincipal, list_service_principals_page};
use super::sql_chunks::{RowGap, read_part};
use super::{ApiClient, ApiError};

/// The attributes the service-principal table shows; the rest is fetched on drill-in.
pub const TABLE_ATTRIBUTES: &str = "id,applicationId,displayName,active,externalId,groups";

/// What to load. `page_size` 100 because the account docs say `count` <= 100.
#[derive(Clone, Debug)]
pub struct LoadQuery {
    pub filter: Option<String>,
    pub page_size: u64,
    pub attributes: Option<String>,
}

impl Default for LoadQuery {
    fn default() -> Self {
        Self {
            filter: None,
            page_size: 100,
            attributes: Some(TABLE_ATTRIBUTES.to_owned()),
        }
    }
}

/// Where a load stands after a page was delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadProgress {
    /// Distinct rows delivered so far, this page included.
    pub loaded: usize,
    /// The server's latest `totalResults`, if it sends one.
    pub total: Option<u64>,
    /// Pages received so far.
    pub pages: usize,
}

/// The end state of a load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadSummary {
    pub loaded: usize,
    pub total: Option<u64>,
    pub pages: usize,
    /// Rows dropped because an earlier page already had their `id`.
    pub duplicates: usize,
    /// Pages that could not be read even when asked again (`row_offset` = `startIndex` - 1).
    pub gaps: Vec<RowGap>,
}

struct Collector<F> {
    seen: HashSet<String>,
    total: Option<u64>,
    pages: usize,
    duplicates: usize,
    gaps: Vec<RowGap>,
    on_page: F,
}

impl<F: FnMut(Vec<ServicePrincipal>, LoadProgress)> Collector<F> {
    /// Delivers one page's new rows. Called for every page, even one with no new rows, so the
    /// caller's progress (and "done with 0 rows") is always current.
    fn deliver(&mut self, page: ScimPage<ServicePrincipal>) {
        self.pages += 1;
        if page.total_results.is_some() {
            self.total = page.total_results;
        }
        let n = page.resources.len();
        let fresh: Vec<ServicePrincipal> = page
            .resources
            .into_iter()
            .filter(|sp| self.seen.insert(sp.id.clone()))
            .collect();
        self.duplicates += n - fresh.len();
        let progress = LoadProgress {
            loaded: self.seen.len(),
            total: self.total,
            pages: self.pages,
        };
        (self.on_page)(fresh, progress);
    }

    fn summary(&self) -> LoadSummary {
        LoadSummary {
            loaded: self.seen.len(),
            total: self.total,
            pages: self.pages,
            duplicates: self.duplicates,
            gaps: self.gaps.clone(),
        }
    }
}

/// Loads every principal of `scope` matching `query`, calling `on_page` for each page as it
/// arrives. At most `concurrency` (at least 1) requests are in flight. On an error the load
/// stops, requests in flight are dropped, and the rows already delivered stand.
pub async fn load_all(
    client: &ApiClient,
    scope: &ScimScope,
    query: &LoadQuery,
    concurrency: usize,
    on_page: impl FnMut(Vec<ServicePrincipal>, LoadProgress),
) -> Result<LoadSummary, ApiError> {
    let fetch = |start: u64, count: u64| {
        let q = PageQuery {
            start_index: start,
            count,
            filter: query.filter.clone(),
            attributes: query.attributes.clone(),
        };
        async move {
            let page = fetch_page(client, scope, &q).await;
            (start, count, page)
        }
    };
    let mut out = Collector {
        seen: HashSet::new(),
        total: None,
        pages: 0,
        duplicates: 0,
        gaps: Vec::new(),
        on_page,
    };
    let requested = query.page_size.max(1);
    let first = match fetch(1, requested).await {
        (_, _, Ok(Some(page))) => page,
        (_, _, Ok(None)) => {
            return Err(ApiError::Local(
                "the first page of the list could not be read".into(),
            ));
        }
        (_, _, Err(e)) => return Err(e),
    };
    let first_len = first.resources.len() as u64;
    let total = first.total_results;
    out.deliver(first);
    if first_len == 0 {
        return Ok(out.summary());
    }
    let Some(mut end) = total else {
        // No total: the SDK walk, one page at a time, advancing by what each page held.
        let mut start = 1 + first_len;
        loop {
            let page = match fetch(start, requested).await {
                (_, _, Ok(Some(page))) => page,
                (_, _, Ok(None)) => {
                    // Without a total the page's size is unknown: skip what was asked for.
                    out.gaps.push(RowGap {
                        row_offset: start - 1,
                        row_count: requested,
                    });
                    start += requested;
                    continue;
                }
                (_, _, Err(e)) => return Err(e),
            };
            let n = page.resources.len() as u64;
            out.deliver(page);
            if n == 0 {
                return Ok(out.summary());
            }
            start += n;
        }
    };
    // The server may cap `count` below what we asked; step by what the first page held so
    // concurrent pages tile the list without gaps.
    let step = first_len;
    let mut next = 1 + first_len;
    let mut in_flight = FuturesUnordered::new();
    loop {
        while in_flight.len() < concurrency.max(1) && next <= end {
            in_flight.push(fetch(next, step));
            next += step;
        }
        let Some(page) = in_flight.next().await else {
            return Ok(out.summary());
        };
        let page = match page {
            (_, _, Ok(Some(page))) => page,
            (start, count, Ok(None)) => {
                out.gaps.push(RowGap {
                    row_offset: start - 1,
                    row_count: count.min((end + 1).saturating_sub(start)),
                });
                continue;
            }
            (_, _, Err(e)) => return Err(e),
        };
        // Follow the newest total: pages are planned up to it, so rows added while we page
        // are fetched too, and a shrunken list stops the walk early.
        if let Some(t) = page.total_results {
            end = t;
        }
        out.deliver(page);
    }
}

/// One page, asked for again after a failure; `Ok(None)` when every attempt failed. An
/// authentication failure ends the load (asking again cannot fix it).
async fn fetch_page(
    client: &ApiClient,
    scope: &ScimScope,
    q: &PageQuery,
) -> Result<Option<ScimPage<ServicePrincipal>>, ApiError> {
    let what = format!("SCIM page from {}", q.start_index);
    read_part(client, &what, None, || {
        list_service_principals_page(client, scope, q)
    })
    .await
}
