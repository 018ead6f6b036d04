//! A test harness: the real `App` and actor against the in-process emulator over real HTTP,
//! with the screen drawn into ratatui's `TestBackend`. `settle` pumps actor events until no
//! request is in flight (with a deadline), so tests wait on conditions, never on sleeps.

#![allow(dead_code)]

#[cfg(unix)]
pub mod pty;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dbx_tui::actor::{ActorEvent, ActorHandle};
use dbx_tui::app::App;
use dbx_tui::app::keymap::Keymap;
use dbx_tui::config::{Profile, ProfileSource};
use dbx_tui::emulator::{DemoAccount, Emulator, EmulatorOptions};
use dbx_tui::journal::Journal;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

pub struct Harness {
    pub app: App,
    pub actor: ActorHandle,
    pub events: UnboundedReceiver<ActorEvent>,
    pub dir: tempfile::TempDir,
}

/// A plain reqwest client (redirects followed, no timeouts) for tests that talk to the emulator
/// directly. reqwest is built without a TLS provider of its own, so install the app's first.
pub fn http() -> reqwest::Client {
    http_builder().build().unwrap()
}

/// [`http`]'s builder, for tests that change a setting.
pub fn http_builder() -> reqwest::ClientBuilder {
    dbx_tui::api::client::install_tls_provider();
    reqwest::Client::builder()
}

/// Account profiles (OAuth M2M) for every emulated account, named `demo-<cloud>`.
pub fn profiles(emu: &Emulator) -> Vec<Profile> {
    emu.accounts()
        .into_iter()
        .map(|a| {
            let mut p = Profile::empty(&format!("demo-{}", a.cloud), ProfileSource::Demo);
            p.host = Some(emu.base_url());
            p.account_id = Some(a.account_id.clone());
            p.client_id = Some(a.client_id.clone());
            p.client_secret = Some(a.client_secret.clone().into());
            p
        })
        .collect()
}

pub async fn emulator() -> Emulator {
    emulator_with(EmulatorOptions::default()).await
}

/// An emulator with `opts` on a free loopback port.
pub async fn emulator_with(opts: EmulatorOptions) -> Emulator {
    Emulator::start(opts, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// Options for an emulator whose egress log only changes when a test says so, with instant
/// warehouses.
pub fn quiet_options() -> EmulatorOptions {
    EmulatorOptions {
        egress_events_per_sec: 0.0,
        egress_backfill: 0,
        warehouse_start_delay: Duration::ZERO,
        sql_statement_delay: Duration::ZERO,
        ..EmulatorOptions::default()
    }
}

/// An emulator with [`quiet_options`].
pub async fn quiet_emulator() -> Emulator {
    emulator_with(quiet_options()).await
}

/// The emulated AWS account: the one the harness's `demo-aws` profile signs in to.
pub fn aws_account(emu: &Emulator) -> DemoAccount {
    emu.accounts()
        .into_iter()
        .find(|a| a.cloud == "aws")
        .unwrap()
}

impl Harness {
    /// Pump actor events until `pred` holds (for long-running requests such as the egress
    /// tail, which never finish on their own).
    pub async fn until(&mut self, what: &str, pred: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            for cmd in self.app.take_commands() {
                assert!(self.actor.try_send(cmd), "actor queue full");
            }
            if pred(&self.app) {
                return;
            }
            let ev = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "timed out waiting for {what}; error: {:?}",
                        self.app.state.last_error
                    )
                })
                .expect("actor stopped");
            self.app.handle_actor_event(ev);
        }
    }

    pub async fn new(emu: &Emulator) -> Harness {
        Harness::on(profiles(emu), "demo-aws", (120, 40)).await
    }

    /// The app on these profiles, connected to `name`, drawn at `size`, its files (journal,
    /// exports) in a directory of its own; returns once the first answers are in.
    pub async fn on(profiles: Vec<Profile>, name: &str, size: (u16, u16)) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let (actor, events) = dbx_tui::actor::spawn(Journal::at(dir.path().join("journal.jsonl")));
        let mut app = App::new(profiles, Keymap::default());
        app.state.size = size;
        app.state.export_dir = dir.path().to_path_buf();
        app.connect(name);
        let mut h = Harness {
            app,
            actor,
            events,
            dir,
        };
        h.settle().await;
        h
    }

    /// A client of the workspace the app reads the egress log through, authenticated as the
    /// app's own (first) profile would be there.
    pub async fn egress_workspace_client(&self, emu: &Emulator) -> dbx_tui::api::ApiClient {
        let p = profiles(emu).remove(0);
        let via = self.app.state.egress.via.clone().unwrap();
        let account = dbx_tui::api::ApiClient::new(
            dbx_tui::api::client::http_client(),
            &emu.base_url(),
            dbx_tui::auth::provider_for(&p).unwrap(),
        );
        let target = dbx_tui::api::workspaces::get(
            &account,
            p.account_id.as_deref().unwrap(),
            via.workspace_id,
        )
        .await
        .unwrap();
        let (wp, auth, headers) =
            dbx_tui::auth::cross_workspace::workspace_credential(&p, &target).unwrap();
        dbx_tui::api::ApiClient::new(
            dbx_tui::api::client::http_client(),
            wp.host.as_deref().unwrap(),
            auth,
        )
        .with_headers(headers)
    }

    pub fn journal(&self) -> Journal {
        Journal::at(self.dir.path().join("journal.jsonl"))
    }

    /// Send what the app asked for and feed answers back until nothing is in flight.
    pub async fn settle(&mut self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            for cmd in self.app.take_commands() {
                assert!(self.actor.try_send(cmd), "actor queue full");
            }
            if self.app.state.in_flight.is_empty() && self.app.state.connecting.is_none() {
                return;
            }
            let ev = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!("still in flight after 20 s: {:?}", self.app.state.in_flight)
                })
                .expect("actor stopped");
            self.app.handle_actor_event(ev);
        }
    }

    pub fn key(&mut self, code: KeyCode) {
        self.app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    }

    pub fn ctrl(&mut self, c: char) {
        self.app
            .handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    }

    /// Type characters; `\n` is Enter and `\x1b` is Esc.
    pub fn type_keys(&mut self, s: &str) {
        for c in s.chars() {
            match c {
                '\n' => self.key(KeyCode::Enter),
                '\x1b' => self.key(KeyCode::Esc),
                c => self.key(KeyCode::Char(c)),
            }
        }
    }

    /// Type, then let the actor answer.
    pub async fn keys(&mut self, s: &str) {
        self.type_keys(s);
        self.settle().await;
    }

    pub fn screen(&self) -> String {
        let (w, h) = self.app.state.size;
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| dbx_tui::ui::render(&self.app.state, f)).unwrap();
        t.backend().to_string()
    }

    /// Asserts that the screen shows `text`; the failure prints the screen.
    #[track_caller]
    pub fn assert_shows(&self, text: &str) {
        let screen = self.screen();
        assert!(
            screen.contains(text),
            "{text:?} not on the screen:\n{screen}"
        );
    }

    /// Asserts that nothing is left pending; the failure prints the last error.
    #[track_caller]
    pub fn assert_nothing_pending(&self) {
        assert!(
            self.app.state.pending.is_empty(),
            "{:?}",
            self.app.state.last_error
        );
    }

    /// The screen without the header (whose host port and token clock change every run).
    pub fn body(&self) -> String {
        self.screen().lines().skip(3).collect::<Vec<_>>().join("\n")
    }

    /// `:ws`, select `workspace`, `b`, pick `policy` from the list: the bind confirmation is
    /// open. The workspace's id.
    pub async fn confirm_bind(&mut self, workspace: &str, policy: &str) -> i64 {
        self.keys(&format!(":ws\n/{workspace}\n")).await;
        let ws = self.app.state.workspaces
            [self.app.state.workspaces_list.selected_index().unwrap()]
        .workspace_id;
        self.keys("b").await;
        let target = self
            .app
            .state
            .policies
            .iter()
            .position(|p| p.id() == policy)
            .unwrap();
        for _ in 0..target {
            self.type_keys("j");
        }
        self.type_keys("\n");
        assert!(matches!(
            self.app.state.modal,
            Some(dbx_tui::app::modal::Modal::Confirm(
                dbx_tui::app::confirm::Confirm::Bind { .. }
            ))
        ));
        ws.0
    }

    /// Open a policy's detail from anywhere: `:np`, filter by id, Enter.
    pub async fn open_policy(&mut self, id: &str) {
        self.keys(":np\n").await;
        self.keys(&format!("/{id}\n")).await;
        let sel = self
            .app
            .state
            .policies_list
            .selected_index()
            .expect("policy listed");
        assert_eq!(self.app.state.policies[sel].id(), id);
        self.keys("\n").await;
        assert!(
            self.app.state.detail.policy.is_some(),
            "detail did not load"
        );
    }
}

/// The id of the first emulated account (the harness's `demo-aws`).
pub fn account_id(emu: &Emulator) -> String {
    emu.accounts()[0].account_id.clone()
}

/// The allowed DNS names of a network policy as JSON (`egress.network_access`).
pub fn dns_names(policy: &serde_json::Value) -> Vec<String> {
    policy["egress"]["network_access"]["allowed_internet_destinations"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["destination"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The allowed DNS names of `policy` in the first account, as the emulator holds them.
pub fn server_names(emu: &Emulator, policy: &str) -> Vec<String> {
    dns_names(&emu.handle().policy_raw(&account_id(emu), policy).unwrap())
}

/// The real binary in an empty environment (but `PATH`) whose home, and XDG data and config
/// directories, are in `home`.
pub fn cli(home: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_dbx-tui"));
    c.env_clear()
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    c
}

/// Writes `home/.databrickscfg` with one profile `name`: the OAuth M2M account profile of the
/// first emulated account (as [`profiles`] builds it), which it returns.
pub fn write_account_config(home: &std::path::Path, emu: &Emulator, name: &str) -> Profile {
    let profile = profiles(emu).remove(0);
    std::fs::write(
        home.join(".databrickscfg"),
        format!(
            "[{name}]\nhost = {}\naccount_id = {}\nclient_id = {}\nclient_secret = {}\n",
            emu.base_url(),
            profile.account_id.as_deref().unwrap(),
            profile.client_id.as_deref().unwrap(),
            profile.client_secret.as_ref().unwrap().expose(),
        ),
    )
    .unwrap();
    profile
}

/// A client signed in as `profile`.
pub fn client_for(profile: &Profile) -> dbx_tui::api::ApiClient {
    let http = dbx_tui::api::client::http_client_for(profile).unwrap();
    let provider = dbx_tui::auth::provider_for(profile).unwrap();
    dbx_tui::api::ApiClient::new(http, profile.host.as_deref().unwrap(), provider)
}

/// Another admin's client for the first emulated account (the harness's `demo-aws`), with its
/// account id: how tests change the server behind the app's back.
pub fn admin_client(emu: &Emulator) -> (dbx_tui::api::ApiClient, String) {
    let p = profiles(emu).remove(0);
    (client_for(&p), p.account_id.unwrap())
}

/// Another admin allows `domain` in policy `id` through the API; the policy as written.
pub async fn allow_elsewhere(
    emu: &Emulator,
    id: &str,
    domain: &str,
) -> dbx_tui::api::network_policies::NetworkPolicy {
    use dbx_tui::api::network_policies::{self, InternetDestination, InternetDestinationType};
    let (c, account) = admin_client(emu);
    let id = dbx_tui::api::PolicyId(id.to_owned());
    let mut p = network_policies::get(&c, &account, &id).await.unwrap();
    let access = p.egress.as_mut().unwrap().network_access.as_mut().unwrap();
    access
        .allowed_internet_destinations
        .get_or_insert_with(Vec::new)
        .push(InternetDestination {
            destination: domain.to_owned(),
            internet_destination_type: Some(InternetDestinationType::DnsName),
            extra: Default::default(),
        });
    network_policies::update(&c, &account, &p).await.unwrap();
    p
}
