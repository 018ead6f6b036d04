//! Emulator: the standalone entry point and its printed `.databrickscfg`.
//!
//! To run a long-lived emulator by hand (e.g. to point the official SDK at it):
//! `EMULATOR_PORT=8080 cargo test --test emulator_standalone -- --ignored --nocapture`

use dbx_tui::emulator::{Emulator, EmulatorOptions, databrickscfg, run_standalone};

#[tokio::test]
async fn printed_config_has_a_profile_per_account_and_auth_kind() {
    let emu = Emulator::start(EmulatorOptions::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let cfg = databrickscfg(&emu.base_url(), &emu.accounts());
    for cloud in ["aws", "azure", "gcp"] {
        for suffix in ["", "-m2m", "-ws"] {
            assert!(
                cfg.contains(&format!("[emulator-{cloud}{suffix}]\n")),
                "missing {cloud}{suffix}:\n{cfg}"
            );
        }
    }
    for a in emu.accounts() {
        assert!(
            cfg.contains(&a.admin_token)
                && cfg.contains(&a.client_secret)
                && cfg.contains(&a.account_id)
        );
        assert!(cfg.contains(&a.workspace_pat.unwrap().1));
    }
    assert!(cfg.contains(&format!("host       = {}\n", emu.base_url())));
}

#[tokio::test]
#[ignore = "runs until Ctrl-C; for manual checks"]
async fn standalone() {
    let port = std::env::var("EMULATOR_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    run_standalone(port).await.unwrap();
}
