//! `:ctx`: the profiles dbx-tui can use, like k9s contexts.

use super::table;
use crate::app::state::State;
use crate::config::{AuthMethod, ProfileKind, ProfileSource};
use ratatui::Frame;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::Rect;
use table::{Column, ListTable, TableRow};

const COLUMNS: [Column; 6] = [
    ("", Length(1)),
    ("PROFILE", Fill(1)),
    ("KIND", Length(9)),
    ("HOST", Fill(2)),
    ("AUTH", Length(12)),
    ("SOURCE", Fill(1)),
];

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let current = state.session.as_ref().map(|s| s.profile.as_str());
    let title = table::title(
        "Contexts",
        &state.contexts.list,
        state.profiles.len(),
        String::new(),
    );
    ListTable::new(title, &COLUMNS, &state.contexts.list).render(frame, area, |i| {
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
            ProfileSource::File(path) | ProfileSource::Mixed(path) => path.display().to_string(),
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
    });
}
