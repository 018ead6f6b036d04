//! Pending edits are never lost or misreported: they are kept per policy, writes in flight are
//! told apart by their request, and nothing drops pending edits without asking.

use crate::support;

use dbx_tui::api::PolicyId;
use dbx_tui::api::egress::{AccessType, EgressEvent};
use dbx_tui::app::confirm::Confirm;
use dbx_tui::app::modal::Modal;
use dbx_tui::app::state::View;
use dbx_tui::emulator::{BodyFault, FaultKind, RaceAnswer};
use dbx_tui::journal::{JournalEntry, now_rfc3339};
use std::collections::HashMap;
use std::time::Duration;
use support::{Harness, emulator, quiet_emulator};

fn pid(s: &str) -> PolicyId {
    PolicyId(s.to_owned())
}

/// Leave a pending edit on `policy`: open it, allow `name`, go back to the list.
async fn edit(h: &mut Harness, policy: &str, name: &str) {
    h.open_policy(policy).await;
    h.type_keys(&format!("a{name}\n"));
    assert!(h.app.state.pending.contains_key(&pid(policy)));
    // Back to the list, its filter cleared.
    h.keys(":np\n\x1b").await;
}

/// In `:np`, select `policy` by filter, open its review and apply it; nothing is awaited.
fn apply_from_list(h: &mut Harness, policy: &str) {
    h.type_keys(&format!("/{policy}\nwy\x1b"));
}

/// Pump actor events until nothing is in flight, noting every new flash message in order.
async fn flashes_until_idle(h: &mut Harness) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut seen: Vec<String> = Vec::new();
    loop {
        for cmd in h.app.take_commands() {
            assert!(h.actor.try_send(cmd), "actor queue full");
        }
        if h.app.state.in_flight.is_empty() {
            return seen;
        }
        let ev = tokio::time::timeout_at(deadline, h.events.recv())
            .await
            .expect("still in flight after 20 s")
            .expect("actor stopped");
        h.app.handle_actor_event(ev);
        if let Some(f) = &h.app.state.flash
            && seen.last() != Some(f)
        {
            seen.push(f.clone());
        }
    }
}

#[tokio::test]
async fn allow_from_the_log_adds_to_the_edits_already_pending() {
    let emu = quiet_emulator().await;
    let mut h = Harness::new(&emu).await;
    h.keys(":ws\n").await;
    let ws = h.app.state.workspaces_bound_to("corp-egress")[0].workspace_id;
    edit(&mut h, "corp-egress", "first.example.com").await;

    // The egress log shows a block of another name on a workspace bound to corp-egress.
    h.app.state.egress.paused = true;
    h.keys(":egress\n").await;
    let e = &mut h.app.state.egress;
    e.ingest(vec![EgressEvent {
        event_id: "ev-1".into(),
        event_time_ms: 1_700_000_000_000,
        workspace_id: ws.to_string(),
        destination: "second.example.com".into(),
        destination_type: "DNS".into(),
        access_type: AccessType::Drop,
        network_source_type: None,
        storage_path: None,
        rejection_reason: None,
    }]);
    e.rebuild(&HashMap::new());
    h.keys("a").await;

    assert_eq!(h.app.state.view, View::PolicyDetail);
    assert!(
        matches!(h.app.state.modal, Some(Modal::Review { .. })),
        "{:?} {:?}",
        h.app.state.modal,
        h.app.state.flash
    );
    assert_eq!(h.app.state.pending[&pid("corp-egress")].ops.len(), 2);
    let review = h.screen();
    assert!(review.contains("allow first.example.com"), "{review}");
    assert!(review.contains("allow second.example.com"), "{review}");
    h.keys("y").await;
    let held = support::server_names(&emu, "corp-egress");
    assert!(
        held.contains(&"first.example.com".to_owned())
            && held.contains(&"second.example.com".to_owned()),
        "{held:?}"
    );
}

#[tokio::test]
async fn two_writes_in_flight_are_each_reported_as_what_they_are() {
    let emu = emulator().await;
    let acc = support::account_id(&emu);
    let mut h = Harness::new(&emu).await;
    edit(&mut h, "corp-egress", "one.example.com").await;
    edit(&mut h, "finance-strict", "two.example.com").await;
    h.keys(":np\n").await;
    // A create, then both updates, all sent before any answer is read.
    h.type_keys("cbrand-new\ny");
    apply_from_list(&mut h, "corp-egress");
    apply_from_list(&mut h, "finance-strict");
    assert_eq!(h.app.state.writes.len(), 3);

    let flashes = flashes_until_idle(&mut h).await;
    for want in [
        "created brand-new",
        "applied 1 change(s) to corp-egress",
        "applied 1 change(s) to finance-strict",
    ] {
        assert!(
            flashes.iter().any(|f| f.starts_with(want)),
            "{want:?} not in {flashes:?}"
        );
    }
    assert!(
        !flashes.iter().any(
            |f| f.starts_with("created corp-egress") || f.starts_with("created finance-strict")
        ),
        "{flashes:?}"
    );
    assert!(h.app.state.pending.is_empty(), "{:?}", h.app.state.pending);
    assert!(h.app.state.writes.is_empty());
    assert!(emu.handle().policy_raw(&acc, "brand-new").is_some());
}

#[tokio::test]
async fn a_failed_write_leaves_another_write_applying() {
    let emu = emulator().await;
    let acc = support::account_id(&emu);
    let mut h = Harness::new(&emu).await;
    edit(&mut h, "corp-egress", "one.example.com").await;
    edit(&mut h, "finance-strict", "two.example.com").await;
    h.keys(":np\n").await;
    // finance-strict's PUT is slow; corp-egress's is refused at once.
    emu.handle().inject_body_fault(BodyFault {
        path_prefix: format!("/api/2.0/accounts/{acc}/network-policies/finance-strict"),
        method: Some("PUT".into()),
        kind: FaultKind::Latency { millis: 1500 },
        times: 1,
    });
    emu.handle().race_next(
        "PUT",
        &format!("/api/2.0/accounts/{acc}/network-policies/corp-egress"),
        RaceAnswer::Refuse(400),
        |_| {},
    );
    apply_from_list(&mut h, "finance-strict");
    apply_from_list(&mut h, "corp-egress");
    h.until("the refused write", |a| a.state.last_error.is_some())
        .await;

    assert!(h.app.state.writes.is_applying(&pid("finance-strict")));
    assert!(!h.app.state.writes.is_applying(&pid("corp-egress")));
    h.type_keys("/finance-strict\nw");
    let review = h.screen();
    assert!(review.contains("applying…"), "{review}");
    h.type_keys("n");

    h.settle().await;
    assert!(!h.app.state.pending.contains_key(&pid("finance-strict")));
    assert_eq!(
        h.app.state.pending[&pid("corp-egress")].ops.len(),
        1,
        "the refused edit is kept"
    );
}

#[tokio::test]
async fn quit_with_pending_edits_asks_and_keeps_them() {
    let emu = emulator().await;
    let mut h = Harness::new(&emu).await;
    edit(&mut h, "corp-egress", "keep.example.com").await;

    h.type_keys("q");
    assert!(!h.app.should_quit);
    assert!(matches!(
        h.app.state.modal,
        Some(Modal::Confirm(Confirm::Quit))
    ));
    let screen = h.screen();
    assert!(
        screen.contains("1 policy has unapplied changes: quit anyway? y/n"),
        "{screen}"
    );
    h.type_keys("n");
    assert!(!h.app.should_quit);
    assert!(h.app.state.modal.is_none());
    assert_eq!(h.app.state.pending.len(), 1);

    h.type_keys(":q\n");
    assert!(matches!(
        h.app.state.modal,
        Some(Modal::Confirm(Confirm::Quit))
    ));
    h.type_keys("\x1b");
    assert!(!h.app.should_quit);
    h.type_keys(":q\ny");
    assert!(h.app.should_quit);
}

#[tokio::test]
async fn quit_without_pending_edits_does_not_ask_and_ctrl_c_never_asks() {
    let emu = emulator().await;
    let mut h = Harness::new(&emu).await;
    h.type_keys("q");
    assert!(h.app.should_quit);

    let mut h = Harness::new(&emu).await;
    edit(&mut h, "corp-egress", "keep.example.com").await;
    h.ctrl('c');
    assert!(h.app.should_quit, "ctrl-c is the emergency exit");
}

#[tokio::test]
async fn switching_profile_with_pending_edits_asks() {
    let emu = emulator().await;
    let mut h = Harness::new(&emu).await;
    let other = h.app.state.profiles[1].name.clone();
    edit(&mut h, "corp-egress", "keep.example.com").await;

    h.keys(&format!(":ctx {other}\n")).await;
    assert!(
        matches!(
            &h.app.state.modal,
            Some(Modal::Confirm(Confirm::SwitchProfile { name, .. })) if *name == other
        ),
        "{:?}",
        h.app.state.modal
    );
    assert!(
        h.screen()
            .contains(&format!("switch to {other} and discard them? y/n")),
        "{}",
        h.screen()
    );
    h.keys("n").await;
    assert_eq!(h.app.state.session.as_ref().unwrap().profile, "demo-aws");
    assert_eq!(h.app.state.pending.len(), 1);

    // From the contexts list too; y switches and drops them.
    h.keys(&format!(":ctx\n/{other}\n\n")).await;
    assert!(matches!(
        h.app.state.modal,
        Some(Modal::Confirm(Confirm::SwitchProfile { .. }))
    ));
    h.keys("y").await;
    assert_eq!(h.app.state.session.as_ref().unwrap().profile, other);
    assert!(h.app.state.pending.is_empty());
    assert_ne!(h.app.state.view, View::Contexts);
}

#[tokio::test]
async fn undo_over_pending_edits_asks_before_dropping_them() {
    let emu = emulator().await;
    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    h.keys("anew.example.net\nwy").await;
    assert!(h.app.state.pending.is_empty());
    h.type_keys("aother.example.org\n");
    h.keys(":history\n").await;

    h.keys("u").await;
    assert!(
        matches!(
            h.app.state.modal,
            Some(Modal::Confirm(Confirm::UndoOverPending { .. }))
        ),
        "{:?}",
        h.app.state.modal
    );
    let screen = h.screen();
    assert!(
        screen.contains("corp-egress has 1 edit not applied yet: discard it and review the undo?"),
        "{screen}"
    );
    h.keys("n").await;
    assert_eq!(h.app.state.view, View::History);
    let kept = &h.app.state.pending[&pid("corp-egress")];
    assert_eq!(kept.ops.len(), 1);
    assert!(kept.ops[0].describe().contains("other.example.org"));

    h.keys("uy").await;
    assert!(matches!(h.app.state.modal, Some(Modal::Review { .. })));
    let ops = &h.app.state.pending[&pid("corp-egress")].ops;
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].describe(), "stop allowing new.example.net");
}

#[tokio::test]
async fn an_undo_that_changes_nothing_says_there_is_nothing_to_undo() {
    let emu = emulator().await;
    let acc = support::account_id(&emu);
    let original = emu.handle().policy_raw(&acc, "corp-egress").unwrap();
    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    h.keys("anew.example.net\nwy").await;
    // Someone already put it back the way it was.
    emu.handle().put_policy_raw(&acc, original.clone());
    h.keys(":history\n").await;
    h.keys("u").await;
    assert!(h.app.state.modal.is_none(), "{:?}", h.app.state.modal);
    assert!(h.app.state.pending.is_empty());
    let flash = h.app.state.flash.clone().unwrap_or_default();
    assert!(flash.contains("nothing to undo"), "{flash}");

    // A journal entry whose before and after are the same.
    h.journal()
        .append(&JournalEntry {
            time: now_rfc3339(),
            profile: "demo-aws".into(),
            principal: "someone".into(),
            action: "update_policy".into(),
            policy_id: "corp-egress".into(),
            workspace_id: None,
            before: Some(original.clone()),
            after: Some(original),
        })
        .unwrap();
    h.keys(":history\n").await;
    h.keys("r").await;
    assert_eq!(h.app.state.history.journal.len(), 2);
    h.type_keys("gu");
    assert!(h.app.state.modal.is_none(), "{:?}", h.app.state.modal);
    let flash = h.app.state.flash.clone().unwrap_or_default();
    assert!(flash.contains("nothing to undo"), "{flash}");
    assert!(h.app.state.in_flight.is_empty(), "nothing is even read");
    assert_eq!(
        h.journal().read_all().unwrap().0.len(),
        2,
        "nothing written"
    );
}
