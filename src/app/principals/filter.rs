//! The pane's local filter (`/`): which rows are visible. Every word of the filter must match,
//! in any order, as in every list (a leading `!` inverts). Kept cheap at 100,000 rows: each row's
//! lower-cased haystack is computed once when it arrives, and whether it matches the filter is
//! kept per row. A filter that only grows narrows the rows already visible instead of scanning
//! them all; going back to a shorter filter (backspace) restores what it matched; a new sort
//! order re-reads the kept matches; and rows arriving mid-load are checked alone and appended.
//! A scan of every row is one search through the rows' joined text (see `haystack`), never a
//! walk in display order: at 120,000 rows in sorted order that walk was dominated by cache
//! misses and by setting up a search per row.

use super::PrincipalsState;
use memchr::memmem::Finder;

/// The filter as matched: lower-cased, and whether it is inverted (a leading `!`).
fn needle_of(filter: &str) -> (String, bool) {
    match filter.strip_prefix('!') {
        Some(rest) => (rest.to_lowercase(), true),
        None => (filter.to_lowercase(), false),
    }
}

/// What a filter matched: per data row, whether it passes.
#[derive(Clone, Debug, Default)]
pub(super) struct Matched {
    needle: String,
    invert: bool,
    rows: Vec<bool>,
}

/// One filter's test of a row's haystack: every word must be in it (or, inverted, not all
/// are), with each word's search set up once.
struct Test<'n> {
    words: Vec<Finder<'n>>,
    invert: bool,
}

impl<'n> Test<'n> {
    fn new(filter: &'n str, invert: bool) -> Self {
        Self {
            words: filter
                .split_whitespace()
                .map(|w| Finder::new(w.as_bytes()))
                .collect(),
            invert,
        }
    }

    fn passes(&self, hay: &str) -> bool {
        self.words.is_empty()
            || self.words.iter().all(|w| w.find(hay.as_bytes()).is_some()) != self.invert
    }
}

/// The filter `list.visible` reflects, and the wider filters typed before it (each a prefix of
/// the next), so that backspace restores rather than rescans.
#[derive(Clone, Debug, Default)]
pub(super) struct FilterMemo {
    /// `None`: must be recomputed from every row (a row changed, or nothing computed yet).
    pub(super) current: Option<Matched>,
    /// `list.visible` is not in the current display order (re-read from `current`).
    pub(super) order_changed: bool,
    earlier: Vec<Matched>,
}

impl FilterMemo {
    /// Forget every kept match: rows were replaced or removed.
    pub(super) fn invalidate(&mut self) {
        self.current = None;
        self.earlier.clear();
    }
}

impl PrincipalsState {
    /// Bring the visible rows in line with the filter, keeping the selected row.
    pub fn refilter(&mut self) {
        let previously = self.list.selected_index();
        let (needle, invert) = needle_of(&self.list.filter);
        let mut memo = std::mem::take(&mut self.filter_memo);
        match memo.current.take() {
            Some(m) if m.needle == needle && m.invert == invert => {
                if memo.order_changed {
                    self.list.visible = self.visible_from(&m);
                }
                memo.current = Some(m);
            }
            // Every row holding the new text holds the old one too: the survivors are among the
            // visible rows, which keep their order.
            Some(m) if !m.invert && !invert && needle.contains(m.needle.as_str()) => {
                let mut rows = self.hay.matching(&needle, invert);
                for (now, was) in rows.iter_mut().zip(&m.rows) {
                    *now &= *was;
                }
                let next = Matched {
                    needle: needle.clone(),
                    invert,
                    rows,
                };
                if memo.order_changed {
                    self.list.visible = self.visible_from(&next);
                } else {
                    self.list.visible.retain(|&i| next.rows[i]);
                }
                memo.earlier.push(m);
                memo.current = Some(next);
            }
            other => {
                if let Some(m) = other {
                    memo.earlier.push(m);
                }
                // A filter typed before (backspace): what it matched still holds.
                let known = memo
                    .earlier
                    .iter()
                    .position(|e| e.needle == needle && e.invert == invert);
                let m = if let Some(k) = known {
                    let m = memo.earlier.swap_remove(k);
                    memo.earlier.truncate(k);
                    m
                } else {
                    memo.earlier.clear();
                    Matched {
                        rows: self.hay.matching(&needle, invert),
                        needle,
                        invert,
                    }
                };
                self.list.visible = self.visible_from(&m);
                memo.current = Some(m);
            }
        }
        memo.order_changed = false;
        self.filter_memo = memo;
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

    /// The rows `m` matched, in display order: one pass over the order, no text compared.
    fn visible_from(&self, m: &Matched) -> Vec<usize> {
        self.order.iter().copied().filter(|&i| m.rows[i]).collect()
    }

    /// Rows just appended to the data and the display order (from position `from`): each is
    /// checked against the filter (and the wider ones kept for backspace), and the ones that
    /// pass join the visible rows at the end. Costs the new rows only.
    pub(super) fn admit_appended(&mut self, from: usize) {
        let mut memo = std::mem::take(&mut self.filter_memo);
        let Some(current) = memo.current.as_mut() else {
            self.filter_memo = memo;
            self.refilter();
            return;
        };
        if memo.order_changed {
            self.list.visible = self.visible_from(current);
            memo.order_changed = false;
        }
        for m in memo
            .earlier
            .iter_mut()
            .chain(std::iter::once(&mut *current))
        {
            let test = Test::new(&m.needle, m.invert);
            m.rows.resize(self.rows.len(), false);
            for &i in &self.order[from..] {
                m.rows[i] = test.passes(self.hay.get(i));
            }
        }
        for &i in &self.order[from..] {
            if current.rows[i] {
                self.list.visible.push(i);
            }
        }
        self.filter_memo = memo;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::scim::ServicePrincipal;
    use crate::app::principals::SortColumn;

    fn sp(i: u64) -> ServicePrincipal {
        serde_json::from_value(serde_json::json!({
            "id": format!("{}", 7_000 + (i * 7919) % 10_007),
            "displayName": format!("{}-{}", ["ab", "Abc", "b", "ca"][(i % 4) as usize], (i * 31) % 97),
            "applicationId": format!("{:03}", (i * 13) % 50),
            "active": !i.is_multiple_of(3),
        }))
        .unwrap()
    }

    /// As in every other list, each word of the filter must match, in any order and in any
    /// column (the principals list used to look for the whole text at once).
    #[test]
    fn every_word_must_match_in_any_order() {
        let row = |id: &str, name: &str, ext: Option<&str>| -> ServicePrincipal {
            serde_json::from_value(serde_json::json!({
                "id": id, "displayName": name, "externalId": ext, "active": true,
            }))
            .unwrap()
        };
        let mut p = PrincipalsState::default();
        p.upsert(vec![
            row("1", "etl-nightly", Some("prod")),
            row("2", "etl-nightly", Some("dev")),
            row("3", "prod-reports", None),
        ]);
        let shown = |p: &PrincipalsState| -> Vec<String> { p.list.shown(|i| p.rows[i].id.clone()) };
        for (filter, want) in [
            ("prod etl", vec!["1"]),
            ("ETL  nightly", vec!["1", "2"]),
            ("!prod etl", vec!["2", "3"]),
            ("prod", vec!["1", "3"]),
            ("   ", vec!["1", "2", "3"]),
        ] {
            p.list.filter = filter.into();
            p.refilter();
            assert_eq!(shown(&p), want, "{filter:?}");
        }
        // A row arriving while the filter is set is held to every word too.
        p.list.filter = "prod etl".into();
        p.refilter();
        p.append_page(vec![
            row("4", "etl-hourly", Some("prod")),
            row("5", "etl-x", None),
        ]);
        assert_eq!(shown(&p), vec!["1", "4"]);
    }

    /// The kept matches (narrowing, backspace, re-sorting, rows arriving, rows replaced) always
    /// show what a plain filter of the display order shows.
    #[test]
    fn kept_matches_agree_with_a_plain_filter_through_any_steps() {
        let mut p = PrincipalsState::default();
        let mut seed = 0x2545_f491_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut made = 0;
        for step in 0..600 {
            match next(9) {
                0 | 1 => {
                    let k = next(30) + 1;
                    p.append_page((made..made + k).map(sp).collect());
                    made += k;
                }
                2 => {
                    let c = ['a', 'b', 'c', '-', '1', ' ', '!'][next(7) as usize];
                    if c != '!' || p.list.filter.is_empty() {
                        p.list.filter.push(c);
                    }
                    p.refilter();
                }
                3 | 4 => {
                    p.list.filter.pop();
                    p.refilter();
                }
                5 => {
                    p.sort = SortColumn::ALL[next(6) as usize];
                    p.descending = next(2) == 0;
                    p.rebuild();
                }
                6 if made > 0 => {
                    // A page that repeats a row already shown, with a new name.
                    let mut r = sp(next(made));
                    r.display_name = Some(format!("c-{step}"));
                    p.append_page(vec![r]);
                }
                7 if made > 0 => p.upsert(vec![sp(next(made))]),
                _ => p.settle(),
            }
            let (needle, invert) = needle_of(&p.list.filter);
            let want: Vec<usize> = p
                .order
                .iter()
                .copied()
                .filter(|&i| {
                    let mut words = needle.split_whitespace().peekable();
                    words.peek().is_none() || words.all(|w| p.hay.get(i).contains(w)) != invert
                })
                .collect();
            assert_eq!(
                p.list.visible, want,
                "step {step} filter {:?}",
                p.list.filter
            );
        }
    }
}
