//! The application: state, key handling and the event loop.
//!
//! `App` turns terminal events and actor events into state changes and actor [`Command`]s. It
//! never awaits: [`run`] sends the commands and draws.

pub mod command;
pub mod confirm;
pub mod dialog;
pub mod editor;
pub mod egress;
pub mod egress_tail;
mod export_file;
pub mod keymap;
pub mod list;
mod live;
pub mod modal;
pub mod pane_keys;
pub mod panes;
pub mod paste;
pub mod pending;
pub mod principals;
mod replies;
pub mod run;
pub mod signin;
pub mod state;
pub mod table_sort;
pub mod terminal;
pub mod tick;
mod undo;

pub use panes::{history, rollout};

use crate::actor::{ActorEvent, Command, Payload, Request, RequestId, Slot};
use crate::api::{ApiError, PolicyId};
use crate::config::Profile;
use command::CommandLine;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use keymap::{Action, Keymap};
use panes::pane;
use state::{Load, Mode, State, View};
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
            Mode::Help => panes::help::handle(self, &key),
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
        pane(self.state.view).set_filter(self, value);
    }

    /// Keys every view handles the same way here; the rest go to the focused pane.
    fn perform(&mut self, action: Action) {
        let focused = pane(self.state.view);
        match action {
            Action::Quit => self.request_quit(),
            Action::Help => self.state.mode = Mode::Help,
            Action::SignIn => self.open_sign_in(),
            Action::Command => self.state.mode = Mode::Command(Input::default()),
            Action::Filter => {
                if let Some(current) = focused.filter_text(&self.state) {
                    self.state.mode = Mode::Filter(Input::new(current));
                }
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => focused.navigate(self, action),
            Action::Back => self.back(),
            Action::Refresh => self.load_view(true),
            other => focused.perform(self, other),
        }
    }

    fn run_command(&mut self, line: &str) {
        match command::parse(line) {
            Ok(CommandLine::Show(view)) => self.show(view),
            Ok(CommandLine::Filter(f)) => self.set_server_filter(f),
            Ok(CommandLine::Contexts(None)) => self.show(View::Contexts),
            Ok(CommandLine::Contexts(Some(name))) => self.switch_profile(name, false),
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
        if self.state.view != view {
            pane(self.state.view).leave(self, view);
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
            pane(self.state.view).leave(self, prev);
            self.state.view = prev;
            self.state.rebuild_current();
            self.load_view(false);
        }
    }

    fn open_policy(&mut self, id: PolicyId) {
        let cached = self.state.listed_policy(id.as_str()).cloned();
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
        pane(self.state.view).load(self, force);
    }
}
