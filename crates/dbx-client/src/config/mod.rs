//! Profiles from `~/.databrickscfg` and `DATABRICKS_*` variables, resolved as the Databricks
//! SDKs do, and secrets.

pub mod edit;
pub mod env;
pub mod error;
pub mod file;
pub mod keyring;
pub mod profile;
pub mod resolve;
pub mod secret;

pub use env::{Env, default_config_path};
pub use error::ConfigError;
pub use file::{ConfigFile, load_config_file, parse_config};
pub use profile::{AuthMethod, Cloud, Profile, ProfileKind, ProfileSource};
pub use resolve::{ENV_PROFILE, list_profiles, resolve};
pub use secret::Secret;
