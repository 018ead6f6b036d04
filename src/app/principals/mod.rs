//! The service-principals pane: the streamed list (sort, local and server-side filter, lazily
//! fetched secret expiry), the drill-in, and every lifecycle write through a confirmation.
//! A secret's plaintext lives only in the shown-once modal and the clipboard effect.

mod actions;
mod clipboard;
mod detail;
mod expiry;
mod filter;
mod keys;
mod load;
mod replies;
mod rows;
mod sort;
mod validate;

pub use clipboard::osc52;
pub use detail::{DetailItem, PrincipalDetail};
pub use expiry::{EXPIRY_WARN_DAYS, Expiry, SecretsKnown, soonest_expiry};
pub use sort::SortColumn;

use super::App;
use super::list::ListState;
use super::modal::Modal;
use super::state::{Load, View};
use crate::actor::PrincipalWrite;
use crate::api::WorkspaceId;
use crate::api::scim::{Group, ServicePrincipal};
use crate::api::secrets::SecretInfo;
use crate::config::Secret;
use std::collections::{HashMap, HashSet};
use tui_input::Input;

#[derive(Clone, Debug, Default)]
pub struct PrincipalsState {
    pub rows: Vec<ServicePrincipal>,
    /// Lower-cased filter haystack per row, computed once when the row arrives.
    hay: Vec<String>,
    /// Lower-cased name per row: the name column's sort key, computed once per row.
    sort_name: Vec<Box<str>>,
    index: HashMap<String, usize>,
    /// Every row in display order (data indexes): sorted, then any rows of a streaming load
    /// appended in arrival order since the last sort.
    order: Vec<usize>,
    /// Rows were appended after the last sort (sorted when the load settles).
    arrival_tail: bool,
    /// Each column's ascending order, computed once until a row changes.
    sorted: sort::SortCache,
    /// What the filter `list.visible` reflects (and the wider ones before it) matched per row.
    filter_memo: filter::FilterMemo,
    pub load: Load,
    pub loaded: usize,
    pub total: Option<u64>,
    pub list: ListState,
    pub sort: SortColumn,
    pub descending: bool,
    /// The SCIM filter of the last `:filter`, sent to the server.
    pub server_filter: Option<String>,
    pub secrets: HashMap<String, SecretsKnown>,
    /// Principals whose secrets the newest secrets request is fetching.
    secrets_asked: HashSet<String>,
    pub groups: Vec<Group>,
    pub groups_load: Load,
    pub detail: PrincipalDetail,
}

/// What a one-line input of this pane is for.
#[derive(Clone, Debug, PartialEq)]
pub enum PrincipalInput {
    CreateName,
    CreateApplicationId { name: String },
    Rename { id: String },
    SecretLifetime { id: String },
}

impl PrincipalInput {
    pub fn prompt(&self) -> String {
        match self {
            PrincipalInput::CreateName => "New service principal: display name".into(),
            PrincipalInput::CreateApplicationId { name } => format!(
                "Application id for {name} (Azure: the Entra app id; empty: Databricks mints one)"
            ),
            PrincipalInput::Rename { id } => format!("Rename {id} to"),
            PrincipalInput::SecretLifetime { id } => {
                format!("New OAuth secret for {id}: lifetime in days (empty: 730, the maximum)")
            }
        }
    }
}

/// Which list a picker chooses from.
#[derive(Clone, Debug, PartialEq)]
pub enum PrincipalPick {
    Workspace { id: String },
    Permission { id: String, workspace: WorkspaceId },
    Group { id: String },
}

/// Dialogs of this pane.
#[derive(Clone, Debug)]
pub enum PrincipalModal {
    Input {
        purpose: PrincipalInput,
        input: Input,
        error: Option<String>,
    },
    /// y goes ahead; anything else cancels (n and esc say so). `lines` say what breaks.
    Confirm {
        write: PrincipalWrite,
        title: String,
        lines: Vec<String>,
    },
    /// Type `expected` to go ahead.
    TypeToConfirm {
        write: PrincipalWrite,
        expected: String,
        input: Input,
    },
    Pick {
        purpose: PrincipalPick,
        /// (label, value)
        options: Vec<(String, String)>,
        list: ListState,
    },
    /// A new secret, shown once. Closing it drops the only copy.
    SecretShown {
        id: String,
        name: String,
        info: SecretInfo,
        secret: Secret,
        copied: bool,
        rotating: Option<String>,
    },
}

fn in_principals(view: View) -> bool {
    matches!(view, View::Principals | View::PrincipalDetail)
}

impl App {
    fn pmodal(&mut self, m: PrincipalModal) {
        self.state.modal = Some(Modal::Principal(m));
    }

    fn principals_write_refusal(&mut self) -> bool {
        if self.state.read_only {
            self.state.flash = Some(
                "read-only session: writes are disabled (--read-only or read_only in the profile)"
                    .into(),
            );
            return true;
        }
        false
    }
}
