//! Emulator: SCIM service-principal writes, groups, workspace assignments and OAuth secrets
//! (account and workspace-proxy routes), over real HTTP. The client-side secret types are
//! checked here too, because the plaintext must never reach a Debug string.

use crate::support;

use dbx_tui::api::client::http_client;
use dbx_tui::api::secrets::{self, SecretScope};
use dbx_tui::api::{ApiClient, ApiError};
use dbx_tui::config::{Profile, ProfileSource};
use dbx_tui::emulator::{DemoAccount, Emulator};
use serde_json::{Value, json};

struct Ctx {
    emu: Emulator,
    http: reqwest::Client,
    a: DemoAccount,
    ws: i64,
}

impl Ctx {
    async fn new() -> Ctx {
        let emu = support::emulator().await;
        let a = support::aws_account(&emu);
        let ws = a.workspace_pat.as_ref().map(|p| p.0).unwrap();
        Ctx {
            emu,
            http: crate::support::http(),
            a,
            ws,
        }
    }

    fn acc(&self, p: &str) -> String {
        format!(
            "{}/api/2.0/accounts/{}{p}",
            self.emu.base_url(),
            self.a.account_id
        )
    }

    fn sps(&self) -> String {
        self.acc("/scim/v2/ServicePrincipals")
    }

    fn ws_sps(&self) -> String {
        format!(
            "{}/api/2.0/preview/scim/v2/ServicePrincipals",
            self.emu.base_url()
        )
    }

    /// One request with the account admin token, pinned to `self.ws` for workspace routes.
    async fn call(&self, method: &str, url: &str, body: Option<Value>) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut r = self
            .http
            .request(m, url)
            .bearer_auth(&self.a.admin_token)
            .header("X-Databricks-Workspace-Id", self.ws.to_string());
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let v = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        (status, v)
    }

    async fn create(&self, name: &str) -> Value {
        let (s, v) = self
            .call("POST", &self.sps(), Some(json!({"displayName": name})))
            .await;
        assert_eq!(s, 201, "{v}");
        v
    }

    async fn patch(&self, id: &str, ops: Value) -> (u16, Value) {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": ops,
        });
        self.call("PATCH", &format!("{}/{id}", self.sps()), Some(body))
            .await
    }

    async fn get(&self, id: &str) -> Value {
        let (s, v) = self
            .call("GET", &format!("{}/{id}", self.sps()), None)
            .await;
        assert_eq!(s, 200, "{v}");
        v
    }
}

fn assert_scim_error(status: u16, v: &Value, want_status: u16, scim_type: Option<&str>) {
    assert_eq!(status, want_status, "{v}");
    assert_eq!(
        v["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(v["status"], want_status.to_string());
    if let Some(t) = scim_type {
        assert_eq!(v["scimType"], t, "{v}");
    }
}

#[tokio::test]
async fn create_put_delete_round_trip() {
    let c = Ctx::new().await;
    let sp = c.create("rt-bot").await;
    let id = sp["id"].as_str().unwrap().to_string();
    assert!(
        id.len() >= 10 && id.chars().all(|ch| ch.is_ascii_digit()),
        "{id}"
    );
    let app = sp["applicationId"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(app).is_ok(), "{app}");
    assert_eq!(c.get(&id).await["displayName"], "rt-bot");

    // An Azure-style create brings its own application id.
    let given = "0b6f4f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
    let (s, v) = c
        .call(
            "POST",
            &c.sps(),
            Some(json!({"displayName": "az", "applicationId": given})),
        )
        .await;
    assert_eq!((s, v["applicationId"].as_str()), (201, Some(given)), "{v}");
    let (s, v) = c
        .call(
            "POST",
            &c.sps(),
            Some(json!({"displayName": "dup", "applicationId": given})),
        )
        .await;
    assert_scim_error(s, &v, 409, Some("uniqueness"));
    let (s, v) = c
        .call("POST", &c.sps(), Some(json!({"active": true})))
        .await;
    assert_scim_error(s, &v, 400, Some("invalidValue"));

    let url = format!("{}/{id}", c.sps());
    let (s, v) = c
        .call(
            "PUT",
            &url,
            Some(
                json!({"displayName": "rt-bot-2", "externalId": "ext-1", "active": false,
                        "roles": [{"value": "servicePrincipal.user"}]}),
            ),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let back = c.get(&id).await;
    assert_eq!(
        (&back["displayName"], &back["externalId"], &back["active"]),
        (&json!("rt-bot-2"), &json!("ext-1"), &json!(false))
    );
    assert_eq!(back["roles"][0]["value"], "servicePrincipal.user");
    assert_eq!(back["applicationId"], sp["applicationId"]);

    let (s, _) = c.call("DELETE", &url, None).await;
    assert_eq!(s, 204);
    let (s, v) = c.call("GET", &url, None).await;
    assert_scim_error(s, &v, 404, None);
    let (s, v) = c.call("DELETE", &url, None).await;
    assert_scim_error(s, &v, 404, None);
}

#[tokio::test]
async fn patch_accepts_every_value_form() {
    let c = Ctx::new().await;
    let id = c.create("forms").await["id"].as_str().unwrap().to_string();
    // RFC form.
    let (s, v) = c
        .patch(
            &id,
            json!([{"op": "replace", "path": "active", "value": false}]),
        )
        .await;
    assert_eq!((s, &v["active"]), (200, &json!(false)), "{v}");
    // Terraform's ComplexValue-list form, both ways.
    let (_, v) = c
        .patch(
            &id,
            json!([{"op": "replace", "path": "active", "value": [{"value": "true"}]}]),
        )
        .await;
    assert_eq!(v["active"], true, "{v}");
    let (_, v) = c
        .patch(
            &id,
            json!([{"op": "replace", "path": "active", "value": [{"value": "false"}]}]),
        )
        .await;
    assert_eq!(v["active"], false, "{v}");
    c.patch(
        &id,
        json!([{"op": "replace", "path": "active", "value": true}]),
    )
    .await;
    // SDK 0.162 drops a falsy value: real Databricks does nothing, so it must stay active.
    let (s, v) = c
        .patch(&id, json!([{"op": "replace", "path": "active"}]))
        .await;
    assert_eq!((s, &v["active"]), (200, &json!(true)), "{v}");
    assert_eq!(c.get(&id).await["active"], true);

    // Rename with `add` (as a blog reports it works), external id, entitlements, roles.
    let (_, v) = c
        .patch(
            &id,
            json!([
                {"op": "add", "path": "displayName", "value": "renamed"},
                {"op": "replace", "path": "externalId", "value": "ext-9"},
                {"op": "add", "path": "entitlements", "value": [{"value": "databricks-sql-access"}, {"value": "workspace-access"}]},
                {"op": "add", "path": "roles", "value": [{"value": "servicePrincipal.manager"}]}
            ]),
        )
        .await;
    assert_eq!(
        (&v["displayName"], &v["externalId"]),
        (&json!("renamed"), &json!("ext-9"))
    );
    c.patch(
        &id,
        json!([
            {"op": "remove", "path": "entitlements[value eq \"workspace-access\"]"},
            {"op": "remove", "path": "externalId"},
            {"op": "replace", "value": {"displayName": "renamed-2"}}
        ]),
    )
    .await;
    let ws_view = c.call("GET", &format!("{}/{id}", c.ws_sps()), None).await;
    assert_eq!(ws_view.0, 404, "not assigned to the workspace yet");
    let back = c.get(&id).await;
    assert_eq!(back["displayName"], "renamed-2");
    assert!(back.get("externalId").is_none(), "{back}");
    assert_eq!(
        back["roles"],
        json!([{"value": "servicePrincipal.manager"}])
    );
}

#[tokio::test]
async fn patch_errors_are_scim_shaped_and_atomic() {
    let c = Ctx::new().await;
    let id = c.create("errs").await["id"].as_str().unwrap().to_string();
    let (s, v) = c
        .patch(
            &id,
            json!([{"op": "move", "path": "active", "value": false}]),
        )
        .await;
    assert_scim_error(s, &v, 400, Some("invalidValue"));
    let (s, v) = c
        .patch(
            &id,
            json!([{"op": "replace", "path": "favouriteColour", "value": "x"}]),
        )
        .await;
    assert_scim_error(s, &v, 400, Some("invalidPath"));
    let (s, v) = c
        .patch(
            &id,
            json!([{"op": "replace", "path": "active", "value": "maybe"}]),
        )
        .await;
    assert_scim_error(s, &v, 400, Some("invalidValue"));
    let (s, v) = c
        .patch(
            &id,
            json!([{"op": "add", "path": "entitlements", "value": [{"value": "be-god"}]}]),
        )
        .await;
    assert_scim_error(s, &v, 400, Some("invalidValue"));
    // The first op is fine, the second is not: nothing may be applied.
    let (s, _) = c
        .patch(
            &id,
            json!([{"op": "replace", "path": "displayName", "value": "half"},
                   {"op": "replace", "path": "nope", "value": 1}]),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(c.get(&id).await["displayName"], "errs");
    let (s, v) = c
        .patch(
            "1234567890123456",
            json!([{"op": "replace", "path": "active", "value": false}]),
        )
        .await;
    assert_scim_error(s, &v, 404, None);
}

#[tokio::test]
async fn workspace_create_makes_an_account_principal() {
    let c = Ctx::new().await;
    let (s, v) = c
        .call(
            "POST",
            &c.ws_sps(),
            Some(json!({"displayName": "ws-made",
            "entitlements": [{"value": "workspace-access"}]})),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(c.get(&id).await["displayName"], "ws-made");
    let list = |f: &'static str| {
        let c = &c;
        async move {
            let (s, v) = c
                .call("GET", &format!("{}?filter={}", c.ws_sps(), urlenc(f)), None)
                .await;
            assert_eq!(s, 200, "{v}");
            v["totalResults"].as_u64().unwrap()
        }
    };
    assert_eq!(list("displayName eq \"ws-made\"").await, 1);
    let (s, v) = c
        .call(
            "PATCH",
            &format!("{}/{id}", c.ws_sps()),
            Some(json!({"Operations": [{"op": "replace", "path": "active", "value": false}]})),
        )
        .await;
    assert_eq!((s, &v["active"]), (200, &json!(false)), "{v}");
    let (s, _) = c
        .call("DELETE", &format!("{}/{id}", c.ws_sps()), None)
        .await;
    assert_eq!(s, 204);
    assert_eq!(list("displayName eq \"ws-made\"").await, 0);
    // Removing from the workspace keeps the account principal.
    assert_eq!(c.get(&id).await["active"], false);
}

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn group_membership_add_and_remove() {
    let c = Ctx::new().await;
    let id = c.create("grouped").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, groups) = c
        .call(
            "GET",
            &format!(
                "{}?filter={}",
                c.acc("/scim/v2/Groups"),
                urlenc("displayName eq \"ci-bots\"")
            ),
            None,
        )
        .await;
    assert_eq!(s, 200, "{groups}");
    assert_eq!(groups["totalResults"], 1);
    let gid = groups["Resources"][0]["id"].as_str().unwrap().to_string();
    let gurl = c.acc(&format!("/scim/v2/Groups/{gid}"));
    let patch = |ops: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let (s, v) = c
        .call(
            "PATCH",
            &gurl,
            Some(patch(
                json!([{"op": "add", "path": "members", "value": [{"value": id}]}]),
            )),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(
        v["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["value"] == id.as_str())
    );
    assert_eq!(c.get(&id).await["groups"][0]["value"], gid.as_str());
    let path = format!("members[value eq \"{id}\"]");
    let (s, _) = c
        .call(
            "PATCH",
            &gurl,
            Some(patch(json!([{"op": "remove", "path": path}]))),
        )
        .await;
    assert_eq!(s, 200);
    assert!(c.get(&id).await.get("groups").is_none());
    // The same through the principal's `groups` attribute.
    let (s, v) = c
        .patch(
            &id,
            json!([{"op": "add", "path": "groups", "value": [{"value": gid}]}]),
        )
        .await;
    assert_eq!((s, &v["groups"][0]["value"]), (200, &json!(gid)), "{v}");
    let (_, g) = c.call("GET", &gurl, None).await;
    assert!(
        g["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["value"] == id.as_str())
    );
    let (s, v) = c
        .call(
            "PATCH",
            &gurl,
            Some(patch(
                json!([{"op": "add", "path": "members", "value": [{"value": "999"}]}]),
            )),
        )
        .await;
    assert_scim_error(s, &v, 400, Some("invalidValue"));
    let (s, v) = c.call("GET", &c.acc("/scim/v2/Groups/404404"), None).await;
    assert_scim_error(s, &v, 404, None);
}

#[tokio::test]
async fn assignments_drive_the_workspace_list() {
    let c = Ctx::new().await;
    let id = c.create("assignee").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pa = c.acc(&format!("/workspaces/{}/permissionassignments", c.ws));
    let put = |perms: Value| {
        let (c, url) = (&c, format!("{pa}/principals/{id}"));
        async move {
            c.call("PUT", &url, Some(json!({"permissions": perms})))
                .await
        }
    };
    let in_ws = || async {
        let (s, v) = c.call("GET", &format!("{}/{id}", c.ws_sps()), None).await;
        (s == 200, v)
    };
    let listed = || async {
        let (s, v) = c.call("GET", &pa, None).await;
        assert_eq!(s, 200, "{v}");
        v["permission_assignments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["principal"]["principal_id"].as_i64() == id.parse().ok())
            .map(|a| a["permissions"].clone())
    };
    assert!(!in_ws().await.0);
    let (s, v) = put(json!(["ADMIN"])).await;
    assert_eq!((s, &v["permissions"]), (200, &json!(["ADMIN"])), "{v}");
    assert_eq!(v["principal"]["display_name"], "assignee");
    assert_eq!(listed().await, Some(json!(["ADMIN"])));
    assert!(
        in_ws().await.0,
        "the workspace SCIM list must show an assigned principal"
    );
    // An empty list deletes the assignment, as documented.
    let (s, _) = put(json!([])).await;
    assert_eq!(s, 200);
    assert_eq!(listed().await, None);
    assert!(!in_ws().await.0);
    put(json!(["USER"])).await;
    assert_eq!(listed().await, Some(json!(["USER"])));
    let (s, _) = c
        .call("DELETE", &format!("{pa}/principals/{id}"), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(listed().await, None);
    let (s, v) = c
        .call(
            "PUT",
            &format!("{pa}/principals/abc"),
            Some(json!({"permissions": ["USER"]})),
        )
        .await;
    assert_eq!(
        (s, &v["error_code"]),
        (400, &json!("INVALID_PARAMETER_VALUE")),
        "{v}"
    );
    let (s, v) = c.call("GET", &format!("{pa}/permissions"), None).await;
    assert_eq!(s, 200);
    let levels: Vec<&str> = v["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["permission_level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["USER", "ADMIN"]);
}

fn secrets_client(c: &Ctx) -> ApiClient {
    let mut p = Profile::empty("t", ProfileSource::Demo);
    p.host = Some(c.emu.base_url());
    p.token = Some(c.a.admin_token.clone().into());
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(
        "X-Databricks-Workspace-Id",
        c.ws.to_string().parse().unwrap(),
    );
    ApiClient::new(
        http_client(),
        &c.emu.base_url(),
        dbx_tui::auth::provider_for(&p).unwrap(),
    )
    .with_headers(h)
}

#[tokio::test]
async fn proxy_secrets_limits_and_no_plaintext_in_debug() {
    let c = Ctx::new().await;
    let id = c.create("secretive").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let client = secrets_client(&c);
    let proxy = SecretScope::WorkspaceProxy;
    // Not assigned to the workspace yet: the proxy route does not manage it.
    let err = secrets::create(&client, &proxy, &id, None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    c.call(
        "PUT",
        &c.acc(&format!(
            "/workspaces/{}/permissionassignments/principals/{id}",
            c.ws
        )),
        Some(json!({"permissions": ["USER"]})),
    )
    .await;

    let created = secrets::create(
        &client,
        &proxy,
        &id,
        Some(std::time::Duration::from_secs(86_400)),
    )
    .await
    .unwrap();
    let canary = created.secret.expose().to_string();
    assert!(canary.len() > 16);
    assert!(
        !format!("{created:?}").contains(&canary),
        "plaintext in Debug"
    );
    let acct = SecretScope::Account(c.a.account_id.clone());
    let listed = secrets::list(&client, &acct, &id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, created.info.id);
    assert!(!format!("{listed:?}").contains(&canary));
    let (_, raw) = c
        .call(
            "GET",
            &c.acc(&format!("/servicePrincipals/{id}/credentials/secrets")),
            None,
        )
        .await;
    assert!(
        !raw.to_string().contains(&canary),
        "a list must never show plaintext"
    );
    // Not even a piece of it: no 8 characters of the secret's random part appear in the record
    // (`secret_hash` is a fingerprint, not a slice of the secret).
    let record = raw.to_string();
    let random = canary.trim_start_matches("dose");
    let windows: Vec<&str> = (0..=random.len() - 8).map(|i| &random[i..i + 8]).collect();
    assert!(
        windows.iter().all(|w| !record.contains(w)),
        "the secret record carries part of the secret: {record}"
    );

    let mut plains = vec![canary];
    for _ in 0..4 {
        plains.push(
            secrets::create(&client, &acct, &id, None)
                .await
                .unwrap()
                .secret
                .expose()
                .to_string(),
        );
    }
    // Pages of 2 in the emulator: the list must follow the token past short pages.
    assert_eq!(secrets::list(&client, &proxy, &id).await.unwrap().len(), 5);
    let sixth: ApiError = secrets::create(&client, &proxy, &id, None)
        .await
        .unwrap_err();
    assert_eq!(sixth.status(), Some(400));
    assert!(sixth.to_string().contains("maximum of 5"), "{sixth}");
    let shown = format!("{sixth:?} {sixth} {}", sixth.user_message());
    assert!(plains.iter().all(|p| !shown.contains(p.as_str())));

    secrets::delete(&client, &proxy, &id, &created.info.id)
        .await
        .unwrap();
    assert_eq!(secrets::list(&client, &proxy, &id).await.unwrap().len(), 4);
    // Over 730 days: refused by the server (raw) and by the client before sending.
    let url = c.acc(&format!("/servicePrincipals/{id}/credentials/secrets"));
    let (s, v) = c
        .call("POST", &url, Some(json!({"lifetime": "63072001s"})))
        .await;
    assert_eq!(
        (s, &v["error_code"]),
        (400, &json!("INVALID_PARAMETER_VALUE")),
        "{v}"
    );
    let too_long = std::time::Duration::from_secs(731 * 86_400);
    assert!(
        secrets::create(&client, &acct, &id, Some(too_long))
            .await
            .is_err()
    );
    let (s, v) = c
        .call("POST", &url, Some(json!({"lifetime": "63072000s"})))
        .await;
    assert_eq!(s, 200, "{v}");
}
