//! Emulator: SCIM service principals (paging, filters, attributes) and SP secrets paging.

use crate::support;

use std::collections::HashSet;

use dbx_tui::emulator::{DemoAccount, Emulator, Seed};
use serde_json::Value;

async fn setup() -> (Emulator, reqwest::Client, DemoAccount) {
    let emu = support::emulator().await;
    let a = support::aws_account(&emu);
    (emu, crate::support::http(), a)
}

async fn scim(c: &reqwest::Client, url: &str, token: &str, q: &[(&str, &str)]) -> (u16, Value) {
    let r = c.get(url).bearer_auth(token).query(q).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn filtered_total(c: &reqwest::Client, url: &str, token: &str, f: String) -> usize {
    let (s, p) = scim(c, url, token, &[("filter", &f), ("count", "100")]).await;
    assert_eq!(s, 200, "{f}: {p}");
    p["totalResults"].as_u64().unwrap() as usize
}

fn seed_count(account_id: &str) -> usize {
    Seed::demo()
        .service_principals
        .iter()
        .filter(|s| s.account_id == account_id)
        .count()
}

#[tokio::test]
async fn account_scim_paging_covers_everything_once() {
    let (emu, c, a) = setup().await;
    let url = format!(
        "{}/api/2.0/accounts/{}/scim/v2/ServicePrincipals",
        emu.base_url(),
        a.account_id
    );
    let total = seed_count(&a.account_id);
    assert!(total > 100);
    // The SDK walk: count=10000 is capped to 100; advance by len(Resources) until empty.
    let (mut start, mut ids) = (1usize, Vec::new());
    loop {
        let (s, page) = scim(
            &c,
            &url,
            &a.admin_token,
            &[("startIndex", &start.to_string()), ("count", "10000")],
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(
            page["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:ListResponse"
        );
        assert_eq!(page["totalResults"].as_u64(), Some(total as u64));
        let res = page["Resources"].as_array().unwrap();
        assert!(res.len() <= 100);
        assert_eq!(page["itemsPerPage"].as_u64(), Some(res.len() as u64));
        if res.is_empty() {
            break;
        }
        assert_eq!(page["startIndex"].as_u64(), Some(start as u64));
        ids.extend(res.iter().map(|r| r["id"].as_str().unwrap().to_string()));
        start += res.len();
    }
    assert_eq!(ids.len(), total);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), total);
    let (_, page) = scim(
        &c,
        &url,
        &a.admin_token,
        &[("startIndex", "3"), ("count", "7")],
    )
    .await;
    assert_eq!(page["Resources"].as_array().unwrap().len(), 7);
    assert_eq!(page["Resources"][0]["id"].as_str(), Some(ids[2].as_str()));
    let (_, page) = scim(&c, &url, &a.admin_token, &[("startIndex", "100000")]).await;
    assert_eq!(page["Resources"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn scim_filters_and_errors() {
    let (emu, c, a) = setup().await;
    let url = format!(
        "{}/api/2.0/accounts/{}/scim/v2/ServicePrincipals",
        emu.base_url(),
        a.account_id
    );
    let all: Vec<Value> = Seed::demo().service_principals.iter().filter(|s| s.account_id == a.account_id)
        .map(|s| serde_json::json!({"id": s.id, "displayName": s.display_name, "active": s.active, "app": s.application_id}))
        .collect();
    let count = |f: String| filtered_total(&c, &url, &a.admin_token, f);
    let etl = all
        .iter()
        .filter(|s| s["displayName"].as_str().is_some_and(|n| n.contains("etl")))
        .count();
    assert!(etl > 0);
    assert_eq!(count(r#"displayName co "ETL""#.into()).await, etl);
    let inactive = all.iter().filter(|s| s["active"] == false).count();
    assert!(inactive > 0);
    assert_eq!(count("active eq false".into()).await, inactive);
    assert_eq!(count("ACTIVE ne false".into()).await, all.len() - inactive);
    assert_eq!(
        count(format!(r#"applicationId eq "{}""#, a.client_id)).await,
        1
    );
    let sw = all
        .iter()
        .filter(|s| {
            s["displayName"]
                .as_str()
                .is_some_and(|n| n.starts_with("terraform"))
        })
        .count();
    assert_eq!(
        count(r#"displayName sw "terraform" or displayName eq "dbx-tui-admin""#.into()).await,
        sw + 1
    );
    assert_eq!(
        count(r#"displayName co "etl" and active eq false"#.into()).await,
        all.iter()
            .filter(|s| s["active"] == false
                && s["displayName"].as_str().is_some_and(|n| n.contains("etl")))
            .count()
    );
    for bad in [
        r#"displayName zz "x""#,
        r#"displayName eq "open"#,
        "(displayName eq \"x\"",
        "bogus eq \"1\"",
    ] {
        let (s, e) = scim(&c, &url, &a.admin_token, &[("filter", bad)]).await;
        assert_eq!(s, 400, "{bad}");
        assert_eq!(
            e["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
        assert_eq!(e["status"], "400");
        assert_eq!(e["scimType"], "invalidFilter");
    }
    let (s, e) = scim(&c, &format!("{url}/999"), &a.admin_token, &[]).await;
    assert_eq!((s, e["status"].as_str()), (404, Some("404")));
    assert_eq!(
        e["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
}

#[tokio::test]
async fn scim_attributes_and_excluded_attributes() {
    let (emu, c, a) = setup().await;
    let url = format!(
        "{}/api/2.0/accounts/{}/scim/v2/ServicePrincipals",
        emu.base_url(),
        a.account_id
    );
    let (_, p) = scim(
        &c,
        &url,
        &a.admin_token,
        &[("attributes", "displayName"), ("count", "20")],
    )
    .await;
    for r in p["Resources"].as_array().unwrap() {
        let keys: HashSet<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert!(
            keys.is_subset(&HashSet::from(["id", "schemas", "displayName"])),
            "{keys:?}"
        );
        assert!(keys.contains("id") && keys.contains("schemas"));
    }
    let (_, p) = scim(
        &c,
        &url,
        &a.admin_token,
        &[
            ("excludedAttributes", "applicationId,roles"),
            ("count", "20"),
        ],
    )
    .await;
    for r in p["Resources"].as_array().unwrap() {
        assert!(r.get("applicationId").is_none() && r.get("roles").is_none());
        assert!(r.get("active").is_some());
    }
}

#[tokio::test]
async fn workspace_scim_lists_assigned_sps_only() {
    let (emu, c, a) = setup().await;
    let (ws, pat) = a.workspace_pat.clone().unwrap();
    let expected = Seed::demo()
        .service_principals
        .iter()
        .filter(|s| s.account_id == a.account_id && s.workspace_ids.contains(&ws))
        .count();
    let url = format!(
        "{}/api/2.0/preview/scim/v2/ServicePrincipals",
        emu.base_url()
    );
    let (s, p) = scim(&c, &url, &pat, &[("count", "100")]).await;
    assert_eq!(s, 200);
    assert_eq!(p["totalResults"].as_u64(), Some(expected as u64));
    assert!(expected < seed_count(&a.account_id));
    let id = p["Resources"][0]["id"].as_str().unwrap().to_string();
    let (s, sp) = scim(&c, &format!("{url}/{id}"), &pat, &[]).await;
    assert_eq!((s, sp["id"].as_str()), (200, Some(id.as_str())));
}

#[tokio::test]
async fn sp_secrets_list_pages_and_never_shows_plaintext() {
    let (emu, c, a) = setup().await;
    let base = format!(
        "{}/api/2.0/accounts/{}/servicePrincipals",
        emu.base_url(),
        a.account_id
    );
    let sp = Seed::demo()
        .service_principals
        .into_iter()
        .find(|s| s.account_id == a.account_id && s.secrets.len() == 3)
        .expect("an SP with 3 secrets");
    let url = format!("{base}/{}/credentials/secrets", sp.id);
    let (mut got, mut token, mut pages) = (Vec::new(), String::new(), 0);
    loop {
        let q: Vec<(&str, &str)> = if token.is_empty() {
            vec![]
        } else {
            vec![("page_token", token.as_str())]
        };
        let (s, body) = scim(&c, &url, &a.admin_token, &q).await;
        assert_eq!(s, 200);
        pages += 1;
        for sec in body["secrets"].as_array().unwrap() {
            assert!(sec.get("secret").is_none());
            assert!(sec["expire_time"].as_str().unwrap().ends_with('Z'));
            got.push(sec["id"].as_str().unwrap().to_string());
        }
        match body["next_page_token"].as_str() {
            Some(t) if !t.is_empty() => token = t.to_string(),
            _ => break,
        }
    }
    assert_eq!(got.len(), 3);
    assert!(pages >= 2);
    assert_eq!(
        scim(
            &c,
            &format!("{base}/0/credentials/secrets"),
            &a.admin_token,
            &[]
        )
        .await
        .0,
        404
    );
}
