//! One connected profile: its API client and credential provider.

use super::Request;
use super::feature::{Feature, Reply};
use crate::api::scim::{self, PageQuery, ScimScope};
use crate::api::{ApiClient, ApiError};
use crate::config::{Profile, ProfileKind};
use std::time::SystemTime;

/// What the header shows about the connection. No secrets.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionInfo {
    pub profile: String,
    pub host: String,
    pub kind: ProfileKind,
    pub account_id: Option<String>,
    pub auth_method: String,
    pub principal: String,
    pub expires_at: Option<SystemTime>,
    /// Said once in the header: plain http to a remote host, an ignored `skip_verify`.
    pub transport_warning: Option<String>,
    /// A person's login that must be renewed (the header offers to sign in again).
    pub sign_in: Option<crate::auth::u2m::SessionFailure>,
}

pub(super) struct Session {
    pub profile: Profile,
    pub client: ApiClient,
    pub journal: crate::journal::Journal,
    transport_warning: Option<String>,
    /// Workspace clients of an account profile's egress log.
    pub(super) egress_routes: super::egress_route::Routes,
}

impl Session {
    pub fn new(
        profile: Profile,
        http: reqwest::Client,
        journal: crate::journal::Journal,
    ) -> Result<Self, String> {
        let conn = crate::connect::Connection::open_with(&profile, Some(&http))
            .map_err(|e| e.to_string())?;
        Ok(Self {
            profile,
            client: conn.client,
            journal,
            transport_warning: conn.transport_warning,
            egress_routes: super::egress_route::Routes::default(),
        })
    }

    pub fn info(&self) -> SessionInfo {
        SessionInfo {
            profile: self.profile.name.clone(),
            host: self.client.base().to_owned(),
            kind: self.profile.kind(),
            account_id: self.profile.account_id.clone(),
            auth_method: self.client.auth().method().to_owned(),
            principal: self.client.auth().principal(),
            expires_at: self.client.auth().expires_at(),
            transport_warning: self.transport_warning.clone(),
            sign_in: self.client.auth().sign_in_needed(),
        }
    }

    pub(super) fn account_id(&self) -> Result<&str, ApiError> {
        match (self.profile.kind(), self.profile.account_id.as_deref()) {
            (ProfileKind::Account, Some(id)) => Ok(id),
            _ => Err(ApiError::Auth(format!(
                "profile {} is a workspace profile; this view needs an account profile (:ctx)",
                self.profile.name
            ))),
        }
    }

    /// Ask the server who we are, for the header: `/Me` on a workspace, the service principal's
    /// display name on an account.
    pub async fn resolve_principal(&self) -> Option<String> {
        match self.profile.kind() {
            ProfileKind::Workspace => {
                let me = scim::me(&self.client).await.ok()?;
                me.user_name.or(me.display_name).or(me.application_id)
            }
            ProfileKind::Account => {
                let client_id = self.profile.client_id.as_deref()?;
                let scope = ScimScope::Account(self.profile.account_id.clone()?);
                let q = PageQuery {
                    start_index: 1,
                    count: 1,
                    filter: Some(format!("applicationId eq {}", scim::scim_string(client_id))),
                    attributes: None,
                };
                let page = scim::list_service_principals_page(&self.client, &scope, &q)
                    .await
                    .ok()?;
                page.resources
                    .first()
                    .map(|sp| format!("{} ({client_id})", sp.name()))
            }
        }
    }

    /// Carry out one request on this session: each feature's request type does its own.
    pub async fn execute(&self, request: Request, reply: Reply<'_>) -> Result<(), ApiError> {
        match request {
            Request::Workspaces(r) => r.execute(self, reply).await,
            Request::Policies(r) => r.execute(self, reply).await,
            Request::Journal(r) => r.execute(self, reply).await,
            Request::Egress(r) => r.execute(self, reply).await,
            Request::Principals(r) => r.execute(self, reply).await,
            Request::Rollout(r) => r.execute(self, reply).await,
            #[cfg(any(test, feature = "test-hooks"))]
            #[allow(clippy::panic, reason = "a test hook, compiled only for tests")]
            Request::PanicForTest => panic!("a deliberate panic for the resilience test"),
        }
    }
}
