//! Running a principals request: the streamed list, the visible rows' secrets, the drill-in
//! with its workspace assignments, and the groups; writes go to the write module.

use super::{AssignmentRow, PrincipalsPayload, PrincipalsRequest};
use crate::actor::Payload;
use crate::actor::feature::{Feature, Reply};
use crate::actor::session::Session;
use crate::api::scim_load::{LoadQuery, load_all};
use crate::api::{ApiError, permissions, scim, workspaces};
use futures::StreamExt;

/// SCIM pages in flight at once while streaming the list.
const LIST_CONCURRENCY: usize = 4;
/// Secret lists (one per visible row) or workspace assignment lists in flight at once.
const FAN_OUT: usize = 4;

impl Feature for PrincipalsRequest {
    async fn execute(self, session: &Session, reply: Reply<'_>) -> Result<(), ApiError> {
        let out = |p| reply.send(Payload::Principals(p));
        match self {
            PrincipalsRequest::List { filter } => {
                let query = LoadQuery {
                    filter,
                    ..LoadQuery::default()
                };
                let summary = load_all(
                    &session.client,
                    &session.scim_scope(),
                    &query,
                    LIST_CONCURRENCY,
                    |rows, progress| {
                        out(PrincipalsPayload::Page {
                            rows,
                            loaded: progress.loaded,
                            total: progress.total,
                            done: false,
                        });
                    },
                )
                .await?;
                out(PrincipalsPayload::Page {
                    rows: Vec::new(),
                    loaded: summary.loaded,
                    total: summary.total,
                    done: true,
                });
                if let Some(gap) = crate::api::sql::describe_gaps(&summary.gaps) {
                    reply.send(Payload::LoadGap(format!("service principals: {gap}")));
                }
            }
            PrincipalsRequest::Secrets(ids) => {
                let mut stream = futures::stream::iter(ids)
                    .map(|id| async move {
                        let r = session.list_secrets(&id).await;
                        (id, r)
                    })
                    .buffer_unordered(FAN_OUT);
                while let Some((id, r)) = stream.next().await {
                    out(PrincipalsPayload::Secrets {
                        id,
                        result: r.map_err(|e| e.user_message()),
                    });
                }
            }
            PrincipalsRequest::Detail(id) => {
                let sp = scim::get_service_principal(&session.client, &session.scim_scope(), &id)
                    .await?;
                out(PrincipalsPayload::Detail(sp));
                out(PrincipalsPayload::Secrets {
                    id: id.clone(),
                    result: session
                        .list_secrets(&id)
                        .await
                        .map_err(|e| e.user_message()),
                });
                let (rows, note) = session.assignments_of(&id).await;
                out(PrincipalsPayload::Assignments { id, rows, note });
            }
            PrincipalsRequest::Groups => {
                let groups =
                    scim::list_groups(&session.client, &session.scim_scope(), None).await?;
                out(PrincipalsPayload::Groups(groups));
            }
            PrincipalsRequest::Write(w) => out(session.principal_write(w).await?),
        }
        Ok(())
    }
}

impl Session {
    /// Assignments of one principal over every workspace of the account, read with bounded
    /// concurrency. Done on drill-in (one principal, an account's tens of workspaces), never per
    /// list row.
    async fn assignments_of(&self, id: &str) -> (Vec<AssignmentRow>, Option<String>) {
        let Ok(acc) = self.account_id() else {
            return (
                Vec::new(),
                Some("workspace assignments are account-level: use an account profile".into()),
            );
        };
        let Some(pid) = permissions::principal_id_of(id) else {
            return (Vec::new(), Some(format!("{id} is not a numeric SCIM id")));
        };
        let list = match workspaces::list(&self.client, acc).await {
            Ok(l) => l,
            Err(e) => return (Vec::new(), Some(e.user_message())),
        };
        let mut rows: Vec<AssignmentRow> = futures::stream::iter(list)
            .map(|w| async move {
                let r = permissions::list(&self.client, acc, w.workspace_id).await;
                let (permissions, error) = match r {
                    Ok(all) => (
                        all.into_iter()
                            .filter(|a| {
                                a.principal.as_ref().and_then(|p| p.principal_id) == Some(pid)
                            })
                            .flat_map(|a| a.permissions)
                            .collect(),
                        None,
                    ),
                    Err(e) => (Vec::new(), Some(e.user_message())),
                };
                AssignmentRow {
                    workspace: w.workspace_id,
                    name: w.workspace_name,
                    permissions,
                    error,
                }
            })
            .buffer_unordered(FAN_OUT)
            .collect()
            .await;
        rows.sort_by(|a, b| a.name.cmp(&b.name));
        (rows, None)
    }
}
