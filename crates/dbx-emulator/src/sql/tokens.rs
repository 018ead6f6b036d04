//! The tokenizer of the SQL translation: Databricks literals, quoted names and parameters.

use super::translate::TranslateError;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// Unquoted identifier or keyword (original spelling).
    Word(String),
    /// A backquoted identifier.
    Quoted(String),
    Number(String),
    Str(String),
    Param(String),
    /// Any operator or punctuation, as written (`(`, `)`, `,`, `.`, `>=`, `;` …).
    Sym(String),
}

impl Tok {
    pub fn is_word(&self, w: &str) -> bool {
        matches!(self, Tok::Word(s) if s.eq_ignore_ascii_case(w))
    }
    pub fn is_sym(&self, s: &str) -> bool {
        matches!(self, Tok::Sym(x) if x == s)
    }
    pub fn ident(&self) -> Option<&str> {
        match self {
            Tok::Word(s) | Tok::Quoted(s) => Some(s),
            _ => None,
        }
    }
}

pub(crate) fn syntax(message: impl Into<String>) -> TranslateError {
    TranslateError {
        class: "PARSE_SYNTAX_ERROR",
        message: message.into(),
    }
}

pub(crate) fn tokenize(sql: &str) -> Result<Vec<Tok>, TranslateError> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            let end = (i + 2..chars.len().saturating_sub(1))
                .find(|&j| chars[j] == '*' && chars[j + 1] == '/')
                .ok_or_else(|| syntax("Unclosed bracketed comment."))?;
            i = end + 2;
        } else if c == '\'' || c == '"' {
            let (s, next) = string_literal(&chars, i)?;
            out.push(Tok::Str(s));
            i = next;
        } else if c == '`' {
            let end = (i + 1..chars.len())
                .find(|&j| chars[j] == '`')
                .ok_or_else(|| syntax("Unclosed quoted identifier."))?;
            out.push(Tok::Quoted(chars[i + 1..end].iter().collect()));
            i = end + 1;
        } else if c == ':' && chars.get(i + 1).is_some_and(|n| is_ident_start(*n)) {
            let start = i + 1;
            i = start;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            out.push(Tok::Param(chars[start..i].iter().collect()));
        } else if is_ident_start(c) {
            let start = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            out.push(Tok::Number(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let len = if [">=", "<=", "<>", "!=", "||", "::", "=="].contains(&two.as_str()) {
                2
            } else {
                1
            };
            let sym: String = chars[i..i + len].iter().collect();
            if sym == "::" {
                return Err(syntax(
                    "The `::` cast syntax is not supported by the emulator; use CAST(x AS type).",
                ));
            }
            out.push(Tok::Sym(sym));
            i += len;
        }
    }
    Ok(out)
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A Databricks string literal: `\` escapes and doubled quotes both work.
fn string_literal(chars: &[char], start: usize) -> Result<(String, usize), TranslateError> {
    let quote = chars[start];
    let mut s = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            s.push(match chars[i + 1] {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '0' => '\0',
                other => other,
            });
            i += 2;
        } else if c == quote && chars.get(i + 1) == Some(&quote) {
            s.push(quote);
            i += 2;
        } else if c == quote {
            return Ok((s, i + 1));
        } else {
            s.push(c);
            i += 1;
        }
    }
    Err(syntax(
        "Syntax error at or near end of input: unclosed string literal.",
    ))
}
