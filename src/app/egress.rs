//! The egress block log pane: a live tail of blocked egress, the by-destination view, and `a`
//! to allow a blocked destination through the reviewed policy-change flow.

use super::App;
use super::list::{ListState, holds_word};
use super::state::{Load, PolicyDetail, View};
use crate::actor::egress::TailRequest;
use crate::actor::{Command, EgressRequest, EgressSlot, Request, Slot};
use crate::api::egress::{AggregateWindow, DestinationSummary, EgressEvent};
use crate::api::egress_poll::PollBudget;
use crate::api::egress_tail::{DEFAULT_OVERLAP_MS, SharedCursor, TailCursor};
use crate::api::network_policies::change::EditOp;
use crate::api::network_policies::validate::normalize_dns_name;
use crate::api::sql::Warehouse;
use crate::api::{PolicyId, WorkspaceId};
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

/// Events kept in memory by default; the counts (from the warehouse) stay exact beyond it.
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
    pub window: AggregateWindow,
    pub interval: Duration,
    pub paused: bool,
    pub tailing: bool,
    /// A poll is running (between polls the tail waits, which is not "pending").
    pub polling: bool,
    /// Where the tail is, shared with the running tail.
    pub cursor: SharedCursor,
    /// How much one poll may read before it says how far behind it is.
    pub budget: PollBudget,
    /// The last poll ran out of budget with this many rows not received.
    pub behind: Option<u64>,
    /// Rows in the window, counted by the warehouse at the last poll.
    pub total: Option<u64>,
    /// Ids of the latest batch, highlighted.
    pub new_ids: HashSet<String>,
    pub last_poll_ms: Option<i64>,
    /// Blocks per minute (counted by the warehouse), oldest first, the last the current minute.
    pub per_minute: Vec<u64>,
    pub list: ListState,
    pub dest_list: ListState,
    /// The workspace an account profile reads the log through (None: a workspace profile).
    pub via: Option<crate::actor::EgressVia>,
    /// The last poll failed (message, when): the tail tries again on its next tick.
    pub poll_failed: Option<(String, i64)>,
    /// The tail covers the window only from this event time on (it started at the newest
    /// rows that fit the cap).
    pub covered_from_ms: Option<i64>,
    /// Rows of the last poll that could not be read.
    pub gap: Option<String>,
    /// A rollout enforced a policy: (policy, when, its workspaces). Blocks in those workspaces
    /// after that time are highlighted, so the admin sees what the change stopped.
    pub enforced_mark: Option<(String, i64, Vec<String>)>,
    /// What `list.visible` was last filtered from (see [`FilteredFrom`]).
    pub filtered_from: Option<FilteredFrom>,
}

/// A filter and the events it was applied to (how many, the newest and oldest ids). While the
/// events are the same, a filter that only grows needs to test only the rows still visible.
#[derive(Clone, Debug, PartialEq)]
pub struct FilteredFrom {
    filter: String,
    events: (usize, Option<String>, Option<String>),
}

impl FilteredFrom {
    fn of(filter: &str, events: &VecDeque<EgressEvent>) -> Self {
        let id = |e: Option<&EgressEvent>| e.map(|e| e.event_id.clone());
        FilteredFrom {
            filter: filter.to_lowercase(),
            events: (events.len(), id(events.front()), id(events.back())),
        }
    }

    /// Whether every row `next` lets through is among the rows this one let through.
    fn narrowed_by(&self, next: &FilteredFrom) -> bool {
        self.events == next.events
            && !self.filter.starts_with('!')
            && !next.filter.starts_with('!')
            && next.filter.contains(&self.filter)
    }
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
            window: AggregateWindow::Last24Hours,
            interval: Duration::from_secs(15),
            paused: false,
            tailing: false,
            polling: false,
            cursor: SharedCursor::new(TailCursor::new(DEFAULT_OVERLAP_MS)),
            budget: PollBudget::default(),
            behind: None,
            total: None,
            new_ids: HashSet::new(),
            last_poll_ms: None,
            per_minute: vec![0; SPARK_MINUTES],
            list: ListState::default(),
            dest_list: ListState::default(),
            via: None,
            poll_failed: None,
            covered_from_ms: None,
            filtered_from: None,
            gap: None,
            enforced_mark: None,
        }
    }
}

impl EgressState {
    /// Count of a destination: the warehouse's aggregate over the window (exact).
    pub fn count_of(&self, s: &DestinationSummary) -> u64 {
        s.count
    }

    pub fn rebuild(&mut self, names: &HashMap<String, String>) {
        let selected_id = self
            .list
            .selected_index()
            .and_then(|i| self.events.get(i))
            .map(|e| e.event_id.clone());
        let follow = self.list.selected == 0;
        self.rebuild_filtered(names);
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

    /// The events the filter lets through. Each word is looked for in each field in place (a
    /// word holds no space, so it matches the fields joined by spaces only within one field),
    /// and a filter that only grew tests only the rows still visible: building a lower-cased
    /// string per event cost 60 ms a key with 100,000 events held.
    fn rebuild_filtered(&mut self, names: &HashMap<String, String>) {
        let events = &self.events;
        let now = FilteredFrom::of(&self.list.filter, events);
        let narrowing = self
            .filtered_from
            .as_ref()
            .is_some_and(|was| was.narrowed_by(&now));
        // Per word, the workspaces whose name holds it: a few names, looked at once.
        let (words, _) = self.list.words();
        let named: Vec<Vec<&str>> = words
            .iter()
            .map(|w| {
                names
                    .iter()
                    .filter(|(_, name)| holds_word(name, w))
                    .map(|(id, _)| id.as_str())
                    .collect()
            })
            .collect();
        let holds = |i: usize, words: &[&str]| {
            let e = &events[i];
            let fields = [
                e.destination.as_str(),
                e.workspace_id.as_str(),
                e.destination_type.as_str(),
                e.access_type.as_str(),
                e.network_source_type.as_deref().unwrap_or(""),
            ];
            words.iter().zip(&named).all(|(w, named)| {
                fields.iter().any(|f| holds_word(f, w)) || named.contains(&e.workspace_id.as_str())
            })
        };
        if narrowing {
            let candidates = std::mem::take(&mut self.list.visible);
            self.list.rebuild_among(candidates, holds);
        } else {
            self.list.rebuild_among(0..events.len(), holds);
        }
        self.filtered_from = Some(now);
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
            self.request(
                Slot::Egress(EgressSlot::Warehouses),
                Request::Egress(EgressRequest::ListWarehouses),
            );
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
            budget: e.budget,
        };
        self.request(
            Slot::Egress(EgressSlot::Tail),
            Request::Egress(EgressRequest::Tail(Box::new(req))),
        );
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
        e.polling = false;
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
        self.request(
            Slot::Egress(EgressSlot::Warehouses),
            Request::Egress(EgressRequest::ReadThrough(ws.0)),
        );
    }

    pub(super) fn stop_tail(&mut self) {
        self.state.egress.polling = false;
        if self.state.egress.tailing {
            self.state.egress.tailing = false;
            self.outbox
                .push(Command::Cancel(Slot::Egress(EgressSlot::Tail)));
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
        e.summary_as_of_ms = None;
        e.covered_from_ms = None;
        // Another window is another tail: it starts again at the window's newest rows.
        let overlap = e.cursor.lock().overlap_ms;
        e.cursor = SharedCursor::new(TailCursor::new(overlap));
        e.events.clear();
        e.dropped = 0;
        e.behind = None;
        e.total = None;
        e.list.rebuild(std::iter::empty());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::egress::AccessType;

    fn event(id: &str, destination: &str, workspace: &str, source: Option<&str>) -> EgressEvent {
        EgressEvent {
            event_id: id.into(),
            event_time_ms: 0,
            workspace_id: workspace.into(),
            destination: destination.into(),
            destination_type: "DNS".into(),
            access_type: AccessType::DryRunDenial,
            network_source_type: source.map(Into::into),
            storage_path: None,
            rejection_reason: None,
        }
    }

    /// Each word of the filter is found in any field, the workspace's name included, in any
    /// case and order; the fields are not run together.
    #[test]
    fn the_filter_finds_every_word_in_any_field() {
        let mut e = EgressState {
            events: [
                event("1", "api.OpenAI.com", "101", Some("General Compute")),
                event("2", "pypi.org", "102", None),
                event("3", "openai.azure.com", "102", Some("DBSQL")),
            ]
            .into_iter()
            .collect(),
            cap: 10,
            ..EgressState::default()
        };
        let names: HashMap<String, String> = [("101", "Prod-Analytics"), ("102", "dev-ml")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        // Filters typed one after another: each grows the last or starts anew.
        let filtered = |e: &mut EgressState, filter: &str| -> Vec<String> {
            e.list.filter = filter.into();
            e.rebuild(&names);
            e.list.shown(|i| e.events[i].event_id.clone())
        };
        for (filter, want) in [
            ("openai prod", vec!["1"]),
            ("PROD OPENAI", vec!["1"]),
            ("dev-ml", vec!["2", "3"]),
            ("general compute", vec!["1"]),
            ("dry_run dbsql", vec!["3"]),
            ("!openai", vec!["2"]),
            ("com101", vec![]),
            ("", vec!["1", "2", "3"]),
            ("dev", vec!["2", "3"]),
            ("dev-m", vec!["2", "3"]),
        ] {
            assert_eq!(filtered(&mut e, filter), want, "{filter:?}");
        }
        // Once an event arrives, a longer filter tests every row again, not only those shown.
        e.events
            .push_front(event("4", "x.dev-mirror.io", "101", None));
        assert_eq!(filtered(&mut e, "dev-mi"), ["4"]);
    }
}
