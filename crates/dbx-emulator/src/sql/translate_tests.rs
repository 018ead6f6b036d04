//! Unit tests of the Databricks SQL → SQLite translation.

use super::*;

const NOW: &str = "2026-11-25T13:00:00.000Z";

fn tr(sql: &str) -> Translated {
    translate(
        sql,
        &Context {
            now: NOW,
            catalog: None,
            schema: None,
        },
    )
    .unwrap()
}

fn err(sql: &str) -> TranslateError {
    translate(
        sql,
        &Context {
            now: NOW,
            catalog: None,
            schema: None,
        },
    )
    .unwrap_err()
}

#[test]
fn three_part_names_become_one_quoted_name() {
    let t = tr("SELECT * FROM system.access.outbound_network LIMIT 0");
    assert_eq!(
        t.sql,
        "SELECT * FROM \"system.access.outbound_network\" LIMIT 0"
    );
    let t = tr("select 1 from `System`.access.foo");
    assert!(t.sql.contains("\"system.access.foo\""), "{}", t.sql);
    let t = translate(
        "SELECT 1 FROM outbound_network",
        &Context {
            now: NOW,
            catalog: Some("system"),
            schema: Some("access"),
        },
    )
    .unwrap();
    assert!(t.sql.contains("\"system.access.outbound_network\""));
}

#[test]
fn struct_fields_read_json_and_are_named_after_the_field() {
    let t = tr(
        "SELECT dns_event.domain_name, o.storage_event.path AS p FROM t o WHERE dns_event.rcode = 3",
    );
    assert_eq!(
        t.sql,
        "SELECT json_extract(\"dns_event\", '$.domain_name') AS \"domain_name\" , \
         json_extract(\"o\".\"storage_event\", '$.path') AS p FROM \"hive_metastore.default.t\" o \
         WHERE json_extract(\"dns_event\", '$.rcode') = 3"
    );
    assert_eq!(t.column_types, vec![Some("STRING"), Some("STRING")]);
}

#[test]
fn coalesce_and_current_timestamp_and_intervals() {
    let t = tr(
        "SELECT COALESCE(dns_event.domain_name, destination) AS d FROM x \
                WHERE event_time >= current_timestamp() - INTERVAL 24 HOURS \
                AND event_time < now() + INTERVAL '7' DAY",
    );
    assert!(
        t.sql
            .contains("COALESCE ( json_extract(\"dns_event\", '$.domain_name') , destination )"),
        "{}",
        t.sql
    );
    assert!(
        t.sql.contains(&format!(
            "strftime('%Y-%m-%dT%H:%M:%fZ', '{NOW}', '-24 hours')"
        )),
        "{}",
        t.sql
    );
    assert!(
        t.sql.contains(&format!(
            "strftime('%Y-%m-%dT%H:%M:%fZ', '{NOW}', '+7 days')"
        )),
        "{}",
        t.sql
    );
    assert_eq!(t.column_types, vec![Some("STRING")]);
    let t = tr("SELECT 1 FROM x WHERE event_time > (:since) - INTERVAL 1 MINUTE");
    assert!(
        t.sql
            .contains("strftime('%Y-%m-%dT%H:%M:%fZ', ( :since ), '-1 minutes')"),
        "{}",
        t.sql
    );
    assert!(
        err("SELECT INTERVAL 1 DAY FROM x")
            .message
            .contains("INTERVAL")
    );
    assert!(
        err("SELECT 1 FROM x WHERE t > - INTERVAL 1 DAY")
            .message
            .contains("INTERVAL")
    );
    assert!(
        err("SELECT 1 FROM x WHERE t > t - INTERVAL 1 FORTNIGHT")
            .message
            .contains("FORTNIGHT")
    );
}

#[test]
fn group_by_all_lists_non_aggregate_positions() {
    let t = tr(
        "SELECT a, b, COUNT(*) AS n, MIN(event_time), c FROM x GROUP BY ALL ORDER BY n DESC LIMIT 5",
    );
    assert!(
        t.sql.contains("GROUP BY 1, 2, 5 ORDER BY n DESC LIMIT 5"),
        "{}",
        t.sql
    );
    assert_eq!(
        t.column_types,
        vec![None, None, Some("LONG"), Some("TIMESTAMP"), None]
    );
    let t = tr("SELECT COUNT(*) FROM x GROUP BY ALL");
    assert!(!t.sql.contains("GROUP"), "{}", t.sql);
    let t = tr("SELECT a FROM (SELECT a, COUNT(*) c FROM x GROUP BY ALL) GROUP BY ALL");
    assert!(
        t.sql
            .contains("COUNT ( * ) c FROM \"hive_metastore.default.x\" GROUP BY 1 )"),
        "{}",
        t.sql
    );
    assert!(t.sql.ends_with(") GROUP BY 1"), "{}", t.sql);
}

#[test]
fn parameters_pass_through_and_are_collected() {
    let t = tr("SELECT * FROM x WHERE workspace_id = :ws AND e >= :since LIMIT :limit");
    assert!(t.sql.contains("workspace_id = :ws"));
    assert_eq!(
        t.params,
        ["ws", "since", "limit"]
            .iter()
            .map(std::string::ToString::to_string)
            .collect()
    );
    // A colon inside a literal is text, not a parameter.
    let t = tr("SELECT 'a:b' FROM x");
    assert!(t.params.is_empty());
}

#[test]
fn literals_are_requoted_safely() {
    let t = tr(r#"SELECT "it's", 'a\'b', 'c''d' FROM x"#);
    assert!(t.sql.contains("'it''s' , 'a''b' , 'c''d'"), "{}", t.sql);
    assert!(err("SELECT 'open FROM x").message.contains("unclosed"));
}

#[test]
fn one_statement_only_and_no_casts() {
    assert!(tr("SELECT 1 FROM x;").sql.ends_with("x\""));
    assert!(
        err("SELECT 1 FROM x; DROP TABLE x")
            .message
            .contains("one statement")
    );
    assert!(err("SELECT a::string FROM x").message.contains("::"));
    assert!(err("   ").message.contains("empty"));
}

#[test]
fn the_apps_queries_translate() {
    for sql in [
        crate::api::egress::EGRESS_EVENTS_SQL,
        crate::api::egress::EGRESS_EVENTS_WS_SQL,
    ]
    .into_iter()
    .chain(
        crate::api::egress::AggregateWindow::ALL
            .iter()
            .flat_map(|w| [w.sql(false), w.sql(true)]),
    ) {
        let t = tr(sql);
        assert!(
            t.sql.contains("\"system.access.outbound_network\""),
            "{}",
            t.sql
        );
    }
}
