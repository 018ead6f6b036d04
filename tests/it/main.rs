//! Every integration test in one binary, so the test build links the crate once. Only tests
//! that change the process environment live in binaries of their own (`tests/cloud_auth_env.rs`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test or bench that cannot set itself up should stop loudly"
)]

#[path = "../support/mod.rs"]
mod support;

#[path = "../cloud_common/mod.rs"]
mod cloud_common;

mod api_client;
mod api_scim_paging;
mod api_sql;
mod auth_login;
mod cli_auth;
mod cli_commands;
mod cli_exit;
mod cloud_auth;
mod cloud_auth_failures;
mod config_file;
mod config_precedence;
mod e2e_egress;
mod e2e_principals;
mod e2e_pty;
mod e2e_terminal;
mod egress_account;
mod egress_log;
mod egress_tail_scale;
mod emulator_auth;
mod emulator_policies;
mod emulator_scim;
mod emulator_scim_index;
mod emulator_scim_writes;
mod emulator_sql;
mod emulator_standalone;
mod export_files;
mod fuzz_props;
mod keyring_store;
mod live_views;
mod long_run;
mod lost_answers;
mod pane_keys;
mod paste;
mod pending_edits;
mod policy_editor;
mod policy_export;
mod policy_rollout;
mod policy_validate;
mod principals;
mod principals_scale;
mod principals_writes;
mod readme_keys;
mod relogin;
mod relogin_pty;
mod resilience;
mod rollout_pane;
mod routing;
mod server_fields;
mod terminal_safety;
mod token_outage;
mod token_refresh;
mod transport;
mod ui_snapshots;
mod write_races;
