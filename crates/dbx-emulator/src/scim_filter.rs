//! SCIM filter expressions (RFC 7644 §3.4.2.2), the subset Databricks documents: `eq`, `ne`,
//! `co`, `sw`, `ew`, `pr`, `gt`/`ge`/`lt`/`le`, `and`, `or`, `not (…)` and parentheses.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Str(String),
    Bool(bool),
    Num(f64),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Present(String),
    Cmp { attr: String, op: Op, value: Lit },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// Attributes a service-principal filter may name (compared case-insensitively).
const KNOWN: &[&str] = &[
    "id",
    "displayname",
    "applicationid",
    "externalid",
    "active",
    "roles",
    "roles.value",
    "entitlements",
    "entitlements.value",
    "groups",
    "groups.value",
    "groups.display",
    "members",
    "members.value",
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Word(String),
    Quoted(String),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Tok::LParen);
            }
            ')' => {
                chars.next();
                out.push(Tok::RParen);
            }
            '"' => {
                chars.next();
                let mut v = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated string literal".into()),
                        Some('\\') => v.push(chars.next().ok_or("dangling escape")?),
                        Some('"') => break,
                        Some(ch) => v.push(ch),
                    }
                }
                out.push(Tok::Quoted(v));
            }
            _ => {
                let mut w = String::new();
                while let Some(&ch) = chars.peek() {
                    if ch.is_whitespace() || ch == '(' || ch == ')' || ch == '"' {
                        break;
                    }
                    w.push(ch);
                    chars.next();
                }
                out.push(Tok::Word(w));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek_kw(&self, kw: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.peek_kw("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.peek_kw("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }
    fn group(&mut self) -> Result<Filter, String> {
        if self.next() != Some(Tok::LParen) {
            return Err("expected '('".into());
        }
        let inner = self.or()?;
        if self.next() != Some(Tok::RParen) {
            return Err("expected ')'".into());
        }
        Ok(inner)
    }
    fn unary(&mut self) -> Result<Filter, String> {
        if self.peek_kw("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.group()?)));
        }
        if self.toks.get(self.pos) == Some(&Tok::LParen) {
            return self.group();
        }
        let attr = match self.next() {
            Some(Tok::Word(w)) => w,
            other => return Err(format!("expected an attribute name, found {other:?}")),
        };
        if !KNOWN.contains(&attr.to_ascii_lowercase().as_str()) {
            return Err(format!("unsupported filter attribute '{attr}'"));
        }
        let op = match self.next() {
            Some(Tok::Word(w)) => w.to_ascii_lowercase(),
            other => {
                return Err(format!(
                    "expected an operator after '{attr}', found {other:?}"
                ));
            }
        };
        let op = match op.as_str() {
            "pr" => return Ok(Filter::Present(attr)),
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            other => return Err(format!("unsupported operator '{other}'")),
        };
        let value = match self.next() {
            Some(Tok::Quoted(s)) => Lit::Str(s),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Lit::Bool(true),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Lit::Bool(false),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("null") => Lit::Null,
            Some(Tok::Word(w)) => Lit::Num(
                w.parse()
                    .map_err(|_| format!("invalid value '{w}' (quote strings)"))?,
            ),
            other => return Err(format!("expected a value, found {other:?}")),
        };
        Ok(Filter::Cmp { attr, op, value })
    }
}

pub(crate) fn parse(s: &str) -> Result<Filter, String> {
    let mut p = Parser {
        toks: tokenize(s)?,
        pos: 0,
    };
    let f = p.or()?;
    if p.pos < p.toks.len() {
        return Err(format!("unexpected trailing input at token {}", p.pos + 1));
    }
    Ok(f)
}

/// Values of an attribute path on a resource; multi-valued attributes yield each element.
fn values<'a>(res: &'a Value, attr: &str) -> Vec<&'a Value> {
    let (head, sub) = match attr.split_once('.') {
        Some((h, s)) => (h, Some(s)),
        None => (attr, None),
    };
    let Some(obj) = res.as_object() else {
        return Vec::new();
    };
    let Some(v) = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(head))
        .map(|(_, v)| v)
    else {
        return Vec::new();
    };
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    match sub {
        None => items
            .into_iter()
            .map(|i| i.as_object().and_then(|o| o.get("value")).unwrap_or(i))
            .collect(),
        Some(s) => items
            .into_iter()
            .filter_map(|i| {
                i.as_object()?
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(s))
                    .map(|(_, v)| v)
            })
            .collect(),
    }
}

fn compare(v: &Value, op: Op, lit: &Lit) -> bool {
    // Strings compare case-insensitively (SP attributes are caseExact=false); booleans also
    // match their quoted spelling since clients send both.
    let lhs = match v {
        Value::String(s) => s.to_lowercase(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => return false,
    };
    let rhs = match lit {
        Lit::Str(s) => s.to_lowercase(),
        Lit::Bool(b) => b.to_string(),
        Lit::Num(n) => n.to_string(),
        Lit::Null => return false,
    };
    match op {
        Op::Eq => lhs == rhs,
        Op::Ne => lhs != rhs,
        Op::Co => lhs.contains(&rhs),
        Op::Sw => lhs.starts_with(&rhs),
        Op::Ew => lhs.ends_with(&rhs),
        Op::Gt => lhs > rhs,
        Op::Ge => lhs >= rhs,
        Op::Lt => lhs < rhs,
        Op::Le => lhs <= rhs,
    }
}

pub(crate) fn matches(f: &Filter, res: &Value) -> bool {
    match f {
        Filter::And(a, b) => matches(a, res) && matches(b, res),
        Filter::Or(a, b) => matches(a, res) || matches(b, res),
        Filter::Not(a) => !matches(a, res),
        Filter::Present(attr) => values(res, attr).iter().any(|v| !v.is_null()),
        Filter::Cmp {
            attr,
            op: Op::Ne,
            value,
        } => !values(res, attr).iter().any(|v| compare(v, Op::Eq, value)),
        Filter::Cmp { attr, op, value } => values(res, attr).iter().any(|v| compare(v, *op, value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_evaluates() {
        let sp = json!({"id":"1","displayName":"etl-nightly","active":true,"roles":[{"value":"account_admin"}]});
        let ok = |f: &str| matches(&parse(f).unwrap(), &sp);
        assert!(ok(r#"displayName co "NIGHT""#));
        assert!(ok(r#"DISPLAYNAME sw "etl" and active eq true"#));
        assert!(ok(
            r#"id eq "2" or (displayName ew "ly" and not (active eq false))"#
        ));
        assert!(ok(r#"externalId ne "x""#));
        assert!(!ok("externalId pr"));
        assert!(ok(r#"roles.value eq "account_admin""#));
        assert!(parse(r#"displayName zz "x""#).is_err());
        assert!(parse(r#"displayName eq "x" and"#).is_err());
        assert!(parse(r#"nosuch eq "x""#).is_err());
        assert!(parse(r#"displayName eq "unterminated"#).is_err());
    }
}
