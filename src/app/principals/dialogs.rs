//! What the pane's inputs and picks are for: the check of a value and what it leads to (a
//! confirmation, the next input, a write).

use super::validate::validate;
use crate::actor::PrincipalWrite;
use crate::api::WorkspaceId;
use crate::api::permissions::WorkspacePermission;
use crate::app::App;
use crate::app::confirm::Confirm;
use crate::app::dialog::{Input, InputFor, InputStyle, Live, Pick, PickFor, PickPurpose, Purpose};
use crate::app::modal::Modal;
use crate::app::state::State;

/// What a one-line input of this pane is for.
#[derive(Clone, Debug, PartialEq)]
pub enum PrincipalInput {
    CreateName,
    CreateApplicationId { name: String },
    Rename { id: String },
    SecretLifetime { id: String },
}

/// Which list a picker chooses from.
#[derive(Clone, Debug, PartialEq)]
pub enum PrincipalPick {
    Workspace { id: String },
    Permission { id: String, workspace: WorkspaceId },
    Group { id: String },
}

/// The question before a write.
pub(super) fn confirm(write: PrincipalWrite, title: String, lines: Vec<String>) -> Modal {
    Modal::Confirm(Confirm::Principal {
        write,
        title,
        lines,
    })
}

pub(super) fn input(purpose: PrincipalInput, text: String) -> Modal {
    Modal::Input(Input::with_text(InputFor::Principal(purpose), text))
}

pub(super) fn pick(purpose: PrincipalPick, options: Vec<(String, String)>) -> Modal {
    Modal::Pick(Pick::new(PickFor::Principal(purpose), options))
}

/// A principal's name, else its id.
fn name(state: &State, id: &str) -> String {
    state
        .principals
        .get(id)
        .map_or_else(|| id.to_owned(), |sp| sp.name().to_owned())
}

impl Purpose for PrincipalInput {
    fn prompt(&self, state: &State) -> String {
        match self {
            PrincipalInput::CreateName => "New service principal: display name".into(),
            PrincipalInput::CreateApplicationId { name } => format!(
                "Application id for {name} (Azure: the Entra app id; empty: Databricks mints one)"
            ),
            // The prompt names the principal, not its number.
            PrincipalInput::Rename { id } => format!("Rename {} to", name(state, id)),
            PrincipalInput::SecretLifetime { id } => format!(
                "New OAuth secret for {}: lifetime in days (empty: 730, the maximum)",
                name(state, id)
            ),
        }
    }

    fn style(&self) -> InputStyle {
        InputStyle::new(" enter to continue · esc to cancel", 4, Live::OnceRefused)
    }

    fn check(&self, _app: &App, text: &str) -> Result<(), String> {
        validate(self, text)
    }

    fn submit(self, app: &mut App, text: &str) -> Result<Option<Modal>, String> {
        validate(&self, text)?;
        let value = text.trim().to_owned();
        Ok(match self {
            PrincipalInput::CreateName => Some(input(
                PrincipalInput::CreateApplicationId { name: value },
                String::new(),
            )),
            PrincipalInput::CreateApplicationId { name } => {
                let application_id = (!value.is_empty()).then_some(value);
                Some(confirm(
                    PrincipalWrite::Create {
                        display_name: name.clone(),
                        application_id: application_id.clone(),
                    },
                    format!("Create service principal {name}?"),
                    vec![format!(
                        "Display name {name}, application id {}.",
                        application_id.as_deref().unwrap_or("minted by Databricks")
                    )],
                ))
            }
            PrincipalInput::Rename { id } => Some(confirm(
                PrincipalWrite::Rename {
                    id: id.clone(),
                    name: value.clone(),
                },
                format!("Rename {id} to {value}?"),
                vec!["Its application id (OAuth client id) and secrets do not change.".into()],
            )),
            PrincipalInput::SecretLifetime { id } => {
                // The lifetime dialog is the confirmation: it says what enter does.
                app.send_write(PrincipalWrite::CreateSecret {
                    id,
                    lifetime_days: value.parse().ok(),
                    rotating: None,
                });
                None
            }
        })
    }
}

impl PickPurpose for PrincipalPick {
    fn title(&self, state: &State) -> String {
        match self {
            PrincipalPick::Workspace { id } => {
                format!("Workspace to assign {} to", name(state, id))
            }
            PrincipalPick::Permission { workspace, .. } => {
                format!("Permission on workspace {workspace}")
            }
            PrincipalPick::Group { id } => format!("Group to add {} to", name(state, id)),
        }
    }

    fn empty(&self) -> &'static str {
        " loading… (or nothing to choose)"
    }

    fn picked(self, app: &mut App, label: String, value: String) -> Option<Modal> {
        // The focused principal's name (the list may not hold it).
        let name = |app: &App, id: &str| {
            app.state
                .principals
                .focused(app.state.view)
                .filter(|sp| sp.id == id)
                .map_or_else(|| id.to_owned(), |sp| sp.name().to_owned())
        };
        match self {
            PrincipalPick::Workspace { id } => {
                let workspace = WorkspaceId(value.parse().ok()?);
                let options = vec![
                    ("USER: use the workspace".to_owned(), "USER".to_owned()),
                    (
                        "ADMIN: administer the workspace".to_owned(),
                        "ADMIN".to_owned(),
                    ),
                ];
                Some(pick(PrincipalPick::Permission { id, workspace }, options))
            }
            PrincipalPick::Permission { id, workspace } => {
                let permission = if value == "ADMIN" {
                    WorkspacePermission::Admin
                } else {
                    WorkspacePermission::User
                };
                let wname = app
                    .state
                    .principals
                    .assignment(workspace)
                    .map_or_else(|| workspace.to_string(), |r| r.name.clone());
                let n = name(app, &id);
                let title = format!("Assign {n} to {wname} as {permission}?");
                let lines = vec![format!(
                    "{n} gets {permission} on workspace {wname} ({workspace}); an existing assignment is replaced."
                )];
                let write = PrincipalWrite::Assign {
                    id,
                    workspace,
                    permission,
                };
                Some(confirm(write, title, lines))
            }
            PrincipalPick::Group { id } => {
                let n = name(app, &id);
                Some(confirm(
                    PrincipalWrite::SetGroupMember {
                        id,
                        group_id: value,
                        group_name: label.clone(),
                        member: true,
                    },
                    format!("Add {n} to group {label}?"),
                    vec![format!("{n} gets whatever {label} grants.")],
                ))
            }
        }
    }
}
