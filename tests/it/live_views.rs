//! Views stay live: :np shows another admin's change without `r` once the refresh is due,
//! keeping the selection; a refresh that finds the server changed under a pending edit says so;
//! and an international name in a policy shows its Unicode form next to the punycode.

use crate::support::{self, Harness, quiet_emulator};
use dbx_tui::api::PolicyId;
use dbx_tui::api::network_policies;
use dbx_tui::app::state::View;
use std::time::{Duration, SystemTime};

#[tokio::test]
async fn another_admins_policy_appears_without_r_and_the_selection_stays() {
    let emu = quiet_emulator().await;
    let mut h = Harness::new(&emu).await;
    // The screen's clock, as the event loop keeps it.
    h.app.state.now = SystemTime::now();
    h.keys(":np\n").await;
    assert_eq!(h.app.state.view, View::Policies);
    h.keys("j").await;
    let selected = h.app.state.policies_list.selected_index();
    let now = SystemTime::now();
    assert!(
        h.app.refresh_due_in(now).is_some(),
        "a live view has a refresh timer"
    );
    h.assert_shows("as of ");

    let (c, account) = support::admin_client(&emu);
    let mut p = dbx_tui::app::editor::new_policy("made-elsewhere");
    p.account_id = None;
    network_policies::create(&c, &account, &p).await.unwrap();
    // Not due yet: nothing is read.
    h.app.refresh_if_due(now);
    h.settle().await;
    assert!(!h.screen().contains("made-elsewhere"));
    // Due: read again in the background.
    h.app.refresh_if_due(now + Duration::from_secs(31));
    h.settle().await;
    h.assert_shows("made-elsewhere");
    assert_eq!(h.app.state.policies_list.selected_index(), selected);
}

#[tokio::test]
async fn a_refresh_that_finds_a_pending_edits_policy_changed_says_so_at_once() {
    let emu = quiet_emulator().await;
    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    h.type_keys("a");
    h.type_keys("example.org\n");
    assert!(
        h.app
            .state
            .pending
            .contains_key(&PolicyId("corp-egress".into()))
    );

    support::allow_elsewhere(&emu, "corp-egress", "their-change.example.com").await;

    h.app
        .refresh_if_due(SystemTime::now() + Duration::from_secs(31));
    h.settle().await;
    let flash = h.app.state.flash.clone().unwrap_or_default();
    assert!(
        flash.contains("changed on the server since you started editing"),
        "{flash}"
    );
    // The pending edit is untouched.
    assert!(
        h.app
            .state
            .pending
            .contains_key(&PolicyId("corp-egress".into()))
    );
}

#[tokio::test]
async fn an_international_name_shows_its_unicode_form_next_to_the_punycode() {
    let emu = quiet_emulator().await;
    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    h.type_keys("a");
    h.type_keys("bücher.example\n");
    let screen = h.screen();
    assert!(
        screen.contains("xn--bcher-kva.example  (bücher.example)"),
        "{screen}"
    );
}
