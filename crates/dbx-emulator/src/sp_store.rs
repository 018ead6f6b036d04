//! The service principals of every account, in list order, with the two indexes that keep an
//! account of 100,000 principals cheap: each account's rows in list order (a SCIM page is a
//! slice of it, O(page), not a scan of every principal) and each principal by (account, id).
//!
//! Reading goes through `Deref` to the rows; every change of membership or order goes through
//! [`SpStore::push`], [`SpStore::insert_at`] or [`SpStore::remove`], which keep the indexes
//! right. Changing a principal in place ([`SpStore::get_mut`]) keeps its account and id.

use std::collections::HashMap;
use std::ops::Deref;

/// Ids are the emulator's own, not an attacker's: a fast hash (`SipHash` was a fifth of start-up
/// with 100,000 generated principals per account).
type Fast = foldhash::fast::RandomState;

use super::seed::SeedSp;

#[derive(Default)]
pub(crate) struct SpStore {
    rows: Vec<SeedSp>,
    /// Per account: positions in `rows`, in list order (insertion order within the account).
    by_account: HashMap<String, Vec<usize>, Fast>,
    /// Per account: SCIM id to position in `rows`.
    by_id: HashMap<String, HashMap<String, usize, Fast>, Fast>,
}

impl Deref for SpStore {
    type Target = [SeedSp];
    fn deref(&self) -> &[SeedSp] {
        &self.rows
    }
}

impl SpStore {
    pub fn new(rows: Vec<SeedSp>) -> SpStore {
        let mut s = SpStore {
            rows,
            ..SpStore::default()
        };
        s.reindex();
        s
    }

    fn reindex(&mut self) {
        self.by_account.clear();
        self.by_id.clear();
        // Sized up front: an account of 100,000 principals would otherwise rehash ~17 times.
        let mut sizes: HashMap<&str, usize, Fast> = HashMap::default();
        for sp in &self.rows {
            *sizes.entry(sp.account_id.as_str()).or_default() += 1;
        }
        for (account, n) in sizes {
            self.by_account
                .insert(account.to_owned(), Vec::with_capacity(n));
            self.by_id.insert(
                account.to_owned(),
                HashMap::with_capacity_and_hasher(n, Fast::default()),
            );
        }
        for i in 0..self.rows.len() {
            self.index_row(i);
        }
    }

    /// Adds row `i`, the account's last, to both indexes.
    fn index_row(&mut self, i: usize) {
        let sp = &self.rows[i];
        if let Some(v) = self.by_account.get_mut(&sp.account_id) {
            v.push(i);
        } else {
            self.by_account.insert(sp.account_id.clone(), vec![i]);
        }
        if let Some(m) = self.by_id.get_mut(&sp.account_id) {
            m.insert(sp.id.clone(), i);
        } else {
            let mut m = HashMap::default();
            m.insert(sp.id.clone(), i);
            self.by_id.insert(sp.account_id.clone(), m);
        }
    }

    fn position(&self, account_id: &str, id: &str) -> Option<usize> {
        self.by_id.get(account_id)?.get(id).copied()
    }

    /// The account's principals as positions, in list order.
    pub fn of_account(&self, account_id: &str) -> &[usize] {
        self.by_account.get(account_id).map_or(&[], Vec::as_slice)
    }

    pub fn get(&self, account_id: &str, id: &str) -> Option<&SeedSp> {
        self.position(account_id, id).map(|i| &self.rows[i])
    }

    /// The principal to change in place; its account and id must stay as they are.
    pub fn get_mut(&mut self, account_id: &str, id: &str) -> Option<&mut SeedSp> {
        let i = self.position(account_id, id)?;
        Some(&mut self.rows[i])
    }

    /// A new principal, last in its account's list.
    pub fn push(&mut self, sp: SeedSp) {
        self.rows.push(sp);
        self.index_row(self.rows.len() - 1);
    }

    /// A new principal at `position` of its account's list (a test's concurrent insert);
    /// past the end it goes last.
    pub fn insert_at(&mut self, position: usize, sp: SeedSp) {
        let at = self
            .of_account(&sp.account_id)
            .get(position)
            .copied()
            .unwrap_or(self.rows.len());
        self.rows.insert(at, sp);
        self.reindex();
    }

    /// Removes a principal; false if it was not there.
    pub fn remove(&mut self, account_id: &str, id: &str) -> bool {
        let Some(i) = self.position(account_id, id) else {
            return false;
        };
        self.rows.remove(i);
        self.reindex();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(account: &str, id: &str) -> SeedSp {
        SeedSp {
            account_id: account.into(),
            id: id.into(),
            application_id: format!("app-{id}"),
            display_name: None,
            active: true,
            external_id: None,
            roles: Vec::new(),
            entitlements: Vec::new(),
            workspace_ids: Vec::new(),
            secrets: Vec::new(),
        }
    }

    fn ids(s: &SpStore, account: &str) -> Vec<String> {
        s.of_account(account)
            .iter()
            .map(|&i| s[i].id.clone())
            .collect()
    }

    /// Every change keeps both indexes equal to a scan of the rows.
    #[test]
    fn indexes_follow_every_change() {
        let mut s = SpStore::new(vec![sp("a", "1"), sp("b", "1"), sp("a", "2")]);
        assert_eq!(ids(&s, "a"), ["1", "2"]);
        s.push(sp("a", "3"));
        s.insert_at(1, sp("a", "9"));
        s.insert_at(99, sp("b", "7"));
        assert_eq!(ids(&s, "a"), ["1", "9", "2", "3"]);
        assert_eq!(ids(&s, "b"), ["1", "7"]);
        assert!(s.remove("a", "9"));
        assert!(!s.remove("a", "9"));
        assert!(!s.remove("c", "1"));
        assert_eq!(ids(&s, "a"), ["1", "2", "3"]);
        assert_eq!(s.get("b", "7").map(|x| x.account_id.as_str()), Some("b"));
        assert!(s.get("a", "7").is_none());
        s.get_mut("a", "2").unwrap().active = false;
        assert!(!s.get("a", "2").unwrap().active);
        assert!(s.of_account("c").is_empty());
        for (i, x) in s.iter().enumerate() {
            assert_eq!(s.position(&x.account_id, &x.id), Some(i));
        }
    }
}
