//! Command-line helpers that work without the UI (scripts, CI, infrastructure code).

use crate::api::network_policies::{self, export};
use crate::api::{ApiError, PolicyId, workspaces};
use crate::config::Profile;
use futures::StreamExt;

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
    // The id goes into the request path: only the documented id alphabet (1-32 letters, digits,
    // "_", "." or "-"), and not a dot segment, keeps it one segment of the policy endpoint.
    crate::api::network_policies::validate::validate_policy_id(id)
        .and_then(|()| match id {
            "." | ".." => Err("a dot segment would name another endpoint".to_owned()),
            _ => Ok(()),
        })
        .map_err(|why| ApiError::Local(format!("{id:?} is not a policy id: {why}")))?;
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
    let policy = network_policies::get(&client, &account, &PolicyId(id.to_owned())).await?;
    match format {
        ExportFormat::Json => Ok(export::to_json(&policy)),
        ExportFormat::Terraform => {
            let list = workspaces::list(&client, &account).await?;
            let bound: Vec<(i64, String)> = futures::stream::iter(list)
                .map(|w| {
                    let (client, account) = (&client, &account);
                    async move {
                        let b = workspaces::network_option(client, account, w.workspace_id).await;
                        (w, b)
                    }
                })
                .buffer_unordered(4)
                .filter_map(|(w, b)| async move {
                    match b {
                        Ok(o) if o.network_policy_id.as_str() == id => {
                            Some((w.workspace_id.0, w.workspace_name))
                        }
                        _ => None,
                    }
                })
                .collect()
                .await;
            Ok(export::to_terraform(&policy, &account, &bound))
        }
    }
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
