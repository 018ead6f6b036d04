//! OAuth secrets of service principals (docs/wire-facts.md §4.2). The path id is the SCIM id; the secret's
//! client id is the principal's applicationId.
//!
//! The plaintext comes back once, from create, and only ever lives in a [`Secret`], whose
//! `Debug`/`Display` print a placeholder; errors from create are scrubbed of the body.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ApiClient, ApiError};
use crate::config::Secret;
use crate::lenient_enum;

/// Secrets live at most 730 days (docs, oauth-m2m page); that is also the default lifetime.
pub const MAX_LIFETIME: Duration = Duration::from_secs(730 * 24 * 3600);
/// At most this many secrets per service principal (docs).
pub const MAX_SECRETS: usize = 5;

/// Which route to use. The workspace "proxy" route has no account id in the path: the account
/// is that of the workspace the client points at. Use it where the account API is refused to
/// a workspace admin who manages the principal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretScope {
    Account(String),
    WorkspaceProxy,
}

impl SecretScope {
    pub fn secrets_path(&self, sp_id: &str) -> String {
        match self {
            SecretScope::Account(acc) => {
                format!("/api/2.0/accounts/{acc}/servicePrincipals/{sp_id}/credentials/secrets")
            }
            SecretScope::WorkspaceProxy => {
                format!("/api/2.0/accounts/servicePrincipals/{sp_id}/credentials/secrets")
            }
        }
    }
}

lenient_enum!(
    /// Secret status; only `ACTIVE` is documented-ish (docs/wire-facts.md §4.2 says the values are
    /// UNCONFIRMED), so anything else is kept verbatim.
    SecretStatus { Active => "ACTIVE", Expired => "EXPIRED" }
);

/// A secret as listed: never the plaintext.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecretInfo {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SecretStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    /// Absent means the secret never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_time: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The create answer: the secret's metadata and its plaintext, shown to the user once.
#[derive(Clone, Debug)]
pub struct CreatedSecret {
    pub info: SecretInfo,
    pub secret: Secret,
}

#[derive(Deserialize)]
struct ListPage {
    #[serde(default)]
    secrets: Vec<SecretInfo>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// `"63072000s"`, the wire form of a lifetime.
pub fn lifetime_string(d: Duration) -> String {
    format!("{}s", d.as_secs())
}

/// Every secret of the principal. Follows `next_page_token` until it is absent or empty and
/// never stops on a short page (the Go doc comment warns pages may be short).
pub async fn list(
    client: &ApiClient,
    scope: &SecretScope,
    sp_id: &str,
) -> Result<Vec<SecretInfo>, ApiError> {
    let path = scope.secrets_path(sp_id);
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let query: Vec<(&str, String)> = token.iter().map(|t| ("page_token", t.clone())).collect();
        let page: ListPage = client.get(&path, &query).await?;
        out.extend(page.secrets.into_iter().map(|mut s| {
            // A server must never list plaintext; if one does, do not keep it.
            s.extra.remove("secret");
            s
        }));
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(t) if Some(&t) != token.as_ref() => token = Some(t),
            _ => return Ok(out),
        }
    }
}

/// Creates a secret; `lifetime` `None` takes the server default (730 days). A lifetime over
/// [`MAX_LIFETIME`] is refused here, before the request, with the reason.
pub async fn create(
    client: &ApiClient,
    scope: &SecretScope,
    sp_id: &str,
    lifetime: Option<Duration>,
) -> Result<CreatedSecret, ApiError> {
    let path = scope.secrets_path(sp_id);
    if let Some(l) = lifetime
        && (l > MAX_LIFETIME || l.is_zero())
    {
        return Err(ApiError::Decode {
            endpoint: path,
            status: 0,
            reason: format!(
                "a secret lifetime must be between 1 second and 730 days, not {} days",
                l.as_secs() / 86_400
            ),
            excerpt: String::new(),
        });
    }
    let mut body = Map::new();
    if let Some(l) = lifetime {
        body.insert("lifetime".into(), Value::from(lifetime_string(l)));
    }
    let scrub = |reason: &str| ApiError::Decode {
        endpoint: path.clone(),
        status: 200,
        reason: reason.to_owned(),
        excerpt: String::new(),
    };
    let answer: Value = match client.post(&path, &Value::Object(body)).await {
        Ok(v) => v,
        // A decode error quotes the body, which would hold the plaintext.
        Err(ApiError::Decode { reason, .. }) => return Err(scrub(&reason)),
        Err(e) => return Err(e),
    };
    let Value::Object(mut map) = answer else {
        return Err(scrub("the create answer is not a JSON object"));
    };
    let secret = match map.remove("secret") {
        Some(Value::String(s)) if !s.is_empty() => Secret::new(s),
        _ => return Err(scrub("the create answer has no secret")),
    };
    let info: SecretInfo = serde_json::from_value(Value::Object(map))
        .map_err(|e| scrub(&format!("the create answer does not match the API ({e})")))?;
    Ok(CreatedSecret { info, secret })
}

pub async fn delete(
    client: &ApiClient,
    scope: &SecretScope,
    sp_id: &str,
    secret_id: &str,
) -> Result<(), ApiError> {
    client
        .delete(&format!("{}/{secret_id}", scope.secrets_path(sp_id)))
        .await
}
