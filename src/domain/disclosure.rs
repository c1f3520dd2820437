//! Statistical disclosure control of aggregates: what of a region's statistics a caller sees.
//!
//! PIPL (个人信息保护法) art. 28 makes assistance status, health and disability, and anything
//! about a child under 14 sensitive personal information, and DOMAIN.md asks that no
//! aggregate view leak an individual. Withholding small cells is not enough: figures of
//! different periods, divisions and breakdowns can be subtracted from each other (period
//! differencing and parent-minus-children recovered most withheld cells of the demo data).
//! Published figures about persons are therefore **perturbed by the cell-key method**, the
//! method of the Australian Bureau of Statistics' TableBuilder and of the UK's 2021 census
//! outputs (ONS) and Eurostat's recommendation for the 2021 census round. The full method, its
//! parameters and sources are in `docs/DISCLOSURE.md`; in short:
//!
//! 1. **Record keys.** Every record a person figure counts (clients, service records,
//!    volunteer ledger entries) carries a permanent random `record_key`, an integer uniform in
//!    `[0, 2^31)` ([`KEY_RANGE`]), drawn by the database when the row is inserted and never
//!    shown or changed.
//! 2. **Cell keys.** A cell's key is the sum of its records' keys modulo [`KEY_RANGE`]
//!    ([`CellKey::from_sum`]), computed in the same SQL aggregate as the figure. The same
//!    records always give the same key, so the same figure is published however often and by
//!    whichever route it is asked; a cell with one record more or less has an unrelated key.
//! 3. **Perturbation table.** A published count is its true value plus the noise
//!    [`perturb_count`] reads from a fixed table indexed by (the key's top 8 bits, the true
//!    value capped at 5): 0 stays 0; 1 and 2 become 0 or 3; 3 becomes 0, 3, 4 or 5; anything
//!    else moves by at most 2 and never below 3. No published value is 1 or 2, none is
//!    negative, and the noise averages out to about 0 over keys (not over queries: a cell has
//!    one key).
//! 4. **Magnitudes.** Sums over people (person-times as the sum of records' person-times,
//!    minutes of volunteer service, volunteer points) use [`perturb_magnitude`]: below 5 the
//!    count rule; from 5 the same table's noise in steps of `max(1, value / 50)`, so at most
//!    4 % of the value.
//!
//! Who sees what ([`StatisticsAccess`]): callers who may read every record of the division get
//! exact figures (`Full`); everyone else gets published figures (`Published`): person figures
//! perturbed, internal figures (pay posts and grades, casework stages) withheld as
//! [`Withheld::NotPublished`]. Figures about stations, coverage, organisations, projects and
//! charity are not about persons and are exact for everyone; so are head counts of social
//! workers and volunteers, which are staff and registered volunteers rather than the clients
//! PIPL art. 28 protects. Totals and their breakdowns are perturbed independently and need not
//! add up.

/// Record keys are uniform integers in `[0, KEY_RANGE)`: 2^31, so that keys fit a signed
/// 32-bit integer and a sum of 2^32 of them still fits an `i64` (`BIGINT`) on both databases.
pub const KEY_RANGE: i64 = 1 << 31;

/// Bits of [`KEY_RANGE`].
const KEY_BITS: u32 = 31;

/// The perturbation table has 256 rows of key: a cell key's top 8 bits choose its row.
const KEY_BUCKET_BITS: u32 = 8;

/// A cell's key: the sum of its records' keys modulo [`KEY_RANGE`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CellKey(u32);

impl CellKey {
    /// The key of a cell whose records' keys add up to `sum` (any integer: keys of disjoint
    /// cells may be added before reducing, the result is the key of their union).
    pub fn from_sum(sum: i64) -> CellKey {
        // rem_euclid of a positive modulus is in [0, KEY_RANGE), which fits u32.
        CellKey(u32::try_from(sum.rem_euclid(KEY_RANGE)).unwrap_or(0))
    }

    /// The key's bucket, 0-255: its top 8 bits, the column of the perturbation table.
    fn bucket(self) -> u32 {
        self.0 >> (KEY_BITS - KEY_BUCKET_BITS)
    }
}

/// The perturbation table: for true values 1, 2, 3, 4 and 5 or more (the row), the noise
/// given to each key bucket, as `(first bucket after this noise, noise)` in bucket order.
/// Each row covers the 256 buckets once. Row 1: 0 (171/256) or 3 (85/256), mean 0.996; row 2:
/// 0 (85/256) or 3 (171/256), mean 2.004; row 3: 0, 3, 4 or 5 (64/256 each), mean 3; row 4: 3
/// (102/256), 4, 5 (64/256 each) or 6 (26/256), mean 4.05; row 5+: −2, −1, +1, +2 (51/256
/// each) or 0 (52/256), mean 0.
const PTABLE: [&[(u32, i64)]; 5] = [
    &[(171, -1), (256, 2)],
    &[(85, -2), (256, 1)],
    &[(64, -3), (128, 0), (192, 1), (256, 2)],
    &[(102, -1), (166, 0), (230, 1), (256, 2)],
    &[(51, -2), (102, -1), (154, 0), (205, 1), (256, 2)],
];

/// The noise the table gives a true value `value` (≥ 1) with key `key`.
fn noise(key: CellKey, value: i64) -> i64 {
    let row = PTABLE[usize::try_from(value.clamp(1, 5) - 1).unwrap_or(4)];
    let b = key.bucket();
    row.iter().find(|(end, _)| b < *end).map_or(0, |(_, d)| *d)
}

/// The published value of a count (of people or of their records) whose true value is
/// `value` and whose cell key is `key`: 0 stays 0; 1 and 2 become 0 or 3; 3 becomes 0, 3, 4
/// or 5; 4 and more move by −2 to +2 but never below 3 ([`PTABLE`]). Never negative; never
/// 1 or 2. A negative `value` (impossible for counts) is returned unchanged.
pub fn perturb_count(key: CellKey, value: i64) -> i64 {
    if value <= 0 {
        return value;
    }
    value + noise(key, value)
}

/// Steps of magnitude noise: a sum of `value` moves by whole multiples of
/// `max(1, value / MAGNITUDE_STEP_DIVISOR)`, at most two of them (so by at most 4 %).
pub const MAGNITUDE_STEP_DIVISOR: i64 = 50;

/// The published value of a sum over people (person-times as a sum, minutes, points) whose
/// true value is `value` and whose cell key is `key`: below 5 (in absolute value) as
/// [`perturb_count`]; from 5 the table's noise for 5+ (−2 to +2) times
/// `max(1, |value| / 50)`, so at most 4 % of the value and never below 3 in absolute value.
/// The sign is kept (points may be negative: earned minus redeemed); 0 stays 0.
pub fn perturb_magnitude(key: CellKey, value: i64) -> i64 {
    let size = value.saturating_abs();
    let published = if size < 5 {
        perturb_count(key, size)
    } else {
        size + noise(key, size) * (size / MAGNITUDE_STEP_DIVISOR).max(1)
    };
    if value < 0 { -published } else { published }
}

/// Why a figure is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Withheld {
    /// An internal figure, and the caller sees only published ones.
    NotPublished,
}

/// What a caller sees of one region's statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatisticsAccess {
    /// Every figure, exactly: the caller may read every record of the region (ADMIN, or
    /// CIVIL_AFFAIRS of the region or a region above it).
    Full,
    /// Published figures: person figures perturbed, internal figures withheld: everyone else.
    Published,
}

/// Whether a figure is published or internal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Publication {
    Published,
    Internal,
}

/// What a figure about persons measures, which chooses its perturbation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    /// A count of people or of their records: [`perturb_count`].
    Count,
    /// A sum of an amount over people's records: [`perturb_magnitude`].
    Magnitude,
}

/// A figure as a caller sees it: its value (or why it is withheld), and whether the value is
/// perturbed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Figure {
    pub value: Result<i64, Withheld>,
    pub perturbed: bool,
}

impl StatisticsAccess {
    /// A figure about persons of true value `value` and cell key `key`, as this caller sees it:
    /// exact for `Full`; for `Published`, withheld when internal, else perturbed as `measure`.
    pub fn figure(self, publication: Publication, measure: Measure, value: i64, key: CellKey) -> Figure {
        match (self, publication) {
            (StatisticsAccess::Full, _) => Figure { value: Ok(value), perturbed: false },
            (StatisticsAccess::Published, Publication::Internal) => {
                Figure { value: Err(Withheld::NotPublished), perturbed: false }
            }
            (StatisticsAccess::Published, Publication::Published) => {
                let v = match measure {
                    Measure::Count => perturb_count(key, value),
                    Measure::Magnitude => perturb_magnitude(key, value),
                };
                Figure { value: Ok(v), perturbed: true }
            }
        }
    }

    /// Whether figures about persons are perturbed for this caller.
    pub fn perturbs(self) -> bool {
        self == StatisticsAccess::Published
    }
}

#[cfg(test)]
mod tests {
    use super::{
        CellKey, Figure, KEY_RANGE, Measure as M, PTABLE, Publication as P, StatisticsAccess as A, Withheld,
        perturb_count, perturb_magnitude,
    };

    /// Keys spread over the whole range: one per bucket, at different offsets within it.
    fn keys() -> impl Iterator<Item = CellKey> {
        (0..256_i64).map(|b| CellKey::from_sum(b * (KEY_RANGE / 256) + (b * 7919) % (KEY_RANGE / 256)))
    }

    #[test]
    fn every_row_of_the_table_covers_the_256_buckets_once() {
        for row in PTABLE {
            let ends: Vec<u32> = row.iter().map(|r| r.0).collect();
            assert!(ends.windows(2).all(|w| w[0] < w[1]), "{row:?}");
            assert_eq!(ends.last(), Some(&256), "{row:?}");
        }
    }

    #[test]
    fn cell_keys_are_sums_modulo_the_key_range() {
        assert_eq!(CellKey::from_sum(KEY_RANGE + 5), CellKey::from_sum(5));
        assert_eq!(CellKey::from_sum(-1), CellKey::from_sum(KEY_RANGE - 1));
        // The key of a union is the sum of its parts' keys, whatever the order of reduction.
        let (a, b) = (KEY_RANGE - 3, KEY_RANGE - 4);
        assert_eq!(CellKey::from_sum(a + b), CellKey::from_sum(KEY_RANGE - 7));
    }

    #[test]
    fn counts_keep_zero_never_publish_one_or_two_and_move_by_at_most_two() {
        for key in keys() {
            assert_eq!(perturb_count(key, 0), 0);
            for v in 1..300 {
                let p = perturb_count(key, v);
                assert!(p == 0 || p >= 3, "{v} -> {p}");
                if v <= 3 {
                    assert!(p == 0 || (3..=5).contains(&p), "{v} -> {p}");
                } else {
                    assert!((v - p).abs() <= 2 && p >= 3, "{v} -> {p}");
                }
            }
        }
    }

    #[test]
    fn small_counts_are_sometimes_zero_and_large_ones_unbiased_over_keys() {
        for v in 1..=3 {
            let zeros = keys().filter(|&k| perturb_count(k, v) == 0).count();
            assert!(zeros > 0 && zeros < 256, "{v}: {zeros} zeros");
        }
        for v in [3, 5, 17, 1000] {
            let mean_noise: i64 = keys().map(|k| perturb_count(k, v) - v).sum();
            // Over the 256 buckets the noise of these rows adds up to nothing.
            assert!(mean_noise.abs() <= 2, "{v}: {mean_noise}");
        }
        // Every noise of the 5+ row occurs.
        let seen: std::collections::BTreeSet<i64> = keys().map(|k| perturb_count(k, 100) - 100).collect();
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), [-2, -1, 0, 1, 2]);
    }

    #[test]
    fn magnitudes_move_by_at_most_four_percent_and_keep_their_sign() {
        for key in keys() {
            assert_eq!(perturb_magnitude(key, 0), 0);
            for v in [1, 2, 4, 5, 49, 50, 120, 7939, 1_000_000] {
                let p = perturb_magnitude(key, v);
                assert!(p == 0 || p >= 3, "{v} -> {p}");
                if v >= 5 {
                    assert!((p - v).abs() <= 2 * (v / 50).max(1), "{v} -> {p}");
                }
                assert_eq!(perturb_magnitude(key, -v), -p);
            }
        }
    }

    #[test]
    fn the_same_cell_key_gives_the_same_value_and_full_access_sees_exact_figures() {
        let key = CellKey::from_sum(123_456_789);
        for v in [1, 4, 12, 500] {
            let a = A::Published.figure(P::Published, M::Count, v, key);
            assert_eq!(a, A::Published.figure(P::Published, M::Count, v, key));
            assert!(a.perturbed);
            assert_eq!(A::Full.figure(P::Published, M::Count, v, key), Figure { value: Ok(v), perturbed: false });
            assert_eq!(A::Full.figure(P::Internal, M::Magnitude, v, key), Figure { value: Ok(v), perturbed: false });
            assert_eq!(
                A::Published.figure(P::Internal, M::Count, v, key),
                Figure { value: Err(Withheld::NotPublished), perturbed: false }
            );
        }
    }
}
