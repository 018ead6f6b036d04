//! A faithful emulator of the Databricks account and workspace REST APIs.
//!
//! One HTTP server on 127.0.0.1 answers both account (`/api/2.0/accounts/{id}/…`) and workspace
//! (`/api/2.0/preview/…`) APIs plus the OAuth endpoints, with Databricks' error shapes, so the
//! demo mode and the integration tests exercise the same client code real accounts do.

// The client's API types are the emulator's wire types too.
use dbx_client::api;

mod assignments;
mod auth;
mod cloud;
mod error;
mod faults;
mod groups;
mod handle;
mod policies;
mod races;
mod router;
mod scim;
mod scim_filter;
mod scim_patch;
mod scim_write;
mod secrets;
mod seed;
mod sp_store;
mod sql;
mod standalone;
mod state;
mod tls;
mod u2m;

use std::net::SocketAddr;
use std::time::Duration;

use axum::serve::ListenerExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{BodyFault, FaultKind, MAX_HUGE_BYTES};
pub use groups::SeedGroup;
pub use races::RaceAnswer;
pub use router::Gateway;
pub use seed::{Seed, SeedAccount, SeedBinding, SeedPat, SeedSp};
pub use standalone::{
    CliFault, FAULT_HELP, Standalone, databrickscfg, parse_fault, run_standalone,
    run_standalone_with,
};
pub use state::{EmulatorHandle, Fault};
pub use tls::TlsIdentity;

/// How to serve, beyond [`EmulatorOptions`]: over TLS with a given certificate (for clients
/// that accept only https, like the Entra authority of `azure_identity`), behind a gateway.
#[derive(Clone, Default)]
pub struct ServeOptions {
    pub tls: Option<TlsIdentity>,
    pub gateway: Option<Gateway>,
}

pub struct EmulatorOptions {
    /// [`Seed::demo`] is the embedded `assets/demo` data.
    pub seed: Seed,
    /// Lifetime of OAuth access tokens issued by the token endpoints.
    pub token_lifetime: Duration,
    /// Page size of the network policies list.
    pub policy_page_size: usize,
    /// Cap on SCIM `count`.
    pub scim_max_count: usize,
    /// Scale knob: this many generated service principals are appended to every seeded account
    /// (deterministic names and ids), so lists of 10,000+ can be tested and benchmarked.
    pub generated_service_principals: usize,
    /// Serve SCIM lists without `totalResults`, like servers that omit it (clients must then walk
    /// until an empty page). Also switchable at run time with [`EmulatorHandle::set_scim_omit_total`].
    pub scim_omit_total_results: bool,
    /// STARTING → RUNNING time of a SQL warehouse.
    pub warehouse_start_delay: Duration,
    /// How long a statement runs once its warehouse is up (makes RUNNING observable).
    pub sql_statement_delay: Duration,
    /// Rows per result chunk of the Statement Execution API.
    pub sql_chunk_rows: usize,
    /// Denied (logged) egress events per second across all accounts that the background
    /// generator adds to `system.access.outbound_network`; 0 disables it. It makes as many
    /// connection attempts as that takes under the live policies.
    pub egress_events_per_sec: f64,
    /// Attempts spread over the last 7 days at start, so aggregates have history; 0 for none.
    pub egress_backfill: usize,
    /// Seed of the egress generator.
    pub egress_seed: u64,
    /// Serve `POST`/`DELETE /__emulator/faults`, which lets anyone who can reach the port break
    /// answers. Off unless `dbx-tui emulator --faults` or a test asks; in-process tests use
    /// [`EmulatorHandle`] instead.
    pub fault_routes: bool,
    /// Serve as a unified host: a workspace-level call without `X-Databricks-Workspace-Id` is
    /// refused with an error naming the header. Off by default: the combined host then routes
    /// such a call to the credential's workspace, else the account's first one.
    pub unified_host: bool,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            seed: Seed::demo(),
            token_lifetime: Duration::from_secs(3600),
            policy_page_size: 25,
            scim_max_count: 100,
            generated_service_principals: 0,
            scim_omit_total_results: false,
            warehouse_start_delay: Duration::from_secs(3),
            sql_statement_delay: Duration::from_millis(250),
            sql_chunk_rows: 10_000,
            egress_events_per_sec: 5.0,
            egress_backfill: 5_000,
            egress_seed: 0xD8_7E55,
            fault_routes: false,
            unified_host: false,
        }
    }
}

/// Credentials of one seeded account, for tests and the standalone printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub account_id: String,
    /// "aws" | "azure" | "gcp"
    pub cloud: String,
    pub name: String,
    /// Static token valid on this account's account APIs and its workspaces' APIs.
    pub admin_token: String,
    /// An OAuth M2M service principal (account admin) of this account.
    pub client_id: String,
    pub client_secret: String,
    /// A PAT valid only on that one workspace: (workspace_id, token).
    pub workspace_pat: Option<(i64, String)>,
}

/// A running emulator; dropping it (or [`Emulator::shutdown`]) stops the server.
pub struct Emulator {
    addr: SocketAddr,
    handle: EmulatorHandle,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    generator: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Binds `bind` (port 0 picks a free port) and serves in a background task.
    pub async fn start(opts: EmulatorOptions, bind: SocketAddr) -> std::io::Result<Emulator> {
        Self::start_with(opts, bind, ServeOptions::default()).await
    }

    /// [`Emulator::start`] with TLS and/or a gateway.
    pub async fn start_with(
        opts: EmulatorOptions,
        bind: SocketAddr,
        serve: ServeOptions,
    ) -> std::io::Result<Emulator> {
        let mut st = state::State::new(&opts);
        let scheme = if serve.tls.is_some() { "https" } else { "http" };
        st.scheme = scheme;
        let shared = std::sync::Arc::new(std::sync::Mutex::new(st));
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let generator = sql::start_generator(&shared, &opts);
        let app = router::build_with(shared.clone(), serve.gateway, opts.fault_routes);
        let (tx, rx) = oneshot::channel::<()>();
        let task = match serve.tls {
            None => tokio::spawn(async move {
                // Without TCP_NODELAY each keep-alive response can stall ~40 ms on Nagle +
                // delayed ACK, and benchmarks would measure the emulator instead of the client.
                let listener = listener.tap_io(|tcp| {
                    if let Err(e) = tcp.set_nodelay(true) {
                        tracing::warn!(target: "emulator", "set_nodelay failed: {e}");
                    }
                });
                let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                    let _ = rx.await;
                });
                if let Err(e) = serve.await {
                    tracing::error!(target: "emulator", "emulator server failed: {e}");
                }
            }),
            Some(id) => {
                let listener = tls::TlsListener::new(listener, &id)?;
                tokio::spawn(async move {
                    let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                        let _ = rx.await;
                    });
                    if let Err(e) = serve.await {
                        tracing::error!(target: "emulator", "emulator server failed: {e}");
                    }
                })
            }
        };
        tracing::info!(target: "emulator", %addr, "emulator listening");
        Ok(Emulator {
            addr,
            handle: EmulatorHandle { shared },
            stop: Some(tx),
            task: Some(task),
            generator,
        })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        let scheme = state::lock(&self.handle.shared).scheme;
        format!("{scheme}://{}", self.addr)
    }

    pub fn accounts(&self) -> Vec<DemoAccount> {
        let st = state::lock(&self.handle.shared);
        st.accounts
            .iter()
            .map(|a| DemoAccount {
                account_id: a.account_id.clone(),
                cloud: a.cloud.clone(),
                name: a.name.clone(),
                admin_token: a.admin_token.clone(),
                client_id: a.client_id.clone(),
                client_secret: a.client_secret.clone(),
                workspace_pat: a
                    .workspace_pat
                    .as_ref()
                    .map(|p| (p.workspace_id, p.token.clone())),
            })
            .collect()
    }

    pub fn handle(&self) -> EmulatorHandle {
        self.handle.clone()
    }

    /// Stops accepting, lets in-flight requests finish (bounded), and frees the port.
    pub async fn shutdown(mut self) {
        if let Some(g) = self.generator.take() {
            g.abort();
        }
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(g) = self.generator.take() {
            g.abort();
        }
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        // Idle keep-alive connections would otherwise keep the server task alive.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
