//! The application: state, key handling and the event loop.
//!
//! `App` turns terminal events and actor events into state changes and actor [`Command`]s. It
//! never awaits: [`run`] sends the commands and draws.

pub mod command;
pub mod confirm;
pub mod editor;
pub mod egress;
pub mod egress_tail;
mod export_file;
pub mod history;
pub mod keymap;
pub mod list;
mod live;
pub mod modal;
pub mod pane_keys;
pub mod paste;
pub mod pending;
pub mod principals;
mod replies;
pub mod rollout;
pub mod run;
pub mod state;
pub mod table_sort;
pub mod terminal;
pub mod tick;
mod undo;

use crate::actor::{ActorEvent, Command, Payload, Request, RequestId, Slot};
use crate::api::{ApiError, PolicyId};
use crate::config::Profile;
use command::CommandLine;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use keymap::{Action, Keymap};
use state::{Binding, Load, Mode, State, View};
use std::collections::HashMap;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

pub struct App {
    pub state: State,
    next_id: u64,
    /// The newest request of each slot; answers to older ones are dropped.
    latest: HashMap<Slot, RequestId>,
    outbox: Vec<Command>,
    pub should_quit: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
    /// A secret the user asked to copy; the run loop writes it as OSC 52 and drops it.
    clipboard: Option<crate::config::Secret>,
}

impl App {
    pub fn new(profiles: Vec<Profile>, keymap: Keymap) -> Self {
        let mut state = State::new(profiles, keymap);
        state.rebuild_contexts();
        Self {
            state,
            next_id: 1,
            latest: HashMap::new(),
            outbox: Vec::new(),
            should_quit: false,
            dirty: true,
            clipboard: None,
        }
    }

    /// Commands for the actor produced since the last call.
    pub fn take_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.outbox)
    }

    /// Switch to a profile: drop what the previous one showed and connect.
    pub fn connect(&mut self, name: &str) {
        let Some(profile) = self.state.profiles.iter().find(|p| p.name == name).cloned() else {
            let names: Vec<_> = self
                .state
                .profiles
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            self.state.last_error = Some(format!(
                "no profile named {name} (profiles: {})",
                names.join(", ")
            ));
            return;
        };
        self.switch_egress_profile(&profile.name);
        let s = &mut self.state;
        s.read_only = s.read_only || profile.read_only;
        s.session = None;
        s.connecting = Some(profile.name.clone());
        s.clear_account_data();
        s.workspaces_load = Load::NotLoaded;
        s.policies_load = Load::NotLoaded;
        s.detail = Default::default();
        s.in_flight.clear();
        // Answers to writes of the previous profile are not shown against this one.
        s.writes.clear();
        s.last_error = None;
        // A policy of the previous profile means nothing in the new one.
        s.back_stack.retain(|v| *v != View::PolicyDetail);
        if s.view == View::PolicyDetail {
            s.view = View::Policies;
        }
        self.forget_principals();
        self.latest.clear();
        self.outbox.push(Command::Connect(Box::new(profile)));
        self.dirty = true;
    }

    pub fn handle_event(&mut self, ev: Event) {
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => self.handle_key(k),
            Event::Resize(w, h) => {
                self.state.size = (w, h);
                let page = self.state.page_rows();
                if let Some(l) = self.state.current_list_mut() {
                    l.scroll_into_view(page);
                }
                self.dirty = true;
            }
            // Bracketed paste: text for the focused input, never keys.
            Event::Paste(text) => self.on_paste(text),
            _ => {}
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) {
        self.dirty = true;
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.should_quit = true;
            return;
        }
        self.state.flash = None;
        if self.state.modal.is_some() {
            self.handle_modal_key(key);
            return;
        }
        match &mut self.state.mode {
            Mode::Help => {
                if matches!(key.code, KeyCode::Esc | KeyCode::Char('q'))
                    || self.state.keymap.action_for(&key) == Some(Action::Help)
                {
                    self.state.mode = Mode::Normal;
                }
            }
            Mode::Command(input) => match key.code {
                KeyCode::Esc => self.state.mode = Mode::Normal,
                KeyCode::Enter => {
                    let line = input.value().to_owned();
                    self.state.mode = Mode::Normal;
                    self.run_command(&line);
                }
                KeyCode::Tab => {
                    if let [only] = command::completions(input.value())[..] {
                        *input = Input::new(only.to_owned());
                    }
                }
                _ => {
                    input.handle_event(&Event::Key(key));
                }
            },
            Mode::Filter(input) => match key.code {
                KeyCode::Esc => {
                    self.state.mode = Mode::Normal;
                    self.set_filter(String::new());
                }
                KeyCode::Enter | KeyCode::Down | KeyCode::Up => self.state.mode = Mode::Normal,
                _ => {
                    input.handle_event(&Event::Key(key));
                    self.after_input_change();
                }
            },
            Mode::Normal => match self.state.keymap.action_for(&key) {
                Some(action) if pane_keys::handles(self.state.view, action) => {
                    self.perform(action);
                }
                Some(action) => {
                    self.state.flash = Some(pane_keys::not_here(
                        &self.state.keymap,
                        self.state.view,
                        action,
                    ));
                }
                None => {
                    if let Some(k) = keymap::Key::from_event(&key) {
                        self.state.flash =
                            Some(format!("{k} does nothing here; ? lists this view's keys"));
                    }
                }
            },
        }
        self.fetch_visible_secrets();
    }

    fn after_input_change(&mut self) {
        if let Mode::Filter(input) = &self.state.mode {
            let value = input.value().to_owned();
            self.set_filter(value);
        }
    }

    fn set_filter(&mut self, value: String) {
        if self.state.view == View::PolicyDetail {
            self.find_in_detail(&value);
            return;
        }
        if let Some(list) = self.state.current_list_mut() {
            list.filter = value;
        }
        self.state.rebuild_current();
    }

    fn perform(&mut self, action: Action) {
        let page = self.state.page_rows();
        match action {
            Action::Quit => self.request_quit(),
            Action::Help => self.state.mode = Mode::Help,
            Action::Command => self.state.mode = Mode::Command(Input::default()),
            Action::Filter if self.state.view == View::PolicyDetail => {
                self.state.mode = Mode::Filter(Input::default());
            }
            Action::Filter => {
                if let Some(list) = self.state.current_list() {
                    let current = list.filter.clone();
                    self.state.mode = Mode::Filter(Input::new(current));
                }
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => {
                if self.state.view == View::PolicyDetail {
                    let count = self
                        .state
                        .detail_draft()
                        .map_or(0, |p| editor::detail_items(&self.state, &p).len());
                    let last = count.saturating_sub(1);
                    let d = &mut self.state.detail;
                    d.cursor = match action {
                        Action::Up => d.cursor.saturating_sub(1),
                        Action::Down => d.cursor + 1,
                        Action::PageUp => d.cursor.saturating_sub(page),
                        Action::PageDown => d.cursor + page,
                        Action::Top => 0,
                        _ => last,
                    }
                    .min(last);
                } else if let Some(list) = self.state.current_list_mut() {
                    match action {
                        Action::Up => list.move_by(-1, page),
                        Action::Down => list.move_by(1, page),
                        Action::PageUp => list.move_by(-(page as isize), page),
                        Action::PageDown => list.move_by(page as isize, page),
                        Action::Top => list.select_first(),
                        _ => list.select_last(page),
                    }
                }
            }
            Action::Open if self.state.view == View::PolicyDetail => self.edit_selected(),
            Action::Open if self.state.view == View::History => self.show_history_entry(),
            Action::Open => self.open_selected(),
            Action::Back => self.back(),
            Action::Refresh => self.load_view(true),
            Action::TogglePause if self.state.view == View::Egress => self.toggle_pause(),
            Action::SwitchTab if self.state.view == View::Egress => {
                let e = &mut self.state.egress;
                e.tab = match e.tab {
                    egress::EgressTab::Events => egress::EgressTab::ByDestination,
                    egress::EgressTab::ByDestination => egress::EgressTab::Events,
                };
            }
            Action::AddDns if self.state.view == View::Egress => self.allow_from_log(),
            Action::Rollout if matches!(self.state.view, View::Policies | View::PolicyDetail) => {
                self.open_rollout(None, None);
            }
            other if self.state.view == View::Rollout => self.rollout_action(other),
            Action::ReadEgressThrough if self.state.view == View::Workspaces => {
                self.read_egress_through();
            }
            Action::SortNext | Action::SortReverse
                if matches!(self.state.view, View::Workspaces | View::Policies) =>
            {
                self.sort_table(action);
            }
            other if matches!(self.state.view, View::Principals | View::PrincipalDetail) => {
                self.perform_principals(other);
            }
            other => self.perform_edit(other),
        }
    }

    fn run_command(&mut self, line: &str) {
        match command::parse(line) {
            Ok(CommandLine::Workspaces) => self.show(View::Workspaces),
            Ok(CommandLine::Policies) => self.show(View::Policies),
            Ok(CommandLine::Principals) => self.show(View::Principals),
            Ok(CommandLine::Egress) => self.show(View::Egress),
            Ok(CommandLine::Filter(f)) => self.set_server_filter(f),
            Ok(CommandLine::Contexts(None)) => self.show(View::Contexts),
            Ok(CommandLine::Contexts(Some(name))) => self.switch_profile(name, false),
            Ok(CommandLine::History) => self.show(View::History),
            Ok(CommandLine::Rollout { policy, window }) => self.open_rollout(policy, window),
            Ok(CommandLine::Since(window)) => {
                self.set_window(window);
                self.show(View::Egress);
            }
            Ok(CommandLine::Help) => self.state.mode = Mode::Help,
            Ok(CommandLine::Quit) => self.request_quit(),
            Err(e) => self.state.flash = Some(e),
        }
    }

    /// Go to a view, remembering where we were for Esc.
    pub fn show(&mut self, view: View) {
        self.leave_principals(view);
        if self.state.view != view {
            if self.state.view == View::Egress {
                self.stop_tail();
            }
            if self.state.view == View::PolicyDetail {
                self.outbox.push(Command::Cancel(Slot::PolicyDetail));
            }
            self.state.back_stack.push(self.state.view);
            if self.state.back_stack.len() > 20 {
                self.state.back_stack.remove(0);
            }
            self.state.view = view;
        }
        self.state.rebuild_current();
        self.load_view(false);
    }

    fn back(&mut self) {
        if let Some(list) = self.state.current_list()
            && !list.filter.is_empty()
        {
            self.set_filter(String::new());
            return;
        }
        if let Some(prev) = self.state.back_stack.pop() {
            if self.state.view == View::Egress {
                self.stop_tail();
            }
            self.leave_principals(prev);
            if self.state.view == View::PolicyDetail {
                self.outbox.push(Command::Cancel(Slot::PolicyDetail));
            }
            self.state.view = prev;
            self.state.rebuild_current();
            self.load_view(false);
        }
    }

    fn open_selected(&mut self) {
        match self.state.view {
            View::Policies => {
                if let Some(i) = self.state.policies_list.selected_index() {
                    let id = self.state.policies[i].id().to_owned();
                    self.open_policy(PolicyId(id));
                }
            }
            View::Workspaces => {
                // Drill from a workspace into the policy that governs its egress.
                let Some(i) = self.state.workspaces_list.selected_index() else {
                    return;
                };
                match self
                    .state
                    .binding_of(self.state.workspaces[i].workspace_id)
                    .cloned()
                {
                    Some(p) => self.open_policy(p),
                    None => {
                        self.state.flash =
                            Some("the binding of this workspace is not known yet".into());
                    }
                }
            }
            View::Principals => self.open_principal(),
            View::Contexts => {
                if let Some(i) = self.state.contexts_list.selected_index() {
                    let name = self.state.profiles[i].name.clone();
                    self.switch_profile(name, true);
                }
            }
            _ => {}
        }
    }

    fn open_policy(&mut self, id: PolicyId) {
        let cached = self
            .state
            .policies
            .iter()
            .find(|p| p.id() == id.as_str())
            .cloned();
        self.state.detail = state::PolicyDetail {
            id: Some(id),
            load: if cached.is_some() {
                Load::Loaded
            } else {
                Load::NotLoaded
            },
            policy: cached,
            cursor: 0,
        };
        self.show(View::PolicyDetail);
    }

    pub(super) fn request(&mut self, slot: Slot, request: Request) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        // A write is never superseded by a newer one: each answer is routed to its own request.
        if slot != Slot::Write
            && let Some(old) = self.latest.insert(slot, id)
        {
            self.state.in_flight.remove(&old);
        }
        self.state.in_flight.insert(id, (slot, request.label()));
        self.outbox.push(Command::Send { id, slot, request });
        id
    }

    /// Ask for what the current view shows, unless it is already there (or `force`).
    pub fn load_view(&mut self, force: bool) {
        self.load_principals(force);
        if self.state.view == View::History
            && (force || self.state.journal_load == Load::NotLoaded)
            && self.state.session.is_some()
        {
            self.state.journal_load = Load::Loading;
            self.request(Slot::Journal, Request::ReadJournal);
        }
        if self.state.view == View::Egress && self.state.session.is_some() {
            self.egress_load(force);
        }
        if self.state.view == View::Rollout
            && self.state.session.is_some()
            && (force || self.state.rollout.load == Load::NotLoaded)
        {
            self.load_rollout();
        }
        if !self.state.is_account() {
            return;
        }
        let s = &mut self.state;
        let need_workspaces = matches!(
            s.view,
            View::Workspaces | View::Policies | View::PolicyDetail | View::Egress
        ) && (force || s.workspaces_load == Load::NotLoaded);
        let need_policies =
            s.view == View::Policies && (force || s.policies_load == Load::NotLoaded);
        let need_detail =
            s.view == View::PolicyDetail && (force || s.detail.load == Load::NotLoaded);
        if need_workspaces {
            s.workspaces_load = Load::Loading;
            self.request(Slot::Workspaces, Request::ListWorkspaces);
        }
        if need_policies {
            self.state.policies_load = Load::Loading;
            self.request(Slot::Policies, Request::ListPolicies);
        }
        if need_detail && let Some(id) = self.state.detail.id.clone() {
            self.state.detail.load = Load::Loading;
            self.request(Slot::PolicyDetail, Request::GetPolicy(id));
        }
    }
}
