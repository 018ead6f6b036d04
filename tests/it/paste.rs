//! Pasted text is text: it lands whole in the focused input and never acts as keys. A paste of
//! several names into the allow-list input is offered as a list, and what is confirmed is only
//! written after the usual review.

use crate::support::{self, Harness, emulator};
use crossterm::event::Event;
use dbx_tui::app::dialog::{self, InputFor};
use dbx_tui::app::editor::PolicyInput;
use dbx_tui::app::modal::Modal;
use dbx_tui::app::paste::MAX_INPUT_CHARS;

/// The allowed DNS names of the open policy with the pending edits applied.
fn draft_names(h: &Harness) -> Vec<String> {
    h.app
        .state
        .detail_draft()
        .unwrap()
        .internet_destinations()
        .iter()
        .map(|d| d.destination.clone())
        .collect()
}

async fn allow_input(emu: &dbx_tui::emulator::Emulator) -> Harness {
    let mut h = Harness::new(emu).await;
    h.open_policy("corp-egress").await;
    h.type_keys("a");
    assert!(
        matches!(
            &h.app.state.modal,
            Some(Modal::Input(dialog::Input {
                purpose: InputFor::Policy(PolicyInput::AddDns),
                ..
            }))
        ),
        "{:?}",
        h.app.state.modal
    );
    h
}

#[tokio::test]
async fn two_pasted_lines_are_offered_and_written_only_after_review() {
    let emu = emulator().await;
    let before = support::server_names(&emu, "corp-egress");
    let mut h = allow_input(&emu).await;

    h.app.handle_event(Event::Paste(
        "analytics.example.org\nwww.yammer.com\n".into(),
    ));
    h.settle().await;
    assert_eq!(
        support::server_names(&emu, "corp-egress"),
        before,
        "nothing written"
    );
    match &h.app.state.modal {
        Some(Modal::PasteOffer(offer)) => {
            assert_eq!(offer.names, ["analytics.example.org", "www.yammer.com"]);
            assert!(offer.rejected.is_empty(), "{:?}", offer.rejected);
        }
        other => panic!("expected the paste offer, got {other:?}"),
    }
    let screen = h.screen();
    assert!(
        screen.contains("Allow 2 names: analytics.example.org, www.yammer.com?"),
        "{screen}"
    );
    assert!(!draft_names(&h).contains(&"www.yammer.com".to_owned()));

    // y: pending edits, still nothing on the server.
    h.keys("y").await;
    assert!(h.app.state.modal.is_none(), "{:?}", h.app.state.modal);
    let draft = draft_names(&h);
    assert!(
        draft.contains(&"analytics.example.org".to_owned()),
        "{draft:?}"
    );
    assert!(draft.contains(&"www.yammer.com".to_owned()), "{draft:?}");
    assert_eq!(support::server_names(&emu, "corp-egress"), before);

    // The usual review writes both.
    h.keys("w").await;
    assert!(matches!(h.app.state.modal, Some(Modal::Review { .. })));
    h.keys("y").await;
    let after = support::server_names(&emu, "corp-egress");
    assert!(
        after.contains(&"analytics.example.org".to_owned()),
        "{after:?}"
    );
    assert!(after.contains(&"www.yammer.com".to_owned()), "{after:?}");
}

#[tokio::test]
async fn invalid_pasted_lines_are_listed_and_esc_returns_to_the_input() {
    let emu = emulator().await;
    let mut h = allow_input(&emu).await;
    h.type_keys("typed");
    h.app.handle_event(Event::Paste(
        "ok.example.com\r\nhttps://bad.example.com/path\r\npypi.org\r\nOK.example.com\r\n".into(),
    ));
    let Some(Modal::PasteOffer(offer)) = &h.app.state.modal else {
        panic!("{:?}", h.app.state.modal);
    };
    assert_eq!(offer.names, ["ok.example.com"]);
    let rejected: Vec<&str> = offer.rejected.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        rejected,
        ["https://bad.example.com/path", "pypi.org", "OK.example.com"]
    );
    let screen = h.screen();
    assert!(screen.contains("3 line(s) cannot be added"), "{screen}");
    assert!(screen.contains("https://bad.example.com/path"), "{screen}");

    // Esc: back to the input as it was, nothing added.
    h.type_keys("\x1b");
    match &h.app.state.modal {
        Some(Modal::Input(dialog::Input { input, .. })) => assert_eq!(input.value(), "typed"),
        other => panic!("{other:?}"),
    }
    assert!(!draft_names(&h).contains(&"ok.example.com".to_owned()));
}

#[tokio::test]
async fn a_paste_with_no_input_focused_does_nothing() {
    let emu = emulator().await;
    let before = support::server_names(&emu, "corp-egress");
    let mut h = Harness::new(&emu).await;
    h.open_policy("corp-egress").await;
    h.app.handle_event(Event::Paste("a.example.com\nwy".into()));
    h.settle().await;
    assert!(h.app.state.modal.is_none(), "{:?}", h.app.state.modal);
    assert!(
        h.app
            .state
            .flash
            .as_deref()
            .is_some_and(|f| f.contains("paste ignored")),
        "{:?}",
        h.app.state.flash
    );
    assert_eq!(support::server_names(&emu, "corp-egress"), before);
}

#[tokio::test]
async fn huge_pastes_are_handled_in_one_go() {
    let emu = emulator().await;
    let mut h = allow_input(&emu).await;

    // One line longer than any input holds: refused whole, with the reason.
    h.app.handle_event(Event::Paste("x".repeat(10_000)));
    assert!(
        h.app
            .state
            .flash
            .as_deref()
            .is_some_and(|f| f.contains(&format!("at most {MAX_INPUT_CHARS}"))),
        "{:?}",
        h.app.state.flash
    );
    // The console goes on: the next key lands in the input.
    h.type_keys("z");
    match &h.app.state.modal {
        Some(Modal::Input(dialog::Input { input, .. })) => assert_eq!(input.value(), "z"),
        other => panic!("{other:?}"),
    }

    // 500 names, over 10,000 characters: one offer with all of them.
    let names: Vec<String> = (0..500)
        .map(|i| format!("host-{i:04}.example.com"))
        .collect();
    let text = names.join("\n");
    assert!(text.len() > 10_000);
    h.app.handle_event(Event::Paste(text));
    match &h.app.state.modal {
        Some(Modal::PasteOffer(offer)) => assert_eq!(offer.names, names),
        other => panic!("{other:?}"),
    }
    let _ = h.screen();
}
