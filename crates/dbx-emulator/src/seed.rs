//! The data an emulator starts from: accounts, workspaces, policies, bindings and service
//! principals. [`Seed::demo`] embeds `assets/demo/*.json` so `--demo` needs no files at run time.

use serde::Deserialize;
use serde_json::Value;

/// A workspace PAT known to the seed: valid on exactly one workspace.
#[derive(Debug, Clone, Deserialize)]
pub struct SeedPat {
    pub workspace_id: i64,
    pub token: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SeedAccount {
    pub account_id: String,
    pub cloud: String,
    pub name: String,
    pub admin_token: String,
    /// applicationId of the account-admin service principal used for OAuth M2M.
    pub client_id: String,
    pub client_secret: String,
    #[serde(default)]
    pub workspace_pat: Option<SeedPat>,
    /// The user a PAT or the admin token acts as (returned by SCIM `/Me`).
    pub admin_user: String,
}

/// An explicit workspace → policy binding; unbound workspaces use `default-policy`.
#[derive(Debug, Clone, Deserialize)]
pub struct SeedBinding {
    pub account_id: String,
    pub workspace_id: i64,
    pub network_policy_id: String,
}

/// A service principal: SCIM attributes plus the emulator-only assignment and secrets lists.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedSp {
    #[serde(rename = "account_id")]
    pub account_id: String,
    pub id: String,
    pub application_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    pub active: bool,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub roles: Vec<Value>,
    #[serde(default)]
    pub entitlements: Vec<Value>,
    #[serde(default, rename = "workspace_ids")]
    pub workspace_ids: Vec<i64>,
    /// SecretInfo objects as served by the secrets API (never with a plaintext `secret`).
    #[serde(default)]
    pub secrets: Vec<Value>,
}

#[derive(Debug, Clone, Deserialize)]
struct SpFile {
    reference_time: String,
    service_principals: Vec<SeedSp>,
}

#[derive(Debug, Clone)]
pub struct Seed {
    pub accounts: Vec<SeedAccount>,
    /// Workspace objects exactly as the provisioning API returns them.
    pub workspaces: Vec<Value>,
    /// AccountNetworkPolicy objects (with `account_id`), in list order.
    pub policies: Vec<Value>,
    pub bindings: Vec<SeedBinding>,
    pub service_principals: Vec<SeedSp>,
    /// RFC 3339 instant the secret times were written against; the emulator shifts secret times
    /// by (now - reference) so "expires in N days" stays true whenever the demo runs.
    pub reference_time: Option<String>,
}

impl Seed {
    /// The embedded demo data (three accounts: AWS, Azure, GCP).
    #[allow(
        clippy::expect_used,
        reason = "the data is compiled in and parsed by every test run"
    )]
    pub fn demo() -> Seed {
        Seed::from_json(
            include_str!("../../../assets/demo/accounts.json"),
            include_str!("../../../assets/demo/workspaces.json"),
            include_str!("../../../assets/demo/network_policies.json"),
            include_str!("../../../assets/demo/bindings.json"),
            include_str!("../../../assets/demo/service_principals.json"),
        )
        .expect("embedded demo seed is valid JSON")
    }

    /// Parses the five seed documents (same layout as `assets/demo`).
    pub fn from_json(
        accounts: &str,
        workspaces: &str,
        policies: &str,
        bindings: &str,
        service_principals: &str,
    ) -> Result<Seed, serde_json::Error> {
        let sp: SpFile = serde_json::from_str(service_principals)?;
        Ok(Seed {
            accounts: serde_json::from_str(accounts)?,
            workspaces: serde_json::from_str(workspaces)?,
            policies: serde_json::from_str(policies)?,
            bindings: serde_json::from_str(bindings)?,
            service_principals: sp.service_principals,
            reference_time: Some(sp.reference_time),
        })
    }

    /// An empty seed with no accounts (useful for tests that build their own data).
    pub fn empty() -> Seed {
        Seed {
            accounts: Vec::new(),
            workspaces: Vec::new(),
            policies: Vec::new(),
            bindings: Vec::new(),
            service_principals: Vec::new(),
            reference_time: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_seed_parses_and_is_consistent() {
        let s = Seed::demo();
        assert_eq!(s.accounts.len(), 3);
        assert!(s.workspaces.len() >= 12);
        assert_eq!(s.service_principals.len(), 300);
        for b in &s.bindings {
            assert!(
                s.policies
                    .iter()
                    .any(|p| p["account_id"] == b.account_id.as_str()
                        && p["network_policy_id"] == b.network_policy_id.as_str())
            );
        }
        for a in &s.accounts {
            assert!(
                s.service_principals
                    .iter()
                    .any(|sp| sp.application_id == a.client_id)
            );
        }
    }
}
