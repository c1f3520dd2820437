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
//! Complementary suppression (deriving a withheld cell from a total minus the shown cells) is
//! not attempted: totals over clients are themselves cells and follow rule 1.

/// Smallest number of distinct clients a shown cell may be computed from.
pub const MIN_CLIENTS: i64 = 5;

/// Why a figure is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Withheld {
    /// Computed from fewer than [`MIN_CLIENTS`] clients.
    SmallCell,
    /// An internal figure, and the caller sees only published ones.
    NotPublished,
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

#[cfg(test)]
mod tests {
    use super::{Publication as P, StatisticsAccess as A, Withheld};

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
