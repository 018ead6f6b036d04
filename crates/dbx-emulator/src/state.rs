//! Mutable emulator state behind one `Arc<Mutex<_>>`; the lock is never held across an await.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::EmulatorOptions;
use super::seed::{Seed, SeedAccount, SeedSp};

pub(crate) type Shared = Arc<Mutex<State>>;

pub(crate) fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    // A handler panic must not wedge every later request; the data stays usable.
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A one-shot or n-shot failure injected on a path prefix (see [`EmulatorHandle::inject_fault`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub path_prefix: String,
    pub status: u16,
    pub retry_after_secs: Option<u64>,
    pub times: usize,
}

/// An OAuth access token issued by one of the token endpoints.
#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    pub account_id: String,
    /// SCIM id of the service principal the token acts as.
    pub sp_id: String,
    /// `None` for account-audience tokens; the one workspace for workspace-audience tokens.
    pub workspace_id: Option<i64>,
    pub expires_at: Instant,
}

pub(crate) struct State {
    pub accounts: Vec<SeedAccount>,
    pub workspaces: Vec<Value>,
    /// Per account, in list order (insertion order; `default-policy` first in the demo).
    pub policies: HashMap<String, Vec<Value>>,
    pub bindings: HashMap<(String, i64), String>,
    pub sps: super::sp_store::SpStore,
    /// Account groups (SCIM `Groups`); members are SP SCIM ids.
    pub groups: Vec<super::groups::SeedGroup>,
    /// Permission levels of workspace assignments, keyed by (workspace id, SP SCIM id). An SP in
    /// a workspace's `workspace_ids` with no entry here is a plain `USER` (how the seed assigns).
    pub assignment_levels: HashMap<(i64, String), Vec<String>>,
    pub scim_omit_total: bool,
    /// SHA-256 digests of the secrets the emulator knows (seed M2M secrets and ones created via
    /// the API), keyed by SP SCIM id: (secret id, digest). Never the secret or a part of it.
    pub secret_digests: HashMap<String, Vec<(String, String)>>,
    pub tokens: HashMap<String, IssuedToken>,
    pub token_lifetime: Duration,
    pub policy_page_size: usize,
    pub scim_max_count: usize,
    pub faults: Vec<Fault>,
    pub body_faults: Vec<super::faults::BodyFault>,
    /// Added to every answer (`dbx-tui emulator --latency-ms`).
    pub latency: std::time::Duration,
    pub races: Vec<super::races::Race>,
    pub request_counts: HashMap<String, usize>,
    /// Warehouses, statements and the system table, behind their own lock (see `sql`).
    pub sql: super::sql::SqlShared,
    pub clouds: super::cloud::Clouds,
    /// Person sign-ins: pending codes, refresh tokens, user access tokens.
    pub u2m: super::u2m::U2m,
    /// "http" or "https": how this emulator serves, for URLs it hands out.
    pub scheme: &'static str,
    /// A unified host: workspace-level calls must name their workspace with
    /// `X-Databricks-Workspace-Id` (no fallback to a workspace of the caller's account).
    pub unified_host: bool,
    /// The workspace `/.well-known/databricks-config` names (as a workspace host does), if any.
    pub host_workspace_id: Option<i64>,
}

impl State {
    pub fn new(opts: &EmulatorOptions) -> State {
        let seed: &Seed = &opts.seed;
        let mut policies: HashMap<String, Vec<Value>> = HashMap::new();
        for p in &seed.policies {
            let acct = p["account_id"].as_str().unwrap_or_default().to_string();
            let mut p = p.clone();
            if let Value::Object(m) = &mut p {
                super::policies::fill_server_fields(m, &acct);
            }
            policies.entry(acct).or_default().push(p);
        }
        // Every account owns a default-policy even if the seed forgot it.
        for a in &seed.accounts {
            let list = policies.entry(a.account_id.clone()).or_default();
            if !list
                .iter()
                .any(|p| p["network_policy_id"] == "default-policy")
            {
                let mut p = default_policy(&a.account_id);
                if let Value::Object(m) = &mut p {
                    super::policies::fill_server_fields(m, &a.account_id);
                }
                list.insert(0, p);
            }
        }
        let bindings = seed
            .bindings
            .iter()
            .map(|b| {
                (
                    (b.account_id.clone(), b.workspace_id),
                    b.network_policy_id.clone(),
                )
            })
            .collect();
        let mut sps = seed.service_principals.clone();
        for a in &seed.accounts {
            super::handle::generate_sps(&mut sps, &a.account_id, opts.generated_service_principals);
        }
        if let Some(reference) = &seed.reference_time {
            super::secrets::shift_secret_times(&mut sps, reference);
        }
        let mut secret_digests: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for a in &seed.accounts {
            if let Some(sp) = sps.iter().find(|s| s.application_id == a.client_id) {
                let sid = sp
                    .secrets
                    .first()
                    .and_then(|s| s["id"].as_str())
                    .unwrap_or("seed");
                secret_digests
                    .entry(sp.id.clone())
                    .or_default()
                    .push((sid.to_string(), secret_digest(&a.client_secret)));
            }
        }
        State {
            accounts: seed.accounts.clone(),
            workspaces: seed.workspaces.clone(),
            policies,
            bindings,
            groups: super::groups::seed_groups(&seed.accounts, &sps),
            sps: super::sp_store::SpStore::new(sps),
            assignment_levels: HashMap::new(),
            scim_omit_total: opts.scim_omit_total_results,
            secret_digests,
            tokens: HashMap::new(),
            token_lifetime: opts.token_lifetime,
            policy_page_size: opts.policy_page_size.max(1),
            scim_max_count: opts.scim_max_count.max(1),
            faults: Vec::new(),
            body_faults: Vec::new(),
            latency: std::time::Duration::ZERO,
            races: Vec::new(),
            request_counts: HashMap::new(),
            sql: Arc::new(Mutex::new(super::sql::SqlState::new(
                opts,
                &seed.workspaces,
            ))),
            clouds: super::cloud::Clouds::new(),
            u2m: super::u2m::U2m::default(),
            scheme: "http",
            unified_host: opts.unified_host,
            host_workspace_id: None,
        }
    }

    pub fn account(&self, account_id: &str) -> Option<&SeedAccount> {
        self.accounts.iter().find(|a| a.account_id == account_id)
    }

    pub fn workspace(&self, account_id: &str, workspace_id: i64) -> Option<&Value> {
        self.workspaces.iter().find(|w| {
            w["account_id"] == account_id && w["workspace_id"].as_i64() == Some(workspace_id)
        })
    }

    pub fn workspace_account(&self, workspace_id: i64) -> Option<&str> {
        self.workspaces
            .iter()
            .find(|w| w["workspace_id"].as_i64() == Some(workspace_id))
            .and_then(|w| w["account_id"].as_str())
    }

    /// The workspace a call lands on when nothing names one: the account's first workspace.
    pub fn first_workspace(&self, account_id: &str) -> Option<i64> {
        self.workspaces
            .iter()
            .find(|w| w["account_id"] == account_id)
            .and_then(|w| w["workspace_id"].as_i64())
    }

    pub fn sp(&self, account_id: &str, id: &str) -> Option<&SeedSp> {
        self.sps.get(account_id, id)
    }

    /// The principal to change in place (never its account or id).
    pub fn sp_mut(&mut self, account_id: &str, id: &str) -> Option<&mut SeedSp> {
        self.sps.get_mut(account_id, id)
    }

    pub fn policy_list(&mut self, account_id: &str) -> &mut Vec<Value> {
        self.policies.entry(account_id.to_string()).or_default()
    }

    pub fn binding_of(&self, account_id: &str, workspace_id: i64) -> String {
        self.bindings
            .get(&(account_id.to_string(), workspace_id))
            .cloned()
            .unwrap_or_else(|| "default-policy".to_string())
    }

    /// Counts a request and consumes one shot of the first matching fault, if any.
    pub fn observe(&mut self, path: &str) -> Option<Fault> {
        *self.request_counts.entry(path.to_string()).or_default() += 1;
        let idx = self
            .faults
            .iter()
            .position(|f| path.starts_with(&f.path_prefix))?;
        let fault = self.faults[idx].clone();
        self.faults[idx].times -= 1;
        if self.faults[idx].times == 0 {
            self.faults.remove(idx);
        }
        Some(fault)
    }
}

/// What the emulator keeps of an OAuth secret: its SHA-256, hex. Enough to check a client
/// secret, useless to recover one.
pub(crate) fn secret_digest(secret: &str) -> String {
    use std::fmt::Write as _;
    let digest = ring::digest::digest(&ring::digest::SHA256, secret.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest.as_ref() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

pub(crate) fn default_policy(account_id: &str) -> Value {
    serde_json::json!({
        "network_policy_id": "default-policy",
        "account_id": account_id,
        "egress": {"network_access": {"restriction_mode": "FULL_ACCESS"}}
    })
}

/// Lets tests (and the demo) change emulator state behind the client's back.
#[derive(Clone)]
pub struct EmulatorHandle {
    pub(crate) shared: Shared,
}

impl EmulatorHandle {
    /// Inserts or replaces a policy exactly as given (no validation; `account_id` left as is).
    pub fn put_policy_raw(&self, account_id: &str, policy: Value) {
        let id = policy["network_policy_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut st = lock(&self.shared);
        let list = st.policy_list(account_id);
        match list
            .iter_mut()
            .find(|p| p["network_policy_id"] == id.as_str())
        {
            Some(slot) => *slot = policy,
            None => list.push(policy),
        }
    }

    pub fn policy_raw(&self, account_id: &str, id: &str) -> Option<Value> {
        let st = lock(&self.shared);
        st.policies
            .get(account_id)?
            .iter()
            .find(|p| p["network_policy_id"] == id)
            .cloned()
    }

    /// The policy bound to a workspace (`default-policy` when unbound); `None` if no such workspace.
    pub fn binding(&self, account_id: &str, workspace_id: i64) -> Option<String> {
        let st = lock(&self.shared);
        st.workspace(account_id, workspace_id)?;
        Some(st.binding_of(account_id, workspace_id))
    }

    /// Lifetime of tokens issued from now on (already issued tokens keep their expiry).
    pub fn set_token_lifetime(&self, d: Duration) {
        lock(&self.shared).token_lifetime = d;
    }

    pub fn revoke_all_tokens(&self) {
        lock(&self.shared).tokens.clear();
    }

    /// Faults queue in order; a request consumes one shot of the first fault whose prefix matches.
    pub fn inject_fault(&self, fault: Fault) {
        if fault.times == 0 {
            return;
        }
        lock(&self.shared).faults.push(fault);
    }

    /// Registers an Entra ID app (client id + secret in `tenant`) acting as the admin service
    /// principal of `account_id`.
    pub fn add_entra_app(&self, tenant: &str, client_id: &str, secret: &str, account_id: &str) {
        lock(&self.shared)
            .clouds
            .entra
            .push(super::cloud::EntraApp {
                tenant: tenant.into(),
                client_id: client_id.into(),
                secret: secret.into(),
                account_id: account_id.into(),
            });
    }

    /// Serves an App Service managed identity at `/msi/token`, checking `X-IDENTITY-HEADER`.
    pub fn set_managed_identity(&self, identity_header: &str, client_id: &str, account_id: &str) {
        lock(&self.shared).clouds.msi = Some(super::cloud::ManagedIdentity {
            identity_header: identity_header.into(),
            client_id: client_id.into(),
            account_id: account_id.into(),
        });
    }

    /// An Entra access token for the AzureDatabricks resource, as `az account get-access-token`
    /// would print for a signed-in user.
    pub fn mint_entra_user_token(&self, upn: &str, account_id: &str) -> String {
        let st = lock(&self.shared);
        st.clouds.mint(
            serde_json::json!({"kind": "entra", "aud": super::cloud::AZURE_DATABRICKS_RESOURCE,
                "upn": upn, "sub": upn, "tid": "cli", "account_id": account_id}),
            st.token_lifetime,
        )
    }

    /// Registers a Google service account by its key's public half (PKCS#1 DER); with an
    /// account it is that account's admin, without one it exists only in Google.
    pub fn add_google_sa(&self, email: &str, public_key_der: &[u8], account_id: Option<&str>) {
        lock(&self.shared)
            .clouds
            .google
            .push(super::cloud::GoogleSa {
                email: email.into(),
                public_key_der: public_key_der.to_vec(),
                account_id: account_id.map(str::to_owned),
            });
    }

    /// Lets `caller` impersonate `target` (roles/iam.serviceAccountTokenCreator).
    /// `roles/iam.serviceAccountOpenIdTokenCreator` only: `generateIdToken` is allowed,
    /// `generateAccessToken` denied.
    pub fn grant_openid_token_creator(&self, caller: &str, target: &str) {
        lock(&self.shared)
            .clouds
            .openid_token_creators
            .push((caller.into(), target.into()));
    }

    pub fn grant_token_creator(&self, caller: &str, target: &str) {
        lock(&self.shared)
            .clouds
            .token_creators
            .push((caller.into(), target.into()));
    }

    /// Requests that carried a valid X-Databricks-Azure-SP-Management-Token.
    pub fn management_tokens_accepted(&self) -> usize {
        lock(&self.shared).clouds.management_tokens_accepted
    }

    /// Requests that carried a valid X-Databricks-GCP-SA-Access-Token.
    pub fn gcp_sa_tokens_accepted(&self) -> usize {
        lock(&self.shared).clouds.gcp_sa_tokens_accepted
    }

    /// Serve as a unified host from now on (see [`super::EmulatorOptions::unified_host`]).
    pub fn set_unified_host(&self, unified: bool) {
        lock(&self.shared).unified_host = unified;
    }

    /// Name `workspace_id` in `/.well-known/databricks-config`, as a workspace host does.
    pub fn set_host_workspace_id(&self, workspace_id: Option<i64>) {
        lock(&self.shared).host_workspace_id = workspace_id;
    }

    pub fn request_count(&self, path_prefix: &str) -> usize {
        let st = lock(&self.shared);
        st.request_counts
            .iter()
            .filter(|(path, _)| path.starts_with(path_prefix))
            .map(|(_, n)| n)
            .sum()
    }
}
