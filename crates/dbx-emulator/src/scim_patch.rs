//! SCIM PatchOp (RFC 7644 §3.5.2) as Databricks clients send it (docs/wire-facts.md §4.1, §12).
//!
//! Three value forms arrive for the same change and all are accepted: the RFC form
//! `"value": false`, Terraform's `"value": [{"value": "false"}]`, and SDK 0.162's op with no
//! `value` at all (it drops falsy values). Real Databricks does nothing for the last one, so an
//! `add`/`replace` without a value is a no-op here too.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};
use super::seed::SeedSp;

const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKind {
    Add,
    Remove,
    Replace,
}

/// `attr` or `attr[value eq "x"]`; `attr` is lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathExpr {
    pub attr: String,
    pub value_eq: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub kind: OpKind,
    pub path: PathExpr,
    pub value: Option<Value>,
}

pub(crate) fn bad_value(detail: String) -> ApiError {
    ApiError::scim(StatusCode::BAD_REQUEST, detail, Some("invalidValue"))
}

pub(crate) fn bad_path(attr: &str) -> ApiError {
    ApiError::scim(
        StatusCode::BAD_REQUEST,
        format!("Invalid path '{attr}': no such attribute or it cannot be patched."),
        Some("invalidPath"),
    )
}

fn parse_path(p: &str) -> ApiResult<PathExpr> {
    let p = p.trim();
    // Clients may qualify the attribute with the resource schema URN.
    let p = p.rsplit_once("2.0:ServicePrincipal:").map_or(p, |(_, a)| a);
    let p = p.rsplit_once("2.0:Group:").map_or(p, |(_, a)| a);
    let Some((attr, rest)) = p.split_once('[') else {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            return Err(bad_path(p));
        }
        return Ok(PathExpr {
            attr: p.to_ascii_lowercase(),
            value_eq: None,
        });
    };
    // Only the one filter form clients send: `[value eq "x"]`.
    let inner = rest.strip_suffix(']').ok_or_else(|| bad_path(p))?;
    let mut words = inner.splitn(3, ' ');
    let (a, op, v) = (words.next(), words.next(), words.next());
    match (a, op, v) {
        (Some(a), Some(op), Some(v))
            if a.eq_ignore_ascii_case("value") && op.eq_ignore_ascii_case("eq") =>
        {
            let v = v.trim().trim_matches('"').to_string();
            Ok(PathExpr {
                attr: attr.trim().to_ascii_lowercase(),
                value_eq: Some(v),
            })
        }
        _ => Err(bad_path(p)),
    }
}

/// Parses a PatchOp body. An op with no `path` and an object value is split into one op per
/// key (the RFC's "value is the attributes to set" form).
pub(crate) fn parse(body: &[u8]) -> ApiResult<Vec<Op>> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::scim(
            StatusCode::BAD_REQUEST,
            format!("Invalid PatchOp body: {e}"),
            Some("invalidSyntax"),
        )
    })?;
    if let Some(schemas) = v.get("schemas").and_then(Value::as_array)
        && !schemas.iter().any(|s| s == PATCH_SCHEMA)
    {
        return Err(bad_value(format!(
            "PatchOp schemas must include {PATCH_SCHEMA}."
        )));
    }
    let ops = v
        .get("Operations")
        .or_else(|| v.get("operations"))
        .and_then(Value::as_array)
        .ok_or_else(|| bad_value("PatchOp needs an 'Operations' array.".into()))?;
    let mut out = Vec::new();
    for o in ops {
        let kind = match o
            .get("op")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
        {
            Some(k) if k == "add" => OpKind::Add,
            Some(k) if k == "remove" => OpKind::Remove,
            Some(k) if k == "replace" => OpKind::Replace,
            other => {
                return Err(bad_value(format!(
                    "Unsupported op {:?}: expected add, remove or replace.",
                    other.unwrap_or_default()
                )));
            }
        };
        let value = o.get("value").filter(|v| !v.is_null()).cloned();
        match o.get("path").and_then(Value::as_str) {
            Some(p) => out.push(Op {
                kind,
                path: parse_path(p)?,
                value,
            }),
            None => match (kind, value) {
                (OpKind::Remove, _) => {
                    return Err(ApiError::scim(
                        StatusCode::BAD_REQUEST,
                        "A remove operation needs a path.",
                        Some("noTarget"),
                    ));
                }
                (_, Some(Value::Object(m))) => {
                    for (k, v) in m {
                        out.push(Op {
                            kind,
                            path: parse_path(&k)?,
                            value: Some(v),
                        });
                    }
                }
                // No path and no value: the SDK's dropped falsy value; nothing to do.
                (_, None) => {}
                (_, Some(_)) => {
                    return Err(bad_value(
                        "Without a path, value must be an object of attributes.".into(),
                    ));
                }
            },
        }
    }
    Ok(out)
}

/// The scalar inside any value form: `x`, `[x]`, `{"value": x}` or `[{"value": x}]`.
fn scalar(v: &Value) -> Option<&Value> {
    let v = match v {
        Value::Array(a) => a.first()?,
        other => other,
    };
    match v {
        Value::Object(m) => m.get("value"),
        other => Some(other),
    }
}

/// A boolean from `false`, `"false"` or the wrapped forms; `None` when no value was sent.
pub(crate) fn single_bool(op: &Op) -> ApiResult<Option<bool>> {
    let Some(v) = &op.value else { return Ok(None) };
    match scalar(v) {
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        _ => Err(bad_value(format!(
            "Invalid value {v} for '{}': expected a boolean.",
            op.path.attr
        ))),
    }
}

/// A non-empty string from the plain or wrapped forms; `None` when no value was sent.
pub(crate) fn single_string(op: &Op) -> ApiResult<Option<String>> {
    let Some(v) = &op.value else { return Ok(None) };
    match scalar(v) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
        _ => Err(bad_value(format!(
            "Invalid value {v} for '{}': expected a non-empty string.",
            op.path.attr
        ))),
    }
}

/// The `value`s of a multi-valued attribute's entries: `[{"value": "x"}]`, `["x"]`, `{"value": "x"}`.
fn entry_values(op: &Op, v: &Value) -> ApiResult<Vec<String>> {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .map(|i| match i {
            Value::Object(m) => m.get("value"),
            other => Some(other),
        })
        .map(|v| match v {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            _ => Err(bad_value(format!(
                "Invalid entry in '{}': each needs a string 'value'.",
                op.path.attr
            ))),
        })
        .collect()
}

/// Applies one op to a multi-valued attribute held as its entries' values. `check` vets each
/// value added (a known entitlement, an existing group or member).
pub(crate) fn apply_list(
    op: &Op,
    list: &mut Vec<String>,
    check: &dyn Fn(&str) -> ApiResult<()>,
) -> ApiResult<()> {
    if let Some(target) = &op.path.value_eq {
        if op.kind != OpKind::Remove {
            return Err(bad_value(format!(
                "Only remove may use a filter on '{}'.",
                op.path.attr
            )));
        }
        list.retain(|v| v != target);
        return Ok(());
    }
    let values = match &op.value {
        Some(v) => entry_values(op, v)?,
        None if op.kind == OpKind::Remove => {
            list.clear();
            return Ok(());
        }
        None => return Ok(()),
    };
    match op.kind {
        OpKind::Remove => list.retain(|v| !values.contains(v)),
        OpKind::Add | OpKind::Replace => {
            for v in &values {
                check(v)?;
            }
            if op.kind == OpKind::Replace {
                list.clear();
            }
            for v in values {
                if !list.contains(&v) {
                    list.push(v);
                }
            }
        }
    }
    Ok(())
}

pub(crate) const ENTITLEMENTS: &[&str] = &[
    "workspace-access",
    "databricks-sql-access",
    "allow-cluster-create",
    "allow-instance-pool-create",
    "workspace-consume",
];

pub(crate) fn values_of(list: &[Value]) -> Vec<String> {
    list.iter()
        .filter_map(|e| e["value"].as_str().map(str::to_string))
        .collect()
}

pub(crate) fn entries(values: &[String]) -> Vec<Value> {
    values
        .iter()
        .map(|v| {
            let mut m = Map::new();
            m.insert("value".into(), Value::from(v.as_str()));
            Value::Object(m)
        })
        .collect()
}

pub(crate) fn check_entitlement(v: &str) -> ApiResult<()> {
    if ENTITLEMENTS.contains(&v) {
        Ok(())
    } else {
        Err(bad_value(format!(
            "Unknown entitlement '{v}': expected one of {}.",
            ENTITLEMENTS.join(", ")
        )))
    }
}

/// Applies all ops to a copy of the principal and its group ids; the caller commits both only
/// if every op succeeded, so a bad op leaves nothing half-applied.
pub(crate) fn apply_sp(
    sp: &mut SeedSp,
    groups: &mut Vec<String>,
    ops: &[Op],
    group_exists: &dyn Fn(&str) -> bool,
) -> ApiResult<()> {
    let check_group = |g: &str| {
        if group_exists(g) {
            Ok(())
        } else {
            Err(bad_value(format!("No group with id {g} in this account.")))
        }
    };
    let check_role = |r: &str| {
        if r.trim().is_empty() {
            Err(bad_value("Role values must be non-empty.".into()))
        } else {
            Ok(())
        }
    };
    for op in ops {
        let attr = op.path.attr.as_str();
        let single = op.path.value_eq.is_none();
        match attr {
            "active" if single => match op.kind {
                OpKind::Remove => return Err(bad_path("active")),
                _ => {
                    if let Some(b) = single_bool(op)? {
                        sp.active = b;
                    }
                }
            },
            "displayname" if single => match op.kind {
                OpKind::Remove => return Err(bad_value("displayName is required.".into())),
                _ => {
                    if let Some(s) = single_string(op)? {
                        sp.display_name = Some(s);
                    }
                }
            },
            "externalid" if single => match op.kind {
                OpKind::Remove => sp.external_id = None,
                _ => {
                    if let Some(s) = single_string(op)? {
                        sp.external_id = Some(s);
                    }
                }
            },
            "entitlements" => {
                let mut l = values_of(&sp.entitlements);
                apply_list(op, &mut l, &check_entitlement)?;
                sp.entitlements = entries(&l);
            }
            "roles" => {
                let mut l = values_of(&sp.roles);
                apply_list(op, &mut l, &check_role)?;
                sp.roles = entries(&l);
            }
            "groups" => apply_list(op, groups, &check_group)?,
            "id" | "applicationid" => {
                return Err(ApiError::scim(
                    StatusCode::BAD_REQUEST,
                    format!("Attribute '{attr}' is immutable."),
                    Some("mutability"),
                ));
            }
            other => return Err(bad_path(other)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths_and_value_forms() {
        let p = parse_path(r#"members[value eq "123"]"#).unwrap();
        assert_eq!(
            (p.attr.as_str(), p.value_eq.as_deref()),
            ("members", Some("123"))
        );
        assert!(parse_path("bad path!").is_err());
        let body =
            br#"{"Operations":[{"op":"Replace","value":{"active":false,"displayName":"x"}}]}"#;
        let ops = parse(body).unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!(single_bool(&ops[0]).unwrap(), Some(false));
        let tf =
            br#"{"Operations":[{"op":"replace","path":"active","value":[{"value":"false"}]}]}"#;
        assert_eq!(single_bool(&parse(tf).unwrap()[0]).unwrap(), Some(false));
        assert!(parse(br#"{"Operations":[{"op":"move","path":"active"}]}"#).is_err());
    }
}
