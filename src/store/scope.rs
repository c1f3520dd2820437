//! The rows an identity may read, as SQL conditions.

use sea_orm::{ColumnTrait, Condition};

use crate::domain::DivisionCode;

/// What a caller may see. Every store function takes one and turns it into SQL conditions,
/// so that a row outside scope is indistinguishable from a row that does not exist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    /// Only rows located in this division's subtree; `None` for the whole country.
    pub region: Option<DivisionCode>,
}

impl Scope {
    /// The whole country: every row.
    pub fn all() -> Self {
        Self::default()
    }

    /// Restricts a region-code column (12-digit text) to the scope's subtree.
    pub fn region_condition(&self, column: impl ColumnTrait) -> Condition {
        match &self.region {
            None => Condition::all(),
            Some(code) => {
                let (lo, hi) = code.subtree_bounds();
                Condition::all().add(column.between(lo, hi))
            }
        }
    }
}
