//! Emulator: the standalone entry point and its printed `.databrickscfg`.
//!
//! To run a long-lived emulator by hand (e.g. to point the official SDK at it):
//! `EMULATOR_PORT=8080 cargo test --test emulator_standalone -- --ignored --nocapture`

use crate::support;

use dbx_tui::emulator::{databrickscfg, run_standalone};

#[tokio::test]
async fn printed_config_has_an_m2m_account_profile_and_a_pat_workspace_profile_per_account() {
    let emu = support::emulator().await;
    let cfg = databrickscfg(&emu.base_url(), &emu.accounts());
    for cloud in ["aws", "azure", "gcp"] {
        for suffix in ["", "-ws"] {
            assert!(
                cfg.contains(&format!("[emulator-{cloud}{suffix}]\n")),
                "missing {cloud}{suffix}:\n{cfg}"
            );
        }
    }
    let files = dbx_tui::config::parse_config(std::path::Path::new("emulator.cfg"), &cfg)
        .unwrap()
        .profiles;
    for a in emu.accounts() {
        // Account APIs refuse personal access tokens: the account profile is OAuth M2M.
        assert!(!cfg.contains(&a.admin_token), "{cfg}");
        let acct = files
            .iter()
            .find(|p| p.name == format!("emulator-{}", a.cloud))
            .unwrap();
        assert_eq!(acct.client_id.as_deref(), Some(a.client_id.as_str()));
        assert_eq!(acct.account_id.as_deref(), Some(a.account_id.as_str()));
        assert!(acct.token.is_none());
        let (ws, pat) = a.workspace_pat.unwrap();
        let wsp = files
            .iter()
            .find(|p| p.name == format!("emulator-{}-ws", a.cloud))
            .unwrap();
        assert_eq!(wsp.workspace_id, Some(ws.to_string()));
        assert!(cfg.contains(&pat));
    }
    assert!(cfg.contains(&format!("host          = {}\n", emu.base_url())));
}

#[tokio::test]
#[ignore = "runs until Ctrl-C; for manual checks"]
async fn standalone() {
    let port = std::env::var("EMULATOR_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    run_standalone(port, true).await.unwrap();
}

/// `dbx-tui emulator` serves the fault-injection route only with `--faults`.
#[tokio::test]
async fn the_standalone_emulator_serves_fault_routes_only_with_the_flag() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    for (flag, want) in [(None, 404), (Some("--faults"), 204)] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dbx-tui"));
        cmd.args(["emulator", "--port", "0"])
            .args(flag)
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("DBX_TUI_LOG_DIR", dir.path().join("logs"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        // The first line names the address: "dbx-tui emulator listening on http://127.0.0.1:N".
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line.trim().rsplit(' ').next().unwrap().to_owned();
        let fault = serde_json::json!({"path_prefix": "/x", "kind": {"kind": "malformed"}});
        let status = crate::support::http()
            .post(format!("{base}/__emulator/faults"))
            .json(&fault)
            .send()
            .await
            .map(|r| r.status().as_u16());
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(status.unwrap(), want, "{flag:?}");
    }
}

/// `dbx-tui emulator --principals N --fault …`: the knobs reach the running emulator, and each
/// printed profile says which account it is for.
#[tokio::test]
async fn the_standalone_emulator_takes_scale_and_fault_flags() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbx-tui"))
        .args(["emulator", "--port", "0", "--principals", "1000"])
        .args(["--events-per-sec", "0", "--latency-ms", "1"])
        .args(["--fault", "503:/api/2.0/accounts/:1"])
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("DBX_TUI_LOG_DIR", dir.path().join("logs"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "{lines:?}");
        let done = line.starts_with("# Ctrl-C");
        lines.push(line.trim_end().to_owned());
        if done {
            break;
        }
    }
    let text = lines.join("\n");
    let base = lines[0].rsplit(' ').next().unwrap().to_owned();
    // Every profile section is preceded by the account it is for.
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("[emulator-") {
            assert!(lines[i - 1].starts_with("# account \""), "{text}");
        }
    }
    let value = |key: &str| {
        let after = text.split("[emulator-aws]\n").nth(1).unwrap();
        after
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split('=').nth(1))
            .unwrap()
            .trim()
            .to_owned()
    };
    // The printed account profile is OAuth M2M (account APIs take no personal access token).
    let account = value("account_id");
    let minted: serde_json::Value = crate::support::http()
        .post(format!("{base}/oidc/accounts/{account}/v1/token"))
        .basic_auth(value("client_id"), Some(value("client_secret")))
        .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = minted["access_token"].as_str().unwrap().to_owned();
    let url = format!("{base}/api/2.0/accounts/{account}/scim/v2/ServicePrincipals?count=1");
    let get = || crate::support::http().get(&url).bearer_auth(&token).send();
    let first = get().await.unwrap().status().as_u16();
    let second: serde_json::Value = get().await.unwrap().json().await.unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(first, 503, "the armed fault");
    assert_eq!(
        second["totalResults"], 1150,
        "1,000 generated + the demo's 150"
    );
}
