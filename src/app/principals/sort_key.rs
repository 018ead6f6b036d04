//! A row's sort keys packed into numbers once, when the row arrives. A sort of 100,000 rows then
//! reads one contiguous array instead of chasing each row's strings through the heap (which
//! cost more than the sort itself), and knows without looking at the strings whether a key is
//! whole or only its first 16 bytes.

use super::SortColumn;
use crate::api::scim::ServicePrincipal;

/// The first 16 bytes of a key as a number that orders like the bytes (shorter keys are
/// padded with zeros, so a key and its extension may tie and are then compared in full).
pub(super) fn prefix(s: &str) -> u128 {
    let mut b = [0u8; 16];
    let n = s.len().min(16);
    b[..n].copy_from_slice(&s.as_bytes()[..n]);
    u128::from_be_bytes(b)
}

const HAS_APPLICATION_ID: u8 = 1;
const HAS_EXTERNAL_ID: u8 = 1 << 1;
const NAME_LONG: u8 = 1 << 2;
const APPLICATION_ID_LONG: u8 = 1 << 3;
const EXTERNAL_ID_LONG: u8 = 1 << 4;
const ID_LONG: u8 = 1 << 5;

/// One row's keys: each string column's 16-byte prefix, the other columns' values, and flags
/// saying which values are present and which strings are longer than their prefix.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct RowKey {
    name: u128,
    application_id: u128,
    external_id: u128,
    id: u128,
    groups: u32,
    id_len: u8,
    /// 0 unknown, 1 inactive, 2 active (`None < Some(false) < Some(true)`).
    active: u8,
    flags: u8,
}

impl RowKey {
    /// `name` is the row's name as the name column sorts it (lower-cased).
    pub(super) fn of(sp: &ServicePrincipal, name: &str) -> Self {
        let mut flags = 0;
        let mut set = |cond: bool, flag: u8| {
            if cond {
                flags |= flag;
            }
        };
        set(sp.application_id.is_some(), HAS_APPLICATION_ID);
        set(sp.external_id.is_some(), HAS_EXTERNAL_ID);
        set(name.len() > 16, NAME_LONG);
        set(
            sp.application_id.as_ref().is_some_and(|v| v.len() > 16),
            APPLICATION_ID_LONG,
        );
        set(
            sp.external_id.as_ref().is_some_and(|v| v.len() > 16),
            EXTERNAL_ID_LONG,
        );
        set(sp.id.len() > 16, ID_LONG);
        let opt = |o: &Option<String>| o.as_deref().map_or(0, prefix);
        Self {
            name: prefix(name),
            application_id: opt(&sp.application_id),
            external_id: opt(&sp.external_id),
            id: prefix(&sp.id),
            groups: u32::try_from(sp.groups.len()).unwrap_or(u32::MAX),
            id_len: u8::try_from(sp.id.len()).unwrap_or(u8::MAX),
            active: match sp.active {
                None => 0,
                Some(false) => 1,
                Some(true) => 2,
            },
            flags,
        }
    }

    fn has(self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// The column's key as (class, prefix), ascending. Not for [`SortColumn::Expiry`], whose
    /// key is not the row's own.
    pub(super) fn value(self, column: SortColumn) -> (u8, u128) {
        let opt = |has: u8, v: u128| if self.has(has) { (1, v) } else { (0, 0) };
        match column {
            SortColumn::Name => (0, self.name),
            SortColumn::ApplicationId => opt(HAS_APPLICATION_ID, self.application_id),
            SortColumn::ExternalId => opt(HAS_EXTERNAL_ID, self.external_id),
            SortColumn::Active => (self.active, 0),
            SortColumn::Id => (self.id_len, self.id),
            SortColumn::Groups => (0, u128::from(self.groups)),
            SortColumn::Expiry => (0, 0),
        }
    }

    /// Whether [`Self::value`] holds the column's whole key (equal values mean equal keys).
    pub(super) fn value_is_whole(self, column: SortColumn) -> bool {
        match column {
            SortColumn::Name => !self.has(NAME_LONG),
            SortColumn::ApplicationId => !self.has(APPLICATION_ID_LONG),
            SortColumn::ExternalId => !self.has(EXTERNAL_ID_LONG),
            SortColumn::Id => !self.has(ID_LONG) && self.id_len < u8::MAX,
            SortColumn::Active | SortColumn::Groups | SortColumn::Expiry => true,
        }
    }

    /// The id's first 16 bytes (the tie-break of every column).
    pub(super) fn id_prefix(self) -> u128 {
        self.id
    }

    /// Whether [`Self::id_prefix`] is the whole id.
    pub(super) fn id_is_whole(self) -> bool {
        !self.has(ID_LONG)
    }
}
