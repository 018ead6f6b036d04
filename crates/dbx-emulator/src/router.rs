//! The route table, request counting and fault injection, and Databricks-style 404s.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};

use super::error::{ApiError, code_for_status, envelope, json_response};
use super::state::{Shared, lock};
use super::{assignments, auth, cloud, groups, policies, scim, scim_write, secrets, sql, u2m};

/// An API gateway in front of the emulated Databricks (Azure API Management style): requests
/// under `prefix` need header `header` = `key`, then go to the same routes with the prefix
/// stripped. With `backend_token` the gateway authenticates to Databricks itself.
#[derive(Clone, Debug)]
pub struct Gateway {
    pub prefix: String,
    pub header: String,
    pub key: String,
    pub backend_token: Option<String>,
}

/// The base URL (scheme, authority, gateway prefix) of a request, for [`auth::BASE_HEADER`].
#[derive(Clone)]
struct GatewayPrefix(String);

const ACC: &str = "/api/2.0/accounts/{account_id}";

/// The routes; `fault_routes` adds the unauthenticated `/__emulator/faults` admin route, which
/// only `dbx-tui emulator --faults` and tests turn on (never `--demo`).
pub(crate) fn build(shared: Shared, fault_routes: bool) -> Router {
    let acc = |p: &str| format!("{ACC}{p}");
    let mut routes = Router::new()
        .route(
            "/.well-known/databricks-config",
            get(auth::databricks_config),
        )
        .route(
            "/oidc/.well-known/oauth-authorization-server",
            get(auth::workspace_discovery),
        )
        .route(
            "/oidc/accounts/{account_id}/.well-known/oauth-authorization-server",
            get(auth::account_discovery),
        )
        .route("/oidc/v1/authorize", get(u2m::workspace_authorize))
        .route(
            "/oidc/accounts/{account_id}/v1/authorize",
            get(u2m::account_authorize),
        )
        .route("/oidc/v1/token", post(auth::workspace_token))
        .route(
            "/oidc/accounts/{account_id}/v1/token",
            post(auth::account_token),
        )
        .route(&acc("/workspaces"), get(policies::list_workspaces))
        .route(
            &acc("/workspaces/{workspace_id}"),
            get(policies::get_workspace),
        )
        .route(
            &acc("/workspaces/{workspace_id}/network"),
            get(policies::get_binding).put(policies::put_binding),
        )
        .route(
            &acc("/network-policies"),
            get(policies::list_policies).post(policies::create_policy),
        )
        .route(
            &acc("/network-policies/{network_policy_id}"),
            get(policies::get_policy)
                .put(policies::update_policy)
                .delete(policies::delete_policy),
        )
        .route(
            &acc("/workspaces/{workspace_id}/permissionassignments"),
            get(assignments::list),
        )
        .route(
            &acc("/workspaces/{workspace_id}/permissionassignments/permissions"),
            get(assignments::levels),
        )
        .route(
            &acc("/workspaces/{workspace_id}/permissionassignments/principals/{principal_id}"),
            put(assignments::upsert).delete(assignments::delete),
        )
        .route(
            &acc("/scim/v2/ServicePrincipals"),
            get(scim::account_list).post(scim_write::account_create),
        )
        .route(
            &acc("/scim/v2/ServicePrincipals/{id}"),
            get(scim::account_get)
                .put(scim_write::account_put)
                .patch(scim_write::account_patch)
                .delete(scim_write::account_delete),
        )
        .route(&acc("/scim/v2/Groups"), get(groups::list))
        .route(
            &acc("/scim/v2/Groups/{id}"),
            get(groups::get).patch(groups::patch),
        )
        .route(
            "/api/2.0/accounts/servicePrincipals/{sp_id}/credentials/secrets",
            get(secrets::proxy_list).post(secrets::proxy_create),
        )
        .route(
            "/api/2.0/accounts/servicePrincipals/{sp_id}/credentials/secrets/{secret_id}",
            axum::routing::delete(secrets::proxy_delete),
        )
        .route(
            &acc("/servicePrincipals/{sp_id}/credentials/secrets"),
            get(secrets::list).post(secrets::create),
        )
        .route(
            &acc("/servicePrincipals/{sp_id}/credentials/secrets/{secret_id}"),
            axum::routing::delete(secrets::delete),
        )
        .route(
            "/api/2.0/preview/scim/v2/ServicePrincipals",
            get(scim::workspace_list).post(scim_write::workspace_create),
        )
        .route(
            "/api/2.0/preview/scim/v2/ServicePrincipals/{id}",
            get(scim::workspace_get)
                .put(scim_write::workspace_put)
                .patch(scim_write::workspace_patch)
                .delete(scim_write::workspace_delete),
        )
        .route("/api/2.0/preview/scim/v2/Me", get(scim::me));
    if fault_routes {
        routes = routes.route(
            "/__emulator/faults",
            post(super::faults::admin_add).delete(super::faults::admin_clear),
        );
    }
    routes
        .merge(sql::routes(shared.clone()))
        .route("/{tenant}/oauth2/v2.0/token", post(cloud::entra_token))
        .route("/{tenant}/oauth2/token", post(cloud::entra_token))
        .route("/msi/token", get(cloud::msi_token))
        .route("/google/token", post(cloud::google_token))
        .route(
            "/iam/v1/projects/-/serviceAccounts/{target}",
            post(cloud::iam),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            super::faults::apply,
        ))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            super::races::apply,
        ))
        .layer(middleware::from_fn_with_state(shared.clone(), observe))
        .with_state(shared)
}

/// [`build`], plus the gateway routes under its prefix when there is one.
pub(crate) fn build_with(shared: Shared, gateway: Option<Gateway>, fault_routes: bool) -> Router {
    let inner = build(shared, fault_routes);
    match gateway {
        None => inner,
        Some(gw) => Router::new()
            .nest(
                &gw.prefix.clone(),
                inner
                    .clone()
                    .layer(middleware::from_fn_with_state(gw, gateway_check)),
            )
            .merge(inner),
    }
}

/// The gateway: a missing or wrong key is refused as APIM does, naming the header.
async fn gateway_check(State(gw): State<Gateway>, mut req: Request, next: Next) -> Response {
    let sent = req
        .headers()
        .get(gw.header.as_str())
        .and_then(|v| v.to_str().ok());
    let message = match sent {
        None => Some(format!(
            "Access denied due to missing subscription key. Make sure to include subscription key in header {} when making requests to an API.",
            gw.header
        )),
        Some(k) if k != gw.key => Some(format!(
            "Access denied due to invalid subscription key in header {}. Make sure to provide a valid key for an active subscription.",
            gw.header
        )),
        Some(_) => None,
    };
    if let Some(message) = message {
        return json_response(
            StatusCode::UNAUTHORIZED,
            &serde_json::json!({"statusCode": 401, "message": message}),
        );
    }
    req.extensions_mut()
        .insert(GatewayPrefix(gw.prefix.clone()));
    if let Some(t) = &gw.backend_token
        && let Ok(v) = HeaderValue::from_str(&format!("Bearer {t}"))
    {
        req.headers_mut().insert(header::AUTHORIZATION, v);
    }
    next.run(req).await
}

/// Databricks answers an unknown path or method with ENDPOINT_NOT_FOUND, not a bare 404/405.
async fn not_found(req: Request) -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "ENDPOINT_NOT_FOUND",
        format!("No API found for '{} {}'", req.method(), req.uri().path()),
    )
    .into_response()
}

/// Counts every request and serves injected faults before routing, the way a gateway throttles.
async fn observe(State(shared): State<Shared>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let prefix = req
        .extensions()
        .get::<GatewayPrefix>()
        .map(|p| p.0.clone())
        .unwrap_or_default();
    let (fault, scheme, companions) = {
        let mut st = lock(&shared);
        let fault = st.observe(&format!("{prefix}{path}"));
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default()
            .to_owned();
        let companions = cloud::check_companions(&mut st, req.headers(), &bearer);
        (fault, st.scheme, companions)
    };
    // The base URL the client called, so audiences and discovery URLs match it exactly.
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    req.headers_mut().remove(auth::BASE_HEADER);
    if let Ok(v) = HeaderValue::from_str(&format!("{scheme}://{host}{prefix}")) {
        req.headers_mut().insert(auth::BASE_HEADER, v);
    }
    if let Err(e) = companions {
        return e.into_response();
    }
    let Some(f) = fault else {
        return next.run(req).await;
    };
    tracing::debug!(target: "emulator", path, status = f.status, "injected fault");
    let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = match f.status {
        429 => "Too many requests. Please wait a moment and try again.".to_string(),
        503 => "The service is temporarily unavailable.".to_string(),
        s => format!("Injected fault (HTTP {s})."),
    };
    let mut resp = json_response(status, &envelope(code_for_status(f.status), &message));
    if let Some(secs) = f.retry_after_secs {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}
