//! The pane's local filter (`/`): which rows are visible. Kept cheap at 100,000 rows: each row's
//! lower-cased haystack is computed once when it arrives, a filter that only grows narrows the
//! rows already visible instead of scanning them all, and rows arriving mid-load are checked
//! alone and appended.

use super::PrincipalsState;

/// The filter as matched: lower-cased, and whether it is inverted (a leading `!`).
fn needle_of(filter: &str) -> (String, bool) {
    match filter.strip_prefix('!') {
        Some(rest) => (rest.to_lowercase(), true),
        None => (filter.to_lowercase(), false),
    }
}

impl PrincipalsState {
    fn passes(&self, i: usize, needle: &str, invert: bool) -> bool {
        needle.is_empty() || self.hay[i].contains(needle) != invert
    }

    /// Bring the visible rows in line with the filter, keeping the selected row.
    pub fn refilter(&mut self) {
        let previously = self.list.selected_index();
        let (needle, invert) = needle_of(&self.list.filter);
        // Every row holding the new text holds the old one too, so the survivors are among
        // the rows visible now.
        let narrowing = match &self.filtered_with {
            Some((old, false)) => !invert && needle.contains(old.as_str()),
            _ => false,
        };
        if narrowing {
            if self
                .filtered_with
                .as_ref()
                .is_none_or(|(old, _)| *old != needle)
            {
                let mut visible = std::mem::take(&mut self.list.visible);
                visible.retain(|&i| self.passes(i, &needle, invert));
                self.list.visible = visible;
            }
        } else {
            self.list.visible = self
                .order
                .iter()
                .copied()
                .filter(|&i| self.passes(i, &needle, invert))
                .collect();
        }
        self.filtered_with = Some((needle, invert));
        self.list.selected = previously
            .and_then(|p| self.list.visible.iter().position(|&i| i == p))
            .unwrap_or(0);
        if self.list.selected >= self.list.visible.len() {
            self.list.selected = self.list.visible.len().saturating_sub(1);
        }
        if self.list.offset > self.list.selected {
            self.list.offset = self.list.selected;
        }
    }

    /// Rows just appended to the display order (from position `from`): the ones that pass the
    /// current filter join the visible rows at the end. Costs the new rows only.
    pub(super) fn admit_appended(&mut self, from: usize) {
        let Some((needle, invert)) = self.filtered_with.take() else {
            self.refilter();
            return;
        };
        for k in from..self.order.len() {
            let i = self.order[k];
            if self.passes(i, &needle, invert) {
                self.list.visible.push(i);
            }
        }
        self.filtered_with = Some((needle, invert));
    }
}
