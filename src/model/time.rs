//! Time as authdeck shows it: Unix seconds, and "3 min ago" for people. Pure but for `now`.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time in Unix seconds.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}

/// Reads `YYYY-MM-DDTHH:MM:SSZ` (as the store writes times, in UTC) as Unix seconds.
pub fn parse_utc(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z').unwrap_or(text);
    let (date, time) = text.split_once('T').or_else(|| text.split_once(' '))?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, min, s) = (t.next()??, t.next()??, t.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || min > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, m, day) * 86_400 + h * 3600 + min * 60 + s)
}

/// Unix seconds from a Unix time in seconds or milliseconds: a value past 10^11 (the year 5138 in
/// seconds) can only be milliseconds — Salesforce's `issued_at`, Fiserv's expiry.
pub fn seconds_from_unix(value: i64) -> i64 {
    if value.unsigned_abs() > 100_000_000_000 { value / 1000 } else { value }
}

/// Reads an RFC 3339 time (`2026-01-15T10:30:00Z`, `…T10:30:00.250+02:00`) as Unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let text = text.trim();
    let (body, offset) = if let Some(body) = text.strip_suffix(['Z', 'z']) {
        (body, 0)
    } else {
        let at = text.rfind(['+', '-']).filter(|&i| i > 10)?;
        let (body, zone) = text.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone.get(1..)?.split_once(':')?;
        (body, sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60))
    };
    // Fractions of a second are dropped.
    let body = body.split_once('.').map_or(body, |(whole, _)| whole);
    if body.len() != 19 {
        return None;
    }
    parse_utc(body).map(|t| t - offset)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (UTC), as the store writes times.
pub fn format_utc(at: i64) -> String {
    let (days, secs) = (at.div_euclid(86_400), at.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// The date of a day count since 1970-01-01 (Howard Hinnant's algorithm, the inverse of the one below).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// "just now", "3 min ago", "5 h ago", "2 days ago".
pub fn ago(at: i64, now: i64) -> String {
    let s = now.saturating_sub(at).max(0);
    match s {
        0..60 => "just now".into(),
        60..3600 => format!("{} min ago", s / 60),
        3600..172_800 => format!("{} h ago", s / 3600),
        _ => format!("{} days ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_stores_times() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_utc("2026-11-28T07:38:08Z"), Some(1_795_851_488));
        assert_eq!(parse_utc("2000-02-29T12:00:00Z"), Some(951_825_600));
        assert_eq!(parse_utc("not a time"), None);
        assert_eq!(parse_utc("2026-13-01T00:00:00Z"), None);
    }

    #[test]
    fn rfc3339_times_and_milliseconds() {
        assert_eq!(parse_rfc3339("2026-11-28T07:38:08Z"), Some(1_795_851_488));
        assert_eq!(parse_rfc3339("2026-11-28T09:38:08.5+02:00"), Some(1_795_851_488));
        assert_eq!(parse_rfc3339("2026-11-28T02:38:08-05:00"), Some(1_795_851_488));
        assert_eq!(parse_rfc3339("2026-11-28"), None);
        assert_eq!(parse_rfc3339("soon"), None);
        assert_eq!(seconds_from_unix(1_278_448_832_702), 1_278_448_832);
        assert_eq!(seconds_from_unix(1_278_448_832), 1_278_448_832);
    }

    #[test]
    fn formats_what_it_parses() {
        for text in ["1970-01-01T00:00:00Z", "2026-11-28T07:38:08Z", "2000-02-29T12:00:00Z", "1969-12-31T23:59:59Z"] {
            assert_eq!(format_utc(parse_utc(text).unwrap()), text);
        }
    }

    #[test]
    fn ago_reads_like_speech() {
        assert_eq!(ago(100, 130), "just now");
        assert_eq!(ago(0, 180), "3 min ago");
        assert_eq!(ago(0, 5 * 3600), "5 h ago");
        assert_eq!(ago(0, 3 * 86_400), "3 days ago");
        assert_eq!(ago(200, 100), "just now");
    }
}
