//! Masking rules for personal information, one per kind of value, written once and used
//! wherever a sensitive field is shown to a role that may not see it in full.
//!
//! PIPL (个人信息保护法) arts. 28-29 and 51: sensitive personal information is shown masked
//! by default. The shapes follow the common practice of GB/T 35273-2020 (personal
//! information security specification) §6.2 de-identification examples. All functions
//! count characters, not bytes, so Chinese text is masked correctly; an empty input gives
//! an empty output.

use chrono::{Datelike, NaiveDate};

/// The masking character.
const MASK: char = '*';

/// A person's name: the first character kept, each further character replaced by `*`
/// (`张三` → `张*`, `欧阳娜娜` → `欧***`); a one-character name becomes `*`.
pub fn name(s: &str) -> String {
    let count = s.chars().count();
    match s.chars().next() {
        None => String::new(),
        Some(_) if count == 1 => MASK.to_string(),
        Some(first) => std::iter::once(first).chain(std::iter::repeat_n(MASK, count - 1)).collect(),
    }
}

/// An identity document number (GB 11643-1999 citizen ID and the like): the first 4 and
/// last 4 characters kept, every other character `*` (`11010519491231002X` →
/// `1101**********002X`). Shorter than 9 characters: every character `*`, since keeping 8
/// would reveal nearly all of it.
pub fn id_number(s: &str) -> String {
    let count = s.chars().count();
    if count < 9 {
        return std::iter::repeat_n(MASK, count).collect();
    }
    keep_ends(s, 4, 4)
}

/// A phone number: a mobile number (11 ASCII digits starting with 1, the normalised
/// [`crate::domain::Phone`] form) keeps its first 3 and last 4 digits (`138****5678`);
/// any other form keeps only its last 4 characters (`0755-12345678` → `*********5678`).
/// Values shorter than 7 characters (no real number is) are masked entirely.
pub fn phone(s: &str) -> String {
    let count = s.chars().count();
    let is_mobile = count == 11 && s.starts_with('1') && s.chars().all(|c| c.is_ascii_digit());
    if is_mobile {
        keep_ends(s, 3, 4)
    } else if count < 7 {
        std::iter::repeat_n(MASK, count).collect()
    } else {
        keep_ends(s, 0, 4)
    }
}

/// A birth date: the year kept, month and day masked (`1949-12-31` → `1949-**-**`), so the
/// age band stays readable.
pub fn birth_date(d: NaiveDate) -> String {
    format!("{:04}-**-**", d.year())
}

/// A birth date in its ISO form (`1949-12-31`), masked as [`birth_date`] (the audit log
/// holds values as text); any other text is masked entirely.
pub fn birth_date_text(s: &str) -> String {
    s.parse::<NaiveDate>().map_or_else(|_| std::iter::repeat_n(MASK, s.chars().count()).collect(), birth_date)
}

/// An address: the first 6 characters kept (about province, city and district) followed
/// by `****`; an address of 6 characters or fewer keeps only its first character. The
/// mask has a fixed length so it does not reveal the address's length.
pub fn address(s: &str) -> String {
    let keep = if s.chars().count() > 6 { 6 } else { 1 };
    let mut masked: String = s.chars().take(keep).collect();
    if !masked.is_empty() {
        masked.extend(std::iter::repeat_n(MASK, 4));
    }
    masked
}

/// Keeps the first `head` and the last `tail` characters of `s` and masks the rest
/// (callers make sure `s` has more than `head + tail` characters).
fn keep_ends(s: &str, head: usize, tail: usize) -> String {
    let count = s.chars().count();
    s.chars().enumerate().map(|(i, c)| if i < head || i + tail >= count { c } else { MASK }).collect()
}

/// Whether a client category reveals assistance or disability status, which PIPL art. 28
/// counts as sensitive: such categories are left out of a client's categories unless revealed
/// (`identity(reason:)`), like the identity fields.
pub fn is_sensitive_category(c: entity::client_category::ClientCategoryKind) -> bool {
    use entity::client_category::ClientCategoryKind as K;
    matches!(
        c,
        K::MinLiving
            | K::ExtremePoverty
            | K::NearMinLiving
            | K::TemporaryAssistance
            | K::IllOrDisabled
            | K::Dependent
            | K::Disabled
    )
}

/// A client category as shown where its holder may not see sensitive ones (the audit log):
/// its name, or `***` when [`is_sensitive_category`] (which one is not revealed).
pub fn category(c: entity::client_category::ClientCategoryKind) -> String {
    use sea_orm::ActiveEnum;
    if is_sensitive_category(c) { "***".to_owned() } else { c.to_value() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keeps_the_first_character() {
        let cases = [
            ("张三", "张*"),
            ("欧阳娜娜", "欧***"),
            ("李", "*"),
            ("阿卜杜·热合曼", "阿******"),
            ("Li Lei", "L*****"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(name(input), expected, "{input:?}");
        }
    }

    #[test]
    fn id_number_keeps_four_and_four() {
        let cases = [
            ("11010519491231002X", "1101**********002X"),
            ("52230119800101123X", "5223**********123X"),
            ("110105491231002", "1101*******1002"),
            ("123456789", "1234*6789"),
            ("12345678", "********"),
            ("G1234", "*****"),
            ("", ""),
            ("证件号码一二三四五六", "证件号码**三四五六"),
        ];
        for (input, expected) in cases {
            assert_eq!(id_number(input), expected, "{input:?}");
        }
    }

    #[test]
    fn phone_keeps_three_and_four_for_mobiles_and_four_otherwise() {
        let cases = [
            ("13812345678", "138****5678"),
            ("19912345678", "199****5678"),
            ("0755-12345678", "*********5678"),
            ("010-12345678", "********5678"),
            ("+8613812345678", "**********5678"),
            ("1381234567", "******4567"),
            ("123456", "******"),
            ("110", "***"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(phone(input), expected, "{input:?}");
        }
    }

    #[test]
    fn birth_date_keeps_the_year() {
        let cases = [((1949, 12, 31), "1949-**-**"), ((2011, 6, 1), "2011-**-**"), ((900, 1, 1), "0900-**-**")];
        for ((y, m, d), expected) in cases {
            let date = NaiveDate::from_ymd_opt(y, m, d).expect("test date");
            assert_eq!(birth_date(date), expected);
        }
    }

    #[test]
    fn address_keeps_six_characters() {
        let cases = [
            ("贵州省黔西南州兴义市桔山街道", "贵州省黔西南****"),
            ("湖北省宜昌市西陵区", "湖北省宜昌市****"),
            ("兴义市桔山街道", "兴义市桔山街****"),
            ("兴义市桔山街", "兴****"),
            ("兴义", "兴****"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(address(input), expected, "{input:?}");
        }
    }
}
