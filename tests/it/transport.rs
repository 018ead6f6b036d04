//! Where credentials may go: no redirect is followed, token endpoints are https (loopback
//! aside) and on the host asked, and the transport warnings reach `auth check`.

use crate::support::emulator;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use dbx_tui::api::{ApiClient, ApiError, scim};
use dbx_tui::auth::check::{Failure, check_profile, render};
use dbx_tui::auth::{AuthError, AuthHeaders, CredentialProvider};
use dbx_tui::config::{Profile, ProfileSource, Secret};
use futures::future::BoxFuture;
use reqwest::header::{HeaderName, HeaderValue};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Seen = Arc<Mutex<Vec<HeaderMap>>>;

/// Serves `app` on a free loopback port; returns its base URL.
async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

/// A server that records the headers of every request and answers `body` (valid enough for
/// `/Me` and for a token request, so a client that got there would carry on happily).
async fn recorder() -> (String, Seen) {
    let seen = Seen::default();
    let s = seen.clone();
    let app = axum::Router::new().fallback(move |req: Request| {
        let s = s.clone();
        async move {
            s.lock().unwrap().push(req.headers().clone());
            axum::Json(serde_json::json!({
                "userName": "someone@elsewhere",
                "access_token": "stolen",
                "expires_in": 3600,
            }))
        }
    });
    (serve(app).await, seen)
}

/// A server that answers every request with 302 to `target` (with a query string that must
/// not be repeated in messages).
async fn redirector(target: String) -> String {
    let app = axum::Router::new().fallback(move || {
        let to = format!("{target}/api/2.0/preview/scim/v2/Me?sso_request=canary-sso");
        async move { (StatusCode::FOUND, [(header::LOCATION, to)]).into_response() }
    });
    serve(app).await
}

/// Sends the three kinds of credential header reqwest keeps on a cross-host redirect.
struct CompanionHeaders;

impl CredentialProvider for CompanionHeaders {
    fn method(&self) -> &'static str {
        "gateway"
    }
    fn principal(&self) -> String {
        "test".into()
    }
    fn authorize<'a>(
        &'a self,
        _http: &'a reqwest::Client,
    ) -> BoxFuture<'a, Result<AuthHeaders, AuthError>> {
        Box::pin(async {
            let h = |n: &'static str, v: &'static str| {
                (HeaderName::from_static(n), HeaderValue::from_static(v))
            };
            Ok(AuthHeaders::new(vec![
                h("x-api-key", "canary-gateway-key"),
                h("x-databricks-azure-sp-management-token", "canary-mgmt"),
                h("x-databricks-gcp-sa-access-token", "canary-gcp"),
            ]))
        })
    }
}

#[tokio::test]
async fn a_redirect_is_an_error_naming_the_location_and_sends_nothing_elsewhere() {
    let (elsewhere, seen) = recorder().await;
    let front = redirector(elsewhere.clone()).await;
    let client = ApiClient::new(
        dbx_tui::api::client::http_client(),
        &front,
        Arc::new(CompanionHeaders),
    );
    let err = scim::me(&client).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Redirected { status: 302, .. }),
        "{err:?}"
    );
    let msg = err.user_message();
    assert!(
        msg.contains(&format!("{elsewhere}/api/2.0/preview/scim/v2/Me")),
        "{msg}"
    );
    assert!(!msg.contains("canary"), "{msg}");
    assert!(
        seen.lock().unwrap().is_empty(),
        "a request reached the other host"
    );
}

fn workspace_profile(host: &str) -> Profile {
    let mut p = Profile::empty("ws", ProfileSource::Demo);
    p.host = Some(host.into());
    p
}

#[tokio::test]
async fn auth_check_reports_a_redirect_as_a_failure() {
    let (elsewhere, seen) = recorder().await;
    let front = redirector(elsewhere.clone()).await;
    let mut p = workspace_profile(&front);
    p.token = Some("dapi-canary-token".into());
    p.other_secrets.insert(
        "gateway_headers".into(),
        Secret::new("X-Api-Key: canary-gateway-key"),
    );
    let report = check_profile(&p, Duration::from_secs(5)).await;
    let (kind, detail) = report.outcome.clone().unwrap_err();
    assert_eq!(kind, Failure::Redirected, "{detail}");
    assert!(detail.contains(&elsewhere), "{detail}");
    assert!(!render(&report).contains("canary"), "{}", render(&report));

    // OAuth: the discovery request is redirected; no token request follows it.
    let mut p = workspace_profile(&front);
    p.client_id = Some("11111111-2222-3333-4444-555555555555".into());
    p.client_secret = Some("canary-client-secret".into());
    let report = check_profile(&p, Duration::from_secs(5)).await;
    let (kind, detail) = report.outcome.clone().unwrap_err();
    assert_eq!(kind, Failure::Redirected, "{detail}");
    assert!(
        detail.contains(&elsewhere) && !detail.contains("canary"),
        "{detail}"
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "a request reached the other host"
    );
}

#[tokio::test]
async fn a_discovery_document_pointing_elsewhere_gets_no_secret() {
    let (elsewhere, seen) = recorder().await;
    let token_endpoint = format!("{elsewhere}/oidc/v1/token");
    let app = axum::Router::new().route(
        "/oidc/.well-known/oauth-authorization-server",
        axum::routing::get(move || {
            let t = token_endpoint.clone();
            async move { axum::Json(serde_json::json!({ "token_endpoint": t })) }
        }),
    );
    let ws = serve(app).await;
    let mut p = workspace_profile(&ws);
    p.client_id = Some("11111111-2222-3333-4444-555555555555".into());
    p.client_secret = Some("canary-client-secret".into());
    let report = check_profile(&p, Duration::from_secs(5)).await;
    let (kind, detail) = report.outcome.unwrap_err();
    assert_eq!(kind, Failure::Untrusted, "{detail}");
    assert!(detail.contains("another host"), "{detail}");
    assert!(!detail.contains("canary"), "{detail}");
    assert!(
        seen.lock().unwrap().is_empty(),
        "the secret went to the other host"
    );
}

#[tokio::test]
async fn token_endpoints_must_be_https_off_loopback() {
    // The account token endpoint comes from the host: http there would send the secret in clear.
    let mut p = Profile::empty("acc", ProfileSource::Demo);
    p.host = Some("http://accounts.example.invalid".into());
    p.account_id = Some("acc-1".into());
    p.client_id = Some("11111111-2222-3333-4444-555555555555".into());
    p.client_secret = Some("canary-client-secret".into());
    let report = check_profile(&p, Duration::from_secs(5)).await;
    let (kind, detail) = report.outcome.clone().unwrap_err();
    assert_eq!(kind, Failure::MalformedConfig, "{detail}");
    assert!(detail.contains("not https"), "{detail}");
    assert!(
        report
            .warning
            .as_deref()
            .is_some_and(|w| w.contains("plain http")),
        "{:?}",
        report.warning
    );

    // google_iam_url, refused when the provider is built.
    let mut g = Profile::empty("gcp", ProfileSource::Demo);
    g.host = Some("https://1234.5.gcp.databricks.com".into());
    g.auth_type = Some("google-id".into());
    g.other.insert(
        "google_service_account".into(),
        "sa@p.iam.gserviceaccount.com".into(),
    );
    g.other
        .insert("google_iam_url".into(), "http://iam.example.com".into());
    let e = dbx_tui::auth::provider_for(&g)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("google_iam_url") && e.contains("not https"),
        "{e}"
    );

    // A service-account key whose token_uri is plain http.
    let key = serde_json::json!({
        "type": "service_account", "client_email": "sa@p.iam.gserviceaccount.com",
        "private_key": "-----BEGIN PRIVATE KEY-----\ncanary\n-----END PRIVATE KEY-----\n",
        "token_uri": "http://oauth2.example.com/token",
    });
    let e = dbx_tui::auth::google::ServiceAccountKey::load(&Secret::new(key.to_string()))
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("token_uri") && e.contains("not https"), "{e}");
    assert!(!e.contains("canary"), "{e}");
}

#[tokio::test]
async fn auth_check_says_skip_verify_is_not_supported() {
    let emu = emulator().await;
    let a = emu.accounts().into_iter().next().unwrap();
    let mut p = workspace_profile(&emu.base_url());
    p.token = Some(a.workspace_pat.unwrap().1.into());
    p.other.insert("skip_verify".into(), "true".into());
    let report = check_profile(&p, Duration::from_secs(5)).await;
    assert!(report.outcome.is_ok(), "{:?}", report.outcome);
    let text = render(&report);
    assert!(
        text.contains("warning  skip_verify is not supported; certificates are always verified"),
        "{text}"
    );
    // Loopback http (the emulator) is not warned about.
    assert!(!text.contains("plain http"), "{text}");
}
