//! Microsoft Entra ID credentials through `azure_identity` (docs/wire-facts.md §8.2): a service principal's
//! client secret, a managed identity (App Service style `IDENTITY_ENDPOINT`/`IDENTITY_HEADER`,
//! else IMDS; asked directly, see [`super::azure_msi`]), or the Azure CLI's signed-in user. The token is for the AzureDatabricks resource;
//! a client-secret SP also sends a management token, so it can reach a workspace it holds
//! Contributor on before it was added to it.
//!
//! Profile keys: `azure_client_id`, `azure_client_secret`, `azure_tenant_id`, `azure_use_msi`,
//! `azure_workspace_resource_id`, `azure_environment` (`PUBLIC`, `USGOVERNMENT`, `CHINA`),
//! `azure_authority_host` (an https URL that overrides the environment's Entra authority) and
//! `azure_msi_timeout` (seconds one managed-identity attempt may take in all).

use super::token_cache::{Mint, Minted};
use super::{AuthError, AuthHeaders};
use crate::config::Secret;
use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::TokenCredential;
use azure_core::http::{ClientOptions, Transport};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions,
};
use reqwest::header::{HeaderName, HeaderValue};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, SystemTime};

/// The AzureDatabricks application: the scope of every Databricks token on Azure.
pub const DATABRICKS_SCOPE: &str = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default";
pub const MANAGEMENT_SCOPE: &str = "https://management.core.windows.net/.default";

/// Which Entra credential.
#[derive(Clone, Debug)]
pub enum AzureKind {
    ClientSecret {
        tenant_id: String,
        client_id: String,
        secret: Secret,
    },
    ManagedIdentity {
        client_id: Option<String>,
        endpoint: super::azure_msi::MsiEndpoint,
        /// The bound on one whole attempt (`azure_msi_timeout`).
        timeout: Duration,
    },
    Cli {
        tenant_id: Option<String>,
    },
}

/// The Databricks-scoped token, and the management token sent beside it.
pub struct Tokens {
    token: Secret,
    management: Option<Secret>,
}

pub struct AzureProvider {
    kind: AzureKind,
    cloud: Option<CloudConfiguration>,
    workspace_resource_id: Option<String>,
    /// Learnt from the token for the CLI (the signed-in user).
    who: StdMutex<Option<String>>,
}

impl AzureProvider {
    /// `environment` is `azure_environment`; `authority_host` overrides it (https only, as
    /// `azure_identity` requires).
    pub fn new(
        kind: AzureKind,
        environment: Option<&str>,
        authority_host: Option<&str>,
        workspace_resource_id: Option<String>,
    ) -> Result<Self, AuthError> {
        let cloud = match (
            authority_host,
            environment.map(str::to_ascii_uppercase).as_deref(),
        ) {
            (Some(h), _) => {
                if !h.starts_with("https://") {
                    return Err(AuthError::Config(
                        "azure_authority_host must be an https URL".into(),
                    ));
                }
                super::transport::require_https("azure_authority_host", h)?;
                let mut c = CustomConfiguration::default();
                c.authority_host = h.trim_end_matches('/').to_owned();
                Some(c.into())
            }
            (None, None | Some("PUBLIC")) => None,
            (None, Some("USGOVERNMENT")) => Some(CloudConfiguration::AzureGovernment),
            (None, Some("CHINA")) => Some(CloudConfiguration::AzureChina),
            (None, Some(other)) => {
                return Err(AuthError::Config(format!(
                    "azure_environment {other} is not one of PUBLIC, USGOVERNMENT, CHINA"
                )));
            }
        };
        Ok(Self {
            kind,
            cloud,
            workspace_resource_id,
            who: StdMutex::new(None),
        })
    }

    /// A fresh credential on our reqwest client (which trusts `tls_ca_file`). Built per refresh:
    /// our cache decides when to refresh, and a refused token must not come back from theirs.
    fn credential(&self, http: &reqwest::Client) -> Result<Arc<dyn TokenCredential>, AuthError> {
        let mut client_options = ClientOptions {
            transport: Some(Transport::new(Arc::new(http.clone()))),
            // No backoff loop inside a token request: the user is waiting, a TLS or DNS failure
            // will not heal in seconds, and our own 401 handling retries once. (azure_identity's
            // managed-identity credential would replace this with its own ~72 s of retries,
            // which is why the managed identity is asked directly, in `azure_msi`.)
            retry: azure_core::http::RetryOptions::none(),
            ..Default::default()
        };
        client_options.cloud = self.cloud.clone().map(Arc::new);
        let made: azure_core::Result<Arc<dyn TokenCredential>> = match &self.kind {
            AzureKind::ClientSecret {
                tenant_id,
                client_id,
                secret,
            } => ClientSecretCredential::new(
                tenant_id,
                client_id.clone(),
                azure_core::credentials::Secret::new(secret.expose().to_owned()),
                Some(ClientSecretCredentialOptions { client_options }),
            )
            .map(|c| c as Arc<dyn TokenCredential>),
            AzureKind::ManagedIdentity { .. } => {
                return Err(AuthError::Config(
                    "azure-msi: the managed identity has no azure_identity credential".into(),
                ));
            }
            AzureKind::Cli { tenant_id } => {
                AzureCliCredential::new(Some(AzureCliCredentialOptions {
                    tenant_id: tenant_id.clone(),
                    ..Default::default()
                }))
                .map(|c| c as Arc<dyn TokenCredential>)
            }
        };
        made.map_err(|e| AuthError::Config(format!("{}: {}", self.method(), first_line(&e))))
    }

    fn endpoint(&self) -> String {
        match &self.kind {
            AzureKind::ClientSecret { tenant_id, .. } => {
                let host = match &self.cloud {
                    Some(CloudConfiguration::Custom(c)) => c.authority_host.clone(),
                    Some(CloudConfiguration::AzureGovernment) => {
                        "https://login.microsoftonline.us".into()
                    }
                    Some(CloudConfiguration::AzureChina) => "https://login.chinacloudapi.cn".into(),
                    _ => "https://login.microsoftonline.com".into(),
                };
                format!("{host}/{tenant_id}/oauth2/v2.0/token")
            }
            AzureKind::ManagedIdentity { endpoint, .. } => endpoint.describe(),
            AzureKind::Cli { .. } => "az account get-access-token".into(),
        }
    }
}

fn first_line(e: &dyn std::fmt::Display) -> String {
    let s = e.to_string();
    s.lines().next().unwrap_or_default().to_owned()
}

/// Names what failed: the authority refusing (with its AADSTS text and the HTTP status, which
/// `azure_identity` keeps in an inner error), or no connection.
fn map_error(endpoint: &str, e: &azure_core::Error) -> AuthError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<reqwest::Error>()
            && (r.is_connect() || r.is_timeout() || r.is_request())
        {
            let mut root: &dyn std::error::Error = r;
            while let Some(n) = root.source() {
                root = n;
            }
            return AuthError::Unreachable {
                endpoint: endpoint.to_owned(),
                reason: root.to_string(),
            };
        }
        source = s.source();
    }
    AuthError::Refused {
        endpoint: endpoint.to_owned(),
        status: http_status(e).unwrap_or(0),
        reason: first_line(e),
    }
}

/// The HTTP status of the first error in the chain that came from an answer.
fn http_status(e: &azure_core::Error) -> Option<u16> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = cur {
        if let Some(a) = s.downcast_ref::<azure_core::Error>()
            && let azure_core::error::ErrorKind::HttpResponse { status, .. } = a.kind()
        {
            return Some(u16::from(*status));
        }
        cur = s.source();
    }
    None
}

/// The user a CLI token belongs to (`upn`, `unique_name` or `email`), unverified: display only.
fn token_user(token: &str) -> Option<String> {
    use base64::Engine;
    let body = token.split('.').nth(1)?;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body.trim_end_matches('='))
            .ok()?,
    )
    .ok()?;
    ["upn", "unique_name", "email", "appid"]
        .iter()
        .find_map(|k| claims[*k].as_str().map(str::to_owned))
}

fn sensitive(name: &'static str, value: &str) -> Result<(HeaderName, HeaderValue), AuthError> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| AuthError::Config(format!("{name}: not a valid header value")))?;
    v.set_sensitive(true);
    Ok((HeaderName::from_static(name), v))
}

impl Mint for AzureProvider {
    type Token = Tokens;

    fn method(&self) -> &'static str {
        match self.kind {
            AzureKind::ClientSecret { .. } => "azure-client-secret",
            AzureKind::ManagedIdentity { .. } => "azure-msi",
            AzureKind::Cli { .. } => "azure-cli",
        }
    }

    fn principal(&self) -> String {
        match &self.kind {
            AzureKind::ClientSecret { client_id, .. } => {
                format!("Entra ID service principal {client_id}")
            }
            AzureKind::ManagedIdentity {
                client_id: Some(c), ..
            } => {
                format!("managed identity {c}")
            }
            AzureKind::ManagedIdentity {
                client_id: None, ..
            } => "system-assigned managed identity".into(),
            AzureKind::Cli { .. } => match self.who.lock().ok().and_then(|w| w.clone()) {
                Some(u) => format!("Azure CLI user {u}"),
                None => "the Azure CLI's signed-in user".into(),
            },
        }
    }

    async fn mint(&self, http: &reqwest::Client) -> Result<Minted<Tokens>, AuthError> {
        if let AzureKind::ManagedIdentity {
            client_id,
            endpoint,
            timeout,
        } = &self.kind
        {
            let resource = DATABRICKS_SCOPE.trim_end_matches("/.default");
            tracing::debug!(endpoint = %endpoint.describe(), "requesting managed identity token");
            let (token, expires_at) =
                super::azure_msi::fetch(http, endpoint, client_id.as_deref(), resource, *timeout)
                    .await
                    .map_err(AuthError::Msi)?;
            let lifetime = expires_at
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO);
            return Ok(Minted::new(
                Tokens {
                    token,
                    management: None,
                },
                lifetime,
                Duration::from_secs(40),
            ));
        }
        let cred = self.credential(http)?;
        let endpoint = self.endpoint();
        tracing::debug!(method = self.method(), %endpoint, "requesting Entra ID token");
        let token = cred
            .get_token(&[DATABRICKS_SCOPE], None)
            .await
            .map_err(|e| map_error(&endpoint, &e))?;
        // Go and Py send the management token for a client-secret SP; without it such an SP
        // cannot reach a workspace it is not yet a member of.
        let management = match self.kind {
            AzureKind::ClientSecret { .. } => Some(
                cred.get_token(&[MANAGEMENT_SCOPE], None)
                    .await
                    .map_err(|e| map_error(&endpoint, &e))?,
            ),
            _ => None,
        };
        let secret = Secret::new(token.token.secret().to_owned());
        if let AzureKind::Cli { .. } = self.kind
            && let Some(name) = token_user(secret.expose())
            && let Ok(mut w) = self.who.lock()
        {
            *w = Some(name);
        }
        let expires_at: SystemTime = token.expires_on.into();
        let mut earliest = expires_at;
        if let Some(m) = &management {
            earliest = earliest.min(m.expires_on.into());
        }
        let lifetime = earliest
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        // Azure Databricks refuses tokens with 30 s or less left: refresh 40 s ahead (as Go).
        Ok(Minted::new(
            Tokens {
                token: secret,
                management: management.map(|m| Secret::new(m.token.secret().to_owned())),
            },
            lifetime,
            Duration::from_secs(40),
        ))
    }

    fn headers(&self, t: &Tokens) -> Result<AuthHeaders, AuthError> {
        let mut h = AuthHeaders::bearer(t.token.expose())?;
        if let Some(m) = &t.management {
            h.headers.push(sensitive(
                "x-databricks-azure-sp-management-token",
                m.expose(),
            )?);
        }
        if let Some(r) = &self.workspace_resource_id {
            let (n, mut v) = sensitive("x-databricks-azure-workspace-resource-id", r)?;
            v.set_sensitive(false);
            h.headers.push((n, v));
        }
        Ok(h)
    }
}
