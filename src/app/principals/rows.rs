//! The principals list's rows: adding, replacing and removing them, and which one is selected.

use super::{Expiry, PrincipalsState, soonest_expiry};
use crate::api::scim::ServicePrincipal;
use crate::app::state::View;

fn haystack(sp: &ServicePrincipal) -> String {
    format!(
        "{} {} {} {} {}",
        sp.name(),
        sp.application_id.as_deref().unwrap_or(""),
        sp.id,
        sp.external_id.as_deref().unwrap_or(""),
        if sp.active == Some(false) {
            "inactive"
        } else {
            "active"
        }
    )
    .to_lowercase()
}

impl PrincipalsState {
    pub fn clear_rows(&mut self) {
        self.rows.clear();
        self.hay.clear();
        self.index.clear();
        self.order.clear();
        self.loaded = 0;
        self.total = None;
        self.secrets.clear();
        self.secrets_asked.clear();
        self.rebuild();
    }

    pub fn get(&self, id: &str) -> Option<&ServicePrincipal> {
        self.index.get(id).map(|&i| &self.rows[i])
    }

    /// Add or replace rows; returns whether anything new arrived.
    pub fn upsert(&mut self, rows: Vec<ServicePrincipal>) {
        for sp in rows {
            if let Some(&i) = self.index.get(&sp.id) {
                self.hay[i] = haystack(&sp);
                self.rows[i] = sp;
            } else {
                let i = self.rows.len();
                self.index.insert(sp.id.clone(), i);
                self.hay.push(haystack(&sp));
                self.rows.push(sp);
                self.order.push(i);
            }
        }
        self.rebuild();
    }

    pub fn remove(&mut self, id: &str) {
        let Some(i) = self.index.remove(id) else {
            return;
        };
        self.rows.remove(i);
        self.hay.remove(i);
        self.index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        self.order = (0..self.rows.len()).collect();
        self.loaded = self.loaded.saturating_sub(1);
        self.total = self.total.map(|t| t.saturating_sub(1));
        self.rebuild();
    }

    pub fn expiry_of(&self, id: &str) -> Expiry {
        soonest_expiry(self.secrets.get(id))
    }

    pub fn selected(&self) -> Option<&ServicePrincipal> {
        self.list.selected_index().map(|i| &self.rows[i])
    }

    /// The principal the current view is about.
    pub fn focused(&self, view: View) -> Option<ServicePrincipal> {
        match view {
            View::PrincipalDetail => self.detail.sp.clone().or_else(|| {
                self.detail
                    .id
                    .as_deref()
                    .and_then(|id| self.get(id).cloned())
            }),
            _ => self.selected().cloned(),
        }
    }
}
