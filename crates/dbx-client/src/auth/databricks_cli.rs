//! `auth_type = databricks-cli`: the access token of a person's `databricks auth login`, read by
//! running `databricks auth token --host HOST [--account-id ID]`, as the Databricks SDKs do. The
//! CLI keeps and refreshes the login; dbx-tui holds the access token in memory only and never
//! prints it or the CLI's output.

use super::token_cache::{Mint, Minted};
use super::{AuthError, AuthHeaders};
use crate::config::Secret;
use serde::Deserialize;
use std::process::Stdio;
use std::time::Duration;
use zeroize::Zeroizing;

/// How long one run of the CLI may take: a refresh is one HTTP round trip, but the CLI waits on
/// its token-cache lock while another process refreshes.
const RUN_LIMIT: Duration = Duration::from_secs(30);
/// Run the CLI again this long before the token runs out.
const MARGIN: Duration = Duration::from_secs(60);
/// The lifetime assumed when the CLI gives no readable `expiry`.
const UNKNOWN_LIFETIME: Duration = Duration::from_secs(300);
/// The longest piece of the CLI's stderr put in a message.
const EXCERPT_CHARS: usize = 200;

/// What went wrong running the CLI, for `auth check` to label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CliFailure {
    NotFound,
    NotSignedIn,
    LoginExpired,
    NotAToken,
    TimedOut,
    Failed,
}

/// A failure of the CLI, named for the person. Never carries the CLI's stdout.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    pub kind: CliFailure,
    message: String,
}

impl CliError {
    fn new(kind: CliFailure, message: String) -> Self {
        Self { kind, message }
    }
}

impl From<CliError> for AuthError {
    fn from(e: CliError) -> Self {
        AuthError::Cli(e)
    }
}

pub struct CliProvider {
    /// `databricks_cli_path`, if the profile names the binary.
    path: Option<String>,
    host: String,
    /// Set for an account profile: the CLI keys an account login by host and account.
    account_id: Option<String>,
    /// Set when the CLI says the login is missing or expired.
    needs: super::u2m::SignInFlag,
}

#[derive(Deserialize)]
struct CliToken {
    access_token: Option<String>,
    expiry: Option<String>,
}

impl CliProvider {
    pub fn new(path: Option<String>, host: String, account_id: Option<String>) -> Self {
        Self {
            path,
            host,
            account_id,
            needs: super::u2m::SignInFlag::default(),
        }
    }

    fn program(&self) -> &str {
        self.path.as_deref().unwrap_or("databricks")
    }

    /// The login command the person runs to sign in again.
    fn login_command(&self) -> String {
        match &self.account_id {
            Some(a) => format!(
                "databricks auth login --host {} --account-id {a}",
                self.host
            ),
            None => format!("databricks auth login --host {}", self.host),
        }
    }

    fn spawn_error(&self, e: &std::io::Error) -> CliError {
        match (e.kind(), &self.path) {
            (std::io::ErrorKind::NotFound, None) => CliError::new(
                CliFailure::NotFound,
                "the Databricks CLI (`databricks`) was not found: install it or set databricks_cli_path".into(),
            ),
            (std::io::ErrorKind::NotFound, Some(p)) => CliError::new(
                CliFailure::NotFound,
                format!("the Databricks CLI was not found at {p} (databricks_cli_path): install it or correct the path"),
            ),
            (_, _) => CliError::new(
                CliFailure::Failed,
                format!("cannot run the Databricks CLI ({}): {e}", self.program()),
            ),
        }
    }

    /// Names a non-zero exit from the CLI's stderr.
    fn classify_exit(&self, code: Option<i32>, stderr: &str) -> CliError {
        let lower = stderr.to_ascii_lowercase();
        let detail = excerpt(stderr)
            .map(|e| format!(" (the CLI said: {e})"))
            .unwrap_or_default();
        let refresh = lower.contains("refresh token") || lower.contains("refresh_token");
        if lower.contains("invalid_grant")
            || (refresh && (lower.contains("expired") || lower.contains("invalid")))
        {
            return CliError::new(
                CliFailure::LoginExpired,
                format!(
                    "the Databricks CLI login for {} has expired: run `{}` again{detail}",
                    self.host,
                    self.login_command()
                ),
            );
        }
        if refresh
            || lower.contains("login")
            || lower.contains("not configured")
            || lower.contains("no token")
        {
            return CliError::new(
                CliFailure::NotSignedIn,
                format!(
                    "not signed in for {host}: run `databricks auth login --host {host}` (add `--account-id ID` for an account){detail}",
                    host = self.host
                ),
            );
        }
        if lower.contains("unknown command") || lower.contains("no such command") {
            return CliError::new(
                CliFailure::Failed,
                format!(
                    "{} has no `auth token` command: it is the legacy Python CLI; install the Databricks CLI (v0.100 or later){detail}",
                    self.program()
                ),
            );
        }
        let status = code.map_or_else(|| "killed by a signal".into(), |c| format!("exit {c}"));
        CliError::new(
            CliFailure::Failed,
            format!(
                "`databricks auth token --host {}` failed ({status}){detail}",
                self.host
            ),
        )
    }
}

/// The token in the CLI's JSON, kept until [`MARGIN`] before its `expiry`.
fn parse_token(stdout: &[u8]) -> Result<Minted<Secret>, CliError> {
    let not_a_token = |what: &str| {
        CliError::new(
            CliFailure::NotAToken,
            format!("the Databricks CLI printed something that is not a token ({what})"),
        )
    };
    let parsed: CliToken =
        serde_json::from_slice(stdout).map_err(|_| not_a_token("JSON expected"))?;
    let token = Secret::new(parsed.access_token.unwrap_or_default());
    if token.is_empty() {
        return Err(not_a_token("JSON without an access_token"));
    }
    let lifetime = parsed
        .expiry
        .as_deref()
        .and_then(lifetime_until)
        .unwrap_or(UNKNOWN_LIFETIME);
    Ok(Minted::new(token, lifetime, MARGIN))
}

/// Time left until an RFC 3339 instant (zero if it has passed); `None` if unreadable.
fn lifetime_until(expiry: &str) -> Option<Duration> {
    let at =
        time::OffsetDateTime::parse(expiry, &time::format_description::well_known::Rfc3339).ok()?;
    let left = at - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(left).unwrap_or(Duration::ZERO))
}

/// The first non-empty line of the CLI's stderr, made safe for a terminal and cut short, or
/// nothing if it holds anything that looks like a token.
fn excerpt(stderr: &str) -> Option<String> {
    let line = stderr.lines().map(str::trim).find(|l| !l.is_empty())?;
    if looks_like_token(line) {
        return None;
    }
    let clean = crate::sanitize::terminal_text(line);
    let mut out: String = clean.chars().take(EXCERPT_CHARS).collect();
    if clean.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    Some(out)
}

/// A JWT (base64 of `{"` starts `eyJ`), a PAT (`dapi…`), or any run of 32 or more token
/// characters that is not a UUID (account ids are UUIDs).
fn looks_like_token(text: &str) -> bool {
    if text.contains("eyJ") {
        return true;
    }
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .any(|word| {
            let lower = word.to_ascii_lowercase();
            (lower.starts_with("dapi") && word.len() > 20) || (word.len() >= 32 && !is_uuid(word))
        })
}

fn is_uuid(word: &str) -> bool {
    let groups: Vec<&str> = word.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

impl Mint for CliProvider {
    type Token = Secret;

    fn method(&self) -> &'static str {
        "databricks-cli"
    }

    fn principal(&self) -> String {
        match &self.account_id {
            Some(a) => format!("Databricks CLI login for {} (account {a})", self.host),
            None => format!("Databricks CLI login for {}", self.host),
        }
    }

    async fn mint(&self, _http: &reqwest::Client) -> Result<Minted<Secret>, AuthError> {
        let mut cmd = tokio::process::Command::new(self.program());
        cmd.args(["auth", "token", "--host", &self.host]);
        if let Some(a) = &self.account_id {
            cmd.args(["--account-id", a]);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A run that outlives its time bound (or its caller) is killed, not left behind.
            .kill_on_drop(true);
        tracing::debug!(host = %self.host, "running `databricks auth token`");
        let output = match tokio::time::timeout(RUN_LIMIT, cmd.output()).await {
            Err(_) => {
                return Err(CliError::new(
                    CliFailure::TimedOut,
                    format!(
                        "the Databricks CLI did not answer within {} s (`databricks auth token --host {}`)",
                        RUN_LIMIT.as_secs(),
                        self.host
                    ),
                )
                .into());
            }
            Ok(Err(e)) => return Err(self.spawn_error(&e).into()),
            Ok(Ok(o)) => o,
        };
        // stdout may hold a token whatever the exit status: wiped when dropped, never shown.
        let stdout = Zeroizing::new(output.stdout);
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(self.classify_exit(output.status.code(), &stderr).into());
        }
        let token = parse_token(&stdout)?;
        tracing::debug!(host = %self.host, "the Databricks CLI gave a token");
        Ok(token)
    }

    fn headers(&self, token: &Secret) -> Result<AuthHeaders, AuthError> {
        AuthHeaders::bearer(token.expose())
    }

    fn observe(&self, got: &Result<AuthHeaders, AuthError>) {
        match got {
            Ok(_) => self.needs.set(None),
            Err(AuthError::Cli(e)) if e.kind == CliFailure::LoginExpired => {
                self.needs.set(Some(super::u2m::SessionFailure::Expired));
            }
            Err(AuthError::Cli(e)) if e.kind == CliFailure::NotSignedIn => {
                self.needs
                    .set(Some(super::u2m::SessionFailure::NotSignedIn));
            }
            Err(_) => {}
        }
    }

    fn sign_in_needed(&self) -> Option<super::u2m::SessionFailure> {
        self.needs.get()
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test that cannot set itself up should stop loudly"
)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.canary-cli-token.sig";

    fn provider(account: Option<&str>) -> CliProvider {
        CliProvider::new(
            None,
            "https://h.example.com".into(),
            account.map(Into::into),
        )
    }

    #[test]
    fn parses_the_token_and_keeps_it_until_a_minute_before_expiry() {
        let expiry = (time::OffsetDateTime::now_utc() + time::Duration::hours(1))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let json =
            format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expiry":"{expiry}"}}"#);
        let m = parse_token(json.as_bytes()).unwrap();
        assert_eq!(m.value.expose(), TOKEN);
        let left = m.expires_at.duration_since(SystemTime::now()).unwrap();
        assert!(left > Duration::from_secs(3590) && left <= Duration::from_secs(3600));
        let refresh_in = m.refresh_at - std::time::Instant::now();
        assert!(refresh_in > Duration::from_secs(3530) && refresh_in <= Duration::from_secs(3540));
    }

    #[test]
    fn go_style_expiry_with_nanoseconds_and_offset_is_read() {
        let d = lifetime_until("2999-01-02T03:04:05.123456789+01:00").unwrap();
        assert!(d > Duration::from_secs(3600));
        assert_eq!(lifetime_until("2000-01-01T00:00:00Z"), Some(Duration::ZERO));
    }

    #[test]
    fn missing_or_unreadable_expiry_means_five_minutes() {
        for json in [
            format!(r#"{{"access_token":"{TOKEN}"}}"#),
            format!(r#"{{"access_token":"{TOKEN}","expiry":"tomorrow"}}"#),
        ] {
            let m = parse_token(json.as_bytes()).unwrap();
            let left = m.expires_at.duration_since(SystemTime::now()).unwrap();
            assert!(left > Duration::from_secs(290) && left <= Duration::from_secs(300));
        }
    }

    #[test]
    fn output_that_is_not_a_token_is_named_and_never_echoed() {
        for out in [
            format!("Here is your token: {TOKEN}\n"),
            format!(r#"{{"token":"{TOKEN}"}}"#),
            r#"{"access_token":""}"#.to_owned(),
            String::new(),
        ] {
            let e = parse_token(out.as_bytes()).err().unwrap();
            assert_eq!(e.kind, CliFailure::NotAToken);
            let m = e.to_string();
            assert!(m.contains("not a token"), "{m}");
            assert!(!m.contains("canary"), "{m}");
        }
    }

    #[test]
    fn not_signed_in_names_the_login_command() {
        let e = provider(None).classify_exit(
            Some(1),
            "Error: cache: databricks OAuth is not configured for this host. Try logging in again with `databricks auth login --host https://h.example.com` before retrying.\n",
        );
        assert_eq!(e.kind, CliFailure::NotSignedIn);
        let m = e.to_string();
        assert!(
            m.starts_with("not signed in for https://h.example.com: run `databricks auth login --host https://h.example.com`"),
            "{m}"
        );
        assert!(m.contains("the CLI said: Error: cache"), "{m}");
    }

    #[test]
    fn an_expired_refresh_token_says_the_login_expired() {
        let account = "0d3f9a6e-1b2c-4d5e-8f90-a1b2c3d4e5f6";
        for stderr in [
            "Error: oauth2: \"invalid_grant\" \"Refresh token is invalid\"",
            "Error: the refresh token has expired; please log in again",
        ] {
            let e = provider(Some(account)).classify_exit(Some(1), stderr);
            assert_eq!(e.kind, CliFailure::LoginExpired, "{stderr}");
            let m = e.to_string();
            assert!(m.contains("has expired"), "{m}");
            assert!(
                m.contains(&format!(
                    "databricks auth login --host https://h.example.com --account-id {account}"
                )),
                "{m}"
            );
        }
    }

    #[test]
    fn stderr_with_a_token_is_left_out_and_the_rest_is_cleaned_and_cut() {
        for leaky in [
            format!("Error: login failed for {TOKEN}"),
            "Error: login failed, token dapi0123456789abcdef0123456789abcdef".to_owned(),
            "Error: login failed: AbCdEfGhIjKlMnOpQrStUvWxYz0123456789".to_owned(),
        ] {
            let m = provider(None).classify_exit(Some(1), &leaky).to_string();
            assert!(!m.contains("the CLI said"), "{m}");
            assert!(
                !m.contains("dapi0") && !m.contains("canary") && !m.contains("AbCdE"),
                "{m}"
            );
        }
        let long = format!(
            "Error: \x1b[31mboom\x1b[0m {}\nsecond line",
            "x ".repeat(300)
        );
        let m = provider(None).classify_exit(Some(2), &long).to_string();
        assert!(m.contains("failed (exit 2)"), "{m}");
        assert!(m.contains("Error: boom"), "{m}");
        assert!(!m.contains('\x1b') && !m.contains("second line"), "{m}");
        assert!(m.chars().count() < 400, "{m}");
    }

    #[test]
    fn a_missing_binary_is_named() {
        let e = std::io::Error::from(std::io::ErrorKind::NotFound);
        let m = provider(None).spawn_error(&e).to_string();
        assert_eq!(
            m,
            "the Databricks CLI (`databricks`) was not found: install it or set databricks_cli_path"
        );
        let p = CliProvider::new(Some("/opt/db/databricks".into()), "https://h".into(), None);
        let named = p.spawn_error(&e);
        assert_eq!(named.kind, CliFailure::NotFound);
        assert!(named.to_string().contains("/opt/db/databricks"));
    }
}
