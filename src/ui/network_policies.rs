//! The Network policies pane (list) and one policy's detail.

use super::{load_suffix, table, theme};
use crate::actor::PoliciesSlot;
use crate::api::network_policies::{
    EnforcementMode, InternetDestination, NetworkPolicy, RestrictionMode,
};
use crate::app::state::{Load, State};
use ratatui::Frame;
use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use table::{Column, ListTable, TableRow};

const COLUMNS: [Column; 6] = [
    ("ID", Fill(2)),
    ("RESTRICTION", Length(12)),
    ("ENFORCEMENT", Length(22)),
    ("DNS NAMES", Length(10)),
    ("STORAGE", Length(8)),
    ("WORKSPACES", Fill(2)),
];

fn restriction_span(p: &NetworkPolicy) -> Span<'static> {
    match p.restriction_mode() {
        Some(RestrictionMode::RestrictedAccess) => Span::styled("RESTRICTED", theme::ok()),
        Some(RestrictionMode::FullAccess) => Span::styled("FULL ACCESS", theme::warn()),
        Some(other) => Span::raw(other.to_string()),
        None => Span::styled("-", theme::dim()),
    }
}

fn enforcement_text(p: &NetworkPolicy) -> String {
    match p.enforcement_mode() {
        EnforcementMode::DryRun => {
            let products = p.dry_run_products();
            if products.is_empty() {
                "DRY RUN (all)".into()
            } else {
                let names: Vec<&str> = products
                    .iter()
                    .map(dbx_client::api::network_policies::DryRunProduct::as_str)
                    .collect();
                format!("DRY RUN ({})", names.join(","))
            }
        }
        EnforcementMode::Enforced => "ENFORCED".into(),
        other => other.to_string(),
    }
}

pub fn render_list(state: &State, frame: &mut Frame, area: Rect) {
    let empty = state.policies.is_empty();
    if super::list_failed(frame, area, "Network policies", &state.policies_load, empty) {
        return;
    }
    let title = table::title(
        "Network policies",
        &state.policies_list,
        state.policies.len(),
        load_suffix(&state.policies_load, state.spinner)
            + &super::as_of(state, crate::actor::Slot::Policies(PoliciesSlot::List)),
    );
    ListTable::new(title, &COLUMNS, &state.policies_list)
        .sorted(state.policies_sort)
        .render(frame, area, |i| {
            let p = &state.policies[i];
            let bound = state.workspaces_bound_to(p.id());
            let modified = if state
                .pending
                .contains_key(&crate::api::PolicyId(p.id().to_owned()))
            {
                " [modified]"
            } else {
                ""
            };
            let bound_text = match bound.len() {
                0 => String::from("-"),
                1 => bound[0].workspace_name.clone(),
                // Every name; the table cuts what does not fit with `…`.
                n => format!(
                    "{n}: {}",
                    bound
                        .iter()
                        .map(|w| w.workspace_name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            TableRow::new(vec![
                Line::from(format!("{}{modified}", p.id())),
                Line::from(restriction_span(p)),
                Line::from(enforcement_text(p)),
                Line::from(p.internet_destinations().len().to_string()),
                Line::from(p.storage_destinations().len().to_string()),
                Line::from(bound_text),
            ])
        });
}

fn section(lines: &mut Vec<Line<'static>>, title: String) {
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(title, theme::title())));
}

fn field(label: &str, value: Span<'static>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {label:<20}"), theme::header_key()),
        value,
    ])
}

/// A list entry: `+` when the pending change adds it.
fn entry(text: String, added: bool) -> Line<'static> {
    if added {
        Line::styled(format!("+ {text}"), theme::ok())
    } else {
        Line::from(format!("  {text}"))
    }
}

fn removed(lines: &mut Vec<Line<'static>>, texts: impl Iterator<Item = String>) {
    for t in texts {
        lines.push(Line::styled(
            format!("- {t}  (removed by the pending change)"),
            theme::error(),
        ));
    }
}

/// A list of DNS names: each one as `text` shows it (`+` when the pending change adds it, an
/// item of the detail), then those the change removes from `base`.
fn dns_entries(
    lines: &mut Vec<Line<'static>>,
    items: &mut Vec<usize>,
    names: &[InternetDestination],
    base: &[InternetDestination],
    text: impl Fn(&InternetDestination) -> String,
) {
    let has = |list: &[InternetDestination], name: &str| {
        list.iter()
            .any(|d| d.destination.eq_ignore_ascii_case(name))
    };
    for d in names {
        items.push(lines.len());
        lines.push(entry(text(d), !has(base, &d.destination)));
    }
    removed(
        lines,
        base.iter()
            .filter(|d| !has(names, &d.destination))
            .map(|d| d.destination.clone()),
    );
}

/// The detail as lines, and the line of each selectable item (in `detail_items` order).
pub fn detail_lines(
    state: &State,
    p: &NetworkPolicy,
    base: Option<&NetworkPolicy>,
) -> (Vec<Line<'static>>, Vec<usize>) {
    let base = base.unwrap_or(p);
    let mut items = Vec::new();
    let mut lines = vec![field("Policy", Span::raw(p.id().to_owned()))];
    items.push(lines.len());
    lines.push(field("Restriction mode", restriction_span(p)));
    items.push(lines.len());
    lines.push(field("Enforcement", Span::raw(enforcement_text(p))));
    if p.restriction_mode() == Some(&RestrictionMode::FullAccess) {
        lines.push(Line::from(Span::styled(
            "  Full access: serverless compute may reach any destination; the lists below are not applied.",
            theme::dim(),
        )));
    }
    let dns = p.internet_destinations();
    section(&mut lines, format!("Allowed DNS names ({})", dns.len()));
    if dns.is_empty() {
        lines.push(Line::from(Span::styled("  none", theme::dim())));
    }
    let base_dns = base.internet_destinations();
    dns_entries(&mut lines, &mut items, dns, base_dns, |d| {
        // An international name shows its Unicode form next to the punycode the API holds.
        match crate::api::network_policies::validate::unicode_form(&d.destination) {
            Some(unicode) => format!("{}  ({unicode})", d.destination),
            None => d.destination.clone(),
        }
    });
    let storage = p.storage_destinations();
    section(
        &mut lines,
        format!("Allowed storage destinations ({})", storage.len()),
    );
    if storage.is_empty() {
        lines.push(Line::from(Span::styled("  none", theme::dim())));
    }
    let same = crate::api::network_policies::change::same_storage;
    for s in storage {
        let kind = s.storage_destination_type.as_ref().map_or(
            "?",
            dbx_client::api::network_policies::StorageDestinationType::as_str,
        );
        items.push(lines.len());
        let added = !base.storage_destinations().iter().any(|b| same(b, s));
        lines.push(entry(format!("{:<48}{kind}", s.label()), added));
    }
    removed(
        &mut lines,
        base.storage_destinations()
            .iter()
            .filter(|b| !storage.iter().any(|s| same(b, s)))
            .map(dbx_client::api::network_policies::StorageDestination::label),
    );
    let blocked = p.blocked_destinations();
    if !blocked.is_empty() || !base.blocked_destinations().is_empty() {
        section(&mut lines, format!("Blocked DNS names ({})", blocked.len()));
        let base_blocked = base.blocked_destinations();
        dns_entries(&mut lines, &mut items, blocked, base_blocked, |d| {
            d.destination.clone()
        });
    }
    let dbx = p.databricks_destinations();
    if !dbx.is_empty() {
        section(&mut lines, "Allowed Databricks destinations".into());
        for d in dbx {
            let ids: Vec<String> = d.workspace_ids.iter().map(i64::to_string).collect();
            lines.push(Line::from(format!("  workspaces {}", ids.join(", "))));
        }
    }
    let bound = state.workspaces_bound_to(p.id());
    section(&mut lines, format!("Bound workspaces ({})", bound.len()));
    if bound.is_empty() {
        let text = if state.bindings.is_empty() {
            "  loading…"
        } else {
            "  none"
        };
        lines.push(Line::from(Span::styled(text, theme::dim())));
    }
    for w in bound {
        items.push(lines.len());
        lines.push(Line::from(format!(
            "  {:<24} {}",
            w.workspace_name, w.workspace_id
        )));
    }
    let unknown: Vec<&String> = p
        .extra
        .keys()
        .chain(p.access().map(|a| a.extra.keys()).into_iter().flatten())
        .collect();
    if !unknown.is_empty() {
        section(&mut lines, "Other fields (kept unchanged)".into());
        for k in unknown {
            lines.push(Line::from(Span::styled(format!("  {k}"), theme::dim())));
        }
    }
    (lines, items)
}

pub fn render_detail(state: &State, frame: &mut Frame, area: Rect) {
    let d = &state.detail;
    let id = d.id.clone().unwrap_or_default();
    let pending = state.pending.get(&id);
    let modified = match pending {
        Some(p) => format!(" [modified: {} change(s), w to review]", p.ops.len()),
        None => String::new(),
    };
    let title = format!(
        " Network policy {id}{modified}{} ",
        load_suffix(&d.load, state.spinner)
    );
    let block = Block::bordered()
        .title(title)
        .title_style(theme::title())
        .border_style(theme::border());
    let draft = state.detail_draft();
    let (mut lines, items) = match (&draft, &d.load) {
        (Some(p), _) => detail_lines(state, p, pending.map(|c| &c.base)),
        (None, Load::Failed(e)) => (
            vec![
                Line::styled(format!("Could not read the policy: {e}"), theme::error()),
                Line::from("Press r to retry, esc to go back."),
            ],
            vec![],
        ),
        (None, _) => (vec![Line::styled("Loading…", theme::dim())], vec![]),
    };
    let cursor = d.cursor.min(items.len().saturating_sub(1));
    let selected_line = items.get(cursor).copied();
    if let Some(l) = selected_line
        && let Some(line) = lines.get_mut(l)
    {
        // A marker as well as the colour, so the selection reads without colour too.
        let mut marked = line.clone().patch_style(theme::selected());
        if let Some(first) = marked.spans.first_mut()
            && let Some(rest) = first.content.strip_prefix("  ")
        {
            first.content = format!("▶ {rest}").into();
        }
        *line = marked;
    }
    let height = area.height.saturating_sub(2) as usize;
    // Keep the selected line on screen, with a little context below it.
    let scroll = selected_line.map_or(0, |l| (l + 3).saturating_sub(height)) as u16;
    // Domains and workspace names come from the server.
    super::sanitize_lines(&mut lines);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll, 0))
            .style(Style::default()),
        area,
    );
}
