//! Statistical disclosure control of aggregates: what of a region's statistics a caller sees.
//!
//! PIPL (个人信息保护法) art. 28 makes assistance status, health and disability, and anything
//! about a child under 14 sensitive personal information, and DOMAIN.md asks that no
//! aggregate view leak an individual. Two rules, applied to every statistics cell:
//!
//! 1. **Small cells.** A cell computed from 1 to 4 distinct clients ([`MIN_CLIENTS`] = 5, the
//!    usual minimum cell size of official statistics) is withheld as [`Withheld::SmallCell`]
//!    unless the caller may read those clients' records anyway. A cell computed from no
//!    client (a count of 0, or group activities without client records) singles out nobody
//!    and is shown.
//! 2. **Published figures.** Internal figures (pay posts and grades, casework stages) are
//!    withheld as [`Withheld::NotPublished`] from callers without [`StatisticsAccess::Full`].
//!
//! 3. **Complementary cells.** Where cells partition a shown total (person-times by service
//!    type, by method, by month), one withheld cell could be computed as the total minus the
//!    shown ones. [`StatisticsAccess::partition`] then withholds further cells, smallest
//!    first, as [`Withheld::Complementary`], until at least two are withheld and together they
//!    come from at least [`MIN_CLIENTS`] clients (or none is left to withhold): the usual
//!    secondary suppression of official tables.
//!
//! Not covered: differencing across requests (a prefecture's total minus its counties' shown
//! cells can still isolate a county's withheld cell). Closing that needs suppression across
//! the division tree or perturbation of published cells (a cell-key method).

/// Smallest number of distinct clients a shown cell may be computed from.
pub const MIN_CLIENTS: i64 = 5;

/// Why a figure is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Withheld {
    /// Computed from fewer than [`MIN_CLIENTS`] clients.
    SmallCell,
    /// An internal figure, and the caller sees only published ones.
    NotPublished,
    /// Shown, it would let a withheld cell of the same table be computed from the total.
    Complementary,
}

/// What a caller sees of one region's statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatisticsAccess {
    /// Every figure, exactly: the caller may read every record of the region (ADMIN, or
    /// CIVIL_AFFAIRS of the region or a region above it).
    Full,
    /// Published figures, small cells withheld: everyone else.
    Published,
}

/// Whether a figure is published or internal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Publication {
    Published,
    Internal,
}

impl StatisticsAccess {
    /// The value of a cell computed from `clients` distinct clients (0 when no client record
    /// contributes), or why it is withheld.
    pub fn cell(self, publication: Publication, value: i64, clients: i64) -> Result<i64, Withheld> {
        match self {
            StatisticsAccess::Full => Ok(value),
            StatisticsAccess::Published if publication == Publication::Internal => Err(Withheld::NotPublished),
            StatisticsAccess::Published if (1..MIN_CLIENTS).contains(&clients) => Err(Withheld::SmallCell),
            StatisticsAccess::Published => Ok(value),
        }
    }
}

impl StatisticsAccess {
    /// Published cells that partition a total (they add up to it), each given as `(value,
    /// distinct clients)`, with rules 1 and 3: small cells withheld, and, when the total is
    /// shown and the withheld cells could be recovered from it, further cells withheld as
    /// [`Withheld::Complementary`], smallest value first (cells of value 0 add nothing and are
    /// never chosen). Results come in the order of `cells`.
    pub fn partition(self, total: (i64, i64), cells: &[(i64, i64)]) -> Vec<Result<i64, Withheld>> {
        let mut out: Vec<_> = cells.iter().map(|&(v, c)| self.cell(Publication::Published, v, c)).collect();
        if self.cell(Publication::Published, total.0, total.1).is_err() {
            // The total is withheld: nothing can be subtracted from it.
            return out;
        }
        let withheld = |out: &[Result<i64, Withheld>]| out.iter().filter(|r| r.is_err()).count();
        let withheld_clients = |out: &[Result<i64, Withheld>]| {
            cells.iter().zip(out).filter(|(_, r)| r.is_err()).map(|(c, _)| c.1).sum::<i64>()
        };
        if withheld(&out) == 0 {
            return out;
        }
        let mut candidates: Vec<usize> = (0..cells.len()).filter(|&i| out[i].is_ok() && cells[i].0 > 0).collect();
        candidates.sort_by_key(|&i| (cells[i].0, i));
        for i in candidates {
            if withheld(&out) >= 2 && withheld_clients(&out) >= MIN_CLIENTS {
                break;
            }
            out[i] = Err(Withheld::Complementary);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{Publication as P, StatisticsAccess as A, Withheld};

    #[test]
    fn a_withheld_cell_of_a_partition_cannot_be_recovered_from_the_total() {
        const S: Result<i64, Withheld> = Err(Withheld::SmallCell);
        const C: Result<i64, Withheld> = Err(Withheld::Complementary);
        // One small cell among large ones: the smallest other cell goes too.
        let got = A::Published.partition((120, 40), &[(100, 30), (2, 2), (18, 8), (0, 0)]);
        assert_eq!(got, [Ok(100), S, C, Ok(0)]);
        // Two small cells of 3 and 2 clients: 5 together, nothing more.
        let got = A::Published.partition((110, 35), &[(100, 30), (6, 3), (4, 2)]);
        assert_eq!(got, [Ok(100), S, S]);
        // Two small cells of 1 client each: withheld together they still name 2 people.
        let got = A::Published.partition((110, 35), &[(100, 30), (1, 1), (1, 1), (8, 6)]);
        assert_eq!(got, [Ok(100), S, S, C]);
        // Nothing withheld, or the total withheld too: no change.
        assert_eq!(A::Published.partition((30, 12), &[(20, 6), (10, 6)]), [Ok(20), Ok(10)]);
        assert_eq!(A::Published.partition((3, 3), &[(2, 2), (1, 1), (0, 0)]), [S, S, Ok(0)]);
        // Full access sees every cell.
        assert_eq!(A::Full.partition((120, 40), &[(100, 30), (2, 2), (18, 8)]), [Ok(100), Ok(2), Ok(18)]);
        // Whatever is withheld, total minus the shown cells never equals one withheld cell.
        for cells in [vec![(50, 9), (3, 1), (7, 5), (9, 6)], vec![(4, 4), (40, 20), (0, 0), (1, 1)]] {
            let total = (cells.iter().map(|c| c.0).sum(), cells.iter().map(|c| c.1).sum());
            let got = A::Published.partition(total, &cells);
            let hidden: Vec<i64> = cells.iter().zip(&got).filter(|(_, r)| r.is_err()).map(|(c, _)| c.0).collect();
            assert!(hidden.len() != 1, "{cells:?} -> {got:?}");
        }
    }

    #[test]
    fn small_cells_are_withheld_from_published_views_only() {
        for (access, publication, value, clients, expected) in [
            (A::Published, P::Published, 0, 0, Ok(0)),
            (A::Published, P::Published, 30, 0, Ok(30)),
            (A::Published, P::Published, 1, 1, Err(Withheld::SmallCell)),
            (A::Published, P::Published, 12, 4, Err(Withheld::SmallCell)),
            (A::Published, P::Published, 5, 5, Ok(5)),
            (A::Published, P::Internal, 500, 500, Err(Withheld::NotPublished)),
            (A::Full, P::Published, 1, 1, Ok(1)),
            (A::Full, P::Internal, 3, 3, Ok(3)),
        ] {
            let got = access.cell(publication, value, clients);
            assert_eq!(got, expected, "{access:?} {publication:?} {value} {clients}");
        }
    }
}
