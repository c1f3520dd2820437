//! The clock: UTC instants for timestamps, China Standard Time for calendar dates.
//!
//! ARCHITECTURE.md: timestamps are UTC instants stored in one sortable format on both
//! databases; calendar periods ("this quarter", reports) are China Standard Time dates,
//! converted at the edge.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, SubsecRound, Utc};

/// China Standard Time (北京时间), UTC+08:00 all year: China has observed no daylight
/// saving time since 1991.
pub const CST: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    // Evaluated at compile time: +08:00 is always in range.
    None => panic!("UTC+08:00 is a valid offset"),
};

/// The current instant in UTC, truncated to whole microseconds: PostgreSQL `timestamptz`
/// keeps microseconds, so a value truncated here round-trips identically through SQLite
/// and PostgreSQL and compares equal after reading it back.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Whether `t` can be stored and compared on both databases: years 1000-9999. SQLite
/// compares timestamps as RFC 3339 text, where `+10000-01-01` sorts before `2026-…`.
pub fn storable(t: &DateTime<Utc>) -> bool {
    storable_date(&t.date_naive())
}

/// Whether a calendar date can be stored and compared on both databases: years 1000-9999,
/// as [`storable`]; PostgreSQL also refuses dates before 4714 BC ("date out of range").
pub fn storable_date(d: &chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    (1000..=9999).contains(&d.year())
}

/// China Standard Time as an offset, [`CST`].
pub fn china_standard_time() -> FixedOffset {
    CST
}

/// Today's calendar date in China Standard Time.
pub fn today_cst() -> NaiveDate {
    Utc::now().with_timezone(&CST).date_naive()
}

/// The instant 00:00 China Standard Time of `d` begins, in UTC (16:00 UTC of the day
/// before): the inclusive lower bound of that date in a UTC timestamp range. Saturates to
/// the earliest representable instant for dates at the very edge of chrono's range.
pub fn cst_date_start_utc(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN)
        .and_local_timezone(CST)
        .single()
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.with_timezone(&Utc))
}

/// Hours of service from whole minutes, rounded half away from zero to two decimal places
/// (`5534` minutes → `92.23`). Every hours figure of the API comes from integer minutes
/// through this one function, so both databases and any client recomputing it from the
/// same minutes get the same number; `minutes / 60.0` gave 92.23333333333333 or one unit
/// in the last place apart, depending on how the figure was reached and parsed.
pub fn hours_from_minutes(minutes: i64) -> f64 {
    // Hundredths of an hour, rounded in integers; the quotient of two exact values is the
    // closest double to the two-decimal figure.
    let scaled = i128::from(minutes) * 100;
    let hundredths = (scaled + scaled.signum() * 30) / 60;
    hundredths as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::{TimeZone, Timelike};

    #[test]
    fn hours_are_whole_minutes_rounded_to_two_decimals() {
        assert_eq!(hours_from_minutes(5534), 92.23);
        assert_eq!(hours_from_minutes(0), 0.0);
        assert_eq!(hours_from_minutes(60), 1.0);
        assert_eq!(hours_from_minutes(1), 0.02, "0.0166… rounds up");
        assert_eq!(hours_from_minutes(3), 0.05, "exactly half a hundredth rounds away from zero");
        assert_eq!(hours_from_minutes(-3), -0.05);
        assert_eq!(hours_from_minutes(-5534), -92.23);
        assert!(hours_from_minutes(i64::MAX) > 1.5e17, "no overflow");
        // What a client parses from the JSON text is the same value.
        assert_eq!(serde_json::to_string(&hours_from_minutes(5534)).unwrap(), "92.23");
    }

    #[test]
    fn cst_is_eight_hours_east() {
        assert_eq!(CST.local_minus_utc(), 8 * 3600);
        assert_eq!(china_standard_time(), CST);
    }

    #[test]
    fn now_has_whole_microseconds() {
        let t = now();
        assert_eq!(t.nanosecond() % 1000, 0);
        assert!(t <= Utc::now());
    }

    #[test]
    fn today_cst_is_the_date_in_beijing() {
        let before = Utc::now().with_timezone(&CST).date_naive();
        let today = today_cst();
        let after = Utc::now().with_timezone(&CST).date_naive();
        assert!(before <= today && today <= after);
    }

    #[test]
    fn cst_date_start_is_sixteen_hundred_utc_the_day_before() {
        let cases = [
            ((2024, 1, 1), (2023, 12, 31, 16)),
            ((2023, 12, 31), (2023, 12, 30, 16)),
            ((2024, 3, 1), (2024, 2, 29, 16)),
            ((2025, 7, 1), (2025, 6, 30, 16)),
        ];
        for ((y, m, d), (uy, um, ud, uh)) in cases {
            let date = NaiveDate::from_ymd_opt(y, m, d).expect("test date");
            let expected = Utc.with_ymd_and_hms(uy, um, ud, uh, 0, 0).single().expect("test instant");
            assert_eq!(cst_date_start_utc(date), expected, "{date}");
            assert_eq!(cst_date_start_utc(date).with_timezone(&CST).date_naive(), date);
        }
    }

    #[test]
    fn cst_date_start_saturates_at_the_edge_of_the_range() {
        assert_eq!(cst_date_start_utc(NaiveDate::MIN), DateTime::<Utc>::MIN_UTC);
    }
}
