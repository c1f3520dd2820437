//! Scalars of the API: `Yuan` (money as a decimal string), `Date` (a calendar date),
//! `DateTime` (a UTC instant) and `JSON` (a JSON value). Each states its format in its
//! description and links the standard that specifies it with `@specifiedBy` (GraphQL spec,
//! October 2021, §3.5.5), so code generators and clients can map them to a type.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{NaiveDate, Utc};

/// An amount of money in yuan (元), as a decimal string with exactly two decimals, e.g.
/// `"180000.00"`. Stored as integer fen, so sums are exact; never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Yuan(pub crate::domain::Yuan);

/// An amount of money in yuan (人民币元, ISO 4217 `CNY`), as a JSON string holding a decimal
/// number, never a JSON number (no client ever parses money as a float).
///
/// Format: the lexical form of XML Schema's `decimal` (the URL of `@specifiedBy`; no
/// exponent, no thousands separators), restricted with facets as ISO 20022 restricts it for
/// amounts: `fractionDigits` 2 (the fen 分, CNY's minor unit in ISO 4217) and `minInclusive`
/// 0, so no sign; and at least one digit on each side of a `.`. Input: `"19.99"`, `"180000"`,
/// `"0.5"`; surrounding whitespace is ignored; negative amounts, more than 2 decimals and
/// amounts above 92233720368547758.07 are refused with a message naming the fault. Output:
/// always exactly 2 decimals, `"180000.00"`. Stored as integer fen, so sums are exact.
#[Scalar(name = "Yuan", specified_by_url = "https://www.w3.org/TR/xmlschema11-2/#decimal")]
impl ScalarType for Yuan {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => {
                crate::domain::Yuan::parse(&s).map(Yuan).map_err(|e| InputValueError::custom(e.to_string()))
            }
            other => Err(InputValueError::expected_type(other)),
        }
    }

    /// Validation calls this on every argument, variables substituted: a value that does not
    /// parse refuses the whole request before anything runs (GraphQL spec, CoerceVariableValues).
    fn is_valid(value: &Value) -> bool {
        Self::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

impl Yuan {
    pub fn from_fen(fen: i64) -> Self {
        Yuan(crate::domain::Yuan::from_fen(fen))
    }
}

/// A calendar date in ISO 8601 form, `YYYY-MM-DD`. Dates are China Standard Time calendar
/// dates unless a field says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// A calendar date, as a string `YYYY-MM-DD`: RFC 3339's `full-date` (section 5.6, the URL
/// of `@specifiedBy`), years 1000-9999 (four digits, the first not 0). Dates are China
/// Standard Time (UTC+8) calendar dates unless a field says otherwise; no time, no offset.
/// Input and output: `"2023-12-31"`; `"2024-02-30"`, `"2024-2-3"` and `"0999-12-31"` are
/// refused.
#[Scalar(name = "Date", specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            // Four-digit years only (1000-9999): both databases store them, and no record of
            // this domain lies outside.
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|_| s.len() == 10 && s.as_bytes()[0].is_ascii_digit() && s.as_bytes()[0] != b'0')
                .map(Date)
                .ok_or_else(|| {
                    InputValueError::custom(format!("`{s}` is not a date of the form YYYY-MM-DD (years 1000-9999)"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    /// As [`Yuan`]'s: a malformed date refuses the request before it runs.
    fn is_valid(value: &Value) -> bool {
        Self::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// An instant in UTC, as an RFC 3339 `date-time` string. Replaces async-graphql's own
/// `DateTime` scalar (same name, same parsing and output) so that the schema can say what the
/// values mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub chrono::DateTime<Utc>);

/// An instant, as a string: RFC 3339's `date-time` (section 5.6, the URL of `@specifiedBy`).
/// Output: always UTC with a `+00:00` offset and fractional seconds only when there are any,
/// e.g. `"2026-12-01T08:30:00+00:00"`, `"2026-12-01T08:30:00.123456+00:00"`. Input: any
/// offset (`Z`, `+08:00`), converted to UTC, e.g. `"2026-12-01T16:30:00+08:00"`; a value
/// without an offset is refused. Arguments that filter by time accept years 1000-9999.
#[Scalar(name = "DateTime", specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        // chrono's own RFC 3339 parser, as async-graphql's scalar used: same values accepted.
        match &value {
            Value::String(s) => match s.parse::<chrono::DateTime<Utc>>() {
                // Years 1000-9999, as for `Date`: SQLite compares instants as text, where
                // `+10000-…` sorts before `2026-…`.
                Ok(t) if crate::domain::time::storable(&t) => Ok(DateTime(t)),
                Ok(_) => Err(InputValueError::custom(format!("`{s}` is outside the years 1000-9999"))),
                Err(e) => Err(InputValueError::custom(e)),
            },
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    /// As [`Yuan`]'s: a malformed instant refuses the request before it runs.
    fn is_valid(value: &Value) -> bool {
        Self::parse(value.clone()).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

/// A JSON value passed through as is; see [`Json`]'s scalar description.
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub serde_json::Value);

/// Any JSON value (RFC 8259, the URL of `@specifiedBy`), sent as JSON itself, not as a
/// string holding JSON. Each field of this type says the shape it returns (e.g.
/// `AuditEntry.changes`: an object of `{"old": …, "new": …}` per field).
#[Scalar(name = "JSON", specified_by_url = "https://www.rfc-editor.org/rfc/rfc8259")]
impl ScalarType for Json {
    fn parse(value: Value) -> InputValueResult<Self> {
        value.into_json().map(Json).map_err(InputValueError::custom)
    }

    fn to_value(&self) -> Value {
        // A serde_json::Value always converts; the fallback only satisfies the signature.
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}
