//! The non-interactive subcommands (`policy list|get|bind`, `sp list`, `egress tail`) run as
//! the real binary against the in-process emulator, with a config file pointing at it. The
//! emulator serves from the test's runtime, so every child is waited for off it
//! (`spawn_blocking`).

use crate::support::{self, quiet_emulator};
use dbx_tui::api::scim::{ScimScope, ServicePrincipal};
use dbx_tui::api::scim_load::{LoadQuery, load_all};
use dbx_tui::api::{PolicyId, network_policies, workspaces};
use dbx_tui::config::Profile;
use dbx_tui::emulator::Emulator;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

struct Cli {
    home: tempfile::TempDir,
    profile: Profile,
}

/// A HOME whose `.databrickscfg` has one account profile `acct` for the emulator's first account.
fn setup(emu: &Emulator) -> Cli {
    let home = tempfile::tempdir().unwrap();
    let profile = support::write_account_config(home.path(), emu, "acct");
    Cli { home, profile }
}

fn command(home: &Path, args: &[String]) -> Command {
    let mut c = support::cli(home);
    c.arg("--profile").arg("acct").args(args);
    c
}

impl Cli {
    /// Runs the binary to completion, off the test's runtime.
    async fn run(&self, args: &[&str]) -> Output {
        let home: PathBuf = self.home.path().to_owned();
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        tokio::task::spawn_blocking(move || command(&home, &args).output().unwrap())
            .await
            .unwrap()
    }

    fn account(&self) -> String {
        self.profile.account_id.clone().unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn policy_list_and_get_print_what_the_server_holds() {
    let emu = quiet_emulator().await;
    let cli = setup(&emu);
    let c = support::client_for(&cli.profile);
    let account = cli.account();
    let policies = network_policies::list(&c, &account).await.unwrap();
    assert!(policies.len() >= 2, "the demo seed has policies");

    let out = cli.run(&["policy", "list", "--format", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = listed
        .iter()
        .map(|p| p["network_policy_id"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = policies
        .iter()
        .map(network_policies::NetworkPolicy::id)
        .collect();
    assert_eq!(ids, want);

    // Text: one line per policy with the number of workspaces bound to it.
    let out = cli.run(&["policy", "list"]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = stdout(&out);
    let (bound_policy, bound) = {
        let mut found = None;
        for p in &policies {
            let b = workspaces::bound_to(&c, &account, p.id()).await.unwrap();
            if !b.is_empty() {
                found = Some((p.id().to_owned(), b));
                break;
            }
        }
        found.expect("the demo seed binds a policy")
    };
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(bound_policy.as_str()))
        .unwrap_or_else(|| panic!("{bound_policy} listed:\n{text}"));
    assert_eq!(
        line.split_whitespace().last(),
        Some(bound.len().to_string().as_str()),
        "{line}"
    );

    // get --format json is the server's object, field for field.
    let raw: serde_json::Value = c
        .get(
            &format!("/api/2.0/accounts/{account}/network-policies/{bound_policy}"),
            &[],
        )
        .await
        .unwrap();
    let out = cli.run(&["policy", "get", &bound_policy]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got, raw);

    let out = cli
        .run(&["policy", "get", &bound_policy, "--format", "text"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("Policy {bound_policy}: ")),
        "{text}"
    );
    for w in &bound {
        assert!(text.contains(&w.workspace_name), "{text}");
    }

    // A missing policy is one plain error line and exit code 1.
    let out = cli.run(&["policy", "get", "no-such-policy"]).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr(&out);
    assert!(err.starts_with("Error: "), "{err}");
    assert!(
        err.lines().count() <= 2 && !err.contains("Location"),
        "{err}"
    );
}

#[tokio::test]
async fn policy_bind_refuses_without_yes_writes_nothing_and_binds_with_it() {
    let emu = quiet_emulator().await;
    let cli = setup(&emu);
    let c = support::client_for(&cli.profile);
    let account = cli.account();
    let ws = workspaces::list(&c, &account).await.unwrap().remove(0);
    let before = workspaces::network_option(&c, &account, ws.workspace_id)
        .await
        .unwrap()
        .network_policy_id;
    let other = network_policies::list(&c, &account)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id().to_owned())
        .find(|id| id != before.as_str())
        .unwrap();
    let name = ws.workspace_name.clone();

    let out = cli.run(&["policy", "bind", &name, &other]).await;
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(
        stderr(&out).trim_end(),
        "Error: this changes what the workspace's serverless compute may reach; add --yes"
    );
    assert!(
        stdout(&out).contains(&format!("is bound to {before}")),
        "{}",
        stdout(&out)
    );
    let now = workspaces::network_option(&c, &account, ws.workspace_id)
        .await
        .unwrap()
        .network_policy_id;
    assert_eq!(now, before, "nothing is written without --yes");

    let id = ws.workspace_id.to_string();
    let out = cli.run(&["policy", "bind", &id, &other, "--yes"]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        stdout(&out).contains(&format!("was bound to {before}; now bound to {other}")),
        "{}",
        stdout(&out)
    );
    let now = workspaces::network_option(&c, &account, ws.workspace_id)
        .await
        .unwrap()
        .network_policy_id;
    assert_eq!(now, PolicyId(other.clone()));

    // Binding what is already bound writes nothing and says so.
    let out = cli.run(&["policy", "bind", &id, &other]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(stdout(&out).contains("already bound"), "{}", stdout(&out));
}

async fn all_principals(p: &Profile, filter: Option<&str>) -> Vec<ServicePrincipal> {
    let c = support::client_for(p);
    let query = LoadQuery {
        filter: filter.map(str::to_owned),
        ..LoadQuery::default()
    };
    let mut rows = Vec::new();
    load_all(
        &c,
        &ScimScope::Account(p.account_id.clone().unwrap()),
        &query,
        1,
        |page, _| rows.extend(page),
    )
    .await
    .unwrap();
    rows
}

#[tokio::test]
async fn sp_list_prints_the_account_principals_and_applies_the_scim_filter() {
    let emu = quiet_emulator().await;
    let cli = setup(&emu);
    let all = all_principals(&cli.profile, None).await;
    assert!(all.len() > 1, "the demo seed has service principals");

    let out = cli.run(&["sp", "list", "--format", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let got: HashSet<&str> = listed.iter().map(|p| p["id"].as_str().unwrap()).collect();
    let want: HashSet<&str> = all.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(got, want);

    let one = all.iter().find(|p| p.display_name.is_some()).unwrap();
    let name = one.display_name.clone().unwrap();
    let filter = format!("displayName eq \"{name}\"");
    let expected = all_principals(&cli.profile, Some(&filter)).await;
    let out = cli.run(&["sp", "list", "--filter", &filter]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains(&one.id) && text.contains(&name), "{text}");
    assert!(
        text.trim_end().ends_with(&format!(
            "{} service principal{}",
            expected.len(),
            if expected.len() == 1 { "" } else { "s" }
        )),
        "{text}"
    );
    assert!(expected.len() < all.len());
}

/// Parses JSON lines of `egress tail`: each a whole object with an id and a time.
fn events(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            assert!(
                v["destination"].is_string() && v["access_type"].is_string(),
                "{l}"
            );
            (
                v["event_id"].as_str().unwrap().to_owned(),
                v["event_time"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn egress_tail_json_prints_one_object_per_line_newest_last() {
    let emu = quiet_emulator().await;
    let cli = setup(&emu);
    assert!(emu.handle().generate_egress_events(300) > 0);
    let expected = emu.handle().egress_row_count_of(&cli.account());
    assert!(expected > 1);

    let out = cli
        .run(&["egress", "tail", "--since", "1h", "--format", "json"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    let ev = events(&lines);
    assert_eq!(ev.len(), expected);
    let ids: HashSet<&str> = ev.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), ev.len(), "no event twice");
    // RFC 3339 in UTC with fixed width: text order is time order.
    assert!(ev.windows(2).all(|w| w[0].1 <= w[1].1), "newest last");

    let out = cli.run(&["egress", "tail", "--since", "1h"]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(stdout(&out).lines().count(), expected);

    let out = cli.run(&["egress", "tail", "--since", "soon"]).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stderr(&out).starts_with("Error: --since"),
        "{}",
        stderr(&out)
    );
}

/// Kills the child when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Lines read so far, waiting (off the runtime) until `distinct` event ids were seen.
async fn read_until(
    rx: mpsc::Receiver<String>,
    mut lines: Vec<String>,
    distinct: usize,
) -> (mpsc::Receiver<String>, Vec<String>) {
    tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let seen: HashSet<String> = events(&lines).into_iter().map(|(id, _)| id).collect();
            if seen.len() >= distinct {
                return (rx, lines);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(l) => lines.push(l),
                Err(e) => panic!("{e}: {} of {distinct} events seen", seen.len()),
            }
        }
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn egress_tail_follow_prints_each_new_event_once() {
    let emu = quiet_emulator().await;
    let cli = setup(&emu);
    let account = cli.account();
    let args: Vec<String> = [
        "egress",
        "tail",
        "--since",
        "1h",
        "--follow",
        "--format",
        "json",
        "--poll-seconds",
        "1",
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect();
    let mut child = Child(
        command(cli.home.path(), &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let out = child.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });

    // Each batch lands while the tail polls; each must show up, and the polls after it (which
    // ask again for the last minutes) must not print it again.
    let mut state = (rx, Vec::new());
    for _ in 0..3 {
        assert!(emu.handle().generate_egress_events(40) > 0);
        let total = emu.handle().egress_row_count_of(&account);
        state = read_until(state.0, state.1, total).await;
    }
    let lines = state.1;
    let ev = events(&lines);
    let ids: HashSet<&str> = ev.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids.len(),
        ev.len(),
        "an event was printed twice:\n{lines:#?}"
    );
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "--follow keeps running"
    );
}
