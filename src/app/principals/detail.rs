//! The principal opened with Enter: its state, its selectable rows (workspaces, groups,
//! secrets), and opening it from the list.

use super::{PrincipalsState, SecretsKnown};
use crate::actor::AssignmentRow;
use crate::api::WorkspaceId;
use crate::api::scim::ServicePrincipal;
use crate::api::secrets::SecretInfo;
use crate::app::App;
use crate::app::list::ListState;
use crate::app::state::{Load, View};

/// A selectable row of the detail.
#[derive(Clone, Debug, PartialEq)]
pub enum DetailItem {
    Workspace(WorkspaceId),
    Group { id: String, name: String },
    Secret(String),
}

/// The principal opened with Enter.
#[derive(Clone, Debug, Default)]
pub struct PrincipalDetail {
    pub id: Option<String>,
    pub sp: Option<ServicePrincipal>,
    pub load: Load,
    /// `None` while loading; `Err` with the reason they cannot be shown.
    pub assignments: Option<Result<Vec<AssignmentRow>, String>>,
    /// Selectable rows (assigned workspaces, groups, secrets); `/` filters them.
    pub items: ListState,
    pub item_list: Vec<DetailItem>,
}

impl PrincipalsState {
    /// Rebuild the detail's selectable rows.
    pub fn rebuild_detail(&mut self) {
        let mut items = Vec::new();
        if let Some(Ok(rows)) = &self.detail.assignments {
            items.extend(
                rows.iter()
                    .filter(|r| !r.permissions.is_empty())
                    .map(|r| DetailItem::Workspace(r.workspace)),
            );
        }
        if let Some(sp) = &self.detail.sp {
            items.extend(sp.groups.iter().filter_map(|g| {
                Some(DetailItem::Group {
                    id: g.value.clone()?,
                    name: g.display.clone().unwrap_or_default(),
                })
            }));
        }
        if let Some(id) = &self.detail.id
            && let Some(SecretsKnown::Known(list)) = self.secrets.get(id)
        {
            items.extend(list.iter().map(|s| DetailItem::Secret(s.id.clone())));
        }
        let hay: Vec<String> = items
            .iter()
            .map(|i| match i {
                DetailItem::Workspace(ws) => format!(
                    "workspace {ws} {}",
                    self.assignment(*ws).map_or("", |r| r.name.as_str())
                ),
                DetailItem::Group { id, name } => format!("group {id} {name}"),
                DetailItem::Secret(id) => format!("secret {id}"),
            })
            .collect();
        self.detail.item_list = items;
        self.detail.items.rebuild(hay.iter().map(String::as_str));
    }

    pub fn assignment(&self, ws: WorkspaceId) -> Option<&AssignmentRow> {
        match &self.detail.assignments {
            Some(Ok(rows)) => rows.iter().find(|r| r.workspace == ws),
            _ => None,
        }
    }

    pub fn selected_item(&self) -> Option<&DetailItem> {
        self.detail
            .items
            .selected_index()
            .and_then(|i| self.detail.item_list.get(i))
    }

    pub fn detail_secrets(&self) -> Option<&Vec<SecretInfo>> {
        match self.secrets.get(self.detail.id.as_deref()?) {
            Some(SecretsKnown::Known(l)) => Some(l),
            _ => None,
        }
    }
}

impl App {
    pub(in crate::app) fn open_principal(&mut self) {
        let Some(sp) = self.state.principals.selected().cloned() else {
            return;
        };
        let p = &mut self.state.principals;
        p.detail = PrincipalDetail {
            id: Some(sp.id.clone()),
            sp: Some(sp),
            load: Load::NotLoaded,
            ..Default::default()
        };
        p.rebuild_detail();
        self.show(View::PrincipalDetail);
    }
}
