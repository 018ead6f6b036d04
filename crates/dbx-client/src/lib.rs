//! The Databricks client of dbx-tui, with no UI: [`api`] holds the typed Databricks models and
//! calls, [`auth`] the credential kinds behind one trait, [`config`] profiles and secrets as the
//! Databricks CLI and SDKs read them, [`journal`] the local record of applied changes,
//! [`files`] where dbx-tui keeps its own files, and [`sanitize`] what makes server text safe
//! for a terminal.

pub mod api;
pub mod auth;
pub mod config;
pub mod connect;
pub mod files;
pub mod journal;
pub mod sanitize;
