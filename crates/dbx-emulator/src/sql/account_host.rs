//! The accounts host serves no SQL (docs/wire-facts.md §13): `accounts.cloud.databricks.com` and
//! its Azure and GCP siblings answer `/api/2.0/sql/*` with 404 `ENDPOINT_NOT_FOUND`, and a token
//! minted for the account does not open a workspace's warehouses.
//!
//! The emulator serves accounts and workspaces on one address, so "the accounts host" is modelled
//! by who calls: a SQL call that names no workspace (`X-Databricks-Workspace-Id`) and carries an
//! account-level credential (an account admin token, or an OAuth token from the account token
//! endpoint) is a call to the accounts host. An account-audience OAuth token that does name a
//! workspace is the wrong audience, and refused as an invalid token.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::super::auth::{bearer, live_token};
use super::super::error::ApiError;
use super::super::state::{Shared, lock};

/// What the bearer token of a SQL call is, as far as the accounts host rule cares.
enum Credential {
    /// The account's static admin token: account-level, but also a user of every workspace.
    AccountAdmin,
    /// A token minted by the account OIDC endpoint: valid on the accounts host only.
    AccountOAuth,
    /// Anything else (workspace tokens, PATs, cloud tokens, unknown): checked by the handler.
    Other,
}

fn credential(shared: &Shared, req: &Request) -> Credential {
    let st = lock(shared);
    let Some(token) = bearer(req.headers()) else {
        return Credential::Other;
    };
    if st.accounts.iter().any(|a| a.admin_token == token) {
        return Credential::AccountAdmin;
    }
    match live_token(&st, token) {
        Some(t) if t.workspace_id.is_none() => Credential::AccountOAuth,
        _ => Credential::Other,
    }
}

/// Route layer of the SQL routes.
pub(crate) async fn guard(State(shared): State<Shared>, req: Request, next: Next) -> Response {
    let names_workspace = req.headers().contains_key("x-databricks-workspace-id");
    match (credential(&shared, &req), names_workspace) {
        (Credential::AccountAdmin | Credential::AccountOAuth, false) => ApiError::new(
            StatusCode::NOT_FOUND,
            "ENDPOINT_NOT_FOUND",
            format!("No API found for '{} {}'", req.method(), req.uri().path()),
        )
        .into_response(),
        (Credential::AccountOAuth, true) => {
            ApiError::invalid_token(StatusCode::FORBIDDEN).into_response()
        }
        _ => next.run(req).await,
    }
}
