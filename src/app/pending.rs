//! Policy writes in flight, each known by its request, and what their answers do to the pending
//! edits. Several writes may be in flight at once (one per policy); an answer or a failure
//! touches only the write it belongs to, and edits made while a write was in flight survive it.

use super::App;
use super::modal::{Modal, ReviewKind};
use super::state::{Load, PendingChange, View};
use crate::actor::{PoliciesPayload, Request, RequestId, Slot};
use crate::api::PolicyId;
use crate::api::network_policies::NetworkPolicy;
use crate::api::network_policies::change::EditOp;
use std::collections::HashMap;

/// One policy write the actor is working on.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyWrite {
    /// The pending change of `policy`, as it was sent (base and edits).
    Update {
        policy: PolicyId,
        base: Box<NetworkPolicy>,
        ops: Vec<EditOp>,
    },
    Create(PolicyId),
}

/// Where edits waiting for their policy to load come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditsFrom {
    /// `u` in `:history`: the reverse of a journal entry.
    Undo,
    /// `a` in the egress log: allow a blocked destination.
    EgressLog,
    /// `w` in `:rollout`: the chosen allows, and the switch to enforced.
    Rollout,
}

/// Edits to add to a policy's pending change once it is (re)loaded from the server.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitingEdits {
    pub policy: PolicyId,
    pub ops: Vec<EditOp>,
    pub from: EditsFrom,
}

/// Policy writes in flight, by request.
#[derive(Clone, Debug, Default)]
pub struct Writes {
    by_request: HashMap<RequestId, PolicyWrite>,
}

impl Writes {
    pub fn start(&mut self, id: RequestId, write: PolicyWrite) {
        self.by_request.insert(id, write);
    }

    pub fn get(&self, id: RequestId) -> Option<&PolicyWrite> {
        self.by_request.get(&id)
    }

    /// Forget a write once its request has finished, whichever way.
    pub fn finish(&mut self, id: RequestId) -> Option<PolicyWrite> {
        self.by_request.remove(&id)
    }

    /// Whether the pending change of `policy` is being written.
    pub fn is_applying(&self, policy: &PolicyId) -> bool {
        self.by_request
            .values()
            .any(|w| matches!(w, PolicyWrite::Update { policy: p, .. } if p == policy))
    }

    pub fn len(&self) -> usize {
        self.by_request.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_request.is_empty()
    }

    pub fn clear(&mut self) {
        self.by_request.clear();
    }
}

/// What is left of `pending` once `sent` (its base and first edits) was written as `written`:
/// the edits made after the write was sent, now on top of what the server holds, or nothing.
/// A pending change that no longer starts with what was sent (discarded and redone, rebased)
/// is kept as it is; its own write will compare with the server.
fn remainder(
    pending: PendingChange,
    base: &NetworkPolicy,
    sent: &[EditOp],
    written: &NetworkPolicy,
) -> Option<PendingChange> {
    if pending.base != *base || !pending.ops.starts_with(sent) {
        return Some(pending);
    }
    let rest = PendingChange {
        base: written.clone(),
        ops: pending.ops[sent.len()..].to_vec(),
    };
    (rest.draft() != rest.base).then_some(rest)
}

impl App {
    /// `y` in a review: send the write, unless this policy's change is already being written.
    pub(super) fn apply_review(&mut self, kind: &ReviewKind) {
        if let Some(why) = self.state.write_refusal() {
            self.state.flash = Some(why);
            return;
        }
        match kind {
            ReviewKind::Update(id) => {
                let Some(pending) = self.state.pending.get(id).cloned() else {
                    return;
                };
                if self.state.writes.is_applying(id) {
                    self.state.flash = Some(format!("a write of {id} is already in flight"));
                    return;
                }
                let write = PolicyWrite::Update {
                    policy: id.clone(),
                    base: Box::new(pending.base.clone()),
                    ops: pending.ops.clone(),
                };
                let rid = self.request(
                    Slot::Write,
                    Request::Policies(crate::actor::PoliciesRequest::Apply {
                        base: Box::new(pending.base),
                        ops: pending.ops,
                    }),
                );
                self.state.writes.start(rid, write);
            }
            ReviewKind::Create(p) => {
                let rid = self.request(
                    Slot::Write,
                    Request::Policies(crate::actor::PoliciesRequest::Create(p.clone())),
                );
                self.state
                    .writes
                    .start(rid, PolicyWrite::Create(PolicyId(p.id().to_owned())));
            }
        }
    }

    /// Edits waiting for their policy to load (undo, allow from the log) join its pending
    /// change: added to edits already pending, never replacing them, then reviewed. Edits that
    /// change nothing are said so; no review of an empty change opens.
    pub(super) fn take_waiting_edits(&mut self, p: &NetworkPolicy) {
        let s = &mut self.state;
        let Some(waiting) = s.waiting_edits.take_if(|w| w.policy.as_str() == p.id()) else {
            return;
        };
        let id = waiting.policy;
        let mut change = s
            .pending
            .get(&id)
            .cloned()
            .unwrap_or_else(|| PendingChange {
                base: p.clone(),
                ops: Vec::new(),
            });
        let before = change.draft();
        change.ops.extend(waiting.ops);
        if change.draft() == before {
            s.flash = Some(match waiting.from {
                EditsFrom::Undo => {
                    format!("nothing to undo: {id} already is as it was before that change")
                }
                EditsFrom::EgressLog => format!("nothing to change: {id} already allows it"),
                EditsFrom::Rollout => {
                    format!("nothing to change: {id} already allows those and is enforced")
                }
            });
            return;
        }
        if change.draft() == change.base {
            s.pending.remove(&id);
            s.flash = Some(format!(
                "the pending edits of {id} and this one cancel out: nothing left to apply"
            ));
            return;
        }
        s.pending.insert(id.clone(), change);
        s.modal = Some(Modal::Review {
            kind: ReviewKind::Update(id),
            scroll: 0,
        });
    }

    /// Results of policy writes, routed by the request they answer.
    pub(super) fn on_write_payload(&mut self, id: RequestId, payload: PoliciesPayload) {
        let write = self.state.writes.get(id).cloned();
        let s = &mut self.state;
        match payload {
            PoliciesPayload::Written(p) => {
                let written = p.clone();
                let pid = PolicyId(p.id().to_owned());
                match write {
                    Some(PolicyWrite::Update { base, ops, .. }) => {
                        if let Some(pending) = s.pending.remove(&pid)
                            && let Some(rest) = remainder(pending, &base, &ops, &p)
                        {
                            s.pending.insert(pid.clone(), rest);
                        }
                        let more = if s.pending.contains_key(&pid) {
                            " (edits made since are still pending)"
                        } else {
                            ""
                        };
                        s.flash = Some(format!(
                            "applied {} change(s) to {pid}; read back and verified{more}",
                            ops.len()
                        ));
                    }
                    _ => s.flash = Some(format!("created {pid}; read back and verified")),
                }
                match s.policies.iter_mut().find(|x| x.id() == pid.as_str()) {
                    Some(existing) => *existing = p.clone(),
                    None => s.policies.push(p.clone()),
                }
                s.rebuild_policies();
                if s.detail.id.as_ref() == Some(&pid) {
                    s.detail.policy = Some(p);
                }
                s.history.load = Load::NotLoaded;
                self.after_rollout_write(&written);
            }
            PoliciesPayload::Conflict { server, .. } => {
                let policy = PolicyId(server.id().to_owned());
                s.modal = Some(Modal::Conflict { policy, server });
            }
            PoliciesPayload::Deleted(pid) => {
                s.policies.retain(|p| p.id() != pid.as_str());
                s.pending.remove(&pid);
                s.rebuild_policies();
                s.flash = Some(format!("deleted {pid}"));
                if s.view == View::PolicyDetail && s.detail.id.as_ref() == Some(&pid) {
                    s.view = View::Policies;
                }
                s.history.load = Load::NotLoaded;
            }
            PoliciesPayload::List(_) | PoliciesPayload::Policy(_) => {}
        }
    }
}
