//! Inline validation of what the user types into the network-policy editor (docs/wire-facts.md §1.3).
//!
//! Every check is pure and returns one short sentence that fits next to the input field. The
//! server is the final judge; these checks catch typos before a full-policy PUT.
//!
//! **Wildcards.** docs/wire-facts.md documents `destination` as an FQDN (`example.com`) and describes no
//! wildcard syntax, so `*` is refused everywhere. The docs also say an FQDN rule already allows
//! any domain that shares its IP address; anything else (each subdomain) must be listed one by
//! one. Whether Databricks would accept `*.example.com` is UNCONFIRMED.

use super::{InternetDestination, StorageDestination, StorageDestinationType};
use std::net::IpAddr;

/// Longest label and name in DNS (RFC 1035 §2.3.4).
const MAX_LABEL: usize = 63;
const MAX_NAME: usize = 253;

/// Azure storage services with their own endpoint (`{account}.{service}.core.windows.net`).
/// docs/wire-facts.md only names "blob" and "dfs"; the rest is the Azure endpoint list, UNCONFIRMED for
/// Databricks network policies.
pub const AZURE_STORAGE_SERVICES: &[&str] = &["blob", "dfs", "file", "queue", "table"];

/// Why a destination (or one of its fields) cannot be added. The message is one sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidDestination {
    #[error("enter a DNS name such as pypi.org")]
    Empty,
    #[error("a DNS name has no spaces inside it")]
    Whitespace,
    #[error("a DNS name has no scheme: remove \"{0}\"")]
    Scheme(String),
    #[error("a DNS name has no user part: remove \"{0}\"")]
    UserInfo(String),
    #[error("a DNS name has no path: remove \"{0}\"")]
    Path(String),
    #[error("a DNS name has no query: remove \"{0}\"")]
    Query(String),
    #[error("a DNS name has no port: remove \"{0}\"")]
    Port(String),
    /// `*` anywhere. A deliberate refusal: docs/wire-facts.md documents no wildcard syntax, and whether
    /// Databricks accepts `*.example.com` is UNCONFIRMED (see the module doc).
    #[error(
        "wildcards are not supported: a name already allows any domain sharing its IP; list each subdomain"
    )]
    Wildcard,
    #[error("{0} is an IP address, not a DNS name; allow its DNS name instead")]
    IpAddress(String),
    #[error("\"{0}\" is not allowed in a DNS name: use letters, digits, hyphens and dots")]
    BadChar(char),
    #[error("the name has an empty label: remove the extra dot")]
    EmptyLabel,
    #[error("label \"{label}\" is {len} characters; each label is at most 63")]
    LabelTooLong { label: String, len: usize },
    #[error("label \"{0}\" starts or ends with a hyphen")]
    HyphenEdge(String),
    #[error("the name is {0} characters; a DNS name is at most 253")]
    NameTooLong(usize),
    #[error("\"{0}\" is a single label; enter a full name such as example.com")]
    SingleLabel(String),
    #[error("the last label \"{0}\" is all digits; no top-level domain is numeric")]
    NumericTld(String),
    #[error("\"{0}\" is not a valid internationalised name")]
    Idna(String),
    #[error("{0} is already in the allow-list")]
    Duplicate(String),
    #[error("choose a storage type: AWS_S3, AZURE_STORAGE or GOOGLE_CLOUD_STORAGE")]
    MissingStorageType,
    #[error("storage type {0} is not known to this version")]
    UnknownStorageType(String),
    #[error("{kind} needs {field}")]
    MissingField {
        kind: &'static str,
        field: &'static str,
    },
    #[error("{kind} has no {field}: clear it")]
    FieldNotApplicable {
        kind: &'static str,
        field: &'static str,
    },
    #[error("bucket \"{name}\": {reason}")]
    InvalidBucket { name: String, reason: String },
    #[error("\"{0}\" does not look like an AWS region such as us-west-2")]
    InvalidRegion(String),
    #[error("storage account \"{0}\" must be 3-24 lowercase letters and digits")]
    InvalidAzureAccount(String),
    #[error("unknown Azure storage service \"{service}\"; known: {known}")]
    UnknownAzureService { service: String, known: String },
}

use InvalidDestination as E;

/// The Unicode form of a punycode (`xn--`) name, for showing next to it; `None` when the name
/// has no such label or does not decode.
pub fn unicode_form(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if !lower.split('.').any(|label| label.starts_with("xn--")) {
        return None;
    }
    match idna::domain_to_unicode(&lower) {
        (unicode, Ok(())) if unicode != lower => Some(unicode),
        _ => None,
    }
}

/// A destination the user typed, normalised, or why not.
///
/// Accepts `PyPI.org.` and `bücher.example`; returns `pypi.org` and `xn--bcher-kva.example`.
pub fn normalize_dns_name(input: &str) -> Result<String, InvalidDestination> {
    let s = input.trim();
    if s.is_empty() {
        return Err(E::Empty);
    }
    if s.chars().any(char::is_whitespace) {
        return Err(E::Whitespace);
    }
    // URL parts first: a pasted URL is the most common mistake, and the fix is obvious.
    if let Some(i) = s.find("://") {
        return Err(E::Scheme(s[..i + 3].to_owned()));
    }
    if s.contains('*') {
        return Err(E::Wildcard);
    }
    if let Some(i) = s.find('@') {
        return Err(E::UserInfo(s[..=i].to_owned()));
    }
    if let Some(i) = s.find('/') {
        return Err(E::Path(s[i..].to_owned()));
    }
    if let Some(i) = s.find(['?', '#']) {
        return Err(E::Query(s[i..].to_owned()));
    }
    if let Some(ip) = as_ip(s) {
        return Err(E::IpAddress(ip));
    }
    if let Some(i) = s.rfind(':') {
        let host = &s[..i];
        return match as_ip(host) {
            Some(ip) => Err(E::IpAddress(ip)),
            None => Err(E::Port(s[i..].to_owned())),
        };
    }
    // Report ASCII punctuation ourselves; non-ASCII goes to IDNA, which knows what it allows.
    if let Some(c) = s
        .chars()
        .find(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Err(E::BadChar(c));
    }
    // One trailing dot is the DNS root; strip it so `a.com.` and `a.com` compare equal.
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.split('.').any(str::is_empty) {
        return Err(E::EmptyLabel);
    }
    let ascii = idna::domain_to_ascii(s).map_err(|_| E::Idna(s.to_owned()))?;
    // UTS-46 mapping can turn exotic characters into ASCII; check the result again.
    if let Some(c) = ascii
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Err(E::BadChar(c));
    }
    let ascii = ascii.strip_suffix('.').unwrap_or(&ascii).to_owned();
    let labels: Vec<&str> = ascii.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err(E::EmptyLabel);
        }
        if label.len() > MAX_LABEL {
            return Err(E::LabelTooLong {
                label: abbreviate(label),
                len: label.len(),
            });
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(E::HyphenEdge((*label).to_owned()));
        }
    }
    if ascii.len() > MAX_NAME {
        return Err(E::NameTooLong(ascii.len()));
    }
    if labels.len() < 2 {
        return Err(E::SingleLabel(ascii));
    }
    let tld = labels[labels.len() - 1];
    if tld.bytes().all(|b| b.is_ascii_digit()) {
        // `10.0.1` or `1.2.3.4.5`: URL parsers read a numeric last label as IPv4.
        return Err(E::NumericTld(tld.to_owned()));
    }
    Ok(ascii)
}

/// The address if `s` (optionally bracketed or with a trailing dot) is an IPv4/IPv6 literal.
fn as_ip(s: &str) -> Option<String> {
    let bare = s
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(s);
    let bare = bare.strip_suffix('.').unwrap_or(bare);
    bare.parse::<IpAddr>().ok().map(|ip| ip.to_string())
}

/// First characters of a long label, so the message stays one line.
fn abbreviate(label: &str) -> String {
    let head: String = label.chars().take(12).collect();
    if head.len() < label.len() {
        format!("{head}…")
    } else {
        head
    }
}

/// `^[a-zA-Z0-9_.-]{1,32}$` (docs/wire-facts.md §1.3), with a message naming the rule that failed.
pub fn validate_policy_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("enter a policy id of 1-32 letters, digits, \"_\", \".\" or \"-\"".into());
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        let shown = if c.is_whitespace() {
            "a space".to_owned()
        } else {
            format!("\"{c}\"")
        };
        return Err(format!(
            "{shown} is not allowed in a policy id: use letters, digits, \"_\", \".\" or \"-\""
        ));
    }
    let n = id.chars().count();
    if n > 32 {
        return Err(format!("the policy id is {n} characters; at most 32"));
    }
    Ok(())
}

/// Normalise, then refuse a name already in `existing` (compared after punycode, any case).
pub fn check_new_dns_destination(
    input: &str,
    existing: &[InternetDestination],
) -> Result<String, InvalidDestination> {
    let name = normalize_dns_name(input)?;
    let clash = existing.iter().any(|d| {
        // Entries from the server may predate these rules; fall back to a plain comparison.
        let other = normalize_dns_name(&d.destination).unwrap_or_else(|_| {
            d.destination
                .trim()
                .trim_end_matches('.')
                .to_ascii_lowercase()
        });
        other == name
    });
    if clash {
        Err(E::Duplicate(name))
    } else {
        Ok(name)
    }
}

/// Checks the fields each cloud needs; see the per-cloud helpers for the naming rules.
pub fn validate_storage_destination(d: &StorageDestination) -> Result<(), InvalidDestination> {
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let need = |v: &Option<String>, kind, field| -> Result<String, InvalidDestination> {
        match v.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => Ok(s.to_owned()),
            _ => Err(E::MissingField { kind, field }),
        }
    };
    let refuse = |v: &Option<String>, kind, field| {
        if set(v) {
            Err(E::FieldNotApplicable { kind, field })
        } else {
            Ok(())
        }
    };
    match &d.storage_destination_type {
        None => Err(E::MissingStorageType),
        Some(StorageDestinationType::Other(t)) => Err(E::UnknownStorageType(t.clone())),
        Some(StorageDestinationType::AwsS3) => {
            let kind = "an S3 destination";
            refuse(&d.azure_storage_account, kind, "azure_storage_account")?;
            refuse(&d.azure_storage_service, kind, "azure_storage_service")?;
            check_s3_bucket(&need(&d.bucket_name, kind, "bucket_name")?)?;
            check_aws_region(&need(&d.region, kind, "region")?)
        }
        Some(StorageDestinationType::GoogleCloudStorage) => {
            let kind = "a GCS destination";
            refuse(&d.region, kind, "region")?;
            refuse(&d.azure_storage_account, kind, "azure_storage_account")?;
            refuse(&d.azure_storage_service, kind, "azure_storage_service")?;
            check_gcs_bucket(&need(&d.bucket_name, kind, "bucket_name")?)
        }
        Some(StorageDestinationType::AzureStorage) => {
            let kind = "an Azure destination";
            refuse(&d.bucket_name, kind, "bucket_name")?;
            refuse(&d.region, kind, "region")?;
            check_azure_account(&need(
                &d.azure_storage_account,
                kind,
                "azure_storage_account",
            )?)?;
            let service = need(&d.azure_storage_service, kind, "azure_storage_service")?;
            if AZURE_STORAGE_SERVICES.contains(&service.as_str()) {
                Ok(())
            } else {
                Err(E::UnknownAzureService {
                    service,
                    known: AZURE_STORAGE_SERVICES.join(", "),
                })
            }
        }
    }
}

/// Normalised (trimmed, lower-cased) and validated; refused if `existing` already covers it.
///
/// S3 and GCS bucket names are globally unique, so the bucket alone identifies a destination;
/// an Azure destination is its account plus service.
pub fn check_new_storage_destination(
    d: &StorageDestination,
    existing: &[StorageDestination],
) -> Result<StorageDestination, InvalidDestination> {
    let n = normalize_storage(d);
    validate_storage_destination(&n)?;
    let key = storage_key(&n);
    if existing
        .iter()
        .any(|e| storage_key(&normalize_storage(e)) == key)
    {
        return Err(E::Duplicate(n.label()));
    }
    Ok(n)
}

fn normalize_storage(d: &StorageDestination) -> StorageDestination {
    let low = |v: &Option<String>| {
        v.as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
    };
    StorageDestination {
        storage_destination_type: d.storage_destination_type.clone(),
        bucket_name: low(&d.bucket_name),
        region: low(&d.region),
        azure_storage_account: low(&d.azure_storage_account),
        azure_storage_service: low(&d.azure_storage_service),
        extra: d.extra.clone(),
    }
}

fn storage_key(d: &StorageDestination) -> (String, Option<String>, Option<String>, Option<String>) {
    let kind = d
        .storage_destination_type
        .as_ref()
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default();
    match d.storage_destination_type {
        Some(StorageDestinationType::AzureStorage) => (
            kind,
            None,
            d.azure_storage_account.clone(),
            d.azure_storage_service.clone(),
        ),
        _ => (kind, d.bucket_name.clone(), None, None),
    }
}

fn bucket_err(name: &str, reason: impl Into<String>) -> InvalidDestination {
    E::InvalidBucket {
        name: name.to_owned(),
        reason: reason.into(),
    }
}

/// AWS general-purpose bucket naming rules (S3 User Guide, "Bucket naming rules").
fn check_s3_bucket(name: &str) -> Result<(), InvalidDestination> {
    let len = name.chars().count();
    if !(3..=63).contains(&len) {
        return Err(bucket_err(
            name,
            format!("is {len} characters; S3 allows 3-63"),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return Err(bucket_err(
            name,
            format!("\"{c}\" is not allowed; use lowercase letters, digits, dots, hyphens"),
        ));
    }
    edges_alnum(name)?;
    if name.contains("..") {
        return Err(bucket_err(name, "two dots in a row are not allowed"));
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(bucket_err(name, "an IP address is not a bucket name"));
    }
    for p in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(p) {
            return Err(bucket_err(name, format!("S3 reserves the prefix \"{p}\"")));
        }
    }
    for s in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(s) {
            return Err(bucket_err(name, format!("S3 reserves the suffix \"{s}\"")));
        }
    }
    Ok(())
}

/// Google Cloud Storage bucket naming rules (cloud.google.com/storage/docs/buckets#naming).
fn check_gcs_bucket(name: &str) -> Result<(), InvalidDestination> {
    let len = name.chars().count();
    let max = if name.contains('.') { 222 } else { 63 };
    if len < 3 || len > max {
        return Err(bucket_err(
            name,
            format!("is {len} characters; GCS allows 3-{max}"),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')))
    {
        return Err(bucket_err(
            name,
            format!(
                "\"{c}\" is not allowed; use lowercase letters, digits, dots, hyphens, underscores"
            ),
        ));
    }
    edges_alnum(name)?;
    if let Some(part) = name.split('.').find(|p| p.is_empty() || p.len() > 63) {
        let why = if part.is_empty() {
            "two dots in a row are not allowed"
        } else {
            "each dot-separated part is at most 63 characters"
        };
        return Err(bucket_err(name, why));
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(bucket_err(name, "an IP address is not a bucket name"));
    }
    if name.starts_with("goog") || name.contains("google") || name.contains("g00gle") {
        return Err(bucket_err(
            name,
            "GCS reserves names starting with \"goog\" or containing \"google\"",
        ));
    }
    Ok(())
}

fn edges_alnum(name: &str) -> Result<(), InvalidDestination> {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if alnum(name.chars().next()) && alnum(name.chars().last()) {
        Ok(())
    } else {
        Err(bucket_err(
            name,
            "must start and end with a letter or digit",
        ))
    }
}

/// `us-west-2`, `eu-central-1`, `us-gov-west-1`, `us-isob-east-1`: two letters, one or two
/// word parts, a number. Shape only; new regions appear too often for a fixed list.
fn check_aws_region(region: &str) -> Result<(), InvalidDestination> {
    let parts: Vec<&str> = region.split('-').collect();
    let word = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let ok = (3..=4).contains(&parts.len())
        && parts[0].len() == 2
        && parts[..parts.len() - 1].iter().all(word)
        && parts[parts.len() - 1].len() <= 2
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if ok {
        Ok(())
    } else {
        Err(E::InvalidRegion(region.to_owned()))
    }
}

fn check_azure_account(account: &str) -> Result<(), InvalidDestination> {
    let ok = (3..=24).contains(&account.len())
        && account
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(E::InvalidAzureAccount(account.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punycode_names_have_a_unicode_form_to_show() {
        assert_eq!(
            unicode_form("xn--bcher-kva.example").as_deref(),
            Some("bücher.example")
        );
        assert_eq!(unicode_form("pypi.org"), None);
        assert_eq!(unicode_form("xn--.example"), None);
    }

    #[test]
    fn normalises_case_dot_and_idn() {
        assert_eq!(normalize_dns_name(" PyPI.org. ").unwrap(), "pypi.org");
        assert_eq!(
            normalize_dns_name("bücher.example").unwrap(),
            "xn--bcher-kva.example"
        );
    }

    #[test]
    fn url_parts_are_named() {
        assert_eq!(
            normalize_dns_name("https://a.com"),
            Err(E::Scheme("https://".into()))
        );
        assert_eq!(normalize_dns_name("a.com:443"), Err(E::Port(":443".into())));
        assert_eq!(
            normalize_dns_name("10.0.0.1"),
            Err(E::IpAddress("10.0.0.1".into()))
        );
    }

    #[test]
    fn regions() {
        for ok in [
            "us-west-2",
            "eu-central-1",
            "us-gov-west-1",
            "ap-southeast-4",
            "us-isob-east-1",
        ] {
            assert!(check_aws_region(ok).is_ok(), "{ok}");
        }
        for bad in [
            "uswest2",
            "us-west",
            "US-WEST-2",
            "west-2",
            "u-west-2",
            "us-west-2a",
        ] {
            assert!(check_aws_region(bad).is_err(), "{bad}");
        }
    }
}
