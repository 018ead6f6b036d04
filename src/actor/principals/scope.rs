//! Which SCIM and secrets routes a session's profile uses, and the reads every principals
//! request builds on.

use crate::actor::session::Session;
use crate::api::ApiError;
use crate::api::scim::{self, ScimScope, ServicePrincipal};
use crate::api::secrets::{self, SecretInfo, SecretScope};
use crate::config::ProfileKind;

impl Session {
    pub(super) fn scim_scope(&self) -> ScimScope {
        match (self.profile.kind(), self.profile.account_id.as_deref()) {
            (ProfileKind::Account, Some(acc)) => ScimScope::Account(acc.to_owned()),
            _ => ScimScope::Workspace,
        }
    }

    /// The account route first; on a workspace profile the workspace "proxy" route, also as the
    /// fallback when the account route is refused to a workspace admin (403).
    fn secret_scopes(&self) -> Vec<SecretScope> {
        match (self.profile.kind(), self.profile.account_id.as_deref()) {
            (ProfileKind::Account, Some(acc)) => vec![SecretScope::Account(acc.to_owned())],
            (ProfileKind::Workspace, Some(acc)) => vec![
                SecretScope::Account(acc.to_owned()),
                SecretScope::WorkspaceProxy,
            ],
            _ => vec![SecretScope::WorkspaceProxy],
        }
    }

    pub(super) async fn with_secret_scope<T, F, Fut>(&self, f: F) -> Result<T, ApiError>
    where
        F: Fn(SecretScope) -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        let scopes = self.secret_scopes();
        let last = scopes.len() - 1;
        for (i, scope) in scopes.into_iter().enumerate() {
            match f(scope).await {
                Err(e) if i < last && matches!(e.status(), Some(401 | 403)) => {}
                other => return other,
            }
        }
        unreachable!("at least one secret scope")
    }

    pub(super) async fn list_secrets(&self, id: &str) -> Result<Vec<SecretInfo>, ApiError> {
        self.with_secret_scope(|s| async move { secrets::list(&self.client, &s, id).await })
            .await
    }

    pub(super) async fn get_sp(&self, id: &str) -> Result<ServicePrincipal, ApiError> {
        scim::get_service_principal(&self.client, &self.scim_scope(), id).await
    }
}
