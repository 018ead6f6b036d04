//! `dbx-tui auth check` and `auth profiles`: resolve a profile, get a token, make one cheap call,
//! and name what went wrong for what it is (never one "invalid" for every failure).

use super::AuthError;
use super::azure_msi::MsiFailure;
use super::databricks_cli::CliFailure;
use crate::api::{ApiError, scim, workspaces};
use crate::config::{AuthMethod, Profile, ProfileKind};
use std::time::{Duration, SystemTime};

/// What failed, in the user's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    MalformedConfig,
    MissingKeyringEntry,
    NoKeyringService,
    CredentialRefused,
    TokenEndpointDown,
    ExpiredToken,
    InvalidToken,
    WrongAudience,
    WrongCredentialKind,
    PermissionDenied,
    Gateway,
    Unreachable,
    Tls,
    HtmlInsteadOfJson,
    Redirected,
    Untrusted,
    Timeout,
    NotSignedIn,
    CliMissing,
    /// The managed identity asked for is not on this machine.
    IdentityNotAssigned,
    /// `/Me` answered, but with no identity in it.
    NoIdentity,
    /// A gateway-only profile (no token sent) was refused: the gateway's own identity is.
    GatewayIdentity,
    Other,
}

impl Failure {
    pub fn label(self) -> &'static str {
        match self {
            Self::MalformedConfig => "malformed config",
            Self::MissingKeyringEntry => "missing keyring entry",
            Self::NoKeyringService => "no keyring service",
            Self::CredentialRefused => "credential refused by the token endpoint",
            Self::TokenEndpointDown => "token endpoint unavailable",
            Self::ExpiredToken => "expired token",
            Self::InvalidToken => "invalid token",
            Self::WrongAudience => "wrong audience",
            Self::WrongCredentialKind => "wrong kind of credential for this API",
            Self::PermissionDenied => "permission denied",
            Self::Gateway => "gateway refused",
            Self::Unreachable => "host unreachable",
            Self::Tls => "TLS error",
            Self::HtmlInsteadOfJson => "HTML instead of JSON",
            Self::Redirected => "redirected",
            Self::Untrusted => "untrusted endpoint",
            Self::Timeout => "timed out",
            Self::NotSignedIn => "not signed in",
            Self::CliMissing => "Databricks CLI not found",
            Self::IdentityNotAssigned => "identity not assigned",
            Self::NoIdentity => "no identity in the answer",
            Self::GatewayIdentity => "the gateway's own identity was refused",
            Self::Other => "failed",
        }
    }
}

/// The result for one profile. Holds no secret.
#[derive(Clone, Debug)]
pub struct CheckReport {
    pub profile: String,
    pub host: String,
    pub method: String,
    pub why: String,
    pub principal: Option<String>,
    pub expires_at: Option<SystemTime>,
    /// Plain http to a remote host, an ignored `skip_verify` (see [`super::transport::warning`]).
    pub warning: Option<String>,
    pub outcome: Result<String, (Failure, String)>,
}

/// Why the SDK rules picked this auth method for the profile.
pub fn why_chosen(p: &Profile) -> String {
    let gw = if p.has("gateway_headers") {
        ", plus the gateway_headers"
    } else {
        ""
    };
    if let Some(t) = &p.auth_type {
        return format!("auth_type = {t} in the profile{gw}");
    }
    let reason = match p.auth_method() {
        Ok(AuthMethod::Pat) => "token is set",
        Ok(AuthMethod::OAuthM2M) => "client_id and client_secret are set",
        Ok(AuthMethod::Other(m)) => match m.as_str() {
            "azure-msi" => "azure_use_msi = true on an Azure host",
            "azure-client-secret" => {
                "azure_client_id, azure_client_secret and azure_tenant_id are set on an Azure host"
            }
            "azure-cli" => "an Azure key without a client secret: the Azure CLI's login",
            "google-credentials" => "google_credentials is set on a GCP host",
            "google-id" => "google_service_account is set on a GCP host",
            "gateway" => "only gateway_headers is set: the gateway authenticates",
            _ => "the first SDK strategy whose keys are present",
        },
        Err(_) => "no method could be chosen",
    };
    format!("{reason}{gw}")
}

fn config_failure(e: &AuthError) -> Failure {
    let m = e.to_string();
    if m.contains("no keyring entry") {
        Failure::MissingKeyringEntry
    } else if m.contains("no OS keyring service") {
        Failure::NoKeyringService
    } else {
        classify_auth(e)
    }
}

/// What failed, for a credential that gave no token.
pub fn failure_of(e: &AuthError) -> Failure {
    classify_auth(e)
}

fn classify_auth(e: &AuthError) -> Failure {
    match e {
        AuthError::Config(_) => Failure::MalformedConfig,
        AuthError::Unreachable { reason, .. } if looks_tls(reason) => Failure::Tls,
        AuthError::Unreachable { .. } => Failure::Unreachable,
        AuthError::Refused { reason, .. } if reason.contains("not followed") => Failure::Redirected,
        AuthError::Refused { .. } if e.is_outage() => Failure::TokenEndpointDown,
        AuthError::Refused { .. } => Failure::CredentialRefused,
        AuthError::BadResponse { reason, .. } if reason.contains('<') => Failure::HtmlInsteadOfJson,
        AuthError::BadResponse { .. } => Failure::Other,
        AuthError::Untrusted { .. } => Failure::Untrusted,
        AuthError::Cli(e) => match e.kind {
            CliFailure::NotFound => Failure::CliMissing,
            CliFailure::NotSignedIn => Failure::NotSignedIn,
            CliFailure::LoginExpired => Failure::ExpiredToken,
            CliFailure::TimedOut => Failure::Timeout,
            CliFailure::NotAToken | CliFailure::Failed => Failure::Other,
        },
        AuthError::Msi(e) => match e.kind {
            MsiFailure::ConnectionRefused | MsiFailure::Unreachable => Failure::Unreachable,
            MsiFailure::NoAnswer => Failure::Timeout,
            MsiFailure::NotAssigned => Failure::IdentityNotAssigned,
            MsiFailure::Refused(_) => Failure::CredentialRefused,
            MsiFailure::NotAToken => Failure::Other,
        },
        AuthError::Session(e) => match e.kind {
            super::u2m::SessionFailure::NotSignedIn => Failure::NotSignedIn,
            super::u2m::SessionFailure::Expired => Failure::ExpiredToken,
        },
    }
}

fn looks_tls(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    ["certificate", "tls", "unknownissuer", "handshake"]
        .iter()
        .any(|k| r.contains(k))
}

fn classify_api(e: &ApiError) -> Failure {
    match e {
        ApiError::Connect { reason, .. } if looks_tls(reason) => Failure::Tls,
        ApiError::Connect { .. } => Failure::Unreachable,
        ApiError::Timeout { .. } => Failure::Timeout,
        ApiError::Redirected { .. } => Failure::Redirected,
        ApiError::Decode { reason, .. } if reason.contains("HTML") => Failure::HtmlInsteadOfJson,
        ApiError::Local(m) if m.contains("is unavailable (HTTP 5") => Failure::TokenEndpointDown,
        ApiError::Auth(m) if m.contains(GATEWAY_IDENTITY) => Failure::GatewayIdentity,
        ApiError::Auth(m) if m.contains("gateway") => Failure::Gateway,
        ApiError::Auth(m) if m.contains("personal access tokens") => Failure::WrongCredentialKind,
        ApiError::Auth(m) if m.contains("no keyring entry") => Failure::MissingKeyringEntry,
        ApiError::Auth(m) if m.contains("no OS keyring service") => Failure::NoKeyringService,
        ApiError::Auth(m) if m.contains("cannot reach") => Failure::Unreachable,
        ApiError::Auth(m) if m.contains("refused") => Failure::CredentialRefused,
        ApiError::Auth(_) => Failure::MalformedConfig,
        ApiError::Http {
            status, message, ..
        } => {
            let m = message.to_ascii_lowercase();
            match status {
                401 | 403 if m.contains("expired") => Failure::ExpiredToken,
                401 | 403 if m.contains("audience") => Failure::WrongAudience,
                401 | 403 if m.contains("unsupported type") => Failure::WrongCredentialKind,
                401 | 403 if m.contains("invalid access token") => Failure::InvalidToken,
                403 => Failure::PermissionDenied,
                401 => Failure::InvalidToken,
                _ if m.contains("html") => Failure::HtmlInsteadOfJson,
                _ => Failure::Other,
            }
        }
        _ => Failure::Other,
    }
}

/// The words [`crate::api::ApiClient`] uses when a gateway-only profile is refused.
const GATEWAY_IDENTITY: &str = "the gateway's own identity";

/// The identity `/Me` proves: an `id` and a name (`userName`, `displayName` or
/// `applicationId`). Any other JSON object proves nothing (docs/wire-facts.md §4.1).
fn proven_identity(me: scim::Me) -> Result<String, (Failure, String)> {
    let name = me.user_name.or(me.display_name).or(me.application_id);
    match (me.id, name) {
        (Some(id), Some(name)) if !id.is_empty() && !name.is_empty() => {
            Ok(format!("signed in as {name}"))
        }
        _ => Err((
            Failure::NoIdentity,
            "/Me answered without an id and a userName, displayName or applicationId: the host (or a gateway or proxy in front of it) did not say who the credential is".into(),
        )),
    }
}

/// Checks one profile, bounded by `limit` in all.
pub async fn check_profile(profile: &Profile, limit: Duration) -> CheckReport {
    let mut report = CheckReport {
        profile: profile.name.clone(),
        host: profile.host.clone().unwrap_or_else(|| "(none)".into()),
        method: match profile.auth_method() {
            Ok(AuthMethod::Pat) => "pat".into(),
            Ok(AuthMethod::OAuthM2M) => "oauth-m2m".into(),
            Ok(AuthMethod::Other(m)) => m,
            Err(_) => "(none)".into(),
        },
        why: why_chosen(profile),
        principal: None,
        expires_at: None,
        warning: super::transport::warning(profile),
        outcome: Ok(String::new()),
    };
    let conn = match crate::connect::Connection::open(profile) {
        Ok(c) => c,
        Err(crate::connect::ConnectError::Credential(e)) => {
            report.outcome = Err((config_failure(&e), e.to_string()));
            return report;
        }
        Err(e) => {
            report.outcome = Err((Failure::MalformedConfig, e.to_string()));
            return report;
        }
    };
    let (client, provider) = (&conn.client, conn.auth().clone());
    let call = async {
        if let Err(e) = provider.authorize(client.http()).await {
            return Err((classify_auth(&e), e.to_string()));
        }
        let result = match (profile.kind(), profile.account_id.as_deref()) {
            (ProfileKind::Account, Some(account)) => workspaces::list(client, account)
                .await
                .map(|w| format!("{} workspaces visible", w.len())),
            (ProfileKind::Account, None) => {
                return Err((
                    Failure::MalformedConfig,
                    "an account host needs account_id".into(),
                ));
            }
            (ProfileKind::Workspace, _) => match scim::me(client).await {
                Ok(me) => return proven_identity(me),
                Err(e) => Err(e),
            },
        };
        result.map_err(|e| (classify_api(&e), e.user_message()))
    };
    report.outcome = match tokio::time::timeout(limit, call).await {
        Ok(r) => r,
        Err(_) => Err((
            Failure::Timeout,
            format!("no answer within {} s", limit.as_secs()),
        )),
    };
    report.principal = Some(provider.principal());
    report.expires_at = provider.expires_at();
    let mut warnings: Vec<String> = report.warning.take().into_iter().collect();
    warnings.extend(provider.warnings());
    report.warning = (!warnings.is_empty()).then(|| warnings.join("; "));
    report
}

/// The report as the lines `auth check` prints. Every field passes through the terminal
/// sanitizer: the outcome carries the server's words, and the principal may carry a name the
/// server chose.
pub fn render(r: &CheckReport) -> String {
    use crate::sanitize::terminal_text as clean;
    let mut out = format!(
        "profile  {}\nhost     {}\nauth     {} ({})\n",
        clean(&r.profile),
        clean(&r.host),
        clean(&r.method),
        clean(&r.why)
    );
    if let Some(p) = &r.principal {
        out.push_str(&format!("as       {}\n", clean(p)));
    }
    if let Some(t) = r.expires_at {
        let left = t
            .duration_since(SystemTime::now())
            .map_or(0, |d| d.as_secs());
        out.push_str(&format!(
            "token    expires in {}m{:02}s\n",
            left / 60,
            left % 60
        ));
    }
    if let Some(w) = &r.warning {
        out.push_str(&format!("warning  {w}\n"));
    }
    match &r.outcome {
        Ok(what) => out.push_str(&format!("result   OK: {}\n", clean(what))),
        Err((kind, detail)) => out.push_str(&format!(
            "result   FAILED ({}): {}\n",
            kind.label(),
            clean(detail)
        )),
    }
    out
}

/// One line per profile for `auth profiles`.
/// One profile's result as a JSON object, for scripts (`auth profiles --format json`): the same
/// facts as [`render_line`], never a secret.
pub fn to_json(r: &CheckReport) -> serde_json::Value {
    let expires = r.expires_at.and_then(|t| {
        t.duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| crate::api::timestamp::format_timestamp_ms(d.as_millis() as i64))
    });
    let (ok, result, failure) = match &r.outcome {
        Ok(what) => (true, Some(what.clone()), None),
        Err((kind, message)) => (false, Some(message.clone()), Some(kind.label())),
    };
    serde_json::json!({
        "profile": r.profile,
        "host": r.host,
        "method": r.method,
        "why": r.why,
        "principal": r.principal,
        "token_expires": expires,
        "warning": r.warning,
        "ok": ok,
        "failure": failure,
        "result": result,
    })
}

pub fn render_line(r: &CheckReport) -> String {
    use crate::sanitize::terminal_text as clean;
    let status = match &r.outcome {
        Ok(what) if !what.is_empty() => format!("OK: {}", clean(what)),
        Ok(_) => "OK".to_owned(),
        Err((kind, _)) => format!("FAILED ({})", kind.label()),
    };
    let warning = r
        .warning
        .as_ref()
        .map(|w| format!("  warning: {}", clean(w)))
        .unwrap_or_default();
    format!(
        "{:<20} {:<40} {:<20} {status}{warning}",
        clean(&r.profile),
        clean(&r.host),
        clean(&r.method)
    )
}
