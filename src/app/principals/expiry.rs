//! What is known of a principal's secrets and the soonest expiry shown in the list.

use crate::api::secrets::SecretInfo;
use crate::api::timestamp::parse_timestamp_ms;

/// Days under which a secret's expiry is highlighted.
pub const EXPIRY_WARN_DAYS: i64 = 30;

/// What is known of a principal's secrets.
#[derive(Clone, Debug, PartialEq)]
pub enum SecretsKnown {
    Known(Vec<SecretInfo>),
    Failed(String),
}

/// The soonest expiry of a principal's secrets, for the list column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Expiry {
    /// Epoch milliseconds of the soonest expiring secret.
    At(i64),
    /// Secrets exist but none expires.
    Never,
    /// No secrets at all.
    NoSecrets,
    Failed,
    Unknown,
}

pub fn soonest_expiry(known: Option<&SecretsKnown>) -> Expiry {
    match known {
        None => Expiry::Unknown,
        Some(SecretsKnown::Failed(_)) => Expiry::Failed,
        Some(SecretsKnown::Known(list)) if list.is_empty() => Expiry::NoSecrets,
        Some(SecretsKnown::Known(list)) => list
            .iter()
            .filter_map(|s| s.expire_time.as_deref().and_then(parse_timestamp_ms))
            .min()
            .map_or(Expiry::Never, Expiry::At),
    }
}

/// A secret that expires at `expire_time` (never when `None`), for tests.
#[cfg(test)]
pub(super) fn secret_expiring(expire_time: Option<&str>) -> SecretInfo {
    SecretInfo {
        id: "1".into(),
        status: None,
        secret_hash: None,
        create_time: None,
        update_time: None,
        expire_time: expire_time.map(str::to_owned),
        extra: serde_json::Map::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soonest_expiry_orders_known_before_unknown() {
        let s = secret_expiring;
        let k = SecretsKnown::Known(vec![
            s(Some("2030-01-02T00:00:00Z")),
            s(Some("2029-01-01T00:00:00Z")),
            s(None),
        ]);
        match soonest_expiry(Some(&k)) {
            Expiry::At(ms) => assert_eq!(ms, parse_timestamp_ms("2029-01-01T00:00:00Z").unwrap()),
            other => panic!("{other:?}"),
        }
        assert!(Expiry::At(5) < Expiry::Never);
        assert!(Expiry::Never < Expiry::Unknown);
        assert_eq!(soonest_expiry(None), Expiry::Unknown);
    }
}
