//! Trainings, deliberation meetings and awards of a subtree in a period (flow figures), one
//! `GROUP BY` statement each for all subtrees of a code length.
//!
//! Trainings and meetings are dated; an award carries a year and counts in a period when its
//! year is one the period touches (`from`'s year to the year of the period's last day).

use std::collections::HashMap;

use chrono::Datelike;
use entity::award::{self, AwardLevel};
use entity::deliberation_meeting as dm;
use entity::training::{self, TrainingKind};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{ExprTrait, Query};

use super::{Figures, Period, StoreError, col, count_all, flag, fold, get_enum, get_i64, get_text, live, subtree, sum};

/// Trainings held in the subtree in the period, by kind: `(sessions, person-times)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrainingTotals(pub HashMap<TrainingKind, (i64, i64)>);

impl Figures for TrainingTotals {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        use training::Column as T;
        let backend = db.get_database_backend();
        let (within, prefix) = subtree(col(T::RegionCode), prefixes);
        let stmt = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .column(T::Kind)
            .expr_as(count_all(), "n")
            .expr_as(sum(col(T::PersonTimes)), "person_times")
            .from(training::Entity)
            .and_where(live(T::DeletedAt))
            .cond_where(period.filters(backend, col(T::HeldOn)))
            .cond_where(within)
            .add_group_by([prefix, col(T::Kind)])
            .to_owned();
        fold(db, &stmt, |v: &mut Self, row| {
            let kind = get_enum(row, "kind")?;
            v.0.insert(kind, (get_i64(row, "n")?, get_i64(row, "person_times")?));
            Ok(())
        })
        .await
    }
}

/// Deliberation meetings held in the subtree in the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliberationTotals {
    pub meetings: i64,
    /// Sum of participants (person-times).
    pub participants: i64,
    /// Meetings that resolved their community problem.
    pub resolved: i64,
}

impl Figures for DeliberationTotals {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        use dm::Column as M;
        let backend = db.get_database_backend();
        let (within, prefix) = subtree(col(M::RegionCode), prefixes);
        let stmt = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .expr_as(count_all(), "n")
            .expr_as(sum(col(M::Participants)), "participants")
            .expr_as(sum(flag(col(M::Resolved).eq(true))), "resolved")
            .from(dm::Entity)
            .and_where(live(M::DeletedAt))
            .cond_where(period.filters(backend, col(M::HeldOn)))
            .cond_where(within)
            .add_group_by([prefix])
            .to_owned();
        fold(db, &stmt, |v: &mut Self, row| {
            *v = DeliberationTotals {
                meetings: get_i64(row, "n")?,
                participants: get_i64(row, "participants")?,
                resolved: get_i64(row, "resolved")?,
            };
            Ok(())
        })
        .await
    }
}

/// Awards located in the subtree whose year the period touches, by title and level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwardTotals(pub HashMap<(String, AwardLevel), i64>);

impl Figures for AwardTotals {
    type Value = Self;
    type Key = String;
    fn class(prefix: &String) -> usize {
        prefix.len()
    }
    async fn compute<C: ConnectionTrait>(
        db: &C,
        prefixes: &[String],
        period: Period,
    ) -> Result<HashMap<String, Self>, StoreError> {
        use award::Column as A;
        let (within, prefix) = subtree(col(A::RegionCode), prefixes);
        let last = period.to.pred_opt().unwrap_or(period.to);
        let stmt = Query::select()
            .expr_as(prefix.clone(), "prefix")
            .column(A::Title)
            .column(A::Level)
            .expr_as(count_all(), "n")
            .from(award::Entity)
            .and_where(live(A::DeletedAt))
            .and_where(col(A::Year).gte(period.from.year()))
            .and_where(col(A::Year).lte(last.year()))
            .cond_where(within)
            .add_group_by([prefix, col(A::Title), col(A::Level)])
            .to_owned();
        fold(db, &stmt, |v: &mut Self, row| {
            v.0.insert((get_text(row, "title")?, get_enum(row, "level")?), get_i64(row, "n")?);
            Ok(())
        })
        .await
    }
}
