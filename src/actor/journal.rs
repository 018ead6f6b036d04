//! The journal feature of the actor: reading the local record of applied changes.

use super::Payload;
use super::feature::{Feature, Reply};
use super::session::Session;
use crate::api::ApiError;
use crate::journal::JournalEntry;

/// What the history pane asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum JournalRequest {
    /// Every entry of the journal file.
    Read,
}

/// What the actor answers to a [`JournalRequest`].
#[derive(Clone, Debug, PartialEq)]
pub struct JournalPayload {
    pub entries: Vec<JournalEntry>,
    /// Lines that could not be read (not shown).
    pub unreadable: usize,
}

impl JournalRequest {
    /// Words for the footer while the request is in flight.
    pub fn label(&self) -> String {
        match self {
            JournalRequest::Read => "reading the journal".into(),
        }
    }
}

impl Feature for JournalRequest {
    async fn execute(self, session: &Session, reply: Reply<'_>) -> Result<(), ApiError> {
        match self {
            JournalRequest::Read => {
                // The file is read on a blocking thread, never on the actor's loop.
                let journal = session.journal.clone();
                let read = tokio::task::spawn_blocking(move || journal.read_all())
                    .await
                    .map_err(|e| ApiError::Local(format!("reading the journal: {e}")))?;
                let (entries, unreadable) =
                    read.map_err(|e| ApiError::Local(format!("reading the journal: {e}")))?;
                reply.send(Payload::Journal(JournalPayload {
                    entries,
                    unreadable,
                }));
            }
        }
        Ok(())
    }
}
