//! The `:` command line, k9s style.

use super::panes::{all_views, info};
use super::state::View;

/// A parsed command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandLine {
    /// A pane's own command (`:ws`, `:np`, `:sp`, `:egress`, `:history`): show that pane.
    Show(View),
    /// `:ctx` lists contexts; `:ctx NAME` switches straight away.
    Contexts(Option<String>),
    /// `:rollout [ID] [WINDOW]`: what enforcing a dry-run policy would block.
    Rollout {
        policy: Option<String>,
        window: Option<String>,
    },
    /// `:since 24h` or `:since 7d`: the egress log window.
    Since(crate::api::egress::AggregateWindow),
    /// `:filter EXPR` sets a server-side SCIM filter on service principals; alone, clears it.
    Filter(Option<String>),
    Help,
    Quit,
}

/// Every command with its aliases, for completion and the "did you mean" message.
pub const COMMANDS: &[(&str, &[&str])] = &[
    ("ws", &["workspaces", "workspace"]),
    ("np", &["policies", "policy", "networkpolicies", "netpol"]),
    ("sp", &["principals", "serviceprincipals", "spn"]),
    ("egress", &["eg", "blocks", "egresslog"]),
    ("ctx", &["context", "contexts", "profile", "profiles"]),
    ("history", &["hist", "journal"]),
    ("rollout", &["enforce"]),
    ("since", &["window"]),
    ("filter", &["scimfilter"]),
    ("help", &["?", "h"]),
    ("q", &["quit", "q!", "exit"]),
];

pub fn parse(line: &str) -> Result<CommandLine, String> {
    let mut words = line.split_whitespace();
    let Some(word) = words.next() else {
        return Err("empty command".into());
    };
    let arg = words.next().map(str::to_owned);
    let word = word.to_ascii_lowercase();
    let canonical = COMMANDS
        .iter()
        .find(|(name, aliases)| *name == word || aliases.contains(&word.as_str()))
        .map(|(name, _)| *name);
    match canonical {
        Some("ctx") => Ok(CommandLine::Contexts(arg)),
        Some("rollout") => Ok(CommandLine::Rollout {
            policy: arg,
            window: words.next().map(str::to_owned),
        }),
        Some("since") => match arg.as_deref() {
            Some(text) => {
                crate::api::egress::AggregateWindow::parse(text, crate::api::timestamp::now_ms())
                    .map(CommandLine::Since)
            }
            None => {
                Err("usage: :since 30m, 24h, 7d, 2w or a start time (2026-11-30T08:00:00Z)".into())
            }
        },
        Some("filter") => {
            let rest = line.trim_start()[line.trim_start().len().min(word.len())..].trim();
            Ok(CommandLine::Filter(
                (!rest.is_empty()).then(|| rest.to_owned()),
            ))
        }
        Some("help") => Ok(CommandLine::Help),
        Some("q") => Ok(CommandLine::Quit),
        // Any other pane's command shows it (the first view that names it: a list, not its
        // detail).
        Some(name) if let Some(view) = all_views().find(|v| info(*v).command == name) => {
            Ok(CommandLine::Show(view))
        }
        _ => {
            let names: Vec<String> = COMMANDS.iter().map(|(n, _)| format!(":{n}")).collect();
            Err(format!("unknown command :{word} (try {})", names.join(" ")))
        }
    }
}

/// Commands that start with what was typed, for the hint and Tab completion.
pub fn completions(prefix: &str) -> Vec<&'static str> {
    let p = prefix.trim().to_ascii_lowercase();
    COMMANDS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.starts_with(&p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_aliases_and_arguments() {
        assert_eq!(parse("ws"), Ok(CommandLine::Show(View::Workspaces)));
        assert_eq!(parse(" Policies "), Ok(CommandLine::Show(View::Policies)));
        assert_eq!(
            parse("ctx demo-gcp"),
            Ok(CommandLine::Contexts(Some("demo-gcp".into())))
        );
        assert_eq!(parse("q!"), Ok(CommandLine::Quit));
        assert!(parse("pods").unwrap_err().contains(":np"));
        assert_eq!(completions("e"), vec!["egress"]);
        assert_eq!(
            parse("filter displayName co \"etl\""),
            Ok(CommandLine::Filter(Some("displayName co \"etl\"".into())))
        );
        assert_eq!(parse("filter  "), Ok(CommandLine::Filter(None)));
    }
}
