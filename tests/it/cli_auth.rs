//! `auth_type = databricks-cli` against the emulator, with a fake `databricks` script named by
//! `databricks_cli_path` (never `PATH`: the tests share one process and its environment). The
//! script logs each run to a file, so a test can count them.

use crate::cloud_common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cloud_common::*;
use dbx_tui::api::workspaces;
use dbx_tui::auth::check::{Failure, check_profile};
use dbx_tui::emulator::{DemoAccount, Emulator, ServeOptions};

const EXPIRY: &str = "2999-01-01T00:00:00Z";

struct Fake {
    _dir: tempfile::TempDir,
    script: PathBuf,
    runs: PathBuf,
}

impl Fake {
    /// A fake CLI whose body runs after the run is logged; `$n` is the number of this run.
    fn new(body: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        let script = dir.path().join("databricks");
        let text = format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nn=$(wc -l < '{}')\n{body}\n",
            runs.display(),
            runs.display()
        );
        std::fs::write(&script, text).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self {
            _dir: dir,
            script,
            runs,
        }
    }

    fn runs(&self) -> Vec<String> {
        std::fs::read_to_string(&self.runs)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

fn token_json(token: &str) -> String {
    format!(
        "printf '%s\\n' '{{\"access_token\":\"{token}\",\"token_type\":\"Bearer\",\"expiry\":\"{EXPIRY}\"}}'"
    )
}

async fn setup() -> (Emulator, DemoAccount) {
    let emu = emulator(ServeOptions::default()).await;
    let acct = account(&emu, "aws");
    (emu, acct)
}

fn cli_profile(emu: &Emulator, acct: &DemoAccount, cli: &Path) -> dbx_tui::config::Profile {
    profile(
        &format!(
            "[me]\nhost = {}\naccount_id = {}\nauth_type = databricks-cli\ndatabricks_cli_path = {}\n",
            emu.base_url(),
            acct.account_id,
            cli.display()
        ),
        "me",
    )
}

/// The error of one account call, checked to hold no token.
async fn list_error(p: &dbx_tui::config::Profile, acct: &DemoAccount) -> String {
    let err = workspaces::list(&client(p), &acct.account_id)
        .await
        .unwrap_err()
        .to_string();
    assert!(!err.contains(&acct.admin_token), "the token leaked: {err}");
    no_canary(&err);
    err
}

#[tokio::test]
async fn the_cli_token_is_used_and_the_cli_run_once_for_many_calls() {
    let (emu, acct) = setup().await;
    let fake = Fake::new(&token_json(&acct.admin_token));
    let p = cli_profile(&emu, &acct, &fake.script);
    let c = client(&p);
    for _ in 0..3 {
        workspaces::list(&c, &acct.account_id)
            .await
            .expect("the CLI's token is accepted");
    }
    assert_eq!(
        fake.runs(),
        vec![format!(
            "auth token --host {} --account-id {}",
            emu.base_url(),
            acct.account_id
        )]
    );

    let r = check_profile(&p, Duration::from_secs(10)).await;
    assert!(r.outcome.is_ok(), "{:?}", r.outcome);
    assert_eq!(r.method, "databricks-cli");
    assert!(
        r.principal
            .as_deref()
            .is_some_and(|w| w.starts_with("Databricks CLI login for")),
        "{:?}",
        r.principal
    );
}

#[tokio::test]
async fn a_refused_token_makes_the_cli_run_again() {
    let (emu, acct) = setup().await;
    let good = token_json(&acct.admin_token);
    let bad = token_json("eyJ-not-a-token-the-emulator-knows");
    let fake = Fake::new(&format!("if [ \"$n\" -eq 1 ]; then {bad}; else {good}; fi"));
    let p = cli_profile(&emu, &acct, &fake.script);
    let c = client(&p);
    workspaces::list(&c, &acct.account_id)
        .await
        .expect("the second token is accepted");
    assert_eq!(fake.runs().len(), 2);
    workspaces::list(&c, &acct.account_id).await.unwrap();
    assert_eq!(fake.runs().len(), 2, "the good token is kept");
}

#[tokio::test]
async fn not_signed_in_names_the_login_command() {
    let (emu, acct) = setup().await;
    let host = emu.base_url();
    let fake = Fake::new(&format!(
        "{}\necho 'Error: cache: databricks OAuth is not configured for this host. Try logging in again with `databricks auth login --host {host}` before retrying.' >&2\nexit 1",
        // A CLI that fails may still print something on stdout: never shown.
        token_json(&acct.admin_token)
    ));
    let p = cli_profile(&emu, &acct, &fake.script);
    let err = list_error(&p, &acct).await;
    assert!(
        err.contains(&format!(
            "not signed in for {host}: run `databricks auth login --host {host}`"
        )),
        "{err}"
    );
    let r = check_profile(&p, Duration::from_secs(10)).await;
    assert_eq!(r.outcome.as_ref().unwrap_err().0, Failure::NotSignedIn);
}

#[tokio::test]
async fn output_that_is_not_a_token_is_named_and_not_echoed() {
    let (emu, acct) = setup().await;
    let fake = Fake::new(&format!(
        "echo 'Welcome! canary-garbage {}'",
        acct.admin_token
    ));
    let p = cli_profile(&emu, &acct, &fake.script);
    let err = list_error(&p, &acct).await;
    assert!(
        err.contains("the Databricks CLI printed something that is not a token (JSON expected)"),
        "{err}"
    );
    assert!(!err.contains("Welcome"), "{err}");
}

#[tokio::test]
async fn a_missing_cli_is_named() {
    let (emu, acct) = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-databricks");
    let p = cli_profile(&emu, &acct, &missing);
    let err = list_error(&p, &acct).await;
    assert!(err.contains("the Databricks CLI was not found at"), "{err}");
    assert!(err.contains("databricks_cli_path"), "{err}");
    let r = check_profile(&p, Duration::from_secs(10)).await;
    assert_eq!(r.outcome.as_ref().unwrap_err().0, Failure::CliMissing);
}
