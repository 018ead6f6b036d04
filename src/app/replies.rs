//! What the app does with the actor's answers: connection results, payloads routed to the
//! view that asked for them, and failures, each dropped when a newer request superseded it.

#[allow(
    clippy::wildcard_imports,
    reason = "the reply handlers use the same names as the rest of App"
)]
use super::*;
use crate::actor::{EgressSlot, PoliciesSlot, WorkspacesSlot};

impl App {
    pub fn handle_actor_event(&mut self, ev: ActorEvent) {
        self.dirty = true;
        match ev {
            ActorEvent::Connected(Ok(info)) => {
                if self.state.connecting.as_deref() == Some(info.profile.as_str()) {
                    self.state.connecting = None;
                    self.state.session = Some(info);
                    self.load_view(false);
                }
            }
            ActorEvent::Connected(Err(e)) => {
                self.state.connecting = None;
                self.state.last_error = Some(e);
            }
            ActorEvent::Principal { profile, name } => {
                if let Some(s) = self.state.session.as_mut().filter(|s| s.profile == profile) {
                    s.principal = name;
                }
            }
            ActorEvent::Response { id, payload } => self.on_payload(id, payload),
            ActorEvent::SignIn(ev) => self.on_sign_in_event(ev),
            ActorEvent::Retrying { id, notice } => {
                if self.state.in_flight.contains_key(&id) {
                    let text = format!(
                        "retrying ({}/{}) after {} in {:.1} s",
                        notice.attempt,
                        notice.max_attempts,
                        notice.reason,
                        notice.wait.as_secs_f32()
                    );
                    self.state.retrying.insert(id, text);
                }
            }
            ActorEvent::Restarted { reason } => {
                // Whatever was in flight died with the old actor; start over with the profile.
                self.state.last_error = Some(format!("internal error, reconnected: {reason}"));
                let current = self.state.session.as_ref().map(|s| s.profile.clone());
                self.state.in_flight.clear();
                self.state.retrying.clear();
                self.state.writes.clear();
                if let Some(name) = current {
                    self.connect(&name);
                    self.state.last_error = Some(format!("internal error, reconnected: {reason}"));
                }
            }
            ActorEvent::Finished {
                id,
                error,
                token_expires_at,
            } => {
                self.state.retrying.remove(&id);
                self.state.writes.finish(id);
                let Some((slot, _)) = self.state.in_flight.remove(&id) else {
                    return;
                };
                if let Some(s) = self.state.session.as_mut()
                    && token_expires_at.is_some()
                {
                    s.expires_at = token_expires_at;
                }
                match error {
                    Some(err) => self.on_failure(slot, &err),
                    None => self.state.clear_error_of(slot),
                }
            }
        }
    }

    fn is_current(&self, id: RequestId) -> bool {
        self.latest.values().any(|&v| v == id)
            || matches!(self.state.in_flight.get(&id), Some((Slot::Write, _)))
    }

    fn on_payload(&mut self, id: RequestId, payload: Payload) {
        if !self.is_current(id) {
            return;
        }
        match payload {
            Payload::Workspaces(p) => panes::workspaces::on_reply(self, id, p),
            Payload::Policies(p) => panes::policies::on_reply(self, id, p),
            Payload::Journal(j) => panes::history::on_reply(self, id, j),
            Payload::Rollout(run) => self.on_rollout(*run),
            Payload::Egress(p) => self.on_egress_payload(p),
            Payload::Principals(p) => self.on_principals_payload(p),
            Payload::LoadGap(message) => self.state.last_error = Some(message),
        }
    }

    fn on_failure(&mut self, slot: Slot, err: &ApiError) {
        if matches!(err, ApiError::Cancelled) {
            return;
        }
        let msg = err.user_message();
        self.on_principals_failure(slot, &msg);
        let s = &mut self.state;
        match slot {
            Slot::Workspaces(WorkspacesSlot::List) => s.workspaces_load = Load::Failed(msg.clone()),
            Slot::Policies(PoliciesSlot::List) => s.policies_load = Load::Failed(msg.clone()),
            Slot::Policies(PoliciesSlot::Detail) => s.detail.load = Load::Failed(msg.clone()),
            Slot::Journal => s.history.load = Load::Failed(msg.clone()),
            Slot::Rollout => s.rollout.load = Load::Failed(msg.clone()),
            // Nothing pending is dropped: the user can fix the cause and apply again. The
            // write's own entry was already forgotten (by request, so no other write's).
            Slot::Write => {}
            Slot::Egress(EgressSlot::Warehouses) => {
                s.egress.warehouses_load = Load::Failed(msg.clone());
            }
            Slot::Egress(EgressSlot::Tail) => {
                s.egress.tailing = false;
                s.egress.polling = false;
                s.egress.summary_load = Load::Failed(msg.clone());
            }
            // The principals' own failures are handled above.
            Slot::Workspaces(WorkspacesSlot::Bindings) | Slot::Principals(_) => {}
        }
        s.last_error_from = Some((slot, msg.clone()));
        s.last_error = Some(msg);
    }
}

impl State {
    /// A call of this kind just worked: the footer stops showing the error the last one of the
    /// same kind left, unless another error has been shown since.
    pub(super) fn clear_error_of(&mut self, slot: Slot) {
        if let Some((from, msg)) = &self.last_error_from
            && *from == slot
        {
            if self.last_error.as_ref() == Some(msg) {
                self.last_error = None;
            }
            self.last_error_from = None;
        }
    }
}
