//! The one way the actor records an applied change in the journal.

use super::session::Session;
use crate::journal::{JournalEntry, now_rfc3339};

impl Session {
    /// Append an applied change to the journal. The file is appended and synced on a blocking
    /// thread, so a slow disk never stalls the actor's other requests. The change is applied
    /// already: a journal failure must not hide that, so it is logged, not returned.
    pub(super) async fn record(
        &self,
        action: &str,
        object_id: &str,
        workspace_id: Option<i64>,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) {
        let entry = JournalEntry {
            time: now_rfc3339(),
            profile: self.profile.name.clone(),
            principal: self.client.auth().principal(),
            action: action.to_owned(),
            policy_id: object_id.to_owned(),
            workspace_id,
            before,
            after,
        };
        let journal = self.journal.clone();
        let path = journal.path().display().to_string();
        match tokio::task::spawn_blocking(move || journal.append(&entry)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, path, "could not append to the journal"),
            Err(e) => tracing::error!(error = %e, path, "the journal append did not finish"),
        }
    }
}
