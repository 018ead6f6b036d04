//! `:rollout`: take a dry-run policy to enforced, knowing what that blocks.
//!
//! The warehouse counts the policy's dry-run denials per destination over a window (one
//! `GROUP BY`, see `dbx_client::api::rollout`); the pane shows them as a checklist. Space
//! chooses a row, `a` every row shown that would be blocked, `f` whether the change also
//! enforces, `w` turns the choice into one pending change of the policy (the allows, and
//! DRY_RUN → ENFORCED) reviewed in the usual diff with its conflict check, journal and undo.
//! The review says, from the same rows, what would still be blocked after the change.

use super::{Pane, PaneInfo};
use crate::actor::{Request, RolloutRequest, Slot};
use crate::api::PolicyId;
use crate::api::network_policies::change::EditOp;
use crate::api::network_policies::validate::normalize_dns_name;
use crate::api::network_policies::{
    EnforcementMode, NetworkPolicy, StorageDestination, StorageDestinationType,
};
use crate::api::rollout::{DestinationKind, RolloutRow, RolloutRun, StorageTarget, Verdict};
use crate::app::App;
use crate::app::keymap::Action;
use crate::app::list::ListState;
use crate::app::pane_keys::{FILTER, PaneKey, REFRESH, hint};
use crate::app::pending::{EditsFrom, WaitingEdits};
use crate::app::state::{Load, State, View};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::collections::BTreeSet;

/// The window a rollout reads when none is given: a week of dry run.
pub const DEFAULT_WINDOW: &str = "7d";

/// The `:rollout` component; its state is [`RolloutPane`] (`State::rollout`).
pub struct Rollout;

const KEYS: &[PaneKey] = &[
    FILTER,
    hint(Action::ToggleRow, "choose", "choose the row to allow"),
    hint(
        Action::AddDns,
        "all",
        "choose every row shown that would be blocked (again: none)",
    ),
    hint(
        Action::ToggleEnforcement,
        "enforce",
        "whether the change also switches DRY_RUN to ENFORCED",
    ),
    hint(
        Action::Review,
        "review",
        "review the chosen allows (and enforcement) as one change",
    ),
    hint(
        Action::Open,
        "events",
        "the log's events for that destination",
    ),
    REFRESH,
];

pub const INFO: PaneInfo = PaneInfo::new("Rollout", "rollout", ":rollout", KEYS);

impl Pane for Rollout {
    super::list_at!(rollout.list);
    fn rebuild(&self, state: &mut State) {
        state.rollout.rebuild();
    }
    fn load(&self, app: &mut App, force: bool) {
        if app.state.session.is_some() && (force || app.state.rollout.load == Load::NotLoaded) {
            app.load_rollout();
        }
    }
    fn perform(&self, app: &mut App, action: Action) {
        app.rollout_action(action);
    }
    fn render(&self, state: &State, frame: &mut Frame, area: Rect) {
        crate::ui::rollout::render(state, frame, area);
    }
}

/// The `:rollout` pane: one policy's report and the rows chosen to allow.
#[derive(Clone, Debug, PartialEq)]
pub struct RolloutPane {
    pub policy: Option<PolicyId>,
    /// The window as typed (`7d`, `24h`, a start time) and its start.
    pub window: String,
    pub since_ms: i64,
    pub load: Load,
    pub run: Option<RolloutRun>,
    /// Destinations chosen to allow (lower case).
    pub chosen: BTreeSet<String>,
    /// The change also switches DRY_RUN → ENFORCED.
    pub enforce: bool,
    pub list: ListState,
    /// The policy whose reviewed rollout change was sent: its answer opens the log.
    pub applying: Option<PolicyId>,
}

impl Default for RolloutPane {
    fn default() -> Self {
        RolloutPane {
            policy: None,
            window: DEFAULT_WINDOW.to_owned(),
            since_ms: 0,
            load: Load::NotLoaded,
            run: None,
            chosen: BTreeSet::new(),
            enforce: true,
            list: ListState::default(),
            applying: None,
        }
    }
}

impl RolloutPane {
    pub fn rows(&self) -> &[RolloutRow] {
        self.run.as_ref().map_or(&[], |r| r.report.rows.as_slice())
    }

    pub fn row(&self, i: usize) -> Option<&RolloutRow> {
        self.rows().get(i)
    }

    pub fn is_chosen(&self, row: &RolloutRow) -> bool {
        self.chosen.contains(&row.destination.to_ascii_lowercase())
    }

    /// Filter haystacks: destination, kind, verdict, products and workspace ids.
    pub fn rebuild(&mut self) {
        let hay: Vec<String> = self
            .rows()
            .iter()
            .map(|r| {
                format!(
                    "{} {:?} {} {} {}",
                    r.destination,
                    r.kind,
                    verdict_words(r.verdict),
                    r.products.iter().cloned().collect::<Vec<_>>().join(" "),
                    r.workspaces.iter().cloned().collect::<Vec<_>>().join(" ")
                )
            })
            .collect();
        self.list.rebuild(hay.iter().map(String::as_str));
    }

    /// The ops the chosen rows and the enforcement switch add to the policy.
    pub fn ops(&self) -> Result<Vec<EditOp>, String> {
        let mut ops = Vec::new();
        for row in self.rows().iter().filter(|r| self.is_chosen(r)) {
            ops.push(op_for(row)?);
        }
        let dry_run = self.run.as_ref().is_some_and(|r| r.report.is_dry_run());
        if self.enforce && dry_run {
            ops.push(EditOp::SetEnforcement {
                mode: EnforcementMode::Enforced,
            });
        }
        Ok(ops)
    }
}

pub fn verdict_words(v: Verdict) -> &'static str {
    match v {
        Verdict::WouldBlock => "would block",
        Verdict::AlreadyAllowed => "already allowed",
    }
}

/// The allow-list entry for a row: a DNS name, or the storage location it names.
fn op_for(row: &RolloutRow) -> Result<EditOp, String> {
    match &row.storage {
        Some(t) => Ok(EditOp::AddStorage {
            destination: storage_destination(t)?,
        }),
        None if row.kind == DestinationKind::Dns => Ok(EditOp::AddDns {
            name: normalize_dns_name(&row.destination)
                .map_err(|e| format!("{} cannot be allowed as a DNS name: {e}", row.destination))?,
        }),
        None => Err(format!(
            "{} is neither a DNS name nor a storage location: allow it in the policy by hand",
            row.destination
        )),
    }
}

fn storage_destination(t: &StorageTarget) -> Result<StorageDestination, String> {
    let azure = t.kind == StorageDestinationType::AzureStorage;
    if t.kind == StorageDestinationType::AwsS3 && t.region.is_none() {
        // The log names the bucket, not its region, and an S3 entry needs one.
        return Err(format!(
            "s3://{} needs its region: open the policy and press s (the input is prefilled)",
            t.name
        ));
    }
    Ok(StorageDestination {
        storage_destination_type: Some(t.kind.clone()),
        bucket_name: (!azure).then(|| t.name.clone()),
        region: t.region.clone(),
        azure_storage_account: azure.then(|| t.name.clone()),
        azure_storage_service: azure.then(|| "dfs".to_owned()),
        extra: Default::default(),
    })
}

/// What the review of `draft` adds when a rollout report of that policy is loaded: what the
/// window saw that would still be blocked once the draft is enforced.
pub fn review_note(state: &State, policy: &PolicyId, draft: &NetworkPolicy) -> Option<String> {
    let run = state.rollout.run.as_ref()?;
    if run.report.policy_id != policy.as_str() || run.report.workspaces.is_empty() {
        return None;
    }
    let left: Vec<&RolloutRow> = run.report.blocked_after(draft).collect();
    let enforced = draft.enforcement_mode() == EnforcementMode::Enforced;
    let when = if enforced {
        "after this change"
    } else {
        "once enforced"
    };
    let window = &state.rollout.window;
    Some(match left.len() {
        0 => format!("{when}, nothing seen in the last {window} would be blocked"),
        n => {
            let names: Vec<&str> = left
                .iter()
                .take(5)
                .map(|r| r.destination.as_str())
                .collect();
            let more = if n > 5 {
                format!(" and {} more", n - 5)
            } else {
                String::new()
            };
            format!(
                "{when}, {n} destination{} seen in the last {window} would be blocked: {}{more}",
                if n == 1 { "" } else { "s" },
                names.join(", ")
            )
        }
    })
}

impl App {
    /// `:rollout [ID] [WINDOW]`, or the key on a policy: open the report of that policy (the
    /// one named, else the one open or selected).
    pub(in crate::app) fn open_rollout(&mut self, id: Option<String>, window: Option<String>) {
        let id = id.map(PolicyId).or_else(|| match self.state.view {
            View::PolicyDetail => self.state.detail.id.clone(),
            View::Policies => self
                .state
                .policies_list
                .selected_index()
                .and_then(|i| self.state.policies.get(i))
                .map(|p| PolicyId(p.id().to_owned())),
            View::Rollout => self.state.rollout.policy.clone(),
            _ => None,
        });
        let Some(id) = id else {
            self.state.flash =
                Some("which policy? open one (:np, Enter) or name it: :rollout ID".into());
            return;
        };
        let window = window.unwrap_or_else(|| self.state.rollout.window.clone());
        let now = crate::api::timestamp::now_ms();
        let since_ms = match crate::api::timestamp::parse_since(&window, now) {
            Ok(ms) => ms,
            Err(e) => {
                self.state.flash = Some(e);
                return;
            }
        };
        let r = &mut self.state.rollout;
        if r.policy.as_ref() != Some(&id) {
            *r = RolloutPane::default();
        }
        r.policy = Some(id);
        r.window = window;
        r.since_ms = since_ms;
        r.load = Load::NotLoaded;
        // Showing the pane asks for what it lacks.
        self.show(View::Rollout);
    }

    fn load_rollout(&mut self) {
        let r = &mut self.state.rollout;
        let Some(policy) = r.policy.clone() else {
            return;
        };
        r.load = Load::Loading;
        let since_ms = r.since_ms;
        self.request(
            Slot::Rollout,
            Request::Rollout(RolloutRequest { policy, since_ms }),
        );
    }

    pub(in crate::app) fn on_rollout(&mut self, run: RolloutRun) {
        let r = &mut self.state.rollout;
        if r.policy.as_ref().map(PolicyId::as_str) != Some(run.report.policy_id.as_str()) {
            return;
        }
        // Choices survive a reload for rows still there and still blocked.
        let still: BTreeSet<String> = run
            .report
            .would_block()
            .map(|row| row.destination.to_ascii_lowercase())
            .collect();
        r.chosen.retain(|d| still.contains(d));
        r.run = Some(run);
        r.load = Load::Loaded;
        r.rebuild();
    }

    /// Keys of the rollout pane (the pane's key table says which reach it).
    fn rollout_action(&mut self, action: Action) {
        match action {
            Action::ToggleRow => self.toggle_rollout_row(),
            Action::AddDns => self.choose_all_shown(),
            Action::ToggleEnforcement => {
                let r = &mut self.state.rollout;
                r.enforce = !r.enforce;
                self.state.flash = Some(if r.enforce {
                    "the change also switches the policy to ENFORCED".into()
                } else {
                    "the change keeps the policy in dry run".into()
                });
            }
            Action::Review => self.review_rollout(),
            Action::Refresh => self.load_view(true),
            Action::Open => {
                // Sample events: the log, filtered to that destination.
                let Some(dest) = self
                    .state
                    .rollout
                    .list
                    .selected_index()
                    .and_then(|i| self.state.rollout.row(i))
                    .map(|r| r.destination.clone())
                else {
                    return;
                };
                self.state.egress.list.filter = dest;
                self.show(View::Egress);
                self.state.rebuild_current();
            }
            _ => {}
        }
    }

    fn toggle_rollout_row(&mut self) {
        let page = self.state.page_rows();
        let r = &mut self.state.rollout;
        let Some(row) = r.list.selected_index().and_then(|i| r.row(i)).cloned() else {
            return;
        };
        if row.verdict == Verdict::AlreadyAllowed {
            self.state.flash = Some(format!("{} is already allowed", row.destination));
            return;
        }
        if let Err(e) = op_for(&row) {
            self.state.flash = Some(e);
            return;
        }
        let key = row.destination.to_ascii_lowercase();
        if !r.chosen.remove(&key) {
            r.chosen.insert(key);
        }
        r.list.move_by(1, page);
    }

    /// `a`: every row shown that would be blocked and can be allowed; again clears them.
    fn choose_all_shown(&mut self) {
        let r = &mut self.state.rollout;
        let shown: Vec<String> = r
            .list
            .visible
            .iter()
            .filter_map(|&i| r.row(i))
            .filter(|row| row.verdict == Verdict::WouldBlock && op_for(row).is_ok())
            .map(|row| row.destination.to_ascii_lowercase())
            .collect();
        if shown.iter().all(|d| r.chosen.contains(d)) {
            for d in &shown {
                r.chosen.remove(d);
            }
        } else {
            r.chosen.extend(shown);
        }
    }

    /// `w`: the chosen allows (and the switch to enforced) become the policy's pending change,
    /// reviewed once the policy is read again.
    fn review_rollout(&mut self) {
        if let Some(why) = self.state.write_refusal() {
            self.state.flash = Some(why);
            return;
        }
        let r = &self.state.rollout;
        let Some(policy) = r.policy.clone() else {
            return;
        };
        let ops = match r.ops() {
            Ok(ops) => ops,
            Err(e) => {
                self.state.flash = Some(e);
                return;
            }
        };
        if ops.is_empty() {
            self.state.flash =
                Some("nothing chosen: space chooses a row, a every row shown, f enforces".into());
            return;
        }
        self.state.rollout.applying = Some(policy.clone());
        self.state.waiting_edits = Some(WaitingEdits {
            policy: policy.clone(),
            ops,
            from: EditsFrom::Rollout,
        });
        self.state.detail = crate::app::state::PolicyDetail {
            id: Some(policy),
            ..Default::default()
        };
        self.show(View::PolicyDetail);
    }

    /// A policy write landed: if it was the rollout's, watch the log from now on.
    pub(in crate::app) fn after_rollout_write(&mut self, written: &NetworkPolicy) {
        let r = &mut self.state.rollout;
        if r.applying.as_ref().map(PolicyId::as_str) != Some(written.id()) {
            return;
        }
        r.applying = None;
        r.chosen.clear();
        let now = crate::api::timestamp::now_ms();
        let workspaces: Vec<String> = r
            .run
            .as_ref()
            .map(|run| {
                run.report
                    .workspaces
                    .iter()
                    .map(|(id, _)| id.clone())
                    .collect()
            })
            .unwrap_or_default();
        if written.enforcement_mode() == EnforcementMode::Enforced {
            self.state.egress.enforced_mark = Some((written.id().to_owned(), now, workspaces));
        }
        let at = crate::api::timestamp::format_timestamp_ms(now);
        self.state.flash = Some(format!(
            "{} is {} since {} UTC: the log shows what it blocks from now on",
            written.id(),
            written.enforcement_mode(),
            &at[11..16]
        ));
        self.state.egress.list.filter.clear();
        self.show(View::Egress);
    }
}
