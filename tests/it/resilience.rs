//! Faults never freeze the UI or lose data: retries are visible, panics are contained, odd
//! terminal sizes and huge pastes are survived.

use crate::support;

use crossterm::event::Event;
use dbx_tui::actor::{
    ActorEvent, Command, PoliciesRequest, PoliciesSlot, Request, RequestId, Slot,
    WorkspacesRequest, WorkspacesSlot,
};
use dbx_tui::app::dialog;
use dbx_tui::app::modal::Modal;
use dbx_tui::emulator::Fault;
use std::time::Duration;
use support::{Harness, emulator, profiles};

async fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<ActorEvent>) -> ActorEvent {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("no actor event in 20 s")
        .expect("actor gone")
}

#[tokio::test]
async fn retries_are_reported_then_succeed() {
    let emu = emulator().await;
    let acc = emu.accounts()[0].account_id.clone();
    let dir = tempfile::tempdir().unwrap();
    let (actor, mut rx) =
        dbx_tui::actor::spawn(dbx_tui::journal::Journal::at(dir.path().join("j")));
    let profile = profiles(&emu).remove(0);
    assert!(actor.try_send(Command::Connect(Box::new(profile))));
    assert!(matches!(next(&mut rx).await, ActorEvent::Connected(Ok(_))));
    emu.handle().inject_fault(Fault {
        path_prefix: format!("/api/2.0/accounts/{acc}/workspaces"),
        status: 503,
        retry_after_secs: Some(0),
        times: 2,
    });
    let id = RequestId(1);
    assert!(actor.try_send(Command::Send {
        id,
        slot: Slot::Workspaces(WorkspacesSlot::List),
        request: Request::Workspaces(WorkspacesRequest::List)
    }));
    let mut notices = Vec::new();
    loop {
        match next(&mut rx).await {
            ActorEvent::Retrying { id: rid, notice } if rid == id => notices.push(notice),
            ActorEvent::Finished { id: fid, error, .. } if fid == id => {
                assert!(error.is_none(), "{error:?}");
                break;
            }
            _ => {}
        }
    }
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert_eq!(
        (
            notices[0].attempt,
            notices[0].max_attempts,
            notices[0].reason.as_str()
        ),
        (2, 5, "503")
    );
    assert_eq!(notices[1].attempt, 3);
}

#[tokio::test]
async fn the_footer_says_when_a_request_is_retrying() {
    let emu = emulator().await;
    let acc = emu.accounts()[0].account_id.clone();
    let mut h = Harness::new(&emu).await;
    emu.handle().inject_fault(Fault {
        path_prefix: format!("/api/2.0/accounts/{acc}/workspaces"),
        status: 429,
        retry_after_secs: Some(1),
        times: 1,
    });
    h.type_keys("r");
    for cmd in h.app.take_commands() {
        assert!(h.actor.try_send(cmd));
    }
    // Feed events until the retry shows, then check the screen says so.
    loop {
        let ev = next(&mut h.events).await;
        let retry = matches!(ev, ActorEvent::Retrying { .. });
        h.app.handle_actor_event(ev);
        if retry {
            break;
        }
    }
    let screen = h.screen();
    assert!(screen.contains("retrying (2/5) after 429"), "{screen}");
    h.settle().await;
    assert!(
        !h.screen().contains("retrying"),
        "the notice must clear once the request finishes"
    );
    assert!(
        h.app.state.last_error.is_none(),
        "{:?}",
        h.app.state.last_error
    );
}

#[tokio::test]
async fn a_panic_in_a_request_is_an_error_and_the_actor_keeps_serving() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let (actor, mut rx) =
        dbx_tui::actor::spawn(dbx_tui::journal::Journal::at(dir.path().join("j")));
    assert!(actor.try_send(Command::Connect(Box::new(profiles(&emu).remove(0)))));
    assert!(matches!(next(&mut rx).await, ActorEvent::Connected(Ok(_))));
    assert!(actor.try_send(Command::Send {
        id: RequestId(7),
        slot: Slot::Policies(PoliciesSlot::List),
        request: Request::PanicForTest
    }));
    loop {
        if let ActorEvent::Finished {
            id: RequestId(7),
            error,
            ..
        } = next(&mut rx).await
        {
            assert!(error.unwrap().to_string().contains("internal error"));
            break;
        }
    }
    assert!(actor.try_send(Command::Send {
        id: RequestId(8),
        slot: Slot::Policies(PoliciesSlot::List),
        request: Request::Policies(PoliciesRequest::List)
    }));
    loop {
        if let ActorEvent::Finished {
            id: RequestId(8),
            error,
            ..
        } = next(&mut rx).await
        {
            assert!(error.is_none(), "{error:?}");
            break;
        }
    }
}

#[tokio::test]
async fn a_failed_write_keeps_the_pending_edit() {
    let emu = emulator().await;
    let acc = emu.accounts()[0].account_id.clone();
    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    h.type_keys("akeep.example.com\n");
    emu.handle().inject_fault(Fault {
        path_prefix: format!("/api/2.0/accounts/{acc}/network-policies/corp-egress"),
        status: 500,
        retry_after_secs: None,
        times: 1,
    });
    h.keys("wy").await;
    assert!(h.app.state.last_error.is_some());
    assert_eq!(
        h.app.state.pending.len(),
        1,
        "the edit must survive a failed write"
    );
    // Try again: it applies.
    h.keys("wy").await;
    assert!(h.app.state.pending.is_empty());
}

#[tokio::test]
async fn tiny_terminals_and_huge_pastes_keep_state() {
    let emu = emulator().await;
    let mut h = Harness::new(&emu).await;
    h.keys(":np\n").await;
    h.type_keys("jj");
    let selected = h.app.state.policies_list.selected;
    h.app.handle_event(Event::Resize(20, 8));
    h.app.state.size = (20, 8);
    let _ = h.screen();
    h.app.handle_event(Event::Resize(120, 40));
    h.app.state.size = (120, 40);
    assert_eq!(h.app.state.policies_list.selected, selected);
    assert!(h.screen().contains("Network policies ("));

    h.keys("/corp\n\n").await;
    h.type_keys("a");
    // Past what an input holds: refused whole, in one step, with the reason.
    h.app.handle_event(Event::Paste("x".repeat(10_000)));
    let _ = h.screen();
    match &h.app.state.modal {
        Some(Modal::Input(dialog::Input { input, .. })) => assert_eq!(input.value(), ""),
        other => panic!("{other:?}"),
    }
    assert!(
        h.app
            .state
            .flash
            .as_deref()
            .is_some_and(|f| f.contains("at most 4096")),
        "{:?}",
        h.app.state.flash
    );
    // A long paste that fits is kept, and explained rather than discarded.
    let big = "x".repeat(1_000);
    h.app.handle_event(Event::Paste(big.clone()));
    let _ = h.screen();
    match &h.app.state.modal {
        Some(Modal::Input(dialog::Input { input, .. })) => assert_eq!(input.value().len(), 1_000),
        other => panic!("{other:?}"),
    }
    h.type_keys("\n");
    match &h.app.state.modal {
        Some(Modal::Input(dialog::Input {
            error: Some(e),
            input,
            ..
        })) => {
            assert!(e.contains("253") || e.contains("63"), "{e}");
            assert_eq!(input.value(), big, "the typed text is kept");
        }
        other => panic!("{other:?}"),
    }
}

mod body_faults {
    use super::*;
    use dbx_tui::api::client::http_client;
    use dbx_tui::api::{ApiClient, ApiError, network_policies, workspaces};
    use dbx_tui::emulator::{BodyFault, FaultKind};

    fn fault(prefix: &str, method: Option<&str>, kind: FaultKind) -> BodyFault {
        BodyFault {
            path_prefix: prefix.into(),
            method: method.map(str::to_owned),
            kind,
            times: 1,
        }
    }

    fn client(emu: &dbx_tui::emulator::Emulator) -> (ApiClient, String) {
        let p = profiles(emu).remove(0);
        let acc = p.account_id.clone().unwrap();
        let auth = dbx_tui::auth::provider_for(&p).unwrap();
        (ApiClient::new(http_client(), &emu.base_url(), auth), acc)
    }

    #[tokio::test]
    async fn odd_but_valid_answers_are_read() {
        let emu = emulator().await;
        let (c, acc) = client(&emu);
        let path = format!("/api/2.0/accounts/{acc}/workspaces");
        let expected = workspaces::list(&c, &acc).await.unwrap();
        for kind in [
            FaultKind::Latency { millis: 200 },
            FaultKind::ExtraFields,
            FaultKind::MissingOptional,
            FaultKind::Huge { bytes: 2_000_000 },
            FaultKind::SlowDrip {
                chunk: 512,
                pause_millis: 2,
            },
        ] {
            emu.handle()
                .inject_body_fault(fault(&path, None, kind.clone()));
            let got = workspaces::list(&c, &acc)
                .await
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            let ids: Vec<_> = got.iter().map(|w| w.workspace_id).collect();
            let want: Vec<_> = expected.iter().map(|w| w.workspace_id).collect();
            assert_eq!(ids, want, "{kind:?}");
        }
    }

    #[tokio::test]
    async fn broken_answers_are_errors_that_name_the_endpoint() {
        let emu = emulator().await;
        let (c, acc) = client(&emu);
        let path = format!("/api/2.0/accounts/{acc}/network-policies");
        for kind in [FaultKind::Truncated, FaultKind::Malformed] {
            emu.handle()
                .inject_body_fault(fault(&path, None, kind.clone()));
            let err = network_policies::list(&c, &acc).await.unwrap_err();
            assert!(matches!(err, ApiError::Decode { .. }), "{kind:?}: {err:?}");
            let msg = err.user_message();
            assert!(msg.contains(&path), "{msg}");
        }
        // A reset in the middle of a read is retried.
        emu.handle()
            .inject_body_fault(fault(&path, None, FaultKind::ResetMidBody));
        assert!(network_policies::list(&c, &acc).await.is_ok());
    }

    #[tokio::test]
    async fn a_write_interrupted_by_a_reset_is_applied_exactly_once() {
        let emu = emulator().await;
        let acc = emu.accounts()[0].account_id.clone();
        let mut h = Harness::new(&emu).await;
        h.open_policy("corp-egress").await;
        h.type_keys("aonce.example.com\n");
        emu.handle().inject_body_fault(fault(
            &format!("/api/2.0/accounts/{acc}/network-policies/corp-egress"),
            Some("PUT"),
            FaultKind::ResetMidBody,
        ));
        h.keys("wy").await;
        h.assert_nothing_pending();
        let held = emu.handle().policy_raw(&acc, "corp-egress").unwrap();
        let n = held["egress"]["network_access"]["allowed_internet_destinations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["destination"] == "once.example.com")
            .count();
        assert_eq!(n, 1);
        assert_eq!(h.journal().read_all().unwrap().0.len(), 1);

        // A create whose answer is lost is checked on the server, not retried blindly.
        h.keys(":np\n").await;
        emu.handle().inject_body_fault(fault(
            &format!("/api/2.0/accounts/{acc}/network-policies"),
            Some("POST"),
            FaultKind::ResetMidBody,
        ));
        h.keys("clost-answer\ny").await;
        assert!(emu.handle().policy_raw(&acc, "lost-answer").is_some());
        assert!(
            h.app
                .state
                .flash
                .as_deref()
                .unwrap_or("")
                .contains("created lost-answer"),
            "{:?} {:?}",
            h.app.state.flash,
            h.app.state.last_error
        );
    }

    async fn emulator_with_fault_routes(on: bool) -> dbx_tui::emulator::Emulator {
        let opts = dbx_tui::emulator::EmulatorOptions {
            fault_routes: on,
            ..Default::default()
        };
        support::emulator_with(opts).await
    }

    #[tokio::test]
    async fn the_fault_route_is_off_unless_asked_for() {
        let emu = emulator_with_fault_routes(false).await;
        let http = crate::support::http();
        let url = format!("{}/__emulator/faults", emu.base_url());
        let f = serde_json::json!({"path_prefix": "/api/2.0/preview/scim/v2/Me", "kind": {"kind": "malformed"}});
        assert_eq!(http.post(&url).json(&f).send().await.unwrap().status(), 404);
        assert_eq!(http.delete(&url).send().await.unwrap().status(), 404);
        let me = http
            .get(format!("{}/api/2.0/preview/scim/v2/Me", emu.base_url()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!me.contains("not json"), "no fault was injected: {me}");
    }

    #[tokio::test]
    async fn huge_faults_are_capped() {
        let emu = emulator().await;
        let a = emu.accounts().remove(0);
        let path = format!("/api/2.0/accounts/{}/workspaces", a.account_id);
        emu.handle()
            .inject_body_fault(fault(&path, None, FaultKind::Huge { bytes: 64 << 20 }));
        let body = crate::support::http()
            .get(format!("{}{path}", emu.base_url()))
            .bearer_auth(&a.admin_token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(
            body.len() > dbx_tui::emulator::MAX_HUGE_BYTES
                && body.len() < dbx_tui::emulator::MAX_HUGE_BYTES + (1 << 20),
            "{} bytes",
            body.len()
        );
    }

    #[tokio::test]
    async fn faults_can_be_injected_over_http() {
        let emu = emulator_with_fault_routes(true).await;
        let http = crate::support::http();
        let url = format!("{}/__emulator/faults", emu.base_url());
        let f = serde_json::json!({"path_prefix": "/api/2.0/preview/scim/v2/Me", "kind": {"kind": "malformed"}});
        assert_eq!(http.post(&url).json(&f).send().await.unwrap().status(), 204);
        let body = http
            .get(format!("{}/api/2.0/preview/scim/v2/Me", emu.base_url()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains("not json"), "{body}");
        assert_eq!(http.delete(&url).send().await.unwrap().status(), 204);
    }
}
