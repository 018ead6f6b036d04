//! Errors from reading and resolving profiles. No variant carries a config value, only key
//! names, profile names, paths and line numbers, so no secret can leak through a message.

use std::path::{Path, PathBuf};

/// Why a profile could not be read or resolved.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file does not exist; callers usually carry on with the environment alone.
    #[error("{} does not exist", show(path))]
    NotFound { path: PathBuf },

    #[error("cannot read {}: {source}", show(path))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    /// A malformed line. `message` is fixed text from the parser, never the line itself (a
    /// stray line may be a pasted token).
    #[error("{} line {line}: {message}", show(path))]
    Syntax {
        path: PathBuf,
        line: usize,
        message: &'static str,
    },

    #[error(
        "{}: no profile `{name}`; available profiles: {}",
        show(path),
        list(available)
    )]
    UnknownProfile {
        path: PathBuf,
        name: String,
        available: Vec<String>,
    },

    #[error("profile `{name}` was requested but there is no config file to read it from")]
    NoConfigFile { name: String },

    #[error("`__settings__` is a reserved section name and cannot be used as a profile")]
    ReservedProfile,

    #[error("profile `{profile}`: more than one authorization method configured: {}; set auth_type to choose one", methods.join(" and "))]
    MultipleAuthMethods {
        profile: String,
        methods: Vec<String>,
    },

    #[error(
        "profile `{profile}` has no credentials: set token, client_id and client_secret, or auth_type"
    )]
    NoCredentials { profile: String },

    #[error("profile `{profile}`: auth_type `{auth_type}` is not one the Databricks SDKs know")]
    UnknownAuthType { profile: String, auth_type: String },

    #[error("profile `{profile}`: auth_type `{auth_type}` needs `{missing}`")]
    MissingCredential {
        profile: String,
        auth_type: String,
        missing: &'static str,
    },

    #[error("profile `{profile}` has no host: set host in the profile or DATABRICKS_HOST")]
    NoHost { profile: String },

    /// The host carried `user:password@`; what was written is not repeated.
    #[error(
        "profile `{profile}`: host must not contain a user name or password (user:password@); remove it and put the credential in token, client_secret or the OS keyring"
    )]
    HostUserinfo { profile: String },

    #[error("{var} must be true or false")]
    InvalidEnv { var: &'static str },
}

/// The path with the home directory shortened to `~`, as users write it.
fn show(path: &Path) -> String {
    if let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf())
        && !home.as_os_str().is_empty()
        && let Ok(rest) = path.strip_prefix(&home)
    {
        return Path::new("~").join(rest).display().to_string();
    }
    path.display().to_string()
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "(none)".to_owned()
    } else {
        names.join(", ")
    }
}
