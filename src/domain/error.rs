//! The one error type of the domain layer.

/// Why an input could not be parsed into a domain type.
///
/// Each variant carries a specific, human-readable message (what is wrong: the length,
/// the offending character and its position, the expected and actual check character,
/// the impossible date, ...). Messages never repeat a whole personal identifier, so they
/// are safe to log and to return to the client. [`DomainError::code`] gives the stable
/// machine-readable code for GraphQL `extensions.code` and `userErrors.code`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Not an NBS statistical division code / GB/T 2260 code.
    #[error("{0}")]
    InvalidDivisionCode(String),
    /// Not a GB 11643-1999 citizen identity number.
    #[error("{0}")]
    InvalidCitizenId(String),
    /// Not a GB 32100-2015 unified social credit code.
    #[error("{0}")]
    InvalidCreditCode(String),
    /// Not a mainland mobile or landline number.
    #[error("{0}")]
    InvalidPhone(String),
    /// Not a non-negative yuan amount with at most 2 decimals.
    #[error("{0}")]
    InvalidMoney(String),
}

impl DomainError {
    /// Stable SCREAMING_SNAKE code of the variant, part of the public API contract:
    /// `INVALID_DIVISION_CODE`, `INVALID_CITIZEN_ID`, `INVALID_CREDIT_CODE`,
    /// `INVALID_PHONE`, `INVALID_MONEY`.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::InvalidDivisionCode(_) => "INVALID_DIVISION_CODE",
            DomainError::InvalidCitizenId(_) => "INVALID_CITIZEN_ID",
            DomainError::InvalidCreditCode(_) => "INVALID_CREDIT_CODE",
            DomainError::InvalidPhone(_) => "INVALID_PHONE",
            DomainError::InvalidMoney(_) => "INVALID_MONEY",
        }
    }

    /// The human-readable message (the same text `Display` prints).
    pub fn message(&self) -> &str {
        match self {
            DomainError::InvalidDivisionCode(m)
            | DomainError::InvalidCitizenId(m)
            | DomainError::InvalidCreditCode(m)
            | DomainError::InvalidPhone(m)
            | DomainError::InvalidMoney(m) => m,
        }
    }
}

/// Describes one character that is not allowed where an ASCII digit or letter is expected,
/// naming full-width (全角) characters explicitly: they are the most common cause when
/// values are pasted from Chinese documents.
pub(crate) fn describe_char(c: char) -> String {
    let code = c as u32;
    if ('\u{FF10}'..='\u{FF19}').contains(&c) {
        format!("full-width digit '{c}' (U+{code:04X})")
    } else if ('\u{FF21}'..='\u{FF3A}').contains(&c) || ('\u{FF41}'..='\u{FF5A}').contains(&c) {
        format!("full-width letter '{c}' (U+{code:04X})")
    } else if c.is_whitespace() {
        format!("whitespace (U+{code:04X})")
    } else if c.is_control() {
        format!("control character U+{code:04X}")
    } else {
        format!("character '{c}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_its_stable_code_and_displays_its_message() {
        let cases = [
            (DomainError::InvalidDivisionCode("a".into()), "INVALID_DIVISION_CODE"),
            (DomainError::InvalidCitizenId("b".into()), "INVALID_CITIZEN_ID"),
            (DomainError::InvalidCreditCode("c".into()), "INVALID_CREDIT_CODE"),
            (DomainError::InvalidPhone("d".into()), "INVALID_PHONE"),
            (DomainError::InvalidMoney("e".into()), "INVALID_MONEY"),
        ];
        for (err, code) in cases {
            assert_eq!(err.code(), code);
            assert_eq!(err.to_string(), err.message());
        }
    }

    #[test]
    fn describe_char_names_full_width_characters() {
        let cases = [
            ('５', "full-width digit"),
            ('Ａ', "full-width letter"),
            (' ', "whitespace"),
            ('\u{7}', "control character"),
            ('a', "character 'a'"),
        ];
        for (c, expected) in cases {
            let text = describe_char(c);
            assert!(text.contains(expected), "{c:?}: {text}");
        }
    }
}
