//! Money: yuan (元) held as integer fen (分).

use std::fmt;
use std::str::FromStr;

use super::error::{DomainError, describe_char};

/// An amount of money in yuan (人民币元), held as an integer number of fen (分,
/// 1/100 yuan) so that sums are exact in Rust and in SQL on SQLite and PostgreSQL alike
/// (ARCHITECTURE.md: money is stored as integer fen, exposed as a decimal string).
/// No floating point is involved anywhere.
///
/// `Display` prints yuan with exactly two decimals: `19.99`, `180000.00`, `0.50`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Yuan {
    fen: i64,
}

impl Yuan {
    /// Zero yuan.
    pub const ZERO: Yuan = Yuan { fen: 0 };

    /// The amount of `fen` fen (1/100 yuan), e.g. a stored column value. Negative values
    /// are representable (differences, corrections) although [`Yuan::parse`] never
    /// produces one.
    pub fn from_fen(fen: i64) -> Self {
        Yuan { fen }
    }

    /// The amount in fen.
    pub fn fen(&self) -> i64 {
        self.fen
    }

    /// Parses a non-negative decimal yuan amount: ASCII digits, optionally a `.` and one
    /// or two decimal digits (`19.99`, `180000`, `0.5`). Surrounding whitespace is
    /// ignored.
    ///
    /// # Errors
    /// [`DomainError::InvalidMoney`] for an empty value, a sign (negative amounts are not
    /// accepted), more than 2 decimals (fen is the smallest unit), an exponent, thousands
    /// separators, a missing digit before or after the point, any other character
    /// (full-width digits named), or an amount beyond the i64 range of fen.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(invalid("amount is empty".to_owned()));
        }
        if let Some((i, c)) = s.chars().enumerate().find(|&(_, c)| !c.is_ascii_digit() && c != '.') {
            let why = match c {
                '-' => "negative amounts are not accepted".to_owned(),
                '+' => "write the amount without a sign".to_owned(),
                ',' | '，' => "write the amount without thousands separators".to_owned(),
                'e' | 'E' => "exponent notation is not accepted".to_owned(),
                _ => format!("{} at position {} is not allowed", describe_char(c), i + 1),
            };
            return Err(invalid(format!("amount: {why}; use digits and at most one '.'")));
        }
        let (whole, decimals) = match s.split_once('.') {
            None => (s, ""),
            Some((_, decimals)) if decimals.contains('.') => {
                return Err(invalid("amount has more than one decimal point".to_owned()));
            }
            Some((whole, decimals)) => {
                if whole.is_empty() {
                    return Err(invalid("amount needs a digit before the decimal point".to_owned()));
                }
                if decimals.is_empty() {
                    return Err(invalid("amount needs a digit after the decimal point".to_owned()));
                }
                (whole, decimals)
            }
        };
        if decimals.len() > 2 {
            return Err(invalid(format!("amount has {} decimals; at most 2 (fen) are allowed", decimals.len())));
        }
        let overflow = || invalid(format!("amount is too large; the maximum is {}", Yuan::from_fen(i64::MAX)));
        let mut fen: i64 = 0;
        for d in whole.bytes() {
            fen = fen.checked_mul(10).and_then(|f| f.checked_add(i64::from(d - b'0'))).ok_or_else(overflow)?;
        }
        fen = fen.checked_mul(100).ok_or_else(overflow)?;
        let mut scale = 10;
        for d in decimals.bytes() {
            fen = fen.checked_add(i64::from(d - b'0') * scale).ok_or_else(overflow)?;
            scale /= 10;
        }
        Ok(Yuan { fen })
    }

    /// The sum, or `None` on overflow.
    pub fn checked_add(self, other: Yuan) -> Option<Yuan> {
        self.fen.checked_add(other.fen).map(Yuan::from_fen)
    }
}

impl fmt::Display for Yuan {
    /// Yuan with exactly two decimals (`19.99`, `180000.00`, `0.50`, `-0.05`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.fen < 0 { "-" } else { "" };
        let abs = self.fen.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl FromStr for Yuan {
    type Err = DomainError;

    /// Same as [`Yuan::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Yuan::parse(s)
    }
}

fn invalid(message: String) -> DomainError {
    DomainError::InvalidMoney(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_decimal_yuan_and_display_prints_two_decimals() {
        // input, fen, display
        let cases = [
            ("19.99", 1999, "19.99"),
            ("180000", 18_000_000, "180000.00"),
            ("0.5", 50, "0.50"),
            ("0.05", 5, "0.05"),
            ("0", 0, "0.00"),
            ("0.00", 0, "0.00"),
            ("14880000", 1_488_000_000, "14880000.00"),
            ("97100.0", 9_710_000, "97100.00"),
            ("007.10", 710, "7.10"),
            ("  865700.5 ", 86_570_050, "865700.50"),
            ("92233720368547758.07", i64::MAX, "92233720368547758.07"),
        ];
        for (input, fen, display) in cases {
            let yuan = Yuan::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(yuan.fen(), fen, "{input:?}");
            assert_eq!(yuan.to_string(), display, "{input:?}");
            assert_eq!(Yuan::parse(&yuan.to_string()), Ok(yuan), "round trip {input:?}");
        }
    }

    #[test]
    fn parse_rejects_malformed_amounts_with_a_specific_message() {
        let cases = [
            ("", "empty"),
            ("  ", "empty"),
            ("-1", "negative amounts are not accepted"),
            ("-0.50", "negative"),
            ("+1", "without a sign"),
            ("1.999", "3 decimals; at most 2"),
            ("0.001", "3 decimals"),
            ("1e3", "exponent notation"),
            ("1E3", "exponent notation"),
            ("180,000", "thousands separators"),
            ("180，000", "thousands separators"),
            ("1.2.3", "more than one decimal point"),
            (".5", "digit before the decimal point"),
            ("5.", "digit after the decimal point"),
            ("１９.99", "full-width digit '１' (U+FF11) at position 1"),
            ("19 .99", "whitespace (U+0020) at position 3"),
            ("¥19.99", "character '¥' at position 1"),
            ("NaN", "character 'N'"),
            ("92233720368547758.08", "too large; the maximum is 92233720368547758.07"),
            ("99999999999999999999", "too large"),
        ];
        for (input, fragment) in cases {
            match Yuan::parse(input) {
                Ok(yuan) => panic!("{input:?} should be rejected, got {yuan}"),
                Err(e) => {
                    assert_eq!(e.code(), "INVALID_MONEY");
                    assert!(e.to_string().contains(fragment), "{input:?}: {e}");
                }
            }
        }
    }

    #[test]
    fn display_handles_every_fen_value() {
        let cases = [
            (0, "0.00"),
            (1, "0.01"),
            (10, "0.10"),
            (100, "1.00"),
            (-5, "-0.05"),
            (-1999, "-19.99"),
            (i64::MIN, "-92233720368547758.08"),
        ];
        for (fen, display) in cases {
            assert_eq!(Yuan::from_fen(fen).to_string(), display, "{fen}");
        }
    }

    #[test]
    fn amounts_order_and_add_exactly() {
        let a = Yuan::parse("95900").expect("valid");
        let b = Yuan::parse("184900").expect("valid");
        assert!(a < b);
        assert_eq!(a.checked_add(b).map(|s| s.to_string()).as_deref(), Some("280800.00"));
        assert_eq!(Yuan::from_fen(i64::MAX).checked_add(Yuan::from_fen(1)), None);
        assert_eq!("0.1".parse::<Yuan>().map(|y| y.fen()), Ok(10));
        assert_eq!(Yuan::ZERO.fen(), 0);
    }
}
