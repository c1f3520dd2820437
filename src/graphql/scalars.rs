//! Scalars of the API: `Yuan` (money as a decimal string) and `Date` (an ISO calendar date).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// An amount of money in yuan (元), as a decimal string with exactly two decimals, e.g.
/// `"180000.00"`. Stored as integer fen, so sums are exact; never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Yuan(pub crate::domain::Yuan);

#[Scalar(name = "Yuan")]
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

#[Scalar(name = "Date")]
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
