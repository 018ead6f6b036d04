//! The service-principals pane: the streamed list (sort, local and server-side filter, lazily
//! fetched secret expiry), the drill-in, and every lifecycle write through a confirmation.
//! A secret's plaintext lives only in the shown-once modal and the clipboard effect.

use super::App;
use super::keymap::Action;
use super::list::ListState;
use super::modal::Modal;
use super::state::{Load, View};
use crate::actor::{
    AssignmentRow, PrincipalWrite, PrincipalsPayload, PrincipalsRequest, Request, Slot,
};
use crate::api::WorkspaceId;
use crate::api::permissions::WorkspacePermission;
use crate::api::scim::{Group, ServicePrincipal};
use crate::api::secrets::SecretInfo;
use crate::api::timestamp::parse_timestamp_ms;
use crate::config::Secret;
use crossterm::event::{Event, KeyCode, KeyEvent};
use std::collections::{HashMap, HashSet};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// Days under which a secret's expiry is highlighted.
pub const EXPIRY_WARN_DAYS: i64 = 30;

/// Sortable columns, in display order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortColumn {
    #[default]
    Name,
    ApplicationId,
    Active,
    Id,
    ExternalId,
    Groups,
    Expiry,
}

impl SortColumn {
    pub const ALL: [SortColumn; 7] = [
        SortColumn::Name,
        SortColumn::ApplicationId,
        SortColumn::Active,
        SortColumn::Id,
        SortColumn::ExternalId,
        SortColumn::Groups,
        SortColumn::Expiry,
    ];

    pub fn header(self) -> &'static str {
        match self {
            SortColumn::Name => "NAME",
            SortColumn::ApplicationId => "APPLICATION ID",
            SortColumn::Active => "ACTIVE",
            SortColumn::Id => "ID",
            SortColumn::ExternalId => "EXTERNAL ID",
            SortColumn::Groups => "GROUPS",
            SortColumn::Expiry => "SECRET EXPIRES",
        }
    }

    fn next(self) -> SortColumn {
        let i = Self::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

/// What is known of a principal's secrets.
#[derive(Clone, Debug, PartialEq)]
pub enum SecretsKnown {
    Known(Vec<SecretInfo>),
    Failed(String),
}

/// The soonest expiry of a principal's secrets, for the list column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Expiry {
    /// Epoch milliseconds of the soonest expiring secret.
    At(i64),
    /// Secrets exist but none expires.
    Never,
    /// No secrets at all.
    NoSecrets,
    Failed,
    Unknown,
}

pub fn soonest_expiry(known: Option<&SecretsKnown>) -> Expiry {
    match known {
        None => Expiry::Unknown,
        Some(SecretsKnown::Failed(_)) => Expiry::Failed,
        Some(SecretsKnown::Known(list)) if list.is_empty() => Expiry::NoSecrets,
        Some(SecretsKnown::Known(list)) => list
            .iter()
            .filter_map(|s| s.expire_time.as_deref().and_then(parse_timestamp_ms))
            .min()
            .map_or(Expiry::Never, Expiry::At),
    }
}

/// A selectable row of the detail.
#[derive(Clone, Debug, PartialEq)]
pub enum DetailItem {
    Workspace(WorkspaceId),
    Group { id: String, name: String },
    Secret(String),
}

/// The principal opened with Enter.
#[derive(Clone, Debug, Default)]
pub struct PrincipalDetail {
    pub id: Option<String>,
    pub sp: Option<ServicePrincipal>,
    pub load: Load,
    /// `None` while loading; `Err` with the reason they cannot be shown.
    pub assignments: Option<Result<Vec<AssignmentRow>, String>>,
    /// Selectable rows (assigned workspaces, groups, secrets); `/` filters them.
    pub items: ListState,
    pub item_list: Vec<DetailItem>,
}

#[derive(Clone, Debug, Default)]
pub struct PrincipalsState {
    pub rows: Vec<ServicePrincipal>,
    /// Lower-cased filter haystack per row.
    hay: Vec<String>,
    index: HashMap<String, usize>,
    /// Rows in sort order (data indexes); kept between pages so a new page is a cheap merge.
    order: Vec<usize>,
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

fn haystack(sp: &ServicePrincipal) -> String {
    format!(
        "{} {} {} {} {}",
        sp.name(),
        sp.application_id.as_deref().unwrap_or(""),
        sp.id,
        sp.external_id.as_deref().unwrap_or(""),
        if sp.active == Some(false) {
            "inactive"
        } else {
            "active"
        }
    )
    .to_lowercase()
}

impl PrincipalsState {
    pub fn clear_rows(&mut self) {
        self.rows.clear();
        self.hay.clear();
        self.index.clear();
        self.order.clear();
        self.loaded = 0;
        self.total = None;
        self.secrets.clear();
        self.secrets_asked.clear();
        self.rebuild();
    }

    pub fn get(&self, id: &str) -> Option<&ServicePrincipal> {
        self.index.get(id).map(|&i| &self.rows[i])
    }

    /// Add or replace rows; returns whether anything new arrived.
    pub fn upsert(&mut self, rows: Vec<ServicePrincipal>) {
        for sp in rows {
            if let Some(&i) = self.index.get(&sp.id) {
                self.hay[i] = haystack(&sp);
                self.rows[i] = sp;
            } else {
                let i = self.rows.len();
                self.index.insert(sp.id.clone(), i);
                self.hay.push(haystack(&sp));
                self.rows.push(sp);
                self.order.push(i);
            }
        }
        self.rebuild();
    }

    pub fn remove(&mut self, id: &str) {
        let Some(i) = self.index.remove(id) else {
            return;
        };
        self.rows.remove(i);
        self.hay.remove(i);
        self.index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        self.order = (0..self.rows.len()).collect();
        self.loaded = self.loaded.saturating_sub(1);
        self.total = self.total.map(|t| t.saturating_sub(1));
        self.rebuild();
    }

    pub fn expiry_of(&self, id: &str) -> Expiry {
        soonest_expiry(self.secrets.get(id))
    }

    fn compare(&self, a: usize, b: usize) -> std::cmp::Ordering {
        let (x, y) = (&self.rows[a], &self.rows[b]);
        let o = match self.sort {
            SortColumn::Name => x.name().to_lowercase().cmp(&y.name().to_lowercase()),
            SortColumn::ApplicationId => x.application_id.cmp(&y.application_id),
            SortColumn::Active => x.active.cmp(&y.active),
            SortColumn::Id => (x.id.len(), &x.id).cmp(&(y.id.len(), &y.id)),
            SortColumn::ExternalId => x.external_id.cmp(&y.external_id),
            SortColumn::Groups => x.groups.len().cmp(&y.groups.len()),
            SortColumn::Expiry => self.expiry_of(&x.id).cmp(&self.expiry_of(&y.id)),
        };
        let o = if self.descending { o.reverse() } else { o };
        o.then_with(|| x.id.cmp(&y.id))
    }

    /// Re-sort (an adaptive merge when only a page was appended) and re-filter, keeping the
    /// selected row. Runs on data, sort or filter change, never per frame.
    pub fn rebuild(&mut self) {
        let previously = self.list.selected_index();
        let mut order = std::mem::take(&mut self.order);
        order.sort_by(|&a, &b| self.compare(a, b));
        self.order = order;
        let (needle, invert) = match self.list.filter.strip_prefix('!') {
            Some(rest) => (rest.to_lowercase(), true),
            None => (self.list.filter.to_lowercase(), false),
        };
        self.list.visible = self
            .order
            .iter()
            .copied()
            .filter(|&i| needle.is_empty() || self.hay[i].contains(&needle) != invert)
            .collect();
        self.list.selected = previously
            .and_then(|p| self.list.visible.iter().position(|&i| i == p))
            .unwrap_or(0);
        if self.list.selected >= self.list.visible.len() {
            self.list.selected = self.list.visible.len().saturating_sub(1);
        }
        if self.list.offset > self.list.selected {
            self.list.offset = self.list.selected;
        }
    }

    pub fn selected(&self) -> Option<&ServicePrincipal> {
        self.list.selected_index().map(|i| &self.rows[i])
    }

    /// The principal the current view is about.
    pub fn focused(&self, view: View) -> Option<ServicePrincipal> {
        match view {
            View::PrincipalDetail => self.detail.sp.clone().or_else(|| {
                self.detail
                    .id
                    .as_deref()
                    .and_then(|id| self.get(id).cloned())
            }),
            _ => self.selected().cloned(),
        }
    }

    /// Rebuild the detail's selectable rows.
    pub fn rebuild_detail(&mut self) {
        let mut items = Vec::new();
        if let Some(Ok(rows)) = &self.detail.assignments {
            items.extend(
                rows.iter()
                    .filter(|r| !r.permissions.is_empty())
                    .map(|r| DetailItem::Workspace(r.workspace)),
            );
        }
        if let Some(sp) = &self.detail.sp {
            items.extend(sp.groups.iter().filter_map(|g| {
                Some(DetailItem::Group {
                    id: g.value.clone()?,
                    name: g.display.clone().unwrap_or_default(),
                })
            }));
        }
        if let Some(id) = &self.detail.id
            && let Some(SecretsKnown::Known(list)) = self.secrets.get(id)
        {
            items.extend(list.iter().map(|s| DetailItem::Secret(s.id.clone())));
        }
        let hay: Vec<String> = items
            .iter()
            .map(|i| match i {
                DetailItem::Workspace(ws) => format!(
                    "workspace {ws} {}",
                    self.assignment(*ws).map_or("", |r| r.name.as_str())
                ),
                DetailItem::Group { id, name } => format!("group {id} {name}"),
                DetailItem::Secret(id) => format!("secret {id}"),
            })
            .collect();
        self.detail.item_list = items;
        self.detail.items.rebuild(hay.iter().map(String::as_str));
    }

    pub fn assignment(&self, ws: WorkspaceId) -> Option<&AssignmentRow> {
        match &self.detail.assignments {
            Some(Ok(rows)) => rows.iter().find(|r| r.workspace == ws),
            _ => None,
        }
    }

    pub fn selected_item(&self) -> Option<&DetailItem> {
        self.detail
            .items
            .selected_index()
            .and_then(|i| self.detail.item_list.get(i))
    }

    pub fn detail_secrets(&self) -> Option<&Vec<SecretInfo>> {
        match self.secrets.get(self.detail.id.as_deref()?) {
            Some(SecretsKnown::Known(l)) => Some(l),
            _ => None,
        }
    }
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

/// The OSC 52 sequence that puts `text` on the terminal's clipboard (works over SSH). It holds
/// the secret (base64 is no protection), so it is wiped when dropped like the secret itself.
pub fn osc52(text: &str) -> zeroize::Zeroizing<String> {
    use base64::Engine;
    let encoded = zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(text));
    zeroize::Zeroizing::new(format!("\x1b]52;c;{}\x07", *encoded))
}

fn in_principals(view: View) -> bool {
    matches!(view, View::Principals | View::PrincipalDetail)
}

impl App {
    /// A secret to put on the clipboard, taken once by the run loop (OSC 52).
    pub fn take_clipboard(&mut self) -> Option<Secret> {
        self.clipboard.take()
    }

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

    /// Ask for what the principals views show (list, detail), unless already there.
    pub(super) fn load_principals(&mut self, force: bool) {
        if self.state.session.is_none() {
            return;
        }
        let p = &mut self.state.principals;
        match self.state.view {
            View::Principals if force || p.load == Load::NotLoaded => {
                p.clear_rows();
                p.load = Load::Loading;
                let filter = p.server_filter.clone();
                self.request(
                    Slot::Principals,
                    Request::Principals(PrincipalsRequest::List { filter }),
                );
            }
            View::PrincipalDetail if force || p.detail.load == Load::NotLoaded => {
                let Some(id) = p.detail.id.clone() else {
                    return;
                };
                p.detail.load = Load::Loading;
                p.detail.assignments = None;
                if force {
                    p.secrets.remove(&id);
                }
                self.request(
                    Slot::PrincipalDetail,
                    Request::Principals(PrincipalsRequest::Detail(id)),
                );
            }
            _ => {}
        }
    }

    /// Leaving the pane cancels its list load (it restarts on return).
    pub(super) fn leave_principals(&mut self, to: View) {
        if in_principals(self.state.view) && !in_principals(to) {
            for slot in [
                Slot::Principals,
                Slot::PrincipalSecrets,
                Slot::PrincipalDetail,
            ] {
                self.outbox.push(crate::actor::Command::Cancel(slot));
            }
            let p = &mut self.state.principals;
            if p.load == Load::Loading {
                p.load = Load::NotLoaded;
            }
            p.secrets_asked.clear();
            if p.detail.load == Load::Loading {
                p.detail.load = Load::NotLoaded;
            }
        }
    }

    /// A new profile: nothing of the old one's principals means anything.
    pub(super) fn forget_principals(&mut self) {
        let s = &mut self.state;
        let (sort, descending) = (s.principals.sort, s.principals.descending);
        s.principals = PrincipalsState {
            sort,
            descending,
            ..Default::default()
        };
        s.back_stack.retain(|v| *v != View::PrincipalDetail);
        if s.view == View::PrincipalDetail {
            s.view = View::Principals;
        }
    }

    /// `:filter EXPR` runs a SCIM filter on the server; `:filter` alone clears it.
    pub(super) fn set_server_filter(&mut self, filter: Option<String>) {
        self.state.principals.server_filter = filter;
        if self.state.view != View::Principals {
            self.show(View::Principals);
        }
        self.load_principals(true);
    }

    /// Fetch the secrets of the rows on screen (never of the whole list).
    pub(super) fn fetch_visible_secrets(&mut self) {
        if self.state.view != View::Principals {
            return;
        }
        let page = self.state.page_rows();
        let p = &self.state.principals;
        let start = p.list.offset.min(p.list.visible.len());
        let end = (start + page).min(p.list.visible.len());
        let missing: Vec<String> = p.list.visible[start..end]
            .iter()
            .map(|&i| p.rows[i].id.clone())
            .filter(|id| !p.secrets.contains_key(id))
            .collect();
        if missing.is_empty() || missing.iter().all(|id| p.secrets_asked.contains(id)) {
            return;
        }
        self.state.principals.secrets_asked = missing.iter().cloned().collect();
        self.request(
            Slot::PrincipalSecrets,
            Request::Principals(PrincipalsRequest::Secrets(missing)),
        );
    }

    pub(super) fn open_principal(&mut self) {
        let Some(sp) = self.state.principals.selected().cloned() else {
            return;
        };
        let p = &mut self.state.principals;
        p.detail = PrincipalDetail {
            id: Some(sp.id.clone()),
            sp: Some(sp),
            load: Load::NotLoaded,
            ..Default::default()
        };
        p.rebuild_detail();
        self.show(View::PrincipalDetail);
    }

    pub(super) fn perform_principals(&mut self, action: Action) {
        let view = self.state.view;
        let focused = self.state.principals.focused(view);
        match action {
            Action::SortNext if view == View::Principals => {
                let p = &mut self.state.principals;
                p.sort = p.sort.next();
                p.order = (0..p.rows.len()).collect();
                p.rebuild();
            }
            Action::SortReverse if view == View::Principals => {
                let p = &mut self.state.principals;
                p.descending = !p.descending;
                p.rebuild();
            }
            Action::Create => {
                if !self.principals_write_refusal() {
                    self.pmodal(PrincipalModal::Input {
                        purpose: PrincipalInput::CreateName,
                        input: Input::default(),
                        error: None,
                    });
                }
            }
            other => {
                if let Some(sp) = focused {
                    self.perform_on_principal(other, sp);
                }
            }
        }
    }

    fn perform_on_principal(&mut self, action: Action, sp: ServicePrincipal) {
        let view = self.state.view;
        match action {
            Action::ToggleActive => {
                if self.principals_write_refusal() {
                    return;
                }
                let name = sp.name().to_owned();
                let active = sp.active != Some(false);
                let (title, lines) = if active {
                    (
                        format!("Deactivate {name}?"),
                        vec![
                            format!("{name} ({}) will be switched off.", sp.id),
                            "Its OAuth tokens and secrets stop working: every job, pipeline and tool that authenticates as it fails until it is activated again.".into(),
                            "Nothing is deleted; t activates it again.".into(),
                        ],
                    )
                } else {
                    (
                        format!("Activate {name}?"),
                        vec![format!(
                            "{name} ({}) can authenticate again with its existing secrets.",
                            sp.id
                        )],
                    )
                };
                self.pmodal(PrincipalModal::Confirm {
                    write: PrincipalWrite::SetActive {
                        id: sp.id.clone(),
                        active: !active,
                    },
                    title,
                    lines,
                });
            }
            Action::Rename if !self.principals_write_refusal() => {
                self.pmodal(PrincipalModal::Input {
                    purpose: PrincipalInput::Rename { id: sp.id.clone() },
                    input: Input::new(sp.display_name.clone().unwrap_or_default()),
                    error: None,
                });
            }
            Action::Delete if !self.principals_write_refusal() => {
                self.pmodal(PrincipalModal::TypeToConfirm {
                    write: PrincipalWrite::Delete { id: sp.id.clone() },
                    expected: sp.name().to_owned(),
                    input: Input::default(),
                });
            }
            Action::NewSecret if !self.principals_write_refusal() => {
                self.pmodal(PrincipalModal::Input {
                    purpose: PrincipalInput::SecretLifetime { id: sp.id.clone() },
                    input: Input::default(),
                    error: None,
                });
            }
            Action::RotateSecret => self.start_rotate(sp),
            Action::Bind => {
                if self.principals_write_refusal() {
                    return;
                }
                let p = &self.state.principals;
                let rows = match (&p.detail.assignments, p.detail.id.as_deref()) {
                    (Some(Ok(rows)), Some(id)) if view == View::PrincipalDetail && id == sp.id => {
                        rows
                    }
                    (Some(Err(e)), _) if view == View::PrincipalDetail => {
                        self.state.flash = Some(e.clone());
                        return;
                    }
                    _ => {
                        self.state.flash = Some(
                            "open the principal (enter) and wait for its workspaces to assign it"
                                .into(),
                        );
                        return;
                    }
                };
                let options: Vec<(String, String)> = rows
                    .iter()
                    .map(|r| {
                        let now = if r.permissions.is_empty() {
                            "not assigned".to_owned()
                        } else {
                            r.permissions
                                .iter()
                                .map(|p| p.as_str().to_owned())
                                .collect::<Vec<_>>()
                                .join(",")
                        };
                        (format!("{:<28} {now}", r.name), r.workspace.0.to_string())
                    })
                    .collect();
                self.open_pick(PrincipalPick::Workspace { id: sp.id }, options);
            }
            Action::AddToGroup => {
                if self.principals_write_refusal() {
                    return;
                }
                if self.state.principals.groups_load != Load::Loaded {
                    self.state.principals.groups_load = Load::Loading;
                    self.request(Slot::Groups, Request::Principals(PrincipalsRequest::Groups));
                }
                let options = self.group_options(&sp);
                self.open_pick(PrincipalPick::Group { id: sp.id }, options);
            }
            Action::RemoveEntry if view == View::PrincipalDetail => {
                if self.principals_write_refusal() {
                    return;
                }
                self.remove_detail_item(&sp);
            }
            _ => {}
        }
    }

    fn group_options(&self, sp: &ServicePrincipal) -> Vec<(String, String)> {
        let member: HashSet<&str> = sp
            .groups
            .iter()
            .filter_map(|g| g.value.as_deref())
            .collect();
        self.state
            .principals
            .groups
            .iter()
            .filter(|g| !member.contains(g.id.as_str()))
            .map(|g| {
                (
                    g.display_name.clone().unwrap_or_else(|| g.id.clone()),
                    g.id.clone(),
                )
            })
            .collect()
    }

    fn open_pick(&mut self, purpose: PrincipalPick, options: Vec<(String, String)>) {
        let mut list = ListState::default();
        list.rebuild(options.iter().map(|(l, _)| l.as_str()));
        self.pmodal(PrincipalModal::Pick {
            purpose,
            options,
            list,
        });
    }

    fn start_rotate(&mut self, sp: ServicePrincipal) {
        if self.principals_write_refusal() {
            return;
        }
        let selected = match self.state.principals.selected_item() {
            Some(DetailItem::Secret(s)) if self.state.view == View::PrincipalDetail => {
                Some(s.clone())
            }
            _ => None,
        };
        let known = if let Some(SecretsKnown::Known(l)) = self.state.principals.secrets.get(&sp.id)
        {
            l.clone()
        } else {
            self.state.flash = Some("its secrets are not known yet; try again in a moment".into());
            return;
        };
        // The selected secret, else the one that expires first.
        let old = selected.or_else(|| {
            known
                .iter()
                .min_by_key(|s| {
                    s.expire_time
                        .as_deref()
                        .and_then(parse_timestamp_ms)
                        .unwrap_or(i64::MAX)
                })
                .map(|s| s.id.clone())
        });
        let Some(old) = old else {
            self.state.flash = Some(format!(
                "{} has no secret to rotate; n creates one",
                sp.name()
            ));
            return;
        };
        self.pmodal(PrincipalModal::Confirm {
            write: PrincipalWrite::CreateSecret {
                id: sp.id.clone(),
                lifetime_days: None,
                rotating: Some(old.clone()),
            },
            title: format!("Rotate secret {old} of {}?", sp.name()),
            lines: vec![
                "1. A new secret is created (730 days) and shown once: copy it into your automation.".into(),
                format!("2. Then you confirm deleting the old secret {old}; until then both work."),
            ],
        });
    }

    fn remove_detail_item(&mut self, sp: &ServicePrincipal) {
        let name = sp.name().to_owned();
        let item = self.state.principals.selected_item().cloned();
        let (write, title, lines) = match item {
            Some(DetailItem::Workspace(ws)) => {
                let wname = self
                    .state
                    .principals
                    .assignment(ws)
                    .map_or_else(|| ws.to_string(), |r| r.name.clone());
                (
                    PrincipalWrite::Unassign {
                        id: sp.id.clone(),
                        workspace: ws,
                    },
                    format!("Remove {name} from workspace {wname}?"),
                    vec![format!(
                        "{name} loses access to {wname} ({ws}): its jobs and calls there fail."
                    )],
                )
            }
            Some(DetailItem::Group { id, name: gname }) => (
                PrincipalWrite::RemoveFromGroup {
                    id: sp.id.clone(),
                    group_id: id.clone(),
                    group_name: gname.clone(),
                },
                format!("Remove {name} from group {gname}?"),
                vec![format!("It loses whatever {gname} grants.")],
            ),
            Some(DetailItem::Secret(secret_id)) => (
                PrincipalWrite::DeleteSecret {
                    id: sp.id.clone(),
                    secret_id: secret_id.clone(),
                },
                format!("Delete secret {secret_id} of {name}?"),
                vec!["Anything that authenticates with this secret stops working at once.".into()],
            ),
            None => {
                self.state.flash =
                    Some("select a workspace, group or secret of the principal to remove".into());
                return;
            }
        };
        self.pmodal(PrincipalModal::Confirm {
            write,
            title,
            lines,
        });
    }

    fn send_write(&mut self, w: PrincipalWrite) {
        if self.principals_write_refusal() {
            return;
        }
        self.request(
            Slot::Write,
            Request::Principals(PrincipalsRequest::Write(w)),
        );
    }

    /// Keys while one of this pane's dialogs is open.
    pub(super) fn principal_modal_key(
        &mut self,
        m: PrincipalModal,
        key: KeyEvent,
    ) -> Option<Modal> {
        let keep = |m| Some(Modal::Principal(m));
        match m {
            PrincipalModal::Input {
                purpose,
                mut input,
                error,
            } => match key.code {
                KeyCode::Esc => None,
                KeyCode::Enter => self.submit_principal_input(purpose, input),
                _ => {
                    input.handle_event(&Event::Key(key));
                    let error = if error.is_some() {
                        validate(&purpose, input.value()).err()
                    } else {
                        None
                    };
                    keep(PrincipalModal::Input {
                        purpose,
                        input,
                        error,
                    })
                }
            },
            PrincipalModal::Confirm {
                write,
                title,
                lines,
            } => match key.code {
                KeyCode::Char('y') => {
                    self.send_write(write);
                    None
                }
                KeyCode::Char('n') | KeyCode::Esc => None,
                _ => keep(PrincipalModal::Confirm {
                    write,
                    title,
                    lines,
                }),
            },
            PrincipalModal::TypeToConfirm {
                write,
                expected,
                mut input,
            } => match key.code {
                KeyCode::Esc => None,
                KeyCode::Enter if input.value() == expected => {
                    self.send_write(write);
                    None
                }
                KeyCode::Enter => {
                    self.state.flash = Some(format!(
                        "type {expected} exactly to delete it, or esc to cancel"
                    ));
                    keep(PrincipalModal::TypeToConfirm {
                        write,
                        expected,
                        input,
                    })
                }
                _ => {
                    input.handle_event(&Event::Key(key));
                    keep(PrincipalModal::TypeToConfirm {
                        write,
                        expected,
                        input,
                    })
                }
            },
            PrincipalModal::Pick {
                purpose,
                options,
                mut list,
            } => match key.code {
                KeyCode::Esc => None,
                KeyCode::Down | KeyCode::Char('j') => {
                    list.move_by(1, 10);
                    keep(PrincipalModal::Pick {
                        purpose,
                        options,
                        list,
                    })
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    list.move_by(-1, 10);
                    keep(PrincipalModal::Pick {
                        purpose,
                        options,
                        list,
                    })
                }
                KeyCode::Enter => {
                    let value = list.selected_index().and_then(|i| options.get(i)).cloned();
                    let (label, value) = value?;
                    self.picked_principal(purpose, label, value)
                }
                _ => keep(PrincipalModal::Pick {
                    purpose,
                    options,
                    list,
                }),
            },
            PrincipalModal::SecretShown {
                id,
                name,
                info,
                secret,
                copied,
                rotating,
            } => match key.code {
                KeyCode::Char('c') => {
                    self.clipboard = Some(secret.clone());
                    self.state.flash = Some(
                        "copied to the clipboard (OSC 52); it is not kept anywhere else".into(),
                    );
                    keep(PrincipalModal::SecretShown {
                        id,
                        name,
                        info,
                        secret,
                        copied: true,
                        rotating,
                    })
                }
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => {
                    drop(secret);
                    // Rotation: now offer to delete the old one.
                    rotating.map(|old| {
                        Modal::Principal(PrincipalModal::Confirm {
                            write: PrincipalWrite::DeleteSecret {
                                id: id.clone(),
                                secret_id: old.clone(),
                            },
                            title: format!("Delete the old secret {old} of {name}?"),
                            lines: vec![
                                format!("The new secret {} is in place.", info.id),
                                "Anything still using the old secret stops working once it is deleted: update your automation first.".into(),
                            ],
                        })
                    })
                }
                _ => keep(PrincipalModal::SecretShown {
                    id,
                    name,
                    info,
                    secret,
                    copied,
                    rotating,
                }),
            },
        }
    }

    fn picked_principal(
        &mut self,
        purpose: PrincipalPick,
        label: String,
        value: String,
    ) -> Option<Modal> {
        let name = |s: &Self, id: &str| {
            s.state
                .principals
                .focused(s.state.view)
                .filter(|sp| sp.id == id)
                .map_or_else(|| id.to_owned(), |sp| sp.name().to_owned())
        };
        match purpose {
            PrincipalPick::Workspace { id } => {
                let workspace = WorkspaceId(value.parse().ok()?);
                let options = vec![
                    ("USER: use the workspace".to_owned(), "USER".to_owned()),
                    (
                        "ADMIN: administer the workspace".to_owned(),
                        "ADMIN".to_owned(),
                    ),
                ];
                let mut list = ListState::default();
                list.rebuild(options.iter().map(|(l, _)| l.as_str()));
                Some(Modal::Principal(PrincipalModal::Pick {
                    purpose: PrincipalPick::Permission { id, workspace },
                    options,
                    list,
                }))
            }
            PrincipalPick::Permission { id, workspace } => {
                let permission = if value == "ADMIN" {
                    WorkspacePermission::Admin
                } else {
                    WorkspacePermission::User
                };
                let wname = self
                    .state
                    .principals
                    .assignment(workspace)
                    .map_or_else(|| workspace.to_string(), |r| r.name.clone());
                let n = name(self, &id);
                Some(Modal::Principal(PrincipalModal::Confirm {
                    title: format!("Assign {n} to {wname} as {permission}?"),
                    lines: vec![format!(
                        "{n} gets {permission} on workspace {wname} ({workspace}); an existing assignment is replaced."
                    )],
                    write: PrincipalWrite::Assign {
                        id,
                        workspace,
                        permission,
                    },
                }))
            }
            PrincipalPick::Group { id } => {
                let n = name(self, &id);
                Some(Modal::Principal(PrincipalModal::Confirm {
                    title: format!("Add {n} to group {label}?"),
                    lines: vec![format!("{n} gets whatever {label} grants.")],
                    write: PrincipalWrite::AddToGroup {
                        id,
                        group_id: value,
                        group_name: label,
                    },
                }))
            }
        }
    }

    fn submit_principal_input(&mut self, purpose: PrincipalInput, input: Input) -> Option<Modal> {
        if let Err(error) = validate(&purpose, input.value()) {
            return Some(Modal::Principal(PrincipalModal::Input {
                purpose,
                input,
                error: Some(error),
            }));
        }
        let value = input.value().trim().to_owned();
        match purpose {
            PrincipalInput::CreateName => Some(Modal::Principal(PrincipalModal::Input {
                purpose: PrincipalInput::CreateApplicationId { name: value },
                input: Input::default(),
                error: None,
            })),
            PrincipalInput::CreateApplicationId { name } => {
                let application_id = (!value.is_empty()).then_some(value);
                Some(Modal::Principal(PrincipalModal::Confirm {
                    title: format!("Create service principal {name}?"),
                    lines: vec![format!(
                        "Display name {name}, application id {}.",
                        application_id.as_deref().unwrap_or("minted by Databricks")
                    )],
                    write: PrincipalWrite::Create {
                        display_name: name,
                        application_id,
                    },
                }))
            }
            PrincipalInput::Rename { id } => Some(Modal::Principal(PrincipalModal::Confirm {
                title: format!("Rename {id} to {value}?"),
                lines: vec![
                    "Its application id (OAuth client id) and secrets do not change.".into(),
                ],
                write: PrincipalWrite::Rename { id, name: value },
            })),
            PrincipalInput::SecretLifetime { id } => {
                // The lifetime dialog is the confirmation: it says what enter does.
                self.send_write(PrincipalWrite::CreateSecret {
                    id,
                    lifetime_days: value.parse().ok(),
                    rotating: None,
                });
                None
            }
        }
    }

    pub(super) fn on_principals_payload(&mut self, payload: PrincipalsPayload) {
        let p = &mut self.state.principals;
        match payload {
            PrincipalsPayload::Page {
                rows,
                loaded,
                total,
                done,
            } => {
                if !rows.is_empty() {
                    p.upsert(rows);
                }
                p.loaded = loaded;
                p.total = total;
                if done {
                    p.load = Load::Loaded;
                }
                self.fetch_visible_secrets();
            }
            PrincipalsPayload::Secrets { id, result } => {
                p.secrets_asked.remove(&id);
                p.secrets.insert(
                    id.clone(),
                    match result {
                        Ok(l) => SecretsKnown::Known(l),
                        Err(e) => SecretsKnown::Failed(e),
                    },
                );
                if p.sort == SortColumn::Expiry {
                    p.rebuild();
                }
                if p.detail.id.as_deref() == Some(id.as_str()) {
                    p.rebuild_detail();
                }
            }
            PrincipalsPayload::Detail(sp) => {
                if p.detail.id.as_deref() == Some(sp.id.as_str()) {
                    p.detail.sp = Some(sp.clone());
                    p.detail.load = Load::Loaded;
                }
                if p.get(&sp.id).is_some() {
                    p.upsert(vec![sp]);
                }
                p.rebuild_detail();
            }
            PrincipalsPayload::Assignments { id, rows, note } => {
                if p.detail.id.as_deref() == Some(id.as_str()) {
                    p.detail.assignments = Some(match note {
                        Some(n) => Err(n),
                        None => Ok(rows),
                    });
                    p.rebuild_detail();
                }
            }
            PrincipalsPayload::Groups(groups) => {
                p.groups = groups;
                p.groups_load = Load::Loaded;
                if let Some(Modal::Principal(PrincipalModal::Pick {
                    purpose: PrincipalPick::Group { id },
                    ..
                })) = &self.state.modal
                {
                    let id = id.clone();
                    if let Some(sp) = self.state.principals.focused(self.state.view) {
                        let options = self.group_options(&sp);
                        self.open_pick(PrincipalPick::Group { id }, options);
                    }
                }
            }
            PrincipalsPayload::Written {
                id,
                message,
                sp,
                deleted,
            } => {
                self.state.flash = Some(message);
                self.state.journal_load = Load::NotLoaded;
                let p = &mut self.state.principals;
                p.secrets.remove(&id);
                if deleted {
                    p.remove(&id);
                    if p.detail.id.as_deref() == Some(id.as_str()) {
                        p.detail = PrincipalDetail::default();
                        if self.state.view == View::PrincipalDetail {
                            self.back();
                        }
                    }
                    return;
                }
                if let Some(sp) = sp {
                    p.upsert(vec![sp.clone()]);
                    // A new principal: select it so the next key acts on it.
                    if let Some(pos) = p.list.visible.iter().position(|&i| p.rows[i].id == sp.id) {
                        p.list.selected = pos;
                        let page = self.state.page_rows();
                        self.state.principals.list.scroll_into_view(page);
                    }
                }
                if self.state.principals.detail.id.as_deref() == Some(id.as_str()) {
                    self.state.principals.detail.load = Load::NotLoaded;
                    if self.state.view == View::PrincipalDetail {
                        self.load_principals(false);
                    }
                }
                self.fetch_visible_secrets();
            }
            PrincipalsPayload::SecretCreated {
                id,
                info,
                secret,
                rotating,
            } => {
                self.state.journal_load = Load::NotLoaded;
                let name = p
                    .focused(self.state.view)
                    .filter(|s| s.id == id)
                    .map_or_else(|| id.clone(), |s| s.name().to_owned());
                p.secrets.remove(&id);
                if p.detail.id.as_deref() == Some(id.as_str()) {
                    p.detail.load = Load::NotLoaded;
                    if self.state.view == View::PrincipalDetail {
                        self.load_principals(false);
                    }
                }
                self.fetch_visible_secrets();
                self.pmodal(PrincipalModal::SecretShown {
                    id,
                    name,
                    info,
                    secret,
                    copied: false,
                    rotating,
                });
            }
        }
    }

    pub(super) fn on_principals_failure(&mut self, slot: Slot, msg: &str) {
        let p = &mut self.state.principals;
        match slot {
            Slot::Principals => p.load = Load::Failed(msg.to_owned()),
            Slot::PrincipalDetail => {
                p.detail.load = Load::Failed(msg.to_owned());
                if p.detail.assignments.is_none() {
                    p.detail.assignments = Some(Err(msg.to_owned()));
                }
            }
            Slot::Groups => p.groups_load = Load::Failed(msg.to_owned()),
            Slot::PrincipalSecrets => p.secrets_asked.clear(),
            _ => {}
        }
    }
}

fn validate(purpose: &PrincipalInput, value: &str) -> Result<(), String> {
    let v = value.trim();
    match purpose {
        PrincipalInput::CreateName | PrincipalInput::Rename { .. } => {
            if v.is_empty() {
                Err("a display name is required".into())
            } else if v.len() > 256 {
                Err("at most 256 characters".into())
            } else {
                Ok(())
            }
        }
        PrincipalInput::CreateApplicationId { .. } => {
            if v.is_empty() || uuid::Uuid::parse_str(v).is_ok() {
                Ok(())
            } else {
                Err("an application id is a UUID (or leave it empty)".into())
            }
        }
        PrincipalInput::SecretLifetime { .. } => match v {
            "" => Ok(()),
            d => match d.parse::<u64>() {
                Ok(n) if (1..=730).contains(&n) => Ok(()),
                _ => Err("a whole number of days from 1 to 730".into()),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_encodes_base64() {
        assert_eq!(*osc52("hi"), "\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn soonest_expiry_orders_known_before_unknown() {
        let s = |e: Option<&str>| SecretInfo {
            id: "1".into(),
            status: None,
            secret_hash: None,
            create_time: None,
            update_time: None,
            expire_time: e.map(str::to_owned),
            extra: Default::default(),
        };
        let k = SecretsKnown::Known(vec![
            s(Some("2030-01-02T00:00:00Z")),
            s(Some("2029-01-01T00:00:00Z")),
            s(None),
        ]);
        match soonest_expiry(Some(&k)) {
            Expiry::At(ms) => assert_eq!(ms, parse_timestamp_ms("2029-01-01T00:00:00Z").unwrap()),
            other => panic!("{other:?}"),
        }
        assert!(Expiry::At(5) < Expiry::Never);
        assert!(Expiry::Never < Expiry::Unknown);
        assert_eq!(soonest_expiry(None), Expiry::Unknown);
    }

    #[test]
    fn validation_explains() {
        assert!(validate(&PrincipalInput::CreateName, " ").is_err());
        assert!(validate(&PrincipalInput::SecretLifetime { id: "1".into() }, "731").is_err());
        assert!(validate(&PrincipalInput::SecretLifetime { id: "1".into() }, "30").is_ok());
        assert!(
            validate(
                &PrincipalInput::CreateApplicationId { name: "x".into() },
                "nope"
            )
            .is_err()
        );
    }
}
