//! Service principals in the actor: the streamed list, lazily fetched secrets, the drill-in
//! (attributes, workspace assignments, secrets) and every lifecycle write. Writes re-read and
//! verify what the server holds, and are journaled without any secret value.

mod execute;
mod lost;
mod scope;
mod write;

use crate::api::WorkspaceId;
use crate::api::permissions::WorkspacePermission;
use crate::api::scim::{Group, ServicePrincipal};
use crate::api::secrets::SecretInfo;
use crate::config::Secret;

/// The service principals feature's lanes: the newest request of each wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalsSlot {
    List,
    Secrets,
    Detail,
    Groups,
}

/// What the service-principal pane asks the actor for.
#[derive(Clone, Debug, PartialEq)]
pub enum PrincipalsRequest {
    /// Stream every principal (optionally a server-side SCIM filter), one payload per page.
    List {
        filter: Option<String>,
    },
    /// Secrets of these principals (the visible rows only).
    Secrets(Vec<String>),
    /// Everything about one principal: attributes, secrets, workspace assignments.
    Detail(String),
    /// The groups a principal can be added to.
    Groups,
    Write(PrincipalWrite),
}

impl PrincipalsRequest {
    pub fn label(&self) -> String {
        match self {
            PrincipalsRequest::List { filter: None } => "listing service principals".into(),
            PrincipalsRequest::List { filter: Some(f) } => {
                format!("listing service principals where {f}")
            }
            PrincipalsRequest::Secrets(ids) => {
                format!("reading secrets of {} principal(s)", ids.len())
            }
            PrincipalsRequest::Detail(id) => format!("reading service principal {id}"),
            PrincipalsRequest::Groups => "listing groups".into(),
            PrincipalsRequest::Write(w) => w.label(),
        }
    }
}

/// A change to a service principal. Never carries a secret value.
#[derive(Clone, Debug, PartialEq)]
pub enum PrincipalWrite {
    Create {
        display_name: String,
        application_id: Option<String>,
    },
    Rename {
        id: String,
        name: String,
    },
    SetActive {
        id: String,
        active: bool,
    },
    Delete {
        id: String,
    },
    Assign {
        id: String,
        workspace: WorkspaceId,
        permission: WorkspacePermission,
    },
    Unassign {
        id: String,
        workspace: WorkspaceId,
    },
    /// Add the principal to the group (`member`) or remove it.
    SetGroupMember {
        id: String,
        group_id: String,
        group_name: String,
        member: bool,
    },
    /// `rotating`: the secret this one replaces (deleted after a second confirmation).
    CreateSecret {
        id: String,
        lifetime_days: Option<u64>,
        rotating: Option<String>,
    },
    DeleteSecret {
        id: String,
        secret_id: String,
    },
}

impl PrincipalWrite {
    pub fn label(&self) -> String {
        match self {
            PrincipalWrite::Create { display_name, .. } => {
                format!("creating service principal {display_name}")
            }
            PrincipalWrite::Rename { id, name } => format!("renaming {id} to {name}"),
            PrincipalWrite::SetActive { id, active: true } => format!("activating {id}"),
            PrincipalWrite::SetActive { id, active: false } => format!("deactivating {id}"),
            PrincipalWrite::Delete { id } => format!("deleting service principal {id}"),
            PrincipalWrite::Assign {
                id,
                workspace,
                permission,
            } => format!("assigning {id} to workspace {workspace} as {permission}"),
            PrincipalWrite::Unassign { id, workspace } => {
                format!("removing {id} from workspace {workspace}")
            }
            PrincipalWrite::SetGroupMember {
                id,
                group_name,
                member: true,
                ..
            } => format!("adding {id} to group {group_name}"),
            PrincipalWrite::SetGroupMember { id, group_name, .. } => {
                format!("removing {id} from group {group_name}")
            }
            PrincipalWrite::CreateSecret { id, .. } => format!("creating a secret for {id}"),
            PrincipalWrite::DeleteSecret { id, secret_id } => {
                format!("deleting secret {secret_id} of {id}")
            }
        }
    }
}

/// A workspace and what the principal may do there (empty: not assigned).
#[derive(Clone, Debug, PartialEq)]
pub struct AssignmentRow {
    pub workspace: WorkspaceId,
    pub name: String,
    pub permissions: Vec<WorkspacePermission>,
    pub error: Option<String>,
}

/// Answers to [`PrincipalsRequest`]s.
#[derive(Clone, Debug, PartialEq)]
pub enum PrincipalsPayload {
    Page {
        rows: Vec<ServicePrincipal>,
        loaded: usize,
        total: Option<u64>,
        done: bool,
    },
    Secrets {
        id: String,
        result: Result<Vec<SecretInfo>, String>,
    },
    Detail(ServicePrincipal),
    /// Every workspace of the account with the principal's permissions there; `note` when they
    /// cannot be read (a workspace profile has no account API).
    Assignments {
        id: String,
        rows: Vec<AssignmentRow>,
        note: Option<String>,
    },
    Groups(Vec<Group>),
    /// A write applied and verified. `sp` as read back; `deleted` when the principal is gone.
    Written {
        id: String,
        message: String,
        sp: Option<ServicePrincipal>,
        deleted: bool,
    },
    /// A new secret: the plaintext is shown once and never stored anywhere else.
    SecretCreated {
        id: String,
        info: SecretInfo,
        secret: Secret,
        rotating: Option<String>,
    },
}
