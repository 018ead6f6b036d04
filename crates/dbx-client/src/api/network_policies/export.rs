//! JSON and Terraform export of a network policy.
//!
//! Terraform follows the plugin-framework schema of `databricks/terraform-provider-databricks`
//! (checked at commit 684f442, `docs/resources/account_network_policy.md`,
//! `docs/resources/workspace_network_option.md` and the `internal/providers/pluginfw/products`
//! resources): nested objects are *attributes* (`egress = { … }`), not blocks. The binding
//! resource is `databricks_workspace_network_option` (`workspace_id`, `network_policy_id`); the
//! name `databricks_workspace_network_policy_binding` sometimes used for it does not exist there.
//!
//! Output is a pure function of its input, so golden files stay stable.

use super::{
    DatabricksDestination, Egress, InternetDestination, NetworkAccess, NetworkPolicy,
    PolicyEnforcement, StorageDestination,
};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt::Write as _;

const POLICY_RESOURCE: &str = "databricks_account_network_policy";

/// The oldest provider release whose `databricks_account_network_policy` has `ingress` and
/// `ingress_dry_run` (v1.113.0, 2026-04; v1.112.0 knows only `account_id`,
/// `network_policy_id` and `egress`). The server fills `ingress` in when a policy is created
/// without it, so an export without it would plan a change, and an older provider could not
/// hold it at all (docs/wire-facts.md §13).
pub const MIN_PROVIDER_VERSION: &str = "1.113.0";
const BINDING_RESOURCE: &str = "databricks_workspace_network_option";

/// Top-level fields the model keeps in `extra` that the provider schema does have; exported
/// as plain values. Anything else unknown goes into the leading comment.
const TF_KNOWN_POLICY_EXTRAS: &[&str] = &["ingress", "ingress_dry_run"];

/// Pretty JSON of the exact object, unknown fields included, with a trailing newline.
pub fn to_json(policy: &NetworkPolicy) -> String {
    // Serialising plain data with string keys cannot fail.
    let mut s = serde_json::to_string_pretty(policy).unwrap_or_default();
    s.push('\n');
    s
}

/// A Terraform configuration for the policy and one binding per bound workspace.
///
/// The policy already exists in the account (it was read from it), so an `import` block is
/// emitted; without it `terraform apply` would try to create it and fail. Bindings need none:
/// the provider's create is an update.
pub fn to_terraform(
    policy: &NetworkPolicy,
    account_id: &str,
    bound_workspaces: &[(i64, String)],
) -> String {
    let label = resource_label(policy.id(), "policy");
    let mut body = Vec::new();
    if !account_id.is_empty() {
        body.push(("account_id".to_owned(), Hcl::Str(account_id.to_owned())));
    }
    if policy.network_policy_id.is_some() {
        body.push((
            "network_policy_id".to_owned(),
            Hcl::Str(policy.id().to_owned()),
        ));
    }
    let mut dropped = Vec::new();
    if let Some(egress) = &policy.egress {
        body.push(("egress".to_owned(), egress_hcl(egress, &mut dropped)));
    }
    for (k, v) in &policy.extra {
        if TF_KNOWN_POLICY_EXTRAS.contains(&k.as_str()) {
            body.push((k.clone(), json_hcl(v)));
        } else {
            dropped.push((k.clone(), v.clone()));
        }
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Network policy {} exported by dbx-tui.",
        comment_quote(policy.id())
    );
    if !dropped.is_empty() {
        out.push_str("# These fields have no Terraform attribute and are NOT exported; apply would drop them:\n");
        for (path, v) in &dropped {
            // Compact JSON escapes newlines, so each entry stays on its comment line.
            let _ = writeln!(
                out,
                "#   {path} = {}",
                serde_json::to_string(v).unwrap_or_default()
            );
        }
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "terraform {{\n  required_providers {{\n    databricks = {{\n      source  = \"databricks/databricks\"\n      version = \">= {MIN_PROVIDER_VERSION}\"\n    }}\n  }}\n}}\n"
    );
    if policy.network_policy_id.is_some() {
        let _ = writeln!(
            out,
            "import {{\n  id = {}\n  to = {POLICY_RESOURCE}.{label}\n}}\n",
            quote(policy.id())
        );
    }
    let _ = writeln!(out, "resource \"{POLICY_RESOURCE}\" \"{label}\" {{");
    write_body(&mut out, &body, 1);
    out.push_str("}\n");

    let mut workspaces: Vec<&(i64, String)> = bound_workspaces.iter().collect();
    workspaces.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    workspaces.dedup_by_key(|w| w.0);
    let mut used = BTreeSet::new();
    for (id, name) in workspaces {
        let mut ws_label = resource_label(name, "workspace");
        if !used.insert(ws_label.clone()) {
            // Two names that sanitise alike: the workspace id keeps labels unique and stable.
            ws_label = format!("{ws_label}_{id}");
            used.insert(ws_label.clone());
        }
        let _ = writeln!(out, "\n# Workspace {}", comment_quote(name));
        let _ = writeln!(out, "resource \"{BINDING_RESOURCE}\" \"{ws_label}\" {{");
        let policy_ref = if policy.network_policy_id.is_some() {
            // A reference, not a string: Terraform then creates the policy before binding it.
            Hcl::Raw(format!("{POLICY_RESOURCE}.{label}.network_policy_id"))
        } else {
            Hcl::Null
        };
        let attrs = vec![
            ("workspace_id".to_owned(), Hcl::Raw(id.to_string())),
            ("network_policy_id".to_owned(), policy_ref),
        ];
        write_body(&mut out, &attrs, 1);
        out.push_str("}\n");
    }
    out
}

/// An HCL expression: enough of the language for this export.
enum Hcl {
    Str(String),
    /// Numbers, references and other expressions written verbatim.
    Raw(String),
    Null,
    List(Vec<Hcl>),
    Object(Vec<(String, Hcl)>),
}

fn egress_hcl(e: &Egress, dropped: &mut Vec<(String, Value)>) -> Hcl {
    let mut o = Vec::new();
    if let Some(na) = &e.network_access {
        o.push(("network_access".to_owned(), access_hcl(na, dropped)));
    }
    note_extra("egress", &e.extra, dropped);
    Hcl::Object(o)
}

fn access_hcl(a: &NetworkAccess, dropped: &mut Vec<(String, Value)>) -> Hcl {
    let p = "egress.network_access";
    let mut o = vec![(
        "restriction_mode".to_owned(),
        Hcl::Str(a.restriction_mode.as_str().to_owned()),
    )];
    if let Some(list) = &a.allowed_internet_destinations {
        o.push((
            "allowed_internet_destinations".into(),
            internet_list(list, &format!("{p}.allowed_internet_destinations"), dropped),
        ));
    }
    if let Some(list) = &a.allowed_storage_destinations {
        let items = list.iter().enumerate().map(|(i, d)| {
            storage_hcl(
                d,
                &format!("{p}.allowed_storage_destinations[{i}]"),
                dropped,
            )
        });
        o.push((
            "allowed_storage_destinations".into(),
            Hcl::List(items.collect()),
        ));
    }
    if let Some(list) = &a.blocked_internet_destinations {
        o.push((
            "blocked_internet_destinations".into(),
            internet_list(list, &format!("{p}.blocked_internet_destinations"), dropped),
        ));
    }
    if let Some(list) = &a.allowed_databricks_destinations {
        let items = list.iter().enumerate().map(|(i, d)| {
            databricks_hcl(
                d,
                &format!("{p}.allowed_databricks_destinations[{i}]"),
                dropped,
            )
        });
        o.push((
            "allowed_databricks_destinations".into(),
            Hcl::List(items.collect()),
        ));
    }
    if let Some(pe) = &a.policy_enforcement {
        o.push((
            "policy_enforcement".into(),
            enforcement_hcl(pe, &format!("{p}.policy_enforcement"), dropped),
        ));
    }
    note_extra(p, &a.extra, dropped);
    Hcl::Object(o)
}

fn internet_list(
    list: &[InternetDestination],
    path: &str,
    dropped: &mut Vec<(String, Value)>,
) -> Hcl {
    Hcl::List(
        list.iter()
            .enumerate()
            .map(|(i, d)| {
                let mut o = vec![("destination".to_owned(), Hcl::Str(d.destination.clone()))];
                if let Some(t) = &d.internet_destination_type {
                    o.push((
                        "internet_destination_type".into(),
                        Hcl::Str(t.as_str().to_owned()),
                    ));
                }
                note_extra(&format!("{path}[{i}]"), &d.extra, dropped);
                Hcl::Object(o)
            })
            .collect(),
    )
}

fn storage_hcl(d: &StorageDestination, path: &str, dropped: &mut Vec<(String, Value)>) -> Hcl {
    let mut o = Vec::new();
    let mut opt = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            o.push((k.to_owned(), Hcl::Str(v.to_owned())));
        }
    };
    opt(
        "storage_destination_type",
        d.storage_destination_type
            .as_ref()
            .map(super::StorageDestinationType::as_str),
    );
    opt("bucket_name", d.bucket_name.as_deref());
    opt("region", d.region.as_deref());
    opt("azure_storage_account", d.azure_storage_account.as_deref());
    opt("azure_storage_service", d.azure_storage_service.as_deref());
    note_extra(path, &d.extra, dropped);
    Hcl::Object(o)
}

fn databricks_hcl(
    d: &DatabricksDestination,
    path: &str,
    dropped: &mut Vec<(String, Value)>,
) -> Hcl {
    note_extra(path, &d.extra, dropped);
    let ids = d
        .workspace_ids
        .iter()
        .map(|id| Hcl::Raw(id.to_string()))
        .collect();
    Hcl::Object(vec![("workspace_ids".into(), Hcl::List(ids))])
}

fn enforcement_hcl(p: &PolicyEnforcement, path: &str, dropped: &mut Vec<(String, Value)>) -> Hcl {
    let mut o = Vec::new();
    if let Some(m) = &p.enforcement_mode {
        o.push((
            "enforcement_mode".to_owned(),
            Hcl::Str(m.as_str().to_owned()),
        ));
    }
    if let Some(f) = &p.dry_run_mode_product_filter {
        let items = f.iter().map(|x| Hcl::Str(x.as_str().to_owned())).collect();
        o.push(("dry_run_mode_product_filter".to_owned(), Hcl::List(items)));
    }
    note_extra(path, &p.extra, dropped);
    Hcl::Object(o)
}

fn note_extra(path: &str, extra: &Map<String, Value>, dropped: &mut Vec<(String, Value)>) {
    dropped.extend(
        extra
            .iter()
            .map(|(k, v)| (format!("{path}.{k}"), v.clone())),
    );
}

/// A JSON value as HCL; used for fields the provider knows but the typed model does not.
fn json_hcl(v: &Value) -> Hcl {
    match v {
        Value::Null => Hcl::Null,
        Value::Bool(b) => Hcl::Raw(b.to_string()),
        Value::Number(n) => Hcl::Raw(n.to_string()),
        Value::String(s) => Hcl::Str(s.clone()),
        Value::Array(a) => Hcl::List(a.iter().map(json_hcl).collect()),
        Value::Object(m) => Hcl::Object(m.iter().map(|(k, v)| (k.clone(), json_hcl(v))).collect()),
    }
}

/// Writes `key = value` lines, aligning `=` across runs of one-line attributes the way
/// `terraform fmt` does, so the export is already formatted.
fn write_body(out: &mut String, attrs: &[(String, Hcl)], depth: usize) {
    let pad = "  ".repeat(depth);
    let mut i = 0;
    while i < attrs.len() {
        let mut j = i;
        while j < attrs.len() && inline(&attrs[j].1).is_some() {
            j += 1;
        }
        if j > i {
            let width = attrs[i..j]
                .iter()
                .map(|(k, _)| key(k).chars().count())
                .max()
                .unwrap_or(0);
            for (k, v) in &attrs[i..j] {
                let k = key(k);
                let fill = width - k.chars().count();
                let _ = writeln!(
                    out,
                    "{pad}{k}{} = {}",
                    " ".repeat(fill),
                    inline(v).unwrap_or_default()
                );
            }
            i = j;
            continue;
        }
        let (k, v) = &attrs[i];
        let _ = write!(out, "{pad}{} = ", key(k));
        write_multiline(out, v, depth);
        out.push('\n');
        i += 1;
    }
}

/// The one-line form of short values: scalars, empty collections, lists of scalars.
fn inline(v: &Hcl) -> Option<String> {
    match v {
        Hcl::Str(s) => Some(quote(s)),
        Hcl::Raw(r) => Some(r.clone()),
        Hcl::Null => Some("null".into()),
        Hcl::Object(o) if o.is_empty() => Some("{}".into()),
        Hcl::List(l) => {
            let parts: Option<Vec<String>> = l
                .iter()
                .map(|x| match x {
                    Hcl::Str(_) | Hcl::Raw(_) | Hcl::Null => inline(x),
                    _ => None,
                })
                .collect();
            parts.map(|p| format!("[{}]", p.join(", ")))
        }
        Hcl::Object(_) => None,
    }
}

fn write_multiline(out: &mut String, v: &Hcl, depth: usize) {
    let pad = "  ".repeat(depth);
    match v {
        Hcl::Object(o) => {
            out.push_str("{\n");
            write_body(out, o, depth + 1);
            let _ = write!(out, "{pad}}}");
        }
        Hcl::List(items) => {
            out.push_str("[\n");
            for item in items {
                let _ = write!(out, "{pad}  ");
                match inline(item) {
                    Some(s) => out.push_str(&s),
                    None => write_multiline(out, item, depth + 1),
                }
                out.push_str(",\n");
            }
            let _ = write!(out, "{pad}]");
        }
        other => out.push_str(&inline(other).unwrap_or_default()),
    }
}

/// A name quoted for a `#` comment: no template escaping, but a newline cannot end the comment.
fn comment_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// An object key: bare when it is an identifier, quoted otherwise.
fn key(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ident { k.to_owned() } else { quote(k) }
}

/// An HCL string literal. `${` and `%{` start template interpolation in HCL, so they are
/// doubled to stay literal.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\r' => q.push_str("\\r"),
            '\t' => q.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                q.push(c);
                q.push(c);
            }
            c if c.is_control() => {
                let _ = write!(q, "\\u{:04x}", c as u32);
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// A Terraform resource name: `corp-egress` → `corp_egress`. Identifiers must start with a
/// letter or underscore and hold only letters, digits, `_` and `-`; `-` is replaced too
/// because it reads as subtraction in references.
pub fn resource_label(raw: &str, fallback: &str) -> String {
    let mut s = String::with_capacity(raw.len());
    for c in raw.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('_') {
            s.push('_');
        }
    }
    let s = s.trim_matches('_');
    match s.chars().next() {
        None => fallback.to_owned(),
        Some(c) if c.is_ascii_digit() => format!("{fallback}_{s}"),
        Some(_) => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_identifiers() {
        assert_eq!(resource_label("corp-egress", "policy"), "corp_egress");
        assert_eq!(
            resource_label("Prod Analytics (EU)", "ws"),
            "prod_analytics_eu"
        );
        assert_eq!(resource_label("42.x", "ws"), "ws_42_x");
        assert_eq!(resource_label("", "ws"), "ws");
    }

    #[test]
    fn strings_escape_templates() {
        assert_eq!(quote("a\"b\\c${x}%{y}$z"), r#""a\"b\\c$${x}%%{y}$z""#);
    }
}
