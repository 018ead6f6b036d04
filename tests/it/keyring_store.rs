//! Keyring references in profiles against keyring-core's mock store (with injected errors):
//! resolution, `auth check` naming a missing entry, and the message for no keyring service.

use crate::cloud_common;

use std::sync::{Arc, Once};
use std::time::Duration;

use cloud_common::*;
use dbx_tui::api::workspaces;
use dbx_tui::auth::check::{Failure, check_profile, render};
use dbx_tui::config::{Secret, keyring};
use dbx_tui::emulator::{Gateway, ServeOptions};

pub(crate) fn mock_store() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let store: Arc<keyring_core::CredentialStore> = keyring_core::mock::Store::new().unwrap();
        keyring_core::set_default_store(store);
    });
}

#[tokio::test]
async fn token_and_gateway_key_come_from_the_keyring() {
    mock_store();
    let emu0 = emulator(ServeOptions::default()).await;
    let acct = account(&emu0, "aws");
    drop(emu0);
    let emu = emulator(ServeOptions {
        tls: None,
        gateway: Some(Gateway {
            prefix: "/gw".into(),
            header: "Ocp-Apim-Subscription-Key".into(),
            key: "canary-gw-from-keyring".into(),
            backend_token: None,
        }),
    })
    .await;
    keyring::set("kr-admin-token", &Secret::new(acct.admin_token.clone())).unwrap();
    keyring::set("kr-gw", &Secret::new("canary-gw-from-keyring")).unwrap();
    let text = format!(
        "[k]\nhost = {}/gw\naccount_id = {}\ntoken = keyring:kr-admin-token\ngateway_headers = Ocp-Apim-Subscription-Key: keyring:kr-gw\n",
        emu.base_url(),
        acct.account_id
    );
    let p = profile(&text, "k");
    workspaces::list(&client(&p), &acct.account_id)
        .await
        .expect("secrets resolved from the keyring");
    let r = check_profile(&p, Duration::from_secs(5)).await;
    assert!(r.outcome.is_ok(), "{}", render(&r));

    // A reference to an entry that does not exist: named as such.
    let missing = profile(&text.replace("kr-admin-token", "kr-nope"), "k");
    let r = check_profile(&missing, Duration::from_secs(5)).await;
    let out = render(&r);
    assert_eq!(
        r.outcome.as_ref().unwrap_err().0,
        Failure::MissingKeyringEntry,
        "{out}"
    );
    assert!(
        out.contains("kr-nope") && out.contains("dbx-tui auth set"),
        "{out}"
    );
    no_canary(&out);
}

#[test]
fn no_keyring_service_says_so_and_suggests_alternatives() {
    mock_store();
    keyring::set("kr-locked", &Secret::new("canary-v")).unwrap();
    // Inject the error a headless box gives (no Secret Service on D-Bus) into the mock entry.
    let entry = keyring_core::Entry::new(keyring::SERVICE, "kr-locked").unwrap();
    let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
    cred.set_error(keyring_core::Error::NoStorageAccess(
        "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided"
            .into(),
    ));
    let err = keyring::get("kr-locked").unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, keyring::KeyringError::Unavailable { .. }),
        "{msg}"
    );
    assert!(msg.contains("no OS keyring service"), "{msg}");
    assert!(
        msg.contains("environment variable") && msg.contains("config file"),
        "{msg}"
    );
    assert!(!msg.contains("canary"));
    // The injected error is one-shot; the value itself is intact and never plaintext-fallback.
    assert_eq!(keyring::get("kr-locked").unwrap().expose(), "canary-v");
    assert_eq!(
        keyring::get("kr-absent").unwrap_err(),
        keyring::KeyringError::Missing {
            name: "kr-absent".into()
        }
    );
}
