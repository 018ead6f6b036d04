//! The one-line inputs of the policy views: validating what is typed into an edit, and
//! applying it on enter.

use super::new_policy;
use super::storage::parse_storage_input;
use crate::api::PolicyId;
use crate::api::network_policies::change::EditOp;
use crate::api::network_policies::validate::{
    check_new_dns_destination, check_new_storage_destination, validate_policy_id,
};
use crate::app::App;
use crate::app::modal::{InputPurpose, Modal, ReviewKind};
use tui_input::Input;

impl App {
    pub(in crate::app) fn validate_input(
        &self,
        purpose: &InputPurpose,
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
            InputPurpose::AddDns => Ok(EditOp::AddDns {
                name: check_new_dns_destination(value, &dns).map_err(|e| e.to_string())?,
            }),
            InputPurpose::EditDns(old) => {
                let others: Vec<_> = dns.into_iter().filter(|d| &d.destination != old).collect();
                Ok(EditOp::AddDns {
                    name: check_new_dns_destination(value, &others).map_err(|e| e.to_string())?,
                })
            }
            InputPurpose::AddBlocked => Ok(EditOp::AddBlockedDns {
                name: check_new_dns_destination(value, &blocked).map_err(|e| e.to_string())?,
            }),
            InputPurpose::EditBlocked(old) => {
                let others: Vec<_> = blocked
                    .into_iter()
                    .filter(|d| &d.destination != old)
                    .collect();
                Ok(EditOp::AddBlockedDns {
                    name: check_new_dns_destination(value, &others).map_err(|e| e.to_string())?,
                })
            }
            InputPurpose::AddStorage | InputPurpose::EditStorage(_) => {
                let d = parse_storage_input(value)?;
                let others: Vec<_> = match purpose {
                    InputPurpose::EditStorage(old) => {
                        storage.into_iter().filter(|s| s != old).collect()
                    }
                    _ => storage,
                };
                Ok(EditOp::AddStorage {
                    destination: check_new_storage_destination(&d, &others)
                        .map_err(|e| e.to_string())?,
                })
            }
            InputPurpose::NewPolicy | InputPurpose::ClonePolicy(_) => {
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

    /// Enter in an input: apply it, or keep the modal with the reason and the typed text.
    pub(super) fn submit_input(&mut self, purpose: InputPurpose, input: Input) -> Option<Modal> {
        let op = match self.validate_input(&purpose, input.value()) {
            Ok(op) => op,
            Err(error) => {
                return Some(Modal::Input {
                    purpose,
                    input,
                    error: Some(error),
                });
            }
        };
        match purpose {
            InputPurpose::AddDns | InputPurpose::AddBlocked | InputPurpose::AddStorage => {
                self.push_op(op);
            }
            InputPurpose::EditDns(old) => {
                self.push_op(EditOp::RemoveDns { name: old });
                self.push_op(op);
            }
            InputPurpose::EditBlocked(old) => {
                self.push_op(EditOp::RemoveBlockedDns { name: old });
                self.push_op(op);
            }
            InputPurpose::EditStorage(old) => {
                self.push_op(EditOp::RemoveStorage { destination: old });
                self.push_op(op);
            }
            InputPurpose::NewPolicy => {
                let p = new_policy(input.value());
                return Some(Modal::Review {
                    kind: ReviewKind::Create(Box::new(p)),
                    scroll: 0,
                });
            }
            InputPurpose::ClonePolicy(from) => {
                let source = self
                    .state
                    .policies
                    .iter()
                    .find(|p| p.id() == from.as_str())
                    .cloned();
                let mut p = match (&self.state.detail.id, self.state.detail_draft()) {
                    (Some(id), Some(draft)) if *id == from => draft,
                    _ => source?,
                };
                p.network_policy_id = Some(PolicyId(input.value().to_owned()));
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
