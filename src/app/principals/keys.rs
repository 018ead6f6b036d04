//! Keys while one of the pane's dialogs is open, and what a picked option or a submitted
//! input leads to.

use super::validate::validate;
use super::{PrincipalInput, PrincipalModal, PrincipalPick};
use crate::actor::PrincipalWrite;
use crate::api::WorkspaceId;
use crate::api::permissions::WorkspacePermission;
use crate::app::App;
use crate::app::list::ListState;
use crate::app::modal::Modal;
use crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

impl App {
    /// Keys while one of this pane's dialogs is open.
    pub(in crate::app) fn principal_modal_key(
        &mut self,
        m: PrincipalModal,
        key: KeyEvent,
    ) -> Option<Modal> {
        let keep = |m| Some(Modal::Principal(m));
        match m {
            PrincipalModal::Input {
                purpose,
                mut input,
                error,
            } => match key.code {
                KeyCode::Esc => None,
                KeyCode::Enter => self.submit_principal_input(purpose, input),
                _ => {
                    input.handle_event(&Event::Key(key));
                    let error = if error.is_some() {
                        validate(&purpose, input.value()).err()
                    } else {
                        None
                    };
                    keep(PrincipalModal::Input {
                        purpose,
                        input,
                        error,
                    })
                }
            },
            PrincipalModal::Confirm {
                write,
                title,
                lines,
            } => match key.code {
                KeyCode::Char('y') => {
                    self.send_write(write);
                    None
                }
                KeyCode::Char('n') | KeyCode::Esc => None,
                _ => keep(PrincipalModal::Confirm {
                    write,
                    title,
                    lines,
                }),
            },
            PrincipalModal::TypeToConfirm {
                write,
                expected,
                mut input,
            } => match key.code {
                KeyCode::Esc => None,
                KeyCode::Enter if input.value() == expected => {
                    self.send_write(write);
                    None
                }
                KeyCode::Enter => {
                    self.state.flash = Some(format!(
                        "type {expected} exactly to delete it, or esc to cancel"
                    ));
                    keep(PrincipalModal::TypeToConfirm {
                        write,
                        expected,
                        input,
                    })
                }
                _ => {
                    input.handle_event(&Event::Key(key));
                    keep(PrincipalModal::TypeToConfirm {
                        write,
                        expected,
                        input,
                    })
                }
            },
            PrincipalModal::Pick {
                purpose,
                options,
                mut list,
            } => match key.code {
                KeyCode::Esc => None,
                KeyCode::Down | KeyCode::Char('j') => {
                    list.move_by(1, 10);
                    keep(PrincipalModal::Pick {
                        purpose,
                        options,
                        list,
                    })
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    list.move_by(-1, 10);
                    keep(PrincipalModal::Pick {
                        purpose,
                        options,
                        list,
                    })
                }
                KeyCode::Enter => {
                    let value = list.selected_index().and_then(|i| options.get(i)).cloned();
                    let (label, value) = value?;
                    self.picked_principal(purpose, label, value)
                }
                _ => keep(PrincipalModal::Pick {
                    purpose,
                    options,
                    list,
                }),
            },
            PrincipalModal::SecretShown {
                id,
                name,
                info,
                secret,
                copied,
                rotating,
            } => match key.code {
                KeyCode::Char('c') => {
                    self.clipboard = Some(secret.clone());
                    self.state.flash = Some(
                        "sent to the terminal's clipboard (OSC 52); under tmux: set -g set-clipboard on"
                            .into(),
                    );
                    keep(PrincipalModal::SecretShown {
                        id,
                        name,
                        info,
                        secret,
                        copied: true,
                        rotating,
                    })
                }
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => {
                    drop(secret);
                    // Rotation: now offer to delete the old one.
                    rotating.map(|old| {
                        Modal::Principal(PrincipalModal::Confirm {
                            write: PrincipalWrite::DeleteSecret {
                                id: id.clone(),
                                secret_id: old.clone(),
                            },
                            title: format!("Delete the old secret {old} of {name}?"),
                            lines: vec![
                                format!("The new secret {} is in place.", info.id),
                                "Anything still using the old secret stops working once it is deleted: update your automation first.".into(),
                            ],
                        })
                    })
                }
                _ => keep(PrincipalModal::SecretShown {
                    id,
                    name,
                    info,
                    secret,
                    copied,
                    rotating,
                }),
            },
        }
    }

    fn picked_principal(
        &mut self,
        purpose: PrincipalPick,
        label: String,
        value: String,
    ) -> Option<Modal> {
        let name = |s: &Self, id: &str| {
            s.state
                .principals
                .focused(s.state.view)
                .filter(|sp| sp.id == id)
                .map_or_else(|| id.to_owned(), |sp| sp.name().to_owned())
        };
        match purpose {
            PrincipalPick::Workspace { id } => {
                let workspace = WorkspaceId(value.parse().ok()?);
                let options = vec![
                    ("USER: use the workspace".to_owned(), "USER".to_owned()),
                    (
                        "ADMIN: administer the workspace".to_owned(),
                        "ADMIN".to_owned(),
                    ),
                ];
                let mut list = ListState::default();
                list.rebuild(options.iter().map(|(l, _)| l.as_str()));
                Some(Modal::Principal(PrincipalModal::Pick {
                    purpose: PrincipalPick::Permission { id, workspace },
                    options,
                    list,
                }))
            }
            PrincipalPick::Permission { id, workspace } => {
                let permission = if value == "ADMIN" {
                    WorkspacePermission::Admin
                } else {
                    WorkspacePermission::User
                };
                let wname = self
                    .state
                    .principals
                    .assignment(workspace)
                    .map_or_else(|| workspace.to_string(), |r| r.name.clone());
                let n = name(self, &id);
                Some(Modal::Principal(PrincipalModal::Confirm {
                    title: format!("Assign {n} to {wname} as {permission}?"),
                    lines: vec![format!(
                        "{n} gets {permission} on workspace {wname} ({workspace}); an existing assignment is replaced."
                    )],
                    write: PrincipalWrite::Assign {
                        id,
                        workspace,
                        permission,
                    },
                }))
            }
            PrincipalPick::Group { id } => {
                let n = name(self, &id);
                Some(Modal::Principal(PrincipalModal::Confirm {
                    title: format!("Add {n} to group {label}?"),
                    lines: vec![format!("{n} gets whatever {label} grants.")],
                    write: PrincipalWrite::AddToGroup {
                        id,
                        group_id: value,
                        group_name: label,
                    },
                }))
            }
        }
    }

    fn submit_principal_input(&mut self, purpose: PrincipalInput, input: Input) -> Option<Modal> {
        if let Err(error) = validate(&purpose, input.value()) {
            return Some(Modal::Principal(PrincipalModal::Input {
                purpose,
                input,
                error: Some(error),
            }));
        }
        let value = input.value().trim().to_owned();
        match purpose {
            PrincipalInput::CreateName => Some(Modal::Principal(PrincipalModal::Input {
                purpose: PrincipalInput::CreateApplicationId { name: value },
                input: Input::default(),
                error: None,
            })),
            PrincipalInput::CreateApplicationId { name } => {
                let application_id = (!value.is_empty()).then_some(value);
                Some(Modal::Principal(PrincipalModal::Confirm {
                    title: format!("Create service principal {name}?"),
                    lines: vec![format!(
                        "Display name {name}, application id {}.",
                        application_id.as_deref().unwrap_or("minted by Databricks")
                    )],
                    write: PrincipalWrite::Create {
                        display_name: name,
                        application_id,
                    },
                }))
            }
            PrincipalInput::Rename { id } => Some(Modal::Principal(PrincipalModal::Confirm {
                title: format!("Rename {id} to {value}?"),
                lines: vec![
                    "Its application id (OAuth client id) and secrets do not change.".into(),
                ],
                write: PrincipalWrite::Rename { id, name: value },
            })),
            PrincipalInput::SecretLifetime { id } => {
                // The lifetime dialog is the confirmation: it says what enter does.
                self.send_write(PrincipalWrite::CreateSecret {
                    id,
                    lifetime_days: value.parse().ok(),
                    rotating: None,
                });
                None
            }
        }
    }
}
