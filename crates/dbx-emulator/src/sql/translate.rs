//! Databricks SQL → SQLite, for the statements the app sends (and a little more).
//!
//! This is a token rewriter, not a parser: SQLite does the parsing and execution, so a statement
//! outside the subset still runs if SQLite accepts it, and bad SQL fails in SQLite with a
//! Databricks-style parse error. Supported rewrites:
//!
//! - table names after `FROM`/`JOIN`: one-, two- or three-part (`system.access.outbound_network`),
//!   resolved against the request's catalog/schema and mapped to one quoted SQLite name;
//! - struct fields `dns_event.domain_name`, `o.storage_event.path` → `json_extract(…)` (structs
//!   are stored as JSON text, which is also how JSON_ARRAY renders a selected struct); a selected
//!   field is named after the field, as Databricks does;
//! - `current_timestamp()`, `current_timestamp`, `now()` → the emulator's clock as a literal;
//! - `<primary> ± INTERVAL n UNIT` (`'n'` too; SECOND/MINUTE/HOUR/DAY/WEEK, singular or plural)
//!   where the primary is a column, parameter, literal, function call or parenthesised expression;
//! - `GROUP BY ALL` → `GROUP BY` the positions of the non-aggregate select items;
//! - `` `quoted` `` identifiers; `"text"` is a string literal as in Databricks; `\'` escapes;
//! - named parameters `:name` pass through to SQLite's own binding (values are never pasted).
//!
//! Timestamps are stored as fixed-width ISO-8601 UTC text (`2026-11-25T13:00:00.123Z`) so that
//! text comparison, `MIN` and `MAX` order them correctly. Not supported: `::` casts, `collect_set`,
//! `array_join`, lambdas, window functions, compound intervals, several statements.

use std::collections::HashSet;

use super::tokens::{Tok, syntax, tokenize};

/// What a statement is translated against.
pub(crate) struct Context<'a> {
    /// The emulator's "now", already formatted as a canonical timestamp.
    pub now: &'a str,
    pub catalog: Option<&'a str>,
    pub schema: Option<&'a str>,
}

/// A translated statement and what is known about its result columns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Translated {
    pub sql: String,
    /// Parameter names referenced (without the colon).
    pub params: HashSet<String>,
    /// Databricks type of each outer select item when it can be told from the text.
    pub column_types: Vec<Option<&'static str>>,
}

/// A translation failure, reported like a Databricks analysis/parse error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TranslateError {
    /// The Databricks error class, e.g. `PARSE_SYNTAX_ERROR`.
    pub class: &'static str,
    pub message: String,
}

/// The table every other name is checked against.
pub(crate) const OUTBOUND_NETWORK: &str = "system.access.outbound_network";
const STRUCT_COLUMNS: &[&str] = &["dns_event", "storage_event"];
const AGGREGATES: &[&str] = &[
    "count",
    "min",
    "max",
    "sum",
    "avg",
    "total",
    "group_concat",
    "any_value",
    "first",
    "last",
];

/// Databricks types of the table's columns and struct fields.
pub(crate) fn column_type(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "account_id"
        | "workspace_id"
        | "event_id"
        | "destination_type"
        | "destination"
        | "access_type"
        | "network_source_type"
        | "domain_name"
        | "hostname"
        | "path"
        | "rejection_reason" => "STRING",
        "dns_event" | "storage_event" => "STRUCT",
        "event_time" => "TIMESTAMP",
        "rcode" => "INT",
        _ => return None,
    })
}

fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn sql_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Reads `a.b.c` starting at `i`; returns the parts and the index after the chain.
fn ident_chain(toks: &[Tok], mut i: usize) -> (Vec<String>, usize) {
    let mut parts = Vec::new();
    while let Some(name) = toks.get(i).and_then(Tok::ident) {
        parts.push(name.to_string());
        if toks.get(i + 1).is_some_and(|t| t.is_sym("."))
            && toks.get(i + 2).and_then(Tok::ident).is_some()
        {
            i += 2;
        } else {
            return (parts, i + 1);
        }
    }
    (parts, i)
}

fn interval_micro_unit(unit: &str) -> Option<&'static str> {
    Some(match unit.to_ascii_lowercase().trim_end_matches('s') {
        "second" => "seconds",
        "minute" => "minutes",
        "hour" => "hours",
        "day" => "days",
        "week" => "weeks",
        _ => return None,
    })
}

/// Translates one statement.
pub(crate) fn translate(sql: &str, ctx: &Context<'_>) -> Result<Translated, TranslateError> {
    let mut toks = tokenize(sql)?;
    while toks.last().is_some_and(|t| t.is_sym(";")) {
        toks.pop();
    }
    if toks.iter().any(|t| t.is_sym(";")) {
        return Err(syntax("Only one statement can be executed at a time."));
    }
    if toks.is_empty() {
        return Err(syntax(
            "Syntax error at or near end of input: empty statement.",
        ));
    }
    let column_types = outer_select_items(&toks)
        .iter()
        .map(|item| item_type(item))
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut params = HashSet::new();
    // Per paren depth: the start index (in `toks`) of the SELECT open at that depth.
    let mut selects: Vec<(usize, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        match t {
            Tok::Sym(s) if s == "(" => {
                depth += 1;
                out.push("(".into());
                i += 1;
            }
            Tok::Sym(s) if s == ")" => {
                selects.retain(|&(d, _)| d < depth);
                depth = depth.saturating_sub(1);
                out.push(")".into());
                i += 1;
            }
            Tok::Sym(s)
                if (s == "-" || s == "+")
                    && toks.get(i + 1).is_some_and(|n| n.is_word("INTERVAL")) =>
            {
                let sign = if s == "-" { "-" } else { "+" };
                let (amount, unit) = match (toks.get(i + 2), toks.get(i + 3)) {
                    (Some(Tok::Number(n) | Tok::Str(n)), Some(Tok::Word(u))) => {
                        (n.trim().to_string(), u.clone())
                    }
                    _ => {
                        return Err(syntax(
                            "Syntax error at or near 'INTERVAL': expected INTERVAL <number> <unit>.",
                        ));
                    }
                };
                let unit = interval_micro_unit(&unit).ok_or_else(|| {
                    syntax(format!(
                        "Syntax error at or near '{unit}': unsupported interval unit."
                    ))
                })?;
                if amount.parse::<f64>().is_err() {
                    return Err(syntax(format!(
                        "Syntax error at or near '{amount}': invalid interval value."
                    )));
                }
                let operand = pop_primary(&mut out).ok_or_else(|| {
                    syntax("Syntax error at or near 'INTERVAL': nothing to add the interval to.")
                })?;
                out.push(format!(
                    "strftime('%Y-%m-%dT%H:%M:%fZ', {operand}, '{sign}{amount} {unit}')"
                ));
                i += 4;
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("SELECT") => {
                selects.retain(|&(d, _)| d != depth);
                selects.push((depth, i));
                out.push(w.clone());
                i += 1;
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("INTERVAL") => {
                return Err(syntax(
                    "Syntax error at or near 'INTERVAL': an interval must follow + or -.",
                ));
            }
            Tok::Word(w)
                if (w.eq_ignore_ascii_case("FROM") || w.eq_ignore_ascii_case("JOIN"))
                    && toks.get(i + 1).and_then(Tok::ident).is_some() =>
            {
                out.push(w.clone());
                let (parts, next) = ident_chain(&toks, i + 1);
                out.push(sql_ident(&resolve_table(&parts, ctx)?));
                i = next;
            }
            Tok::Word(w)
                if w.eq_ignore_ascii_case("GROUP")
                    && toks.get(i + 1).is_some_and(|t| t.is_word("BY"))
                    && toks.get(i + 2).is_some_and(|t| t.is_word("ALL")) =>
            {
                let start = selects
                    .iter()
                    .rev()
                    .find(|&&(d, _)| d == depth)
                    .map(|&(_, s)| s);
                let items = start.map(|s| select_items(&toks, s)).unwrap_or_default();
                let positions: Vec<String> = items
                    .iter()
                    .enumerate()
                    .filter(|(_, item)| !is_aggregate(item))
                    .map(|(n, _)| (n + 1).to_string())
                    .collect();
                if !positions.is_empty() {
                    out.push(format!("GROUP BY {}", positions.join(", ")));
                }
                i += 3;
            }
            Tok::Word(w)
                if (w.eq_ignore_ascii_case("current_timestamp")
                    || w.eq_ignore_ascii_case("now"))
                    && !toks.get(i.wrapping_sub(1)).is_some_and(|p| p.is_sym(".")) =>
            {
                let call = toks.get(i + 1).is_some_and(|t| t.is_sym("("))
                    && toks.get(i + 2).is_some_and(|t| t.is_sym(")"));
                if call {
                    i += 3;
                } else if w.eq_ignore_ascii_case("now") {
                    out.push(w.clone());
                    i += 1;
                    continue;
                } else {
                    i += 1;
                }
                out.push(sql_string(ctx.now));
            }
            Tok::Word(_) | Tok::Quoted(_) => {
                let (parts, next) = ident_chain(&toks, i);
                let as_field = next < toks.len() && toks[next].is_sym("(");
                out.push(column_ref(&parts, as_field));
                if let Some(alias) = field_alias(&toks, i, next, &parts) {
                    out.push(format!("AS {}", sql_ident(&alias)));
                }
                i = next;
            }
            Tok::Number(n) => {
                out.push(n.clone());
                i += 1;
            }
            Tok::Str(s) => {
                out.push(sql_string(s));
                i += 1;
            }
            Tok::Param(p) => {
                params.insert(p.clone());
                out.push(format!(":{p}"));
                i += 1;
            }
            Tok::Sym(s) => {
                out.push(s.clone());
                i += 1;
            }
        }
    }
    Ok(Translated {
        sql: out.join(" "),
        params,
        column_types,
    })
}

/// `catalog.schema.table` from what the statement wrote and the request's defaults.
fn resolve_table(parts: &[String], ctx: &Context<'_>) -> Result<String, TranslateError> {
    let name = match parts {
        [t] => match (ctx.catalog, ctx.schema) {
            (Some(c), Some(s)) => format!("{c}.{s}.{t}"),
            (None, Some(s)) => format!("hive_metastore.{s}.{t}"),
            _ => format!("hive_metastore.default.{t}"),
        },
        [s, t] => format!("{}.{s}.{t}", ctx.catalog.unwrap_or("hive_metastore")),
        [c, s, t] => format!("{c}.{s}.{t}"),
        _ => {
            return Err(syntax(format!(
                "Syntax error at or near '{}': a table name has at most three parts.",
                parts.join(".")
            )));
        }
    };
    Ok(name.to_ascii_lowercase())
}

/// A column reference, with struct fields read out of their JSON text.
fn column_ref(parts: &[String], function: bool) -> String {
    if function {
        return parts.join(".");
    }
    let n = parts.len();
    if n >= 2
        && STRUCT_COLUMNS
            .iter()
            .any(|s| parts[n - 2].eq_ignore_ascii_case(s))
    {
        let base: Vec<String> = parts[..n - 1].iter().map(|p| sql_ident(p)).collect();
        return format!(
            "json_extract({}, '$.{}')",
            base.join("."),
            parts[n - 1].replace('\'', "")
        );
    }
    parts
        .iter()
        .map(|p| quote_if_needed(p))
        .collect::<Vec<_>>()
        .join(".")
}

/// Keywords stay bare; everything else is quoted so reserved words work as column names.
fn quote_if_needed(p: &str) -> String {
    if p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        p.to_string()
    } else {
        sql_ident(p)
    }
}

/// A selected struct field with no alias is named after the field, as Databricks names it.
fn field_alias(toks: &[Tok], start: usize, next: usize, parts: &[String]) -> Option<String> {
    let n = parts.len();
    let is_field = n >= 2
        && STRUCT_COLUMNS
            .iter()
            .any(|s| parts[n - 2].eq_ignore_ascii_case(s));
    if !is_field {
        return None;
    }
    let prev = start.checked_sub(1).map(|p| &toks[p]);
    let opens = prev.is_some_and(|p| p.is_word("SELECT") || p.is_word("DISTINCT") || p.is_sym(","));
    let closes = match toks.get(next) {
        None => true,
        Some(t) => t.is_sym(",") || t.is_word("FROM"),
    };
    // Only a whole select item: `SELECT a.b, …` and not `WHERE a.b = …` or `f(a.b, …)`.
    let in_select = opens && closes && enclosing_clause_is_select(toks, start);
    in_select.then(|| parts[n - 1].clone())
}

fn enclosing_clause_is_select(toks: &[Tok], at: usize) -> bool {
    let mut depth = 0i32;
    for t in toks[..at].iter().rev() {
        if t.is_sym(")") {
            depth += 1;
        } else if t.is_sym("(") {
            if depth == 0 {
                return false;
            }
            depth -= 1;
        } else if depth == 0 {
            if t.is_word("SELECT") {
                return true;
            }
            if [
                "FROM", "WHERE", "GROUP", "ORDER", "HAVING", "LIMIT", "ON", "BY",
            ]
            .iter()
            .any(|k| t.is_word(k))
            {
                return false;
            }
        }
    }
    false
}

/// Removes and returns the operand an interval applies to: the last output piece, or the whole
/// parenthesised group (with its function name) when it ends with `)`.
fn pop_primary(out: &mut Vec<String>) -> Option<String> {
    let last = out.last()?;
    if last == ")" {
        let mut depth = 0;
        let mut start = None;
        for (k, piece) in out.iter().enumerate().rev() {
            if piece == ")" {
                depth += 1;
            } else if piece == "(" {
                depth -= 1;
                if depth == 0 {
                    start = Some(k);
                    break;
                }
            }
        }
        let mut start = start?;
        if start > 0
            && out[start - 1]
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            start -= 1;
        }
        let piece = out[start..].join(" ");
        out.truncate(start);
        return Some(piece);
    }
    if last == "(" || last == "," || is_operator(last) {
        return None;
    }
    out.pop()
}

fn is_operator(piece: &str) -> bool {
    !piece.is_empty() && piece.chars().all(|c| "=<>!+-*/%|".contains(c))
}

/// The top-level items of the outermost SELECT.
fn outer_select_items(toks: &[Tok]) -> Vec<Vec<Tok>> {
    let mut depth = 0;
    for (k, t) in toks.iter().enumerate() {
        if t.is_sym("(") {
            depth += 1;
        } else if t.is_sym(")") {
            depth -= 1;
        } else if depth == 0 && t.is_word("SELECT") {
            return select_items(toks, k);
        }
    }
    Vec::new()
}

/// The items between `SELECT` at `start` and its `FROM` (or the end), split on top-level commas.
fn select_items(toks: &[Tok], start: usize) -> Vec<Vec<Tok>> {
    let mut items = vec![Vec::new()];
    let mut depth = 0;
    let mut k = start + 1;
    if toks
        .get(k)
        .is_some_and(|t| t.is_word("DISTINCT") || t.is_word("ALL"))
    {
        k += 1;
    }
    while k < toks.len() {
        let t = &toks[k];
        if t.is_sym("(") {
            depth += 1;
        } else if t.is_sym(")") {
            if depth == 0 {
                break;
            }
            depth -= 1;
        } else if depth == 0
            && [
                "FROM", "WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "UNION",
            ]
            .iter()
            .any(|w| t.is_word(w))
        {
            break;
        }
        if depth == 0 && t.is_sym(",") {
            items.push(Vec::new());
        } else if let Some(last) = items.last_mut() {
            last.push(t.clone());
        }
        k += 1;
    }
    items.retain(|i| !i.is_empty());
    items
}

fn is_aggregate(item: &[Tok]) -> bool {
    item.windows(2).any(|w| {
        matches!(&w[0], Tok::Word(f) if AGGREGATES.iter().any(|a| f.eq_ignore_ascii_case(a)))
            && w[1].is_sym("(")
    })
}

/// The Databricks type of a select item, from the few shapes whose type is clear.
fn item_type(item: &[Tok]) -> Option<&'static str> {
    // Strip a trailing alias: `expr AS name` or `expr name`.
    let mut expr = item;
    if let Some(pos) = item.iter().rposition(|t| t.is_word("AS")) {
        expr = &item[..pos];
    } else if item.len() >= 2
        && item[item.len() - 1].ident().is_some()
        && !item[item.len() - 2].is_sym(".")
    {
        expr = &item[..item.len() - 1];
    }
    let head = expr.first()?;
    if expr
        .iter()
        .any(|t| t.is_word("INTERVAL") || t.is_word("current_timestamp"))
    {
        return Some("TIMESTAMP");
    }
    if expr.len() > 1 && expr[1].is_sym("(") {
        let f = head.ident()?.to_ascii_lowercase();
        return match f.as_str() {
            "count" => Some("LONG"),
            "date_trunc" => Some("TIMESTAMP"),
            "min" | "max" | "coalesce" | "any_value" => {
                let (parts, _) = ident_chain(expr, 2);
                parts.last().and_then(|p| column_type(p))
            }
            "lower" | "upper" | "concat" | "substr" | "substring" | "trim" => Some("STRING"),
            _ => None,
        };
    }
    let (parts, next) = ident_chain(expr, 0);
    if next == expr.len() {
        return parts.last().and_then(|p| column_type(p));
    }
    None
}

#[cfg(test)]
#[path = "translate_tests.rs"]
mod tests;
