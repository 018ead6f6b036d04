//! `:ctx`: the profiles dbx-tui can use, like k9s contexts.

use super::table;
use crate::app::state::State;
use crate::config::{AuthMethod, ProfileKind, ProfileSource};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use table::TableRow;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let current = state.session.as_ref().map(|s| s.profile.as_str());
    let title = table::title(
        "Contexts",
        &state.contexts.list,
        state.profiles.len(),
        String::new(),
    );
    let headers = ["", "PROFILE", "KIND", "HOST", "AUTH", "SOURCE"];
    let widths = [
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(9),
        Constraint::Fill(2),
        Constraint::Length(12),
        Constraint::Fill(1),
    ];
    table::render(
        frame,
        area,
        title,
        &headers,
        &widths,
        &state.contexts.list,
        |i| {
            let p = &state.profiles[i];
            let kind = match p.kind() {
                ProfileKind::Account => "account",
                ProfileKind::Workspace => "workspace",
            };
            let auth = match p.auth_method() {
                Ok(AuthMethod::Pat) => "pat".to_owned(),
                Ok(AuthMethod::OAuthM2M) => "oauth-m2m".to_owned(),
                Ok(AuthMethod::Other(name)) => name,
                Err(_) => "invalid".into(),
            };
            let source = match &p.source {
                ProfileSource::File(path) | ProfileSource::Mixed(path) => {
                    path.display().to_string()
                }
                ProfileSource::Environment => "environment".into(),
                ProfileSource::Demo => "demo".into(),
            };
            let mark = if current == Some(p.name.as_str()) {
                "*"
            } else {
                ""
            };
            TableRow::new(vec![
                mark.to_owned(),
                p.name.clone(),
                kind.to_owned(),
                p.host.clone().unwrap_or_default(),
                auth,
                source,
            ])
        },
    );
}
