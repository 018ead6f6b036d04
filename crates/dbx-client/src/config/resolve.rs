//! Choosing the profile to use, as Go's `Config.EnsureResolved` does: environment first, then
//! the config file fills what is still unset (Go `config_attributes.go`, `config_file.go`).

use std::collections::BTreeMap;

use super::ConfigError;
use super::env::{Env, PROFILE_VAR, env_values};
use super::file::{ConfigFile, SETTINGS_SECTION};
use super::profile::{Profile, ProfileSource, is_auth_key, parse_bool};

const BOOL_KEYS: &[&str] = &["azure_use_msi", "debug_headers"];

/// Name of the profile built from the environment alone.
pub const ENV_PROFILE: &str = "env";

fn env_profile(env: &Env) -> Profile {
    let map: BTreeMap<String, String> = env_values(env)
        .into_iter()
        .map(|(k, (_, v))| (k.to_owned(), v))
        .collect();
    Profile::from_map(ENV_PROFILE, map, ProfileSource::Environment)
}

/// Resolves the profile to use.
///
/// The name is `requested` (from `--profile`), else `DATABRICKS_CONFIG_PROFILE`, else
/// `[__settings__] default_profile`, else `DEFAULT`. Environment values win over file values.
/// When no profile was named and the environment already sets host, an auth key or
/// `azure_workspace_resource_id`, the file is skipped and the result is the `env` profile.
/// A named profile that is missing is an error; a missing `DEFAULT` is not (Go's fallback).
pub fn resolve(
    requested: Option<&str>,
    env: &Env,
    file: Option<&ConfigFile>,
) -> Result<Profile, ConfigError> {
    let from_env = env_values(env);
    // Go fails on an unparsable boolean variable rather than guessing.
    for (key, (var, value)) in &from_env {
        if BOOL_KEYS.contains(key) && parse_bool(value).is_none() {
            return Err(ConfigError::InvalidEnv { var });
        }
    }
    let mut profile = env_profile(env);
    let named = requested
        .filter(|r| !r.is_empty())
        .or_else(|| env.non_empty(PROFILE_VAR));
    let env_configured = from_env.iter().any(|(k, (_, v))| {
        *k == "host" || *k == "azure_workspace_resource_id" || is_auth_key(k, v)
    });
    let skip_file = named.is_none() && env_configured;

    match (file, skip_file) {
        (_, true) => tracing::debug!("environment configures auth; config file skipped"),
        (None, false) => {
            if let Some(name) = named {
                return Err(ConfigError::NoConfigFile {
                    name: name.to_owned(),
                });
            }
        }
        (Some(f), false) => {
            let (name, fallback) = match (named, f.default_profile.as_deref()) {
                (Some(n), _) | (None, Some(n)) => (n, false),
                (None, None) => ("DEFAULT", true),
            };
            if name == SETTINGS_SECTION {
                return Err(ConfigError::ReservedProfile);
            }
            match f.profile(name).filter(|p| !p.is_empty()) {
                Some(p) => {
                    tracing::debug!(profile = name, path = %f.path.display(), "loading profile");
                    profile.name = name.to_owned();
                    profile.source = if from_env.is_empty() {
                        ProfileSource::File(f.path.clone())
                    } else {
                        ProfileSource::Mixed(f.path.clone())
                    };
                    profile.fill_from(p);
                }
                None if fallback => tracing::debug!(path = %f.path.display(), "no DEFAULT profile"),
                None => {
                    return Err(ConfigError::UnknownProfile {
                        path: f.path.clone(),
                        name: name.to_owned(),
                        available: f.profile_names(),
                    });
                }
            }
        }
    }

    if profile.host_userinfo {
        return Err(ConfigError::HostUserinfo {
            profile: profile.name,
        });
    }
    profile.check_single_auth()?;
    if profile.host.is_none() && !profile.other.contains_key("azure_workspace_resource_id") {
        return Err(ConfigError::NoHost {
            profile: profile.name,
        });
    }
    Ok(profile)
}

/// Every selectable profile: each non-empty file profile as written (no environment overlay),
/// then an `env` profile when the environment alone sets a host.
pub fn list_profiles(env: &Env, file: Option<&ConfigFile>) -> Vec<Profile> {
    let mut out: Vec<Profile> = file
        .map(|f| {
            f.profiles
                .iter()
                .filter(|p| !p.is_empty())
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let from_env = env_profile(env);
    // A refused host is listed too, so the reason can be shown when it is chosen.
    if from_env.host.is_some() || from_env.host_userinfo {
        out.push(from_env);
    }
    out
}
