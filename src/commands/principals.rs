//! `dbx-tui sp list [--filter SCIM_FILTER]`: the service principals of the profile's account
//! (account SCIM) or workspace (workspace SCIM), docs/wire-facts.md §4.1.

use super::{Failure, Outcome, OutputFormat, emit, open_client};
use crate::api::scim::{ScimScope, ServicePrincipal};
use crate::api::scim_load::{LoadQuery, load_all};
use crate::config::{Profile, ProfileKind};
use crate::sanitize::terminal_text;
use std::io::Write;

/// Exit code when some pages could not be read: what was read is printed, but the list is
/// incomplete.
pub const EXIT_INCOMPLETE: i32 = 3;

/// Pages asked for at once.
const CONCURRENCY: usize = 4;

/// Where the profile's principals live: its account when it is an account profile.
fn scope(profile: &Profile) -> Result<ScimScope, Failure> {
    match profile.kind() {
        ProfileKind::Workspace => Ok(ScimScope::Workspace),
        ProfileKind::Account => profile
            .account_id
            .clone()
            .map(ScimScope::Account)
            .ok_or_else(|| {
                Failure::error(format!(
                    "profile {} is an account profile without account_id",
                    profile.name
                ))
            }),
    }
}

/// Lists every principal matching `filter` (a SCIM filter such as `displayName co "etl"`),
/// sorted by name.
pub async fn list(
    profile: &Profile,
    filter: Option<&str>,
    format: OutputFormat,
    out: &mut dyn Write,
) -> Outcome {
    let scope = scope(profile)?;
    let client = open_client(profile)?;
    let query = LoadQuery {
        filter: filter.map(str::to_owned),
        ..LoadQuery::default()
    };
    let mut rows: Vec<ServicePrincipal> = Vec::new();
    let summary = load_all(&client, &scope, &query, CONCURRENCY, |page, _| {
        rows.extend(page);
    })
    .await?;
    rows.sort_by(|a, b| a.name().cmp(b.name()).then_with(|| a.id.cmp(&b.id)));
    let text = match format {
        // Plain data with string keys: serialising cannot fail.
        OutputFormat::Json => serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n",
        OutputFormat::Text => render_text(&rows),
    };
    emit(out, &text)?;
    match crate::api::sql::describe_gaps(&summary.gaps) {
        Some(gaps) => Err(Failure {
            code: EXIT_INCOMPLETE,
            message: format!("the list is incomplete: {gaps}"),
        }),
        None => Ok(()),
    }
}

/// One line per principal: id, application id, active, display name.
pub fn render_text(rows: &[ServicePrincipal]) -> String {
    let clean = |s: &str| terminal_text(s).into_owned();
    let mut out = format!(
        "{:<20} {:<38} {:<6} {}\n",
        "ID", "APPLICATION ID", "ACTIVE", "DISPLAY NAME"
    );
    for sp in rows {
        let active = match sp.active {
            Some(true) => "yes",
            Some(false) => "no",
            None => "-",
        };
        out.push_str(&format!(
            "{:<20} {:<38} {active:<6} {}\n",
            clean(&sp.id),
            clean(sp.application_id.as_deref().unwrap_or("-")),
            clean(sp.display_name.as_deref().unwrap_or("-")),
        ));
    }
    out.push_str(&format!(
        "{} service principal{}\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    ));
    out
}
