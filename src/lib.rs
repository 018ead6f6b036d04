//! dbx-tui: a keyboard-driven terminal console for Databricks account and workspace admins.
//!
//! The layout is the architecture: [`app`] runs the event loop and owns the state, [`ui`] draws
//! that state, [`actor`] owns the sessions and makes every REST call through the client crate
//! (`dbx-client`: [`api`], [`auth`], [`config`], [`journal`], [`files`]), and `emulator` (the
//! `dbx-emulator` crate, behind the default `demo` feature) is a strict fake of Databricks for
//! `--demo` and the tests.

pub use dbx_client::{api, auth, config, connect, files, journal, sanitize};
#[cfg(feature = "demo")]
pub use dbx_emulator as emulator;

pub mod actor;
pub mod app;
pub mod auth_login;
pub mod cli;
pub mod commands;
pub mod logging;
pub mod policy_rollout;
pub mod ui;
