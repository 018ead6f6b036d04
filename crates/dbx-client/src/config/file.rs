//! The `.databrickscfg` reader.
//!
//! A small line parser rather than `rust-ini`: with `inline-comment`, rust-ini does cut at
//! whitespace + `#`/`;` and keeps `abc#def`, but it also interprets `\` escapes and quotes in
//! values (mangling tokens and passwords), reads a line without `=` or an unclosed `[` on into
//! the following lines instead of failing, and silently accepts keys before any section. The
//! rules below follow go-ini with `SpaceBeforeInlineComment` as the Go SDK loads it, except
//! that a key before any section is an error (as in Python's ConfigParser).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::ConfigError;
use super::profile::{Profile, ProfileSource, parse_bool};

/// A parsed config file: its profiles in file order and `[__settings__] default_profile`.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub profiles: Vec<Profile>,
    pub default_profile: Option<String>,
}

/// Reserved for tool settings (`databricks auth switch` writes here); never a profile.
pub(crate) const SETTINGS_SECTION: &str = "__settings__";

/// Boolean keys checked at parse time, so a typo is reported with its line instead of being
/// read as false (`read_only` guards against writes; guessing there is unsafe).
const BOOL_KEYS: &[(&str, &str)] = &[
    ("read_only", "`read_only` must be true or false"),
    ("azure_use_msi", "`azure_use_msi` must be true or false"),
    ("skip_verify", "`skip_verify` must be true or false"),
    ("debug_headers", "`debug_headers` must be true or false"),
];

impl ConfigFile {
    /// The named profile, if its section exists.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// Names of the sections that hold at least one key; an empty section is no profile to Go.
    pub fn profile_names(&self) -> Vec<String> {
        self.profiles
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| p.name.clone())
            .collect()
    }
}

/// Reads and parses `path`. A missing file is [`ConfigError::NotFound`] so the caller can fall
/// back to the environment.
pub fn load_config_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let bytes = std::fs::read(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ConfigError::NotFound {
            path: path.to_owned(),
        },
        _ => ConfigError::Io {
            path: path.to_owned(),
            source,
        },
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        syntax(path, line, "not UTF-8 text (is this a binary file?)")
    })?;
    parse_config(path, &text)
}

fn syntax(path: &Path, line: usize, message: &'static str) -> ConfigError {
    ConfigError::Syntax {
        path: path.to_owned(),
        line,
        message,
    }
}

/// Parses config text; `path` names the file in errors and in each profile's source.
pub fn parse_config(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Sections in file order; a repeated header continues the earlier section (go-ini).
    let mut sections: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    let mut current: Option<usize> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.chars().any(|c| c.is_control() && c != '\t') {
            return Err(syntax(
                path,
                line_no,
                "unexpected control character (is this a binary file?)",
            ));
        }
        let t = line.trim();
        if t.is_empty() || t.starts_with(['#', ';']) {
            continue;
        }
        if let Some(rest) = t.strip_prefix('[') {
            // Text after `]` is ignored, as go-ini and ConfigParser both do.
            let Some(end) = rest.find(']') else {
                return Err(syntax(path, line_no, "section header has no closing `]`"));
            };
            let name = rest[..end].trim();
            if name.is_empty() {
                return Err(syntax(path, line_no, "empty section name `[]`"));
            }
            current = Some(
                if let Some(idx) = sections.iter().position(|(n, _)| n == name) {
                    idx
                } else {
                    sections.push((name.to_owned(), BTreeMap::new()));
                    sections.len() - 1
                },
            );
            continue;
        }
        // go-ini and ConfigParser both accept `:` as well as `=`; the first one splits.
        let Some(pos) = t.find(['=', ':']) else {
            return Err(syntax(path, line_no, "expected `key = value`"));
        };
        let key = t[..pos].trim().to_lowercase();
        if key.is_empty() {
            return Err(syntax(path, line_no, "missing key name before `=`"));
        }
        // `host https://x` splits at the `:` of the URL into the key `host https`: no key
        // Databricks reads has a space, so this is a missing `=`, not a key to ignore.
        if key.contains(char::is_whitespace) {
            return Err(syntax(
                path,
                line_no,
                "expected `key = value` (a key name has no spaces: is an `=` missing?)",
            ));
        }
        let Some(idx) = current else {
            return Err(syntax(
                path,
                line_no,
                "`key = value` before any `[section]` header",
            ));
        };
        let value = clean_value(&t[pos + 1..]);
        if let Some((_, message)) = BOOL_KEYS.iter().find(|(k, _)| *k == key)
            && !value.is_empty()
            && parse_bool(value).is_none()
        {
            return Err(syntax(path, line_no, message));
        }
        sections[idx].1.insert(key, value.to_owned());
    }

    let mut default_profile = None;
    let mut profiles = Vec::new();
    for (name, map) in sections {
        if name == SETTINGS_SECTION {
            default_profile = map
                .get("default_profile")
                .filter(|v| !v.is_empty())
                .cloned();
        } else {
            profiles.push(Profile::from_map(
                &name,
                map,
                ProfileSource::File(path.to_owned()),
            ));
        }
    }
    Ok(ConfigFile {
        path: path.to_owned(),
        profiles,
        default_profile,
    })
}

/// The value after `=`: an inline comment starts only at whitespace + `#`/`;` (so `abc#def`
/// survives, Go SDK issue #594), then one pair of surrounding quotes is dropped as go-ini does.
fn clean_value(v: &str) -> &str {
    let v = v.trim_start();
    let b = v.as_bytes();
    let cut = (1..b.len())
        .find(|&i| matches!(b[i], b'#' | b';') && matches!(b[i - 1], b' ' | b'\t'))
        .unwrap_or(b.len());
    let v = v[..cut].trim_end();
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) && v.matches(q).count() == 2 {
            return &v[1..v.len() - 1];
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        for (raw, want) in [
            (" abc#def", "abc#def"),
            (" abc #def", "abc"),
            (" abc\t;x", "abc"),
            (" #abc", "#abc"),
            ("  ", ""),
            (" \"quoted # cut\" ", "\"quoted"),
            (" \"quoted\" ", "quoted"),
            (" 'x'", "x"),
            (" 'a'b'", "'a'b'"),
            (" \"", "\""),
            (" a\\nb", "a\\nb"),
        ] {
            assert_eq!(clean_value(raw), want, "{raw:?}");
        }
    }
}
