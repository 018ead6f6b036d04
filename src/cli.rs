//! Command-line helpers that work without the UI (scripts, CI, infrastructure code).

use crate::api::network_policies::{self, export};
use crate::api::{ApiClient, ApiError, PolicyId, workspaces};
use crate::config::Profile;

/// Output format of `dbx-tui policy export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Terraform,
    Json,
}

/// Read a policy (and, for Terraform, the workspaces bound to it) and render it.
pub async fn export_policy(
    profile: &Profile,
    id: &str,
    format: ExportFormat,
) -> Result<String, ApiError> {
    check_policy_id(id)?;
    let (client, account) = account_client(profile)?;
    let policy = network_policies::get(&client, &account, &PolicyId(id.to_owned())).await?;
    match format {
        ExportFormat::Json => Ok(export::to_json(&policy)),
        ExportFormat::Terraform => {
            let bound: Vec<(i64, String)> = workspaces::bound_to(&client, &account, id)
                .await?
                .into_iter()
                .map(|w| (w.workspace_id.0, w.workspace_name))
                .collect();
            Ok(export::to_terraform(&policy, &account, &bound))
        }
    }
}

/// The id goes into the request path: only the documented id alphabet (1-32 letters, digits,
/// "_", "." or "-"), and not a dot segment, keeps it one segment of the policy endpoint.
pub(crate) fn check_policy_id(id: &str) -> Result<(), ApiError> {
    crate::api::network_policies::validate::validate_policy_id(id)
        .and_then(|()| match id {
            "." | ".." => Err("a dot segment would name another endpoint".to_owned()),
            _ => Ok(()),
        })
        .map_err(|why| ApiError::Local(format!("{id:?} is not a policy id: {why}")))
}

/// The profile's account id and a client for it: policies and bindings are account-level.
pub(crate) fn account_client(profile: &Profile) -> Result<(ApiClient, String), ApiError> {
    let account = profile.account_id.clone().ok_or_else(|| {
        ApiError::Local(format!(
            "profile {} has no account_id: policies are account-level",
            profile.name
        ))
    })?;
    let client = crate::connect::Connection::open(profile)
        .map_err(|e| match e {
            crate::connect::ConnectError::Credential(e) => ApiError::Auth(e.to_string()),
            other => ApiError::Local(other.to_string()),
        })?
        .client;
    Ok((client, account))
}

/// Reads a secret without echoing it: from the terminal in raw mode when stdin is a TTY, else
/// one line from stdin (pipes, CI). The prompt goes to stderr.
pub fn read_secret(prompt: &str) -> std::io::Result<crate::config::Secret> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(crate::config::Secret::new(
            line.trim_end_matches(['\r', '\n']),
        ));
    }
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    crossterm::terminal::enable_raw_mode()?;
    let mut value = String::new();
    let result = loop {
        match read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err(std::io::Error::new(
                        std::io::ErrorKind::Interrupted,
                        "cancelled",
                    ));
                }
                KeyCode::Char(c) => value.push(c),
                KeyCode::Backspace => {
                    value.pop();
                }
                _ => {}
            },
            // A paste arrives as one event when bracketed paste is on.
            Ok(Event::Paste(p)) => value.push_str(&p),
            Ok(_) => {}
            Err(e) => break Err(e),
        }
    };
    let _ = crossterm::terminal::disable_raw_mode();
    writeln!(err)?;
    result.map(|()| crate::config::Secret::new(value))
}
