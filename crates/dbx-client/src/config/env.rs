//! The process environment as an injected value, and the table that maps config keys to
//! `DATABRICKS_*` / `ARM_*` variables (docs/wire-facts.md §7.4, Go `config/config.go` struct tags).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// A snapshot of environment variables. Resolution reads only this, so tests never touch (or
/// race on) the real process environment.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Env(BTreeMap<String, String>);

impl Env {
    /// Every variable of the running process whose name and value are valid UTF-8.
    pub fn from_process() -> Self {
        Self(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        )
    }

    /// An environment built from literal pairs, for tests and for the emulator.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The raw value of `k`, possibly empty.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str)
    }

    /// The value of `k` when it is non-empty: the SDKs treat `FOO=` as unset.
    pub(crate) fn non_empty(&self, k: &str) -> Option<&str> {
        self.get(k).filter(|v| !v.is_empty())
    }
}

/// Lists names only: the environment holds `DATABRICKS_TOKEN` and friends.
impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Env")
            .field(&self.0.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Config key (INI name) and the environment variables that set it, first one wins.
/// `profile` and `config_file` are handled by the resolver itself and are not listed.
pub(crate) const ENV_KEYS: &[(&str, &[&str])] = &[
    ("host", &["DATABRICKS_HOST"]),
    ("account_id", &["DATABRICKS_ACCOUNT_ID"]),
    ("workspace_id", &["DATABRICKS_WORKSPACE_ID"]),
    ("token", &["DATABRICKS_TOKEN"]),
    ("username", &["DATABRICKS_USERNAME"]),
    ("password", &["DATABRICKS_PASSWORD"]),
    ("client_id", &["DATABRICKS_CLIENT_ID"]),
    ("client_secret", &["DATABRICKS_CLIENT_SECRET"]),
    ("auth_type", &["DATABRICKS_AUTH_TYPE"]),
    (
        "azure_workspace_resource_id",
        &["DATABRICKS_AZURE_RESOURCE_ID"],
    ),
    ("azure_client_id", &["ARM_CLIENT_ID"]),
    ("azure_client_secret", &["ARM_CLIENT_SECRET"]),
    ("azure_tenant_id", &["ARM_TENANT_ID"]),
    ("azure_use_msi", &["ARM_USE_MSI"]),
    ("azure_environment", &["ARM_ENVIRONMENT"]),
    ("azure_login_app_id", &["DATABRICKS_AZURE_LOGIN_APP_ID"]),
    (
        "google_service_account",
        &["DATABRICKS_GOOGLE_SERVICE_ACCOUNT"],
    ),
    ("google_credentials", &["GOOGLE_CREDENTIALS"]),
    ("cluster_id", &["DATABRICKS_CLUSTER_ID"]),
    ("warehouse_id", &["DATABRICKS_WAREHOUSE_ID"]),
    (
        "serverless_compute_id",
        &["DATABRICKS_SERVERLESS_COMPUTE_ID"],
    ),
    ("metadata_service_url", &["DATABRICKS_METADATA_SERVICE_URL"]),
    ("databricks_cli_path", &["DATABRICKS_CLI_PATH"]),
    (
        "databricks_id_token_filepath",
        &["DATABRICKS_OIDC_TOKEN_FILEPATH"],
    ),
    ("oidc_token_env", &["DATABRICKS_OIDC_TOKEN_ENV"]),
    ("audience", &["DATABRICKS_TOKEN_AUDIENCE"]),
    ("cloud", &["DATABRICKS_CLOUD"]),
    ("discovery_url", &["DATABRICKS_DISCOVERY_URL"]),
    ("rate_limit", &["DATABRICKS_RATE_LIMIT"]),
    ("debug_headers", &["DATABRICKS_DEBUG_HEADERS"]),
    ("debug_truncate_bytes", &["DATABRICKS_DEBUG_TRUNCATE_BYTES"]),
];

pub(crate) const PROFILE_VAR: &str = "DATABRICKS_CONFIG_PROFILE";
const CONFIG_FILE_VAR: &str = "DATABRICKS_CONFIG_FILE";

/// Every config key the environment sets, with the variable it came from.
pub(crate) fn env_values(env: &Env) -> BTreeMap<&'static str, (&'static str, String)> {
    ENV_KEYS
        .iter()
        .filter_map(|(key, vars)| {
            vars.iter()
                .find_map(|var| env.non_empty(var).map(|v| (*key, (*var, v.to_owned()))))
        })
        .collect()
}

/// `DATABRICKS_CONFIG_FILE` (with `~` expanded), else `~/.databrickscfg`.
pub fn default_config_path(env: &Env) -> Option<PathBuf> {
    if let Some(p) = env.non_empty(CONFIG_FILE_VAR) {
        return Some(expand_tilde(p, env));
    }
    home_dir(env).map(|h| h.join(".databrickscfg"))
}

/// Go expands a leading `~` in `config_file`; so do we.
fn expand_tilde(p: &str, env: &Env) -> PathBuf {
    match p.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with(['/', '\\']) => match home_dir(env) {
            Some(h) => h.join(rest.trim_start_matches(['/', '\\'])),
            None => PathBuf::from(p),
        },
        _ => PathBuf::from(p),
    }
}

/// HOME, then USERPROFILE (Windows), then the OS lookup, so tests can pin the home directory.
pub(crate) fn home_dir(env: &Env) -> Option<PathBuf> {
    env.non_empty("HOME")
        .or_else(|| env.non_empty("USERPROFILE"))
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_variable_wins_and_tilde_expands() {
        let env = Env::from_pairs([("HOME", "/h"), ("DATABRICKS_CONFIG_FILE", "~/cfg/x.ini")]);
        assert_eq!(
            default_config_path(&env),
            Some(PathBuf::from("/h/cfg/x.ini"))
        );
        let env = Env::from_pairs([("HOME", "/h")]);
        assert_eq!(
            default_config_path(&env),
            Some(PathBuf::from("/h/.databrickscfg"))
        );
        let env = Env::from_pairs([("HOME", ""), ("USERPROFILE", "C:/u")]);
        assert_eq!(
            default_config_path(&env),
            Some(PathBuf::from("C:/u/.databrickscfg"))
        );
    }

    #[test]
    fn debug_shows_names_not_values() {
        let env = Env::from_pairs([("DATABRICKS_TOKEN", "dapi-canary")]);
        let s = format!("{env:?}");
        assert!(s.contains("DATABRICKS_TOKEN") && !s.contains("canary"));
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let env = Env::from_pairs([("DATABRICKS_HOST", ""), ("DATABRICKS_TOKEN", "t")]);
        let v = env_values(&env);
        assert!(!v.contains_key("host"));
        assert_eq!(v["token"].0, "DATABRICKS_TOKEN");
    }
}
