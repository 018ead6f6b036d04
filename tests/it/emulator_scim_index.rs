//! Emulator: the SCIM list of a large account is served from a per-account index (a page is a
//! slice of it). Paging by startIndex/count, with and without a filter, returns every principal
//! exactly once, in list order, and the index follows creates, inserts and deletes.

use dbx_tui::emulator::{Emulator, EmulatorOptions};
use serde_json::Value;
use std::collections::HashSet;

/// Every id the list returns, walking `count` at a time from startIndex 1 to an empty page,
/// checking that each page starts where it was asked to and totalResults holds still.
async fn walk(
    c: &reqwest::Client,
    url: &str,
    token: &str,
    count: usize,
    filter: Option<&str>,
) -> Vec<(String, String)> {
    let (mut start, mut out, mut total) = (1usize, Vec::new(), None);
    loop {
        let mut q = vec![
            ("startIndex", start.to_string()),
            ("count", count.to_string()),
        ];
        if let Some(f) = filter {
            q.push(("filter", f.to_owned()));
        }
        let r = c
            .get(url)
            .bearer_auth(token)
            .query(&q)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let page: Value = r.json().await.unwrap();
        let t = page["totalResults"].as_u64().unwrap();
        assert_eq!(
            *total.get_or_insert(t),
            t,
            "the total moved while nothing changed"
        );
        let res = page["Resources"].as_array().unwrap();
        if res.is_empty() {
            break;
        }
        assert_eq!(page["startIndex"].as_u64(), Some(start as u64));
        assert!(res.len() <= count);
        out.extend(res.iter().map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["displayName"].as_str().unwrap_or_default().to_owned(),
            )
        }));
        start += res.len();
    }
    assert_eq!(out.len() as u64, total.unwrap_or(0));
    let unique: HashSet<&String> = out.iter().map(|(id, _)| id).collect();
    assert_eq!(unique.len(), out.len(), "a principal came twice");
    out
}

#[tokio::test]
async fn paging_a_large_account_returns_each_principal_once_across_changes() {
    let emu = Emulator::start(
        EmulatorOptions {
            generated_service_principals: 2_500,
            egress_events_per_sec: 0.0,
            egress_backfill: 0,
            ..EmulatorOptions::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let a = emu
        .accounts()
        .into_iter()
        .find(|a| a.cloud == "aws")
        .unwrap();
    let c = crate::support::http();
    let url = format!(
        "{}/api/2.0/accounts/{}/scim/v2/ServicePrincipals",
        emu.base_url(),
        a.account_id
    );
    let tok = a.admin_token.as_str();
    let before = walk(&c, &url, tok, 100, None).await;
    assert!(before.len() > 2_500);
    // Odd page sizes cut the list elsewhere and see the same rows in the same order.
    assert_eq!(walk(&c, &url, tok, 37, None).await, before);

    // A filter: the matching rows, in list order, each once.
    let f = r#"displayName co "-sp-0012""#;
    let want: Vec<_> = before
        .iter()
        .filter(|(_, n)| n.contains("-sp-0012"))
        .cloned()
        .collect();
    assert!(want.len() > 5);
    assert_eq!(walk(&c, &url, tok, 3, Some(f)).await, want);

    // Changes: an insert in the middle, a delete, and a create through the API (last).
    let h = emu.handle();
    let inserted = h.insert_service_principal(&a.account_id, 1_000, "inserted-sp");
    let removed = before[1_500].0.clone();
    assert!(h.remove_service_principal(&a.account_id, &removed));
    let r = c
        .post(&url)
        .bearer_auth(tok)
        .json(&serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal"],
            "displayName": "created-sp",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let created: Value = r.json().await.unwrap();
    let mut want = before.clone();
    want.insert(1_000, (inserted, "inserted-sp".into()));
    want.retain(|(id, _)| *id != removed);
    want.push((
        created["id"].as_str().unwrap().to_owned(),
        "created-sp".into(),
    ));
    assert_eq!(walk(&c, &url, tok, 100, None).await, want);
    assert_eq!(walk(&c, &url, tok, 41, None).await, want);
    // Each principal is still found by id, the removed one is not.
    for (id, status) in [
        (&want[1_000].0, 200),
        (&want[want.len() - 1].0, 200),
        (&removed, 404),
    ] {
        let r = c
            .get(format!("{url}/{id}"))
            .bearer_auth(tok)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{id}");
    }
}
