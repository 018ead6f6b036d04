//! Dialogs that take the keys until they close: inputs, the review of a change, confirmations.
//! Every destructive confirmation defaults to "no": only `y` (or the typed id) goes ahead.

use super::list::ListState;
use crate::api::network_policies::{NetworkPolicy, StorageDestination};
use crate::api::{PolicyId, WorkspaceId};
use tui_input::Input;

/// What a one-line input is for.
#[derive(Clone, Debug, PartialEq)]
pub enum InputPurpose {
    AddDns,
    EditDns(String),
    AddBlocked,
    EditBlocked(String),
    AddStorage,
    EditStorage(StorageDestination),
    NewPolicy,
    ClonePolicy(PolicyId),
}

impl InputPurpose {
    pub fn prompt(&self) -> String {
        match self {
            InputPurpose::AddDns => "Allow DNS name".into(),
            InputPurpose::EditDns(old) => format!("Replace {old} with"),
            InputPurpose::AddBlocked => "Block DNS name".into(),
            InputPurpose::EditBlocked(old) => format!("Block instead of {old}"),
            InputPurpose::AddStorage => {
                "Allow storage (s3://bucket region | gs://bucket | azure://account.dfs)".into()
            }
            InputPurpose::EditStorage(old) => format!("Replace {} with", old.label()),
            InputPurpose::NewPolicy => "New policy id".into(),
            InputPurpose::ClonePolicy(from) => format!("Clone {from} as"),
        }
    }
}

/// What a review applies.
#[derive(Clone, Debug, PartialEq)]
pub enum ReviewKind {
    /// The pending change of this policy.
    Update(PolicyId),
    /// A new policy (created or cloned).
    Create(Box<NetworkPolicy>),
}

/// Which list a picker chooses from.
#[derive(Clone, Debug, PartialEq)]
pub enum PickFor {
    /// Choose a policy for this workspace.
    Workspace(WorkspaceId),
    /// Choose a workspace to bind to this policy.
    Policy(PolicyId),
}

#[derive(Clone, Debug)]
pub enum Modal {
    Input {
        purpose: InputPurpose,
        input: Input,
        error: Option<String>,
    },
    Review {
        kind: ReviewKind,
        scroll: u16,
    },
    ConfirmDiscard {
        policy: PolicyId,
    },
    Conflict {
        policy: PolicyId,
        server: Box<NetworkPolicy>,
    },
    ConfirmBind {
        workspace: WorkspaceId,
        policy: PolicyId,
        expected: PolicyId,
    },
    Pick {
        for_: PickFor,
        list: ListState,
    },
    DeletePolicy {
        policy: PolicyId,
        input: Input,
    },
    Export {
        policy: PolicyId,
    },
    Principal(super::principals::PrincipalModal),
    /// Several pasted lines offered as names to add.
    PasteOffer(Box<super::paste::PasteOffer>),
    /// A `:history` entry's change (the history list's data index), read-only.
    HistoryEntry {
        index: usize,
        scroll: u16,
    },
    /// A yes/no question before something that cannot be taken back.
    Confirm(super::confirm::Confirm),
    /// Sign in again: a person's login expired.
    SignIn(Box<super::signin::SignIn>),
}
