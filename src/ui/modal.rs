//! Dialogs drawn over the current view.

use super::theme;
use crate::api::network_policies::NetworkPolicy;
use crate::api::network_policies::change::{DiffLine, json_diff, text_diff, tightens};
use crate::app::modal::{Modal, ReviewKind};
use crate::app::paste::PasteOffer;
use crate::app::state::State;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [_, mid, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(height.min(area.height)),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, rect, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(width.min(area.width)),
        Constraint::Fill(1),
    ])
    .areas(mid);
    rect
}

pub(super) fn boxed(
    frame: &mut Frame,
    rect: Rect,
    title: &str,
    mut lines: Vec<Line<'static>>,
    scroll: u16,
) {
    // Dialogs quote names, domains and server messages.
    super::sanitize_lines(&mut lines);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(format!(" {} ", crate::sanitize::terminal_text(title)))
        .title_style(theme::title())
        .border_style(theme::border());
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
    );
}

pub(super) fn keys(text: &str) -> Line<'static> {
    Line::styled(text.to_owned(), theme::key_hint())
}

fn diff_lines(diff: Vec<DiffLine>) -> Vec<Line<'static>> {
    diff.into_iter()
        .map(|l| match l {
            DiffLine::Same(s) => Line::styled(format!("  {s}"), theme::dim()),
            DiffLine::Added(s) => Line::styled(format!("+ {s}"), theme::ok()),
            DiffLine::Removed(s) => Line::styled(format!("- {s}"), theme::error()),
        })
        .collect()
}

/// How many destinations the egress log saw that the new policy would block, in words.
fn would_block(state: &State, draft: &NetworkPolicy) -> String {
    let e = &state.egress;
    if e.summary_load != crate::app::state::Load::Loaded {
        return "  Destinations the egress log saw that it would block: unknown (open :egress to load the log).".into();
    }
    let allowed: Vec<String> = draft
        .internet_destinations()
        .iter()
        .map(|d| d.destination.to_ascii_lowercase())
        .collect();
    let blocked: std::collections::BTreeSet<&str> = e
        .summary
        .iter()
        .filter(|s| {
            s.destination_type.eq_ignore_ascii_case("DNS")
                && !allowed.contains(&s.destination.to_ascii_lowercase())
        })
        .map(|s| s.destination.as_str())
        .collect();
    let window = match e.window {
        crate::api::egress::AggregateWindow::Last24Hours => "last 24 hours".to_owned(),
        crate::api::egress::AggregateWindow::Last7Days => "last 7 days".to_owned(),
        w @ crate::api::egress::AggregateWindow::Last(_) => format!("last {}", w.label()),
        w => w.label(),
    };
    let sample: Vec<&str> = blocked.iter().take(5).copied().collect();
    format!(
        "  Distinct DNS destinations the egress log saw in the {window} (all workspaces) that it would block: {}{}",
        blocked.len(),
        if sample.is_empty() {
            String::new()
        } else {
            let more = if blocked.len() > sample.len() {
                ", …"
            } else {
                ""
            };
            format!(" ({}{more})", sample.join(", "))
        }
    )
}

/// The workspaces a change to `policy` applies to: every workspace bound to it.
fn affected(state: &State, policy: &str) -> Line<'static> {
    let bound = state.workspaces_bound_to(policy);
    let names: Vec<&str> = bound.iter().map(|w| w.workspace_name.as_str()).collect();
    let text = match names.len() {
        0 if state.bindings.len() < state.workspaces.len() || state.workspaces.is_empty() => {
            format!("Applies to the workspaces bound to {policy} (bindings still loading).")
        }
        0 => format!("Applies to no workspace yet: none is bound to {policy}."),
        1 => format!("Applies to 1 workspace: {}.", names[0]),
        n => format!("Applies to {n} workspaces: {}.", names.join(", ")),
    };
    Line::styled(text, theme::title())
}

fn review_lines(state: &State, kind: &ReviewKind) -> (String, Vec<Line<'static>>) {
    match kind {
        ReviewKind::Update(id) => {
            let Some(p) = state.pending.get(id) else {
                return (format!("Review {id}"), vec![Line::from("nothing pending")]);
            };
            let mut lines = vec![Line::styled(
                format!("{} pending change(s):", p.ops.len()),
                theme::title(),
            )];
            lines.extend(
                p.ops
                    .iter()
                    .map(|o| Line::from(format!("  • {}", o.describe()))),
            );
            lines.push(affected(state, id.as_str()));
            // A rollout report of this policy counts what stays blocked from the dry-run log of
            // its own workspaces: it says more than the live tail's guess, so it replaces it.
            let rollout = crate::app::rollout::review_note(state, id, &p.draft());
            if tightens(&p.base, &p.ops) {
                lines.push(Line::from(""));
                lines.push(Line::styled(
                    "⚠ This change enforces the allow-list: traffic to anything not listed will be blocked.",
                    theme::warn(),
                ));
                if rollout.is_none() {
                    lines.push(Line::styled(would_block(state, &p.draft()), theme::warn()));
                }
            }
            if let Some(note) = rollout {
                lines.push(Line::styled(
                    format!("Rollout report: {note}."),
                    theme::warn(),
                ));
            }
            lines.push(Line::from(""));
            lines.push(Line::styled("Policy JSON, before → after:", theme::title()));
            lines.extend(diff_lines(json_diff(&p.base, &p.draft())));
            lines.push(Line::from(""));
            let busy = state.writes.is_applying(id);
            lines.push(keys(if busy {
                "applying…"
            } else {
                "y apply (re-reads first; never overwrites a change made elsewhere) · n keep editing · esc discard"
            }));
            (format!("Review change to {id}"), lines)
        }
        ReviewKind::Create(p) => {
            let mut lines = vec![Line::styled(
                format!("Create policy {}:", p.id()),
                theme::title(),
            )];
            let pretty = serde_json::to_string_pretty(p.as_ref()).unwrap_or_default();
            lines.extend(diff_lines(text_diff("", &format!("{pretty}\n"))));
            lines.push(Line::from(""));
            lines.push(keys("y create · n or esc cancel"));
            (format!("Create {}", p.id()), lines)
        }
    }
}

fn conflict_lines(state: &State, policy: &str, server: &NetworkPolicy) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::styled(
            format!("{policy} changed on the server since you loaded it. Nothing was written."),
            theme::warn(),
        ),
        Line::from(""),
        Line::styled(
            "Their change (what you loaded → what the server holds now):",
            theme::title(),
        ),
    ];
    let pending = state
        .pending
        .iter()
        .find(|(id, _)| id.as_str() == policy)
        .map(|(_, p)| p);
    if let Some(p) = pending {
        lines.extend(diff_lines(json_diff(&p.base, server)));
        lines.push(Line::from(""));
        lines.push(Line::styled("Your pending change:", theme::title()));
        lines.extend(
            p.ops
                .iter()
                .map(|o| Line::from(format!("  • {}", o.describe()))),
        );
    }
    lines.push(Line::from(""));
    lines.push(keys(
        "r rebase your change onto theirs and review · d discard yours · esc keep editing",
    ));
    lines
}

pub fn render(state: &State, modal: &Modal, frame: &mut Frame, area: Rect) {
    let wide = super::dialog::wide(area);
    match modal {
        Modal::Input(d) => super::dialog::input(state, d, frame, area),
        Modal::Pick(d) => super::dialog::pick(state, d, frame, area),
        Modal::Confirm(c) => super::dialog::confirm(c.question(state), frame, area),
        Modal::TypeToConfirm(d) => super::dialog::type_to_confirm(d, frame, area),
        Modal::ShowOnce(d) => super::dialog::show_once(state, d, frame, area),
        Modal::Review { kind, scroll } => {
            let (title, lines) = review_lines(state, kind);
            let rect = centered(area, wide, area.height.saturating_sub(2));
            boxed(frame, rect, &title, lines, *scroll);
        }
        Modal::Conflict { policy, server } => {
            let rect = centered(area, wide, area.height.saturating_sub(2));
            boxed(
                frame,
                rect,
                "Conflict",
                conflict_lines(state, policy.as_str(), server),
                0,
            );
        }
        Modal::PasteOffer(offer) => paste_offer(offer, frame, area, wide),
        Modal::SignIn(d) => super::signin::render(state, d, frame, area),
        Modal::HistoryEntry { index, scroll } => {
            if let Some(e) = state.history_entry(*index) {
                let (title, lines) = super::history::entry_lines(state, e);
                let height = (lines.len() as u16 + 2).min(area.height);
                boxed(frame, centered(area, wide, height), &title, lines, *scroll);
            }
        }
        Modal::Export { policy } => {
            let lines = vec![
                Line::from(format!(" Export {policy} to the current directory:")),
                Line::from(vec![
                    Span::styled(" t ", theme::key_hint()),
                    Span::raw(
                        "Terraform (databricks_account_network_policy + databricks_workspace_network_option)",
                    ),
                ]),
                Line::from(vec![
                    Span::styled(" j ", theme::key_hint()),
                    Span::raw("JSON, exactly as the server holds it"),
                ]),
                keys(" esc cancel"),
            ];
            boxed(frame, centered(area, wide.min(96), 6), "Export", lines, 0);
        }
    }
}

/// A multi-line paste into a DNS list input: the names it would add, and every line it cannot.
fn paste_offer(offer: &PasteOffer, frame: &mut Frame, area: Rect, wide: u16) {
    let question = format!(" {}", offer.question());
    let mut lines = vec![Line::styled(question.clone(), theme::title())];
    if !offer.rejected.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::styled(
            format!(" {} line(s) cannot be added:", offer.rejected.len()),
            theme::warn(),
        ));
        for (line, why) in &offer.rejected {
            lines.push(Line::styled(format!("   ✗ {line}: {why}"), theme::error()));
        }
    }
    lines.push(Line::from(""));
    lines.push(keys(if offer.names.is_empty() {
        " esc back to the input"
    } else {
        " y add them as pending edits (reviewed with w before anything is written) · n or esc back to the input"
    }));
    let inner = wide.saturating_sub(2).max(1) as usize;
    let wrapped = question.chars().count() / inner;
    let height = (lines.len() + wrapped + 2) as u16;
    let rect = centered(area, wide, height.min(area.height.saturating_sub(2)));
    boxed(frame, rect, "Paste", lines, offer.scroll);
}
