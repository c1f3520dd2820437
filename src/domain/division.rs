//! Division codes: the NBS statistical division codes (统计用区划代码) and their
//! GB/T 2260 six-digit form.

use std::fmt;
use std::str::FromStr;

use entity::region::{RegionLevel, TownshipKind};

use super::error::{DomainError, describe_char};

/// Digits in the canonical code.
const CANONICAL_LEN: usize = 12;

/// End (exclusive) of each segment of the 2+2+2+3+3 statistical code, from province to
/// village: the length of the significant prefix at that level.
const SEGMENT_ENDS: [usize; 5] = [2, 4, 6, 9, 12];

/// A division code in the National Bureau of Statistics' 12-digit statistical form
/// (统计用区划代码, 2+2+2+3+3 digits: province, prefecture, county, township, village),
/// held zero-padded to 12 digits, e.g. `522300000000` for 黔西南州 (prefecture `5223`).
///
/// The level is read from the trailing zero segments: digits 3-12 zero is a province,
/// 5-12 a prefecture, 7-12 a county, 10-12 a township, anything else a village.
///
/// An intermediate segment may be zero: NBS codes the townships of the prefectures that
/// have no counties (东莞 4419, 中山 4420, 儋州 4604) with county segment `00`
/// (`441900003000` 东城街道), and their parent is then the prefecture itself. The
/// prefecture segment, however, is never `00` below a province.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DivisionCode(String);

impl DivisionCode {
    /// Parses a division code as people and other systems write it (surrounding whitespace
    /// is ignored). Accepted, ASCII digits only:
    ///
    /// - 2 digits: province (`52`);
    /// - 4 digits: prefecture (`5223`);
    /// - 6 digits, GB/T 2260 form: `520000` is province 52, `522300` prefecture 5223,
    ///   `522301` county;
    /// - 9 digits: township (`522301001`);
    /// - 12 digits, canonical NBS form, level from the trailing zero segments
    ///   (`522300000000` is prefecture 5223).
    ///
    /// # Errors
    /// [`DomainError::InvalidDivisionCode`] for an empty value, any other length, a
    /// character that is not an ASCII digit (full-width digits are named as such), a
    /// province segment `00` or starting with 0 or 9 (GB/T 2260 major regions are 1-8), a
    /// prefecture segment `00` under digits that are set, or a short form whose own last
    /// segment is zero (`5200`, `522301000`).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let digits = ascii_digits(input)?;
        let significant_len = match digits.len() {
            2 | 4 | 9 => digits.len(),
            // GB/T 2260: trailing "00" pairs mark the province or prefecture itself.
            6 => significant_len_of(digits).min(6),
            CANONICAL_LEN => significant_len_of(digits),
            n => {
                return Err(invalid(format!("division code must have 2, 4, 6, 9 or 12 digits, got {n}")));
            }
        };
        build(digits, significant_len)
    }

    /// Parses the exact short form of a row of the NBS code files, where the length alone
    /// gives the level: 2 province, 4 prefecture, 6 county, 9 township, 12 village.
    ///
    /// Unlike [`DivisionCode::parse`], 6 digits are always a county here (NBS area codes,
    /// `110101` 东城区), so `522300` is rejected rather than read as a prefecture.
    ///
    /// # Errors
    /// [`DomainError::InvalidDivisionCode`] as for [`DivisionCode::parse`], and when the
    /// row's own last segment is zero. That includes the few NBS rows that stand for a
    /// level that is missing in the tree (county rows `441900` 东莞市 and `460400` 儋州市,
    /// township row `350527000` and village row `350527000000` 金门县): their 12-digit code
    /// is that of a division above, so they cannot be a separate division; importers should
    /// skip them, and the rows below them attach to that division (see
    /// [`DivisionCode::parent`]).
    pub fn from_nbs(short: &str) -> Result<Self, DomainError> {
        let digits = ascii_digits(short)?;
        if !SEGMENT_ENDS.contains(&digits.len()) {
            return Err(invalid(format!("NBS division code must have 2, 4, 6, 9 or 12 digits, got {}", digits.len())));
        }
        build(digits, digits.len())
    }

    /// The canonical 12-digit code, e.g. `522300000000`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The province's code, the first 2 digits (GB/T 2260), e.g. `52` for `522300000000`.
    pub fn province(&self) -> &str {
        self.0.get(..2).unwrap_or(&self.0)
    }

    /// The level, read from the trailing zero segments of the 12-digit code.
    pub fn level(&self) -> RegionLevel {
        level_of(significant_len_of(&self.0))
    }

    /// The significant prefix for the level: 2, 4, 6, 9 or 12 digits (`5223` for
    /// `522300000000`), the NBS short form.
    pub fn significant(&self) -> &str {
        self.0.get(..significant_len_of(&self.0)).unwrap_or(&self.0)
    }

    /// The code one level up, `None` for a province. Where NBS skips a level with a zero
    /// segment (townships of 东莞 `441900003000`), the parent is the division above the
    /// gap (prefecture `441900000000`).
    pub fn parent(&self) -> Option<DivisionCode> {
        let own = significant_len_of(&self.0);
        let parent_len = SEGMENT_ENDS.iter().copied().take_while(|&end| end < own).last()?;
        let prefix = self.0.get(..parent_len)?;
        Some(DivisionCode(pad(prefix, '0')))
    }

    /// Inclusive lower and upper 12-digit bounds of every code in the subtree, this code
    /// included: the significant prefix padded with `0` and with `9`. For a range query
    /// `code BETWEEN lower AND upper` (12-digit text sorts like the number).
    pub fn subtree_bounds(&self) -> (String, String) {
        let prefix = self.significant();
        (pad(prefix, '0'), pad(prefix, '9'))
    }

    /// Whether `other` is this division or lies below it.
    pub fn contains(&self, other: &DivisionCode) -> bool {
        other.0.starts_with(self.significant())
    }

    /// For township-level codes only, the kind from digits 7-9 (NBS code ranges):
    /// 001-099 street 街道, 100-199 town 镇, 200-399 township 乡 (民族乡 included),
    /// anything else (400-599 development zones, farms, ...) other.
    pub fn township_kind(&self) -> Option<TownshipKind> {
        if self.level() != RegionLevel::Township {
            return None;
        }
        let number: u16 = self.0.get(6..9)?.parse().ok()?;
        Some(match number {
            1..=99 => TownshipKind::Street,
            100..=199 => TownshipKind::Town,
            200..=399 => TownshipKind::Township,
            _ => TownshipKind::Other,
        })
    }

    /// The GB/T 2260 six-digit form for county level and above (`522300` for prefecture
    /// 5223, `520000` for province 52); `None` for townships and villages, which
    /// GB/T 2260 does not code.
    pub fn gb2260(&self) -> Option<String> {
        if significant_len_of(&self.0) > 6 {
            return None;
        }
        self.0.get(..6).map(str::to_owned)
    }
}

impl fmt::Display for DivisionCode {
    /// Prints the canonical 12 digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DivisionCode {
    type Err = DomainError;

    /// Same as [`DivisionCode::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DivisionCode::parse(s)
    }
}

fn invalid(message: String) -> DomainError {
    DomainError::InvalidDivisionCode(message)
}

/// Trims and checks that every character is an ASCII digit.
fn ascii_digits(input: &str) -> Result<&str, DomainError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(invalid("division code is empty".to_owned()));
    }
    if let Some((position, c)) = trimmed.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(invalid(format!(
            "division code may contain ASCII digits only; {} at position {}",
            describe_char(c),
            position + 1
        )));
    }
    Ok(trimmed)
}

/// Length of the significant prefix of a digit string: the shortest segment end after
/// which every digit is zero (2 at least).
fn significant_len_of(digits: &str) -> usize {
    let last_nonzero_end = digits.rfind(|c| c != '0').map_or(0, |i| i + 1);
    SEGMENT_ENDS.iter().copied().find(|&end| end >= last_nonzero_end).unwrap_or(CANONICAL_LEN)
}

fn level_of(significant_len: usize) -> RegionLevel {
    match significant_len {
        0..=2 => RegionLevel::Province,
        3..=4 => RegionLevel::Prefecture,
        5..=6 => RegionLevel::County,
        7..=9 => RegionLevel::Township,
        _ => RegionLevel::Village,
    }
}

/// Name and 1-based digit range of the segment that ends at `end`.
fn segment_name(end: usize) -> (&'static str, usize, usize) {
    match end {
        2 => ("province", 1, 2),
        4 => ("prefecture", 3, 4),
        6 => ("county", 5, 6),
        9 => ("township", 7, 9),
        _ => ("village", 10, 12),
    }
}

/// Checks the segments of `digits` (ASCII digits) for a code whose level has a
/// significant prefix of `significant_len` digits, and pads it to 12 digits.
fn build(digits: &str, significant_len: usize) -> Result<DivisionCode, DomainError> {
    let prefix = digits.get(..significant_len).unwrap_or(digits);
    if digits.get(significant_len..).is_some_and(|rest| rest.contains(|c| c != '0')) {
        // Unreachable through the public constructors; kept so a bad call cannot
        // silently drop digits.
        return Err(invalid(format!("division code has digits beyond its {significant_len}-digit level")));
    }
    let province = prefix.get(..2).unwrap_or_default();
    if province == "00" {
        return Err(invalid("province segment (digits 1-2) must not be 00".to_owned()));
    }
    if province.starts_with(['0', '9']) {
        return Err(invalid(format!(
            "province segment {province} is not a GB/T 2260 province: its first digit \
             (major region) must be 1-8"
        )));
    }
    if significant_len > 4 && prefix.get(2..4) == Some("00") {
        return Err(invalid(
            "prefecture segment (digits 3-4) is 00 but lower digits are set: no division \
             lies below a missing prefecture"
                .to_owned(),
        ));
    }
    let own_start = SEGMENT_ENDS.iter().copied().take_while(|&end| end < significant_len).last().unwrap_or(0);
    if significant_len > 2 && prefix.get(own_start..).is_some_and(|own| own.chars().all(|c| c == '0')) {
        let (name, from, to) = segment_name(significant_len);
        let parent = prefix.get(..own_start).unwrap_or_default();
        return Err(invalid(format!(
            "{name} segment (digits {from}-{to}) of a {significant_len}-digit code must not be \
             all zeros; that code is its parent {parent}"
        )));
    }
    Ok(DivisionCode(pad(prefix, '0')))
}

/// Pads a prefix to 12 digits with `fill`.
fn pad(prefix: &str, fill: char) -> String {
    let mut code = String::with_capacity(CANONICAL_LEN);
    code.push_str(prefix);
    while code.len() < CANONICAL_LEN {
        code.push(fill);
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    use RegionLevel::{County, Prefecture, Province, Township, Village};

    #[test]
    fn parse_accepts_every_level_and_form() {
        // input, canonical, level, significant
        let cases = [
            ("52", "520000000000", Province, "52"),
            ("5223", "522300000000", Prefecture, "5223"),
            ("520000", "520000000000", Province, "52"),
            ("522300", "522300000000", Prefecture, "5223"),
            ("522301", "522301000000", County, "522301"),
            ("110101", "110101000000", County, "110101"),
            ("522301001", "522301001000", Township, "522301001"),
            ("522301001001", "522301001001", Village, "522301001001"),
            ("520000000000", "520000000000", Province, "52"),
            ("522300000000", "522300000000", Prefecture, "5223"),
            ("522301000000", "522301000000", County, "522301"),
            ("522301001000", "522301001000", Township, "522301001"),
            ("  420502  ", "420502000000", County, "420502"),
            ("\t2302\n", "230200000000", Prefecture, "2302"),
            // Townships of a prefecture without counties (东莞 东城街道).
            ("441900003", "441900003000", Township, "441900003"),
            ("441900003000", "441900003000", Township, "441900003"),
            ("419001", "419001000000", County, "419001"),
            ("820000", "820000000000", Province, "82"),
            ("500000", "500000000000", Province, "50"),
        ];
        for (input, canonical, level, significant) in cases {
            let code = DivisionCode::parse(input).unwrap_or_else(|e| panic!("{input:?} should parse: {e}"));
            assert_eq!(code.as_str(), canonical, "{input:?}");
            assert_eq!(code.level(), level, "{input:?}");
            assert_eq!(code.significant(), significant, "{input:?}");
            assert_eq!(code.to_string(), canonical, "{input:?}");
        }
    }

    #[test]
    fn parse_rejects_malformed_codes_with_a_specific_message() {
        let cases = [
            ("", "empty"),
            ("   ", "empty"),
            ("5", "got 1"),
            ("522", "got 3"),
            ("52230", "got 5"),
            ("5223010", "got 7"),
            ("52230100100", "got 11"),
            ("5223010010010", "got 13"),
            ("52a3", "character 'a' at position 3"),
            ("-52", "character '-' at position 1"),
            ("５２", "full-width digit '５' (U+FF15) at position 1"),
            ("52２3", "full-width digit"),
            ("52 23", "whitespace (U+0020) at position 3"),
            ("00", "province segment (digits 1-2) must not be 00"),
            ("0000", "province segment (digits 1-2) must not be 00"),
            ("000000", "province segment (digits 1-2) must not be 00"),
            ("000000000000", "province segment (digits 1-2) must not be 00"),
            ("005223", "province segment (digits 1-2) must not be 00"),
            ("0522", "first digit (major region) must be 1-8"),
            ("99", "first digit (major region) must be 1-8"),
            ("5200", "prefecture segment (digits 3-4) of a 4-digit code must not be all zeros"),
            ("520001", "prefecture segment (digits 3-4) is 00"),
            ("520000001", "prefecture segment (digits 3-4) is 00"),
            ("520000001001", "prefecture segment (digits 3-4) is 00"),
            (
                "522301000",
                "township segment (digits 7-9) of a 9-digit code must not be all zeros; that code is its parent 522301",
            ),
            ("522300000", "township segment"),
        ];
        for (input, fragment) in cases {
            match DivisionCode::parse(input) {
                Ok(code) => panic!("{input:?} should be rejected, got {code}"),
                Err(e) => {
                    assert_eq!(e.code(), "INVALID_DIVISION_CODE");
                    assert!(e.to_string().contains(fragment), "{input:?}: {e}");
                }
            }
        }
    }

    #[test]
    fn from_nbs_reads_the_level_from_the_length_alone() {
        let cases = [
            ("52", "520000000000", Province),
            ("5223", "522300000000", Prefecture),
            ("110101", "110101000000", County),
            ("522301", "522301000000", County),
            ("522301001", "522301001000", Township),
            ("441900003", "441900003000", Township),
            ("522301001001", "522301001001", Village),
            ("230202001001", "230202001001", Village),
        ];
        for (input, canonical, level) in cases {
            let code = DivisionCode::from_nbs(input).unwrap_or_else(|e| panic!("{input:?} should parse: {e}"));
            assert_eq!(code.as_str(), canonical, "{input:?}");
            assert_eq!(code.level(), level, "{input:?}");
        }
    }

    #[test]
    fn from_nbs_rejects_rows_whose_own_segment_is_zero() {
        let cases = [
            (
                "522300",
                "county segment (digits 5-6) of a 6-digit code must not be all zeros; that code is its parent 5223",
            ),
            ("441900", "county segment"),
            ("520000", "prefecture segment (digits 3-4) is 00"),
            ("350527000", "township segment (digits 7-9)"),
            ("522301001000", "village segment (digits 10-12)"),
            ("00", "province segment (digits 1-2) must not be 00"),
            ("5200", "prefecture segment"),
            ("12345", "NBS division code must have 2, 4, 6, 9 or 12 digits, got 5"),
            ("１１0101", "full-width digit"),
        ];
        for (input, fragment) in cases {
            match DivisionCode::from_nbs(input) {
                Ok(code) => panic!("{input:?} should be rejected, got {code}"),
                Err(e) => assert!(e.to_string().contains(fragment), "{input:?}: {e}"),
            }
        }
    }

    #[test]
    fn parent_walks_up_one_level_and_across_nbs_gaps() {
        let cases = [
            ("522301001001", Some("522301001000")),
            ("522301001000", Some("522301000000")),
            ("522301000000", Some("522300000000")),
            ("522300000000", Some("520000000000")),
            ("520000000000", None),
            // 东莞 townships hang directly under the prefecture.
            ("441900003000", Some("441900000000")),
        ];
        for (input, parent) in cases {
            let code = DivisionCode::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(code.parent().as_ref().map(DivisionCode::as_str), parent, "{input}");
        }
    }

    #[test]
    fn subtree_bounds_pad_the_significant_prefix() {
        let cases = [
            ("52", "520000000000", "529999999999"),
            ("5223", "522300000000", "522399999999"),
            ("522301", "522301000000", "522301999999"),
            ("522301001", "522301001000", "522301001999"),
            ("522301001001", "522301001001", "522301001001"),
        ];
        for (input, lower, upper) in cases {
            let code = DivisionCode::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(code.subtree_bounds(), (lower.to_owned(), upper.to_owned()), "{input}");
        }
    }

    #[test]
    fn contains_is_true_for_self_and_descendants_only() {
        // ancestor, other, expected
        let cases = [
            ("52", "522301001001", true),
            ("5223", "522301", true),
            ("5223", "5223", true),
            ("522301", "522301001", true),
            ("522301001001", "522301001001", true),
            ("522301", "5223", false),
            ("5223", "5224", false),
            ("5223", "522401001", false),
            ("52", "53", false),
            ("522301001", "522301002001", false),
        ];
        for (ancestor, other, expected) in cases {
            let a = DivisionCode::parse(ancestor).unwrap_or_else(|e| panic!("{ancestor}: {e}"));
            let o = DivisionCode::parse(other).unwrap_or_else(|e| panic!("{other}: {e}"));
            assert_eq!(a.contains(&o), expected, "{ancestor} contains {other}");
            let (lower, upper) = a.subtree_bounds();
            let in_bounds = lower.as_str() <= o.as_str() && o.as_str() <= upper.as_str();
            assert_eq!(in_bounds, expected, "{ancestor} bounds {other}");
        }
    }

    #[test]
    fn township_kind_follows_the_nbs_code_ranges() {
        let cases = [
            ("522301001", Some(TownshipKind::Street)),
            ("522301099", Some(TownshipKind::Street)),
            ("522301100", Some(TownshipKind::Town)),
            ("522301199", Some(TownshipKind::Town)),
            ("522301200", Some(TownshipKind::Township)),
            ("522301399", Some(TownshipKind::Township)),
            ("522301400", Some(TownshipKind::Other)),
            ("522301599", Some(TownshipKind::Other)),
            ("522301999", Some(TownshipKind::Other)),
            ("522301", None),
            ("522301001001", None),
            ("5223", None),
        ];
        for (input, kind) in cases {
            let code = DivisionCode::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(code.township_kind(), kind, "{input}");
        }
    }

    #[test]
    fn gb2260_gives_six_digits_for_county_and_above() {
        let cases = [
            ("52", Some("520000")),
            ("5223", Some("522300")),
            ("522301", Some("522301")),
            ("522301001", None),
            ("522301001001", None),
        ];
        for (input, expected) in cases {
            let code = DivisionCode::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(code.gb2260().as_deref(), expected, "{input}");
            if let Some(six) = expected {
                assert_eq!(DivisionCode::parse(six).ok(), Some(code.clone()), "round trip {six}");
            }
        }
    }

    #[test]
    fn from_str_is_parse() {
        assert_eq!("522300".parse::<DivisionCode>(), DivisionCode::parse("5223"));
        assert!("52 23".parse::<DivisionCode>().is_err());
    }

    #[test]
    fn codes_order_like_their_numbers() {
        let mut codes: Vec<DivisionCode> = ["5223", "52", "522301001", "11", "522301"]
            .iter()
            .map(|s| DivisionCode::parse(s).unwrap_or_else(|e| panic!("{s}: {e}")))
            .collect();
        codes.sort();
        let sorted: Vec<&str> = codes.iter().map(DivisionCode::significant).collect();
        assert_eq!(sorted, ["11", "52", "5223", "522301", "522301001"]);
    }
}
