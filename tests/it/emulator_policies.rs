//! Emulator: network policies (paging, create, full-replace update, delete rules) and bindings.

use crate::support;

use std::collections::HashSet;

use dbx_tui::emulator::{DemoAccount, Emulator, EmulatorOptions, Fault};
use serde_json::{Value, json};

struct Ctx {
    emu: Emulator,
    c: reqwest::Client,
    a: DemoAccount,
}

impl Ctx {
    async fn new(opts: EmulatorOptions) -> Ctx {
        let emu = support::emulator_with(opts).await;
        let a = support::aws_account(&emu);
        Ctx {
            emu,
            c: crate::support::http(),
            a,
        }
    }
    fn url(&self, rest: &str) -> String {
        format!(
            "{}/api/2.0/accounts/{}{rest}",
            self.emu.base_url(),
            self.a.account_id
        )
    }
    async fn send(
        &self,
        method: reqwest::Method,
        rest: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut rb = self
            .c
            .request(method, self.url(rest))
            .bearer_auth(&self.a.admin_token);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
    async fn get(&self, rest: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, rest, None).await
    }
}

fn restricted(id: &str) -> Value {
    json!({
        "network_policy_id": id,
        "egress": {"network_access": {
            "restriction_mode": "RESTRICTED_ACCESS",
            "allowed_internet_destinations": [{"destination": "pypi.org", "internet_destination_type": "DNS_NAME"}],
            "allowed_storage_destinations": [{"storage_destination_type": "AWS_S3", "bucket_name": "b", "region": "us-east-1"}]
        }}
    })
}

#[tokio::test]
async fn policy_pagination_walks_all_pages_without_duplicates() {
    let ctx = Ctx::new(EmulatorOptions {
        policy_page_size: 2,
        ..Default::default()
    })
    .await;
    for i in 0..5 {
        let (s, _) = ctx
            .send(
                reqwest::Method::POST,
                "/network-policies",
                Some(&restricted(&format!("extra-{i}"))),
            )
            .await;
        assert_eq!(s, 200);
    }
    let (mut seen, mut pages, mut token) = (Vec::new(), 0, None::<String>);
    loop {
        let rest = match &token {
            Some(t) => format!("/network-policies?page_token={t}"),
            None => "/network-policies".to_string(),
        };
        let (s, body) = ctx.get(&rest).await;
        assert_eq!(s, 200);
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|p| p["network_policy_id"].as_str().unwrap().to_string()),
        );
        pages += 1;
        match body["next_page_token"].as_str() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
        assert!(pages < 50, "pagination does not terminate");
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "duplicates in {seen:?}");
    assert!(
        seen.len() >= 10 && pages >= 5,
        "{} policies in {pages} pages",
        seen.len()
    );
    assert!(seen.contains(&"default-policy".to_string()) && seen.contains(&"extra-4".to_string()));
    let (s, err) = ctx.get("/network-policies?page_token=garbage").await;
    assert_eq!(
        (s, err["error_code"].as_str()),
        (400, Some("INVALID_PARAMETER_VALUE"))
    );
}

#[tokio::test]
async fn put_replaces_whole_policy_and_keeps_unknown_fields() {
    let ctx = Ctx::new(EmulatorOptions::default()).await;
    let (s, before) = ctx.get("/network-policies/corp-egress").await;
    assert_eq!(s, 200);
    assert!(
        before["egress"]["network_access"]["allowed_storage_destinations"]
            .as_array()
            .unwrap()
            .len()
            > 1
    );
    let mut body = restricted("corp-egress");
    body["egress"]["network_access"]["allowed_databricks_destinations"] =
        json!([{"workspace_ids": [1, 2]}]);
    body["future_field"] = json!({"x": 1});
    let (s, updated) = ctx
        .send(
            reqwest::Method::PUT,
            "/network-policies/corp-egress",
            Some(&body),
        )
        .await;
    assert_eq!(s, 200, "{updated}");
    let stored = ctx
        .emu
        .handle()
        .policy_raw(&ctx.a.account_id, "corp-egress")
        .unwrap();
    assert_eq!(stored["future_field"], json!({"x": 1}));
    assert_eq!(
        stored["egress"]["network_access"]["allowed_databricks_destinations"][0]["workspace_ids"],
        json!([1, 2])
    );
    // Replaced, not merged: the old three storage destinations are gone.
    assert_eq!(
        stored["egress"]["network_access"]["allowed_storage_destinations"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(
        stored["egress"]["network_access"]
            .get("policy_enforcement")
            .is_none()
    );
    assert_eq!(stored["account_id"], ctx.a.account_id.as_str());
    // Body without an id is fine; a mismatching id is not; unknown policy is 404.
    let mut no_id = restricted("x");
    no_id.as_object_mut().unwrap().remove("network_policy_id");
    assert_eq!(
        ctx.send(
            reqwest::Method::PUT,
            "/network-policies/corp-egress",
            Some(&no_id)
        )
        .await
        .0,
        200
    );
    let (s, e) = ctx
        .send(
            reqwest::Method::PUT,
            "/network-policies/corp-egress",
            Some(&restricted("other")),
        )
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (400, Some("INVALID_PARAMETER_VALUE"))
    );
    let (s, e) = ctx
        .send(
            reqwest::Method::PUT,
            "/network-policies/missing",
            Some(&restricted("missing")),
        )
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );
    // put_policy_raw stores as-is, and GET serves it back unchanged.
    let raw = json!({"network_policy_id": "raw-one", "weird": [1, "two"]});
    ctx.emu
        .handle()
        .put_policy_raw(&ctx.a.account_id, raw.clone());
    assert_eq!(ctx.get("/network-policies/raw-one").await.1, raw);
}

#[tokio::test]
async fn create_validates_and_rejects_duplicates() {
    let ctx = Ctx::new(EmulatorOptions::default()).await;
    let (s, created) = ctx
        .send(
            reqwest::Method::POST,
            "/network-policies",
            Some(&restricted("new.policy_1")),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(created["account_id"], ctx.a.account_id.as_str());
    let (s, e) = ctx
        .send(
            reqwest::Method::POST,
            "/network-policies",
            Some(&restricted("new.policy_1")),
        )
        .await;
    assert_eq!(s, 409);
    assert!(
        ["RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"].contains(&e["error_code"].as_str().unwrap())
    );
    for bad in [
        restricted("has space"),
        restricted(&"x".repeat(33)),
        json!({"network_policy_id": "no-mode", "egress": {"network_access": {}}}),
        json!({"network_policy_id": "bad-mode", "egress": {"network_access": {"restriction_mode": "SOMETIMES"}}}),
        json!({"network_policy_id": "bad-dest", "egress": {"network_access": {"restriction_mode": "RESTRICTED_ACCESS",
            "allowed_internet_destinations": [{"destination": "1.2.3.4/32", "internet_destination_type": "IP_RANGE"}]}}}),
        json!({"network_policy_id": "wrong-cloud", "egress": {"network_access": {"restriction_mode": "RESTRICTED_ACCESS",
            "allowed_storage_destinations": [{"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": "a"}]}}}),
    ] {
        let (s, e) = ctx
            .send(reqwest::Method::POST, "/network-policies", Some(&bad))
            .await;
        assert_eq!(
            (s, e["error_code"].as_str()),
            (400, Some("INVALID_PARAMETER_VALUE")),
            "{bad}"
        );
    }
    let r = ctx
        .c
        .post(ctx.url("/network-policies"))
        .bearer_auth(&ctx.a.admin_token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error_code"],
        "MALFORMED_REQUEST"
    );
}

#[tokio::test]
async fn delete_rules_default_bound_unknown() {
    let ctx = Ctx::new(EmulatorOptions::default()).await;
    let (s, e) = ctx
        .send(
            reqwest::Method::DELETE,
            "/network-policies/default-policy",
            None,
        )
        .await;
    assert_eq!(s, 400);
    assert!(e["message"].as_str().unwrap().contains("default-policy"));
    // corp-egress is bound to prod-analytics in the demo seed.
    let (s, e) = ctx
        .send(
            reqwest::Method::DELETE,
            "/network-policies/corp-egress",
            None,
        )
        .await;
    assert!(s == 400 || s == 409, "{s}");
    assert!(
        e["message"].as_str().unwrap().contains("prod-analytics"),
        "{e}"
    );
    let (s, e) = ctx
        .send(reqwest::Method::DELETE, "/network-policies/nope", None)
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );
    ctx.send(
        reqwest::Method::POST,
        "/network-policies",
        Some(&restricted("short-lived")),
    )
    .await;
    assert_eq!(
        ctx.send(
            reqwest::Method::DELETE,
            "/network-policies/short-lived",
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(ctx.get("/network-policies/short-lived").await.0, 404);
}

#[tokio::test]
async fn workspace_binding_get_and_put() {
    let ctx = Ctx::new(EmulatorOptions::default()).await;
    let (s, list) = ctx.get("/workspaces").await;
    assert_eq!(s, 200);
    let ws = list.as_array().unwrap();
    let sandbox = ws
        .iter()
        .find(|w| w["workspace_name"] == "sandbox-ds")
        .unwrap()["workspace_id"]
        .as_i64()
        .unwrap();
    let (s, b) = ctx.get(&format!("/workspaces/{sandbox}/network")).await;
    assert_eq!(s, 200);
    assert_eq!(
        b,
        json!({"workspace_id": sandbox, "network_policy_id": "default-policy"})
    );
    let put = json!({"workspace_id": sandbox, "network_policy_id": "finance-strict"});
    let (s, b) = ctx
        .send(
            reqwest::Method::PUT,
            &format!("/workspaces/{sandbox}/network"),
            Some(&put),
        )
        .await;
    assert_eq!(
        (s, b["network_policy_id"].as_str()),
        (200, Some("finance-strict"))
    );
    assert_eq!(
        ctx.emu
            .handle()
            .binding(&ctx.a.account_id, sandbox)
            .as_deref(),
        Some("finance-strict")
    );
    assert_eq!(
        ctx.get(&format!("/workspaces/{sandbox}/network")).await.1["network_policy_id"],
        "finance-strict"
    );
    let bad = json!({"network_policy_id": "does-not-exist"});
    let (s, _) = ctx
        .send(
            reqwest::Method::PUT,
            &format!("/workspaces/{sandbox}/network"),
            Some(&bad),
        )
        .await;
    assert!(s == 404 || s == 400);
    assert_eq!(
        ctx.emu
            .handle()
            .binding(&ctx.a.account_id, sandbox)
            .as_deref(),
        Some("finance-strict")
    );
    assert_eq!(ctx.get("/workspaces/12345/network").await.0, 404);
    assert_eq!(
        ctx.get(&format!("/workspaces/{sandbox}")).await.1["workspace_status"],
        "PROVISIONING"
    );
}

#[tokio::test]
async fn injected_429_with_retry_after_then_success() {
    let ctx = Ctx::new(EmulatorOptions::default()).await;
    let h = ctx.emu.handle();
    let prefix = format!("/api/2.0/accounts/{}/network-policies", ctx.a.account_id);
    h.inject_fault(Fault {
        path_prefix: prefix.clone(),
        status: 429,
        retry_after_secs: Some(7),
        times: 2,
    });
    for _ in 0..2 {
        let r = ctx
            .c
            .get(ctx.url("/network-policies"))
            .bearer_auth(&ctx.a.admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 429);
        assert_eq!(r.headers()["retry-after"], "7");
        assert_eq!(
            r.json::<Value>().await.unwrap()["error_code"],
            "REQUEST_LIMIT_EXCEEDED"
        );
    }
    // Other paths are unaffected, and the third call succeeds.
    assert_eq!(ctx.get("/workspaces").await.0, 200);
    assert_eq!(ctx.get("/network-policies").await.0, 200);
    assert_eq!(h.request_count(&prefix), 3);
    h.inject_fault(Fault {
        path_prefix: prefix,
        status: 503,
        retry_after_secs: None,
        times: 1,
    });
    let (s, e) = ctx.get("/network-policies/default-policy").await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (503, Some("TEMPORARILY_UNAVAILABLE"))
    );
}
