//! Edits to a network policy as a list of operations, so a change can be shown as a diff,
//! replayed onto a newer server version (rebase), and reversed (undo from the journal).
//!
//! Every operation is idempotent (adding what is there, or removing what is not, does
//! nothing), which is what makes a rebase safe: replaying the user's operations on the
//! server's newer policy keeps both sides' changes.

use super::{
    DryRunProduct, Egress, EnforcementMode, InternetDestination, InternetDestinationType,
    NetworkAccess, NetworkPolicy, PolicyEnforcement, RestrictionMode, StorageDestination,
};
use serde::{Deserialize, Serialize};
use serde_json::Map;

/// One edit of a policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum EditOp {
    AddDns { name: String },
    RemoveDns { name: String },
    AddBlockedDns { name: String },
    RemoveBlockedDns { name: String },
    AddStorage { destination: StorageDestination },
    RemoveStorage { destination: StorageDestination },
    SetRestriction { mode: RestrictionMode },
    SetEnforcement { mode: EnforcementMode },
    SetDryRunProducts { products: Vec<DryRunProduct> },
}

impl EditOp {
    /// A line for the pending-change summary.
    pub fn describe(&self) -> String {
        match self {
            EditOp::AddDns { name } => format!("allow {name}"),
            EditOp::RemoveDns { name } => format!("stop allowing {name}"),
            EditOp::AddBlockedDns { name } => format!("block {name}"),
            EditOp::RemoveBlockedDns { name } => format!("stop blocking {name}"),
            EditOp::AddStorage { destination } => format!("allow storage {}", destination.label()),
            EditOp::RemoveStorage { destination } => {
                format!("stop allowing storage {}", destination.label())
            }
            EditOp::SetRestriction { mode } => format!("restriction mode → {mode}"),
            EditOp::SetEnforcement { mode } => format!("enforcement → {mode}"),
            EditOp::SetDryRunProducts { products } => {
                if products.is_empty() {
                    "dry run for every product".into()
                } else {
                    let names: Vec<&str> =
                        products.iter().map(super::DryRunProduct::as_str).collect();
                    format!("dry run only for {}", names.join(", "))
                }
            }
        }
    }
}

/// Two storage destinations name the same place (type and the identifying fields).
pub fn same_storage(a: &StorageDestination, b: &StorageDestination) -> bool {
    a.storage_destination_type == b.storage_destination_type
        && a.bucket_name == b.bucket_name
        && a.azure_storage_account == b.azure_storage_account
        && a.azure_storage_service == b.azure_storage_service
        && a.region == b.region
}

fn access_mut(p: &mut NetworkPolicy) -> &mut NetworkAccess {
    let egress = p.egress.get_or_insert_with(Egress::default);
    egress.network_access.get_or_insert_with(|| NetworkAccess {
        restriction_mode: RestrictionMode::FullAccess,
        allowed_internet_destinations: None,
        allowed_storage_destinations: None,
        blocked_internet_destinations: None,
        allowed_databricks_destinations: None,
        policy_enforcement: None,
        extra: Map::new(),
    })
}

fn dns(name: &str) -> InternetDestination {
    InternetDestination {
        destination: name.to_owned(),
        internet_destination_type: Some(InternetDestinationType::DnsName),
        extra: Map::new(),
    }
}

fn add_dns(list: &mut Option<Vec<InternetDestination>>, name: &str) {
    let list = list.get_or_insert_with(Vec::new);
    if !list
        .iter()
        .any(|d| d.destination.eq_ignore_ascii_case(name))
    {
        list.push(dns(name));
    }
}

fn remove_dns(list: &mut Option<Vec<InternetDestination>>, name: &str) {
    if let Some(l) = list {
        l.retain(|d| !d.destination.eq_ignore_ascii_case(name));
    }
}

fn enforcement_mut(a: &mut NetworkAccess) -> &mut PolicyEnforcement {
    a.policy_enforcement
        .get_or_insert_with(|| PolicyEnforcement {
            enforcement_mode: None,
            dry_run_mode_product_filter: None,
            extra: Map::new(),
        })
}

/// Apply one operation in place.
pub fn apply(p: &mut NetworkPolicy, op: &EditOp) {
    let a = access_mut(p);
    match op {
        EditOp::AddDns { name } => add_dns(&mut a.allowed_internet_destinations, name),
        EditOp::RemoveDns { name } => remove_dns(&mut a.allowed_internet_destinations, name),
        EditOp::AddBlockedDns { name } => add_dns(&mut a.blocked_internet_destinations, name),
        EditOp::RemoveBlockedDns { name } => remove_dns(&mut a.blocked_internet_destinations, name),
        EditOp::AddStorage { destination } => {
            let list = a.allowed_storage_destinations.get_or_insert_with(Vec::new);
            if !list.iter().any(|d| same_storage(d, destination)) {
                list.push(destination.clone());
            }
        }
        EditOp::RemoveStorage { destination } => {
            if let Some(l) = &mut a.allowed_storage_destinations {
                l.retain(|d| !same_storage(d, destination));
            }
        }
        EditOp::SetRestriction { mode } => a.restriction_mode = mode.clone(),
        EditOp::SetEnforcement { mode } => enforcement_mut(a).enforcement_mode = Some(mode.clone()),
        EditOp::SetDryRunProducts { products } => {
            enforcement_mut(a).dry_run_mode_product_filter = Some(products.clone());
        }
    }
}

/// The policy after a list of operations.
pub fn apply_all(base: &NetworkPolicy, ops: &[EditOp]) -> NetworkPolicy {
    let mut p = base.clone();
    for op in ops {
        apply(&mut p, op);
    }
    p
}

/// Operations that turn `from` into `to` (for undo: `ops_between(after, before)`). Fields this
/// editor does not edit are not compared.
pub fn ops_between(from: &NetworkPolicy, to: &NetworkPolicy) -> Vec<EditOp> {
    let mut ops = Vec::new();
    let names = |p: &NetworkPolicy, blocked: bool| -> Vec<String> {
        let list = if blocked {
            p.blocked_destinations()
        } else {
            p.internet_destinations()
        };
        list.iter()
            .map(|d| d.destination.to_ascii_lowercase())
            .collect()
    };
    let (fa, ta) = (names(from, false), names(to, false));
    ops.extend(
        fa.iter()
            .filter(|n| !ta.contains(n))
            .map(|n| EditOp::RemoveDns { name: n.clone() }),
    );
    ops.extend(
        ta.iter()
            .filter(|n| !fa.contains(n))
            .map(|n| EditOp::AddDns { name: n.clone() }),
    );
    let (fb, tb) = (names(from, true), names(to, true));
    ops.extend(
        fb.iter()
            .filter(|n| !tb.contains(n))
            .map(|n| EditOp::RemoveBlockedDns { name: n.clone() }),
    );
    ops.extend(
        tb.iter()
            .filter(|n| !fb.contains(n))
            .map(|n| EditOp::AddBlockedDns { name: n.clone() }),
    );
    let (fs, ts) = (from.storage_destinations(), to.storage_destinations());
    for d in fs.iter().filter(|d| !ts.iter().any(|t| same_storage(t, d))) {
        ops.push(EditOp::RemoveStorage {
            destination: d.clone(),
        });
    }
    for d in ts.iter().filter(|d| !fs.iter().any(|f| same_storage(f, d))) {
        ops.push(EditOp::AddStorage {
            destination: d.clone(),
        });
    }
    if let (Some(f), Some(t)) = (from.restriction_mode(), to.restriction_mode())
        && f != t
    {
        ops.push(EditOp::SetRestriction { mode: t.clone() });
    }
    if from.enforcement_mode() != to.enforcement_mode() {
        ops.push(EditOp::SetEnforcement {
            mode: to.enforcement_mode(),
        });
    }
    if from.dry_run_products() != to.dry_run_products() {
        ops.push(EditOp::SetDryRunProducts {
            products: to.dry_run_products().to_vec(),
        });
    }
    ops
}

/// Whether applying `ops` makes the policy enforce more than it did: a switch to restricted
/// access or to enforcement, which may block traffic that flows today.
pub fn tightens(base: &NetworkPolicy, ops: &[EditOp]) -> bool {
    let after = apply_all(base, ops);
    let restricts = base.restriction_mode() != Some(&RestrictionMode::RestrictedAccess)
        && after.restriction_mode() == Some(&RestrictionMode::RestrictedAccess);
    let enforces = base.enforcement_mode() != EnforcementMode::Enforced
        && after.enforcement_mode() == EnforcementMode::Enforced
        && after.restriction_mode() == Some(&RestrictionMode::RestrictedAccess);
    restricts || enforces
}

/// A unified diff of the pretty JSON of two policies, for review before writing.
pub fn json_diff(before: &NetworkPolicy, after: &NetworkPolicy) -> Vec<DiffLine> {
    let a = serde_json::to_string_pretty(before).unwrap_or_default();
    let b = serde_json::to_string_pretty(after).unwrap_or_default();
    text_diff(&a, &b)
}

/// One line of a diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffLine {
    Same(String),
    Added(String),
    Removed(String),
}

/// Line diff with three lines of context around changes.
pub fn text_diff(a: &str, b: &str) -> Vec<DiffLine> {
    let diff = similar::TextDiff::from_lines(a, b);
    let mut out = Vec::new();
    for (i, group) in diff.grouped_ops(3).iter().enumerate() {
        if i > 0 {
            out.push(DiffLine::Same("…".into()));
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let line = change.value().trim_end_matches('\n').to_owned();
                out.push(match change.tag() {
                    similar::ChangeTag::Equal => DiffLine::Same(line),
                    similar::ChangeTag::Insert => DiffLine::Added(line),
                    similar::ChangeTag::Delete => DiffLine::Removed(line),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(v: serde_json::Value) -> NetworkPolicy {
        serde_json::from_value(v).unwrap()
    }

    fn base() -> NetworkPolicy {
        policy(
            json!({"network_policy_id": "p", "future_field": 1, "egress": {"network_access": {
            "restriction_mode": "RESTRICTED_ACCESS",
            "allowed_internet_destinations": [{"destination": "pypi.org", "internet_destination_type": "DNS_NAME"}],
            "policy_enforcement": {"enforcement_mode": "DRY_RUN"}}}}),
        )
    }

    #[test]
    fn ops_are_idempotent_and_keep_unknown_fields() {
        let ops = vec![
            EditOp::AddDns {
                name: "github.com".into(),
            },
            EditOp::AddDns {
                name: "github.com".into(),
            },
            EditOp::RemoveDns {
                name: "nope.org".into(),
            },
        ];
        let after = apply_all(&base(), &ops);
        let names: Vec<&str> = after
            .internet_destinations()
            .iter()
            .map(|d| d.destination.as_str())
            .collect();
        assert_eq!(names, ["pypi.org", "github.com"]);
        assert_eq!(after.extra["future_field"], json!(1));
    }

    #[test]
    fn rebase_keeps_both_sides() {
        let mine = vec![EditOp::AddDns {
            name: "github.com".into(),
        }];
        let mut theirs = base();
        apply(
            &mut theirs,
            &EditOp::AddDns {
                name: "huggingface.co".into(),
            },
        );
        let rebased = apply_all(&theirs, &mine);
        let names: Vec<&str> = rebased
            .internet_destinations()
            .iter()
            .map(|d| d.destination.as_str())
            .collect();
        assert_eq!(names, ["pypi.org", "huggingface.co", "github.com"]);
    }

    #[test]
    fn ops_between_reverses_a_change() {
        let ops = vec![
            EditOp::AddDns {
                name: "github.com".into(),
            },
            EditOp::RemoveDns {
                name: "pypi.org".into(),
            },
            EditOp::SetEnforcement {
                mode: EnforcementMode::Enforced,
            },
        ];
        let before = base();
        let after = apply_all(&before, &ops);
        let undo = ops_between(&after, &before);
        assert_eq!(
            apply_all(&after, &undo).internet_destinations(),
            before.internet_destinations()
        );
        assert_eq!(
            apply_all(&after, &undo).enforcement_mode(),
            EnforcementMode::DryRun
        );
        assert!(tightens(&before, &ops));
        assert!(!tightens(&after, &undo));
    }

    #[test]
    fn diff_marks_added_and_removed_lines() {
        let after = apply_all(
            &base(),
            &[EditOp::AddDns {
                name: "github.com".into(),
            }],
        );
        let d = json_diff(&base(), &after);
        assert!(
            d.iter()
                .any(|l| matches!(l, DiffLine::Added(s) if s.contains("github.com")))
        );
        assert!(
            !d.iter().any(|l| matches!(l, DiffLine::Removed(_))),
            "{d:?}"
        );
    }
}
