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

/// Whether `hay` holds `word` (already lower-cased), ignoring case: for ASCII text without
/// allocating, by looking for the word's first letter in either case and comparing the rest.
/// Small enough to inline into each filter's loop over rows; other text takes a cold path.
#[inline]
pub fn holds_word(hay: &str, word: &str) -> bool {
    if !hay.is_ascii() || !word.is_ascii() {
        return holds_word_unicode(hay, word);
    }
    let (h, w) = (hay.as_bytes(), word.as_bytes());
    let Some((&first, rest)) = w.split_first() else {
        return true;
    };
    if h.len() < w.len() {
        return false;
    }
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), &h[..=h.len() - w.len()])
        .any(|at| h[at + 1..at + w.len()].eq_ignore_ascii_case(rest))
}

#[cold]
fn holds_word_unicode(hay: &str, word: &str) -> bool {
    hay.to_lowercase().contains(word)
}

impl ListState {
    /// Recompute `visible` from one haystack per row, keeping the selected row when it survives.
    pub fn rebuild<'a>(&mut self, haystacks: impl Iterator<Item = &'a str>) {
        let haystacks: Vec<&str> = haystacks.collect();
        self.rebuild_by(haystacks.len(), |i, words| {
            words.iter().all(|w| holds_word(haystacks[i], w))
        });
    }

    /// Recompute `visible` for `rows` rows, where `holds(row, words)` says whether a row holds
    /// every one of the filter's (lower-cased) words; keeps the selected row when it survives.
    /// For a list too large to build one haystack string per row at each key.
    pub fn rebuild_by(&mut self, rows: usize, holds: impl Fn(usize, &[&str]) -> bool) {
        self.rebuild_among(0..rows, holds);
    }

    /// [`Self::rebuild_by`] over the given rows only (in display order): those a wider filter
    /// let through, when the filter only grew.
    pub fn rebuild_among(
        &mut self,
        rows: impl IntoIterator<Item = usize>,
        holds: impl Fn(usize, &[&str]) -> bool,
    ) {
        let previously = self.selected_index();
        let (words, invert) = self.words();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        // Room for every row up front: grown by doubling, the list was copied a dozen times
        // per key with 100,000 rows.
        let rows = rows.into_iter();
        let mut visible = Vec::with_capacity(rows.size_hint().1.unwrap_or(0));
        visible.extend(rows.filter(|&i| words.is_empty() || holds(i, &words) != invert));
        self.visible = visible;
        self.selected = previously
            .and_then(|p| self.visible.iter().position(|&i| i == p))
            .unwrap_or(0);
        self.clamp();
    }

    /// The filter's words, lower-cased (each must match, in any order: `/openai prod` finds
    /// that domain in prod), and whether a leading `!` inverts them.
    pub fn words(&self) -> (Vec<String>, bool) {
        let (needle, invert) = match self.filter.strip_prefix('!') {
            Some(rest) => (rest.to_lowercase(), true),
            None => (self.filter.to_lowercase(), false),
        };
        (
            needle.split_whitespace().map(str::to_owned).collect(),
            invert,
        )
    }

    /// The data index of the selected row.
    pub fn selected_index(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }

    pub fn len(&self) -> usize {
        self.visible.len()
    }

    /// Something of each shown row, in display order (`row` gets the data index).
    pub fn shown<T>(&self, row: impl FnMut(usize) -> T) -> Vec<T> {
        self.visible.iter().copied().map(row).collect()
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

    /// The allocation-free test equals lower-casing the text and searching it: letters in any
    /// case, a word at the very end, longer than the text, empty, and non-ASCII text.
    #[test]
    fn holds_word_equals_searching_the_lowercased_text() {
        let hays = [
            "API.OpenAI.com",
            "openai",
            "x",
            "",
            "DRY_RUN_DENIAL",
            "Zürich-Prod",
            "ΟΔΟΣ",
            "a-b-c",
        ];
        let words = [
            "openai", "com", "", "x", "run_d", "zü", "prod", "οδοσ", "b-c", "c-", "aa",
        ];
        for h in hays {
            for w in words {
                assert_eq!(
                    holds_word(h, w),
                    h.to_lowercase().contains(w),
                    "{h:?} holds {w:?}"
                );
            }
        }
    }

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
