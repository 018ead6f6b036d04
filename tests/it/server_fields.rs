//! Databricks fills in fields it was not sent (`ingress`, `account_id`); a write that reads
//! back with them is a verified write, not a failure.

use crate::support::{Harness, emulator};

#[tokio::test]
async fn a_created_policy_that_reads_back_with_server_filled_ingress_is_verified() {
    let emu = emulator().await;
    let mut h = Harness::new(&emu).await;
    let acc = h.app.state.profiles[0].account_id.clone().unwrap();
    h.keys(":np\n").await;
    h.keys("cfilled-in\ny").await;
    let held = emu.handle().policy_raw(&acc, "filled-in").expect("created");
    assert_eq!(
        held["ingress"]["private_access"]["restriction_mode"], "ALLOW_ALL_REGISTERED_ENDPOINTS",
        "the emulator fills ingress in as Databricks does: {held}"
    );
    assert_eq!(held["account_id"], acc.as_str());
    let flash = h.app.state.flash.clone().unwrap_or_default();
    assert!(
        flash.contains("created filled-in"),
        "{flash:?} {:?}",
        h.app.state.last_error
    );
    let (entries, _) = h.journal().read_all().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "create_policy");
}
