//! TIMESTAMP values as the Statement Execution API writes them in JSON_ARRAY results.

/// Milliseconds since the Unix epoch, now (0 on a clock before 1970).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// `2026-11-25 13:00Z`: a time to the minute, for reports and tables.
pub fn format_minute_utc(epoch_ms: i64) -> String {
    let t = format_timestamp_ms(epoch_ms);
    format!("{} {}Z", &t[..10], &t[11..16])
}

/// `2026-11-25T13:00:00.123Z`: how JSON_ARRAY renders a TIMESTAMP, fixed width so it sorts.
pub fn format_timestamp_ms(epoch_ms: i64) -> String {
    let days = epoch_ms.div_euclid(86_400_000);
    let ms_of_day = epoch_ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, rest) = (ms_of_day / 3_600_000, ms_of_day % 3_600_000);
    let (min, rest) = (rest / 60_000, rest % 60_000);
    format!(
        "{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{:02}.{:03}Z",
        rest / 1000,
        rest % 1000
    )
}

/// The start of a window: `N` followed by `m`, `h`, `d` or `w` (minutes, hours, days, weeks
/// before `now_ms`), or a time as [`parse_timestamp_ms`] reads it (RFC 3339 and shorter forms).
pub fn parse_since(text: &str, now_ms: i64) -> Result<i64, String> {
    let t = text.trim();
    let unit_ms = match t.chars().last() {
        Some('m') => Some(60_000),
        Some('h') => Some(3_600_000),
        Some('d') => Some(86_400_000),
        Some('w') => Some(7 * 86_400_000),
        _ => None,
    };
    if let Some(unit) = unit_ms
        && let Ok(n) = t[..t.len() - 1].parse::<i64>()
    {
        if n <= 0 {
            return Err(format!("{t}: the window must be longer than zero"));
        }
        return n
            .checked_mul(unit)
            .map(|span| now_ms - span)
            .ok_or_else(|| format!("{t}: too long a window"));
    }
    match parse_timestamp_ms(t) {
        Some(ms) if ms <= now_ms => Ok(ms),
        Some(_) => Err(format!("{t} is in the future")),
        None => Err(format!(
            "{t:?} is not a window: use 30m, 24h, 7d, 2w or a time such as 2026-11-24T09:00:00Z"
        )),
    }
}

/// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.fff…]]][Z|±HH[:]MM]` to epoch milliseconds (UTC when no
/// zone is given). Hand-written because it runs once per egress row.
pub fn parse_timestamp_ms(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    let mut i = 10;
    if i < b.len() && (b[i] == b'T' || b[i] == b' ') {
        let (h, mi) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
        if b.get(i + 3) != Some(&b':') || h > 23 || mi > 59 {
            return None;
        }
        ms += h * 3_600_000 + mi * 60_000;
        i += 6;
        if b.get(i) == Some(&b':') {
            let sec = num(i + 1..i + 3)?;
            if sec > 60 {
                return None;
            }
            ms += sec * 1000;
            i += 3;
            if b.get(i) == Some(&b'.') {
                let start = i + 1;
                i = start;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let frac = &b[start..i];
                let milli = frac
                    .iter()
                    .chain(std::iter::repeat(&b'0'))
                    .take(3)
                    .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
                if frac.is_empty() {
                    return None;
                }
                ms += milli;
            }
        }
    }
    match b.get(i) {
        None => Some(ms),
        Some(b'Z' | b'z') if i + 1 == b.len() => Some(ms),
        Some(&sign @ (b'+' | b'-')) => {
            let h = num(i + 1..i + 3)?;
            let m = match b.len() - i {
                3 => 0,
                5 => num(i + 3..i + 5)?,
                6 if b[i + 3] == b':' => num(i + 4..i + 6)?,
                _ => return None,
            };
            let offset = (h * 60 + m) * 60_000;
            Some(if sign == b'+' {
                ms - offset
            } else {
                ms + offset
            })
        }
        _ => None,
    }
}

// Howard Hinnant's civil calendar algorithms (public domain).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn since_takes_any_unit_and_a_start_time() {
        let now = super::parse_timestamp_ms("2026-12-01T12:00:00Z").unwrap();
        assert_eq!(super::parse_since("90m", now), Ok(now - 90 * 60_000));
        assert_eq!(super::parse_since("7d", now), Ok(now - 7 * 86_400_000));
        assert_eq!(super::parse_since("2w", now), Ok(now - 14 * 86_400_000));
        assert_eq!(
            super::parse_since("2026-11-30T12:00:00+01:00", now),
            super::parse_timestamp_ms("2026-11-30T11:00:00Z").ok_or(String::new())
        );
        assert!(super::parse_since("0d", now).is_err());
        assert!(
            super::parse_since("7 days", now)
                .unwrap_err()
                .contains("not a window")
        );
        assert!(
            super::parse_since("2027-01-01T00:00:00Z", now)
                .unwrap_err()
                .contains("future")
        );
    }

    use super::*;

    #[test]
    fn timestamps_round_trip_and_accept_common_spellings() {
        let ms = 1_795_611_600_123;
        assert_eq!(format_timestamp_ms(ms), "2026-11-25T13:00:00.123Z");
        assert_eq!(parse_timestamp_ms("2026-11-25T13:00:00.123Z"), Some(ms));
        assert_eq!(parse_timestamp_ms("2026-11-25 13:00:00.123456"), Some(ms));
        assert_eq!(
            parse_timestamp_ms("2026-11-25T14:00:00.123+01:00"),
            Some(ms)
        );
        assert_eq!(parse_timestamp_ms("2026-11-25T08:00:00.123-0500"), Some(ms));
        assert_eq!(parse_timestamp_ms("2026-11-25"), Some(1_795_564_800_000));
        assert_eq!(format_timestamp_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_timestamp_ms(-1), "1969-12-31T23:59:59.999Z");
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-11-25T25:00",
            "2026-11-25T13:00:00.Z",
            "2026-11-25Tx",
        ] {
            assert_eq!(parse_timestamp_ms(bad), None, "{bad}");
        }
    }
}
