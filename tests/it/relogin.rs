//! Signing in again from inside the app (issue 14): an `external-browser` profile whose login
//! is missing or was revoked says so in the header, the sign-in key opens the dialog, the test
//! plays the browser (GET the authorize address the dialog shows, follow the redirect to the
//! loopback listener), and the view reloads with its filter kept. A forged `state` is refused;
//! Esc drops the listener.

use crate::keyring_store::mock_store;
use crate::support::Harness;
use crossterm::event::KeyCode;
use dbx_tui::actor::SignInEvent;
use dbx_tui::app::App;
use dbx_tui::app::modal::Modal;
use dbx_tui::app::signin::Phase;
use dbx_tui::auth::u2m::SessionFailure;
use dbx_tui::config::{Profile, ProfileSource};
use dbx_tui::emulator::{Emulator, EmulatorOptions};
use reqwest::header::LOCATION;
use std::time::Duration;

async fn emulator() -> Emulator {
    let opts = EmulatorOptions {
        egress_events_per_sec: 0.0,
        egress_backfill: 0,
        ..EmulatorOptions::default()
    };
    Emulator::start(opts, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// The app on one `external-browser` account profile `me`, nothing in the keyring for it.
async fn harness(emu: &Emulator) -> Harness {
    let mut p = Profile::empty("me", ProfileSource::Demo);
    p.host = Some(emu.base_url());
    p.account_id = Some(emu.accounts()[0].account_id.clone());
    p.auth_type = Some("external-browser".into());
    Harness::on(vec![p], "me", (120, 40)).await
}

fn sign_in_needed(app: &App) -> Option<SessionFailure> {
    app.state.session.as_ref().and_then(|s| s.sign_in)
}

/// The address the dialog shows, once the actor has it.
async fn dialog_url(h: &mut Harness) -> String {
    h.until("the sign-in address", |app| {
        matches!(&app.state.modal, Some(Modal::SignIn(d)) if matches!(d.phase, Phase::Waiting { .. }))
    })
    .await;
    match &h.app.state.modal {
        Some(Modal::SignIn(d)) => match &d.phase {
            Phase::Waiting { url, listening, .. } => {
                assert!(listening, "a loopback port was bound");
                url.clone()
            }
            other => panic!("{other:?}"),
        },
        _ => unreachable!(),
    }
}

/// The browser: the authorize page answers with a redirect to the loopback listener, which the
/// browser follows (with `tamper` applied to it first).
async fn play_browser(url: &str, tamper: fn(&str) -> String) {
    let no_redirects = crate::support::http_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects.get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let back = tamper(r.headers()[LOCATION].to_str().unwrap());
    assert!(back.starts_with("http://localhost:80"), "{back}");
    let page = reqwest::get(&back).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
}

async fn sign_in_through_the_dialog(h: &mut Harness) {
    h.type_keys("S");
    let url = dialog_url(h).await;
    // The browser runs beside the app, as a person's would.
    let browser = tokio::spawn(async move { play_browser(&url, str::to_owned).await });
    h.until("the session to be renewed", |app| {
        app.state.modal.is_none() && sign_in_needed(app).is_none()
    })
    .await;
    browser.await.unwrap();
    h.settle().await;
}

#[tokio::test]
async fn a_revoked_login_is_renewed_from_the_header_without_losing_the_filter() {
    mock_store();
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    // Never signed in: the first call says so, and the header offers the sign-in key.
    assert_eq!(sign_in_needed(&h.app), Some(SessionFailure::NotSignedIn));
    assert!(
        h.screen()
            .contains("not signed in — press S to sign in again")
    );

    sign_in_through_the_dialog(&mut h).await;
    assert!(!h.app.state.workspaces.is_empty(), "{}", h.screen());
    assert!(
        h.app
            .state
            .flash
            .as_deref()
            .unwrap()
            .starts_with("signed in to")
    );
    let name = h.app.state.workspaces[0].workspace_name.clone();
    h.keys(&format!("/{name}\n")).await;
    let shown = h.app.state.workspaces_list.len();

    // An admin revokes the session: the next call fails and the header says what to do.
    emu.handle().revoke_u2m_sessions();
    h.keys("r").await;
    assert_eq!(sign_in_needed(&h.app), Some(SessionFailure::Expired));
    let screen = h.screen();
    assert!(
        screen.contains("session expired — press S to sign in again"),
        "{screen}"
    );
    assert!(screen.contains("<S> sign in again"), "footer: {screen}");
    // Help lists the key with the others that work everywhere.
    h.type_keys("?");
    assert!(
        h.screen()
            .contains("sign in again when your login has expired")
    );
    h.type_keys("?");

    sign_in_through_the_dialog(&mut h).await;
    let screen = h.screen();
    assert!(!screen.contains("session expired"), "{screen}");
    assert!(screen.contains(&name), "{screen}");
    assert_eq!(h.app.state.workspaces_list.filter, name, "the filter stays");
    assert_eq!(h.app.state.workspaces_list.len(), shown);
}

fn forged_state(loc: &str) -> String {
    let (head, _) = loc.split_once("state=").unwrap();
    format!("{head}state=forged-state")
}

#[tokio::test]
async fn an_answer_with_a_forged_state_is_refused_and_r_starts_again() {
    mock_store();
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    h.type_keys("S");
    let url = dialog_url(&mut h).await;
    let browser = tokio::spawn(async move { play_browser(&url, forged_state).await });
    h.until("the refusal", |app| {
        matches!(&app.state.modal, Some(Modal::SignIn(d)) if matches!(d.phase, Phase::Failed(_)))
    })
    .await;
    browser.await.unwrap();
    let screen = h.screen();
    assert!(screen.contains("state does not match"), "{screen}");
    assert_eq!(sign_in_needed(&h.app), Some(SessionFailure::NotSignedIn));
    assert!(h.app.state.workspaces.is_empty());

    // r starts a new sign-in, which works.
    h.type_keys("r");
    let url = dialog_url(&mut h).await;
    let browser = tokio::spawn(async move { play_browser(&url, str::to_owned).await });
    h.until("signed in", |app| {
        sign_in_needed(app).is_none() && app.state.modal.is_none()
    })
    .await;
    browser.await.unwrap();
    h.settle().await;
    assert!(!h.app.state.workspaces.is_empty());
}

#[tokio::test]
async fn esc_cancels_the_wait_and_drops_the_listener() {
    mock_store();
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    h.type_keys("S");
    let url = dialog_url(&mut h).await;
    let redirect = reqwest::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let port: u16 = redirect.rsplit(':').next().unwrap().parse().unwrap();
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
        "the listener waits on {port}"
    );
    h.key(KeyCode::Esc);
    assert!(h.app.state.modal.is_none());
    for cmd in h.app.take_commands() {
        assert!(h.actor.try_send(cmd));
    }
    // The actor drops the listener with the sign-in: the port stops accepting.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "port {port} still listens after esc"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(sign_in_needed(&h.app), Some(SessionFailure::NotSignedIn));
}

#[tokio::test]
async fn without_a_free_port_the_redirected_address_is_pasted_into_the_dialog() {
    mock_store();
    let emu = emulator().await;
    let mut h = harness(&emu).await;
    h.type_keys("S");
    let url = dialog_url(&mut h).await;
    // As the actor says when no port 8020-8040 can be bound (the test cannot take them all
    // from the tests running beside it): the dialog offers the paste-back input.
    h.app
        .handle_actor_event(dbx_tui::actor::ActorEvent::SignIn(SignInEvent::Waiting {
            url: url.clone(),
            listening: false,
            opened: false,
        }));
    let screen = h.screen();
    assert!(
        screen.contains("No local port 8020-8040 could be opened"),
        "{screen}"
    );
    assert!(screen.contains("enter submit"), "{screen}");
    // The browser on another machine: it ends on the redirect, which the person copies.
    let no_redirects = crate::support::http_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects.get(&url).send().await.unwrap();
    let back = r.headers()[LOCATION].to_str().unwrap().to_owned();
    h.type_keys("not an address\n");
    h.until(
        "the note about the paste",
        |app| matches!(&app.state.modal, Some(Modal::SignIn(d)) if d.note.is_some()),
    )
    .await;
    assert!(
        h.screen().contains("paste the whole address"),
        "{}",
        h.screen()
    );
    h.app.handle_event(crossterm::event::Event::Paste(back));
    h.key(KeyCode::Enter);
    h.until("signed in", |app| {
        sign_in_needed(app).is_none() && app.state.modal.is_none()
    })
    .await;
    h.settle().await;
    assert!(!h.app.state.workspaces.is_empty());
}

/// A fake `databricks` CLI: not signed in until `logged-in` exists beside it, then the admin
/// token of the account.
fn fake_cli(dir: &std::path::Path, token: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("databricks");
    let marker = dir.join("logged-in");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ -f '{}' ]; then\n  printf '%s\\n' '{{\"access_token\":\"{token}\",\"token_type\":\"Bearer\",\"expiry\":\"2999-01-01T00:00:00Z\"}}'\nelse\n  echo 'Error: token refresh: invalid_grant: refresh token expired' >&2\n  exit 1\nfi\n",
            marker.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[tokio::test]
async fn a_databricks_cli_login_names_the_command_and_r_retries() {
    let emu = emulator().await;
    let a = emu.accounts().remove(0);
    let cli_dir = tempfile::tempdir().unwrap();
    let script = fake_cli(cli_dir.path(), &a.admin_token);
    let mut p = Profile::empty("cli", ProfileSource::Demo);
    p.host = Some(emu.base_url());
    p.account_id = Some(a.account_id.clone());
    p.auth_type = Some("databricks-cli".into());
    p.other.insert(
        "databricks_cli_path".into(),
        script.to_str().unwrap().to_owned(),
    );
    let mut h = Harness::on(vec![p], "cli", (140, 40)).await;
    assert_eq!(sign_in_needed(&h.app), Some(SessionFailure::Expired));
    assert!(
        h.screen()
            .contains("session expired — press S to sign in again")
    );

    h.type_keys("S");
    let screen = h.screen();
    let command = format!(
        "databricks auth login --host {} --account-id {}",
        emu.base_url(),
        a.account_id
    );
    assert!(screen.contains(&command), "{screen}");
    assert!(screen.contains("r retry"), "{screen}");
    // Still not signed in: r says so.
    h.type_keys("r");
    h.until("the failure", |app| {
        matches!(&app.state.modal, Some(Modal::SignIn(d)) if matches!(d.phase, Phase::Failed(_)))
    })
    .await;
    assert!(h.screen().contains("has expired"), "{}", h.screen());

    // The person ran `databricks auth login` elsewhere; r again picks the login up.
    std::fs::write(cli_dir.path().join("logged-in"), "").unwrap();
    h.type_keys("r");
    h.until("signed in", |app| {
        sign_in_needed(app).is_none() && app.state.modal.is_none()
    })
    .await;
    h.settle().await;
    assert!(!h.app.state.workspaces.is_empty(), "{}", h.screen());
}
