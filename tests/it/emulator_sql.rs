//! Emulator: SQL warehouses, the Statement Execution API on the embedded engine, and the egress
//! event generator, over real HTTP. Time is driven with `advance_sql_clock`, never by sleeping.

use crate::support;

use std::collections::HashSet;
use std::time::Duration;

use dbx_tui::emulator::{DemoAccount, Emulator, EmulatorOptions};
use serde_json::{Value, json};

const HOUR: Duration = Duration::from_secs(3600);
/// prod-analytics (AWS account), bound to corp-egress (RESTRICTED_ACCESS, ENFORCED).
const CORP_WS: i64 = 7_280_951_203_477;
/// Bound to marketing-dryrun (DRY_RUN for every product).
const DRYRUN_WS: i64 = 1_146_955_749_653;
/// Bound to ml-serving-lockdown (DRY_RUN for ML_SERVING only).
const MLSERVING_WS: i64 = 6_133_238_636_644;

fn quiet() -> EmulatorOptions {
    EmulatorOptions {
        warehouse_start_delay: HOUR,
        sql_statement_delay: Duration::ZERO,
        egress_events_per_sec: 0.0,
        egress_backfill: 0,
        ..Default::default()
    }
}

struct Ctx {
    emu: Emulator,
    c: reqwest::Client,
    a: DemoAccount,
    ws: i64,
}

impl Ctx {
    async fn new(opts: EmulatorOptions) -> Ctx {
        let emu = support::emulator_with(opts).await;
        let a = support::aws_account(&emu);
        Ctx {
            emu,
            c: crate::support::http(),
            a,
            ws: CORP_WS,
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut rb = self
            .c
            .request(method, format!("{}{path}", self.emu.base_url()))
            .bearer_auth(&self.a.admin_token)
            .header("X-Databricks-Workspace-Id", self.ws.to_string());
        if let Some(b) = body {
            rb = rb.json(b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    async fn warehouses(&self) -> Vec<Value> {
        let (s, body) = self.get("/api/2.0/sql/warehouses").await;
        assert_eq!(s, 200, "{body}");
        body["warehouses"].as_array().unwrap().clone()
    }

    async fn warehouse(&self, state: &str) -> String {
        let list = self.warehouses().await;
        let w = list.iter().find(|w| w["state"] == state).unwrap();
        w["id"].as_str().unwrap().to_string()
    }

    /// Submits and returns the response (status 200 asserted).
    async fn submit(&self, body: Value) -> Value {
        let (s, r) = self.post("/api/2.0/sql/statements", &body).await;
        assert_eq!(s, 200, "{r}");
        r
    }

    /// Runs a statement on the running warehouse with a blocking wait and returns the response.
    async fn query(&self, sql: &str, params: Value) -> Value {
        let wh = self.warehouse("RUNNING").await;
        self.submit(json!({"statement": sql, "warehouse_id": wh, "wait_timeout": "5s", "parameters": params}))
            .await
    }

    /// All rows of a SUCCEEDED statement, following every chunk.
    async fn rows(&self, resp: &Value) -> Vec<Vec<Value>> {
        assert_eq!(resp["status"]["state"], "SUCCEEDED", "{resp}");
        let id = resp["statement_id"].as_str().unwrap();
        let mut rows = Vec::new();
        let mut chunk = resp["result"].clone();
        loop {
            for r in chunk["data_array"].as_array().into_iter().flatten() {
                rows.push(r.as_array().unwrap().clone());
            }
            let Some(next) = chunk["next_chunk_index"].as_u64() else {
                break;
            };
            let (s, c) = self
                .get(&format!(
                    "/api/2.0/sql/statements/{id}/result/chunks/{next}"
                ))
                .await;
            assert_eq!(s, 200, "{c}");
            assert_eq!(c["chunk_index"], next);
            chunk = c;
        }
        rows
    }

    async fn state(&self, id: &str) -> Value {
        let (s, r) = self.get(&format!("/api/2.0/sql/statements/{id}")).await;
        assert_eq!(s, 200, "{r}");
        r
    }
}

#[tokio::test]
async fn warehouses_list_page_start_and_stop() {
    let ctx = Ctx::new(quiet()).await;
    let list = ctx.warehouses().await;
    assert!((1..=3).contains(&list.len()), "{list:?}");
    for field in [
        "id",
        "name",
        "state",
        "cluster_size",
        "enable_serverless_compute",
        "warehouse_type",
        "auto_stop_mins",
        "num_clusters",
        "creator_name",
        "jdbc_url",
        "odbc_params",
        "health",
        "channel",
    ] {
        assert!(list.iter().all(|w| !w[field].is_null()), "{field} missing");
    }
    assert!(
        list.iter()
            .any(|w| w["state"] == "RUNNING" && w["enable_serverless_compute"] == true)
    );
    let stopped = ctx.warehouse("STOPPED").await;

    // Paging with page_size=1 walks every warehouse exactly once.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let q = match &token {
            Some(t) => format!("?page_size=1&page_token={t}"),
            None => "?page_size=1".into(),
        };
        let (_, page) = ctx.get(&format!("/api/2.0/sql/warehouses{q}")).await;
        seen.extend(
            page["warehouses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["id"].clone()),
        );
        match page["next_page_token"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), list.len());

    let path = format!("/api/2.0/sql/warehouses/{stopped}");
    let (s, _) = ctx.post(&format!("{path}/start"), &json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(ctx.get(&path).await.1["state"], "STARTING");
    ctx.emu.handle().advance_sql_clock(HOUR);
    assert_eq!(ctx.get(&path).await.1["state"], "RUNNING");
    let (s, _) = ctx.post(&format!("{path}/stop"), &json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(ctx.get(&path).await.1["state"], "STOPPED");

    let (s, body) = ctx.get("/api/2.0/sql/warehouses/nope").await;
    assert_eq!(
        (s, body["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );
    // Another workspace's warehouse is not visible here.
    let other = ctx.emu.handle().warehouse_ids(DRYRUN_WS)[0].clone();
    assert_eq!(
        ctx.get(&format!("/api/2.0/sql/warehouses/{other}")).await.0,
        404
    );
}

#[tokio::test]
async fn a_statement_on_a_stopped_warehouse_goes_pending_running_succeeded() {
    let ctx = Ctx::new(quiet()).await;
    let h = ctx.emu.handle();
    h.set_sql_statement_delay(HOUR);
    let wh = ctx.warehouse("STOPPED").await;
    let r = ctx
        .submit(json!({"statement": "SELECT 1 AS one", "warehouse_id": wh, "wait_timeout": "0s"}))
        .await;
    assert_eq!(r["status"]["state"], "PENDING");
    let id = r["statement_id"].as_str().unwrap().to_string();
    assert_eq!(ctx.state(&id).await["status"]["state"], "PENDING");
    let (_, w) = ctx.get(&format!("/api/2.0/sql/warehouses/{wh}")).await;
    assert_eq!(
        w["state"], "STARTING",
        "the statement started its warehouse"
    );
    h.advance_sql_clock(HOUR);
    assert_eq!(ctx.state(&id).await["status"]["state"], "RUNNING");
    h.advance_sql_clock(HOUR);
    let done = ctx.state(&id).await;
    assert_eq!(done["status"]["state"], "SUCCEEDED", "{done}");
    assert_eq!(done["manifest"]["schema"]["columns"][0]["name"], "one");
    assert_eq!(done["result"]["data_array"], json!([["1"]]));
    assert_eq!(
        h.sql_statements(),
        vec![(id.clone(), "SUCCEEDED".to_string())]
    );
    h.close_sql_statement(&id);
    assert_eq!(ctx.state(&id).await["status"]["state"], "CLOSED");

    let (s, body) = ctx.get("/api/2.0/sql/statements/00000000-nope").await;
    assert_eq!(
        (s, body["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );
    let (s, _) = ctx
        .post(
            "/api/2.0/sql/statements",
            &json!({"statement": "SELECT 1", "warehouse_id": wh, "wait_timeout": "3s"}),
        )
        .await;
    assert_eq!(s, 400, "wait_timeout must be 0s or 5s..50s");
}

#[tokio::test]
async fn failures_are_http_200_with_a_databricks_error() {
    let ctx = Ctx::new(quiet()).await;
    let r = ctx
        .query("SELECT * FROM system.access.outbound_traffic", json!([]))
        .await;
    assert_eq!(r["status"]["state"], "FAILED", "{r}");
    assert_eq!(r["status"]["error"]["error_code"], "BAD_REQUEST");
    let msg = r["status"]["error"]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("[TABLE_OR_VIEW_NOT_FOUND]") && msg.contains("`outbound_traffic`"),
        "{msg}"
    );
    assert_eq!(r["status"]["sql_state"], "42P01");
    assert!(r.get("result").is_none() && r.get("manifest").is_none());

    let r = ctx
        .query(
            "SELEC event_id FROM system.access.outbound_network",
            json!([]),
        )
        .await;
    assert_eq!(r["status"]["state"], "FAILED");
    let msg = r["status"]["error"]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("[PARSE_SYNTAX_ERROR] Syntax error at or near"),
        "{msg}"
    );
    assert_eq!(r["status"]["sql_state"], "42601");
}

#[tokio::test]
async fn cancel_stops_a_running_statement_for_good() {
    let ctx = Ctx::new(quiet()).await;
    let h = ctx.emu.handle();
    h.set_sql_statement_delay(HOUR);
    let wh = ctx.warehouse("RUNNING").await;
    let r = ctx
        .submit(json!({"statement": "SELECT 1", "warehouse_id": wh, "wait_timeout": "0s"}))
        .await;
    let id = r["statement_id"].as_str().unwrap().to_string();
    assert_eq!(ctx.state(&id).await["status"]["state"], "RUNNING");
    let (s, _) = ctx
        .post(&format!("/api/2.0/sql/statements/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(s, 200);
    h.advance_sql_clock(2 * HOUR);
    assert_eq!(ctx.state(&id).await["status"]["state"], "CANCELED");
    let (s, _) = ctx
        .get(&format!("/api/2.0/sql/statements/{id}/result/chunks/0"))
        .await;
    assert_eq!(s, 400);
    let (s, _) = ctx
        .post("/api/2.0/sql/statements/nope/cancel", &json!({}))
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn chunks_reassemble_every_row_exactly_once() {
    let ctx = Ctx::new(EmulatorOptions {
        sql_chunk_rows: 7,
        ..quiet()
    })
    .await;
    ctx.emu.handle().generate_egress_events(400);
    // The AWS account's events: the table a workspace reads holds only its account's.
    let total = ctx.emu.handle().egress_row_count_of(&ctx.a.account_id);
    assert!(total > 50, "{total}");
    let r = ctx
        .query("SELECT event_id, event_time FROM system.access.outbound_network ORDER BY event_time DESC", json!([]))
        .await;
    let m = &r["manifest"];
    assert_eq!(m["total_row_count"], total);
    assert_eq!(m["total_chunk_count"], total.div_ceil(7));
    assert_eq!(m["schema"]["columns"][1]["type_name"], "TIMESTAMP");
    assert_eq!(
        r["result"]["next_chunk_internal_link"],
        format!(
            "/api/2.0/sql/statements/{}/result/chunks/1",
            r["statement_id"].as_str().unwrap()
        )
    );
    let rows = ctx.rows(&r).await;
    assert_eq!(rows.len(), total);
    let ids: HashSet<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(ids.len(), total, "every row once");
    let times: Vec<&str> = rows.iter().map(|r| r[1].as_str().unwrap()).collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "order survives chunking"
    );
    assert!(
        times[0].ends_with('Z') && times[0].len() == 24,
        "{}",
        times[0]
    );

    let wh = ctx.warehouse("RUNNING").await;
    let r = ctx
        .submit(json!({"statement": "SELECT event_id FROM system.access.outbound_network", "warehouse_id": wh, "wait_timeout": "5s", "row_limit": 5}))
        .await;
    assert_eq!(r["manifest"]["truncated"], true);
    assert_eq!(ctx.rows(&r).await.len(), 5);
}

#[tokio::test]
async fn parameters_are_bound_and_a_quote_cannot_break_out() {
    let ctx = Ctx::new(quiet()).await;
    ctx.emu.handle().generate_egress_events(500);
    let sql = "SELECT COUNT(*) AS n FROM system.access.outbound_network WHERE workspace_id = :ws";
    let count = |r: &Value| {
        r["result"]["data_array"][0][0]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let ok = ctx
        .query(sql, json!([{"name": "ws", "value": CORP_WS.to_string()}]))
        .await;
    assert!(count(&ok) > 0, "{ok}");
    let evil = ctx
        .query(
            sql,
            json!([{"name": "ws", "value": format!("{CORP_WS}' OR '1'='1"), "type": "STRING"}]),
        )
        .await;
    assert_eq!(count(&evil), 0);
    let echo = ctx
        .query(
            "SELECT :v AS v, :n + 1 AS n, :t AS t",
            json!([
                {"name": "v", "value": "it's \"quoted\"; DROP TABLE x"},
                {"name": "n", "value": "41", "type": "BIGINT"},
                {"name": "t", "value": "2026-11-25T14:00:00+01:00", "type": "TIMESTAMP"},
            ]),
        )
        .await;
    assert_eq!(
        echo["result"]["data_array"][0],
        json!([
            "it's \"quoted\"; DROP TABLE x",
            "42",
            "2026-11-25T13:00:00.000Z"
        ])
    );
    let unbound = ctx.query(sql, json!([])).await;
    assert_eq!(unbound["status"]["state"], "FAILED");
    assert_eq!(unbound["status"]["sql_state"], "42P02");
}

#[tokio::test]
async fn the_apps_queries_run_and_the_aggregate_covers_the_whole_window() {
    let ctx = Ctx::new(EmulatorOptions {
        egress_backfill: 3000,
        ..quiet()
    })
    .await;
    let total = ctx.emu.handle().egress_row_count_of(&ctx.a.account_id);
    assert!(total > 300, "backfill made {total} rows for this account");
    let week = ctx
        .query("SELECT COUNT(*) AS n FROM system.access.outbound_network WHERE event_time >= current_timestamp() - INTERVAL 7 DAYS", json!([]))
        .await;
    assert_eq!(week["result"]["data_array"][0][0], total.to_string());

    let agg = ctx
        .query(
            dbx_tui::api::egress::EGRESS_BY_DESTINATION_7D_SQL,
            json!([]),
        )
        .await;
    let cols: Vec<&str> = agg["manifest"]["schema"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        cols,
        [
            "dest",
            "destination_type",
            "access_type",
            "n",
            "first_seen",
            "last_seen",
            "workspaces"
        ]
    );
    let rows = ctx.rows(&agg).await;
    let sum: u64 = rows
        .iter()
        .map(|r| r[3].as_str().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(
        sum as usize, total,
        "GROUP BY covers every row of the window"
    );
    let ns: Vec<u64> = rows
        .iter()
        .map(|r| r[3].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(ns.windows(2).all(|w| w[0] >= w[1]), "ORDER BY n DESC");
    assert!(
        rows.iter()
            .any(|r| r[0] == "mybucket.s3.us-west-2.amazonaws.com"),
        "storage hosts show up as DNS rows"
    );

    let day = ctx
        .query(
            dbx_tui::api::egress::EGRESS_BY_DESTINATION_24H_WS_SQL,
            json!([{"name": "ws", "value": CORP_WS.to_string()}]),
        )
        .await;
    let day_rows = ctx.rows(&day).await;
    assert!(!day_rows.is_empty());
    assert!(day_rows.iter().all(|r| r[6] == "1"), "one workspace");
    let day_sum: u64 = day_rows
        .iter()
        .map(|r| r[3].as_str().unwrap().parse::<u64>().unwrap())
        .sum();
    assert!((day_sum as usize) < total / 3, "24 h is a slice of 7 days");

    let events = ctx
        .query(
            dbx_tui::api::egress::EGRESS_EVENTS_WS_SQL,
            json!([
                {"name": "since", "value": "2000-01-01T00:00:00Z", "type": "TIMESTAMP"},
                {"name": "limit", "value": "50", "type": "INT"},
                {"name": "ws", "value": CORP_WS.to_string()},
            ]),
        )
        .await;
    let ev = ctx.rows(&events).await;
    assert_eq!(ev.len(), 50);
    let corp = CORP_WS.to_string();
    assert!(ev.iter().all(|r| r[2].as_str() == Some(corp.as_str())));
}

/// `(destination, access_type)` pairs logged for one workspace.
async fn logged(ctx: &Ctx, ws: i64) -> Vec<(String, String)> {
    let r = ctx
        .query(
            "SELECT COALESCE(dns_event.domain_name, storage_event.hostname, destination) AS d, access_type \
             FROM system.access.outbound_network WHERE workspace_id = :ws",
            json!([{"name": "ws", "value": ws.to_string()}]),
        )
        .await;
    ctx.rows(&r)
        .await
        .into_iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                r[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn generated_events_follow_each_workspaces_bound_policy() {
    let ctx = Ctx::new(quiet()).await;
    assert_eq!(ctx.emu.handle().egress_row_count(), 0);
    ctx.emu.handle().generate_egress_events(6000);

    let corp = logged(&ctx, CORP_WS).await;
    assert!(corp.len() > 100, "{}", corp.len());
    for allowed in [
        "pypi.org",
        "files.pythonhosted.org",
        "github.com",
        "s3://acme-raw-landing",
        "acme-curated.s3.us-west-2.amazonaws.com",
    ] {
        assert!(
            !corp.iter().any(|(d, _)| d == allowed),
            "{allowed} is allowed yet logged"
        );
    }
    assert!(corp.iter().all(|(_, a)| a == "DROP"), "enforced → DROP");
    assert!(corp.iter().any(|(d, _)| d == "api.openai.com"));
    assert!(corp.iter().any(|(d, _)| d == "s3://other-team-bucket"));

    let dry = logged(&ctx, DRYRUN_WS).await;
    assert!(
        !dry.is_empty() && dry.iter().all(|(_, a)| a == "DRY_RUN_DENIAL"),
        "dry run → DRY_RUN_DENIAL"
    );
    assert!(!dry.iter().any(|(d, _)| d == "pypi.org"));

    let ml = logged(&ctx, MLSERVING_WS).await;
    let kinds: HashSet<&str> = ml.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(
        kinds,
        HashSet::from(["DROP", "DRY_RUN_DENIAL"]),
        "only ML serving is in dry run"
    );

    // An unbound workspace uses default-policy (FULL_ACCESS): nothing is denied.
    let url = format!(
        "{}/api/2.0/accounts/{}/workspaces",
        ctx.emu.base_url(),
        ctx.a.account_id
    );
    let list: Vec<Value> = ctx
        .c
        .get(&url)
        .bearer_auth(&ctx.a.admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let h = ctx.emu.handle();
    let free: Vec<i64> = list
        .iter()
        .filter_map(|w| w["workspace_id"].as_i64())
        .filter(|ws| h.binding(&ctx.a.account_id, *ws).as_deref() == Some("default-policy"))
        .collect();
    assert!(!free.is_empty());
    for ws in free {
        assert!(
            logged(&ctx, ws).await.is_empty(),
            "FULL_ACCESS workspace {ws} logged denials"
        );
    }
}

#[tokio::test]
async fn allowing_a_domain_through_the_api_stops_its_blocks() {
    let ctx = Ctx::new(quiet()).await;
    let h = ctx.emu.handle();
    h.generate_egress_events(3000);
    let openai =
        |rows: &[(String, String)]| rows.iter().filter(|(d, _)| d == "api.openai.com").count();
    let before = openai(&logged(&ctx, CORP_WS).await);
    assert!(before > 0, "api.openai.com is blocked under corp-egress");

    let policy_path = format!(
        "{}/api/2.0/accounts/{}/network-policies/corp-egress",
        ctx.emu.base_url(),
        ctx.a.account_id
    );
    let mut policy: Value = ctx
        .c
        .get(&policy_path)
        .bearer_auth(&ctx.a.admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    policy["egress"]["network_access"]["allowed_internet_destinations"]
        .as_array_mut()
        .unwrap()
        .push(json!({"destination": "api.openai.com", "internet_destination_type": "DNS_NAME"}));
    let put = ctx
        .c
        .put(&policy_path)
        .bearer_auth(&ctx.a.admin_token)
        .json(&policy)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 200);

    let rows_before = h.egress_row_count();
    h.generate_egress_events(3000);
    assert!(h.egress_row_count() > rows_before, "other blocks go on");
    let after = logged(&ctx, CORP_WS).await;
    assert_eq!(
        openai(&after),
        before,
        "no new api.openai.com blocks once allowed"
    );
    assert!(
        after.len() > before,
        "the workspace still logs other destinations"
    );
}
