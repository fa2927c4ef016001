//! Times as GPX writes them (`xsd:dateTime`) to and from milliseconds since the Unix epoch.
//! GPX says times are UTC; a time written without an offset is taken as UTC, one with an offset
//! is converted. Digits finer than a millisecond are dropped, since a fix stores milliseconds.

use chrono::{DateTime, NaiveDateTime, SecondsFormat};

/// Parses `2017-07-29T14:46:35Z`, `2017-07-29T14:46:35.123+02:00` or `2021-10-10T09:55:20.952`.
pub(crate) fn parse_time(text: &str) -> Result<i64, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp_millis());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Ok(t.and_utc().timestamp_millis());
    }
    Err(format!(
        "`{text}` is not a date and time such as 2024-05-01T08:30:00Z"
    ))
}

/// RFC 3339 in UTC with milliseconds, `2017-07-29T14:46:35.000Z`; `None` when the time is beyond
/// what a calendar date can hold (a valid fix never is).
pub(crate) fn format_time(ms: i64) -> Option<String> {
    DateTime::from_timestamp_millis(ms).map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_501_339_595_000; // 2017-07-29T14:46:35Z

    fn check(text: &str, expected: Option<i64>) {
        assert_eq!(parse_time(text).ok(), expected, "{text}");
    }

    #[test]
    fn parses_the_forms_gpx_files_use() {
        check("2017-07-29T14:46:35Z", Some(T));
        check("2017-07-29T14:46:35.000Z", Some(T));
        check("2017-07-29T14:46:35.123Z", Some(T + 123));
        check("2017-07-29T14:46:35.1239Z", Some(T + 123));
        check("2017-07-29T16:46:35+02:00", Some(T));
        check("2017-07-29T11:46:35.5-03:00", Some(T + 500));
        check("2017-07-29T14:46:35", Some(T));
        check("2017-07-29T14:46:35.952", Some(T + 952));
        check("2017-07-29", None);
        check("2017-07-29T25:46:35Z", None);
        check("yesterday", None);
        check("", None);
    }

    #[test]
    fn formats_utc_with_milliseconds() {
        assert_eq!(
            format_time(T + 7).as_deref(),
            Some("2017-07-29T14:46:35.007Z")
        );
        assert_eq!(parse_time(&format_time(T + 7).unwrap()), Ok(T + 7));
    }
}
