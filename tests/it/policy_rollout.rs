//! The rollout report against the emulator: dry-run denials of a policy's workspaces, counted per
//! destination by the warehouse, marked against the policy as it is now; and the command line's
//! exit codes (0 nothing would be blocked, 3 something would).

use crate::support::{self, quiet_emulator};
use dbx_tui::api::network_policies::{self, InternetDestination, NetworkPolicy};
use dbx_tui::api::rollout::Verdict;
use dbx_tui::api::sql::{self, Param, StatementRequest};
use dbx_tui::api::{ApiClient, workspaces};
use dbx_tui::config::Profile;
use dbx_tui::policy_rollout;

const WEEK_MS: i64 = 7 * 86_400_000;

/// The first account's dry-run policy that is bound to a workspace, with those workspaces.
pub(crate) async fn dry_run_policy(p: &Profile) -> (NetworkPolicy, Vec<workspaces::Workspace>) {
    let c = support::client_for(p);
    let account = p.account_id.clone().unwrap();
    for policy in network_policies::list(&c, &account).await.unwrap() {
        if !matches!(
            policy.enforcement_mode(),
            network_policies::EnforcementMode::DryRun
        ) {
            continue;
        }
        let bound = workspaces::bound_to(&c, &account, policy.id())
            .await
            .unwrap();
        if !bound.is_empty() {
            return (policy, bound);
        }
    }
    panic!("the demo seed has a bound dry-run policy");
}

/// A client for a workspace of the account profile `p`, as the app derives it (accounts hosts
/// serve no SQL).
fn workspace_client(p: &Profile, ws: &workspaces::Workspace) -> ApiClient {
    let (wp, provider, headers) =
        dbx_tui::auth::cross_workspace::workspace_credential(p, ws).unwrap();
    let http = dbx_tui::api::client::http_client_for(p).unwrap();
    ApiClient::new(http, wp.host.as_deref().unwrap(), provider).with_headers(headers)
}

/// DRY_RUN_DENIAL rows of these workspaces, counted by a plain query (not the report's).
async fn denials(p: &Profile, bound: &[workspaces::Workspace], since_ms: i64) -> u64 {
    let c = workspace_client(p, &bound[0]);
    let ws: Vec<String> = bound.iter().map(|w| w.workspace_id.to_string()).collect();
    let wh = sql::list_warehouses(&c).await.unwrap();
    let wh = sql::choose_warehouse(&wh, None).unwrap();
    let list: Vec<String> = (0..ws.len()).map(|i| format!(":w{i}")).collect();
    let mut req = StatementRequest::new(
        &format!(
            "SELECT COUNT(*) AS n FROM system.access.outbound_network \
             WHERE access_type = 'DRY_RUN_DENIAL' AND event_time >= :since AND workspace_id IN ({})",
            list.join(", ")
        ),
        &wh.id,
    )
    .param(Param::timestamp_ms("since", since_ms));
    for (i, w) in ws.iter().enumerate() {
        req = req.param(Param::string(&format!("w{i}"), w.clone()));
    }
    let res = sql::execute(&c, &req, &Default::default()).await.unwrap();
    res.rows[0][0].as_deref().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_report_counts_every_denial_and_follows_the_policy_as_it_is_now() {
    let emu = quiet_emulator().await;
    assert!(emu.handle().generate_egress_events(3000) > 0);
    let profile = support::profiles(&emu).remove(0);
    let (policy, ws) = dry_run_policy(&profile).await;
    let since = dbx_tui::api::timestamp::now_ms() - WEEK_MS;

    let run = policy_rollout::run(&profile, policy.id(), since)
        .await
        .unwrap();
    let report = &run.report;
    assert!(
        !report.rows.is_empty(),
        "the generator logs dry-run denials"
    );
    assert_eq!(report.workspaces.len(), ws.len());
    assert!(run.warehouse.is_some());
    // Nothing lost or doubled in the folding: the report's counts add up to the table's.
    let total: u64 = report.rows.iter().map(|r| r.denials).sum();
    assert_eq!(total, denials(&profile, &ws, since).await);
    // The generator logs only what the policy denies, so every row would be blocked now.
    assert!(report.rows.iter().all(|r| r.verdict == Verdict::WouldBlock));
    assert!(report.rows.windows(2).all(|w| w[0].denials >= w[1].denials));
    assert_eq!(report.exit_code(), 3);
    let text = policy_rollout::render_text(&run);
    assert!(text.contains("would block"), "{text}");

    // An admin allows the top DNS destination elsewhere: the next report says so.
    let top = report
        .rows
        .iter()
        .find(|r| r.kind == dbx_tui::api::rollout::DestinationKind::Dns && r.storage.is_none())
        .expect("a DNS destination")
        .destination
        .clone();
    crate::support::allow_elsewhere(&emu, policy.id(), &top).await;
    let again = policy_rollout::run(&profile, policy.id(), since)
        .await
        .unwrap();
    let row = again
        .report
        .rows
        .iter()
        .find(|r| r.destination == top)
        .unwrap();
    assert_eq!(row.verdict, Verdict::AlreadyAllowed);
    assert_eq!(again.report.would_block().count(), report.rows.len() - 1);
}

fn dbx(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    support::cli(home).args(args).output().unwrap()
}

#[tokio::test]
async fn the_command_line_exits_3_when_something_would_be_blocked_and_0_when_nothing() {
    let emu = quiet_emulator().await;
    assert!(emu.handle().generate_egress_events(3000) > 0);
    let home = tempfile::tempdir().unwrap();
    let profile = support::write_account_config(home.path(), &emu, "rollout");
    let (policy, _) = dry_run_policy(&profile).await;
    let args = [
        "--profile",
        "rollout",
        "policy",
        "rollout",
        policy.id(),
        "--since",
        "7d",
        "--format",
        "json",
    ];
    // The emulator serves from this test's runtime: the child is waited for off it.
    let run_cli = |args: Vec<String>| {
        let home = home.path().to_owned();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            dbx(&home, &args)
        })
    };
    let owned: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let out = run_cli(owned.clone()).await.unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = doc["report"]["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert_eq!(doc["would_block"].as_u64().unwrap() as usize, rows.len());

    // Allow everything the report lists (DNS names and storage buckets): nothing is left to block.
    let c = support::client_for(&profile);
    let account = profile.account_id.clone().unwrap();
    let run = policy_rollout::run(&profile, policy.id(), 0).await.unwrap();
    let mut changed =
        network_policies::get(&c, &account, &dbx_tui::api::PolicyId(policy.id().into()))
            .await
            .unwrap();
    let access = changed
        .egress
        .as_mut()
        .unwrap()
        .network_access
        .as_mut()
        .unwrap();
    for row in &run.report.rows {
        match &row.storage {
            Some(t) => access
                .allowed_storage_destinations
                .get_or_insert_with(Vec::new)
                .push(network_policies::StorageDestination {
                    storage_destination_type: Some(t.kind.clone()),
                    bucket_name: (t.kind != network_policies::StorageDestinationType::AzureStorage)
                        .then(|| t.name.clone()),
                    azure_storage_account: (t.kind
                        == network_policies::StorageDestinationType::AzureStorage)
                        .then(|| t.name.clone()),
                    azure_storage_service: (t.kind
                        == network_policies::StorageDestinationType::AzureStorage)
                        .then(|| "dfs".to_owned()),
                    region: t.region.clone(),
                    extra: Default::default(),
                }),
            None => access
                .allowed_internet_destinations
                .get_or_insert_with(Vec::new)
                .push(InternetDestination {
                    destination: row.destination.clone(),
                    internet_destination_type: Some(
                        network_policies::InternetDestinationType::DnsName,
                    ),
                    extra: Default::default(),
                }),
        }
    }
    network_policies::update(&c, &account, &changed)
        .await
        .unwrap();
    let out = run_cli(owned[..7].to_vec()).await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}\n{out:?}");
    assert!(text.contains("would block 0 of the"), "{text}");
}
