//! The egress loop in a real terminal: the tail shows blocks of a domain, `a` and `y` allow it,
//! and the emulator logs no new blocks for it on that policy's workspaces afterwards.

#![cfg(unix)]

use crate::support;

use support::pty::{Tui, emulator_in_runtime};

#[test]
fn allow_a_blocked_domain_from_the_log_and_its_blocks_stop() {
    let (rt, emu) = emulator_in_runtime(support::quiet_options());
    emu.handle().generate_egress_events(600);
    let a = emu.accounts().into_iter().next().unwrap();
    let mut tui = Tui::against(&emu, &a);
    tui.wait_for("Workspaces (");
    tui.wait_for("corp-egress");
    tui.send(":egress\r");
    tui.wait_for("BLOCKED");
    let screen = tui.screen();
    // The first blocked DNS row on a workspace of this account bound to corp-egress.
    let line = screen
        .lines()
        .find(|l| {
            l.contains("BLOCKED")
                && l.contains(" DNS ")
                && (l.contains("prod-analytics") || l.contains("staging-data-eng"))
                && !l.contains("amazonaws")
        })
        .unwrap_or_else(|| panic!("no blocked DNS row for a corp-egress workspace:\n{screen}"))
        .to_owned();
    let domain = line
        .split_whitespace()
        .find(|w| w.contains('.') && !w.contains(':'))
        .unwrap()
        .to_owned();
    let workspace = if line.contains("prod-analytics") {
        "prod-analytics"
    } else {
        "staging-data-eng"
    };
    tui.send(&format!("/{domain} {workspace}"));
    tui.send("\r");
    tui.wait_for(&format!("/{domain} {workspace}"));
    tui.send("a");
    tui.wait_for("Review change to corp-egress");
    tui.send("y");
    tui.wait_for("applied 1 change(s) to corp-egress");

    // New traffic: nothing more for that domain on corp-egress workspaces.
    let held = emu
        .handle()
        .policy_raw(&a.account_id, "corp-egress")
        .unwrap();
    assert!(held.to_string().contains(&format!("\"{domain}\"")));
    // Ask the warehouse, with the app's own client, whether any block of that domain was
    // logged on the workspace since the allow.
    let count = |rt: &tokio::runtime::Runtime| {
        rt.block_on(async {
            use dbx_tui::api::sql::{Param, StatementRequest, execute};
            let mut p = dbx_tui::config::Profile::empty("t", dbx_tui::config::ProfileSource::Demo);
            p.host = Some(emu.base_url());
            p.account_id = Some(a.account_id.clone());
            p.client_id = Some(a.client_id.clone());
            p.client_secret = Some(a.client_secret.clone().into());
            let c = dbx_tui::api::ApiClient::new(
                dbx_tui::api::client::http_client(),
                &emu.base_url(),
                dbx_tui::auth::provider_for(&p).unwrap(),
            );
            let target = dbx_tui::api::workspaces::list(&c, &a.account_id)
                .await
                .unwrap()
                .into_iter()
                .find(|w| w.workspace_name == workspace)
                .unwrap();
            let ws = target.workspace_id;
            // The accounts host serves no SQL: ask through the workspace, with a token for it.
            let (wp, auth, headers) =
                dbx_tui::auth::cross_workspace::workspace_credential(&p, &target).unwrap();
            let c = dbx_tui::api::ApiClient::new(
                dbx_tui::api::client::http_client(),
                wp.host.as_deref().unwrap(),
                auth,
            )
            .with_headers(headers);
            let wh = dbx_tui::api::sql::list_warehouses(&c).await.unwrap()[0]
                .id
                .clone();
            let req = StatementRequest::new(
                "SELECT COUNT(*) AS n FROM system.access.outbound_network \
             WHERE COALESCE(dns_event.domain_name, storage_event.hostname, destination) = :d \
             AND workspace_id = :ws",
                &wh,
            )
            .param(Param::string("d", domain.clone()))
            .param(Param::string("ws", ws.to_string()));
            let r = execute(&c, &req, &tokio_util::sync::CancellationToken::new())
                .await
                .unwrap();
            r.rows[0][0].clone().unwrap()
        })
    };
    let before_rows = emu.handle().egress_row_count();
    let before = count(&rt);
    emu.handle().generate_egress_events(600);
    assert!(
        emu.handle().egress_row_count() > before_rows,
        "the generator should still log other blocks"
    );
    assert_eq!(
        count(&rt),
        before,
        "{domain} is still blocked on {workspace} after it was allowed"
    );
    tui.send(":egress\r");
    tui.wait_for("BLOCKED");
    let screen = tui.screen();
    assert!(screen.contains("Egress block log"), "{screen}");
    tui.send("q");
    assert!(tui.wait_exit().success());
    drop(rt);
}
