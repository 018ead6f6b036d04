//! The egress block log pane: a live tail of blocked egress, the by-destination view, and `a`
//! to allow a blocked destination through the reviewed policy-change flow.

use super::App;
use super::list::ListState;
use super::state::{Load, PolicyDetail, View};
use crate::actor::egress::TailRequest;
use crate::actor::{Command, Request, Slot};
use crate::api::egress::{AggregateWindow, DestinationSummary, EgressEvent};
use crate::api::egress_tail::{DEFAULT_OVERLAP_MS, TailCursor};
use crate::api::network_policies::change::EditOp;
use crate::api::network_policies::validate::normalize_dns_name;
use crate::api::sql::{Warehouse, WarehouseState};
use crate::api::{PolicyId, WorkspaceId};
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

/// Events kept in memory by default; the by-destination counts stay exact beyond it.
pub const DEFAULT_CAP: usize = 100_000;
/// Minutes shown in the blocks-per-minute sparkline.
pub const SPARK_MINUTES: usize = 30;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EgressTab {
    #[default]
    Events,
    ByDestination,
}

#[derive(Clone, Debug)]
pub struct EgressState {
    pub warehouses: Vec<Warehouse>,
    pub warehouses_load: Load,
    /// The warehouse queries run on (the profile's `warehouse_id` wins, else a running
    /// serverless one, else any).
    pub warehouse: Option<String>,
    pub tab: EgressTab,
    /// Newest first; at most `cap`.
    pub events: VecDeque<EgressEvent>,
    pub cap: usize,
    /// Events pushed out of memory by the cap.
    pub dropped: u64,
    pub summary: Vec<DestinationSummary>,
    pub summary_as_of_ms: Option<i64>,
    pub summary_load: Load,
    /// Blocks per destination seen by the tail after the aggregate was computed.
    pub tail_counts: HashMap<String, u64>,
    pub window: AggregateWindow,
    pub interval: Duration,
    pub paused: bool,
    pub tailing: bool,
    pub cursor: TailCursor,
    /// Ids of the latest batch, highlighted.
    pub new_ids: HashSet<String>,
    pub last_poll_ms: Option<i64>,
    pub truncated: bool,
    /// Blocks per minute, oldest first, the last element the current minute.
    pub per_minute: Vec<u64>,
    pub list: ListState,
    pub dest_list: ListState,
    /// The workspace an account profile reads the log through (None: a workspace profile).
    pub via: Option<crate::actor::EgressVia>,
    /// The last poll failed (message, when): the tail tries again on its next tick.
    pub poll_failed: Option<(String, i64)>,
    /// A capped poll covered the window only from this event time on.
    pub covered_from_ms: Option<i64>,
    /// Rows of the last poll that could not be read.
    pub gap: Option<String>,
    /// A rollout enforced a policy: (policy, when, its workspaces). Blocks in those workspaces
    /// after that time are highlighted, so the admin sees what the change stopped.
    pub enforced_mark: Option<(String, i64, Vec<String>)>,
}

impl Default for EgressState {
    fn default() -> Self {
        Self {
            warehouses: Vec::new(),
            warehouses_load: Load::NotLoaded,
            warehouse: None,
            tab: EgressTab::Events,
            events: VecDeque::new(),
            cap: DEFAULT_CAP,
            dropped: 0,
            summary: Vec::new(),
            summary_as_of_ms: None,
            summary_load: Load::NotLoaded,
            tail_counts: HashMap::new(),
            window: AggregateWindow::Last24Hours,
            interval: Duration::from_secs(15),
            paused: false,
            tailing: false,
            cursor: TailCursor::new(DEFAULT_OVERLAP_MS),
            new_ids: HashSet::new(),
            last_poll_ms: None,
            truncated: false,
            per_minute: vec![0; SPARK_MINUTES],
            list: ListState::default(),
            dest_list: ListState::default(),
            via: None,
            poll_failed: None,
            covered_from_ms: None,
            gap: None,
            enforced_mark: None,
        }
    }
}

impl EgressState {
    /// Insert a batch (newest first) keeping the ring sorted newest first and within its cap.
    pub fn ingest(&mut self, batch: Vec<EgressEvent>, now_ms: i64) {
        self.new_ids = batch.iter().map(|e| e.event_id.clone()).collect();
        for e in batch.into_iter().rev() {
            if self.summary_as_of_ms.is_some_and(|t| e.event_time_ms > t) {
                *self.tail_counts.entry(e.destination.clone()).or_default() += 1;
            }
            // Usually the front; late rows go where their time says.
            let pos = self
                .events
                .partition_point(|x| x.event_time_ms > e.event_time_ms);
            self.events.insert(pos, e);
        }
        while self.events.len() > self.cap {
            self.events.pop_back();
            self.dropped += 1;
        }
        self.per_minute = vec![0; SPARK_MINUTES];
        let minute = now_ms / 60_000;
        for e in self
            .events
            .iter()
            .take_while(|e| e.event_time_ms / 60_000 > minute - SPARK_MINUTES as i64)
        {
            let age = (minute - e.event_time_ms / 60_000).max(0) as usize;
            if age < SPARK_MINUTES {
                self.per_minute[SPARK_MINUTES - 1 - age] += 1;
            }
        }
    }

    /// Count of a destination: the warehouse's aggregate plus what the tail saw since.
    pub fn count_of(&self, s: &DestinationSummary) -> u64 {
        s.count + self.tail_counts.get(&s.destination).copied().unwrap_or(0)
    }

    pub fn rebuild(&mut self, names: &HashMap<String, String>) {
        let selected_id = self
            .list
            .selected_index()
            .and_then(|i| self.events.get(i))
            .map(|e| e.event_id.clone());
        let follow = self.list.selected == 0;
        let hay: Vec<String> = self
            .events
            .iter()
            .map(|e| {
                let ws = names.get(&e.workspace_id).map_or("", String::as_str);
                format!(
                    "{} {} {} {} {} {}",
                    e.destination,
                    e.workspace_id,
                    ws,
                    e.destination_type,
                    e.access_type,
                    e.network_source_type.as_deref().unwrap_or("")
                )
            })
            .collect();
        self.list.rebuild(hay.iter().map(String::as_str));
        // Follow the newest row unless the user scrolled away; else keep their row.
        if follow {
            self.list.select_first();
        } else if let Some(id) = selected_id
            && let Some(pos) = self
                .list
                .visible
                .iter()
                .position(|&i| self.events[i].event_id == id)
        {
            self.list.selected = pos;
        }
        let mut order: Vec<usize> = (0..self.summary.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(self.count_of(&self.summary[i])));
        let mut sorted: Vec<DestinationSummary> =
            order.iter().map(|&i| self.summary[i].clone()).collect();
        std::mem::swap(&mut self.summary, &mut sorted);
        let hay: Vec<String> = self
            .summary
            .iter()
            .map(|s| format!("{} {} {}", s.destination, s.destination_type, s.access_type))
            .collect();
        self.dest_list.rebuild(hay.iter().map(String::as_str));
    }

    /// The warehouse to use: see [`crate::api::sql::choose_warehouse`].
    pub fn choose_warehouse(&self, preferred: Option<&str>) -> Option<String> {
        crate::api::sql::choose_warehouse(&self.warehouses, preferred).map(|x| x.id.clone())
    }
}

impl App {
    /// Workspace id (as the system table writes it) → workspace name.
    pub(super) fn workspace_names(&self) -> HashMap<String, String> {
        self.state
            .workspaces
            .iter()
            .map(|w| (w.workspace_id.to_string(), w.workspace_name.clone()))
            .collect()
    }

    pub(super) fn egress_load(&mut self, force: bool) {
        let e = &self.state.egress;
        if force || e.warehouses_load == Load::NotLoaded {
            self.state.egress.warehouses_load = Load::Loading;
            self.request(Slot::Warehouses, Request::ListWarehouses);
        } else if !e.paused && (!e.tailing || force) {
            self.start_tail();
        }
    }

    pub(super) fn start_tail(&mut self) {
        let Some(warehouse_id) = self.state.egress.warehouse.clone() else {
            return;
        };
        let e = &mut self.state.egress;
        e.tailing = true;
        e.summary_load = Load::Loading;
        let req = TailRequest {
            warehouse_id,
            cursor: e.cursor.clone(),
            window: e.window,
            interval: e.interval,
            workspace: None,
            via: e.via.clone(),
        };
        self.request(Slot::EgressTail, Request::EgressTail(Box::new(req)));
    }

    pub(super) fn on_warehouses(
        &mut self,
        list: Vec<Warehouse>,
        via: Option<crate::actor::EgressVia>,
    ) {
        let preferred = self
            .state
            .current_profile()
            .and_then(|p| p.warehouse_id.clone());
        let e = &mut self.state.egress;
        e.warehouses = list;
        e.warehouses_load = Load::Loaded;
        e.via = via;
        e.warehouse = e.choose_warehouse(preferred.as_deref());
        let (chosen, paused) = (e.warehouse.is_some(), e.paused);
        if !chosen {
            self.state.last_error = Some(match &self.state.egress.via {
                Some(v) => format!(
                    "workspace {} ({}) has no SQL warehouse to read the egress log with (L in :ws chooses another)",
                    v.workspace_name, v.workspace_id
                ),
                None => "this workspace has no SQL warehouse to read the egress log with".into(),
            });
        } else if self.state.view == View::Egress && !paused {
            self.start_tail();
        }
    }

    pub(super) fn on_egress_events(
        &mut self,
        events: Vec<EgressEvent>,
        cursor: TailCursor,
        polled_at_ms: i64,
        (truncated, covered_from_ms): (bool, Option<i64>),
        gap: Option<String>,
    ) {
        let names = self.workspace_names();
        let e = &mut self.state.egress;
        e.cursor = cursor;
        e.last_poll_ms = Some(polled_at_ms);
        e.truncated = truncated;
        // The window's start stays uncovered after later (uncapped) polls: keep saying so.
        if covered_from_ms.is_some() {
            e.covered_from_ms = covered_from_ms;
        }
        e.poll_failed = None;
        if let Some(g) = &gap {
            self.state.last_error = Some(format!("egress log: {g}"));
        }
        let e = &mut self.state.egress;
        e.gap = gap.or(e.gap.take());
        // A poll that answered ran on the warehouse: it is up, whatever the list said.
        if let Some(id) = e.warehouse.clone()
            && let Some(w) = e.warehouses.iter_mut().find(|w| w.id == id)
        {
            w.state = Some(WarehouseState::Running);
        }
        e.ingest(events, polled_at_ms);
        e.rebuild(&names);
    }

    /// `:ctx`: the egress log belongs to the profile. Park the current profile's (its tail is
    /// cancelled with the connection, so it is marked stopped) and bring back `to`'s, whose tail
    /// then resumes from its own cursor on its own warehouse.
    pub(super) fn switch_egress_profile(&mut self, to: &str) {
        let from = self
            .state
            .session
            .as_ref()
            .map(|s| s.profile.clone())
            .or_else(|| self.state.connecting.clone());
        if from.as_deref() != Some(to) {
            let restored = self.state.egress_saved.remove(to).unwrap_or_default();
            let parked = std::mem::replace(&mut self.state.egress, restored);
            if let Some(from) = from {
                self.state.egress_saved.insert(from, parked);
            }
        }
        let e = &mut self.state.egress;
        e.tailing = false;
        // A list that was still loading died with the old connection: ask again.
        if e.warehouses_load == Load::Loading {
            e.warehouses_load = Load::NotLoaded;
        }
    }

    /// `L` in the workspaces pane: read the egress log through the selected workspace from now
    /// on (remembered for this profile).
    pub(super) fn read_egress_through(&mut self) {
        let Some(ws) = self
            .state
            .workspaces_list
            .selected_index()
            .and_then(|i| self.state.workspaces.get(i))
            .map(|w| (w.workspace_id, w.workspace_name.clone()))
        else {
            return;
        };
        self.stop_tail();
        let e = &mut self.state.egress;
        e.warehouse = None;
        e.warehouses.clear();
        e.via = None;
        e.poll_failed = None;
        e.warehouses_load = Load::Loading;
        self.state.flash = Some(format!(
            "the egress log is read through workspace {} ({}) from now on",
            ws.1, ws.0
        ));
        self.request(Slot::Warehouses, Request::ReadEgressThrough(ws.0));
    }

    pub(super) fn stop_tail(&mut self) {
        if self.state.egress.tailing {
            self.state.egress.tailing = false;
            self.outbox.push(Command::Cancel(Slot::EgressTail));
        }
    }

    pub(super) fn toggle_pause(&mut self) {
        let paused = !self.state.egress.paused;
        self.state.egress.paused = paused;
        if paused {
            self.stop_tail();
            self.state.flash = Some("egress tail paused (p resumes)".into());
        } else {
            self.start_tail();
            self.state.flash = Some("egress tail resumed".into());
        }
    }

    pub(super) fn set_window(&mut self, window: AggregateWindow) {
        let e = &mut self.state.egress;
        e.window = window;
        e.summary.clear();
        e.tail_counts.clear();
        e.summary_as_of_ms = None;
        e.covered_from_ms = None;
        self.stop_tail();
        if !self.state.egress.paused {
            self.start_tail();
        }
    }

    /// `a` on a blocked destination: prepare the policy of the event's workspace with the
    /// destination allowed, and open its review.
    pub(super) fn allow_from_log(&mut self) {
        if let Some(why) = self.state.write_refusal() {
            self.state.flash = Some(why);
            return;
        }
        let e = &self.state.egress;
        let (destination, dtype, workspace) = match e.tab {
            EgressTab::Events => match e.list.selected_index().and_then(|i| e.events.get(i)) {
                Some(ev) => (
                    ev.destination.clone(),
                    ev.destination_type.clone(),
                    Some(ev.workspace_id.clone()),
                ),
                None => return,
            },
            EgressTab::ByDestination => {
                match e.dest_list.selected_index().and_then(|i| e.summary.get(i)) {
                    Some(s) => {
                        // The aggregate spans workspaces: use the most recent event for it.
                        let ws = e
                            .events
                            .iter()
                            .find(|ev| ev.destination == s.destination)
                            .map(|ev| ev.workspace_id.clone());
                        (s.destination.clone(), s.destination_type.clone(), ws)
                    }
                    None => return,
                }
            }
        };
        let Some(ws) = workspace
            .and_then(|w| w.parse::<i64>().ok())
            .map(WorkspaceId)
        else {
            self.state.flash = Some(format!(
                "no recent event for {destination} says which workspace; pick it in the Events tab"
            ));
            return;
        };
        let Some(policy) = self.state.binding_of(ws).cloned() else {
            self.state.flash = Some(format!(
                "the policy bound to workspace {ws} is not known yet (:ws loads the bindings)"
            ));
            return;
        };
        if dtype.eq_ignore_ascii_case("STORAGE") || destination.contains("://") {
            // A storage event names a bucket but not its region: finish it in the editor.
            self.state.flash = Some(format!(
                "storage: press s and add {destination} with its region"
            ));
            self.open_policy_for_edit(policy);
            return;
        }
        let name = match normalize_dns_name(&destination) {
            Ok(n) => n,
            Err(e) => {
                self.state.flash = Some(format!(
                    "{destination} cannot be allowed as a DNS name: {e}"
                ));
                return;
            }
        };
        self.state.waiting_edits = Some(super::pending::WaitingEdits {
            policy: policy.clone(),
            ops: vec![EditOp::AddDns { name }],
            from: super::pending::EditsFrom::EgressLog,
        });
        self.open_policy_for_edit(policy);
    }

    fn open_policy_for_edit(&mut self, policy: PolicyId) {
        self.state.detail = PolicyDetail {
            id: Some(policy),
            ..Default::default()
        };
        self.show(View::PolicyDetail);
    }
}
