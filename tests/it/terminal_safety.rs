//! What reaches the terminal: server text is stripped of escape sequences before it is printed
//! (issue 11 point 12), and no piece of a secret written in a profile is repeated in an error
//! (point 6).

use crate::support::emulator;
use dbx_tui::api::{ApiClient, PolicyId, network_policies};
use dbx_tui::auth::check::{check_profile, render, render_line};
use dbx_tui::config::{self, Env, Profile, ProfileSource};
use std::path::Path;
use std::time::Duration;

/// What an escape sequence can leave behind in text: the ESC and BEL themselves, or the body of
/// the sequence once its introducer was dropped.
fn assert_inert(text: &str) {
    for bad in ["\x1b", "\x07", "pwned"] {
        assert!(!text.contains(bad), "{bad:?} in {text:?}");
    }
}

#[tokio::test]
async fn api_error_text_from_the_server_carries_no_escape_sequence() {
    let emu = emulator().await;
    let a = emu.accounts().into_iter().next().unwrap();
    let auth = dbx_tui::auth::pat::PatProvider::new(a.admin_token.clone().into());
    let client = ApiClient::new(
        dbx_tui::api::client::http_client(),
        &emu.base_url(),
        std::sync::Arc::new(auth),
    );
    // The emulator, like Databricks, quotes the unknown id in its 404 message.
    let id = PolicyId("x\x1b]2;pwned\x07y".into());
    let err = network_policies::get(&client, &a.account_id, &id)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
    let dbx_tui::api::ApiError::Http { message, .. } = &err else {
        panic!("{err:?}");
    };
    assert_inert(message);
    assert!(message.contains("xy"), "{message}");
    assert_inert(&err.to_string());
    assert_inert(&err.user_message());
}

#[tokio::test]
async fn auth_check_prints_a_403_without_its_escape_sequence() {
    let emu = emulator().await;
    let a = emu.accounts().into_iter().next().unwrap();
    let mut p = Profile::empty("hostile", ProfileSource::Demo);
    p.host = Some(emu.base_url());
    // The account's own token on an account id it cannot access: the emulator's 403 quotes the
    // id, as a server may quote anything back.
    p.account_id = Some("acc-\x1b]2;pwned\x07-x".into());
    p.token = Some(a.admin_token.clone().into());
    let report = check_profile(&p, Duration::from_secs(5)).await;
    let (_, detail) = report.outcome.as_ref().unwrap_err();
    assert!(detail.contains("403"), "{detail}");
    let out = render(&report);
    assert!(out.contains("cannot access account acc--x"), "{out}");
    assert_inert(&out);
    assert_inert(&render_line(&report));
}

const CANARY: &str = "canary-pw-31337";

fn file(text: &str) -> config::ConfigFile {
    config::parse_config(Path::new("/cfg/.databrickscfg"), text).unwrap()
}

fn no_env() -> Env {
    Env::from_pairs(Vec::<(String, String)>::new())
}

#[tokio::test]
async fn a_host_with_a_password_is_refused_without_repeating_it() {
    let f = file(&format!(
        "[p]\nhost = https://admin:{CANARY}@x.cloud.databricks.com\ntoken = dapi-canary-t\n"
    ));
    let e = config::resolve(Some("p"), &no_env(), Some(&f))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("host must not contain a user name or password"),
        "{e}"
    );
    assert!(e.contains("`p`"), "{e}");
    assert!(!e.contains(CANARY) && !e.contains("admin"), "{e}");

    // From the environment too, and in the list the console shows and `auth profiles` checks.
    let env = Env::from_pairs([
        (
            "DATABRICKS_HOST",
            format!("admin:{CANARY}@x.cloud.databricks.com"),
        ),
        ("DATABRICKS_TOKEN", "dapi-canary-t".to_owned()),
    ]);
    let e = config::resolve(None, &env, None).unwrap_err().to_string();
    assert!(e.contains("user:password@") && !e.contains(CANARY), "{e}");
    let listed = config::list_profiles(&env, Some(&f));
    assert_eq!(
        listed.len(),
        2,
        "the refused env profile is listed with its reason"
    );
    for p in &listed {
        assert_eq!(p.host, None);
        assert!(!format!("{p:?}").contains(CANARY));
        let r = check_profile(p, Duration::from_secs(5)).await;
        let out = format!("{}\n{}", render(&r), render_line(&r));
        assert!(out.contains("user:password@"), "{out}");
        assert!(!out.contains(CANARY) && !out.contains("admin"), "{out}");
    }
}

#[tokio::test]
async fn a_gateway_key_with_a_semicolon_is_never_echoed() {
    // A literal key holding `;`: the part after it is taken for a second `Name: value` pair.
    for value in [
        format!("X-Api-Key: {CANARY};zq/frag: zqrest"),
        format!("X-Api-Key: {CANARY};zqfrag:"),
    ] {
        let f = file(&format!(
            "[gw]\nhost = https://x.cloud.databricks.com\ntoken = dapi-canary-t\ngateway_headers = {value}\n"
        ));
        let p = config::resolve(Some("gw"), &no_env(), Some(&f)).unwrap();
        let e = dbx_tui::auth::provider_for(&p).err().unwrap().to_string();
        assert!(e.contains("gateway_headers") && e.contains("pair 2"), "{e}");
        let r = check_profile(&p, Duration::from_secs(5)).await;
        let out = format!("{e}\n{}", render(&r));
        for fragment in [CANARY, "zq"] {
            assert!(!out.contains(fragment), "{fragment} in {out}");
        }
    }
}
