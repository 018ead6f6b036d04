//! Export writes only where it should: the policy id (from the server) must be a valid id
//! before it names a file or a request path, and an existing file is replaced only after asking.

use crate::support;

use dbx_tui::app::confirm::Confirm;
use dbx_tui::app::modal::Modal;
use dbx_tui::cli::{ExportFormat, export_policy};
use serde_json::json;
use support::{Harness, emulator, profiles};

#[tokio::test]
async fn an_id_that_is_not_a_policy_id_never_names_a_file() {
    let emu = emulator().await;
    let acc = emu.accounts()[0].account_id.clone();
    emu.handle().put_policy_raw(
        &acc,
        json!({
            "network_policy_id": "../escape",
            "account_id": acc,
            "egress": {"network_access": {"restriction_mode": "FULL_ACCESS"}}
        }),
    );
    let mut h = Harness::new(&emu).await;
    let out = h.dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    h.app.state.export_dir = out.clone();
    h.keys(":np\n/escape\n").await;
    let sel = h.app.state.policies_list.selected_index().unwrap();
    assert_eq!(h.app.state.policies[sel].id(), "../escape");
    h.type_keys("et");
    h.type_keys("ej");
    let err = h.app.state.last_error.clone().unwrap_or_default();
    assert!(err.contains("cannot name a file"), "{err}");
    assert!(!h.dir.path().join("escape.tf").exists());
    assert!(!h.dir.path().join("escape.json").exists());
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

#[tokio::test]
async fn an_existing_file_is_overwritten_only_after_asking() {
    let emu = emulator().await;
    let mut h = Harness::new(&emu).await;
    let path = h.dir.path().join("corp-egress.tf");
    std::fs::write(&path, "mine\n").unwrap();
    h.open_policy("corp-egress").await;

    h.type_keys("et");
    assert!(
        matches!(
            h.app.state.modal,
            Some(Modal::Confirm(Confirm::Overwrite { .. }))
        ),
        "{:?}",
        h.app.state.modal
    );
    h.assert_shows("exists: overwrite it? y/n");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine\n");
    h.type_keys("n");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine\n");
    assert!(h.app.state.flash.as_deref().unwrap_or("").contains("kept"));

    h.type_keys("ety");
    let tf = std::fs::read_to_string(&path).unwrap();
    assert!(
        tf.contains("resource \"databricks_account_network_policy\""),
        "{tf}"
    );
    // Only the export itself is left in the directory (no temporary file).
    let names: Vec<String> = std::fs::read_dir(h.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("corp-egress"))
        .collect();
    assert_eq!(names, vec!["corp-egress.tf".to_owned()]);
}

#[tokio::test]
async fn the_command_line_export_refuses_an_id_that_would_leave_the_policy_endpoint() {
    let emu = emulator().await;
    let acc = emu.accounts()[0].account_id.clone();
    let profile = profiles(&emu).remove(0);
    for id in ["../workspaces", "..", "a/b", ""] {
        let err = export_policy(&profile, id, ExportFormat::Json)
            .await
            .expect_err(id);
        assert!(
            err.to_string().contains("is not a policy id"),
            "{id}: {err}"
        );
    }
    assert_eq!(
        emu.handle()
            .request_count(&format!("/api/2.0/accounts/{acc}/workspaces")),
        0
    );
    assert_eq!(
        emu.handle()
            .request_count(&format!("/api/2.0/accounts/{acc}/network-policies")),
        0
    );
    // A valid id still exports.
    let text = export_policy(&profile, "corp-egress", ExportFormat::Json)
        .await
        .unwrap();
    assert!(text.contains("\"corp-egress\""));
}
