//! Which workspace an account profile reads the egress log through, and a client for it.
//!
//! `system.access.outbound_network` is read with a SQL warehouse, and warehouses live in
//! workspaces: an accounts host serves no `/api/2.0/sql/*` (docs/wire-facts.md §13). For an
//! account profile the workspace is, in order: the one chosen in the workspaces pane
//! (remembered per profile in the app's state directory), the profile's `warehouse_workspace`
//! or `workspace_id`, else the first RUNNING workspace that has a serverless warehouse (else
//! any warehouse). Its URL and credential come from the account profile
//! ([`crate::auth::cross_workspace`]); a workspace profile reads through its own host.

use super::session::Session;
use crate::api::sql::{self, Warehouse};
use crate::api::workspaces::{self, Workspace, WorkspaceStatus};
use crate::api::{ApiClient, ApiError, WorkspaceId};
use crate::config::ProfileKind;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;

/// The file (next to the journal) that remembers the chosen workspace of each profile.
const REMEMBERED_FILE: &str = "egress-workspaces.json";

/// The workspace the egress log of an account profile is read through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EgressVia {
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
}

/// Clients for the workspaces a session has read through, so their tokens are reused.
#[derive(Default)]
pub(super) struct Routes {
    clients: Mutex<HashMap<WorkspaceId, (EgressVia, ApiClient)>>,
}

/// Where the SQL calls of one request go.
pub(super) struct Route {
    pub via: Option<EgressVia>,
    pub client: ApiClient,
}

impl Session {
    fn remembered_path(&self) -> Option<PathBuf> {
        self.journal
            .path()
            .parent()
            .map(|d| d.join(REMEMBERED_FILE))
    }

    /// The remembered choice of this profile, if any (read off the UI thread).
    async fn remembered(&self) -> Option<WorkspaceId> {
        let path = self.remembered_path()?;
        let name = self.profile.name.clone();
        tokio::task::spawn_blocking(move || {
            let map: BTreeMap<String, i64> =
                serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
            map.get(&name).copied().map(WorkspaceId)
        })
        .await
        .ok()
        .flatten()
    }

    /// Remember `ws` as this profile's choice (0600, in a blocking task).
    async fn remember(&self, ws: WorkspaceId) -> Result<(), ApiError> {
        let Some(path) = self.remembered_path() else {
            return Ok(());
        };
        let name = self.profile.name.clone();
        let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let mut map: BTreeMap<String, i64> = std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default();
            map.insert(name, ws.0);
            let bytes = serde_json::to_vec_pretty(&map).map_err(std::io::Error::other)?;
            crate::files::write_private_replace(&path, &bytes)
        })
        .await
        .map_err(|e| ApiError::Local(format!("remembering the workspace: {e}")))?;
        written.map_err(|e| ApiError::Local(format!("remembering the workspace: {e}")))
    }

    fn cached_route(&self, id: WorkspaceId) -> Option<Route> {
        self.egress_routes
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&id)
            .map(|(via, client)| Route {
                via: Some(via.clone()),
                client: client.clone(),
            })
    }

    /// A client for `ws`, built from the account profile's credential once per session.
    async fn workspace_client(&self, ws: &Workspace) -> Result<Route, ApiError> {
        if let Some(r) = self.cached_route(ws.workspace_id) {
            return Ok(r);
        }
        let (profile, target) = (self.profile.clone(), ws.clone());
        // Building a provider may read the OS keyring: not on the actor's loop.
        let built = tokio::task::spawn_blocking(move || {
            crate::auth::cross_workspace::workspace_credential(&profile, &target)
        })
        .await
        .map_err(|e| ApiError::Local(format!("preparing the workspace credential: {e}")))?;
        let (profile, provider, headers) = built.map_err(|e| ApiError::Auth(e.to_string()))?;
        let host = profile.host.clone().unwrap_or_default();
        let client = ApiClient::new(self.client.http().clone(), &host, provider)
            .with_headers(headers)
            .with_retry(self.client.retry_policy());
        let via = EgressVia {
            workspace_id: ws.workspace_id,
            workspace_name: ws.workspace_name.clone(),
        };
        self.egress_routes
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(ws.workspace_id, (via.clone(), client.clone()));
        Ok(Route {
            via: Some(via),
            client,
        })
    }

    /// The client for SQL calls through `via` (a workspace profile: its own client).
    pub(super) async fn sql_route(&self, via: Option<&EgressVia>) -> Result<Route, ApiError> {
        if self.profile.kind() == ProfileKind::Workspace {
            return Ok(Route {
                via: None,
                client: self.client.clone(),
            });
        }
        let Some(via) = via else {
            return Err(ApiError::Local(
                "no workspace chosen to read the egress log through".into(),
            ));
        };
        if let Some(r) = self.cached_route(via.workspace_id) {
            return Ok(r);
        }
        let account = self.account_id()?;
        let ws = workspaces::get(&self.client, account, via.workspace_id).await?;
        self.workspace_client(&ws).await
    }

    /// Pick the workspace to read through (see the module comment) and list its warehouses.
    /// `chosen` is a choice made just now in the workspaces pane: it is remembered.
    pub(super) async fn egress_warehouses(
        &self,
        chosen: Option<WorkspaceId>,
    ) -> Result<(Option<EgressVia>, Vec<Warehouse>), ApiError> {
        if self.profile.kind() == ProfileKind::Workspace {
            return Ok((None, sql::list_warehouses(&self.client).await?));
        }
        if let Some(ws) = chosen {
            self.remember(ws).await?;
        }
        let account = self.account_id()?.to_owned();
        let list = workspaces::list(&self.client, &account).await?;
        let configured = self
            .profile
            .other
            .get("warehouse_workspace")
            .or(self.profile.workspace_id.as_ref())
            .cloned();
        let preferred = match chosen {
            Some(ws) => Some(ws),
            None => self.remembered().await,
        }
        .and_then(|id| list.iter().find(|w| w.workspace_id == id))
        .or_else(|| {
            configured.as_deref().and_then(|c| {
                list.iter()
                    .find(|w| w.workspace_id.to_string() == c || w.workspace_name == c)
            })
        });
        if let Some(ws) = preferred {
            let route = self.workspace_client(ws).await?;
            let warehouses = sql::list_warehouses(&route.client).await?;
            return Ok((route.via, warehouses));
        }
        // The first running workspace with a serverless warehouse, else one with any.
        let mut fallback = None;
        let mut failures = Vec::new();
        for ws in list
            .iter()
            .filter(|w| w.workspace_status == Some(WorkspaceStatus::Running))
        {
            let route = match self.workspace_client(ws).await {
                Ok(r) => r,
                // The credential cannot cross: no other workspace will do better.
                Err(e @ ApiError::Auth(_)) => return Err(e),
                Err(e) => {
                    failures.push(format!("{}: {}", ws.workspace_name, e.user_message()));
                    continue;
                }
            };
            match sql::list_warehouses(&route.client).await {
                Ok(w) if w.iter().any(Warehouse::is_serverless) => return Ok((route.via, w)),
                Ok(w) if !w.is_empty() && fallback.is_none() => fallback = Some((route.via, w)),
                Ok(_) => {}
                Err(e) => failures.push(format!("{}: {}", ws.workspace_name, e.user_message())),
            }
        }
        if let Some(found) = fallback {
            return Ok(found);
        }
        let mut why = "no running workspace of this account has a SQL warehouse to read the egress log with (L in :ws chooses one)".to_owned();
        if !failures.is_empty() {
            why.push_str(&format!("; {}", failures.join("; ")));
        }
        Err(ApiError::Local(why))
    }
}
