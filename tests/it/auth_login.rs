//! `dbx-tui auth login` and `auth_type = external-browser` against the emulator, the test
//! playing the browser over plain HTTP: the whole sign-in, a wrong state and a wrong verifier
//! refused, refresh-token rotation, one refresh for concurrent requests at expiry, the
//! headless paste-back, and no token anywhere but the keyring.

use crate::support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use dbx_tui::api::{ApiClient, workspaces};
use dbx_tui::auth::check::{Failure, check_profile, render, render_line};
use dbx_tui::auth::provider_for;
use dbx_tui::auth::u2m::{self, LoginUi, Target};
use dbx_tui::auth_login::{LoginArgs, Setup, run};
use dbx_tui::config::{self, Env, keyring};
use dbx_tui::emulator::{Emulator, EmulatorOptions};
use reqwest::header::LOCATION;
use tokio::sync::mpsc;

use crate::keyring_store::mock_store;

async fn emulator(token_lifetime: Duration) -> Emulator {
    let opts = EmulatorOptions {
        egress_events_per_sec: 0.0,
        egress_backfill: 0,
        token_lifetime,
        ..EmulatorOptions::default()
    };
    support::emulator_with(opts).await
}

fn no_redirects() -> reqwest::Client {
    crate::support::http_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The browser: GET the authorize address, take the 302's Location (through `tamper`).
async fn sign_in(url: &str, tamper: fn(&str) -> String) -> String {
    let r = no_redirects().get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 302, "{:?}", r.text().await);
    let loc = r.headers()[LOCATION].to_str().unwrap().to_owned();
    tamper(&loc)
}

/// The sign-in address once the login has shown it (`said` is what it told the person).
async fn shown_address(said: &Mutex<String>) -> String {
    loop {
        if let Some(u) = said
            .lock()
            .unwrap()
            .lines()
            .find(|l| l.contains("/v1/authorize?"))
            .map(|l| l.trim().to_owned())
        {
            return u;
        }
        tokio::task::yield_now().await;
    }
}

#[derive(Clone, Default)]
struct TestUi {
    said: Arc<Mutex<String>>,
    tamper: Option<fn(&str) -> String>,
    /// `open_browser` fails: the person must open the address themselves.
    no_browser: bool,
    urls: Arc<Mutex<Vec<String>>>,
}

impl LoginUi for TestUi {
    fn say(&mut self, text: &str) {
        self.said.lock().unwrap().push_str(&format!("{text}\n"));
    }

    fn open_browser(&mut self, url: &str) -> bool {
        self.urls.lock().unwrap().push(url.to_owned());
        if self.no_browser {
            return false;
        }
        let (url, tamper) = (url.to_owned(), self.tamper.unwrap_or(str::to_owned));
        tokio::spawn(async move {
            let back = sign_in(&url, tamper).await;
            assert!(back.starts_with("http://localhost:80"), "{back}");
            // Follow the redirect to the loopback listener, as the browser does.
            let page = reqwest::get(&back).await.unwrap();
            assert_eq!(page.status().as_u16(), 200);
        });
        true
    }

    fn countdown(&mut self, _left: Duration) {}
}

struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    fn new() -> Self {
        Self {
            tmp: tempfile::tempdir().unwrap(),
        }
    }
    fn cfg(&self) -> std::path::PathBuf {
        self.tmp.path().join(".databrickscfg")
    }
    fn file(&self) -> Option<config::ConfigFile> {
        config::load_config_file(&self.cfg()).ok()
    }
    fn profile(&self, name: &str) -> config::Profile {
        let file = self.file().unwrap();
        config::resolve(
            Some(name),
            &Env::from_pairs(Vec::<(String, String)>::new()),
            Some(&file),
        )
        .unwrap()
    }
}

async fn login(dir: &Dir, args: LoginArgs, ui: &mut TestUi) -> Result<String, String> {
    let (_tx, mut lines) = mpsc::unbounded_channel();
    let file = dir.file();
    run(
        &args,
        Setup {
            config_path: dir.cfg(),
            file: file.as_ref(),
            lines: &mut lines,
            interactive: false,
            ui,
            wait: Duration::from_secs(20),
        },
    )
    .await
}

fn account_args(emu: &Emulator, profile: &str) -> LoginArgs {
    LoginArgs {
        profile: Some(profile.into()),
        host: Some(emu.base_url()),
        account_id: Some(emu.accounts()[0].account_id.clone()),
        yes: true,
    }
}

fn account_target(emu: &Emulator) -> Target {
    Target::Account {
        host: emu.base_url(),
        account_id: emu.accounts()[0].account_id.clone(),
    }
}

#[tokio::test]
async fn the_whole_sign_in_writes_the_profile_and_the_profile_calls_apis() {
    mock_store();
    let emu = emulator(Duration::from_secs(3600)).await;
    let dir = Dir::new();
    std::fs::write(
        dir.cfg(),
        "[other]\nhost = https://x.example.com\ntoken = dapi-keep\n",
    )
    .unwrap();
    let mut ui = TestUi::default();
    let done = login(&dir, account_args(&emu, "acct-login"), &mut ui)
        .await
        .unwrap();
    assert!(done.contains("Profile [acct-login] written"), "{done}");
    let text = std::fs::read_to_string(dir.cfg()).unwrap();
    assert!(
        text.starts_with("[other]\nhost = https://x.example.com\ntoken = dapi-keep\n"),
        "{text}"
    );
    assert!(
        text.contains("[acct-login]\nhost = http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("auth_type = external-browser"), "{text}");
    let said = ui.said.lock().unwrap().clone();
    assert!(said.contains("/v1/authorize?response_type=code&client_id=databricks-cli&redirect_uri=http%3A%2F%2Flocalhost%3A80"), "{said}");
    assert!(
        said.contains("scope=all-apis+offline_access")
            && said.contains("code_challenge_method=S256"),
        "{said}"
    );
    assert!(keyring::get(&account_target(&emu).keyring_entry()).is_ok());

    // The written profile works: an account API call, and `auth check` names the method.
    let profile = dir.profile("acct-login");
    let provider = provider_for(&profile).unwrap();
    assert_eq!(provider.method(), "external-browser");
    let client = ApiClient::new(
        dbx_tui::api::client::http_client(),
        &emu.base_url(),
        provider,
    );
    let list = workspaces::list(&client, &emu.accounts()[0].account_id)
        .await
        .unwrap();
    assert!(!list.is_empty());
    let report = check_profile(&profile, Duration::from_secs(5)).await;
    let out = render(&report);
    assert!(report.outcome.is_ok(), "{out}");
    assert!(
        out.contains("auth     external-browser (auth_type = external-browser"),
        "{out}"
    );
    assert!(
        out.contains("as       your browser sign-in to http://127.0.0.1:"),
        "{out}"
    );
    assert!(
        out.contains("token    expires in 59m") || out.contains("token    expires in 60m"),
        "{out}"
    );
    let line = render_line(&report);
    assert!(
        line.contains("external-browser") && line.contains("OK"),
        "{line}"
    );
}

#[tokio::test]
async fn a_workspace_sign_in_names_who_signed_in() {
    mock_store();
    let emu = emulator(Duration::from_secs(3600)).await;
    let dir = Dir::new();
    let args = LoginArgs {
        profile: Some("ws-login".into()),
        host: Some(emu.base_url()),
        account_id: None,
        yes: true,
    };
    login(&dir, args, &mut TestUi::default()).await.unwrap();
    let report = check_profile(&dir.profile("ws-login"), Duration::from_secs(5)).await;
    let out = render(&report);
    assert!(report.outcome.is_ok(), "{out}");
    assert!(out.contains("result   OK: signed in as admin@"), "{out}");
    assert!(
        render_line(&report).contains("signed in as admin@"),
        "{out}"
    );
}

fn other_state(loc: &str) -> String {
    let (head, _) = loc.split_once("state=").unwrap();
    format!("{head}state=forged-state")
}

#[tokio::test]
async fn an_answer_with_another_state_is_refused_and_nothing_is_stored() {
    mock_store();
    let emu = emulator(Duration::from_secs(3600)).await;
    let dir = Dir::new();
    let mut ui = TestUi {
        tamper: Some(other_state),
        ..TestUi::default()
    };
    let mut args = account_args(&emu, "forged");
    args.account_id = Some(emu.accounts()[1].account_id.clone());
    let err = login(&dir, args, &mut ui).await.unwrap_err();
    assert!(err.contains("state does not match"), "{err}");
    let target = Target::Account {
        host: emu.base_url(),
        account_id: emu.accounts()[1].account_id.clone(),
    };
    assert!(keyring::get(&target.keyring_entry()).is_err());
    assert!(!dir.cfg().exists());
}

/// The authorize step by hand: (code, redirect_uri) for `challenge`.
async fn code_for(emu: &Emulator, challenge: &str) -> (String, String) {
    let redirect = "http://localhost:8020";
    let url = format!(
        "{}/oidc/v1/authorize?response_type=code&client_id=databricks-cli&redirect_uri={}&scope=all-apis+offline_access&state=s1&code_challenge={challenge}&code_challenge_method=S256",
        emu.base_url(),
        "http%3A%2F%2Flocalhost%3A8020"
    );
    let back = sign_in(&url, str::to_owned).await;
    let Some(u2m::listener::Answer::Code { code, state }) = u2m::listener::answer_from(&back)
    else {
        panic!("{back}")
    };
    assert_eq!(state, "s1");
    (code.expose().to_owned(), redirect.to_owned())
}

async fn token(emu: &Emulator, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let r = crate::support::http()
        .post(format!("{}/oidc/v1/token", emu.base_url()))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn the_emulator_checks_verifier_redirect_client_and_spends_codes() {
    let emu = emulator(Duration::from_secs(3600)).await;
    let verifier = "a".repeat(43);
    let challenge = u2m::pkce::challenge_of(&verifier);
    let wrong = "b".repeat(43);
    for (bad_verifier, redirect, client) in [
        (wrong.as_str(), "http://localhost:8020", "databricks-cli"),
        (verifier.as_str(), "http://localhost:8021", "databricks-cli"),
        (verifier.as_str(), "http://localhost:8020", "someone-else"),
    ] {
        let (code, _) = code_for(&emu, &challenge).await;
        let (status, body) = token(
            &emu,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("code_verifier", bad_verifier),
                ("redirect_uri", redirect),
                ("client_id", client),
            ],
        )
        .await;
        assert!(status == 400 || status == 401, "{status} {body}");
        // The code is spent even by a failed exchange.
        let (status, body) = token(
            &emu,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("code_verifier", &verifier),
                ("redirect_uri", "http://localhost:8020"),
                ("client_id", "databricks-cli"),
            ],
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
    }
    let (code, redirect) = code_for(&emu, &challenge).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("code_verifier", verifier.as_str()),
        ("redirect_uri", redirect.as_str()),
        ("client_id", "databricks-cli"),
    ];
    let (status, body) = token(&emu, &form).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["refresh_token"].is_string() && body["access_token"].is_string());
}

#[tokio::test]
async fn a_wrong_verifier_fails_the_client_sign_in() {
    // The client's exchange against a server that expects another verifier: the challenge in
    // the authorize address is replaced, as a code injected from another sign-in would be.
    mock_store();
    let emu = emulator(Duration::from_secs(3600)).await;
    let dir = Dir::new();
    let mut ui = TestUi {
        no_browser: true,
        ..TestUi::default()
    };
    let (tx, mut lines) = mpsc::unbounded_channel();
    let urls = ui.urls.clone();
    let said = ui.said.clone();
    let browser = tokio::spawn(async move {
        // Wait for the address to be shown, then sign in with another challenge.
        let url = shown_address(&said).await;
        let other = u2m::pkce::challenge_of(&"z".repeat(60));
        let (head, tail) = url.split_once("code_challenge=").unwrap();
        let rest = tail
            .split_once('&')
            .map_or(String::new(), |(_, r)| format!("&{r}"));
        let back = sign_in(
            &format!("{head}code_challenge={other}{rest}"),
            str::to_owned,
        )
        .await;
        tx.send(back).unwrap();
    });
    let args = LoginArgs {
        profile: Some("bad-verifier".into()),
        host: Some(emu.base_url()),
        ..LoginArgs::default()
    };
    let file = dir.file();
    let err = run(
        &args,
        Setup {
            config_path: dir.cfg(),
            file: file.as_ref(),
            lines: &mut lines,
            interactive: false,
            ui: &mut ui,
            wait: Duration::from_secs(20),
        },
    )
    .await
    .unwrap_err();
    browser.await.unwrap();
    assert!(urls.lock().unwrap().len() == 1);
    assert!(
        err.contains("sign-in code was refused") && err.contains("PKCE"),
        "{err}"
    );
    assert!(!dir.cfg().exists());
}

#[tokio::test]
async fn headless_sign_in_reads_the_pasted_address() {
    mock_store();
    let emu = emulator(Duration::from_secs(3600)).await;
    let mut ui = TestUi::default();
    let (tx, mut lines) = mpsc::unbounded_channel();
    let mut l = u2m::Login::new(
        Target::Workspace {
            host: emu.base_url(),
        },
        None,
    );
    // No port can be bound: an empty range starting at the registered first port.
    l.ports = std::ops::RangeInclusive::new(8020, 8019);
    let said = ui.said.clone();
    let person = tokio::spawn(async move {
        let url = shown_address(&said).await;
        tx.send("not an address".into()).unwrap();
        let back = sign_in(&url, str::to_owned).await;
        assert!(back.starts_with("http://localhost:8020/?code="), "{back}");
        tx.send(back).unwrap();
    });
    let tokens = u2m::login(
        &dbx_tui::api::client::http_client(),
        &l,
        &mut ui,
        &mut lines,
    )
    .await
    .unwrap();
    person.await.unwrap();
    assert!(tokens.refresh.is_some());
    let said = ui.said.lock().unwrap().clone();
    assert!(
        said.contains("No local port 8020-8019 could be opened"),
        "{said}"
    );
    assert!(
        said.contains("That is not the address the browser ended on"),
        "{said}"
    );
    assert!(
        ui.urls.lock().unwrap().is_empty(),
        "no browser without a listener"
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_revoked_login_says_how_to_sign_in_again() {
    mock_store();
    let emu = emulator(Duration::from_secs(3600)).await;
    let dir = Dir::new();
    let mut args = account_args(&emu, "rotating");
    args.account_id = Some(emu.accounts()[2].account_id.clone());
    login(&dir, args, &mut TestUi::default()).await.unwrap();
    let target = Target::Account {
        host: emu.base_url(),
        account_id: emu.accounts()[2].account_id.clone(),
    };
    let first = keyring::get(&target.keyring_entry()).unwrap();
    let profile = dir.profile("rotating");
    let provider = provider_for(&profile).unwrap();
    let http = dbx_tui::api::client::http_client();
    provider.authorize(&http).await.unwrap();
    let second = keyring::get(&target.keyring_entry()).unwrap();
    assert_ne!(first, second, "the rotated refresh token is stored back");
    // The old one is spent.
    let r = crate::support::http()
        .post(format!("{}/v1/token", target.oidc_root()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", first.expose()),
            ("client_id", "databricks-cli"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "invalid_grant"
    );

    emu.handle().revoke_u2m_refresh_tokens();
    let report = check_profile(&profile, Duration::from_secs(5)).await;
    let out = render(&report);
    let (kind, detail) = report.outcome.clone().unwrap_err();
    assert_eq!(kind, Failure::ExpiredToken, "{out}");
    assert!(
        detail.contains("has expired or was revoked")
            && detail.contains("run `dbx-tui auth login --profile rotating`"),
        "{detail}"
    );
}

#[tokio::test]
async fn two_requests_at_expiry_cause_one_refresh() {
    mock_store();
    let emu = emulator(Duration::from_secs(2)).await;
    let dir = Dir::new();
    let mut args = account_args(&emu, "expiring");
    args.host = Some(emu.base_url().replace("127.0.0.1", "localhost"));
    login(&dir, args, &mut TestUi::default()).await.unwrap();
    let provider = Arc::new(provider_for(&dir.profile("expiring")).unwrap());
    let http = dbx_tui::api::client::http_client();
    let first = provider.authorize(&http).await.unwrap().token;
    assert_eq!(emu.handle().u2m_refresh_count(), 1);
    // Wait (bounded) until the token is due: its refresh point is a quarter before expiry.
    let expires = provider.expires_at().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while SystemTime::now() + Duration::from_millis(400) < expires {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (a, b) = tokio::join!(provider.authorize(&http), provider.authorize(&http));
    let (a, b) = (a.unwrap().token, b.unwrap().token);
    assert_eq!(a, b);
    assert_ne!(a, first);
    assert_eq!(emu.handle().u2m_refresh_count(), 2);
}

/// A log writer for the canary: everything tracing emits on this thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn canary_no_token_in_logs_screen_or_files() {
    mock_store();
    // One process-wide subscriber: a thread-scoped one loses events whose callsites other test
    // threads registered first (tracing caches each callsite's interest), which made this test
    // flaky. Events of tests running alongside land here too; none may carry a token either.
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    let captured = CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let sink = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::DEBUG)
                .with_writer(move || sink.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
            captured
        })
        .clone();
    let emu = emulator(Duration::from_secs(3600)).await;
    let dir = Dir::new();
    let mut ui = TestUi::default();
    let mut args = account_args(&emu, "canary");
    args.host = Some(format!(
        "{}/",
        emu.base_url().replace("127.0.0.1", "localhost")
    ));
    let done = login(&dir, args, &mut ui).await.unwrap();
    let profile = dir.profile("canary");
    let report = check_profile(&profile, Duration::from_secs(5)).await;
    assert!(report.outcome.is_ok(), "{}", render(&report));
    let target = u2m::Target::for_profile(&profile, profile.host.clone().unwrap()).unwrap();
    let refresh = keyring::get(&target.keyring_entry()).unwrap();
    assert!(refresh.expose().starts_with("dbxemu-u2m-refresh-"));

    let mut everything = format!("{done}\n{}\n{}\n", ui.said.lock().unwrap(), render(&report));
    everything.push_str(&String::from_utf8_lossy(&captured.0.lock().unwrap()));
    assert!(
        everything.contains("issued U2M tokens"),
        "the log was captured:\n{everything}"
    );
    for entry in walk(dir.tmp.path()) {
        everything.push_str(&String::from_utf8_lossy(&std::fs::read(entry).unwrap()));
    }
    // Access tokens, refresh tokens and codes all carry these prefixes in the emulator.
    for needle in ["dbxemu-u2m-", "dbxemu-code-", refresh.expose()] {
        assert!(
            !everything.contains(needle),
            "{needle} leaked:\n{everything}"
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
