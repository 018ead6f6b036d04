//! Secrets kept in the OS keyring instead of the config file.
//!
//! A profile value `keyring:NAME` (for `token`, `client_secret`, any other secret key, or a
//! `gateway_headers` value) is read from the OS keyring entry with service `dbx-tui` and user
//! `NAME`. `dbx-tui auth set PROFILE KEY` stores one. The store is keyring-core's default store
//! when one is set (tests install the mock store), else the platform store ([`platform_store`]:
//! the Secret Service on Linux, Keychain, Windows Credential Manager). When no keyring service
//! runs (a headless box without Secret Service on D-Bus) we say so; never a silent plaintext
//! fallback.

use super::{Profile, Secret};

/// The keyring service name every dbx-tui entry is stored under.
pub const SERVICE: &str = "dbx-tui";
/// The prefix that marks a profile value as a keyring reference.
pub const PREFIX: &str = "keyring:";

/// Why a keyring value could not be read or stored. Never carries the secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    #[error(
        "no OS keyring service is available ({reason}); on a headless machine without a Secret Service on D-Bus, put the value in an environment variable (e.g. DATABRICKS_TOKEN) or in the config file instead"
    )]
    Unavailable { reason: String },
    #[error(
        "no keyring entry `{name}` (service dbx-tui); store it with `dbx-tui auth set PROFILE KEY`"
    )]
    Missing { name: String },
    #[error("keyring entry `{name}` could not be read: {reason}")]
    Failed { name: String, reason: String },
    #[error("`keyring:` needs an entry name, e.g. `keyring:dbx-prod-token`")]
    EmptyName,
}

/// The name in `keyring:NAME`, if `value` is a keyring reference.
pub fn reference(value: &str) -> Option<&str> {
    value.trim().strip_prefix(PREFIX).map(str::trim)
}

/// The entry for `name` in the default store, initialising the platform store once if no
/// store was installed.
fn entry(name: &str) -> Result<keyring_core::Entry, KeyringError> {
    if name.is_empty() {
        return Err(KeyringError::EmptyName);
    }
    if keyring_core::get_default_store().is_none()
        && let Err(e) = platform_store()
    {
        return Err(KeyringError::Unavailable {
            reason: describe(e),
        });
    }
    keyring_core::Entry::new(SERVICE, name).map_err(|e| classify(name, e))
}

/// Installs the platform's store as keyring-core's default, once; the outcome is kept.
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn platform_store() -> &'static Result<(), keyring_core::Error> {
    // The Secret Service on D-Bus, with the same item attributes (`service`, `username`) as the
    // `keyring` crate's zbus store, so entries stored by either are found by both.
    static INSTALLED: std::sync::LazyLock<Result<(), keyring_core::Error>> =
        std::sync::LazyLock::new(|| {
            let store = dbus_secret_service_keyring_store::Store::new()?;
            keyring_core::set_default_store(store);
            Ok(())
        });
    &INSTALLED
}

/// Installs the platform's store as keyring-core's default, once; the outcome is kept.
#[cfg(not(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
)))]
fn platform_store() -> &'static Result<(), keyring_core::Error> {
    ::keyring::Entry::store_status()
}

fn describe(e: &keyring_core::Error) -> String {
    // Platform errors may quote D-Bus replies; the first line is enough and holds no secret
    // (we never pass secrets to the store in a way that is echoed back).
    e.to_string().lines().next().unwrap_or_default().to_owned()
}

fn classify(name: &str, e: keyring_core::Error) -> KeyringError {
    use keyring_core::Error as E;
    match e {
        E::NoEntry => KeyringError::Missing {
            name: name.to_owned(),
        },
        E::NoDefaultStore => KeyringError::Unavailable {
            reason: "no credential store could be opened".into(),
        },
        E::NoStorageAccess(_) | E::PlatformFailure(_) => KeyringError::Unavailable {
            reason: describe(&e),
        },
        // BadEncoding/BadDataFormat carry the raw bytes: describe the kind only.
        E::BadEncoding(_) | E::BadDataFormat(..) => KeyringError::Failed {
            name: name.to_owned(),
            reason: "the stored value is not UTF-8 text".into(),
        },
        other => KeyringError::Failed {
            name: name.to_owned(),
            reason: describe(&other),
        },
    }
}

/// Reads keyring entry `name`.
pub fn get(name: &str) -> Result<Secret, KeyringError> {
    let e = entry(name)?;
    e.get_password()
        .map(Secret::new)
        .map_err(|err| classify(name, err))
}

/// Stores `value` under keyring entry `name`.
pub fn set(name: &str, value: &Secret) -> Result<(), KeyringError> {
    let e = entry(name)?;
    e.set_password(value.expose())
        .map_err(|err| classify(name, err))
}

/// `value` itself, or the keyring entry it references.
pub fn resolve_value(value: &Secret) -> Result<Secret, KeyringError> {
    match reference(value.expose()) {
        Some(name) => get(name),
        None => Ok(value.clone()),
    }
}

/// A copy of `profile` with every `keyring:` secret replaced by its keyring value. The error
/// names the profile key, so the user knows which line to fix.
pub fn resolve_profile(profile: &Profile) -> Result<Profile, (String, KeyringError)> {
    let mut p = profile.clone();
    if let Some(t) = &p.token {
        p.token = Some(resolve_value(t).map_err(|e| ("token".to_owned(), e))?);
    }
    if let Some(s) = &p.client_secret {
        p.client_secret = Some(resolve_value(s).map_err(|e| ("client_secret".to_owned(), e))?);
    }
    for (k, v) in &mut p.other_secrets {
        // gateway_headers holds several values; the gateway module resolves each one.
        if k != "gateway_headers" {
            *v = resolve_value(v).map_err(|e| (k.clone(), e))?;
        }
    }
    Ok(p)
}

/// The entry name `dbx-tui auth set` uses for a profile key: `PROFILE-KEY` (under service
/// [`SERVICE`]), lower case, anything but letters, digits, `-` and `_` replaced by `-`.
pub fn entry_name(profile: &str, key: &str) -> String {
    format!("{profile}-{key}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(reference("keyring:dbx-gw"), Some("dbx-gw"));
        assert_eq!(reference(" keyring: a "), Some("a"));
        assert_eq!(reference("dapi123"), None);
        assert_eq!(entry_name("Prod WS", "token"), "prod-ws-token");
    }
}
