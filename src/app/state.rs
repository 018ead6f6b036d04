//! Everything the screen shows. Only the UI task touches it; the renderer reads it by `&`.

use super::keymap::Keymap;
use super::list::ListState;
use super::modal::Modal;
use crate::actor::{RequestId, SessionInfo, Slot};
use crate::api::network_policies::NetworkPolicy;
use crate::api::network_policies::change::{EditOp, apply_all};
use crate::api::workspaces::Workspace;
use crate::api::{PolicyId, WorkspaceId};
use crate::config::Profile;
use crate::journal::JournalEntry;
use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;
use tui_input::Input;

/// The top-level views, as named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum View {
    Workspaces,
    Policies,
    PolicyDetail,
    Principals,
    PrincipalDetail,
    Egress,
    Contexts,
    History,
    Rollout,
}

impl View {
    pub fn title(self) -> &'static str {
        super::panes::info(self).title
    }

    /// The command that opens the view (for the tab strip).
    pub fn command(self) -> &'static str {
        super::panes::info(self).command
    }
}

/// Where keys go.
#[derive(Clone, Debug, Default)]
pub enum Mode {
    #[default]
    Normal,
    Command(Input),
    Filter(Input),
    Help,
}

/// Loading state of one collection.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Load {
    #[default]
    NotLoaded,
    Loading,
    Loaded,
    Failed(String),
}

/// What we know of a workspace's policy binding.
#[derive(Clone, Debug, PartialEq)]
pub enum Binding {
    Policy(PolicyId),
    Unknown(String),
}

/// The policy opened with Enter.
#[derive(Clone, Debug, Default)]
pub struct PolicyDetail {
    pub id: Option<PolicyId>,
    pub policy: Option<NetworkPolicy>,
    pub load: Load,
    /// Selected editable item (see `app::editor::detail_items`).
    pub cursor: usize,
}

/// Edits of one policy not yet written: the version they were made against, and the edits.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingChange {
    pub base: NetworkPolicy,
    pub ops: Vec<EditOp>,
}

impl PendingChange {
    pub fn draft(&self) -> NetworkPolicy {
        apply_all(&self.base, &self.ops)
    }
}

#[derive(Clone, Debug)]
pub struct State {
    pub profiles: Vec<Profile>,
    pub session: Option<SessionInfo>,
    pub connecting: Option<String>,
    pub view: View,
    pub back_stack: Vec<View>,
    pub mode: Mode,
    pub keymap: Keymap,
    pub read_only: bool,

    pub workspaces: Vec<Workspace>,
    pub workspaces_load: Load,
    pub workspaces_list: ListState,
    pub workspaces_sort: super::table_sort::TableSort,
    pub bindings: HashMap<WorkspaceId, Binding>,
    /// Workspaces per policy, kept in step with `bindings` so a policy row never scans every
    /// workspace.
    pub bound: HashMap<PolicyId, Vec<WorkspaceId>>,
    /// Position of each workspace in `workspaces`.
    pub workspace_index: HashMap<WorkspaceId, usize>,

    pub policies: Vec<NetworkPolicy>,
    pub policies_load: Load,
    pub policies_list: ListState,
    pub policies_sort: super::table_sort::TableSort,
    pub detail: PolicyDetail,

    pub contexts: super::panes::contexts::ContextsState,

    pub principals: super::principals::PrincipalsState,

    /// Pending edits per policy; kept when the user navigates away, so nothing typed is lost.
    pub pending: HashMap<PolicyId, PendingChange>,
    /// Policy writes in flight, each with the request it belongs to.
    pub writes: super::pending::Writes,
    /// Edits to add to a pending change once the policy is (re)loaded (undo, allow from log).
    pub waiting_edits: Option<super::pending::WaitingEdits>,
    /// When each live view's data was last read (the screen's clock, epoch ms).
    pub fresh_at: HashMap<Slot, i64>,
    /// `:rollout`: one dry-run policy's report and the rows chosen to allow.
    pub rollout: super::rollout::RolloutPane,
    pub modal: Option<Modal>,

    pub egress: super::egress::EgressState,
    /// The egress log of each profile not shown now, restored by `:ctx`.
    pub egress_saved: HashMap<String, super::egress::EgressState>,

    /// `:history`: the journal as last read, and its list.
    pub history: super::panes::history::HistoryState,
    /// Where `e` writes exports (the working directory unless told otherwise).
    pub export_dir: std::path::PathBuf,

    /// Requests in flight, with words for the footer.
    pub in_flight: BTreeMap<RequestId, (Slot, String)>,
    /// Requests being retried, with what to say about it.
    pub retrying: BTreeMap<RequestId, String>,
    pub last_error: Option<String>,
    /// The kind of call `last_error` came from and what it said: a later success of the same
    /// kind clears it (unless something else has been said since).
    pub last_error_from: Option<(Slot, String)>,
    pub flash: Option<String>,
    /// Terminal size (columns, rows), to page by the visible height.
    pub size: (u16, u16),
    /// The clock the screen shows times against; set by the loop, fixed in tests.
    pub now: SystemTime,
    pub spinner: usize,
}

impl State {
    pub fn new(profiles: Vec<Profile>, keymap: Keymap) -> Self {
        Self {
            profiles,
            session: None,
            connecting: None,
            view: View::Workspaces,
            back_stack: Vec::new(),
            mode: Mode::Normal,
            keymap,
            read_only: false,
            workspaces: Vec::new(),
            workspaces_load: Load::NotLoaded,
            workspaces_list: ListState::default(),
            workspaces_sort: Default::default(),
            bindings: HashMap::new(),
            bound: HashMap::new(),
            workspace_index: HashMap::new(),
            policies: Vec::new(),
            policies_load: Load::NotLoaded,
            policies_list: ListState::default(),
            policies_sort: Default::default(),
            detail: PolicyDetail::default(),
            contexts: Default::default(),
            principals: Default::default(),
            pending: HashMap::new(),
            writes: Default::default(),
            waiting_edits: None,
            fresh_at: HashMap::new(),
            rollout: Default::default(),
            modal: None,
            egress: super::egress::EgressState::default(),
            egress_saved: HashMap::new(),
            history: Default::default(),
            export_dir: std::env::current_dir().unwrap_or_default(),
            in_flight: BTreeMap::new(),
            retrying: BTreeMap::new(),
            last_error: None,
            last_error_from: None,
            flash: None,
            size: (120, 40),
            now: SystemTime::UNIX_EPOCH,
            spinner: 0,
        }
    }

    /// Rows of a table body on screen: header 3, footer 2, borders 2, column header 1.
    pub fn page_rows(&self) -> usize {
        (self.size.1 as usize).saturating_sub(8).max(1)
    }

    /// The policy bound to a workspace, if known.
    pub fn binding_of(&self, ws: WorkspaceId) -> Option<&PolicyId> {
        match self.bindings.get(&ws) {
            Some(Binding::Policy(p)) => Some(p),
            _ => None,
        }
    }

    /// Workspaces bound to a policy, in the order their bindings arrived.
    pub fn workspaces_bound_to(&self, policy: &str) -> Vec<&Workspace> {
        self.bound
            .get(&PolicyId(policy.to_owned()))
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| self.workspace_index.get(id).map(|&i| &self.workspaces[i]))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Replace the workspace list (and its index).
    pub fn set_workspaces(&mut self, list: Vec<Workspace>) {
        self.workspace_index = list
            .iter()
            .enumerate()
            .map(|(i, w)| (w.workspace_id, i))
            .collect();
        self.workspaces = list;
        self.rebuild_workspaces();
    }

    /// Record a workspace's binding, moving it between policies' lists.
    pub fn set_binding(&mut self, ws: WorkspaceId, binding: Binding) {
        if let Some(Binding::Policy(old)) = self.bindings.get(&ws)
            && let Some(list) = self.bound.get_mut(old)
        {
            list.retain(|w| *w != ws);
        }
        if let Binding::Policy(p) = &binding {
            self.bound.entry(p.clone()).or_default().push(ws);
        }
        self.bindings.insert(ws, binding);
    }

    pub fn clear_account_data(&mut self) {
        self.workspaces.clear();
        self.workspace_index.clear();
        self.bindings.clear();
        self.bound.clear();
        self.policies.clear();
        self.rebuild_workspaces();
        self.rebuild_policies();
    }

    pub fn current_profile(&self) -> Option<&Profile> {
        let name = self
            .session
            .as_ref()
            .map(|s| s.profile.as_str())
            .or(self.connecting.as_deref())?;
        self.profiles.iter().find(|p| p.name == name)
    }

    pub fn is_account(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.kind == crate::config::ProfileKind::Account)
    }

    pub fn rebuild_workspaces(&mut self) {
        let hay: Vec<String> = self
            .workspaces
            .iter()
            .map(|w| workspace_haystack(w, self.binding_of(w.workspace_id)))
            .collect();
        self.workspaces_list.rebuild(hay.iter().map(String::as_str));
        self.sort_workspaces();
    }

    pub fn rebuild_policies(&mut self) {
        let hay: Vec<String> = self.policies.iter().map(policy_haystack).collect();
        self.policies_list.rebuild(hay.iter().map(String::as_str));
        self.sort_policies();
    }

    pub fn rebuild_contexts(&mut self) {
        let hay: Vec<String> = self
            .profiles
            .iter()
            .map(|p| format!("{} {}", p.name, p.host.as_deref().unwrap_or("")))
            .collect();
        self.contexts.list.rebuild(hay.iter().map(String::as_str));
    }

    /// The list of the current view, if it has one.
    pub fn current_list_mut(&mut self) -> Option<&mut ListState> {
        super::panes::pane(self.view).list_mut(self)
    }

    pub fn current_list(&self) -> Option<&ListState> {
        super::panes::pane(self.view).list(self)
    }

    pub fn rebuild_current(&mut self) {
        super::panes::pane(self.view).rebuild(self);
    }

    /// The journal entry at a history position (the list shows newest first).
    pub fn history_entry(&self, data_index: usize) -> Option<&JournalEntry> {
        self.history.entry(data_index)
    }

    /// The listed policy with this id.
    pub fn listed_policy(&self, id: &str) -> Option<&NetworkPolicy> {
        self.policies.iter().find(|p| p.id() == id)
    }

    /// The policy as the detail shows it: with pending edits applied.
    pub fn detail_draft(&self) -> Option<NetworkPolicy> {
        let id = self.detail.id.as_ref()?;
        match self.pending.get(id) {
            Some(p) => Some(p.draft()),
            None => self.detail.policy.clone(),
        }
    }

    /// Whether writes are allowed, or why not.
    pub fn write_refusal(&self) -> Option<String> {
        if self.read_only {
            return Some(
                "read-only session: writes are disabled (--read-only or read_only in the profile)"
                    .into(),
            );
        }
        if !self.is_account() {
            return Some(
                "network policies are account-level: switch to an account profile with :ctx".into(),
            );
        }
        None
    }
}

fn workspace_haystack(w: &Workspace, binding: Option<&PolicyId>) -> String {
    format!(
        "{} {} {} {} {} {} {}",
        w.workspace_id,
        w.workspace_name,
        w.deployment_name.as_deref().unwrap_or(""),
        w.cloud.as_deref().unwrap_or(""),
        w.region().unwrap_or(""),
        w.workspace_status
            .as_ref()
            .map_or("", dbx_client::api::workspaces::WorkspaceStatus::as_str),
        binding.map_or("", PolicyId::as_str)
    )
}

fn policy_haystack(p: &NetworkPolicy) -> String {
    let mut s = format!(
        "{} {} {}",
        p.id(),
        p.restriction_mode().map_or(
            "",
            dbx_client::api::network_policies::RestrictionMode::as_str
        ),
        p.enforcement_mode()
    );
    for d in p.internet_destinations() {
        s.push(' ');
        s.push_str(&d.destination);
    }
    s
}
