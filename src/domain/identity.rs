//! Personal and organisational identifiers: the citizen identity number (GB 11643-1999),
//! the unified social credit code (GB 32100-2015) and mainland phone numbers.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use super::error::{DomainError, describe_char};
use super::masking;

// ---------------------------------------------------------------------------------------
// Citizen identity number, GB 11643-1999
// ---------------------------------------------------------------------------------------

/// ISO 7064 MOD 11-2 weights of the first 17 digits (GB 11643-1999 §5.2): 2^(18-i) mod 11.
const CITIZEN_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check characters indexed by the weighted sum mod 11 (GB 11643-1999 §5.2).
const CITIZEN_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Earliest birth date accepted in a citizen identity number.
const EARLIEST_BIRTH: (i32, u32, u32) = (1900, 1, 1);

/// A citizen identity number (公民身份号码) under GB 11643-1999: 6-digit address code
/// (GB/T 2260 county at first registration), 8-digit birth date `YYYYMMDD`, 3-digit
/// sequence (odd for men, even for women) and a check character computed with
/// ISO 7064 MOD 11-2, e.g. `11010519491231002X`.
///
/// Sensitive personal information under PIPL: `Debug` prints it masked, and there is
/// deliberately no `Display`; use [`CitizenId::as_str`] where the full number is needed
/// and [`masking::id_number`] everywhere else.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CitizenId {
    value: String,
    birth: NaiveDate,
}

impl CitizenId {
    /// Parses an 18-character citizen identity number (surrounding whitespace ignored; a
    /// lowercase `x` check character is normalised to `X`).
    ///
    /// Checks, in order (GB 11643-1999): 18 characters; characters 1-17 ASCII digits;
    /// character 18 a digit or `X`; digits 7-14 a real calendar date, not before
    /// 1900-01-01 and not after `today` (pass [`crate::domain::time::today_cst`]); the check
    /// character equal to the ISO 7064 MOD 11-2 check of the first 17 digits.
    ///
    /// # Errors
    /// [`DomainError::InvalidCitizenId`] naming the first fault found. The message never
    /// repeats the whole number.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        let chars: Vec<char> = trimmed.chars().collect();
        if chars.is_empty() {
            return Err(invalid_id("citizen ID number is empty".to_owned()));
        }
        if chars.len() != 18 {
            let hint = if chars.len() == 15 {
                " (15-digit first-generation numbers are not accepted; use the 18-character number)"
            } else {
                ""
            };
            return Err(invalid_id(format!("citizen ID number must have 18 characters, got {}{hint}", chars.len())));
        }
        if let Some((i, &c)) = chars.iter().enumerate().take(17).find(|(_, c)| !c.is_ascii_digit()) {
            return Err(invalid_id(format!(
                "citizen ID number: characters 1-17 must be ASCII digits; {} at position {}",
                describe_char(c),
                i + 1
            )));
        }
        let actual = match chars.get(17) {
            Some(&c) if c.is_ascii_digit() => c,
            Some('x' | 'X') => 'X',
            Some(&c) => {
                return Err(invalid_id(format!(
                    "citizen ID number: the check character (position 18) must be a digit or X; \
                     got {}",
                    describe_char(c)
                )));
            }
            None => return Err(invalid_id("citizen ID number is too short".to_owned())),
        };
        let first17: String = chars.iter().take(17).collect();
        let birth = birth_date_of(&first17)?;
        if birth > today {
            return Err(invalid_id(format!(
                "citizen ID number: the birth date (digits 7-14) is after today ({today})"
            )));
        }
        let expected = CitizenId::check_char(&first17)
            .ok_or_else(|| invalid_id("citizen ID number: characters 1-17 must be digits".to_owned()))?;
        if actual != expected {
            return Err(invalid_id(format!(
                "citizen ID number: check character (position 18) should be {expected}, got \
                 {actual}; a digit is mistyped (GB 11643-1999, ISO 7064 MOD 11-2)"
            )));
        }
        let mut value = first17;
        value.push(actual);
        Ok(CitizenId { value, birth })
    }

    /// The normalised 18-character number (check character `X` uppercase).
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The birth date from digits 7-14.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    /// Whether the sequence code (digit 17) is odd, which GB 11643-1999 assigns to men.
    pub fn is_male(&self) -> bool {
        self.value.as_bytes().get(16).is_some_and(|d| (d - b'0') % 2 == 1)
    }

    /// The 6-digit address code (digits 1-6): the GB/T 2260 county where the number was
    /// first issued, not necessarily where the person lives now.
    pub fn address_code(&self) -> &str {
        self.value.get(..6).unwrap_or_default()
    }

    /// The ISO 7064 MOD 11-2 check character for the first 17 digits (GB 11643-1999 §5.2):
    /// sum of digit × weight (7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2), mod 11, indexes
    /// `10X98765432`. `None` unless `first17` is exactly 17 ASCII digits.
    pub fn check_char(first17: &str) -> Option<char> {
        if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let sum: u32 = first17.bytes().zip(CITIZEN_WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
        CITIZEN_CHECK.get((sum % 11) as usize).copied()
    }

    /// Builds a valid number for synthetic demo data from a 6-digit address code, a birth
    /// date (1900-01-01 to 9999-12-31) and a sequence 0-999 (odd for men), computing the
    /// check character.
    ///
    /// # Errors
    /// [`DomainError::InvalidCitizenId`] if the address code is not 6 ASCII digits, the
    /// sequence exceeds 999 or the date is out of range.
    pub fn synthesize(address6: &str, birth: NaiveDate, sequence: u16) -> Result<Self, DomainError> {
        if address6.len() != 6 || !address6.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid_id("citizen ID number: the address code must be 6 ASCII digits".to_owned()));
        }
        if sequence > 999 {
            return Err(invalid_id(format!("citizen ID number: the sequence code must be 0-999, got {sequence}")));
        }
        if birth < earliest_birth() || birth.year() > 9999 {
            return Err(invalid_id(format!(
                "citizen ID number: the birth date must be between 1900-01-01 and 9999-12-31, \
                 got {birth}"
            )));
        }
        let first17 = format!("{address6}{}{sequence:03}", birth.format("%Y%m%d"));
        let check = CitizenId::check_char(&first17)
            .ok_or_else(|| invalid_id("citizen ID number: could not compute the check character".to_owned()))?;
        let mut value = first17;
        value.push(check);
        Ok(CitizenId { value, birth })
    }
}

impl fmt::Debug for CitizenId {
    /// Masked (PIPL): `CitizenId("1101**********002X")`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CitizenId").field(&masking::id_number(&self.value)).finish()
    }
}

/// Age in whole years (周岁) at `on` of someone born on `birth`: the number of birthdays
/// passed, the birthday itself counting. Someone born on 29 February turns a year older
/// on 1 March in common years. `0` when `on` is before `birth`.
///
/// The one place civlink computes an age (elderly and child categories, reports).
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

fn invalid_id(message: String) -> DomainError {
    DomainError::InvalidCitizenId(message)
}

/// Earliest birth date accepted (1900-01-01), in a citizen ID number and wherever a birth
/// date is entered.
pub fn earliest_birth() -> NaiveDate {
    let (y, m, d) = EARLIEST_BIRTH;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Reads and checks the birth date of digits 7-14 of a 17-digit prefix.
fn birth_date_of(first17: &str) -> Result<NaiveDate, DomainError> {
    let field = |range: std::ops::Range<usize>| -> u32 { first17.get(range).and_then(|s| s.parse().ok()).unwrap_or(0) };
    let (year, month, day) = (field(6..10), field(10..12), field(12..14));
    if !(1..=12).contains(&month) {
        return Err(invalid_id(format!(
            "citizen ID number: the birth month (digits 11-12) must be 01-12, got {month:02}"
        )));
    }
    let year = i32::try_from(year).unwrap_or(0);
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        invalid_id(format!(
            "citizen ID number: the birth date (digits 7-14) is impossible: \
             {year:04}-{month:02} has no day {day:02}"
        ))
    })?;
    if date < earliest_birth() {
        return Err(invalid_id("citizen ID number: the birth date (digits 7-14) is before 1900-01-01".to_owned()));
    }
    Ok(date)
}

// ---------------------------------------------------------------------------------------
// Unified social credit code, GB 32100-2015
// ---------------------------------------------------------------------------------------

/// The 31 characters of GB 32100-2015, in check-value order (no I, O, S, V, Z).
const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// GB 32100-2015 weights of positions 1-17: 3^(i-1) mod 31.
const CREDIT_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// A unified social credit code (统一社会信用代码) under GB 32100-2015: 18 characters from
/// `0123456789ABCDEFGHJKLMNPQRTUWXY`: registering department (position 1, `5` = civil
/// affairs), organisation type (2), registrar's GB/T 2260 region code (3-8), organisation
/// code (9-17) and a MOD 31 check character (18), e.g. `91350100M000100Y43`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

impl CreditCode {
    /// Parses a code strictly, as the API does: surrounding whitespace ignored, ASCII
    /// letters uppercased, and a wrong check character rejected.
    ///
    /// # Errors
    /// [`DomainError::InvalidCreditCode`] for a wrong length, a character outside the
    /// GB 32100-2015 alphabet (I, O, S, V, Z and full-width characters named as such),
    /// positions 3-8 not digits, or a wrong check character (expected and actual given).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let (code, mismatch) = parse_credit(input)?;
        match mismatch {
            None => Ok(code),
            Some((expected, actual)) => Err(invalid_credit(format!(
                "credit code: check character (position 18) should be {expected}, got {actual} \
                 (GB 32100-2015)"
            ))),
        }
    }

    /// Parses a code for imports from other systems: like [`CreditCode::parse`], except that
    /// a wrong check character is accepted and reported as a warning message, because some
    /// early pilot codes are legal yet fail the GB 32100-2015 check. Every other fault is
    /// still rejected.
    ///
    /// # Errors
    /// [`DomainError::InvalidCreditCode`] for every fault but the check character.
    pub fn parse_lenient(input: &str) -> Result<(Self, Option<String>), DomainError> {
        let (code, mismatch) = parse_credit(input)?;
        let warning = mismatch.map(|(expected, actual)| {
            format!(
                "credit code {}: check character (position 18) should be {expected}, got \
                 {actual}; accepted as an early pilot code, please verify",
                code.0
            )
        });
        Ok((code, warning))
    }

    /// The normalised (uppercase) 18-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Position 1: the registering department (`5` civil affairs, `9` market regulation,
    /// `1` institutional establishment, `Y` other, ...).
    pub fn registering_department(&self) -> char {
        self.0.chars().next().unwrap_or('0')
    }

    /// Position 2: the organisation type within the department (for civil affairs `1`
    /// social group, `2` private non-enterprise unit, `3` foundation).
    pub fn org_type(&self) -> char {
        self.0.chars().nth(1).unwrap_or('0')
    }

    /// Positions 3-8: the registrar's GB/T 2260 region code, 6 digits.
    pub fn region_code(&self) -> &str {
        self.0.get(2..8).unwrap_or_default()
    }

    /// The GB 32100-2015 check character of the first 17 characters: the weighted sum
    /// (weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28) of their alphabet indexes,
    /// then (31 − sum mod 31) mod 31 as a character of the alphabet. ASCII letters are
    /// uppercased first. `None` unless `first17` is 17 alphabet characters.
    pub fn check_char(first17: &str) -> Option<char> {
        if first17.len() != 17 {
            return None;
        }
        let mut sum = 0u32;
        for (b, w) in first17.bytes().zip(CREDIT_WEIGHTS) {
            sum += credit_index(b.to_ascii_uppercase())? * w;
        }
        let check = (31 - sum % 31) % 31;
        CREDIT_ALPHABET.get(check as usize).map(|&b| char::from(b))
    }

    /// Builds a valid code for synthetic demo data from its first 17 characters, computing
    /// the check character.
    ///
    /// # Errors
    /// [`DomainError::InvalidCreditCode`] for the same faults as [`CreditCode::parse`] in
    /// the first 17 characters.
    pub fn synthesize(first17: &str) -> Result<Self, DomainError> {
        let upper = first17.trim().to_ascii_uppercase();
        let chars: Vec<char> = upper.chars().collect();
        if chars.len() != 17 {
            return Err(invalid_credit(format!(
                "credit code: synthesize needs the first 17 characters, got {}",
                chars.len()
            )));
        }
        check_credit_chars(&chars)?;
        let check = CreditCode::check_char(&upper)
            .ok_or_else(|| invalid_credit("credit code: could not compute the check character".to_owned()))?;
        let mut value = upper;
        value.push(check);
        Ok(CreditCode(value))
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = DomainError;

    /// Same as [`CreditCode::parse`] (strict).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

fn invalid_credit(message: String) -> DomainError {
    DomainError::InvalidCreditCode(message)
}

fn credit_index(b: u8) -> Option<u32> {
    CREDIT_ALPHABET.iter().position(|&a| a == b).and_then(|i| u32::try_from(i).ok())
}

/// Checks every character against the alphabet and positions 3-8 for digits.
fn check_credit_chars(chars: &[char]) -> Result<(), DomainError> {
    for (i, &c) in chars.iter().enumerate() {
        let position = i + 1;
        let in_alphabet = c.is_ascii() && credit_index(c as u8).is_some();
        if !in_alphabet {
            let why = if matches!(c, 'I' | 'O' | 'S' | 'V' | 'Z') {
                format!("letter {c} is not used (GB 32100-2015 excludes I, O, S, V and Z)")
            } else {
                format!("{} is not allowed", describe_char(c))
            };
            return Err(invalid_credit(format!("credit code: position {position}: {why}")));
        }
        if (3..=8).contains(&position) && !c.is_ascii_digit() {
            return Err(invalid_credit(format!(
                "credit code: positions 3-8 are the registrar's region code and must be digits; \
                 got {c} at position {position}"
            )));
        }
    }
    Ok(())
}

/// Parses everything but the check; returns the code and `(expected, actual)` check
/// characters when they differ.
fn parse_credit(input: &str) -> Result<(CreditCode, Option<(char, char)>), DomainError> {
    let upper = input.trim().to_ascii_uppercase();
    let chars: Vec<char> = upper.chars().collect();
    if chars.is_empty() {
        return Err(invalid_credit("credit code is empty".to_owned()));
    }
    if chars.len() != 18 {
        return Err(invalid_credit(format!("credit code must have 18 characters, got {}", chars.len())));
    }
    check_credit_chars(&chars)?;
    let first17: String = chars.iter().take(17).collect();
    let expected =
        CreditCode::check_char(&first17).ok_or_else(|| invalid_credit("credit code: invalid characters".to_owned()))?;
    let actual = chars.get(17).copied().unwrap_or('0');
    let mismatch = (expected != actual).then_some((expected, actual));
    Ok((CreditCode(upper), mismatch))
}

// ---------------------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------------------

/// A mainland China phone number, normalised:
///
/// - mobile: 11 digits `1[3-9]XXXXXXXXX` (`13812345678`), from input with an optional
///   `+86`/`86` country code and spaces or hyphens anywhere;
/// - landline: `0AA-NNNNNNNN` or `0AAA-NNNNNNNN` (long-distance area code, hyphen, 7-8 digit
///   local number), with `-EEEE` appended when an extension was given.
///
/// Area codes follow the national numbering plan (电信网编号计划): `010` Beijing, `02X` for
/// the 2-digit areas, `0XXX` (first digit 3-9) for all others; so the area code length is
/// known from its first digit and `075512345678` parses without separators. Local numbers
/// start with 2-9.
///
/// Personal information under PIPL: `Debug` prints it masked ([`masking::phone`]).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    /// Parses a mobile or landline number. Spaces, hyphens and ASCII parentheses are
    /// separators (`138 1234 5678`, `(0755)12345678`, `0755-1234-5678`); a local number
    /// split in two groups is joined; a group after the local number is the extension
    /// (1-6 digits).
    ///
    /// # Errors
    /// [`DomainError::InvalidPhone`] for any other character (full-width ones named), a
    /// country code other than +86, a mobile number that is not 11 digits starting 13-19,
    /// a landline with an impossible area code, a local number not 7-8 digits or starting
    /// with 0 or 1, or a malformed extension.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(invalid_phone("phone number is empty".to_owned()));
        }
        for (i, c) in trimmed.chars().enumerate() {
            let allowed = c.is_ascii_digit() || is_phone_separator(c) || (c == '+' && i == 0);
            if !allowed {
                return Err(invalid_phone(format!(
                    "phone number: {} at position {} is not allowed; use digits, spaces or hyphens",
                    describe_char(c),
                    i + 1
                )));
            }
        }
        let (plus86, rest) = match trimmed.strip_prefix('+') {
            Some(after) => match after.strip_prefix("86") {
                Some(rest) => (true, rest),
                None => {
                    return Err(invalid_phone(
                        "phone number: only the mainland country code +86 is accepted".to_owned(),
                    ));
                }
            },
            None => (false, trimmed),
        };
        let mut digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        if !plus86 && digits.len() == 13 && digits.starts_with("861") {
            // Country code written without "+".
            digits.drain(..2);
        }
        if digits.starts_with('1') {
            return parse_mobile(&digits);
        }
        if plus86 {
            return Err(invalid_phone(
                "phone number: with the country code +86 only mobile numbers are accepted; \
                 write landlines with the leading 0, e.g. 0755-12345678"
                    .to_owned(),
            ));
        }
        if digits.starts_with('0') {
            return parse_landline(trimmed);
        }
        Err(invalid_phone(
            "phone number must be a mobile number starting with 1 or a landline starting with \
             the area code 0"
                .to_owned(),
        ))
    }

    /// The normalised number: 11 digits for a mobile, `0AAA-NNNNNNNN[-EEEE]` for a landline.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a mobile number (11 digits starting with 1).
    pub fn is_mobile(&self) -> bool {
        self.0.starts_with('1')
    }
}

impl fmt::Debug for Phone {
    /// Masked (PIPL): `Phone("138****5678")`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phone").field(&masking::phone(&self.0)).finish()
    }
}

fn invalid_phone(message: String) -> DomainError {
    DomainError::InvalidPhone(message)
}

fn is_phone_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '(' | ')')
}

fn parse_mobile(digits: &str) -> Result<Phone, DomainError> {
    if digits.len() != 11 {
        return Err(invalid_phone(format!("mobile number must have 11 digits, got {}", digits.len())));
    }
    if !matches!(digits.as_bytes().get(1), Some(b'3'..=b'9')) {
        return Err(invalid_phone(format!(
            "mobile number must start with 13-19, got {}",
            digits.get(..2).unwrap_or_default()
        )));
    }
    Ok(Phone(digits.to_owned()))
}

fn parse_landline(input: &str) -> Result<Phone, DomainError> {
    let groups: Vec<&str> = input.split(is_phone_separator).filter(|g| !g.is_empty()).collect();
    let first = groups.first().copied().unwrap_or_default();
    let area_len = match first.as_bytes().get(1) {
        Some(b'1') if first.as_bytes().get(2) == Some(&b'0') => 3,
        Some(b'1') => {
            return Err(invalid_phone("landline: 010 (Beijing) is the only area code starting with 01".to_owned()));
        }
        Some(b'2') => 3,
        Some(b'3'..=b'9') => 4,
        Some(b'0') => {
            return Err(invalid_phone(
                "landline: the area code cannot start with 00 (that is the international prefix)".to_owned(),
            ));
        }
        _ => {
            return Err(invalid_phone("landline: the area code must be 010, 02X or 0XXX".to_owned()));
        }
    };
    if first.len() < area_len {
        return Err(invalid_phone(format!(
            "landline: the area code must have {area_len} digits including the leading 0, got {}",
            first.len()
        )));
    }
    let area = first.get(..area_len).unwrap_or_default();
    // The local number either follows the area code in the same group or is the next group(s).
    let mut rest: Vec<&str> = Vec::with_capacity(groups.len());
    if let Some(tail) = first.get(area_len..).filter(|t| !t.is_empty()) {
        rest.push(tail);
    }
    rest.extend(groups.iter().skip(1).copied());
    let mut parts = rest.into_iter().peekable();
    let mut number = String::new();
    while let Some(group) = parts.next_if(|g| number.is_empty() || (number.len() < 7 && number.len() + g.len() <= 8)) {
        number.push_str(group);
    }
    if number.is_empty() {
        return Err(invalid_phone(format!("landline: the local number is missing after area code {area}")));
    }
    if !(7..=8).contains(&number.len()) {
        return Err(invalid_phone(format!("landline: the local number must have 7 or 8 digits, got {}", number.len())));
    }
    if number.starts_with(['0', '1']) {
        return Err(invalid_phone("landline: the local number must not start with 0 or 1".to_owned()));
    }
    let extension = parts.next();
    if let Some(extra) = parts.next() {
        return Err(invalid_phone(format!("landline: unexpected digits \"{extra}\" after the extension")));
    }
    let mut value = format!("{area}-{number}");
    if let Some(ext) = extension {
        if ext.len() > 6 {
            return Err(invalid_phone(format!("landline: the extension must have 1-6 digits, got {}", ext.len())));
        }
        value.push('-');
        value.push_str(ext);
    }
    Ok(Phone(value))
}

impl FromStr for Phone {
    type Err = DomainError;

    /// Same as [`Phone::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Phone::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test date")
    }

    fn today() -> NaiveDate {
        date(2025, 6, 30)
    }

    #[test]
    fn citizen_id_accepts_valid_numbers_and_normalises_x() {
        // input, normalised, birth date, male, address code
        let cases = [
            ("11010519491231002X", "11010519491231002X", date(1949, 12, 31), false, "110105"),
            ("11010519491231002x", "11010519491231002X", date(1949, 12, 31), false, "110105"),
            (" 11010519491231002X\n", "11010519491231002X", date(1949, 12, 31), false, "110105"),
            ("522301198001011231", "522301198001011231", date(1980, 1, 1), true, "522301"),
            ("420502200002290019", "420502200002290019", date(2000, 2, 29), true, "420502"),
            ("511802190010100003", "511802190010100003", date(1900, 10, 10), false, "511802"),
        ];
        for (input, normalised, birth, male, address) in cases {
            let id = CitizenId::parse(input, today()).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(id.as_str(), normalised, "{input:?}");
            assert_eq!(id.birth_date(), birth, "{input:?}");
            assert_eq!(id.is_male(), male, "{input:?}");
            assert_eq!(id.address_code(), address, "{input:?}");
        }
    }

    #[test]
    fn citizen_id_born_today_is_valid_and_tomorrow_is_not() {
        let id = CitizenId::parse("230202202401014561", date(2024, 1, 1));
        assert!(id.is_ok(), "{id:?}");
        let err = CitizenId::parse("230202202401014561", date(2023, 12, 31));
        assert!(matches!(err, Err(DomainError::InvalidCitizenId(m)) if m.contains("after today (2023-12-31)")));
    }

    #[test]
    fn citizen_id_rejects_invalid_numbers_with_a_specific_message() {
        let cases = [
            ("", "empty"),
            ("11010519491231002", "must have 18 characters, got 17"),
            ("11010519491231002X1", "must have 18 characters, got 19"),
            ("110105491231002", "15-digit first-generation numbers are not accepted"),
            ("1101051949123100XX", "character 'X' at position 17"),
            ("１1010519491231002X", "full-width digit '１' (U+FF11) at position 1"),
            ("110105 9491231002X", "whitespace (U+0020) at position 7"),
            ("11010519491231002Y", "must be a digit or X; got character 'Y'"),
            ("110105194913310027", "birth month (digits 11-12) must be 01-12, got 13"),
            ("110105194900310027", "birth month (digits 11-12) must be 01-12, got 00"),
            ("110105194902300027", "impossible: 1949-02 has no day 30"),
            ("110105190102290027", "impossible: 1901-02 has no day 29"),
            ("110105194912000027", "has no day 00"),
            ("110105189912310027", "before 1900-01-01"),
            ("110105203001010027", "after today (2025-06-30)"),
            ("110105194912310021", "check character (position 18) should be X, got 1"),
            ("522301198001011230", "should be 1, got 0"),
        ];
        for (input, fragment) in cases {
            match CitizenId::parse(input, today()) {
                Ok(id) => panic!("{input:?} should be rejected, got {id:?}"),
                Err(e) => {
                    assert_eq!(e.code(), "INVALID_CITIZEN_ID");
                    assert!(e.to_string().contains(fragment), "{input:?}: {e}");
                }
            }
        }
    }

    #[test]
    fn citizen_id_errors_never_repeat_the_whole_number() {
        let input = "110105194912310021";
        let err = CitizenId::parse(input, today()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(!err.is_empty() && !err.contains(input), "{err}");
    }

    #[test]
    fn citizen_id_check_char_follows_iso_7064_mod_11_2() {
        let cases = [
            ("11010519491231002", Some('X')),
            ("52230119800101123", Some('1')),
            ("42050220000229001", Some('9')),
            ("1101051949123100", None),
            ("110105194912310022", None),
            ("1101051949123100A", None),
            ("", None),
        ];
        for (first17, expected) in cases {
            assert_eq!(CitizenId::check_char(first17), expected, "{first17:?}");
        }
    }

    #[test]
    fn citizen_id_synthesize_builds_numbers_that_parse() {
        let cases = [
            ("110105", date(1949, 12, 31), 2, "11010519491231002X"),
            ("522301", date(1980, 1, 1), 123, "522301198001011231"),
            ("420502", date(2000, 2, 29), 1, "420502200002290019"),
            ("511802", date(1900, 1, 1), 0, ""),
            ("230202", date(2024, 1, 1), 999, ""),
        ];
        for (address, birth, sequence, expected) in cases {
            let id = CitizenId::synthesize(address, birth, sequence)
                .unwrap_or_else(|e| panic!("{address} {birth} {sequence}: {e}"));
            if !expected.is_empty() {
                assert_eq!(id.as_str(), expected);
            }
            assert_eq!(id.birth_date(), birth);
            assert_eq!(id.is_male(), sequence % 2 == 1);
            assert_eq!(CitizenId::parse(id.as_str(), today()).as_ref(), Ok(&id));
        }
    }

    #[test]
    fn citizen_id_synthesize_rejects_bad_parts() {
        let cases = [
            ("11010", date(1980, 1, 1), 1, "address code must be 6 ASCII digits"),
            ("11010A", date(1980, 1, 1), 1, "address code must be 6 ASCII digits"),
            ("110105", date(1980, 1, 1), 1000, "sequence code must be 0-999, got 1000"),
            ("110105", date(1899, 12, 31), 1, "between 1900-01-01 and 9999-12-31"),
            ("110105", date(10000, 1, 1), 1, "between 1900-01-01 and 9999-12-31"),
        ];
        for (address, birth, sequence, fragment) in cases {
            match CitizenId::synthesize(address, birth, sequence) {
                Ok(id) => panic!("{address} {birth} {sequence} should fail, got {id:?}"),
                Err(e) => assert!(e.to_string().contains(fragment), "{e}"),
            }
        }
    }

    #[test]
    fn citizen_id_debug_is_masked() {
        let id = CitizenId::parse("11010519491231002X", today()).expect("valid");
        assert_eq!(format!("{id:?}"), "CitizenId(\"1101**********002X\")");
    }

    #[test]
    fn age_on_counts_whole_years_with_the_birthday_counting() {
        let cases = [
            (date(1949, 12, 31), date(2025, 12, 30), 75),
            (date(1949, 12, 31), date(2025, 12, 31), 76),
            (date(2011, 6, 1), date(2025, 5, 31), 13),
            (date(2011, 6, 1), date(2025, 6, 1), 14),
            (date(2000, 2, 29), date(2025, 2, 28), 24),
            (date(2000, 2, 29), date(2025, 3, 1), 25),
            (date(2000, 2, 29), date(2024, 2, 29), 24),
            (date(2000, 1, 1), date(2000, 1, 1), 0),
            (date(2000, 1, 1), date(1999, 1, 1), 0),
            (date(2000, 1, 2), date(2000, 1, 1), 0),
        ];
        for (birth, on, age) in cases {
            assert_eq!(age_on(birth, on), age, "born {birth} on {on}");
        }
    }

    #[test]
    fn credit_code_accepts_valid_codes_and_uppercases() {
        // input, normalised, department, type, region
        let cases = [
            ("91350100M000100Y43", "91350100M000100Y43", '9', '1', "350100"),
            ("91110000600037341L", "91110000600037341L", '9', '1', "110000"),
            ("91110000600037341l", "91110000600037341L", '9', '1', "110000"),
            (" 52522300MJY123456A ", "52522300MJY123456A", '5', '2', "522300"),
            ("51420502MJ00000005", "51420502MJ00000005", '5', '1', "420502"),
        ];
        for (input, normalised, department, org_type, region) in cases {
            let code = CreditCode::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(code.as_str(), normalised);
            assert_eq!(code.registering_department(), department);
            assert_eq!(code.org_type(), org_type);
            assert_eq!(code.region_code(), region);
            assert_eq!(code.to_string(), normalised);
            let (lenient, warning) = CreditCode::parse_lenient(input).expect("lenient accepts valid");
            assert_eq!((lenient, warning), (code, None));
        }
    }

    #[test]
    fn credit_code_rejects_invalid_codes_with_a_specific_message() {
        let cases = [
            ("", "empty"),
            ("91350100M000100Y4", "must have 18 characters, got 17"),
            ("91350100M000100Y431", "must have 18 characters, got 19"),
            ("91350100M0001O0Y43", "position 14: letter O is not used"),
            ("91350100M000100I43", "letter I is not used"),
            ("9135010OM000100Y43", "position 8: letter O is not used"),
            ("91350100M000100Z43", "letter Z is not used"),
            ("91350100M000100-43", "position 16: character '-' is not allowed"),
            ("９1350100M000100Y43", "position 1: full-width digit"),
            (
                "9135A100M000100Y43",
                "positions 3-8 are the registrar's region code and must be digits; got A at position 5",
            ),
            ("91350100M000100Y44", "check character (position 18) should be 3, got 4"),
            ("91110000600037341X", "should be L, got X"),
        ];
        for (input, fragment) in cases {
            match CreditCode::parse(input) {
                Ok(code) => panic!("{input:?} should be rejected, got {code}"),
                Err(e) => {
                    assert_eq!(e.code(), "INVALID_CREDIT_CODE");
                    assert!(e.to_string().contains(fragment), "{input:?}: {e}");
                }
            }
        }
    }

    #[test]
    fn credit_code_lenient_warns_on_the_check_character_only() {
        let (code, warning) = CreditCode::parse_lenient("91350100m000100y44").expect("accepted");
        assert_eq!(code.as_str(), "91350100M000100Y44");
        let warning = warning.unwrap_or_default();
        assert!(warning.contains("should be 3, got 4"), "{warning}");
        let rejected = ["91350100M000100Y4", "91350100M0001O0Y43", "9135A100M000100Y43", ""];
        for input in rejected {
            assert!(CreditCode::parse_lenient(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn credit_code_check_char_and_synthesize() {
        let cases = [
            ("91350100M000100Y4", Some('3')),
            ("91110000600037341", Some('L')),
            ("52522300mjy123456", Some('A')),
            ("9135010OM000100Y4", None),
            ("91350100M000100Y", None),
        ];
        for (first17, expected) in cases {
            assert_eq!(CreditCode::check_char(first17), expected, "{first17}");
            match expected {
                Some(c) => {
                    let code = CreditCode::synthesize(first17).expect("synthesize");
                    assert!(code.as_str().ends_with(c));
                    assert_eq!(CreditCode::parse(code.as_str()).as_ref(), Ok(&code));
                }
                None => assert!(CreditCode::synthesize(first17).is_err(), "{first17}"),
            }
        }
        assert!(CreditCode::synthesize("5A522300MJY123456").is_ok());
        assert!(CreditCode::synthesize("52A22300MJY123456").is_err());
    }

    #[test]
    fn phone_accepts_and_normalises_mobiles_and_landlines() {
        // input, normalised, is_mobile
        let cases = [
            ("13812345678", "13812345678", true),
            ("19912345678", "19912345678", true),
            ("138 1234 5678", "13812345678", true),
            ("138-1234-5678", "13812345678", true),
            ("+8613812345678", "13812345678", true),
            ("+86 138 1234 5678", "13812345678", true),
            ("+86-13812345678", "13812345678", true),
            ("8613812345678", "13812345678", true),
            ("86 138 1234 5678", "13812345678", true),
            ("  13812345678 ", "13812345678", true),
            ("010-87654321", "010-87654321", false),
            ("01087654321", "010-87654321", false),
            ("020-8765432", "020-8765432", false),
            ("0755-87654321", "0755-87654321", false),
            ("075587654321", "0755-87654321", false),
            ("0755 87654321", "0755-87654321", false),
            ("(0755)87654321", "0755-87654321", false),
            ("0755-8765-4321", "0755-87654321", false),
            ("0755-87654321-123", "0755-87654321-123", false),
            ("075587654321-8001", "0755-87654321-8001", false),
            ("0859-3221234", "0859-3221234", false),
        ];
        for (input, normalised, mobile) in cases {
            let phone = Phone::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(phone.as_str(), normalised, "{input:?}");
            assert_eq!(phone.is_mobile(), mobile, "{input:?}");
            assert_eq!(Phone::parse(phone.as_str()).as_ref(), Ok(&phone), "idempotent {input:?}");
        }
    }

    #[test]
    fn phone_rejects_invalid_numbers_with_a_specific_message() {
        let cases = [
            ("", "empty"),
            ("1381234567", "mobile number must have 11 digits, got 10"),
            ("138123456789", "mobile number must have 11 digits, got 12"),
            ("12812345678", "must start with 13-19, got 12"),
            ("+85212345678", "only the mainland country code +86"),
            ("+86 755 12345678", "only mobile numbers are accepted"),
            ("138１2345678", "full-width digit"),
            ("138.1234.5678", "character '.' at position 4"),
            ("1381234567８", "position 11"),
            ("138+12345678", "character '+' at position 4"),
            ("23812345678", "must be a mobile number starting with 1 or a landline"),
            ("0012345678", "cannot start with 00"),
            ("011-87654321", "010 (Beijing) is the only area code starting with 01"),
            ("07-5587654321", "area code must have 4 digits including the leading 0, got 2"),
            ("0755", "local number is missing after area code 0755"),
            ("0755-876543", "must have 7 or 8 digits, got 6"),
            ("0755-876543219", "must have 7 or 8 digits, got 9"),
            ("0755-02345678", "must not start with 0 or 1"),
            ("010-12345678", "must not start with 0 or 1"),
            ("0755-87654321-1234567", "extension must have 1-6 digits, got 7"),
            ("0755-87654321-12-34", "unexpected digits \"34\" after the extension"),
        ];
        for (input, fragment) in cases {
            match Phone::parse(input) {
                Ok(phone) => panic!("{input:?} should be rejected, got {}", phone.as_str()),
                Err(e) => {
                    assert_eq!(e.code(), "INVALID_PHONE");
                    assert!(e.to_string().contains(fragment), "{input:?}: {e}");
                }
            }
        }
    }

    #[test]
    fn phone_debug_is_masked() {
        let phone = Phone::parse("13812345678").expect("valid");
        assert_eq!(format!("{phone:?}"), "Phone(\"138****5678\")");
    }
}
