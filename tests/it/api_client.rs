//! The real client against the emulator over real HTTP on 127.0.0.1: every call of the
//! foundation slice, the auth paths and the error envelope.

use crate::support;

use dbx_tui::api::client::http_client;
use dbx_tui::api::scim::{self, PageQuery, ScimScope};
use dbx_tui::api::{ApiClient, ApiError, ErrorKind, PolicyId, network_policies, workspaces};
use dbx_tui::config::{Profile, ProfileSource};
use dbx_tui::emulator::{DemoAccount, Emulator, EmulatorOptions, Fault};
use std::collections::HashSet;
use std::time::{Duration, SystemTime};

async fn emulator(opts: EmulatorOptions) -> Emulator {
    support::emulator_with(opts).await
}

fn account_profile(emu: &Emulator, a: &DemoAccount) -> Profile {
    let mut p = Profile::empty("acc", ProfileSource::Demo);
    p.host = Some(emu.base_url());
    p.account_id = Some(a.account_id.clone());
    p.client_id = Some(a.client_id.clone());
    p.client_secret = Some(a.client_secret.clone().into());
    p
}

fn client_for(p: &Profile) -> ApiClient {
    let auth = dbx_tui::auth::provider_for(p).unwrap();
    ApiClient::new(http_client(), p.host.as_deref().unwrap(), auth)
}

fn first_account(emu: &Emulator) -> DemoAccount {
    emu.accounts().into_iter().next().unwrap()
}

#[tokio::test]
async fn lists_workspaces_with_oauth_m2m() {
    let emu = emulator(EmulatorOptions::default()).await;
    let mut clouds = HashSet::new();
    let mut total = 0;
    for a in emu.accounts() {
        let c = client_for(&account_profile(&emu, &a));
        let list = workspaces::list(&c, &a.account_id).await.unwrap();
        assert!(!list.is_empty());
        for w in &list {
            clouds.insert(w.cloud.clone().unwrap());
            assert!(
                w.url("").unwrap().starts_with("https://"),
                "no URL for {}",
                w.workspace_name
            );
        }
        let one = workspaces::get(&c, &a.account_id, list[0].workspace_id)
            .await
            .unwrap();
        assert_eq!(one.workspace_id, list[0].workspace_id);
        total += list.len();
    }
    assert!(total >= 12, "only {total} workspaces");
    assert_eq!(clouds.len(), 3, "{clouds:?}");
}

#[tokio::test]
async fn policy_pages_are_walked_to_the_end_without_duplicates() {
    let emu = emulator(EmulatorOptions {
        policy_page_size: 2,
        ..Default::default()
    })
    .await;
    let a = first_account(&emu);
    let c = client_for(&account_profile(&emu, &a));
    let list = network_policies::list(&c, &a.account_id).await.unwrap();
    let ids: HashSet<&str> = list
        .iter()
        .map(dbx_tui::api::network_policies::NetworkPolicy::id)
        .collect();
    assert_eq!(ids.len(), list.len(), "duplicates across pages");
    assert!(list.len() > 2, "the fixture should need several pages");
    assert!(ids.contains("default-policy"));
    assert!(emu.handle().request_count("/api/2.0/accounts/") >= 2);
    let one = network_policies::get(
        &c,
        &a.account_id,
        &PolicyId(list[1].network_policy_id.clone().unwrap().0),
    )
    .await
    .unwrap();
    assert_eq!(one, list[1]);
}

#[tokio::test]
async fn missing_policy_is_a_not_found_with_the_server_message() {
    let emu = emulator(EmulatorOptions::default()).await;
    let a = first_account(&emu);
    let c = client_for(&account_profile(&emu, &a));
    let err = network_policies::get(&c, &a.account_id, &PolicyId("nope".into()))
        .await
        .unwrap_err();
    match &err {
        ApiError::Http {
            status, code, kind, ..
        } => {
            assert_eq!(*status, 404);
            assert_eq!(code, "RESOURCE_DOES_NOT_EXIST");
            assert_eq!(*kind, ErrorKind::NotFound);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.user_message().contains("not found"));
}

#[tokio::test]
async fn binding_round_trip() {
    let emu = emulator(EmulatorOptions::default()).await;
    let a = first_account(&emu);
    let c = client_for(&account_profile(&emu, &a));
    let ws = workspaces::list(&c, &a.account_id).await.unwrap()[0].workspace_id;
    let policies = network_policies::list(&c, &a.account_id).await.unwrap();
    let target = policies
        .iter()
        .find(|p| p.id() != "default-policy")
        .unwrap()
        .id()
        .to_owned();
    let set = workspaces::set_network_option(&c, &a.account_id, ws, &PolicyId(target.clone()))
        .await
        .unwrap();
    assert_eq!(set.network_policy_id.as_str(), target);
    let read = workspaces::network_option(&c, &a.account_id, ws)
        .await
        .unwrap();
    assert_eq!(read.network_policy_id.as_str(), target);
    assert_eq!(
        emu.handle().binding(&a.account_id, ws.0).as_deref(),
        Some(target.as_str())
    );
    let err =
        workspaces::set_network_option(&c, &a.account_id, ws, &PolicyId("does-not-exist".into()))
            .await
            .unwrap_err();
    assert!(matches!(err.status(), Some(400 | 404)), "{err:?}");
}

#[tokio::test]
async fn wrong_client_secret_is_named() {
    let emu = emulator(EmulatorOptions::default()).await;
    let a = first_account(&emu);
    let mut p = account_profile(&emu, &a);
    p.client_secret = Some("canary-wrong-secret".into());
    let err = workspaces::list(&client_for(&p), &a.account_id)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("invalid_client") || msg.contains("refused"),
        "{msg}"
    );
    assert!(!msg.contains("canary"), "the secret leaked into {msg}");
}

#[tokio::test]
async fn a_pat_on_an_account_api_is_explained() {
    let emu = emulator(EmulatorOptions::default()).await;
    let a = emu
        .accounts()
        .into_iter()
        .find(|a| a.workspace_pat.is_some())
        .unwrap();
    let mut p = Profile::empty("pat", ProfileSource::Demo);
    p.host = Some(emu.base_url());
    p.account_id = Some(a.account_id.clone());
    p.token = Some(a.workspace_pat.clone().unwrap().1.into());
    let err = workspaces::list(&client_for(&p), &a.account_id)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("do not accept personal access tokens"),
        "{err}"
    );
}

#[tokio::test]
async fn workspace_pat_reads_workspace_scim_and_me() {
    let emu = emulator(EmulatorOptions::default()).await;
    let a = emu
        .accounts()
        .into_iter()
        .find(|a| a.workspace_pat.is_some())
        .unwrap();
    let mut p = Profile::empty("ws", ProfileSource::Demo);
    p.host = Some(emu.base_url());
    p.token = Some(a.workspace_pat.clone().unwrap().1.into());
    let c = client_for(&p);
    let page = scim::list_service_principals_page(
        &c,
        &ScimScope::Workspace,
        &PageQuery {
            start_index: 1,
            count: 5,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(!page.resources.is_empty());
    assert!(page.resources.len() <= 5);
    let me = scim::me(&c).await.unwrap();
    assert!(me.user_name.is_some() || me.display_name.is_some());

    let mut bad = p.clone();
    bad.token = Some("dapi-not-a-real-token".into());
    let err = scim::me(&client_for(&bad)).await.unwrap_err();
    assert_eq!(err.status(), Some(403), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
}

#[tokio::test]
async fn account_scim_pages_and_filters() {
    let emu = emulator(EmulatorOptions::default()).await;
    let a = first_account(&emu);
    let c = client_for(&account_profile(&emu, &a));
    let scope = ScimScope::Account(a.account_id.clone());
    let first = scim::list_service_principals_page(
        &c,
        &scope,
        &PageQuery {
            start_index: 1,
            count: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(first.resources.len(), 10);
    let total = first.total_results.unwrap();
    let past = scim::list_service_principals_page(
        &c,
        &scope,
        &PageQuery {
            start_index: total + 1,
            count: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(past.resources.is_empty());
    let q = PageQuery {
        start_index: 1,
        count: 10,
        filter: Some(format!("applicationId eq \"{}\"", a.client_id)),
        attributes: None,
    };
    let found = scim::list_service_principals_page(&c, &scope, &q)
        .await
        .unwrap();
    assert_eq!(found.resources.len(), 1);
    let sp = scim::get_service_principal(&c, &scope, &found.resources[0].id)
        .await
        .unwrap();
    assert_eq!(sp.application_id.as_deref(), Some(a.client_id.as_str()));
}

#[tokio::test]
async fn tokens_are_refreshed_before_they_expire() {
    let emu = emulator(EmulatorOptions {
        token_lifetime: Duration::from_secs(2),
        ..Default::default()
    })
    .await;
    let a = first_account(&emu);
    let c = client_for(&account_profile(&emu, &a));
    let token_path = format!("/oidc/accounts/{}/v1/token", a.account_id);
    workspaces::list(&c, &a.account_id).await.unwrap();
    assert_eq!(emu.handle().request_count(&token_path), 1);
    let expiry = c.auth().expires_at().unwrap();
    // Wait for the real clock to pass the first token's expiry.
    while SystemTime::now() <= expiry {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    workspaces::list(&c, &a.account_id).await.unwrap();
    assert_eq!(
        emu.handle().request_count(&token_path),
        2,
        "expected exactly one refresh"
    );
}

#[tokio::test]
async fn a_revoked_token_is_refreshed_once_and_the_call_retried() {
    let emu = emulator(EmulatorOptions::default()).await;
    let a = first_account(&emu);
    let c = client_for(&account_profile(&emu, &a));
    let token_path = format!("/oidc/accounts/{}/v1/token", a.account_id);
    workspaces::list(&c, &a.account_id).await.unwrap();
    emu.handle().revoke_all_tokens();
    workspaces::list(&c, &a.account_id).await.unwrap();
    assert_eq!(emu.handle().request_count(&token_path), 2);
}

#[tokio::test]
async fn concurrent_requests_share_one_token_request() {
    let emu = emulator(EmulatorOptions::default()).await;
    let a = first_account(&emu);
    let c = client_for(&account_profile(&emu, &a));
    let calls = (0..10).map(|_| workspaces::list(&c, &a.account_id));
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    assert_eq!(
        emu.handle()
            .request_count(&format!("/oidc/accounts/{}/v1/token", a.account_id)),
        1
    );
}

#[tokio::test]
async fn rate_limited_reads_wait_for_retry_after_then_succeed() {
    let emu = emulator(EmulatorOptions::default()).await;
    let a = first_account(&emu);
    let c = client_for(&account_profile(&emu, &a));
    workspaces::list(&c, &a.account_id).await.unwrap();
    let path = format!("/api/2.0/accounts/{}/workspaces", a.account_id);
    let before = emu.handle().request_count(&path);
    emu.handle().inject_fault(Fault {
        path_prefix: path.clone(),
        status: 429,
        retry_after_secs: Some(1),
        times: 1,
    });
    let started = std::time::Instant::now();
    workspaces::list(&c, &a.account_id).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was not honoured"
    );
    assert_eq!(emu.handle().request_count(&path) - before, 2);

    emu.handle().inject_fault(Fault {
        path_prefix: path.clone(),
        status: 503,
        retry_after_secs: Some(0),
        times: 5,
    });
    let err = workspaces::list(&c, &a.account_id).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.kind(), ErrorKind::Unavailable);
}

#[tokio::test]
async fn an_unreachable_host_fails_fast_and_names_the_host() {
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut p = Profile::empty("gone", ProfileSource::Demo);
    p.host = Some(format!("http://127.0.0.1:{port}"));
    p.token = Some("dapi-x".into());
    let started = std::time::Instant::now();
    let err = scim::me(&client_for(&p)).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}
