//! The one-line inputs of the policy views: what each is for, validating what is typed into an
//! edit, and applying it on enter.

use super::new_policy;
use super::storage::parse_storage_input;
use crate::api::PolicyId;
use crate::api::network_policies::StorageDestination;
use crate::api::network_policies::change::EditOp;
use crate::api::network_policies::validate::{
    check_new_dns_destination, check_new_storage_destination, validate_policy_id,
};
use crate::app::App;
use crate::app::dialog::{InputStyle, Live, Purpose};
use crate::app::modal::{Modal, ReviewKind};
use crate::app::state::State;

/// What a one-line input of the policy views is for.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyInput {
    AddDns,
    EditDns(String),
    AddBlocked,
    EditBlocked(String),
    AddStorage,
    EditStorage(StorageDestination),
    NewPolicy,
    ClonePolicy(PolicyId),
}

impl Purpose for PolicyInput {
    fn prompt(&self, _state: &State) -> String {
        match self {
            PolicyInput::AddDns => "Allow DNS name".into(),
            PolicyInput::EditDns(old) => format!("Replace {old} with"),
            PolicyInput::AddBlocked => "Block DNS name".into(),
            PolicyInput::EditBlocked(old) => format!("Block instead of {old}"),
            PolicyInput::AddStorage => {
                "Allow storage (s3://bucket region | gs://bucket | azure://account.dfs)".into()
            }
            PolicyInput::EditStorage(old) => format!("Replace {} with", old.label()),
            PolicyInput::NewPolicy => "New policy id".into(),
            PolicyInput::ClonePolicy(from) => format!("Clone {from} as"),
        }
    }

    fn style(&self) -> InputStyle {
        InputStyle::new(" enter to add · esc to cancel", 6, Live::WhileTyping)
    }

    fn check(&self, app: &App, text: &str) -> Result<(), String> {
        app.validate_input(self, text).map(drop)
    }

    fn submit(self, app: &mut App, text: &str) -> Result<Option<Modal>, String> {
        let op = app.validate_input(&self, text)?;
        Ok(app.submit_input(self, text, op))
    }
}

impl App {
    pub(in crate::app) fn validate_input(
        &self,
        purpose: &PolicyInput,
        value: &str,
    ) -> Result<EditOp, String> {
        let draft = self.state.detail_draft();
        let dns = draft
            .as_ref()
            .map(|p| p.internet_destinations().to_vec())
            .unwrap_or_default();
        let blocked = draft
            .as_ref()
            .map(|p| p.blocked_destinations().to_vec())
            .unwrap_or_default();
        let storage = draft
            .as_ref()
            .map(|p| p.storage_destinations().to_vec())
            .unwrap_or_default();
        match purpose {
            PolicyInput::AddDns => Ok(EditOp::AddDns {
                name: check_new_dns_destination(value, &dns).map_err(|e| e.to_string())?,
            }),
            PolicyInput::EditDns(old) => {
                let others: Vec<_> = dns.into_iter().filter(|d| &d.destination != old).collect();
                Ok(EditOp::AddDns {
                    name: check_new_dns_destination(value, &others).map_err(|e| e.to_string())?,
                })
            }
            PolicyInput::AddBlocked => Ok(EditOp::AddBlockedDns {
                name: check_new_dns_destination(value, &blocked).map_err(|e| e.to_string())?,
            }),
            PolicyInput::EditBlocked(old) => {
                let others: Vec<_> = blocked
                    .into_iter()
                    .filter(|d| &d.destination != old)
                    .collect();
                Ok(EditOp::AddBlockedDns {
                    name: check_new_dns_destination(value, &others).map_err(|e| e.to_string())?,
                })
            }
            PolicyInput::AddStorage | PolicyInput::EditStorage(_) => {
                let d = parse_storage_input(value)?;
                let others: Vec<_> = match purpose {
                    PolicyInput::EditStorage(old) => {
                        storage.into_iter().filter(|s| s != old).collect()
                    }
                    _ => storage,
                };
                Ok(EditOp::AddStorage {
                    destination: check_new_storage_destination(&d, &others)
                        .map_err(|e| e.to_string())?,
                })
            }
            PolicyInput::NewPolicy | PolicyInput::ClonePolicy(_) => {
                validate_policy_id(value)?;
                if self.state.policies.iter().any(|p| p.id() == value) {
                    return Err(format!("a policy named {value} exists already"));
                }
                Ok(EditOp::AddDns {
                    name: String::new(),
                })
            }
        }
    }

    /// Enter in a valid input: record the edit, or review the new policy.
    fn submit_input(&mut self, purpose: PolicyInput, value: &str, op: EditOp) -> Option<Modal> {
        match purpose {
            PolicyInput::AddDns | PolicyInput::AddBlocked | PolicyInput::AddStorage => {
                self.push_op(op);
            }
            PolicyInput::EditDns(old) => {
                self.push_op(EditOp::RemoveDns { name: old });
                self.push_op(op);
            }
            PolicyInput::EditBlocked(old) => {
                self.push_op(EditOp::RemoveBlockedDns { name: old });
                self.push_op(op);
            }
            PolicyInput::EditStorage(old) => {
                self.push_op(EditOp::RemoveStorage { destination: old });
                self.push_op(op);
            }
            PolicyInput::NewPolicy => {
                let p = new_policy(value);
                return Some(Modal::Review {
                    kind: ReviewKind::Create(Box::new(p)),
                    scroll: 0,
                });
            }
            PolicyInput::ClonePolicy(from) => {
                let source = self.state.listed_policy(from.as_str()).cloned();
                let mut p = match (&self.state.detail.id, self.state.detail_draft()) {
                    (Some(id), Some(draft)) if *id == from => draft,
                    _ => source?,
                };
                p.network_policy_id = Some(PolicyId(value.to_owned()));
                p.account_id = None;
                return Some(Modal::Review {
                    kind: ReviewKind::Create(Box::new(p)),
                    scroll: 0,
                });
            }
        }
        None
    }
}
