//! One service principal: every attribute, its workspaces, groups and OAuth secrets. The
//! workspaces, groups and secrets are selectable (d removes, R rotates the selected secret).

use super::principals::expiry_span;
use super::theme;
use crate::api::timestamp::parse_timestamp_ms;
use crate::app::principals::DetailItem;
use crate::app::state::{Load, State};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

fn section(title: &str) -> Line<'static> {
    Line::styled(title.to_owned(), theme::title())
}

fn field(name: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {name:<16}"), theme::dim()),
        Span::raw(value),
    ])
}

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let p = &state.principals;
    let d = &p.detail;
    let Some(sp) = &d.sp else {
        let msg = match &d.load {
            Load::Failed(e) => format!("Could not read the service principal:\n{e}"),
            _ => "Loading…".to_owned(),
        };
        super::message(frame, area, "Service principal", &msg);
        return;
    };
    let selected = p.selected_item();
    let mark = |item: &DetailItem, line: Line<'static>| -> (Line<'static>, bool) {
        let is = selected == Some(item);
        if is {
            (line.style(theme::selected()), true)
        } else {
            (line, false)
        }
    };
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut cursor_line = 0usize;
    let mut push = |lines: &mut Vec<Line<'static>>, (l, sel): (Line<'static>, bool)| {
        if sel {
            cursor_line = lines.len();
        }
        lines.push(l);
    };

    lines.push(section("Attributes"));
    lines.push(field(
        "display name",
        sp.display_name
            .clone()
            .unwrap_or_else(|| "(none: shown by application id)".into()),
    ));
    lines.push(field(
        "application id",
        sp.application_id.clone().unwrap_or_default(),
    ));
    lines.push(field("id", sp.id.clone()));
    lines.push(Line::from(vec![
        Span::styled(format!("  {:<16}", "active"), theme::dim()),
        match sp.active {
            Some(false) => Span::styled("no (deactivated: its tokens do not work)", theme::error()),
            _ => Span::styled("yes", theme::ok()),
        },
    ]));
    lines.push(field(
        "external id",
        sp.external_id.clone().unwrap_or_else(|| "-".into()),
    ));
    for (k, v) in &sp.extra {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        lines.push(field(k, text));
    }
    let values = |list: &[crate::api::scim::ComplexValue]| -> String {
        if list.is_empty() {
            "-".into()
        } else {
            list.iter()
                .filter_map(|c| c.value.clone().or(c.display.clone()))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    lines.push(field("entitlements", values(&sp.entitlements)));
    lines.push(field("roles", values(&sp.roles)));
    lines.push(Line::from(""));

    lines.push(section("Workspaces (permission)"));
    match &d.assignments {
        None => lines.push(Line::styled("  reading assignments…", theme::dim())),
        Some(Err(e)) => lines.push(Line::styled(
            format!("  could not read assignments: {e}"),
            theme::error(),
        )),
        Some(Ok(rows)) => {
            let assigned: Vec<_> = rows.iter().filter(|r| !r.permissions.is_empty()).collect();
            let first_error = rows.iter().find_map(|r| r.error.as_deref());
            match (assigned.is_empty(), first_error) {
                // An unreadable workspace may hold an assignment: never claim there is none.
                (true, Some(e)) => lines.push(Line::styled(
                    format!("  could not read assignments: {e}"),
                    theme::error(),
                )),
                (true, None) => lines.push(Line::styled(
                    "  not assigned to any workspace",
                    theme::dim(),
                )),
                (false, _) => {}
            }
            for r in assigned {
                let perms: Vec<&str> = r
                    .permissions
                    .iter()
                    .map(dbx_client::api::permissions::WorkspacePermission::as_str)
                    .collect();
                let line = Line::from(format!(
                    "  {:<30} {:<16} {}",
                    r.name,
                    r.workspace,
                    perms.join(",")
                ));
                push(&mut lines, mark(&DetailItem::Workspace(r.workspace), line));
            }
            let failed = rows.iter().filter(|r| r.error.is_some()).count();
            let others =
                rows.len() - rows.iter().filter(|r| !r.permissions.is_empty()).count() - failed;
            lines.push(Line::styled(
                format!("  not assigned in {others} other workspace(s)"),
                theme::dim(),
            ));
            if failed > 0 {
                lines.push(Line::styled(
                    format!("  {failed} workspace(s) could not be read"),
                    theme::error(),
                ));
            }
        }
    }
    lines.push(Line::from(""));

    lines.push(section("Groups"));
    if sp.groups.is_empty() {
        lines.push(Line::styled("  none", theme::dim()));
    }
    for g in &sp.groups {
        let Some(id) = g.value.clone() else { continue };
        let name = g.display.clone().unwrap_or_default();
        let line = Line::from(format!("  {name:<30} {id}"));
        push(&mut lines, mark(&DetailItem::Group { id, name }, line));
    }
    lines.push(Line::from(""));

    lines.push(section("OAuth secrets"));
    match p.secrets.get(&sp.id) {
        None => lines.push(Line::styled("  …", theme::dim())),
        Some(crate::app::principals::SecretsKnown::Failed(e)) => {
            lines.push(Line::styled(format!("  {e}"), theme::error()));
        }
        Some(crate::app::principals::SecretsKnown::Known(list)) => {
            if list.is_empty() {
                lines.push(Line::styled("  none (n creates one)", theme::dim()));
            } else {
                lines.push(Line::styled(
                    format!(
                        "  {:<16} {:<22} {:<22} {:<9} ",
                        "ID", "CREATED", "EXPIRES", "STATUS"
                    ),
                    theme::column_header(),
                ));
            }
            for s in list {
                let mut spans = vec![Span::raw(format!(
                    "  {:<16} {:<22} {:<22} {:<9} ",
                    s.id,
                    s.create_time.as_deref().unwrap_or("-"),
                    s.expire_time.as_deref().unwrap_or("never"),
                    s.status
                        .as_ref()
                        .map_or("-", dbx_client::api::secrets::SecretStatus::as_str),
                ))];
                if let Some(ms) = s.expire_time.as_deref().and_then(parse_timestamp_ms) {
                    spans.push(expiry_span(state.now, ms, true));
                }
                push(
                    &mut lines,
                    mark(&DetailItem::Secret(s.id.clone()), Line::from(spans)),
                );
            }
        }
    }

    let suffix = super::load_suffix(&d.load, state.spinner);
    let block = Block::bordered()
        .title(format!(
            " Service principal {}{suffix} ",
            crate::sanitize::terminal_text(sp.name())
        ))
        .title_style(theme::title())
        .border_style(theme::border());
    let inner_height = area.height.saturating_sub(2) as usize;
    let scroll = if selected.is_some() {
        (cursor_line + 2).saturating_sub(inner_height)
    } else {
        0
    };
    super::sanitize_lines(&mut lines);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll as u16, 0)),
        area,
    );
}
