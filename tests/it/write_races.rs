//! A write that has to be retried never overwrites a change another admin made between its
//! attempts: the emulator answers the first PUT with an error and lets "someone else" change
//! the object meanwhile (`EmulatorHandle::race_next`).

use crate::support;

use dbx_tui::app::confirm::Confirm;
use dbx_tui::app::modal::Modal;
use dbx_tui::emulator::{Emulator, RaceAnswer};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use support::{Harness, emulator};

fn account(emu: &Emulator) -> String {
    emu.accounts()[0].account_id.clone()
}

fn policy_path(acc: &str, id: &str) -> String {
    format!("/api/2.0/accounts/{acc}/network-policies/{id}")
}

fn dns_names(v: &serde_json::Value) -> Vec<String> {
    v["egress"]["network_access"]["allowed_internet_destinations"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["destination"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Another admin allows `their-domain.io` on corp-egress.
fn their_change(acc: String) -> impl FnOnce(&dbx_tui::emulator::EmulatorHandle) + Send {
    move |h| {
        let mut theirs = h.policy_raw(&acc, "corp-egress").unwrap();
        theirs["egress"]["network_access"]["allowed_internet_destinations"]
            .as_array_mut()
            .unwrap()
            .push(
                json!({"destination": "their-domain.io", "internet_destination_type": "DNS_NAME"}),
            );
        h.put_policy_raw(&acc, theirs);
    }
}

/// Arms a race on the next PUT to `path` that only records that the PUT was sent.
fn watch_next_put(emu: &Emulator, path: &str) -> Arc<AtomicBool> {
    let sent = Arc::new(AtomicBool::new(false));
    let flag = sent.clone();
    emu.handle()
        .race_next("PUT", path, RaceAnswer::Refuse(400), move |_| {
            flag.store(true, Ordering::SeqCst);
        });
    sent
}

#[tokio::test]
async fn a_policy_change_made_between_two_attempts_is_a_conflict_not_overwritten() {
    let emu = emulator().await;
    let acc = account(&emu);
    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    h.type_keys("aexample.org\n");
    emu.handle().race_next(
        "PUT",
        &policy_path(&acc, "corp-egress"),
        RaceAnswer::Refuse(503),
        their_change(acc.clone()),
    );
    h.type_keys("wy");
    // The footer still says a retry is coming.
    h.until("the retry notice", |a| {
        a.state
            .retrying
            .values()
            .any(|t| t.contains("retrying (2/5) after 503"))
    })
    .await;
    h.settle().await;

    let held = dns_names(&emu.handle().policy_raw(&acc, "corp-egress").unwrap());
    assert!(
        held.contains(&"their-domain.io".to_owned()),
        "their change was overwritten: {held:?}"
    );
    assert!(!held.contains(&"example.org".to_owned()), "{held:?}");
    assert!(
        matches!(h.app.state.modal, Some(Modal::Conflict { .. })),
        "{:?} {:?}",
        h.app.state.modal,
        h.app.state.last_error
    );
    assert!(h.screen().contains("their-domain.io"), "{}", h.screen());
    assert_eq!(h.app.state.pending.len(), 1, "the pending edit is kept");
    assert!(h.journal().read_all().unwrap().0.is_empty());
}

#[tokio::test]
async fn a_policy_write_retried_with_no_change_between_is_applied_and_verified() {
    let emu = emulator().await;
    let acc = account(&emu);
    let before = emu.handle().policy_raw(&acc, "corp-egress").unwrap();
    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    h.type_keys("aexample.org\n");
    emu.handle().race_next(
        "PUT",
        &policy_path(&acc, "corp-egress"),
        RaceAnswer::Refuse(503),
        |_| {},
    );
    h.keys("wy").await;
    assert!(
        h.app.state.pending.is_empty(),
        "{:?}",
        h.app.state.last_error
    );
    assert!(
        h.screen().contains("applied 1 change(s) to corp-egress"),
        "{}",
        h.screen()
    );
    let held = dns_names(&emu.handle().policy_raw(&acc, "corp-egress").unwrap());
    assert!(held.contains(&"example.org".to_owned()), "{held:?}");
    let (entries, _) = h.journal().read_all().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].before.as_ref(), Some(&before));
}

#[tokio::test]
async fn a_policy_write_whose_answer_was_lost_is_recognised_and_not_sent_again() {
    let emu = emulator().await;
    let acc = account(&emu);
    let path = policy_path(&acc, "corp-egress");
    let before = emu.handle().policy_raw(&acc, "corp-egress").unwrap();
    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    h.type_keys("aexample.org\n");
    // The PUT lands but its answer is lost (a gateway timeout).
    emu.handle()
        .race_next("PUT", &path, RaceAnswer::LoseAnswer(504), |_| {});
    let resent = watch_next_put(&emu, &path);
    h.keys("wy").await;
    assert!(
        !resent.load(Ordering::SeqCst),
        "the PUT was sent again after it had landed"
    );
    assert!(
        h.app.state.pending.is_empty(),
        "{:?}",
        h.app.state.last_error
    );
    assert!(
        h.screen().contains("applied 1 change(s) to corp-egress"),
        "{}",
        h.screen()
    );
    let (entries, _) = h.journal().read_all().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].before.as_ref(), Some(&before));
    assert!(dns_names(entries[0].after.as_ref().unwrap()).contains(&"example.org".to_owned()));
}

/// `:ws`, select sandbox-ds, `b`, pick finance-strict: the bind confirmation is open.
async fn confirm_bind_sandbox_to_finance(h: &mut Harness) -> i64 {
    h.keys(":ws\n/sandbox-ds\n").await;
    let ws =
        h.app.state.workspaces[h.app.state.workspaces_list.selected_index().unwrap()].workspace_id;
    h.keys("b").await;
    let target = h
        .app
        .state
        .policies
        .iter()
        .position(|p| p.id() == "finance-strict")
        .unwrap();
    for _ in 0..target {
        h.type_keys("j");
    }
    h.type_keys("\n");
    assert!(matches!(
        h.app.state.modal,
        Some(Modal::Confirm(Confirm::Bind { .. }))
    ));
    ws.0
}

#[tokio::test]
async fn a_binding_changed_between_two_attempts_is_a_conflict_not_overwritten() {
    let emu = emulator().await;
    let acc = account(&emu);
    let mut h = Harness::new(&emu).await;
    let ws = confirm_bind_sandbox_to_finance(&mut h).await;
    let acc2 = acc.clone();
    emu.handle().race_next(
        "PUT",
        &format!("/api/2.0/accounts/{acc}/workspaces/{ws}/network"),
        RaceAnswer::Refuse(503),
        move |e| e.set_binding_raw(&acc2, ws, "marketing-dryrun"),
    );
    h.keys("y").await;
    assert_eq!(
        emu.handle().binding(&acc, ws).as_deref(),
        Some("marketing-dryrun"),
        "their binding was overwritten"
    );
    let err = h.app.state.last_error.clone().unwrap_or_default();
    assert!(
        err.contains("now bound to marketing-dryrun") && err.contains("nothing was written"),
        "{err}"
    );
    assert!(h.journal().read_all().unwrap().0.is_empty());
}

#[tokio::test]
async fn a_binding_retried_with_no_change_between_is_applied_and_verified() {
    let emu = emulator().await;
    let acc = account(&emu);
    let mut h = Harness::new(&emu).await;
    let ws = confirm_bind_sandbox_to_finance(&mut h).await;
    let path = format!("/api/2.0/accounts/{acc}/workspaces/{ws}/network");
    emu.handle()
        .race_next("PUT", &path, RaceAnswer::LoseAnswer(504), |_| {});
    let resent = watch_next_put(&emu, &path);
    h.keys("y").await;
    assert!(
        !resent.load(Ordering::SeqCst),
        "the PUT was sent again after it had landed"
    );
    assert_eq!(
        emu.handle().binding(&acc, ws).as_deref(),
        Some("finance-strict"),
        "{:?}",
        h.app.state.last_error
    );
    let (entries, _) = h.journal().read_all().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0].before.as_ref().unwrap()["network_policy_id"],
        "default-policy"
    );
}
