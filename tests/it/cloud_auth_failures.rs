//! Cloud credential failures, each against a mock that fails one way, and each named for what
//! it is: a managed identity endpoint refusing, silent, or without the identity; Entra 400/401
//! with their real status; IAM 403 naming the missing role; an access token left out as a
//! warning; APIM 401 to a gateway-only profile; `/Me` without an identity; keys a profile sets
//! that its method ignores; the Google ID-token audience key.

use crate::cloud_common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode, Uri};
use cloud_common::*;
use dbx_tui::auth::CredentialProvider;
use dbx_tui::auth::azure::{AzureKind, AzureProvider};
use dbx_tui::auth::azure_msi::{MsiEndpoint, MsiFailure};
use dbx_tui::auth::check::{Failure, check_profile, failure_of, render, render_line};
use dbx_tui::auth::token_cache::Cached;
use dbx_tui::auth::{AuthError, google};
use dbx_tui::emulator::ServeOptions;

const LIMIT: Duration = Duration::from_secs(10);

/// A request the mock IMDS saw: its URI and its `Metadata` header.
type Seen = (String, Option<String>);

/// Serves `router` on a fresh loopback port; returns its base URL.
async fn serve(router: axum::Router) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, router).await });
    format!("http://{addr}")
}

/// A loopback port nothing listens on.
async fn closed_port() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

fn msi(endpoint: MsiEndpoint, client_id: Option<&str>, timeout: Duration) -> Cached<AzureProvider> {
    Cached::new(
        AzureProvider::new(
            AzureKind::ManagedIdentity {
                client_id: client_id.map(str::to_owned),
                endpoint,
                timeout,
            },
            None,
            None,
            None,
        )
        .unwrap(),
    )
}

async fn msi_error(p: &Cached<AzureProvider>) -> AuthError {
    // A guard far above the bound under test: an unbounded attempt fails here, loudly.
    tokio::time::timeout(
        Duration::from_secs(30),
        p.authorize(&crate::support::http()),
    )
    .await
    .expect("the managed identity attempt is bounded")
    .err()
    .expect("no token")
}

#[tokio::test]
async fn managed_identity_refusing_silent_or_unassigned_is_named() {
    // Nothing listens: the connection is refused, and the endpoint is named once.
    let url = format!("{}/metadata/identity/oauth2/token", closed_port().await);
    let e = msi_error(&msi(MsiEndpoint::Imds(url), None, Duration::from_secs(3))).await;
    let text = e.to_string();
    assert!(
        matches!(&e, AuthError::Msi(m) if m.kind == MsiFailure::ConnectionRefused),
        "{text}"
    );
    assert_eq!(failure_of(&e), Failure::Unreachable, "{text}");
    assert!(
        text.starts_with("the managed identity endpoint (IMDS) http://127.0.0.1:")
            && text.contains("refused the connection"),
        "{text}"
    );
    assert!(!text.contains("the token endpoint the"), "{text}");

    // Accepts the connection and never answers: the bound (azure_msi_timeout) ends it.
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s);
        }
    });
    let silent = MsiEndpoint::Imds(format!("http://{addr}/metadata/identity/oauth2/token"));
    let e = msi_error(&msi(silent, None, Duration::from_millis(300))).await;
    let text = e.to_string();
    assert!(
        matches!(&e, AuthError::Msi(m) if m.kind == MsiFailure::NoAnswer),
        "{text}"
    );
    assert_eq!(failure_of(&e), Failure::Timeout);
    assert!(
        text.contains("(IMDS)") && text.contains("within 0.3 s (azure_msi_timeout)"),
        "{text}"
    );

    // IMDS answers 400 for an identity not on this VM; the request is IMDS-shaped.
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    let imds = serve(axum::Router::new().fallback(move |uri: Uri, h: HeaderMap| {
        let log = log.clone();
        async move {
            let metadata = h.get("metadata").map(|v| v.to_str().unwrap().to_owned());
            log.lock().unwrap().push((uri.to_string(), metadata));
            (
                StatusCode::BAD_REQUEST,
                r#"{"error":"invalid_request","error_description":"Identity not found"}"#,
            )
        }
    }))
    .await;
    let p = msi(
        MsiEndpoint::Imds(format!("{imds}/metadata/identity/oauth2/token")),
        Some("mi-elsewhere"),
        Duration::from_secs(3),
    );
    let e = msi_error(&p).await;
    let text = e.to_string();
    assert_eq!(failure_of(&e), Failure::IdentityNotAssigned, "{text}");
    assert!(
        text.starts_with("identity not assigned")
            && text.contains("Identity not found")
            && text.contains("azure_client_id = mi-elsewhere"),
        "{text}"
    );
    let (uri, metadata) = seen.lock().unwrap()[0].clone();
    assert!(
        uri.contains("api-version=2018-02-01")
            && uri.contains("resource=2ff814a6-3304-4ab8-85cb-cd0e6f879c1d")
            && uri.contains("client_id=mi-elsewhere"),
        "{uri}"
    );
    assert_eq!(metadata.as_deref(), Some("true"));
    // One request: no retry loop behind the bound.
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_bad_azure_msi_timeout_is_a_config_error() {
    let p = profile(
        "[m]\nhost = https://adb-1.2.azuredatabricks.net\nazure_use_msi = true\nazure_msi_timeout = soon\n",
        "m",
    );
    let r = check_profile(&p, LIMIT).await;
    assert_eq!(r.outcome.as_ref().unwrap_err().0, Failure::MalformedConfig);
    assert!(render(&r).contains("azure_msi_timeout"), "{}", render(&r));
}

#[tokio::test]
async fn entra_refusals_carry_their_status() {
    let AzureOverTls {
        emu,
        acct,
        ca_file,
        dir: _keep_ca_file,
        ..
    } = azure_over_tls().await;
    let acct = acct.account_id;
    let text = |client: &str, secret: &str| {
        format!(
            "[az]\nhost = {b}\naccount_id = {acct}\ncloud = azure\nazure_tenant_id = tenant-1\nazure_client_id = {client}\nazure_client_secret = {secret}\nazure_authority_host = {b}\ntls_ca_file = {}\n",
            ca_file.display(),
            b = emu.base_url()
        )
    };
    for (client, secret, status, code) in [
        ("app-1", "canary-wrong", "(HTTP 401)", "AADSTS7000215"),
        (
            "app-unknown",
            "canary-az-secret",
            "(HTTP 400)",
            "AADSTS700016",
        ),
    ] {
        let r = check_profile(&profile(&text(client, secret), "az"), LIMIT).await;
        let out = render(&r);
        assert_eq!(
            r.outcome.as_ref().unwrap_err().0,
            Failure::CredentialRefused,
            "{out}"
        );
        assert!(out.contains(status) && out.contains(code), "{out}");
        assert!(!out.contains("HTTP 0"), "{out}");
        no_canary(&out);
    }
}

fn google_pair(emu: &dbx_tui::emulator::Emulator) -> (TestSaKey, TestSaKey, String) {
    let h = emu.handle();
    let acct = account(emu, "gcp").account_id;
    let caller = sa_key("ci-runner@proj.iam.gserviceaccount.com");
    let target = sa_key("dbx-admin@proj.iam.gserviceaccount.com");
    h.add_google_sa(&caller.email, &caller.public_der, None);
    h.add_google_sa(&target.email, &target.public_der, Some(&acct));
    (caller, target, acct)
}

fn impersonating(
    emu: &dbx_tui::emulator::Emulator,
    acct: &str,
    caller: &TestSaKey,
    target: &TestSaKey,
    token_uri: &str,
) -> String {
    format!(
        "[imp]\nhost = {b}\naccount_id = {acct}\nauth_type = google-id\ngoogle_service_account = {}\ngoogle_credentials = {}\ngoogle_iam_url = {b}/iam\n",
        target.email,
        caller.json(token_uri),
        b = emu.base_url()
    )
}

#[tokio::test]
async fn iam_denials_name_the_missing_role() {
    let emu = emulator(ServeOptions::default()).await;
    let (caller, target, acct) = google_pair(&emu);
    let token_uri = format!("{}/google/token", emu.base_url());
    let p = profile(
        &impersonating(&emu, &acct, &caller, &target, &token_uri),
        "imp",
    );

    // No role at all: generateIdToken is denied, and the check says which role is missing.
    let r = check_profile(&p, LIMIT).await;
    let out = render(&r);
    assert_eq!(
        r.outcome.as_ref().unwrap_err().0,
        Failure::CredentialRefused,
        "{out}"
    );
    assert!(
        out.contains("(HTTP 403)") && out.contains(google::TOKEN_CREATOR_ROLE),
        "{out}"
    );
    assert!(out.contains(&target.email), "{out}");

    // Only the OpenID token role: the ID token works, generateAccessToken is denied, so the
    // account profile runs without X-Databricks-GCP-SA-Access-Token: OK, with a warning.
    emu.handle()
        .grant_openid_token_creator(&caller.email, &target.email);
    let r = check_profile(&p, LIMIT).await;
    let out = render(&r);
    assert!(r.outcome.is_ok(), "{out}");
    let w = r.warning.clone().expect("a warning");
    assert!(
        w.contains("X-Databricks-GCP-SA-Access-Token left out")
            && w.contains("generateAccessToken")
            && w.contains(google::TOKEN_CREATOR_ROLE),
        "{w}"
    );
    assert!(
        out.contains("warning  X-Databricks-GCP-SA-Access-Token"),
        "{out}"
    );
    assert!(
        render_line(&r).contains("warning: X-Databricks"),
        "{}",
        render_line(&r)
    );
    assert_eq!(emu.handle().gcp_sa_tokens_accepted(), 0);
    no_canary(&out);
}

#[tokio::test]
async fn an_unreachable_google_token_endpoint_is_unreachable_not_refused() {
    let emu = emulator(ServeOptions::default()).await;
    let (caller, target, acct) = google_pair(&emu);
    let dead = format!("{}/token", closed_port().await);
    let p = profile(&impersonating(&emu, &acct, &caller, &target, &dead), "imp");
    let r = check_profile(&p, LIMIT).await;
    let out = render(&r);
    assert_eq!(
        r.outcome.as_ref().unwrap_err().0,
        Failure::Unreachable,
        "{out}"
    );
    assert!(
        !out.contains("refused the request") && !out.contains("HTTP 0"),
        "{out}"
    );
}

#[tokio::test]
async fn google_audience_key_sets_the_id_token_audience() {
    let emu = emulator(ServeOptions::default()).await;
    let key = sa_key("dbx-admin@proj.iam.gserviceaccount.com");
    let acct = account(&emu, "gcp").account_id;
    emu.handle()
        .add_google_sa(&key.email, &key.public_der, Some(&acct));
    let base = emu.base_url();
    let text = |audience: &str| {
        format!(
            "[g]\nhost = {base}\naccount_id = {acct}\nauth_type = google-credentials\ngoogle_credentials = {}\ngoogle_audience = {audience}\n",
            key.json(&format!("{base}/google/token"))
        )
    };
    // The emulator takes an ID token only for the exact URL it serves: an audience set to
    // another one is refused, so the key, not the host, made it.
    let other = base.replace("127.0.0.1", "localhost");
    let r = check_profile(&profile(&text(&other), "g"), LIMIT).await;
    let out = render(&r);
    assert_eq!(
        r.outcome.as_ref().unwrap_err().0,
        Failure::WrongAudience,
        "{out}"
    );
    assert!(out.contains(&format!("audience is not {base}")), "{out}");
    let r = check_profile(&profile(&text(&format!("{base}/")), "g"), LIMIT).await;
    assert!(r.outcome.is_ok(), "{}", render(&r));
}

#[tokio::test]
async fn apim_401_to_a_gateway_only_profile_names_the_gateways_identity() {
    let auth_seen: Arc<Mutex<Vec<bool>>> = Arc::default();
    let log = auth_seen.clone();
    let apim = serve(axum::Router::new().fallback(move |h: HeaderMap| {
        let log = log.clone();
        async move {
            log.lock().unwrap().push(h.contains_key("authorization"));
            (
                StatusCode::UNAUTHORIZED,
                [("content-type", "application/json")],
                r#"{"error_code":"401","message":"Unauthorized"}"#,
            )
        }
    }))
    .await;
    let p = profile(
        &format!(
            "[gw]\nhost = {apim}/databricks\nworkspace_id = 1\nauth_type = gateway\ngateway_headers = Ocp-Apim-Subscription-Key: canary-gw-key\n"
        ),
        "gw",
    );
    let r = check_profile(&p, LIMIT).await;
    let out = render(&r);
    assert_eq!(
        r.outcome.as_ref().unwrap_err().0,
        Failure::GatewayIdentity,
        "{out}"
    );
    assert!(
        out.contains("the gateway's own identity is what was refused")
            && out.contains("service principal in the workspace"),
        "{out}"
    );
    assert!(!out.contains("invalid token"), "{out}");
    assert_eq!(
        *auth_seen.lock().unwrap(),
        vec![false],
        "no token sent, no retry"
    );
    no_canary(&out);
}

#[tokio::test]
async fn me_without_an_identity_proves_nothing() {
    let body = Arc::new(Mutex::new("{}".to_owned()));
    let answer = body.clone();
    let ws = serve(axum::Router::new().route(
        "/api/2.0/preview/scim/v2/Me",
        axum::routing::get(move || {
            let answer = answer.clone();
            async move {
                (
                    [("content-type", "application/json")],
                    answer.lock().unwrap().clone(),
                )
            }
        }),
    ))
    .await;
    let p = profile(
        &format!("[p]\nhost = {ws}\nworkspace_id = 1\ntoken = canary-t\n"),
        "p",
    );
    for empty in ["{}", r#"{"userName":"a@example.com"}"#, r#"{"id":"7"}"#] {
        *body.lock().unwrap() = empty.to_owned();
        let r = check_profile(&p, LIMIT).await;
        let out = render(&r);
        assert_eq!(
            r.outcome.as_ref().unwrap_err().0,
            Failure::NoIdentity,
            "{empty}: {out}"
        );
        assert!(!out.contains("(unnamed)"), "{out}");
    }
    *body.lock().unwrap() = r#"{"id":"7","userName":"a@example.com"}"#.to_owned();
    let r = check_profile(&p, LIMIT).await;
    assert_eq!(
        r.outcome.as_ref().unwrap(),
        "signed in as a@example.com",
        "{}",
        render(&r)
    );
}

#[tokio::test]
async fn keys_the_method_ignores_are_named_in_check_and_profiles() {
    let emu = emulator(ServeOptions::default()).await;
    let acct = account(&emu, "aws");
    let (ws, pat) = acct.workspace_pat.clone().unwrap();
    // A gateway host that is not recognised as Azure: the MSI keys are ignored.
    let p = profile(
        &format!(
            "[gw]\nhost = {}\nworkspace_id = {ws}\nauth_type = pat\ntoken = {pat}\nazure_use_msi = true\nazure_client_id = mi-1\n",
            emu.base_url()
        ),
        "gw",
    );
    let r = check_profile(&p, LIMIT).await;
    let out = render(&r);
    assert!(r.outcome.is_ok(), "{out}");
    assert!(
        out.contains(
            "warning  azure_use_msi, azure_client_id set but not used with auth_type = pat"
        ),
        "{out}"
    );
    assert!(
        render_line(&r).contains("azure_use_msi"),
        "{}",
        render_line(&r)
    );

    // Both Google keys and no auth_type: the key's own account is used; say so.
    let key = sa_key("ci-runner@proj.iam.gserviceaccount.com");
    let p = profile(
        &format!(
            "[g]\nhost = https://1.gcp.databricks.com\ngoogle_credentials = {}\ngoogle_service_account = dbx-admin@proj.iam.gserviceaccount.com\n",
            key.json("https://oauth2.googleapis.com/token")
        ),
        "g",
    );
    let w = dbx_tui::auth::transport::warning(&p).unwrap();
    assert!(
        w.contains("google_service_account set but not used")
            && w.contains("`auth_type = google-id`"),
        "{w}"
    );
}
