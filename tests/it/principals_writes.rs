//! Writes on the service-principals pane end to end: secrets (shown once, rotated), create,
//! rename, delete, workspace assignments and group membership, through the real App and actor to
//! the emulator, checked against what the emulator holds afterwards.

use crate::principals::{account, find, get, harness, mask_dates, secret_ids, sp_on_emulator};
use crate::support::Harness;
use crate::support::emulator;
use crossterm::event::KeyCode;
use dbx_tui::app::dialog::{self, PickFor};
use dbx_tui::app::modal::Modal;

/// The choices of the principal pick dialog that is open (label, value).
fn pick_options(h: &Harness) -> Vec<(String, String)> {
    let Some(Modal::Pick(dialog::Pick {
        purpose: PickFor::Principal(_),
        options,
        ..
    })) = &h.app.state.modal
    else {
        panic!("no principal pick is open: {:?}", h.app.state.modal)
    };
    options.clone()
}

#[tokio::test]
async fn snapshot_of_the_secret_modal_has_no_secret() {
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    let id = find(&mut h, "dbt-cloud").await;
    h.keys("\n").await;
    let before = secret_ids(&emu, &id).await;
    h.keys("n").await;
    assert!(matches!(
        h.app.state.modal,
        Some(Modal::Input(dialog::Input {
            purpose: dialog::InputFor::Principal(_),
            ..
        }))
    ));
    h.keys("30\n").await;
    let Some(Modal::ShowOnce(shown)) = h.app.state.modal.clone() else {
        panic!("no secret shown: {:?}", h.app.state.modal)
    };
    let (secret, secret_id) = (shown.secret, shown.label);
    let plain = secret.expose().to_owned();
    assert!(plain.len() > 16);
    let screen = h.body();
    assert!(screen.contains(&plain), "the secret must be on screen once");
    assert!(screen.contains("only time it is shown"), "{screen}");
    insta::assert_snapshot!(
        "secret_shown_once",
        mask_dates(
            &screen
                .replace(&plain, "<REDACTED>")
                .replace(&secret_id, "<new-secret-id>")
        )
    );
    // It exists on the emulator, with a 30-day lifetime.
    let after = secret_ids(&emu, &id).await;
    assert_eq!(after.len(), before.len() + 1);
    assert!(after.contains(&secret_id));

    // Copy: the effect carries it once, as OSC 52.
    h.keys("c").await;
    let copied = h.app.take_clipboard().expect("copy effect");
    assert_eq!(copied.expose(), plain);
    assert!(h.app.take_clipboard().is_none());
    assert!(dbx_tui::app::principals::osc52(copied.expose()).starts_with("\x1b]52;c;"));

    // Closing drops it: not on screen, not in state, not in the journal.
    h.keys("\x1b").await;
    assert!(h.app.state.modal.is_none());
    assert!(!h.screen().contains(&plain));
    assert!(!format!("{:?}", h.app.state).contains(&plain));
    let journal = std::fs::read_to_string(h.journal().path()).unwrap();
    assert!(journal.contains("create_secret"));
    assert!(!journal.contains(&plain), "the secret reached the journal");
    // The new secret is listed in the detail, expiring in under 30 days (highlighted).
    h.assert_shows(&secret_id);
    assert!(
        h.screen().contains("expires in 29 days") || h.screen().contains("expires in 30 days"),
        "{}",
        h.screen()
    );
}

#[tokio::test]
async fn a_copied_secret_still_says_how_to_close_its_dialog() {
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    find(&mut h, "dbt-cloud").await;
    h.keys("\n").await;
    h.keys("n").await;
    h.keys("30\n").await;
    assert!(matches!(h.app.state.modal, Some(Modal::ShowOnce(_))));
    h.keys("c").await;
    let screen = h.body();
    // The clipboard note wraps: the box grows with it instead of cutting off the last line.
    assert!(
        screen.contains("Sent to the terminal's clipboard"),
        "{screen}"
    );
    assert!(screen.contains("enter/esc close"), "{screen}");
}

#[tokio::test]
async fn rotate_creates_shows_once_then_deletes_the_old() {
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    let id = find(&mut h, "github-actions-deploy").await;
    h.keys("\n").await;
    let before = secret_ids(&emu, &id).await;
    assert_eq!(before.len(), 2);
    // The soonest-expiring secret is the one rotated when none is selected.
    let secrets = h.app.state.principals.detail_secrets().unwrap().clone();
    let old = secrets
        .iter()
        .min_by_key(|s| s.expire_time.clone())
        .unwrap()
        .id
        .clone();
    h.keys("R").await;
    h.assert_shows(&format!("Rotate secret {old}"));
    h.keys("y").await;
    let Some(Modal::ShowOnce(shown)) = h.app.state.modal.clone() else {
        panic!("no secret shown: {:?}", h.app.state.modal)
    };
    let (secret, secret_id) = (shown.secret, shown.label);
    let plain = secret.expose().to_owned();
    // Both work until the old one is deleted.
    assert_eq!(secret_ids(&emu, &id).await.len(), 3);
    h.keys("\n").await;
    assert!(h.screen().contains(&format!("Delete the old secret {old}")));
    h.keys("y").await;
    let now = secret_ids(&emu, &id).await;
    assert!(now.contains(&secret_id), "{now:?}");
    assert!(!now.contains(&old), "{now:?}");
    assert_eq!(now.len(), 2);
    let (entries, _) = h.journal().read_all().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create_secret", "delete_secret"]);
    let journal = std::fs::read_to_string(h.journal().path()).unwrap();
    assert!(!journal.contains(&plain));
    assert!(!h.screen().contains(&plain));
}

#[tokio::test]
async fn create_rename_and_delete() {
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    h.keys(":sp\n").await;
    h.keys("c").await;
    h.keys("canary-bot\n").await;
    // The application id is optional: a bad one is explained, empty lets Databricks mint one.
    h.keys("not-a-uuid\n").await;
    h.assert_shows("is a UUID");
    for _ in 0.."not-a-uuid".len() {
        h.key(KeyCode::Backspace);
    }
    h.keys("\n").await;
    assert!(h.screen().contains("Create service principal canary-bot?"));
    h.keys("y").await;
    let sp = h.app.state.principals.selected().unwrap().clone();
    assert_eq!(sp.name(), "canary-bot");
    let (s, v) = sp_on_emulator(&emu, &sp.id).await;
    assert_eq!((s, v["displayName"].as_str()), (200, Some("canary-bot")));

    h.keys("E").await;
    for _ in 0.."canary-bot".len() {
        h.key(KeyCode::Backspace);
    }
    h.keys("canary-bot-2\n").await;
    h.keys("y").await;
    assert_eq!(
        sp_on_emulator(&emu, &sp.id).await.1["displayName"],
        "canary-bot-2"
    );
    assert_eq!(
        h.app.state.principals.selected().unwrap().name(),
        "canary-bot-2"
    );

    h.ctrl('d');
    h.assert_shows("Type its display name");
    h.keys("canary-bot\n").await;
    assert!(h.app.state.modal.is_some(), "a wrong name must not delete");
    h.keys("-2\n").await;
    assert_eq!(sp_on_emulator(&emu, &sp.id).await.0, 404);
    assert!(h.app.state.principals.get(&sp.id).is_none());
    let (entries, _) = h.journal().read_all().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "create_service_principal",
            "rename_service_principal",
            "delete_service_principal"
        ]
    );
}

#[tokio::test]
async fn assign_to_a_workspace_and_remove() {
    let emu = emulator().await;
    let (acc, _) = account(&emu);
    let mut h = harness(&emu).await;
    let id = find(&mut h, "ops-export").await;
    assert_eq!(
        emu.handle().workspace_ids_of(&acc, &id).unwrap(),
        Vec::<i64>::new()
    );
    h.keys("\n").await;
    assert!(h.screen().contains("not assigned to any workspace"));
    h.keys("b").await;
    let options = pick_options(&h);
    let ws: i64 = options[0].1.parse().unwrap();
    h.keys("\n").await; // first workspace
    h.keys("j\n").await; // ADMIN
    h.assert_shows("as ADMIN?");
    h.keys("y").await;
    assert_eq!(emu.handle().workspace_ids_of(&acc, &id).unwrap(), vec![ws]);
    assert!(h.screen().contains("ADMIN"));

    // The assigned workspace is the first selectable row: d removes it.
    h.keys("gd").await;
    h.assert_shows("Remove ops-export from workspace");
    h.keys("y").await;
    assert_eq!(
        emu.handle().workspace_ids_of(&acc, &id).unwrap(),
        Vec::<i64>::new()
    );
    let (entries, _) = h.journal().read_all().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["assign_service_principal", "unassign_service_principal"]
    );
    assert_eq!(entries[0].workspace_id, Some(ws));
}

#[tokio::test]
async fn add_to_a_group_and_remove() {
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    let id = find(&mut h, "ops-export").await;
    h.keys("\n").await;
    let groups_before = h
        .app
        .state
        .principals
        .detail
        .sp
        .as_ref()
        .unwrap()
        .groups
        .len();
    h.keys("+").await;
    let options = pick_options(&h);
    assert!(
        !options.is_empty(),
        "groups should have loaded into the picker"
    );
    let (gname, gid) = options[0].clone();
    h.keys("\n").await;
    assert!(
        h.screen()
            .contains(&format!("Add ops-export to group {gname}?"))
    );
    h.keys("y").await;
    let (_, g) = get(&emu, &format!("/scim/v2/Groups/{gid}")).await;
    let members: Vec<&str> = g["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["value"].as_str())
        .collect();
    assert!(members.contains(&id.as_str()), "{g}");
    let sp = h.app.state.principals.detail.sp.clone().unwrap();
    assert_eq!(sp.groups.len(), groups_before + 1);

    // Select the group row and remove it.
    let pos = h
        .app
        .state
        .principals
        .detail
        .item_list
        .iter()
        .position(
            |i| matches!(i, dbx_tui::app::principals::DetailItem::Group { id, .. } if *id == gid),
        )
        .unwrap();
    h.keys("g").await;
    for _ in 0..pos {
        h.keys("j").await;
    }
    h.keys("d").await;
    h.assert_shows(&format!("from group {gname}?"));
    h.keys("y").await;
    let (_, g) = get(&emu, &format!("/scim/v2/Groups/{gid}")).await;
    assert!(
        !g["members"]
            .as_array()
            .is_some_and(|a| a.iter().any(|m| m["value"] == id.as_str()))
    );
}
