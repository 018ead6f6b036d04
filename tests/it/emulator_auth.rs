//! Emulator: seed contents, the auth matrix and the OAuth M2M flow, over real HTTP.

use crate::support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use dbx_tui::emulator::{DemoAccount, Emulator, EmulatorOptions, Seed};
use serde_json::Value;

async fn start(opts: EmulatorOptions) -> (Emulator, reqwest::Client) {
    let emu = support::emulator_with(opts).await;
    (emu, crate::support::http())
}

fn acct(emu: &Emulator, cloud: &str) -> DemoAccount {
    emu.accounts()
        .into_iter()
        .find(|a| a.cloud == cloud)
        .expect("account for cloud")
}

async fn get(
    c: &reqwest::Client,
    url: String,
    token: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut rb = c.get(url);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.json::<Value>().await.unwrap_or(Value::Null);
    (status, headers, body)
}

#[test]
fn demo_seed_has_three_clouds_and_enough_data() {
    let s = Seed::demo();
    let clouds: HashSet<&str> = s.accounts.iter().map(|a| a.cloud.as_str()).collect();
    assert_eq!(clouds, HashSet::from(["aws", "azure", "gcp"]));
    assert!(
        s.workspaces.len() >= 12,
        "{} workspaces",
        s.workspaces.len()
    );
    let ws_clouds: HashSet<&str> = s
        .workspaces
        .iter()
        .filter_map(|w| w["cloud"].as_str())
        .collect();
    assert_eq!(ws_clouds.len(), 3);
    assert!(s.policies.len() >= 5);
    assert_eq!(s.service_principals.len(), 300);
    for a in &s.accounts {
        assert!(uuid::Uuid::parse_str(&a.account_id).is_ok());
        assert!(
            s.policies
                .iter()
                .any(|p| p["account_id"] == a.account_id.as_str()
                    && p["network_policy_id"] == "default-policy"
                    && p["egress"]["network_access"]["restriction_mode"] == "FULL_ACCESS")
        );
    }
    let statuses: Vec<&str> = s
        .workspaces
        .iter()
        .filter_map(|w| w["workspace_status"].as_str())
        .collect();
    assert!(statuses.contains(&"FAILED") && statuses.contains(&"PROVISIONING"));
    assert!(
        s.service_principals
            .iter()
            .any(|sp| sp.display_name.is_none())
    );
    assert!(s.service_principals.iter().any(|sp| !sp.active));
}

#[tokio::test]
async fn missing_token_is_401_with_numeric_code() {
    let (emu, c) = start(EmulatorOptions::default()).await;
    let a = acct(&emu, "aws");
    let url = format!(
        "{}/api/2.0/accounts/{}/workspaces",
        emu.base_url(),
        a.account_id
    );
    let (status, _, body) = get(&c, url, None).await;
    assert_eq!(status, 401);
    assert_eq!(body["error_code"], 401);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Credential was not sent or was of an unsupported type")
    );
    let (status, _, body) = get(
        &c,
        format!("{}/api/2.0/preview/scim/v2/Me", emu.base_url()),
        None,
    )
    .await;
    assert_eq!((status, body["error_code"].as_i64()), (401, Some(401)));
}

#[tokio::test]
async fn pat_on_account_api_is_401_unsupported_credential() {
    let (emu, c) = start(EmulatorOptions::default()).await;
    let a = acct(&emu, "aws");
    let (_, pat) = a.workspace_pat.clone().unwrap();
    let url = format!(
        "{}/api/2.0/accounts/{}/network-policies",
        emu.base_url(),
        a.account_id
    );
    let (status, _, body) = get(&c, url, Some(&pat)).await;
    assert_eq!(status, 401);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("unsupported type")
    );
    // The same PAT works on its own workspace.
    let (status, _, me) = get(
        &c,
        format!("{}/api/2.0/preview/scim/v2/Me", emu.base_url()),
        Some(&pat),
    )
    .await;
    assert_eq!(status, 200);
    assert!(me["userName"].as_str().unwrap().contains('@'));
}

#[tokio::test]
async fn bad_token_on_workspace_api_is_403_with_reason_header() {
    let (emu, c) = start(EmulatorOptions::default()).await;
    let url = format!(
        "{}/api/2.0/preview/scim/v2/ServicePrincipals",
        emu.base_url()
    );
    let (status, headers, body) = get(&c, url, Some("dapi0000000000000000000000000000dead")).await;
    assert_eq!(status, 403);
    assert_eq!(body["error_code"], 403);
    assert_eq!(body["message"], "Invalid access token.");
    assert_eq!(
        headers["x-databricks-reason-phrase"],
        "Invalid access token."
    );
    // A PAT pointed at another workspace via the header is not valid there either.
    let a = acct(&emu, "aws");
    let (ws, pat) = a.workspace_pat.clone().unwrap();
    let other = Seed::demo()
        .workspaces
        .iter()
        .filter(|w| w["account_id"] == a.account_id.as_str())
        .filter_map(|w| w["workspace_id"].as_i64())
        .find(|id| *id != ws)
        .unwrap();
    let r = c
        .get(format!("{}/api/2.0/preview/scim/v2/Me", emu.base_url()))
        .bearer_auth(&pat)
        .header("X-Databricks-Workspace-Id", other.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn unknown_bearer_on_account_api_is_401_and_cross_account_is_403() {
    let (emu, c) = start(EmulatorOptions::default()).await;
    let (aws, azure) = (acct(&emu, "aws"), acct(&emu, "azure"));
    let url = format!(
        "{}/api/2.0/accounts/{}/workspaces",
        emu.base_url(),
        aws.account_id
    );
    let (status, _, _) = get(&c, url.clone(), Some("not-a-real-token")).await;
    assert_eq!(status, 401);
    let (status, _, body) = get(&c, url.clone(), Some(&azure.admin_token)).await;
    assert_eq!(status, 403);
    assert_eq!(body["error_code"], "PERMISSION_DENIED");
    let (status, _, body) = get(&c, url, Some(&aws.admin_token)).await;
    assert_eq!(status, 200);
    assert!(body.as_array().unwrap().iter().all(|w| w["cloud"] == "aws"));
}

async fn m2m_token(c: &reqwest::Client, base: &str, a: &DemoAccount) -> (u16, Value) {
    let r = c
        .post(format!("{base}/oidc/accounts/{}/v1/token", a.account_id))
        .basic_auth(&a.client_id, Some(&a.client_secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn m2m_flow_with_basic_auth_discovery_and_errors() {
    let (emu, c) = start(EmulatorOptions::default()).await;
    let base = emu.base_url();
    let a = acct(&emu, "gcp");
    let (status, _, cfg) = get(&c, format!("{base}/.well-known/databricks-config"), None).await;
    assert_eq!(status, 200);
    let oidc = cfg["oidc_endpoint"]
        .as_str()
        .unwrap()
        .replace("{account_id}", &a.account_id);
    let (status, _, disc) = get(
        &c,
        format!("{oidc}/.well-known/oauth-authorization-server"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let token_url = disc["token_endpoint"].as_str().unwrap().to_string();
    assert_eq!(
        token_url,
        format!("{base}/oidc/accounts/{}/v1/token", a.account_id)
    );

    let (status, tok) = m2m_token(&c, &base, &a).await;
    assert_eq!(status, 200, "{tok}");
    assert_eq!(tok["token_type"], "Bearer");
    assert_eq!(tok["expires_in"], 3600);
    let access = tok["access_token"].as_str().unwrap();
    let (status, _, _) = get(
        &c,
        format!("{base}/api/2.0/accounts/{}/workspaces", a.account_id),
        Some(access),
    )
    .await;
    assert_eq!(status, 200);
    // The account token also works on this account's workspaces, and /Me names the SP.
    let (status, _, me) = get(
        &c,
        format!("{base}/api/2.0/preview/scim/v2/Me"),
        Some(access),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(me["applicationId"], a.client_id.as_str());

    // Credentials in the form body are accepted too.
    let r = c
        .post(&token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &a.client_id),
            ("client_secret", &a.client_secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    let mut wrong = a.clone();
    wrong.client_secret = "dose-wrong".into();
    let (status, err) = m2m_token(&c, &base, &wrong).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let r = c
        .post(&token_url)
        .basic_auth(&a.client_id, Some(&a.client_secret))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
    // An account token of GCP is refused on the AWS account.
    let aws = acct(&emu, "aws");
    let (status, _, _) = get(
        &c,
        format!("{base}/api/2.0/accounts/{}/workspaces", aws.account_id),
        Some(access),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn workspace_token_only_works_on_workspace_apis() {
    let (emu, c) = start(EmulatorOptions::default()).await;
    let base = emu.base_url();
    let a = acct(&emu, "azure");
    let r = c
        .post(format!("{base}/oidc/v1/token"))
        .basic_auth(&a.client_id, Some(&a.client_secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let tok: Value = r.json().await.unwrap();
    let access = tok["access_token"].as_str().unwrap();
    let (status, _, _) = get(
        &c,
        format!("{base}/api/2.0/preview/scim/v2/ServicePrincipals?count=5"),
        Some(access),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, _) = get(
        &c,
        format!("{base}/api/2.0/accounts/{}/workspaces", a.account_id),
        Some(access),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn oauth_token_expires_after_its_lifetime_and_revocation_works() {
    let opts = EmulatorOptions {
        token_lifetime: Duration::from_secs(1),
        ..Default::default()
    };
    let (emu, c) = start(opts).await;
    let base = emu.base_url();
    let a = acct(&emu, "aws");
    let (status, tok) = m2m_token(&c, &base, &a).await;
    assert_eq!(status, 200);
    assert_eq!(tok["expires_in"], 1);
    let access = tok["access_token"].as_str().unwrap().to_string();
    let acc_url = format!("{base}/api/2.0/accounts/{}/workspaces", a.account_id);
    let (status, _, _) = get(&c, acc_url.clone(), Some(&access)).await;
    assert_eq!(status, 200);
    // Poll until real expiry; bounded so a token that never expires fails the test.
    let deadline = Instant::now() + Duration::from_secs(5);
    let expired = loop {
        let (status, _, _) = get(&c, acc_url.clone(), Some(&access)).await;
        if status != 200 {
            break status;
        }
        assert!(Instant::now() < deadline, "token still valid after 5 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(expired, 401);
    let (status, _, _) = get(
        &c,
        format!("{base}/api/2.0/preview/scim/v2/Me"),
        Some(&access),
    )
    .await;
    assert_eq!(status, 403);

    let h = emu.handle();
    h.set_token_lifetime(Duration::from_secs(600));
    let (_, tok) = m2m_token(&c, &base, &a).await;
    let fresh = tok["access_token"].as_str().unwrap();
    assert_eq!(get(&c, acc_url.clone(), Some(fresh)).await.0, 200);
    h.revoke_all_tokens();
    assert_eq!(get(&c, acc_url, Some(fresh)).await.0, 401);
}

#[tokio::test]
async fn unknown_route_is_endpoint_not_found() {
    let (emu, c) = start(EmulatorOptions::default()).await;
    let a = acct(&emu, "aws");
    let (status, _, body) = get(
        &c,
        format!("{}/api/2.0/nope", emu.base_url()),
        Some(&a.admin_token),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error_code"], "ENDPOINT_NOT_FOUND");
    let r = c
        .patch(format!(
            "{}/api/2.0/accounts/{}/workspaces",
            emu.base_url(),
            a.account_id
        ))
        .bearer_auth(&a.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    emu.shutdown().await;
}
