//! Deterministic synthesis of ids, people and identifiers for the demo data.
//!
//! Everything random comes from ChaCha8 streams seeded with fixed numbers, so the same code on
//! the same division codes produces the same rows, byte for byte, on any machine and database.
//! ChaCha's output is specified (it is a stream cipher), unlike `StdRng`, whose algorithm may
//! change between `rand` releases.

use std::collections::HashSet;

use chrono::{NaiveDate, TimeDelta};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use crate::domain::{CitizenId, CreditCode};

use super::SeedError;

/// Common Chinese surnames (百家姓, by frequency), enough for believable rosters.
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于",
    "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆",
    "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛",
    "闫", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武",
    "戴", "莫", "孔", "向", "岑",
];

/// Given-name characters more common for men, women, and either.
const GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "飞", "鑫", "波", "宇", "浩",
    "凯", "健", "俊", "帆", "旭", "龙", "林", "阳", "建", "国", "成", "志", "峰", "亮", "东", "海", "德",
];
const GIVEN_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "琳", "洁", "梅", "莉", "红", "萍", "云",
    "兰", "琴", "倩", "颖", "慧", "晶", "佳", "秀", "英", "玉", "春", "月", "凤", "欣", "悦", "思", "雨",
];
const GIVEN_EITHER: &[&str] =
    &["华", "文", "晓", "小", "永", "子", "家", "嘉", "一", "新", "清", "安", "宁", "和", "金", "天"];

/// Mainland mobile prefixes of the three carriers (13x, 15x, 18x).
const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156",
    "157", "158", "159", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
];

/// The GB 32100-2015 character set (no I, O, S, V, Z).
const CREDIT_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Gender on ID documents; the demo uses male and female only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sex {
    Male,
    Female,
}

impl Sex {
    pub(super) fn gender(self) -> entity::Gender {
        match self {
            Sex::Male => entity::Gender::Male,
            Sex::Female => entity::Gender::Female,
        }
    }
}

/// Registering department and organisation type, positions 1-2 of a credit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Registration {
    /// `11`: an organ of government (机关), registered by the staffing office.
    GovernmentOrgan,
    /// `51`: a social group (社会团体) registered by civil affairs.
    SocialGroup,
    /// `52`: a private non-enterprise unit (民办非企业单位), e.g. a social-work agency.
    PrivateNonEnterprise,
    /// `53`: a foundation (基金会).
    Foundation,
}

impl Registration {
    fn prefix(self) -> &'static str {
        match self {
            Registration::GovernmentOrgan => "11",
            Registration::SocialGroup => "51",
            Registration::PrivateNonEnterprise => "52",
            Registration::Foundation => "53",
        }
    }
}

/// The seeded generator: a stream for ids (shared by all areas, so ids never collide) and a
/// data stream that is reseeded per area, so one area's rows do not shift when another
/// area's plan changes.
pub(super) struct Synth {
    data: ChaCha8Rng,
    ids: ChaCha8Rng,
    seed: u64,
    next_ms: u64,
    phones: HashSet<String>,
    citizen_ids: HashSet<String>,
    credit_codes: HashSet<String>,
    serial: u32,
}

impl Synth {
    /// A generator whose ids start at `base_ms` (Unix milliseconds) and grow by one
    /// millisecond per id, like UUIDv7s minted one after another.
    pub(super) fn new(seed: u64, base_ms: u64) -> Self {
        Self {
            data: ChaCha8Rng::seed_from_u64(seed),
            ids: ChaCha8Rng::seed_from_u64(seed ^ 0x1D5_1D5_1D5),
            seed,
            next_ms: base_ms,
            phones: HashSet::new(),
            citizen_ids: HashSet::new(),
            credit_codes: HashSet::new(),
            serial: 0,
        }
    }

    /// Restarts the data stream for area number `stream`.
    pub(super) fn reseed(&mut self, stream: u64) {
        self.data = ChaCha8Rng::seed_from_u64(self.seed.wrapping_add(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    }

    /// A UUIDv7: the next millisecond and 74 bits from the id stream.
    pub(super) fn id(&mut self) -> Uuid {
        let mut bytes = [0u8; 10];
        self.ids.fill(&mut bytes[..]);
        let id = uuid::Builder::from_unix_timestamp_millis(self.next_ms, &bytes).into_uuid();
        self.next_ms += 1;
        id
    }

    /// A number that grows by one on every call (certificate and volunteer numbers).
    pub(super) fn serial(&mut self) -> u32 {
        self.serial += 1;
        self.serial
    }

    /// Uniform in `lo..=hi` (`lo` when the range is empty).
    pub(super) fn int(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo { lo } else { self.data.random_range(lo..=hi) }
    }

    /// Uniform index below `len` (0 when `len` is 0).
    pub(super) fn index(&mut self, len: usize) -> usize {
        if len <= 1 { 0 } else { self.data.random_range(0..len) }
    }

    /// Uniform in `[lo, hi)`.
    pub(super) fn float(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.data.random::<f64>()
    }

    /// True with probability `p` (clamped to 0..=1).
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.data.random_bool(p.clamp(0.0, 1.0))
    }

    /// One element, or `None` for an empty slice.
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() { None } else { items.get(self.index(items.len())) }
    }

    /// One element by weight (weights need not sum to anything in particular).
    pub(super) fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> Option<T> {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        if total == 0 {
            return None;
        }
        let mut roll = self.data.random_range(0..total);
        for (item, w) in items {
            let w = u64::from(*w);
            if roll < w {
                return Some(*item);
            }
            roll -= w;
        }
        None
    }

    /// `k` distinct indices below `n`, in ascending order (all of them when `k >= n`).
    pub(super) fn choose_indices(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut all: Vec<usize> = (0..n).collect();
        all.shuffle(&mut self.data);
        all.truncate(k.min(n));
        all.sort_unstable();
        all
    }

    /// Shuffles in place.
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        items.shuffle(&mut self.data);
    }

    /// A day in `from..=to` (`from` when the range is empty).
    pub(super) fn date(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        let span = (to - from).num_days();
        from + TimeDelta::days(self.int(0, span))
    }

    /// Female with probability `female_share`.
    pub(super) fn sex(&mut self, female_share: f64) -> Sex {
        if self.chance(female_share) { Sex::Female } else { Sex::Male }
    }

    /// A synthetic name: a common surname and one or two given-name characters.
    pub(super) fn name(&mut self, sex: Sex) -> String {
        let own = match sex {
            Sex::Male => GIVEN_MALE,
            Sex::Female => GIVEN_FEMALE,
        };
        let mut name = String::with_capacity(9);
        name.push_str(self.pick(SURNAMES).copied().unwrap_or("王"));
        if self.chance(0.7) {
            let first = if self.chance(0.4) { GIVEN_EITHER } else { own };
            name.push_str(self.pick(first).copied().unwrap_or("文"));
        }
        name.push_str(self.pick(own).copied().unwrap_or("明"));
        name
    }

    /// A mobile number, 13x/15x/18x, unique within the run.
    pub(super) fn phone(&mut self) -> String {
        loop {
            let prefix = self.pick(MOBILE_PREFIXES).copied().unwrap_or("138");
            let phone = format!("{prefix}{:08}", self.int(0, 99_999_999));
            if self.phones.insert(phone.clone()) {
                return phone;
            }
        }
    }

    /// A citizen ID number (GB 11643-1999) with a valid check character: the person's county
    /// as address code, the birth date, and a sequence whose parity gives the sex (odd male).
    /// Unique within the run.
    pub(super) fn citizen_id(&mut self, county6: &str, birth: NaiveDate, sex: Sex) -> Result<String, SeedError> {
        for _ in 0..1_000 {
            let half = self.int(1, 499);
            let sequence = match sex {
                Sex::Male => half * 2 + 1,
                Sex::Female => half * 2,
            };
            let sequence = u16::try_from(sequence).unwrap_or(2);
            let id = CitizenId::synthesize(county6, birth, sequence)?.as_str().to_owned();
            if self.citizen_ids.insert(id.clone()) {
                return Ok(id);
            }
        }
        Err(SeedError::Plan(format!("no free ID number sequence for {county6} born {birth}")))
    }

    /// A unified social credit code (GB 32100-2015) with a valid check character: the
    /// registration kind, the registrar's six-digit region, and a body shaped like the codes
    /// civil affairs assigns (`MJ`, six digits, one character). Unique within the run.
    pub(super) fn credit_code(&mut self, registration: Registration, registrar6: &str) -> Result<String, SeedError> {
        let body_start = match registration {
            Registration::GovernmentOrgan => "MB",
            _ => "MJ",
        };
        loop {
            let last = CREDIT_ALPHABET[self.index(CREDIT_ALPHABET.len())] as char;
            let first17 = format!("{}{registrar6}{body_start}{:06}{last}", registration.prefix(), self.int(0, 999_999));
            let code = CreditCode::synthesize(&first17)?.as_str().to_owned();
            if self.credit_codes.insert(code.clone()) {
                return Ok(code);
            }
        }
    }

    /// Splits `total` into parts proportional to `weights`, exactly (largest remainder):
    /// the parts sum to `total`. All-zero weights split evenly.
    pub(super) fn apportion(total: i64, weights: &[u64]) -> Vec<i64> {
        if weights.is_empty() {
            return Vec::new();
        }
        let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
        let (weights, sum): (Vec<u128>, u128) = if sum == 0 {
            (vec![1; weights.len()], weights.len() as u128)
        } else {
            (weights.iter().map(|&w| u128::from(w)).collect(), sum)
        };
        let total_u = u128::try_from(total.max(0)).unwrap_or(0);
        let mut parts: Vec<u128> = weights.iter().map(|w| total_u * w / sum).collect();
        let mut rest = total_u - parts.iter().sum::<u128>();
        let mut by_remainder: Vec<usize> = (0..weights.len()).collect();
        by_remainder.sort_by_key(|&i| std::cmp::Reverse((total_u * weights[i]) % sum));
        for &i in by_remainder.iter().cycle() {
            if rest == 0 {
                break;
            }
            parts[i] += 1;
            rest -= 1;
        }
        parts.into_iter().map(|p| i64::try_from(p).unwrap_or(0)).collect()
    }

    /// Random weights in `lo..=hi`, for [`Synth::apportion`].
    pub(super) fn weights(&mut self, n: usize, lo: u64, hi: u64) -> Vec<u64> {
        (0..n).map(|_| self.int(lo as i64, hi as i64) as u64).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact_and_proportional() {
        let parts = Synth::apportion(1_000, &[1, 1, 1]);
        assert_eq!(parts.iter().sum::<i64>(), 1_000);
        assert!(parts.iter().all(|&p| p == 333 || p == 334));
        assert_eq!(Synth::apportion(10, &[0, 0]), vec![5, 5]);
        assert_eq!(Synth::apportion(7, &[]), Vec::<i64>::new());
    }

    #[test]
    fn the_same_seed_gives_the_same_ids_and_names() {
        let mut a = Synth::new(7, 1_700_000_000_000);
        let mut b = Synth::new(7, 1_700_000_000_000);
        for _ in 0..50 {
            assert_eq!(a.id(), b.id());
            assert_eq!(a.name(Sex::Female), b.name(Sex::Female));
        }
        assert_eq!(a.id().get_version_num(), 7);
    }
}
