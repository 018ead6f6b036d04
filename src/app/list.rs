//! Selection, scrolling and filtering of one table, kept per view so that leaving a view and
//! coming back finds it as it was.

/// The visible rows of a table (indexes into its data), the selection and the scroll offset.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListState {
    /// Case-insensitive words that must all appear; a leading `!` inverts it.
    pub filter: String,
    /// Position within `visible`.
    pub selected: usize,
    /// First visible position drawn.
    pub offset: usize,
    /// Data indexes that pass the filter, in display order. Rebuilt on data or filter change,
    /// never per frame.
    pub visible: Vec<usize>,
}

impl ListState {
    /// Recompute `visible` from one haystack per row, keeping the selected row when it survives.
    pub fn rebuild<'a>(&mut self, haystacks: impl Iterator<Item = &'a str>) {
        let previously = self.selected_index();
        let (needle, invert) = match self.filter.strip_prefix('!') {
            Some(rest) => (rest.to_lowercase(), true),
            None => (self.filter.to_lowercase(), false),
        };
        // Words match independently, in any order: `/openai prod` finds that domain in prod.
        let words: Vec<&str> = needle.split_whitespace().collect();
        self.visible = haystacks
            .enumerate()
            .filter(|(_, h)| {
                if words.is_empty() {
                    return true;
                }
                let h = h.to_lowercase();
                words.iter().all(|w| h.contains(w)) != invert
            })
            .map(|(i, _)| i)
            .collect();
        self.selected = previously
            .and_then(|p| self.visible.iter().position(|&i| i == p))
            .unwrap_or(0);
        self.clamp();
    }

    /// The data index of the selected row.
    pub fn selected_index(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }

    pub fn len(&self) -> usize {
        self.visible.len()
    }

    pub fn is_empty(&self) -> bool {
        self.visible.is_empty()
    }

    /// Move the selection by `delta` rows and keep it inside a viewport of `page` rows.
    pub fn move_by(&mut self, delta: isize, page: usize) {
        if self.visible.is_empty() {
            return;
        }
        let last = self.visible.len() - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last as isize) as usize;
        self.scroll_into_view(page);
    }

    pub fn select_first(&mut self) {
        self.selected = 0;
        self.offset = 0;
    }

    pub fn select_last(&mut self, page: usize) {
        self.selected = self.visible.len().saturating_sub(1);
        self.scroll_into_view(page);
    }

    pub fn scroll_into_view(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
    }

    fn clamp(&mut self) {
        if self.selected >= self.visible.len() {
            self.selected = self.visible.len().saturating_sub(1);
        }
        if self.offset > self.selected {
            self.offset = self.selected;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_keeps_selection_and_inverts() {
        let rows = ["alpha prod", "beta dev", "gamma prod"];
        let mut l = ListState::default();
        l.rebuild(rows.iter().copied());
        l.move_by(2, 10);
        assert_eq!(l.selected_index(), Some(2));
        l.filter = "PROD".into();
        l.rebuild(rows.iter().copied());
        assert_eq!(l.visible, vec![0, 2]);
        assert_eq!(l.selected_index(), Some(2));
        l.filter = "prod gamma".into();
        l.rebuild(rows.iter().copied());
        assert_eq!(l.visible, vec![2]);
        l.filter = "!prod".into();
        l.rebuild(rows.iter().copied());
        assert_eq!(l.visible, vec![1]);
        assert_eq!(l.selected_index(), Some(1));
    }

    #[test]
    fn scrolling_keeps_the_selection_visible() {
        let rows: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let mut l = ListState::default();
        l.rebuild(rows.iter().map(String::as_str));
        l.move_by(15, 10);
        assert_eq!((l.selected, l.offset), (15, 6));
        l.move_by(-10, 10);
        assert_eq!((l.selected, l.offset), (5, 5));
        l.select_last(10);
        assert_eq!((l.selected, l.offset), (99, 90));
        l.move_by(1000, 10);
        assert_eq!(l.selected, 99);
    }
}
