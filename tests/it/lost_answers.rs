//! A create whose answer is lost (connection reset or a body cut short after the server acted)
//! is looked up on the server before anything is said, and never retried blindly.

use crate::support::{Harness, emulator};
use dbx_tui::emulator::{BodyFault, Emulator, FaultKind};
use std::time::SystemTime;

fn once(path: String, kind: FaultKind) -> BodyFault {
    BodyFault {
        path_prefix: path,
        method: Some("POST".into()),
        kind,
        times: 1,
    }
}

fn account_id(h: &Harness) -> String {
    h.app.state.profiles[0].account_id.clone().unwrap()
}

fn named(emu: &Emulator, acc: &str, name: &str) -> Vec<String> {
    emu.handle().service_principals_named(acc, name)
}

#[tokio::test]
async fn a_principal_whose_create_answer_is_lost_is_found_not_reported_failed() {
    for kind in [FaultKind::Truncated, FaultKind::ResetMidBody] {
        let emu = emulator().await;
        let mut h = Harness::new(&emu).await;
        h.app.state.now = SystemTime::now();
        let acc = account_id(&h);
        h.keys(":sp\n").await;
        emu.handle().inject_body_fault(once(
            format!("/api/2.0/accounts/{acc}/scim/v2/ServicePrincipals"),
            kind.clone(),
        ));
        h.keys("c").await;
        h.keys("lost-bot\n").await;
        h.keys("\n").await;
        h.keys("y").await;
        let ids = named(&emu, &acc, "lost-bot");
        assert_eq!(ids.len(), 1, "{kind:?}: created exactly once: {ids:?}");
        let flash = h.app.state.flash.clone().unwrap_or_default();
        assert!(
            flash.contains("created lost-bot"),
            "{kind:?}: flash {flash:?}, error {:?}",
            h.app.state.last_error
        );
        let (entries, _) = h.journal().read_all().unwrap();
        assert_eq!(entries.len(), 1, "{kind:?}: the create is journaled");
    }
}

#[tokio::test]
async fn a_secret_whose_create_answer_is_lost_is_named_for_deletion() {
    let emu = emulator().await;
    let mut h = Harness::new(&emu).await;
    h.app.state.now = SystemTime::now();
    let acc = account_id(&h);
    h.keys(":sp\n").await;
    h.keys("/dbt-cloud\n").await;
    let id = h.app.state.principals.selected().unwrap().id.clone();
    h.keys("\n").await;
    let before = emu.handle().secret_ids(&acc, &id);
    emu.handle().inject_body_fault(once(
        format!("/api/2.0/accounts/{acc}/servicePrincipals/{id}/credentials/secrets"),
        FaultKind::Truncated,
    ));
    h.keys("n").await;
    h.keys("30\n").await;
    let after = emu.handle().secret_ids(&acc, &id);
    assert_eq!(after.len(), before.len() + 1, "the server created one");
    let new = after.iter().find(|s| !before.contains(s)).unwrap();
    let error = h.app.state.last_error.clone().unwrap_or_default();
    assert!(
        error.contains(new.as_str()) && error.contains("delete that secret"),
        "{error}"
    );
}
