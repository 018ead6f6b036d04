//! Typed Databricks models and calls, one module per API family.
//!
//! Every call goes through [`ApiClient`], which owns the base URL (with any gateway path prefix),
//! the credential provider and the error decoding. Models keep every field they do not know in a
//! flattened `extra` map, because several Databricks writes are full-object PUTs: a field we drop
//! on read would be deleted on write.

pub mod client;
pub mod egress;
pub mod egress_poll;
pub mod egress_tail;
pub mod error;
pub mod lenient;
pub mod network_policies;
pub mod permissions;
pub mod retry;
pub mod rollout;
pub mod routing;
pub mod scim;
pub mod scim_load;
pub mod secrets;
pub mod sql;
pub mod sql_chunks;
pub mod timestamp;
pub mod types;
pub mod workspaces;

pub use client::ApiClient;
pub use error::{ApiError, ErrorKind};
pub use types::{AccountId, PolicyId, WorkspaceId};
