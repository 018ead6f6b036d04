//! One connection profile, and the choice of auth method the SDKs would make for it
//! (docs/wire-facts.md §7.4, Go `config/config.go`, `config_attributes.go`, `auth_default.go`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::{ConfigError, Secret};

/// Which API surface a profile talks to.
#[derive(Clone, Debug, PartialEq)]
pub enum ProfileKind {
    Account,
    Workspace,
}

/// Where a profile's values came from, shown in the `:ctx` list.
#[derive(Clone, Debug, PartialEq)]
pub enum ProfileSource {
    File(PathBuf),
    Environment,
    /// A file profile with at least one value set or overridden by the environment.
    Mixed(PathBuf),
    Demo,
}

/// The credential flow a profile selects.
#[derive(Clone, Debug, PartialEq)]
pub enum AuthMethod {
    Pat,
    OAuthM2M,
    /// An SDK auth type we recognise by name but do not implement yet, e.g. `azure-cli`.
    Other(String),
}

/// The cloud a host lives in, from its DNS zone (docs/wire-facts.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cloud {
    Aws,
    Azure,
    Gcp,
}

/// A resolved or listed profile. Every secret-bearing value is a [`Secret`], so `Debug` output
/// and error messages never show it.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub name: String,
    /// Normalised: `https://` added when no scheme, query and trailing `/` removed, path kept
    /// (gateways serve Databricks under a prefix).
    pub host: Option<String>,
    /// The host as written carried a user name or password (`https://user:password@…`). It is
    /// refused and `host` left unset, so that credential is never put in a URL, a log line or
    /// on the screen; resolving the profile then fails with [`ConfigError::HostUserinfo`].
    pub host_userinfo: bool,
    pub account_id: Option<String>,
    pub workspace_id: Option<String>,
    pub token: Option<Secret>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub auth_type: Option<String>,
    pub warehouse_id: Option<String>,
    /// Our own key `read_only = true`: the console refuses every mutating call.
    pub read_only: bool,
    /// Every other non-secret key, lower-cased.
    pub other: BTreeMap<String, String>,
    /// Every other secret-bearing key (`*secret`, `*token`, `*password`, `*key`, inline
    /// `google_credentials`, `metadata_service_url`).
    pub other_secrets: BTreeMap<String, Secret>,
    pub source: ProfileSource,
}

/// Every auth type the Go and Python SDKs name (docs/wire-facts.md §7.4).
const KNOWN_AUTH_TYPES: &[&str] = &[
    "pat",
    "basic",
    "oauth-m2m",
    "databricks-cli",
    "metadata-service",
    "github-oidc",
    "azure-devops-oidc",
    "env-oidc",
    "file-oidc",
    "github-oidc-azure",
    "azure-msi",
    "azure-client-secret",
    "azure-cli",
    "google-credentials",
    "google-id",
    "external-browser",
    "runtime",
    "runtime-oauth",
    "model-serving",
    // dbx-tui's own: the gateway in front of Databricks authenticates; only its headers are sent.
    "gateway",
];

/// Keys carrying Go's `auth:"<group>"` tag; two groups set at once is the SDK's
/// "more than one authorization method" error. `azure_use_msi` counts only when true.
const AUTH_GROUPS: &[(&str, &str)] = &[
    ("token", "pat"),
    ("username", "basic"),
    ("password", "basic"),
    ("client_id", "oauth"),
    ("client_secret", "oauth"),
    ("metadata_service_url", "metadata-service"),
    ("google_service_account", "google"),
    ("google_credentials", "google"),
    ("azure_workspace_resource_id", "azure"),
    ("azure_use_msi", "azure"),
    ("azure_client_secret", "azure"),
    ("azure_client_id", "azure"),
    ("azure_tenant_id", "azure"),
    ("azure_login_app_id", "azure"),
    ("databricks_id_token_filepath", "file-oidc"),
    ("oidc_token_env", "env-oidc"),
];

/// Whether setting `key` (with `value`) counts as configuring an auth method.
pub(crate) fn is_auth_key(key: &str, value: &str) -> bool {
    AUTH_GROUPS.iter().any(|(k, _)| *k == key)
        && (key != "azure_use_msi" || parse_bool(value) == Some(true))
}

/// Go's `strconv.ParseBool`, case-insensitive.
pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "t" | "true" => Some(true),
        "0" | "f" | "false" => Some(false),
        _ => None,
    }
}

fn is_secret_key(key: &str, value: &str) -> bool {
    ["secret", "token", "password", "key"].iter().any(|s| key.ends_with(s))
        // The metadata service URL embeds a bearer path segment; Go marks it sensitive.
        || key == "metadata_service_url"
        // Gateway header values are keys (or keyring references to them).
        || key == "gateway_headers"
        || (key == "google_credentials" && value.trim_start().starts_with('{'))
}

impl Profile {
    /// A profile with nothing set, for demo profiles and tests.
    pub fn empty(name: &str, source: ProfileSource) -> Self {
        Self {
            name: name.to_owned(),
            host: None,
            host_userinfo: false,
            account_id: None,
            workspace_id: None,
            token: None,
            client_id: None,
            client_secret: None,
            auth_type: None,
            warehouse_id: None,
            read_only: false,
            other: BTreeMap::new(),
            other_secrets: BTreeMap::new(),
            source,
        }
    }

    /// Builds a profile from lower-cased keys; empty values count as unset (as in Go).
    pub(crate) fn from_map(
        name: &str,
        map: BTreeMap<String, String>,
        source: ProfileSource,
    ) -> Self {
        let mut p = Self::empty(name, source);
        let mut host_raw = None;
        for (key, value) in map {
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "host" => host_raw = Some(value),
                "account_id" => p.account_id = Some(value),
                "workspace_id" => p.workspace_id = Some(value),
                "token" => p.token = Some(Secret::new(value)),
                "client_id" => p.client_id = Some(value),
                "client_secret" => p.client_secret = Some(Secret::new(value)),
                "auth_type" => p.auth_type = Some(value),
                "warehouse_id" => p.warehouse_id = Some(value),
                "read_only" => p.read_only = parse_bool(&value) == Some(true),
                _ if is_secret_key(&key, &value) => {
                    p.other_secrets.insert(key, Secret::new(value));
                }
                _ => {
                    p.other.insert(key, value);
                }
            }
        }
        if let Some(raw) = host_raw {
            p.set_host(&raw);
        }
        p
    }

    /// Normalises and stores `raw`; a `?o=`/`?w=`/`?a=` query (SPOG URLs pasted from the UI)
    /// fills workspace_id/account_id when unset, as Go's `fixHostIfNeeded` does.
    pub(crate) fn set_host(&mut self, raw: &str) {
        if has_userinfo(raw) {
            self.host = None;
            self.host_userinfo = true;
            return;
        }
        let Some(n) = normalize_host(raw) else { return };
        self.host = Some(n.host);
        if self.workspace_id.is_none() {
            self.workspace_id = n.workspace_id;
        }
        if self.account_id.is_none() {
            self.account_id = n.account_id;
        }
    }

    /// Fills every unset value from `lower`: a loader never overwrites a value already set.
    pub(crate) fn fill_from(&mut self, lower: &Profile) {
        fn fill<T: Clone>(dst: &mut Option<T>, src: &Option<T>) {
            if dst.is_none() {
                dst.clone_from(src);
            }
        }
        if self.host.is_none() && !self.host_userinfo {
            self.host.clone_from(&lower.host);
            self.host_userinfo = lower.host_userinfo;
        }
        fill(&mut self.account_id, &lower.account_id);
        fill(&mut self.workspace_id, &lower.workspace_id);
        fill(&mut self.token, &lower.token);
        fill(&mut self.client_id, &lower.client_id);
        fill(&mut self.client_secret, &lower.client_secret);
        fill(&mut self.auth_type, &lower.auth_type);
        fill(&mut self.warehouse_id, &lower.warehouse_id);
        self.read_only |= lower.read_only;
        for (k, v) in &lower.other {
            self.other.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in &lower.other_secrets {
            self.other_secrets
                .entry(k.clone())
                .or_insert_with(|| v.clone());
        }
    }

    /// True when no key at all is set (an empty `[section]`).
    pub(crate) fn is_empty(&self) -> bool {
        let named = Self::empty(&self.name, self.source.clone());
        *self == named
    }

    /// Why there is no host, for errors: none was set, or the one set was refused. Never
    /// repeats what was written.
    pub fn missing_host(&self) -> String {
        if self.host_userinfo {
            ConfigError::HostUserinfo {
                profile: self.name.clone(),
            }
            .to_string()
        } else {
            format!("profile {} has no host", self.name)
        }
    }

    /// Whether `key` is set, secret or not.
    pub fn has(&self, key: &str) -> bool {
        match key {
            "token" => self.token.is_some(),
            "client_id" => self.client_id.is_some(),
            "client_secret" => self.client_secret.is_some(),
            _ => self.other.contains_key(key) || self.other_secrets.contains_key(key),
        }
    }

    /// A boolean key set to true.
    pub fn flag(&self, key: &str) -> bool {
        self.other.get(key).and_then(|v| parse_bool(v)) == Some(true)
    }

    /// Whether an auth key counts as set: `azure_use_msi = false` does not.
    fn auth_key_set(&self, key: &str) -> bool {
        if key == "azure_use_msi" {
            self.flag(key)
        } else {
            self.has(key)
        }
    }

    /// Account if the host is an accounts host, or if `account_id` is set without
    /// `workspace_id` (unified hosts and the local emulator); otherwise Workspace.
    pub fn kind(&self) -> ProfileKind {
        let host = self.host.as_deref().unwrap_or("");
        let accounts_host = ["https://accounts.", "https://accounts-dod."]
            .iter()
            .any(|p| host.starts_with(p));
        if accounts_host || (self.account_id.is_some() && self.workspace_id.is_none()) {
            ProfileKind::Account
        } else {
            ProfileKind::Workspace
        }
    }

    /// The cloud, from the `cloud` key, an Azure resource ID, or the host's DNS zone.
    pub fn cloud(&self) -> Option<Cloud> {
        match self
            .other
            .get("cloud")
            .map(|c| c.to_ascii_lowercase())
            .as_deref()
        {
            Some("aws") => return Some(Cloud::Aws),
            Some("azure") => return Some(Cloud::Azure),
            Some("gcp") => return Some(Cloud::Gcp),
            _ => {}
        }
        if self.has("azure_workspace_resource_id") {
            return Some(Cloud::Azure);
        }
        let host = self.host.as_deref()?;
        let name = host
            .split("://")
            .nth(1)?
            .split(['/', ':'])
            .next()?
            .to_ascii_lowercase();
        const ZONES: &[(&str, Cloud)] = &[
            (".cloud.databricks.com", Cloud::Aws),
            (".cloud.databricks.us", Cloud::Aws),
            (".azuredatabricks.net", Cloud::Azure),
            (".databricks.azure.us", Cloud::Azure),
            (".databricks.azure.cn", Cloud::Azure),
            (".gcp.databricks.com", Cloud::Gcp),
        ];
        ZONES
            .iter()
            .find(|(zone, _)| name.ends_with(zone))
            .map(|(_, c)| *c)
    }

    /// Go's `Validate`: the auth groups in use, sorted, when more than one is set.
    pub(crate) fn check_single_auth(&self) -> Result<(), ConfigError> {
        if self.auth_type.is_some() {
            return Ok(());
        }
        let mut groups = BTreeSet::new();
        for (key, group) in AUTH_GROUPS {
            if self.auth_key_set(key) {
                groups.insert(*group);
            }
        }
        if groups.len() > 1 {
            return Err(ConfigError::MultipleAuthMethods {
                profile: self.name.clone(),
                methods: groups.into_iter().map(str::to_owned).collect(),
            });
        }
        Ok(())
    }

    /// The auth method: `auth_type` when set, else the first strategy in Go's default order
    /// whose keys are present (Go's dry run and CLI lookups are out of reach here).
    pub fn auth_method(&self) -> Result<AuthMethod, ConfigError> {
        let need = |missing: &'static str, auth_type: &str| ConfigError::MissingCredential {
            profile: self.name.clone(),
            auth_type: auth_type.to_owned(),
            missing,
        };
        if let Some(t) = self.auth_type.as_deref() {
            return match t {
                "pat" if self.token.is_none() => Err(need("token", t)),
                "pat" => Ok(AuthMethod::Pat),
                "oauth-m2m" if self.client_id.is_none() => Err(need("client_id", t)),
                "oauth-m2m" if self.client_secret.is_none() => Err(need("client_secret", t)),
                "oauth-m2m" => Ok(AuthMethod::OAuthM2M),
                _ if KNOWN_AUTH_TYPES.contains(&t) => Ok(AuthMethod::Other(t.to_owned())),
                _ => Err(ConfigError::UnknownAuthType {
                    profile: self.name.clone(),
                    auth_type: t.to_owned(),
                }),
            };
        }
        self.check_single_auth()?;
        let other = |n: &str| Ok(AuthMethod::Other(n.to_owned()));
        if self.token.is_some() {
            return Ok(AuthMethod::Pat);
        }
        if self.has("username") && self.has("password") {
            return other("basic");
        }
        if self.client_id.is_some() && self.client_secret.is_some() {
            return Ok(AuthMethod::OAuthM2M);
        }
        if self.has("metadata_service_url") {
            return other("metadata-service");
        }
        if self.has("oidc_token_env") {
            return other("env-oidc");
        }
        if self.has("databricks_id_token_filepath") {
            return other("file-oidc");
        }
        match self.cloud() {
            Some(Cloud::Azure) => {
                let located = self.host.is_some() || self.has("azure_workspace_resource_id");
                if self.flag("azure_use_msi") && located {
                    return other("azure-msi");
                }
                if ["azure_client_id", "azure_client_secret", "azure_tenant_id"]
                    .iter()
                    .all(|k| self.has(k))
                {
                    return other("azure-client-secret");
                }
                // Go tries `az` on any Azure host; we pick it only when some Azure key says so.
                if AUTH_GROUPS
                    .iter()
                    .any(|(k, g)| *g == "azure" && self.auth_key_set(k))
                {
                    return other("azure-cli");
                }
            }
            Some(Cloud::Gcp) if self.has("google_credentials") => {
                return other("google-credentials");
            }
            Some(Cloud::Gcp) if self.has("google_service_account") => return other("google-id"),
            _ => {}
        }
        if self.has("gateway_headers") {
            // Only gateway headers: the gateway authenticates on the caller's behalf.
            return other("gateway");
        }
        Err(ConfigError::NoCredentials {
            profile: self.name.clone(),
        })
    }
}

struct NormalHost {
    host: String,
    workspace_id: Option<String>,
    account_id: Option<String>,
}

/// Whether the host may carry a `user[:password]@` part. Any `@` counts: a password may itself
/// contain `/`, `?` or `#` (base64 does), so looking for the authority's end first would let a
/// piece of it through, and no Databricks host or gateway prefix needs an `@`.
fn has_userinfo(raw: &str) -> bool {
    raw.contains('@')
}

fn normalize_host(raw: &str) -> Option<NormalHost> {
    let raw = raw.trim();
    let url = if raw.contains("://") {
        raw.to_owned()
    } else {
        format!("https://{raw}")
    };
    let url = url.split('#').next().unwrap_or_default();
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let base = base.trim_end_matches('/');
    if base
        .split_once("://")
        .is_none_or(|(_, rest)| rest.is_empty())
    {
        return None;
    }
    let params: Vec<(&str, &str)> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let param = |names: &[&str], numeric: bool| {
        names.iter().find_map(|n| {
            params
                .iter()
                .find(|(k, v)| {
                    k == n && !v.is_empty() && (!numeric || v.bytes().all(|b| b.is_ascii_digit()))
                })
                .map(|(_, v)| (*v).to_owned())
        })
    };
    Some(NormalHost {
        host: base.to_owned(),
        // `?w=` accepts any id form; `?o=`/`?workspace_id=` must be numeric (Go).
        workspace_id: param(&["w"], false).or_else(|| param(&["o", "workspace_id"], true)),
        account_id: param(&["a", "account_id"], false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(raw: &str) -> Option<String> {
        normalize_host(raw).map(|n| n.host)
    }

    #[test]
    fn host_normalisation() {
        assert_eq!(
            host("x.cloud.databricks.com/"),
            Some("https://x.cloud.databricks.com".into())
        );
        assert_eq!(
            host("http://127.0.0.1:8080"),
            Some("http://127.0.0.1:8080".into())
        );
        assert_eq!(
            host("https://gw.corp/databricks/ws1//"),
            Some("https://gw.corp/databricks/ws1".into())
        );
        assert_eq!(host("https://"), None);
        assert_eq!(host("   "), None);
        let n = normalize_host("https://spog.cloud.databricks.com/?o=123&a=acc").unwrap();
        assert_eq!(n.host, "https://spog.cloud.databricks.com");
        assert_eq!(
            (n.workspace_id.as_deref(), n.account_id.as_deref()),
            (Some("123"), Some("acc"))
        );
        assert_eq!(normalize_host("h/?o=abc").unwrap().workspace_id, None);
    }

    #[test]
    fn userinfo_in_a_host_is_found_whatever_the_password_holds() {
        for raw in [
            "https://user:pw@x.cloud.databricks.com",
            "user:pw@x.cloud.databricks.com/",
            "https://token@x.cloud.databricks.com:443/path?o=1",
            "https://user:ab/cd+ef@x.cloud.databricks.com",
            "https://user:ab?cd@x.cloud.databricks.com",
            "https://user:ab#cd@x.cloud.databricks.com",
        ] {
            assert!(has_userinfo(raw), "{raw}");
        }
        for raw in [
            "https://x.cloud.databricks.com/gw/prefix",
            "x.cloud.databricks.com",
        ] {
            assert!(!has_userinfo(raw), "{raw}");
        }
    }

    #[test]
    fn secret_keys() {
        for k in [
            "password",
            "azure_client_secret",
            "my_api_key",
            "refresh_token",
        ] {
            assert!(is_secret_key(k, "v"), "{k}");
        }
        assert!(is_secret_key("google_credentials", " {\"type\":1}"));
        assert!(!is_secret_key("google_credentials", "/path/key.json"));
        assert!(!is_secret_key("oidc_token_env", "X"));
    }
}
