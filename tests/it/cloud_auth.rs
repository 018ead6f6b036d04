//! Cloud credentials end to end against the emulator's token endpoints: Azure client secret over
//! TLS (with the management token checked), Google service-account key and impersonation,
//! gateways, refresh ahead of expiry, one token request however many callers, wrong audience,
//! and `auth check` naming each failure without printing secrets.

use crate::cloud_common;

use std::time::{Duration, SystemTime};

use cloud_common::*;
use dbx_tui::api::{ApiClient, scim, workspaces};
use dbx_tui::auth::check::{Failure, check_profile, render};
use dbx_tui::emulator::{Gateway, ServeOptions};

const LIMIT: Duration = Duration::from_secs(5);

/// The text of profile `az`: Entra app `app-1` of `t` with `secret`, trusting `t`'s CA.
fn azure_profile(t: &AzureOverTls, secret: &str) -> String {
    format!(
        "[az]\nhost = {base}\naccount_id = {acct}\ncloud = azure\nazure_tenant_id = tenant-1\nazure_client_id = app-1\nazure_client_secret = {secret}\nazure_authority_host = {base}\nazure_workspace_resource_id = /subscriptions/s/resourceGroups/r/providers/Microsoft.Databricks/workspaces/w\ntls_ca_file = {ca}\n",
        base = t.emu.base_url(),
        acct = t.acct.account_id,
        ca = t.ca_file.display()
    )
}

#[tokio::test]
async fn azure_client_secret_over_tls_with_management_token_and_refresh() {
    let t = azure_over_tls().await;
    let (emu, acct) = (&t.emu, &t.acct);
    let h = emu.handle();
    h.set_token_lifetime(Duration::from_secs(2));
    let p = profile(&azure_profile(&t, "canary-az-secret"), "az");
    assert!(emu.base_url().starts_with("https://"));
    let c = client(&p);
    assert_eq!(c.auth().method(), "azure-client-secret");
    assert!(c.auth().principal().contains("app-1"));
    let ws = workspaces::list(&c, &acct.account_id)
        .await
        .expect("list over Entra token");
    assert!(!ws.is_empty());
    assert_eq!(
        h.request_count("/tenant-1/oauth2/v2.0/token"),
        2,
        "databricks + management"
    );
    assert!(h.management_tokens_accepted() >= 1);
    // Expiry mid-session: wait on the real clock past the 2 s token, then keep working.
    let exp = c.auth().expires_at().expect("expiry known");
    let wait = exp.duration_since(SystemTime::now()).unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(200)).await;
    workspaces::list(&c, &acct.account_id)
        .await
        .expect("refreshed transparently");
    assert_eq!(h.request_count("/tenant-1/oauth2/v2.0/token"), 4);
    assert!(c.auth().expires_at().unwrap() > exp);

    // auth check: OK, names the method and why, never the secret.
    let r = check_profile(&p, LIMIT).await;
    let out = render(&r);
    assert!(r.outcome.is_ok(), "{out}");
    assert!(
        out.contains("azure-client-secret") && out.contains("azure_client_secret"),
        "{out}"
    );
    no_canary(&out);

    // A wrong secret: the authority refuses, and the check says so without the secret.
    let bad = profile(&azure_profile(&t, "canary-wrong"), "az");
    let r = check_profile(&bad, LIMIT).await;
    let out = render(&r);
    assert_eq!(
        r.outcome.as_ref().unwrap_err().0,
        Failure::CredentialRefused,
        "{out}"
    );
    assert!(out.contains("AADSTS7000215"), "{out}");
    no_canary(&out);

    // Without the CA the TLS failure is named as such.
    let no_ca = profile(
        &azure_profile(&t, "canary-az-secret")
            .replace(&format!("tls_ca_file = {}\n", t.ca_file.display()), ""),
        "az",
    );
    let r = check_profile(&no_ca, LIMIT).await;
    assert_eq!(
        r.outcome.as_ref().unwrap_err().0,
        Failure::Tls,
        "{}",
        render(&r)
    );
}

#[tokio::test]
async fn concurrent_requests_during_refresh_make_one_token_request() {
    let t = azure_over_tls().await;
    let (emu, acct) = (&t.emu, &t.acct);
    let h = emu.handle();
    let p = profile(&azure_profile(&t, "canary-az-secret"), "az");
    let c = client(&p);
    let calls = (0..16).map(|_| workspaces::list(&c, &acct.account_id));
    for r in futures::future::join_all(calls).await {
        r.expect("every caller served");
    }
    // One refresh: one Databricks token and one management token.
    assert_eq!(h.request_count("/tenant-1/oauth2/v2.0/token"), 2);
}

async fn google_setup() -> (dbx_tui::emulator::Emulator, TestSaKey, String) {
    let emu = emulator(ServeOptions::default()).await;
    let key = sa_key("dbx-admin@proj.iam.gserviceaccount.com");
    let acct = account(&emu, "gcp");
    emu.handle()
        .add_google_sa(&key.email, &key.public_der, Some(&acct.account_id));
    (emu, key, acct.account_id)
}

#[tokio::test]
async fn google_service_account_key_id_token_per_audience() {
    let (emu, key, acct) = google_setup().await;
    let h = emu.handle();
    let dir = tempfile::tempdir().unwrap();
    let key_file = write(
        dir.path(),
        "key.json",
        &key.json(&format!("{}/google/token", emu.base_url())),
    );
    let text = format!(
        "[g]\nhost = {}\naccount_id = {acct}\ncloud = gcp\ngoogle_credentials = {}\n",
        emu.base_url(),
        key_file.display()
    );
    let p = profile(&text, "g");
    let c = client(&p);
    assert_eq!(c.auth().method(), "google-credentials");
    assert!(c.auth().principal().contains(&key.email));
    workspaces::list(&c, &acct)
        .await
        .expect("account call with ID token");
    // Account APIs also get the SA access token, which the emulator checked.
    assert!(h.gcp_sa_tokens_accepted() >= 1);

    // Concurrency: a fresh workspace-audience provider, many callers, one ID token request.
    let before = h.request_count("/google/token");
    let c2 = client(&p);
    let calls = (0..12).map(|_| workspaces::list(&c2, &acct));
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    // One refresh for all twelve: one ID token and one SA access token.
    assert_eq!(h.request_count("/google/token") - before, 2);

    // Wrong audience: an ID token minted for localhost used on 127.0.0.1 is refused.
    let other = profile(&text.replace("127.0.0.1", "localhost"), "g");
    let p_other = dbx_tui::auth::provider_for(&other).unwrap();
    let wrong = ApiClient::new(crate::support::http(), p.host.as_deref().unwrap(), p_other);
    let err = workspaces::list(&wrong, &acct).await.unwrap_err();
    assert!(err.to_string().contains("audience"), "{err}");
    assert_eq!(err.status(), Some(401));
}

#[tokio::test]
async fn google_id_token_expires_mid_session_and_is_refreshed() {
    let (emu, key, acct) = google_setup().await;
    let h = emu.handle();
    h.set_token_lifetime(Duration::from_secs(2));
    let text = format!(
        "[g]\nhost = {}\naccount_id = {acct}\nauth_type = google-credentials\ngoogle_credentials = {}\n",
        emu.base_url(),
        key.json(&format!("{}/google/token", emu.base_url()))
    );
    let p = profile(&text, "g");
    let c = client(&p);
    workspaces::list(&c, &acct).await.unwrap();
    let exp = c.auth().expires_at().unwrap();
    let wait = exp.duration_since(SystemTime::now()).unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(200)).await;
    workspaces::list(&c, &acct).await.expect("refreshed");
    assert!(c.auth().expires_at().unwrap() > exp);
}

#[tokio::test]
async fn google_impersonation_through_iam_credentials() {
    let emu = emulator(ServeOptions::default()).await;
    let h = emu.handle();
    let acct = account(&emu, "gcp").account_id;
    let caller = sa_key("ci-runner@proj.iam.gserviceaccount.com");
    let target = sa_key("dbx-admin@proj.iam.gserviceaccount.com");
    h.add_google_sa(&caller.email, &caller.public_der, None);
    h.add_google_sa(&target.email, &target.public_der, Some(&acct));
    let text = format!(
        "[imp]\nhost = {}\naccount_id = {acct}\nauth_type = google-id\ngoogle_service_account = {}\ngoogle_credentials = {}\ngoogle_iam_url = {}/iam\n",
        emu.base_url(),
        target.email,
        caller.json(&format!("{}/google/token", emu.base_url())),
        emu.base_url()
    );
    let p = profile(&text, "imp");
    // Without Token Creator on the target, IAM refuses and the check names it.
    let r = check_profile(&p, LIMIT).await;
    assert_eq!(
        r.outcome.as_ref().unwrap_err().0,
        Failure::CredentialRefused,
        "{}",
        render(&r)
    );
    h.grant_token_creator(&caller.email, &target.email);
    let c = client(&p);
    assert_eq!(c.auth().method(), "google-id");
    assert!(c.auth().principal().contains(&target.email));
    workspaces::list(&c, &acct).await.expect("impersonated");
    assert!(h.request_count("/iam/v1/projects/-/serviceAccounts/") >= 2);
    assert!(h.gcp_sa_tokens_accepted() >= 1);
    // The ID token the caller's own key would get is not accepted for the target's account.
    let r = check_profile(&p, LIMIT).await;
    assert!(r.outcome.is_ok(), "{}", render(&r));
    no_canary(&render(&r));
}

fn gateway(backend_token: Option<String>) -> Gateway {
    Gateway {
        prefix: "/gw".into(),
        header: "Ocp-Apim-Subscription-Key".into(),
        key: "canary-gw-key".into(),
        backend_token,
    }
}

#[tokio::test]
async fn gateway_prefix_and_key_added_to_the_profiles_auth() {
    let emu0 = emulator(ServeOptions::default()).await;
    let acct = account(&emu0, "aws");
    drop(emu0);
    let emu = emulator(ServeOptions {
        tls: None,
        gateway: Some(gateway(None)),
    })
    .await;
    let h = emu.handle();
    let base = format!("{}/gw/", emu.base_url());
    let good = format!(
        "[gw]\nhost = {base}\naccount_id = {}\ntoken = {}\ngateway_headers = Ocp-Apim-Subscription-Key: canary-gw-key\n",
        acct.account_id, acct.admin_token
    );
    let p = profile(&good, "gw");
    assert_eq!(
        p.host.as_deref(),
        Some(format!("{}/gw", emu.base_url()).as_str())
    );
    let c = client(&p);
    assert_eq!(
        c.url("/api/2.0/x"),
        format!("{}/gw/api/2.0/x", emu.base_url())
    );
    workspaces::list(&c, &acct.account_id)
        .await
        .expect("through the gateway");
    assert!(h.request_count("/gw/api/2.0/accounts/") >= 1);

    // Missing key: the message names the header.
    let missing = profile(
        &good.replace(
            "gateway_headers = Ocp-Apim-Subscription-Key: canary-gw-key\n",
            "",
        ),
        "gw",
    );
    let err = workspaces::list(&client(&missing), &acct.account_id)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("Ocp-Apim-Subscription-Key"), "{err}");
    no_canary(&err);
    let r = check_profile(&missing, LIMIT).await;
    assert_eq!(r.outcome.as_ref().unwrap_err().0, Failure::Gateway);
    assert!(render(&r).contains("Ocp-Apim-Subscription-Key"));

    // Wrong key: named too, and the key itself never shown.
    let wrong = profile(&good.replace("canary-gw-key", "canary-gw-wrong"), "gw");
    let err = workspaces::list(&client(&wrong), &acct.account_id)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.to_ascii_lowercase()
            .contains("ocp-apim-subscription-key"),
        "{err}"
    );
    no_canary(&err);
}

#[tokio::test]
async fn gateway_that_authenticates_itself() {
    let emu0 = emulator(ServeOptions::default()).await;
    let acct = account(&emu0, "aws");
    drop(emu0);
    let emu = emulator(ServeOptions {
        tls: None,
        gateway: Some(gateway(Some(acct.admin_token.clone()))),
    })
    .await;
    let text = format!(
        "[gw]\nhost = {}/gw\naccount_id = {}\nauth_type = gateway\ngateway_headers = Ocp-Apim-Subscription-Key: canary-gw-key\n",
        emu.base_url(),
        acct.account_id
    );
    let p = profile(&text, "gw");
    let c = client(&p);
    assert_eq!(c.auth().method(), "gateway");
    workspaces::list(&c, &acct.account_id)
        .await
        .expect("gateway auth");
    let r = check_profile(&p, LIMIT).await;
    let out = render(&r);
    assert!(r.outcome.is_ok(), "{out}");
    assert!(out.contains("gateway"), "{out}");
    no_canary(&out);
}

#[test]
fn url_building_keeps_prefix_and_handles_slashes() {
    let auth = std::sync::Arc::new(dbx_tui::auth::pat::PatProvider::new("x".into()));
    for (base, path, want) in [
        (
            "https://h.example",
            "/api/2.0/x",
            "https://h.example/api/2.0/x",
        ),
        (
            "https://h.example/",
            "api/2.0/x",
            "https://h.example/api/2.0/x",
        ),
        (
            "https://gw.corp/db/ws1",
            "/api/2.0/x",
            "https://gw.corp/db/ws1/api/2.0/x",
        ),
        (
            "https://gw.corp/db/ws1//",
            "/api/2.0/x",
            "https://gw.corp/db/ws1/api/2.0/x",
        ),
    ] {
        let c = ApiClient::new(crate::support::http(), base, auth.clone());
        assert_eq!(c.url(path), want, "{base} + {path}");
    }
}

#[tokio::test]
async fn auth_check_names_each_failure_and_never_prints_secrets() {
    let emu = emulator(ServeOptions::default()).await;
    let acct = account(&emu, "aws");
    let ws_id = acct.workspace_pat.as_ref().unwrap().0;
    let base = emu.base_url();
    let cases: Vec<(String, Failure)> = vec![
        // An unknown workspace token: invalid.
        (
            format!("host = {base}\nworkspace_id = {ws_id}\ntoken = canary-unknown-token\n"),
            Failure::InvalidToken,
        ),
        // A PAT on an account API: the wrong kind of credential.
        (
            format!(
                "host = {base}\naccount_id = {}\ntoken = dapi-canary-pat\n",
                acct.account_id
            ),
            Failure::WrongCredentialKind,
        ),
        // Nothing listens: unreachable.
        (
            "host = http://127.0.0.1:1\nworkspace_id = 1\ntoken = canary-t\n".into(),
            Failure::Unreachable,
        ),
        // A gateway header without a value: malformed config.
        (
            format!("host = {base}\nworkspace_id = 1\ntoken = canary-t\ngateway_headers = X-Key\n"),
            Failure::MalformedConfig,
        ),
        // A wrong M2M secret: refused by the token endpoint.
        (
            format!(
                "host = {base}\naccount_id = {}\nclient_id = {}\nclient_secret = canary-m2m\n",
                acct.account_id, acct.client_id
            ),
            Failure::CredentialRefused,
        ),
    ];
    for (body, want) in cases {
        let p = profile(&format!("[p]\n{body}"), "p");
        let r = check_profile(&p, LIMIT).await;
        let out = render(&r);
        assert_eq!(r.outcome.as_ref().map(|_| ()).unwrap_err().0, want, "{out}");
        assert!(out.contains(want.label()), "{out}");
        no_canary(&out);
    }

    // A good workspace profile: OK and who we are.
    let (ws, pat) = acct.workspace_pat.clone().unwrap();
    let p = profile(
        &format!("[p]\nhost = {base}\nworkspace_id = {ws}\ntoken = {pat}\n"),
        "p",
    );
    let r = check_profile(&p, LIMIT).await;
    let out = render(&r);
    assert!(out.contains("result   OK: signed in as"), "{out}");
    assert!(out.contains("pat (token is set)"), "{out}");
    assert!(!out.contains(&pat));

    // An HTML sign-in page where JSON was expected.
    let html = axum::Router::new()
        .fallback(|| async { axum::response::Html("<html><body>Sign in</body></html>") });
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, html).await });
    let p = profile(
        &format!("[p]\nhost = http://{addr}\nworkspace_id = 1\ntoken = canary-t\n"),
        "p",
    );
    let r = check_profile(&p, LIMIT).await;
    assert_eq!(
        r.outcome.as_ref().unwrap_err().0,
        Failure::HtmlInsteadOfJson,
        "{}",
        render(&r)
    );
    let _ = scim::me; // the workspace check calls SCIM Me
}
