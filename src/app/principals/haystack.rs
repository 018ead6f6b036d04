//! What the filter searches: each row's lower-cased text (name, application id, id, external
//! id, state), all rows in one buffer, one line each. A filter word is then one substring
//! search through the buffer, which skips rows that cannot match at memory speed, instead of one
//! search set up per row (at 120,000 rows that difference is most of a frame).

use crate::api::scim::ServicePrincipal;
use memchr::memmem::Finder;

/// Every row's haystack, in data order, each followed by a newline (which no haystack holds).
#[derive(Clone, Debug, Default)]
pub(super) struct Haystacks {
    text: String,
    /// Where each row's haystack ends (its newline's offset).
    ends: Vec<usize>,
}

/// Appends the lower-cased haystack of a row: its name, application id, id, external id and
/// state, space-separated. Lowering part by part equals lowering the joined text, as no case
/// rule looks across a space. A newline in a part (server text) becomes a space.
fn push_haystack(out: &mut String, sp: &ServicePrincipal) {
    let from = out.len();
    let parts = [
        sp.name(),
        sp.application_id.as_deref().unwrap_or(""),
        sp.id.as_str(),
        sp.external_id.as_deref().unwrap_or(""),
        if sp.active == Some(false) {
            "inactive"
        } else {
            "active"
        },
    ];
    for (k, part) in parts.iter().enumerate() {
        if k > 0 {
            out.push(' ');
        }
        push_lower(out, part);
    }
    if out[from..].contains('\n') {
        let line = out[from..].replace('\n', " ");
        out.truncate(from);
        out.push_str(&line);
    }
}

/// Appends `s` lower-cased (`str::to_lowercase`), without an allocation when it is ASCII.
pub(super) fn push_lower(out: &mut String, s: &str) {
    if s.is_ascii() {
        out.extend(s.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        out.push_str(&s.to_lowercase());
    }
}

impl Haystacks {
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Room for `more` rows of about the size of those already here.
    pub(super) fn reserve(&mut self, more: usize) {
        let per_row = self.text.len().checked_div(self.ends.len()).unwrap_or(96);
        self.ends.reserve(more);
        self.text.reserve(more.saturating_mul(per_row));
    }

    fn start(&self, i: usize) -> usize {
        if i == 0 { 0 } else { self.ends[i - 1] + 1 }
    }

    /// Row `i`'s haystack.
    pub(super) fn get(&self, i: usize) -> &str {
        &self.text[self.start(i)..self.ends[i]]
    }

    pub(super) fn push(&mut self, sp: &ServicePrincipal) {
        push_haystack(&mut self.text, sp);
        self.ends.push(self.text.len());
        self.text.push('\n');
    }

    /// Row `i` changed: its text is replaced in place (moving the rows after it).
    pub(super) fn replace(&mut self, i: usize, sp: &ServicePrincipal) {
        let mut line = String::new();
        push_haystack(&mut line, sp);
        let (start, end) = (self.start(i), self.ends[i]);
        self.text.replace_range(start..end, &line);
        let grew = line.len().cast_signed() - (end - start).cast_signed();
        for e in &mut self.ends[i..] {
            *e = e.wrapping_add_signed(grew);
        }
    }

    /// Row `i` is gone: the rows after it move up.
    pub(super) fn remove(&mut self, i: usize) {
        let (start, end) = (self.start(i), self.ends[i] + 1);
        self.text.replace_range(start..end, "");
        self.ends.remove(i);
        for e in &mut self.ends[i..] {
            *e -= end - start;
        }
    }

    /// Per row, whether its haystack holds every word of `filter` (or, `invert`, does not):
    /// per word one search through the whole buffer, resumed at the next row after each hit.
    pub(super) fn matching(&self, filter: &str, invert: bool) -> Vec<bool> {
        let mut words = filter.split_whitespace();
        let Some(first) = words.next() else {
            return vec![true; self.len()];
        };
        let mut found = self.holding(first);
        for word in words {
            for (f, w) in found.iter_mut().zip(self.holding(word)) {
                *f &= w;
            }
        }
        if invert {
            for f in &mut found {
                *f = !*f;
            }
        }
        found
    }

    /// Per row, whether its haystack holds `word` (which holds no whitespace, so a hit never
    /// spans two lines).
    fn holding(&self, word: &str) -> Vec<bool> {
        let mut found = vec![false; self.len()];
        let finder = Finder::new(word.as_bytes());
        let text = self.text.as_bytes();
        let (mut at, mut row) = (0, 0);
        while let Some(k) = finder.find(&text[at..]) {
            let hit = at + k;
            while self.ends[row] < hit {
                row += 1;
            }
            found[row] = true;
            at = self.ends[row] + 1;
            if at >= text.len() {
                break;
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(id: &str, name: &str, ext: Option<&str>, active: Option<bool>) -> ServicePrincipal {
        ServicePrincipal {
            id: id.into(),
            application_id: Some("App-ID".into()),
            display_name: Some(name.into()),
            active,
            external_id: ext.map(Into::into),
            groups: Vec::new(),
            roles: Vec::new(),
            entitlements: Vec::new(),
            extra: serde_json::Map::new(),
        }
    }

    /// The joined haystack equals the lower-cased joined text it replaced, non-ASCII names (a
    /// final sigma, a dotted capital I) included.
    #[test]
    fn haystack_equals_the_lowercased_text() {
        for (name, ext, active) in [
            ("ETL-Bot", Some("EXT-1"), Some(true)),
            ("ΟΔΟΣ Σ", None, Some(false)),
            ("İstanbul ÆØ", Some("Ünïcode"), None),
            ("", None, None),
        ] {
            let sp = sp("9ABC", name, ext, active);
            let joined = format!(
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
            .to_lowercase();
            let mut h = Haystacks::default();
            h.push(&sp);
            assert_eq!(h.get(0), joined, "{name}");
        }
    }

    /// Through pushes, replacements and removals, the buffer search agrees with searching each
    /// row's text alone for every word: a word at a row's start or end matches that row only,
    /// and words never match across two rows.
    #[test]
    fn buffer_search_agrees_with_each_row_alone() {
        let mut h = Haystacks::default();
        let mut plain: Vec<String> = Vec::new();
        let names = ["alpha", "beta\nGAMMA", "delta-ab", "ab", "omega", "zz-ab"];
        for (k, n) in names.iter().enumerate() {
            let s = sp(&format!("{k}"), n, None, Some(k % 2 == 0));
            h.push(&s);
            plain.push(h.get(k).to_owned());
        }
        let s = sp("2", "replaced-and-longer-ab", Some("X"), None);
        h.replace(2, &s);
        plain[2] = h.get(2).to_owned();
        let s = sp("0", "a", None, None);
        h.replace(0, &s);
        plain[0] = h.get(0).to_owned();
        h.remove(4);
        plain.remove(4);
        assert_eq!(h.len(), plain.len());
        for (k, p) in plain.iter().enumerate() {
            assert_eq!(h.get(k), p);
            assert!(!p.contains('\n'));
        }
        for needle in [
            "ab", "a", "active", "inactive", "gamma", "ve\n3", "\n", "zz", "1", "x", "e 1", "1 e",
            "ab ab", " ", "",
        ] {
            for invert in [false, true] {
                let want: Vec<bool> = plain
                    .iter()
                    .map(|p| {
                        let mut words = needle.split_whitespace().peekable();
                        words.peek().is_none() || words.all(|w| p.contains(w)) != invert
                    })
                    .collect();
                assert_eq!(h.matching(needle, invert), want, "{needle:?} {invert}");
            }
        }
    }
}
