//! dbx-tui: a keyboard-driven terminal console for Databricks account and workspace admins.
//!
//! The layout is the architecture: [`app`] runs the event loop and owns the state, [`ui`] draws
//! that state, [`actor`] owns credentials and makes every REST call, [`api`] holds the typed
//! Databricks models and calls, [`auth`] the credential kinds, [`config`] profiles and secrets,
//! and [`emulator`] a faithful fake of Databricks for `--demo` and the tests.

pub mod actor;
pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod emulator;
pub mod journal;
pub mod logging;
pub mod sanitize;
pub mod ui;
