//! Golden-file and parse tests for the Terraform and JSON export (export.rs).
//!
//! A missing golden file is written and the test fails, so CI never creates one silently:
//! review the new file under `tests/golden/`, then re-run. To accept a changed output, delete
//! the golden file and re-run twice.

use dbx_tui::api::network_policies::NetworkPolicy;
use dbx_tui::api::network_policies::export::{to_json, to_terraform};
use hcl::eval::{Context, Evaluate};
use hcl::{Body, Expression, ObjectKey};
use serde_json::{Value, json};
use std::path::Path;

const ACCOUNT: &str = "0d7f1c5e-1111-4a2b-9c3d-8e9f00112233";

fn full_access() -> Value {
    json!({
        "network_policy_id": "default-policy",
        "account_id": ACCOUNT,
        "egress": {"network_access": {"restriction_mode": "FULL_ACCESS"}}
    })
}

fn restricted() -> Value {
    json!({
        "network_policy_id": "corp-egress",
        "account_id": ACCOUNT,
        "egress": {"network_access": {
            "restriction_mode": "RESTRICTED_ACCESS",
            "allowed_internet_destinations": [
                {"destination": "pypi.org", "internet_destination_type": "DNS_NAME"},
                {"destination": "files.pythonhosted.org", "internet_destination_type": "DNS_NAME"},
                {"destination": "xn--bcher-kva.example", "internet_destination_type": "DNS_NAME"}
            ],
            "allowed_storage_destinations": [
                {"storage_destination_type": "AWS_S3", "bucket_name": "corp-data-lake", "region": "us-west-2"},
                {"storage_destination_type": "AWS_S3", "bucket_name": "corp.logs", "region": "eu-central-1"}
            ],
            "policy_enforcement": {"enforcement_mode": "ENFORCED"}
        }}
    })
}

/// Dry run for two products, Azure and GCS storage, fields the provider knows but the model
/// keeps in `extra` (`ingress`), and fields nobody knows (`future_rule`, `future_flag`).
fn dry_run() -> Value {
    json!({
        "network_policy_id": "ml.dry_run-01",
        "account_id": ACCOUNT,
        "egress": {"network_access": {
            "restriction_mode": "RESTRICTED_ACCESS",
            "allowed_internet_destinations": [
                {"destination": "huggingface.co", "internet_destination_type": "DNS_NAME"}
            ],
            "allowed_storage_destinations": [
                {"storage_destination_type": "AZURE_STORAGE", "azure_storage_account": "mlstore01", "azure_storage_service": "dfs"},
                {"storage_destination_type": "GOOGLE_CLOUD_STORAGE", "bucket_name": "ml-models_eu", "future_flag": true}
            ],
            "blocked_internet_destinations": [
                {"destination": "paste.example", "internet_destination_type": "DNS_NAME"}
            ],
            "allowed_databricks_destinations": [{"workspace_ids": [1111, 2222]}],
            "policy_enforcement": {"enforcement_mode": "DRY_RUN", "dry_run_mode_product_filter": ["DBSQL", "ML_SERVING"]},
            "future_rule": {"mode": "STRICT", "note": "line one\nline two"}
        }},
        "ingress": {"public_access": {
            "restriction_mode": "RESTRICTED_ACCESS",
            "allow_rules": [{"label": "say \"hi\" ${var.x} %{if} C:\\temp", "origin": {"all_ip_ranges": true}}]
        }}
    })
}

fn policy(v: &Value) -> NetworkPolicy {
    serde_json::from_value(v.clone()).expect("fixture is a valid policy")
}

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if let Ok(expected) = std::fs::read_to_string(&path) {
        assert_eq!(
            actual,
            expected,
            "{} differs from the export; see the module doc to update it",
            path.display()
        );
    } else {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        panic!(
            "golden file {} was missing and has been written: review it, then re-run",
            path.display()
        );
    }
}

fn key_str(k: &ObjectKey) -> String {
    match k {
        ObjectKey::Identifier(i) => i.as_str().to_owned(),
        ObjectKey::Expression(Expression::String(s)) => s.clone(),
        other => panic!("unexpected object key {other:?}"),
    }
}

/// The value an HCL expression denotes, as JSON; references become `"<ref>"`.
fn to_value(e: &Expression) -> Value {
    match e {
        Expression::Null => Value::Null,
        Expression::Bool(b) => Value::Bool(*b),
        Expression::Number(n) => serde_json::to_value(n).unwrap(),
        Expression::String(s) => Value::String(s.clone()),
        // Escaped `$${` / `%%{` parse as a template; evaluating it yields the literal text.
        Expression::TemplateExpr(_) => match e.evaluate(&Context::new()).expect("literal template")
        {
            hcl::Value::String(s) => Value::String(s),
            other => panic!("template evaluated to {other:?}"),
        },
        Expression::Array(a) => Value::Array(a.iter().map(to_value).collect()),
        Expression::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (key_str(k), to_value(v))).collect())
        }
        Expression::Traversal(_) => Value::String("<ref>".into()),
        other => panic!("unexpected expression {other:?}"),
    }
}

/// Resources of one type in a parsed body: label → attributes as JSON.
fn resources(body: &Body, kind: &str) -> Vec<(String, serde_json::Map<String, Value>)> {
    body.blocks()
        .filter(|b| b.identifier() == "resource" && b.labels()[0].as_str() == kind)
        .map(|b| {
            let attrs = b
                .body()
                .attributes()
                .map(|a| (a.key().to_owned(), to_value(a.expr())))
                .collect();
            (b.labels()[1].as_str().to_owned(), attrs)
        })
        .collect()
}

/// Exports, parses with hcl-rs, and checks that every field Terraform can express came through.
fn check_terraform(fixture: &Value, workspaces: &[(i64, String)], unknown: &[&str]) -> String {
    let p = policy(fixture);
    let tf = to_terraform(&p, ACCOUNT, workspaces);
    let body: Body =
        hcl::from_str(&tf).unwrap_or_else(|e| panic!("export is not valid HCL: {e}\n{tf}"));

    let policies = resources(&body, "databricks_account_network_policy");
    assert_eq!(policies.len(), 1, "{tf}");
    let (label, attrs) = &policies[0];
    assert_eq!(attrs["network_policy_id"], fixture["network_policy_id"]);
    assert_eq!(attrs["account_id"], json!(ACCOUNT));

    // Every destination the policy has must appear in the parsed body, in order.
    let access = &attrs["egress"]["network_access"];
    let want_access = &fixture["egress"]["network_access"];
    assert_eq!(access["restriction_mode"], want_access["restriction_mode"]);
    for list in [
        "allowed_internet_destinations",
        "blocked_internet_destinations",
    ] {
        let got: Vec<&Value> = access[list]
            .as_array()
            .map(|a| a.iter().map(|d| &d["destination"]).collect())
            .unwrap_or_default();
        let want: Vec<&Value> = want_access[list]
            .as_array()
            .map(|a| a.iter().map(|d| &d["destination"]).collect())
            .unwrap_or_default();
        assert_eq!(got, want, "{list}");
    }
    // Storage destinations and everything else: the parsed egress equals the JSON one minus
    // the unknown fields, which the leading comment must name instead.
    let mut want_egress = fixture["egress"].clone();
    let mut tf_ingress = None;
    for path in unknown {
        assert!(
            tf.contains(&format!("#   {path} = ")),
            "comment does not list {path}:\n{tf}"
        );
        remove_path(&mut want_egress, path.strip_prefix("egress.").unwrap());
    }
    assert_eq!(attrs["egress"], want_egress, "{tf}");
    if let Some(ingress) = fixture.get("ingress") {
        tf_ingress = Some(&attrs["ingress"]);
        assert_eq!(&attrs["ingress"], ingress);
    }
    assert_eq!(tf_ingress.is_some(), fixture.get("ingress").is_some());

    // The provider is pinned to a release whose schema has `ingress`.
    let tf_block = body
        .blocks()
        .find(|b| b.identifier() == "terraform")
        .unwrap_or_else(|| panic!("no terraform block:\n{tf}"));
    let providers = tf_block
        .body()
        .blocks()
        .find(|b| b.identifier() == "required_providers")
        .expect("required_providers block");
    let databricks = providers
        .body()
        .attributes()
        .find(|a| a.key() == "databricks")
        .map(|a| to_value(a.expr()))
        .expect("databricks provider requirement");
    assert_eq!(databricks["source"], json!("databricks/databricks"));
    assert_eq!(databricks["version"], json!(">= 1.113.0"));

    // One binding per workspace, each pointing at the policy resource.
    let bindings = resources(&body, "databricks_workspace_network_option");
    let mut ids: Vec<i64> = workspaces.iter().map(|w| w.0).collect();
    ids.sort_unstable();
    ids.dedup();
    let got_ids: Vec<i64> = bindings
        .iter()
        .map(|(_, a)| a["workspace_id"].as_i64().unwrap())
        .collect();
    assert_eq!(got_ids, ids);
    assert!(
        tf.contains(&format!(
            "network_policy_id = databricks_account_network_policy.{label}.network_policy_id"
        )) || ids.is_empty()
    );
    let import = body
        .blocks()
        .find(|b| b.identifier() == "import")
        .expect("import block");
    assert_eq!(
        to_value(
            import
                .body()
                .attributes()
                .find(|a| a.key() == "id")
                .unwrap()
                .expr()
        ),
        fixture["network_policy_id"]
    );
    tf
}

/// Removes `a.b[1].c` from a JSON value.
fn remove_path(v: &mut Value, path: &str) {
    let mut cur = v;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        cur = match part.split_once('[') {
            Some((k, i)) => &mut cur[k][i.trim_end_matches(']').parse::<usize>().unwrap()],
            None => &mut cur[*part],
        };
    }
    assert!(
        cur.as_object_mut()
            .unwrap()
            .remove(parts[parts.len() - 1])
            .is_some(),
        "no {path}"
    );
}

fn json_round_trip(fixture: &Value, golden_name: &str) {
    let p = policy(fixture);
    let out = to_json(&p);
    assert!(out.ends_with("}\n"));
    let back: NetworkPolicy = serde_json::from_str(&out).unwrap();
    assert_eq!(back, p);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        *fixture,
        "unknown fields must survive"
    );
    golden(golden_name, &out);
}

#[test]
fn full_access_default_policy() {
    let tf = check_terraform(&full_access(), &[(7001, "Sandbox".into())], &[]);
    assert!(tf.contains("resource \"databricks_account_network_policy\" \"default_policy\""));
    assert!(!tf.contains("NOT exported"), "no field was dropped");
    golden("full_access.tf", &tf);
    json_round_trip(&full_access(), "full_access.json");
}

#[test]
fn restricted_with_dns_s3_and_enforcement() {
    // Two names that sanitise to the same label, given out of order, and a repeated id.
    let ws = [
        (3333, "Prod Analytics".to_owned()),
        (1111, "prod-analytics".to_owned()),
        (3333, "Prod Analytics".to_owned()),
    ];
    let tf = check_terraform(&restricted(), &ws, &[]);
    assert!(tf.contains("\"databricks_workspace_network_option\" \"prod_analytics\""));
    assert!(tf.contains("\"databricks_workspace_network_option\" \"prod_analytics_3333\""));
    golden("restricted.tf", &tf);
    json_round_trip(&restricted(), "restricted.json");
}

#[test]
fn dry_run_with_filter_azure_gcs_and_unknown_fields() {
    let ws = [(42, "ML \"team\" ${env}".to_owned())];
    let unknown = [
        "egress.network_access.allowed_storage_destinations[1].future_flag",
        "egress.network_access.future_rule",
    ];
    let tf = check_terraform(&dry_run(), &ws, &unknown);
    assert!(tf.contains("dry_run_mode_product_filter = [\"DBSQL\", \"ML_SERVING\"]"));
    assert!(tf.contains("$${var.x} %%{if}"), "templates escaped:\n{tf}");
    golden("dry_run.tf", &tf);
    json_round_trip(&dry_run(), "dry_run.json");
}

#[test]
fn output_is_deterministic() {
    let p = policy(&dry_run());
    let ws = [(2, "b".to_owned()), (1, "a".to_owned())];
    let rev = [(1, "a".to_owned()), (2, "b".to_owned())];
    assert_eq!(
        to_terraform(&p, ACCOUNT, &ws),
        to_terraform(&p, ACCOUNT, &rev)
    );
}

/// A policy created without `ingress` reads back with the one the server filled in: the
/// Terraform export carries it as the server holds it and pins a provider that knows it; the
/// JSON export is the server's object.
#[tokio::test]
async fn export_of_a_created_policy_carries_the_server_filled_ingress() {
    let emu = crate::support::emulator().await;
    let profile = crate::support::profiles(&emu).remove(0);
    let acc = emu.accounts()[0].account_id.clone();
    let client = dbx_tui::connect::Connection::open(&profile).unwrap().client;
    let created: Value = client
        .post(
            &format!("/api/2.0/accounts/{acc}/network-policies"),
            &json!({"network_policy_id": "fresh",
                    "egress": {"network_access": {"restriction_mode": "FULL_ACCESS"}}}),
        )
        .await
        .unwrap();
    let held = emu.handle().policy_raw(&acc, "fresh").unwrap();
    assert!(held.get("ingress").is_some(), "the emulator fills ingress");
    assert_eq!(created["ingress"], held["ingress"]);

    let tf = dbx_tui::cli::export_policy(&profile, "fresh", dbx_tui::cli::ExportFormat::Terraform)
        .await
        .unwrap();
    let body: Body = hcl::from_str(&tf).unwrap_or_else(|e| panic!("not HCL: {e}\n{tf}"));
    let policies = resources(&body, "databricks_account_network_policy");
    assert_eq!(policies[0].1["ingress"], held["ingress"], "{tf}");
    assert!(
        tf.contains("required_providers") && tf.contains(">= 1.113.0"),
        "{tf}"
    );

    let exported: Value = serde_json::from_str(
        &dbx_tui::cli::export_policy(&profile, "fresh", dbx_tui::cli::ExportFormat::Json)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(exported, held);
}
