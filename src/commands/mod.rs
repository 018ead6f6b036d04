//! Non-interactive subcommands for scripts: `policy list|get|bind`, `sp list`, `egress tail`.
//!
//! Each command reads with the same profiles as the UI, writes only behind an explicit flag, and
//! ends with an exit code scripts can test ([`Failure::code`]). Output goes to a writer so the
//! commands are testable; a closed pipe (`| head`) ends a command quietly.

pub mod egress_tail;
pub mod policy;
pub mod principals;

use crate::api::{ApiClient, ApiError};
use crate::config::Profile;

/// Output format of the commands that print a list or an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// Why a command ended without success: the message for stderr and the process exit code.
#[derive(Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    /// Exit code 1: the request failed (credentials, network, server, bad argument).
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Self::error(e.user_message())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Self::error(format!("writing the output: {e}"))
    }
}

/// What a command ends with.
pub type Outcome = Result<(), Failure>;

/// A write that stops quietly when the reader went away: `dbx-tui egress tail | head` is normal
/// use, not an error. `Ok(false)` means the pipe is closed and the command should end.
pub(crate) fn emit(out: &mut dyn std::io::Write, text: &str) -> std::io::Result<bool> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

/// A client for the profile's host, account or workspace.
pub(crate) fn open_client(profile: &Profile) -> Result<ApiClient, ApiError> {
    crate::connect::Connection::open(profile)
        .map(|c| c.client)
        .map_err(|e| match e {
            crate::connect::ConnectError::Credential(e) => ApiError::Auth(e.to_string()),
            other => ApiError::Local(other.to_string()),
        })
}
