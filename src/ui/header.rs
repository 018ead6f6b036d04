//! The header: where you are and as whom (profile, host, account, principal, token expiry),
//! and the view tabs.

use super::theme;
use crate::app::state::{State, View};
use crate::config::ProfileKind;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use std::time::SystemTime;

/// `58m`, `1h02m`, `45s`, or `expired`.
pub fn remaining(now: SystemTime, until: SystemTime) -> String {
    match until.duration_since(now) {
        Ok(d) if d.as_secs() >= 3600 => {
            format!("{}h{:02}m", d.as_secs() / 3600, d.as_secs() % 3600 / 60)
        }
        Ok(d) if d.as_secs() >= 60 => format!("{}m", d.as_secs() / 60),
        Ok(d) => format!("{}s", d.as_secs()),
        Err(_) => "expired".into(),
    }
}

/// `session expired — press S to sign in again`, with the key as bound.
pub fn sign_in_notice(state: &State, why: crate::auth::u2m::SessionFailure) -> String {
    let what = match why {
        crate::auth::u2m::SessionFailure::Expired => "session expired",
        crate::auth::u2m::SessionFailure::NotSignedIn => "not signed in",
    };
    match state.keymap.label(crate::app::keymap::Action::SignIn) {
        Some(key) => format!("{what} — press {key} to sign in again"),
        None => format!("{what} — bind sign_in in keys.toml to sign in again"),
    }
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let key = |s: &str| Span::styled(s.to_owned(), theme::header_key());
    let mut first = vec![Span::styled(" dbx-tui ", theme::title())];
    let mut second = vec![Span::raw("        ")];
    match &state.session {
        Some(s) => {
            let kind = match s.kind {
                ProfileKind::Account => "account",
                ProfileKind::Workspace => "workspace",
            };
            first.extend([key(" ctx "), Span::raw(format!("{} ({kind})", s.profile))]);
            first.extend([key("  host "), Span::raw(s.host.clone())]);
            if let Some(a) = &s.account_id {
                first.extend([key("  account "), Span::raw(a.clone())]);
            }
            if let Some(w) = &s.transport_warning {
                first.push(Span::styled(format!("  ! {w}"), theme::warn()));
            }
            // First on its line: what stops every call, and the key that mends it.
            if let Some(why) = s.sign_in {
                second.push(Span::styled(
                    format!(" {} ", sign_in_notice(state, why)),
                    theme::error(),
                ));
            }
            second.extend([
                key(" as "),
                Span::raw(format!("{} via {}", s.principal, s.auth_method)),
            ]);
            if let Some(exp) = s.expires_at {
                second.extend([
                    key("  token expires in "),
                    Span::raw(remaining(state.now, exp)),
                ]);
            }
        }
        None => match &state.connecting {
            Some(p) => first.extend([key(" ctx "), Span::raw(format!("{p} (connecting…)"))]),
            None => first.push(Span::styled(" not connected", theme::dim())),
        },
    }
    if state.read_only {
        second.push(Span::styled("  [read-only]", theme::warn()));
    }
    let mut tabs = vec![Span::raw(" ")];
    for view in [
        View::Workspaces,
        View::Policies,
        View::Principals,
        View::Egress,
        View::Contexts,
    ] {
        let active = state.view == view
            || (view == View::Policies && state.view == View::PolicyDetail)
            || (view == View::Principals && state.view == View::PrincipalDetail);
        let text = format!(" :{} {} ", view.command(), view.title());
        tabs.push(if active {
            Span::styled(text, theme::selected())
        } else {
            Span::styled(text, theme::dim())
        });
        tabs.push(Span::raw(" "));
    }
    let mut lines = vec![Line::from(first), Line::from(second), Line::from(tabs)];
    // The principal's name and the host come from the server and the profile.
    super::sanitize_lines(&mut lines);
    frame.render_widget(Paragraph::new(lines), area);
}
