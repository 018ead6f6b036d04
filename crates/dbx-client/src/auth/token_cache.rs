//! The token cache every minting credential kind shares (OAuth M2M, browser sign-in, the
//! Databricks CLI, Entra ID, Google): one refresh
//! in flight at a time, and one refresh per refused token however many requests saw it refused.
//!
//! The cache is a tokio mutex held across the token request, so callers arriving during a
//! refresh wait for it and then use its result. Each minted token gets an id, carried in the
//! [`AuthHeaders`] it produced. A request refused with 401 reports that id: the cache then
//! stops using that token (and any older one), but a newer token that another request already
//! minted stays. N requests refused on the same token therefore cause exactly one new token,
//! and no refusal is lost because the cache happened to be busy.
//!
//! A credential kind plugs in by implementing [`Mint`] (how to get a token, which headers carry
//! it); [`Cached`] turns any such minter into a [`CredentialProvider`], so the cache is wired
//! to the provider interface once, here, for every kind.

use super::{AuthError, AuthHeaders, CredentialProvider};
use futures::future::BoxFuture;
use std::future::Future;
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Mutex;

/// Which minted token a set of headers carries (ids increase from 1 per cache).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TokenId(pub u64);

/// A freshly minted token (or token set) and when to replace it.
pub struct Minted<T> {
    pub value: T,
    pub refresh_at: Instant,
    pub expires_at: SystemTime,
}

impl<T> Minted<T> {
    /// A token valid for `lifetime`, refreshed `margin` before it runs out, but never more
    /// than a quarter of a short lifetime early.
    pub fn new(value: T, lifetime: Duration, margin: Duration) -> Self {
        let margin = margin.min(lifetime / 4);
        Self {
            value,
            refresh_at: Instant::now() + lifetime.saturating_sub(margin),
            expires_at: SystemTime::now() + lifetime,
        }
    }
}

struct Entry<T> {
    id: u64,
    minted: Minted<T>,
}

pub struct TokenCache<T> {
    slot: Mutex<Option<Entry<T>>>,
    /// The newest id a server refused; a cached token with this id or an older one is not used.
    refused: AtomicU64,
    last_id: AtomicU64,
    /// Expiry readable without awaiting, for the header line.
    expiry: StdMutex<Option<SystemTime>>,
}

impl<T> Default for TokenCache<T> {
    fn default() -> Self {
        Self {
            slot: Mutex::new(None),
            refused: AtomicU64::new(0),
            last_id: AtomicU64::new(0),
            expiry: StdMutex::new(None),
        }
    }
}

impl<T> TokenCache<T> {
    /// Headers from the cached token, minting one with `mint` first when there is none, it is
    /// due for refresh, or a server refused it. `mint` is only awaited (and so only runs) when
    /// a new token is needed.
    pub async fn headers(
        &self,
        mint: impl Future<Output = Result<Minted<T>, AuthError>>,
        build: impl FnOnce(&T) -> Result<AuthHeaders, AuthError>,
    ) -> Result<AuthHeaders, AuthError> {
        let mut slot = self.slot.lock().await;
        let refused = self.refused.load(Ordering::Acquire);
        let usable =
            matches!(&*slot, Some(e) if e.id > refused && Instant::now() < e.minted.refresh_at);
        if !usable {
            // Drop (and so wipe) the old token before asking for a new one.
            *slot = None;
            let minted = mint.await?;
            let id = self.last_id.fetch_add(1, Ordering::AcqRel) + 1;
            if let Ok(mut e) = self.expiry.lock() {
                *e = Some(minted.expires_at);
            }
            *slot = Some(Entry { id, minted });
        }
        let Some(entry) = slot.as_ref() else {
            return Err(AuthError::Config("no token".into()));
        };
        let mut headers = build(&entry.minted.value)?;
        headers.token = Some(TokenId(entry.id));
        Ok(headers)
    }

    /// A server refused the token `refused`: the next caller mints a new one, unless a newer
    /// token than that is already cached. Never waits, so it cannot be skipped.
    pub fn invalidate(&self, refused: TokenId) {
        self.refused.fetch_max(refused.0, Ordering::AcqRel);
    }

    /// When the current token runs out.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expiry.lock().ok().and_then(|e| *e)
    }
}

/// A credential that mints short-lived tokens. Wrapped in [`Cached`] it is a
/// [`CredentialProvider`] whose tokens live in one [`TokenCache`].
pub trait Mint: Send + Sync {
    /// What one mint yields: a token, or a token and the ones sent beside it.
    type Token: Send + Sync;
    /// The SDK `auth_type` name ([`CredentialProvider::method`]).
    fn method(&self) -> &'static str;
    /// Who requests run as, without secrets ([`CredentialProvider::principal`]).
    fn principal(&self) -> String;
    /// Asks for a new token. Only called when the cache holds no usable one.
    fn mint(
        &self,
        http: &reqwest::Client,
    ) -> impl Future<Output = Result<Minted<Self::Token>, AuthError>> + Send;
    /// The headers that carry `token`.
    fn headers(&self, token: &Self::Token) -> Result<AuthHeaders, AuthError>;
    /// What the last mint had to leave out ([`CredentialProvider::warnings`]).
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
    /// Sees what each `authorize` answered (a person's login notes whether it must be renewed).
    fn observe(&self, _got: &Result<AuthHeaders, AuthError>) {}
    /// [`CredentialProvider::sign_in_needed`].
    fn sign_in_needed(&self) -> Option<super::u2m::SessionFailure> {
        None
    }
    /// [`CredentialProvider::adopt_login`].
    fn adopt_login(&self, _refresh: crate::config::Secret) -> bool {
        false
    }
}

/// A [`Mint`] and its token cache: the provider every minting credential kind becomes.
pub struct Cached<M: Mint> {
    minter: M,
    cache: TokenCache<M::Token>,
}

impl<M: Mint> Cached<M> {
    pub fn new(minter: M) -> Self {
        Self {
            minter,
            cache: TokenCache::default(),
        }
    }
}

impl<M: Mint> CredentialProvider for Cached<M> {
    fn method(&self) -> &'static str {
        self.minter.method()
    }

    fn principal(&self) -> String {
        self.minter.principal()
    }

    fn authorize<'a>(
        &'a self,
        http: &'a reqwest::Client,
    ) -> BoxFuture<'a, Result<AuthHeaders, AuthError>> {
        Box::pin(async move {
            let got = self
                .cache
                .headers(self.minter.mint(http), |t| self.minter.headers(t))
                .await;
            self.minter.observe(&got);
            got
        })
    }

    fn invalidate(&self, refused: TokenId) {
        self.cache.invalidate(refused);
    }

    fn expires_at(&self) -> Option<SystemTime> {
        self.cache.expires_at()
    }

    fn warnings(&self) -> Vec<String> {
        self.minter.warnings()
    }

    fn sign_in_needed(&self) -> Option<super::u2m::SessionFailure> {
        self.minter.sign_in_needed()
    }

    fn adopt_login(&self, refresh: crate::config::Secret) -> bool {
        self.minter.adopt_login(refresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    #[allow(
        clippy::ptr_arg,
        reason = "the cache hands its value type, String, by reference"
    )]
    fn headers_for(v: &String) -> Result<AuthHeaders, AuthError> {
        AuthHeaders::bearer(v.as_str())
    }

    async fn mint(count: &AtomicUsize) -> Result<Minted<String>, AuthError> {
        let n = count.fetch_add(1, Ordering::SeqCst) + 1;
        // Let every waiting task pile up on the lock while this refresh is in flight.
        tokio::task::yield_now().await;
        Ok(Minted::new(
            format!("t{n}"),
            Duration::from_secs(3600),
            Duration::from_secs(40),
        ))
    }

    #[tokio::test]
    async fn many_refusals_of_one_token_cause_one_refresh() {
        let cache = Arc::new(TokenCache::<String>::default());
        let count = Arc::new(AtomicUsize::new(0));
        let first = cache
            .headers(mint(&count), headers_for)
            .await
            .unwrap()
            .token
            .unwrap();
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (cache, count) = (cache.clone(), count.clone());
            tasks.push(tokio::spawn(async move {
                cache.invalidate(first);
                cache
                    .headers(mint(&count), headers_for)
                    .await
                    .unwrap()
                    .token
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Some(TokenId(2)));
        }
        // A refusal of the old token arriving late does not throw the new one away.
        cache.invalidate(first);
        let again = cache.headers(mint(&count), headers_for).await.unwrap();
        assert_eq!(again.token, Some(TokenId(2)));
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_mint_is_retried_by_the_next_caller() {
        let cache = TokenCache::<String>::default();
        let err = cache
            .headers(async { Err(AuthError::Config("down".into())) }, headers_for)
            .await;
        assert!(err.is_err());
        let count = AtomicUsize::new(0);
        assert!(cache.headers(mint(&count), headers_for).await.is_ok());
        assert!(cache.expires_at().is_some());
    }
}
