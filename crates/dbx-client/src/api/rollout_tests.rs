use super::*;
use crate::api::sql::Column;
use serde_json::json;

fn policy(v: serde_json::Value) -> NetworkPolicy {
    serde_json::from_value(v).unwrap()
}

fn dry_run(allowed: &[&str], storage: serde_json::Value) -> NetworkPolicy {
    let dests: Vec<_> = allowed
        .iter()
        .map(|d| json!({"destination": d, "internet_destination_type": "DNS_NAME"}))
        .collect();
    policy(json!({
        "network_policy_id": "corp-egress",
        "egress": {"network_access": {
            "restriction_mode": "RESTRICTED_ACCESS",
            "allowed_internet_destinations": dests,
            "allowed_storage_destinations": storage,
            "policy_enforcement": {"enforcement_mode": "DRY_RUN"}
        }}
    }))
}

fn result(with_product: bool, rows: &[[&str; 7]]) -> StatementResult {
    let mut names = vec!["dest", "destination_type", "workspace_id"];
    if with_product {
        names.push("product");
    }
    names.extend(["n", "first_seen", "last_seen"]);
    StatementResult {
        statement_id: "s".into(),
        columns: names
            .iter()
            .map(|n| Column {
                name: (*n).to_owned(),
                type_name: "STRING".into(),
            })
            .collect(),
        rows: rows
            .iter()
            .map(|r| {
                let mut cells: Vec<Option<String>> =
                    r[..3].iter().map(|c| Some((*c).to_owned())).collect();
                if with_product {
                    cells.push(Some(r[3].to_owned()));
                }
                cells.extend(r[4..].iter().map(|c| Some((*c).to_owned())));
                cells
            })
            .collect(),
        truncated: false,
        gaps: Vec::new(),
    }
}

#[test]
fn the_statement_binds_every_value_and_pastes_none() {
    let req = rollout_request("wh", 1_000, &["111".into(), "222".into()], true);
    assert!(
        req.statement.contains("workspace_id IN (:w0, :w1)"),
        "{}",
        req.statement
    );
    assert!(req.statement.contains("access_type = 'DRY_RUN_DENIAL'"));
    assert!(req.statement.contains("network_source_type"));
    assert!(!req.statement.contains("111"));
    let names: Vec<&str> = req.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["since", "w0", "w1"]);
    let without = rollout_sql(1, false);
    assert!(!without.contains("network_source_type"), "{without}");
}

#[test]
fn groups_fold_into_one_row_per_destination_marked_against_the_policy_now() {
    let res = result(
        true,
        &[
            [
                "api.openai.com",
                "DNS",
                "1",
                "DBSQL",
                "40",
                "2026-11-25T10:00:00.000Z",
                "2026-11-30T10:00:00.000Z",
            ],
            [
                "API.openai.com.",
                "DNS",
                "2",
                "General Compute",
                "2",
                "2026-11-24T10:00:00.000Z",
                "2026-11-26T10:00:00.000Z",
            ],
            [
                "pypi.org",
                "DNS",
                "1",
                "General Compute",
                "30",
                "2026-11-25T10:00:00.000Z",
                "2026-11-25T11:00:00.000Z",
            ],
            [
                "s3://raw-landing",
                "STORAGE",
                "1",
                "DBSQL",
                "5",
                "2026-11-25T10:00:00.000Z",
                "2026-11-25T11:00:00.000Z",
            ],
        ],
    );
    let p = dry_run(
        &["pypi.org"],
        json!([{"storage_destination_type": "AWS_S3", "bucket_name": "other", "region": "us-west-2"}]),
    );
    let rows = fold(&res, &p).unwrap();
    assert_eq!(rows.len(), 3, "{rows:#?}");
    let openai = &rows[0];
    assert_eq!(openai.destination, "api.openai.com");
    assert_eq!(openai.denials, 42);
    assert_eq!(openai.workspaces.len(), 2);
    assert_eq!(openai.products.len(), 2);
    assert_eq!(
        openai.first_seen_ms,
        parse_timestamp_ms("2026-11-24T10:00:00Z").unwrap()
    );
    assert_eq!(
        openai.last_seen_ms,
        parse_timestamp_ms("2026-11-30T10:00:00Z").unwrap()
    );
    assert_eq!(openai.verdict, Verdict::WouldBlock);
    assert_eq!(rows[1].destination, "pypi.org");
    assert_eq!(rows[1].verdict, Verdict::AlreadyAllowed);
    let bucket = &rows[2];
    assert_eq!(bucket.kind, DestinationKind::Storage);
    assert_eq!(bucket.verdict, Verdict::WouldBlock);
    assert_eq!(
        bucket.storage.as_ref().unwrap().input_text(),
        "s3://raw-landing "
    );
}

#[test]
fn blocked_after_counts_what_the_chosen_allows_leave() {
    let res = result(
        false,
        &[
            [
                "api.openai.com",
                "DNS",
                "1",
                "",
                "40",
                "2026-11-25T10:00:00Z",
                "2026-11-30T10:00:00Z",
            ],
            [
                "pastebin.com",
                "DNS",
                "1",
                "",
                "3",
                "2026-11-25T10:00:00Z",
                "2026-11-30T10:00:00Z",
            ],
            [
                "landing.s3.us-east-1.amazonaws.com",
                "DNS",
                "1",
                "",
                "9",
                "2026-11-25T10:00:00Z",
                "2026-11-30T10:00:00Z",
            ],
        ],
    );
    let now = dry_run(&[], json!([]));
    let rows = fold(&res, &now).unwrap();
    let report = RolloutReport::new(
        &now,
        0,
        vec![("1".into(), "prod".into())],
        rows,
        false,
        false,
    );
    assert_eq!(report.would_block().count(), 3);
    assert_eq!(report.exit_code(), 3);
    let after = dry_run(
        &["api.openai.com"],
        json!([{"storage_destination_type": "AWS_S3", "bucket_name": "landing", "region": "us-east-1"}]),
    );
    let left: Vec<&str> = report
        .blocked_after(&after)
        .map(|r| r.destination.as_str())
        .collect();
    assert_eq!(left, ["pastebin.com"]);
}

#[test]
fn explicit_blocks_win_and_full_access_allows_the_rest() {
    let res = result(
        false,
        &[
            [
                "evil.example",
                "DNS",
                "1",
                "",
                "1",
                "2026-11-25T10:00:00Z",
                "2026-11-25T10:00:00Z",
            ],
            [
                "pypi.org",
                "DNS",
                "1",
                "",
                "1",
                "2026-11-25T10:00:00Z",
                "2026-11-25T10:00:00Z",
            ],
        ],
    );
    let p = policy(json!({
        "network_policy_id": "open",
        "egress": {"network_access": {
            "restriction_mode": "FULL_ACCESS",
            "blocked_internet_destinations": [{"destination": "evil.example", "internet_destination_type": "DNS_NAME"}]
        }}
    }));
    let rows = fold(&res, &p).unwrap();
    let verdict = |d: &str| rows.iter().find(|r| r.destination == d).unwrap().verdict;
    assert_eq!(verdict("evil.example"), Verdict::WouldBlock);
    assert_eq!(verdict("pypi.org"), Verdict::AlreadyAllowed);
}

#[test]
fn storage_hosts_name_their_bucket_or_account() {
    let t = storage_target("landing.s3.us-west-2.amazonaws.com").unwrap();
    assert_eq!(
        (t.kind.clone(), t.name.as_str(), t.region.as_deref()),
        (StorageDestinationType::AwsS3, "landing", Some("us-west-2"))
    );
    assert_eq!(t.input_text(), "s3://landing us-west-2");
    let g = storage_target("gs://models/x").unwrap();
    assert_eq!(g.input_text(), "gs://models");
    let a = storage_target("abfss://raw@lakeacct.dfs.core.windows.net/p").unwrap();
    assert_eq!(a.input_text(), "azure://lakeacct.dfs");
    assert_eq!(storage_target("api.openai.com"), None);
    assert_eq!(storage_target("s3://"), None);
}

#[test]
fn a_missing_product_column_is_told_apart_from_other_failures() {
    let missing = SqlError::Failed {
        statement_id: "s".into(),
        error_code: "BAD_REQUEST".into(),
        message: "[UNRESOLVED_COLUMN] A column `network_source_type` cannot be resolved".into(),
        sql_state: Some("42703".into()),
    };
    assert!(is_missing_product_column(&missing));
    let other = SqlError::Failed {
        statement_id: "s".into(),
        error_code: "BAD_REQUEST".into(),
        message: "[TABLE_OR_VIEW_NOT_FOUND] system.access.outbound_network".into(),
        sql_state: None,
    };
    assert!(!is_missing_product_column(&other));
}
