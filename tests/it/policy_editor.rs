//! Editing network policies end to end: keystrokes into the real App, the real actor, HTTP to
//! the emulator, and what the emulator holds afterwards.

use crate::support;

use dbx_tui::app::confirm::Confirm;
use dbx_tui::app::dialog::{self, Deletion};
use dbx_tui::app::modal::Modal;
use dbx_tui::app::state::View;
use serde_json::json;
use support::{Harness, emulator};

#[tokio::test]
async fn add_a_domain_review_and_apply_in_a_few_keys() {
    let emu = emulator().await;
    let acc = support::account_id(&emu);
    // A field this build does not know must survive the full-object PUT.
    let mut raw = emu.handle().policy_raw(&acc, "corp-egress").unwrap();
    raw["egress"]["network_access"]["cross_workspace_access"] = json!({"mode": "FUTURE"});
    raw["future_top_level"] = json!([1, 2]);
    emu.handle().put_policy_raw(&acc, raw);

    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    // After opening: a, the name, Enter, w, y: four keys plus the text.
    h.type_keys("aGitHubusercontent.COM\n");
    assert!(h.app.state.modal.is_none(), "{:?}", h.app.state.modal);
    assert!(h.screen().contains("[modified: 1 change(s)"));
    h.type_keys("w");
    let review = h.screen();
    assert!(review.contains("allow githubusercontent.com"), "{review}");
    assert!(review.contains("+ "), "{review}");
    insta::assert_snapshot!("review_add_domain", h.body());
    h.keys("y").await;
    assert!(
        h.app.state.pending.is_empty(),
        "the pending change should be gone"
    );
    h.assert_shows("applied 1 change(s) to corp-egress");

    let held = emu.handle().policy_raw(&acc, "corp-egress").unwrap();
    assert!(
        support::dns_names(&held).contains(&"githubusercontent.com".to_owned()),
        "{held}"
    );
    assert_eq!(held["future_top_level"], json!([1, 2]));
    assert_eq!(
        held["egress"]["network_access"]["cross_workspace_access"],
        json!({"mode": "FUTURE"})
    );

    let (entries, _) = h.journal().read_all().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "update_policy");
    assert_eq!(entries[0].profile, "demo-aws");
}

#[tokio::test]
async fn an_invalid_domain_is_explained_and_keeps_what_was_typed() {
    let emu = emulator().await;
    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    h.type_keys("ahttps://pypi.org/simple\n");
    match &h.app.state.modal {
        Some(Modal::Input(dialog::Input { input, error, .. })) => {
            assert_eq!(input.value(), "https://pypi.org/simple");
            assert!(error.as_deref().unwrap().contains("scheme"), "{error:?}");
        }
        other => panic!("the input should stay open: {other:?}"),
    }
    let screen = h.screen();
    assert!(screen.contains("✗ a DNS name has no scheme"), "{screen}");
    insta::assert_snapshot!("editor_invalid_domain", h.body());
    // A duplicate is refused too.
    h.type_keys("\x1bapypi.org\n");
    assert!(
        matches!(&h.app.state.modal, Some(Modal::Input(dialog::Input { error: Some(e), .. })) if e.contains("already"))
    );
    h.type_keys("\x1b");
    assert!(h.app.state.pending.is_empty());
}

#[tokio::test]
async fn a_change_made_elsewhere_is_never_overwritten_and_rebase_keeps_both() {
    let emu = emulator().await;
    let acc = support::account_id(&emu);
    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    h.type_keys("aexample.org\n");

    // Another admin adds a domain behind our back.
    let mut theirs = emu.handle().policy_raw(&acc, "corp-egress").unwrap();
    theirs["egress"]["network_access"]["allowed_internet_destinations"]
        .as_array_mut()
        .unwrap()
        .push(json!({"destination": "their-domain.io", "internet_destination_type": "DNS_NAME"}));
    emu.handle().put_policy_raw(&acc, theirs);

    h.keys("wy").await;
    assert!(
        matches!(h.app.state.modal, Some(Modal::Conflict { .. })),
        "{:?}",
        h.app.state.modal
    );
    let screen = h.screen();
    assert!(
        screen.contains("changed on the server since you loaded it"),
        "{screen}"
    );
    assert!(screen.contains("their-domain.io"), "{screen}");
    insta::assert_snapshot!("conflict", h.body());
    let held = support::server_names(&emu, "corp-egress");
    assert!(held.contains(&"their-domain.io".to_owned()));
    assert!(
        !held.contains(&"example.org".to_owned()),
        "nothing may be written on conflict"
    );
    assert_eq!(
        h.app.state.pending.len(),
        1,
        "the pending edit must survive the conflict"
    );

    // Rebase onto their version, review, apply: both changes are there.
    h.type_keys("r");
    assert!(matches!(h.app.state.modal, Some(Modal::Review { .. })));
    h.keys("y").await;
    let held = support::server_names(&emu, "corp-egress");
    assert!(
        held.contains(&"their-domain.io".to_owned()) && held.contains(&"example.org".to_owned()),
        "{held:?}"
    );
}

#[tokio::test]
async fn two_consoles_editing_one_policy_never_lose_a_change() {
    let emu = emulator().await;
    let mut a = Harness::new(&emu).await;
    let mut b = Harness::new(&emu).await;
    a.open_policy("finance-strict").await;
    b.open_policy("finance-strict").await;
    a.type_keys("afirst.example.com\n");
    b.type_keys("asecond.example.com\n");
    a.keys("wy").await;
    b.keys("wy").await;
    assert!(matches!(b.app.state.modal, Some(Modal::Conflict { .. })));
    b.keys("ry").await;
    let held = support::server_names(&emu, "finance-strict");
    assert!(held.contains(&"first.example.com".to_owned()), "{held:?}");
    assert!(held.contains(&"second.example.com".to_owned()), "{held:?}");
}

#[tokio::test]
async fn remove_toggle_modes_and_discard_after_asking() {
    let emu = emulator().await;
    let acc = support::account_id(&emu);
    let mut h = Harness::new(&emu).await;
    h.open_policy("marketing-dryrun").await;
    let before = emu.handle().policy_raw(&acc, "marketing-dryrun").unwrap();
    // Cursor: restriction, enforcement, first DNS name.
    h.type_keys("jjd");
    h.type_keys("f");
    let pending = h.app.state.pending.values().next().unwrap().clone();
    assert_eq!(pending.ops.len(), 2);
    h.type_keys("w");
    assert!(
        h.screen().contains("enforces the allow-list"),
        "tightening must warn:\n{}",
        h.screen()
    );
    // Esc in the review asks before discarding; n keeps, then y discards.
    h.type_keys("\x1b");
    assert!(matches!(
        h.app.state.modal,
        Some(Modal::Confirm(Confirm::Discard { .. }))
    ));
    insta::assert_snapshot!("confirm_discard", h.body());
    h.type_keys("n");
    assert_eq!(h.app.state.pending.len(), 1);
    h.type_keys("w\x1by");
    assert!(h.app.state.pending.is_empty());
    assert_eq!(
        emu.handle().policy_raw(&acc, "marketing-dryrun").unwrap(),
        before,
        "nothing written"
    );
}

#[tokio::test]
async fn create_then_delete_with_typed_confirmation_and_protected_policies() {
    let emu = emulator().await;
    let acc = support::account_id(&emu);
    let mut h = Harness::new(&emu).await;
    h.keys(":np\n").await;
    // An invalid id is explained while typing.
    h.type_keys("cbad id!");
    assert!(matches!(
        &h.app.state.modal,
        Some(Modal::Input(dialog::Input { error: Some(_), .. }))
    ));
    h.type_keys("\x1bcsandbox-lockdown\n");
    assert!(matches!(h.app.state.modal, Some(Modal::Review { .. })));
    h.keys("y").await;
    let created = emu
        .handle()
        .policy_raw(&acc, "sandbox-lockdown")
        .expect("created on the emulator");
    assert_eq!(
        created["egress"]["network_access"]["restriction_mode"],
        "RESTRICTED_ACCESS"
    );
    assert_eq!(
        created["egress"]["network_access"]["policy_enforcement"]["enforcement_mode"],
        "DRY_RUN"
    );

    // default-policy and bound policies cannot be deleted, and say why.
    h.keys("/default-policy\n").await;
    h.ctrl('d');
    assert!(
        h.app
            .state
            .flash
            .as_deref()
            .unwrap()
            .contains("never deleted")
    );
    h.keys("\x1b/corp-egress\n").await;
    h.ctrl('d');
    assert!(
        h.app.state.flash.as_deref().unwrap().contains("bound to"),
        "{:?}",
        h.app.state.flash
    );
    assert!(h.app.state.modal.is_none());

    h.keys("\x1b/sandbox-lockdown\n").await;
    h.ctrl('d');
    h.type_keys("sandbox\n");
    assert!(
        matches!(
            h.app.state.modal,
            Some(Modal::TypeToConfirm(dialog::TypeToConfirm {
                deletion: Deletion::Policy(_),
                ..
            }))
        ),
        "a wrong id must not delete"
    );
    h.keys("-lockdown\n").await;
    assert!(
        emu.handle().policy_raw(&acc, "sandbox-lockdown").is_none(),
        "deleted on the emulator"
    );
}

#[tokio::test]
async fn bind_a_workspace_from_its_row_then_undo_from_history() {
    let emu = emulator().await;
    let acc = support::account_id(&emu);
    let mut h = Harness::new(&emu).await;
    let ws = h.confirm_bind("sandbox-ds", "finance-strict").await;
    // Nothing is written before the confirmation.
    assert_eq!(
        emu.handle().binding(&acc, ws).as_deref(),
        Some("default-policy")
    );
    insta::assert_snapshot!("confirm_bind", h.body());
    h.keys("y").await;
    assert_eq!(
        emu.handle().binding(&acc, ws).as_deref(),
        Some("finance-strict")
    );
    assert!(h.screen().contains("finance-strict"));

    h.keys(":history\n").await;
    assert_eq!(h.app.state.view, View::History);
    h.assert_shows("default-policy → finance-strict");
    h.type_keys("u");
    assert!(matches!(
        h.app.state.modal,
        Some(Modal::Confirm(Confirm::Bind { .. }))
    ));
    h.keys("y").await;
    assert_eq!(
        emu.handle().binding(&acc, ws).as_deref(),
        Some("default-policy")
    );
}

#[tokio::test]
async fn undo_a_policy_change_from_history() {
    let emu = emulator().await;
    let mut h = Harness::new(&emu).await;
    let before = support::server_names(&emu, "corp-egress");
    h.open_policy("corp-egress").await;
    h.keys("anew.example.net\nwy").await;
    assert!(support::server_names(&emu, "corp-egress").contains(&"new.example.net".into()));
    h.keys(":history\n").await;
    h.keys("u").await;
    assert!(
        matches!(h.app.state.modal, Some(Modal::Review { .. })),
        "{:?}",
        h.app.state.modal
    );
    h.assert_shows("stop allowing new.example.net");
    h.keys("y").await;
    assert_eq!(support::server_names(&emu, "corp-egress"), before);
}

#[tokio::test]
async fn read_only_refuses_every_write() {
    let emu = emulator().await;
    let mut h = Harness::new(&emu).await;
    h.app.state.read_only = true;
    h.open_policy("corp-egress").await;
    for key in ["a", "s", "x", "m", "f", "d", "c", "C", "b"] {
        h.type_keys(key);
        assert!(
            h.app.state.modal.is_none(),
            "{key} opened a dialog in read-only mode"
        );
        assert!(
            h.app
                .state
                .flash
                .as_deref()
                .unwrap_or("")
                .contains("read-only"),
            "{key}"
        );
    }
    assert!(h.app.state.pending.is_empty());
    assert!(h.screen().contains("[read-only]"));
}

#[tokio::test]
async fn export_writes_terraform_and_json_of_the_server_version() {
    let emu = emulator().await;
    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    h.type_keys("et");
    h.type_keys("ej");
    let tf = std::fs::read_to_string(h.dir.path().join("corp-egress.tf")).unwrap();
    assert!(
        tf.contains("resource \"databricks_account_network_policy\""),
        "{tf}"
    );
    assert!(tf.contains("databricks_workspace_network_option"), "{tf}");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(h.dir.path().join("corp-egress.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["network_policy_id"], "corp-egress");
}

#[tokio::test]
async fn storage_destinations_are_parsed_validated_and_written() {
    let emu = emulator().await;
    let acc = support::account_id(&emu);
    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    h.type_keys("sftp://nope\n");
    assert!(matches!(
        &h.app.state.modal,
        Some(Modal::Input(dialog::Input { error: Some(_), .. }))
    ));
    h.type_keys("\x1bss3://acme-new-landing us-west-2\n");
    assert!(h.app.state.modal.is_none(), "{:?}", h.app.state.modal);
    h.keys("wy").await;
    let held = emu.handle().policy_raw(&acc, "corp-egress").unwrap();
    let storage = held["egress"]["network_access"]["allowed_storage_destinations"]
        .as_array()
        .unwrap();
    assert!(
        storage
            .iter()
            .any(|s| s["bucket_name"] == "acme-new-landing"
                && s["region"] == "us-west-2"
                && s["storage_destination_type"] == "AWS_S3"),
        "{held}"
    );
}
