//! Personal access tokens: a static bearer token.

use super::{AuthError, AuthHeaders, CredentialProvider};
use crate::config::Secret;
use futures::future::BoxFuture;

pub struct PatProvider {
    token: Secret,
}

impl PatProvider {
    pub fn new(token: Secret) -> Self {
        Self { token }
    }
}

impl CredentialProvider for PatProvider {
    fn method(&self) -> &'static str {
        "pat"
    }

    fn principal(&self) -> String {
        "personal access token".into()
    }

    fn authorize<'a>(
        &'a self,
        _http: &'a reqwest::Client,
    ) -> BoxFuture<'a, Result<AuthHeaders, AuthError>> {
        Box::pin(async move { AuthHeaders::bearer(self.token.expose()) })
    }
}
