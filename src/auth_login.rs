//! `dbx-tui auth login [--profile P | --host H [--account-id A]] [--yes]`: a person signs in
//! through the browser (OAuth U2M, see `dbx_tui::auth::u2m`); the refresh token goes to the OS
//! keyring, and the profile (`auth_type = external-browser`) is written only after asking.

use crate::auth::u2m::{self, LoginUi, Target, provider};
use crate::config::{ConfigFile, Profile, edit};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// What the person asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct LoginArgs {
    pub profile: Option<String>,
    pub host: Option<String>,
    pub account_id: Option<String>,
    /// Write the profile without asking.
    pub yes: bool,
}

/// Where the command reads, writes and asks.
pub struct Setup<'a> {
    /// The config file to update (`--config-file`, `DATABRICKS_CONFIG_FILE` or `~/.databrickscfg`).
    pub config_path: PathBuf,
    /// Its profiles as loaded, if it exists.
    pub file: Option<&'a ConfigFile>,
    /// Lines typed on stdin: a pasted redirect address, then the answer to the question.
    pub lines: &'a mut mpsc::UnboundedReceiver<String>,
    /// stdin is a terminal, so the question may be asked.
    pub interactive: bool,
    pub ui: &'a mut dyn LoginUi,
    /// How long to wait for the browser.
    pub wait: Duration,
}

/// A profile name for a sign-in given only by host: the host's first DNS label (or
/// `account-` and the account id's first group for an account).
pub fn default_profile_name(target: &Target) -> String {
    if let Some(a) = target.account_id() {
        return format!("account-{}", a.split('-').next().unwrap_or(a));
    }
    let host = target.host();
    let bare = host.split("://").nth(1).unwrap_or(host);
    let label = bare.split(['.', ':', '/']).next().unwrap_or("workspace");
    let clean: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if clean.is_empty() {
        "workspace".into()
    } else {
        clean
    }
}

/// The target, profile name and client id of this sign-in.
fn plan(
    args: &LoginArgs,
    file: Option<&ConfigFile>,
) -> Result<(Target, String, Option<String>, Option<Profile>), String> {
    let existing = args
        .profile
        .as_deref()
        .and_then(|p| file.and_then(|f| f.profile(p)))
        .cloned();
    let (host, account_id) = match (&args.host, &existing) {
        (Some(h), _) => (h.clone(), args.account_id.clone()),
        (None, Some(p)) => (
            p.host
                .clone()
                .ok_or_else(|| format!("profile {} has no host: give --host", p.name))?,
            args.account_id.clone().or_else(|| p.account_id.clone()),
        ),
        (None, None) => {
            return Err(match &args.profile {
                Some(p) => format!(
                    "profile {p} is not in the config file: give --host (and --account-id for an account) to create it"
                ),
                None => "give --profile P, or --host H (and --account-id A for an account)".into(),
            });
        }
    };
    let draft = edit::login_profile(
        args.profile.as_deref().unwrap_or("login"),
        &host,
        account_id.as_deref(),
    );
    if draft.host_userinfo {
        return Err("the host must not contain a user name or password (user:password@)".into());
    }
    let normal = draft
        .host
        .clone()
        .ok_or_else(|| "the host is not a valid URL".to_owned())?;
    let target = Target::for_profile(&draft, normal).map_err(|_| {
        "an accounts host needs --account-id (the account's id from the account console)".to_owned()
    })?;
    let name = args
        .profile
        .clone()
        .unwrap_or_else(|| default_profile_name(&target));
    // A profile's own public client, unless it is a service principal's (it has a secret).
    let client_id = existing
        .as_ref()
        .filter(|p| p.client_secret.is_none())
        .and_then(|p| p.client_id.clone());
    Ok((target, name, client_id, existing))
}

/// The keys the profile needs for this login.
fn profile_keys(target: &Target) -> Vec<(&'static str, String)> {
    let mut keys = vec![("host", target.host().to_owned())];
    if let Some(a) = target.account_id() {
        keys.push(("account_id", a.to_owned()));
    }
    keys.push(("auth_type", "external-browser".to_owned()));
    keys
}

fn already_set(existing: Option<&Profile>, target: &Target) -> bool {
    existing.is_some_and(|p| {
        p.host.as_deref() == Some(target.host())
            && p.account_id.as_deref() == target.account_id()
            && p.auth_type.as_deref() == Some("external-browser")
    })
}

/// Runs the sign-in. `Ok` carries the closing summary; every message is free of tokens.
pub async fn run(args: &LoginArgs, setup: Setup<'_>) -> Result<String, String> {
    let (target, name, client_id, existing) = plan(args, setup.file)?;
    let http = match &existing {
        Some(p) => crate::api::client::http_client_for(p)?,
        None => crate::api::client::http_client(),
    };
    let mut login = u2m::Login::new(target.clone(), client_id);
    login.wait = setup.wait;
    let tokens = u2m::login(&http, &login, setup.ui, setup.lines)
        .await
        .map_err(|e| e.to_string())?;
    let Some(refresh) = tokens.refresh else {
        return Err(u2m::LoginError::NoRefreshToken.to_string());
    };
    provider::store_refresh_token(&target, refresh)
        .await
        .map_err(|e| {
            format!(
                "signed in, but the refresh token could not be stored: {e}. Nothing was written."
            )
        })?;
    let entry = target.keyring_entry();
    let minutes = tokens.lifetime.as_secs() / 60;
    drop(tokens.access);
    let ui = setup.ui;
    ui.say(&format!(
        "Signed in to {}. The refresh token is in the OS keyring (service dbx-tui, entry \"{entry}\"); the access token lasts {minutes} min and is renewed from it.",
        target.host()
    ));
    let path = setup.config_path.display().to_string();
    let profile_note = if already_set(existing.as_ref(), &target) {
        format!("Profile [{name}] in {path} already uses this sign-in.")
    } else {
        let keys = profile_keys(&target);
        let lines = keys.iter().fold(String::new(), |mut out, (k, v)| {
            out.push_str(&format!(
                "  {k} = {v}
"
            ));
            out
        });
        let verb = if existing.is_some() { "Update" } else { "Add" };
        let write = if args.yes {
            true
        } else if setup.interactive {
            ui.say(&format!(
                "{verb} profile [{name}] in {path} with:\n{lines}Write it? [y/N]"
            ));
            let answer = setup.lines.recv().await.unwrap_or_default();
            matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
        } else {
            return Ok(format!(
                "Not writing {path}: stdin is not a terminal, so there is no one to ask. Run again with --yes, or put these lines in [{name}]:\n{lines}"
            ));
        };
        if !write {
            return Ok(format!(
                "{path} was not changed. To use this sign-in, put these lines in [{name}]:\n{lines}"
            ));
        }
        let text = match std::fs::read_to_string(&setup.config_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("reading {path}: {e}")),
        };
        let pairs: Vec<(&str, &str)> = keys.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let updated = edit::set_keys(&text, &name, &pairs);
        let target_path = setup.config_path.clone();
        tokio::task::spawn_blocking(move || edit::write_config(&target_path, &updated))
            .await
            .map_err(|e| format!("writing {path}: {e}"))?
            .map_err(|e| format!("writing {path}: {e}"))?;
        format!("Profile [{name}] written to {path}.")
    };
    Ok(format!(
        "{profile_note}\nCheck it with: dbx-tui auth check --profile {name}"
    ))
}

/// Opens `url` with `$BROWSER`, else `xdg-open`, else `open`; false when none starts (or the
/// one that did failed at once). The URL is an argument, never passed through a shell.
pub fn open_browser(url: &str) -> bool {
    let mut candidates: Vec<String> = std::env::var("BROWSER")
        .ok()
        .map(|b| {
            b.split(':')
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    candidates.extend(["xdg-open".to_owned(), "open".to_owned()]);
    for program in candidates {
        let child = std::process::Command::new(program.trim())
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let Ok(mut child) = child else { continue };
        // A launcher that fails does so at once; one still running after a moment has opened
        // a browser (or is one).
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return true,
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if std::time::Instant::now() >= deadline => return true,
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
    false
}

/// The terminal's side of a sign-in: messages on stdout, the countdown on stderr (one
/// rewritten line on a terminal, a line a minute otherwise).
#[derive(Default)]
pub struct TerminalUi {
    counting: bool,
}

impl LoginUi for TerminalUi {
    fn say(&mut self, text: &str) {
        if std::mem::take(&mut self.counting) {
            eprint!("\r\x1b[K"); // allow-print
        }
        println!("{text}"); // allow-print
    }

    fn open_browser(&mut self, url: &str) -> bool {
        open_browser(url)
    }

    fn countdown(&mut self, left: Duration) {
        let s = left.as_secs();
        let line = format!(
            "Waiting for the sign-in: {}:{:02} left (ctrl-c to give up)",
            s / 60,
            s % 60
        );
        let mut err = std::io::stderr();
        if err.is_terminal() {
            self.counting = true;
            let _ = write!(err, "\r\x1b[K{line}");
            let _ = err.flush();
        } else if s.is_multiple_of(60) {
            let _ = writeln!(err, "{line}");
        }
    }
}

/// Lines of stdin, read on a thread of their own (a blocking read must not hold the runtime).
pub fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The command as the binary runs it: the terminal, stdin and the real browser.
pub async fn command(
    args: LoginArgs,
    config_path: PathBuf,
    file: Option<&ConfigFile>,
) -> Result<String, String> {
    let mut lines = stdin_lines();
    let mut ui = TerminalUi::default();
    let setup = Setup {
        config_path,
        file,
        lines: &mut lines,
        interactive: std::io::stdin().is_terminal(),
        ui: &mut ui,
        wait: u2m::DEFAULT_WAIT,
    };
    run(&args, setup).await
}
