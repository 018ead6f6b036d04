//! Databricks SQL functions SQLite lacks, registered on the emulator's connection.
//!
//! `date_trunc(unit, ts)`: the timestamp truncated to the unit (`SECOND`, `MINUTE`, `HOUR`,
//! `DAY`; any case), as Databricks documents it. Timestamps are stored as fixed-width ISO-8601
//! UTC text (`2026-11-25T13:04:05.123Z`), so truncating is keeping a prefix and zeroing the rest.

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

/// `ts` truncated to `unit`; `None` for an unknown unit or a value that is not a timestamp.
pub(crate) fn date_trunc(unit: &str, ts: &str) -> Option<String> {
    const ZERO: &str = "0000-01-01T00:00:00.000Z";
    let keep = match unit.to_ascii_uppercase().as_str() {
        "SECOND" => 19,
        "MINUTE" => 16,
        "HOUR" => 13,
        "DAY" => 10,
        _ => return None,
    };
    if ts.len() != ZERO.len() || !ts.is_char_boundary(keep) {
        return None;
    }
    Some(format!("{}{}", &ts[..keep], &ZERO[keep..]))
}

/// Registers the functions on `conn`.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "date_trunc",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let unit: Option<String> = ctx.get(0)?;
            let ts: Option<String> = ctx.get(1)?;
            Ok(unit.zip(ts).and_then(|(u, t)| date_trunc(&u, &t)))
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn truncates_canonical_timestamps() {
        let t = "2026-11-25T13:04:05.123Z";
        assert_eq!(
            super::date_trunc("minute", t).as_deref(),
            Some("2026-11-25T13:04:00.000Z")
        );
        assert_eq!(
            super::date_trunc("HOUR", t).as_deref(),
            Some("2026-11-25T13:00:00.000Z")
        );
        assert_eq!(super::date_trunc("WEEK", t), None);
        assert_eq!(super::date_trunc("MINUTE", "soon"), None);
    }
}
