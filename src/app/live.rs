//! Views stay live, like k9s: the workspaces (with their bindings), the policies and the open
//! policy are read again in the background every [`REFRESH_EVERY`] while shown, keeping the
//! selection and the filter. Pending edits are never touched by a refresh (they live apart from
//! what the server holds); a refresh that finds the server changed under one says so at once.

use super::App;
use super::state::{Load, View};
use super::tick::ms_of as ms;
use crate::actor::{PoliciesSlot, Request, Slot, WorkspacesSlot};
use crate::api::network_policies::NetworkPolicy;
use std::time::{Duration, SystemTime};

/// How often a shown account view is read again.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);

impl App {
    /// The slot whose data the current view shows and refreshes, if it is a live view.
    fn live_slot(&self) -> Option<Slot> {
        if self.state.session.is_none() || !self.state.is_account() {
            return None;
        }
        match self.state.view {
            View::Workspaces => Some(Slot::Workspaces(WorkspacesSlot::List)),
            View::Policies => Some(Slot::Policies(PoliciesSlot::List)),
            View::PolicyDetail => Some(Slot::Policies(PoliciesSlot::Detail)),
            _ => None,
        }
    }

    /// Note that `slot`'s data was read now (the screen's clock: what the title shows).
    pub(super) fn mark_fresh(&mut self, slot: Slot) {
        let now = ms(self.state.now);
        self.state.fresh_at.insert(slot, now);
    }

    /// How long until the shown view is due for a background read; `None` when it is not live.
    /// Data never read by a refresh (a policy opened from the list) is due at once.
    pub fn refresh_due_in(&self, now: SystemTime) -> Option<Duration> {
        let slot = self.live_slot()?;
        let Some(&at) = self.state.fresh_at.get(&slot) else {
            return Some(Duration::ZERO);
        };
        let due = at + REFRESH_EVERY.as_millis() as i64 - ms(now);
        Some(Duration::from_millis(due.max(0) as u64))
    }

    /// A timer fired: read the shown view again when it is due and not already being read.
    pub fn refresh_if_due(&mut self, now: SystemTime) {
        let Some(slot) = self.live_slot() else {
            return;
        };

        if self.refresh_due_in(now) != Some(Duration::ZERO)
            || self.state.in_flight.values().any(|(s, _)| *s == slot)
        {
            return;
        }
        // Read again as of now, whatever the answer: a failing server is not hammered.
        self.state.fresh_at.insert(slot, ms(now));
        match slot {
            Slot::Workspaces(WorkspacesSlot::List) => {
                self.request(
                    Slot::Workspaces(WorkspacesSlot::List),
                    Request::Workspaces(crate::actor::WorkspacesRequest::List),
                );
            }
            Slot::Policies(PoliciesSlot::List) => {
                self.request(
                    Slot::Policies(PoliciesSlot::List),
                    Request::Policies(crate::actor::PoliciesRequest::List),
                );
            }
            _ => {
                if let Some(id) = self.state.detail.id.clone()
                    && self.state.detail.load != Load::Loading
                {
                    self.request(
                        Slot::Policies(PoliciesSlot::Detail),
                        Request::Policies(crate::actor::PoliciesRequest::Get(id)),
                    );
                }
            }
        }
    }

    /// A policy as the server holds it now: if a pending edit of it was made on another
    /// version, say so at once rather than only at apply time.
    pub(super) fn notice_server_change(&mut self, server: &NetworkPolicy) {
        let Some(change) = self
            .state
            .pending
            .iter()
            .find(|(id, _)| id.as_str() == server.id())
            .map(|(_, c)| c)
        else {
            return;
        };
        if &change.base != server {
            self.state.flash = Some(format!(
                "{} changed on the server since you started editing it: applying will show both changes (w to review)",
                server.id()
            ));
        }
    }
}
