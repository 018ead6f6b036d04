//! Azure managed identity (App Service style) and Azure CLI end to end. Both read the process
//! environment (`IDENTITY_ENDPOINT`/`IDENTITY_HEADER`, `PATH` for a fake `az`), so they run in
//! this binary's only test, which sets the variables before any other thread starts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or bench that cannot set itself up should stop loudly"
)]

mod cloud_common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use cloud_common::*;
use dbx_tui::api::workspaces;
use dbx_tui::auth::check::{Failure, check_profile, render};
use dbx_tui::emulator::ServeOptions;

#[test]
fn managed_identity_and_azure_cli() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(emulator(ServeOptions::default()));
    let h = emu.handle();
    let acct = account(&emu, "azure").account_id;
    h.set_managed_identity("canary-identity-header", "mi-client-1", &acct);
    let user_token = h.mint_entra_user_token("admin@contoso.example", &acct);
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let az = write(
        &bin,
        "az",
        &format!(
            "#!/bin/sh\n# fake Azure CLI: only `az account get-access-token`\ncase \"$*\" in *get-access-token*) ;; *) exit 2;; esac\necho '{{\"accessToken\":\"{user_token}\",\"expiresOn\":\"2099-01-01 00:00:00.000000\",\"expires_on\":4070908800,\"subscription\":\"s\",\"tenant\":\"t\",\"tokenType\":\"Bearer\"}}'\n"
        ),
    );
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    #[allow(
        unsafe_code,
        reason = "setting the process environment is unsafe since Rust 2024"
    )]
    // SAFETY: single-threaded so far: the runtime is current-thread and no test runs beside
    // this one in this binary.
    unsafe {
        std::env::set_var("IDENTITY_ENDPOINT", format!("{}/msi/token", emu.base_url()));
        std::env::set_var("IDENTITY_HEADER", "canary-identity-header");
        std::env::set_var("PATH", path);
    }
    rt.block_on(async {
        // Managed identity, chosen by azure_use_msi on an Azure host.
        let msi = profile(
            &format!(
                "[msi]\nhost = {}\naccount_id = {acct}\ncloud = azure\nazure_use_msi = true\nazure_client_id = mi-client-1\n",
                emu.base_url()
            ),
            "msi",
        );
        let c = client(&msi);
        assert_eq!(c.auth().method(), "azure-msi");
        assert!(c.auth().principal().contains("mi-client-1"));
        workspaces::list(&c, &acct).await.expect("MSI token accepted");
        assert_eq!(h.request_count("/msi/token"), 1);
        let r = check_profile(&msi, Duration::from_secs(5)).await;
        let out = render(&r);
        assert!(r.outcome.is_ok(), "{out}");
        assert!(out.contains("azure_use_msi"), "{out}");
        no_canary(&out);
        // The App Service endpoint answers 400 for an identity it does not hold: named so.
        let other = profile(
            &format!(
                "[msi]\nhost = {}\naccount_id = {acct}\ncloud = azure\nazure_use_msi = true\nazure_client_id = mi-elsewhere\n",
                emu.base_url()
            ),
            "msi",
        );
        let r = check_profile(&other, Duration::from_secs(5)).await;
        let out = render(&r);
        assert_eq!(
            r.outcome.as_ref().unwrap_err().0,
            Failure::IdentityNotAssigned,
            "{out}"
        );
        assert!(
            out.contains("the App Service identity endpoint") && out.contains("mi-elsewhere"),
            "{out}"
        );
        no_canary(&out);

        // Azure CLI: the fake `az` prints a user token; the header names the user.
        let cli = profile(
            &format!(
                "[cli]\nhost = {}\naccount_id = {acct}\nauth_type = azure-cli\n",
                emu.base_url()
            ),
            "cli",
        );
        let c = client(&cli);
        assert_eq!(c.auth().method(), "azure-cli");
        workspaces::list(&c, &acct).await.expect("az CLI token accepted");
        assert_eq!(c.auth().principal(), "Azure CLI user admin@contoso.example");
        let r = check_profile(&cli, Duration::from_secs(5)).await;
        assert!(r.outcome.is_ok(), "{}", render(&r));
    });
}
