//! A token endpoint that is down (HTTP 5xx) is an outage, not a refused credential; and the
//! footer's error goes away once the same kind of call works again.

use crate::support::{Harness, emulator, profiles};
use dbx_tui::auth::check::{Failure, check_profile};
use dbx_tui::emulator::Fault;
use std::time::Duration;

fn token_down(acc: &str) -> Fault {
    Fault {
        path_prefix: format!("/oidc/accounts/{acc}/v1/token"),
        status: 503,
        retry_after_secs: None,
        times: 1000,
    }
}

#[tokio::test]
async fn a_503_from_the_token_endpoint_is_an_outage_and_the_error_clears_on_success() {
    let emu = emulator().await;
    let acc = emu.accounts()[0].account_id.clone();
    emu.handle().inject_fault(token_down(&acc));
    let mut h = Harness::new(&emu).await;
    let err = h.app.state.last_error.clone().unwrap_or_default();
    assert!(
        err.contains("is unavailable (HTTP 503), try again later"),
        "{err}"
    );
    assert!(!err.contains("refused"), "{err}");
    assert!(!err.contains("authentication failed"), "{err}");
    h.assert_shows("error: the token endpoint");

    // The endpoint is back: the same view loads, and the footer stops showing the old error.
    emu.handle().clear_faults();
    h.keys("r").await;
    assert!(!h.app.state.workspaces.is_empty());
    assert_eq!(h.app.state.last_error, None);
    assert!(!h.screen().contains("error:"), "{}", h.screen());
}

#[tokio::test]
async fn auth_check_names_a_token_endpoint_outage() {
    let emu = emulator().await;
    let acc = emu.accounts()[0].account_id.clone();
    emu.handle().inject_fault(token_down(&acc));
    let p = profiles(&emu).remove(0);
    let report = check_profile(&p, Duration::from_secs(10)).await;
    let (kind, detail) = report.outcome.unwrap_err();
    assert_eq!(kind, Failure::TokenEndpointDown, "{detail}");
    assert!(detail.contains("try again later"), "{detail}");
}
