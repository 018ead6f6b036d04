//! The service-principals pane: the streamed list (sort, local and server-side filter, lazily
//! fetched secret expiry), the drill-in, and every lifecycle write through a confirmation.
//! A secret's plaintext lives only in the shown-once dialog and the clipboard effect.

mod actions;
mod clipboard;
mod detail;
mod dialogs;
mod expiry;
mod filter;
mod haystack;
mod load;
mod replies;
mod rows;
mod sort;
mod sort_key;
mod sort_order;
mod validate;

pub use clipboard::osc52;
pub use detail::{DetailItem, PrincipalDetail};
pub use dialogs::{PrincipalInput, PrincipalPick};
pub use expiry::{EXPIRY_WARN_DAYS, Expiry, SecretsKnown, soonest_expiry};
pub use sort::SortColumn;

use super::App;
use super::list::ListState;
use super::modal::Modal;
use super::state::{Load, View};
use crate::api::scim::{Group, ServicePrincipal};
use std::collections::{HashMap, HashSet};

#[derive(Clone, Debug, Default)]
pub struct PrincipalsState {
    pub rows: Vec<ServicePrincipal>,
    /// Lower-cased filter haystack per row, computed once when the row arrives.
    hay: haystack::Haystacks,
    /// Lower-cased name per row: the name column's sort key, computed once per row.
    sort_name: Vec<Box<str>>,
    /// Every column's sort key per row, packed into numbers when the row arrives (shared with
    /// the sort warm-up thread; copied only if a row changes while it runs).
    keys: std::sync::Arc<Vec<sort_key::RowKey>>,
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

fn in_principals(view: View) -> bool {
    matches!(view, View::Principals | View::PrincipalDetail)
}

impl App {
    fn open(&mut self, m: Modal) {
        self.state.modal = Some(m);
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
