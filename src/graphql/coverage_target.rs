//! `CoverageTarget` (覆盖目标): the township coverage a division announced it means to reach by
//! a day, read as `Coverage.target` and recorded by `setCoverageTarget`. Values are parsed by
//! [`crate::domain::records::CoverageTargetInput`].

use async_graphql::{Context, InputObject, Object};
use entity::coverage_target as m;

use super::error::ApiResult;
use super::payload::{db_error, editor};
use super::scalars::Date;
use crate::domain::records::CoverageTargetInput;
use crate::graphql::context::RequestData;
use crate::store;

/// A division's announced target for township coverage: the share of its township-level
/// units with an operating township station it means to reach by `dueOn` (黔西南州: full
/// coverage of its 140 townships by the end of 2025). A published figure: every caller may
/// read it.
pub struct CoverageTarget(pub m::Model);

impl From<m::Model> for CoverageTarget {
    fn from(row: m::Model) -> Self {
        CoverageTarget(row)
    }
}

/// A division's announced target for township coverage: the share of its township-level
/// units with an operating township station it means to reach by `dueOn` (黔西南州: full
/// coverage of its 140 townships by the end of 2025). A published figure: every caller may
/// read it.
#[Object]
impl CoverageTarget {
    /// Target coverage, from 0.01 to 1 (`1`: every township-level unit).
    async fn rate(&self) -> f64 {
        f64::from(self.0.rate_percent) / 100.0
    }
    /// The day (CST) by which the target is to be reached, inclusive.
    async fn due_on(&self) -> Date {
        Date(self.0.due_on)
    }
    /// The day (CST) the target was announced. Of several targets of a division, the one
    /// announced last is the target.
    async fn announced_on(&self) -> Date {
        Date(self.0.announced_on)
    }
    /// The document that set the target (title or reference), if recorded.
    async fn document(&self) -> Option<&str> {
        self.0.document.as_deref()
    }
}

/// The target of the division `code` (12 digits), if one was announced.
pub async fn of_region(ctx: &Context<'_>, code: &str) -> ApiResult<Option<CoverageTarget>> {
    let data = RequestData::of(ctx)?;
    let row = store::coverage_target::latest(&data.db, code).await.map_err(db_error)?;
    Ok(row.map(CoverageTarget))
}

/// A coverage target to record.
#[derive(InputObject)]
pub struct SetCoverageTargetInput {
    /// 12-digit division whose townships the target covers: a county, prefecture or province
    /// (`NOT_COUNTY_OR_ABOVE`); it must exist and, for CIVIL_AFFAIRS, lie in the caller's
    /// region (`OUT_OF_SCOPE`).
    pub region_code: String,
    /// Target coverage, a whole percent from 0.01 to 1 (`OUT_OF_RANGE`).
    pub rate: f64,
    /// The day (CST) by which it is to be reached: on or after `announcedOn`
    /// (`INCONSISTENT`), at most 30 years ahead (`OUT_OF_RANGE`).
    pub due_on: Date,
    /// The day (CST) it was announced, 2000-01-01 to today (`OUT_OF_RANGE`); default today.
    pub announced_on: Option<Date>,
    /// The document that set it (title or reference), 1-200 characters.
    pub document: Option<String>,
}

crate::payload!(
    /// The result of `setCoverageTarget`: the target as recorded. Errors in `userErrors`.
    CoverageTargetPayload,
    coverage_target,
    CoverageTarget
);

/// Coverage target mutations.
#[derive(Default)]
pub struct CoverageTargetMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl CoverageTargetMutation {
    /// Records a division's coverage target (ADMIN anywhere, CIVIL_AFFAIRS in its region).
    /// Targets are never edited: a revised target is recorded anew, and the one announced
    /// last is `Coverage.target`. Client mistakes are in `userErrors`; top-level errors only
    /// `FORBIDDEN` and service failures.
    async fn set_coverage_target(
        &self,
        ctx: &Context<'_>,
        input: SetCoverageTargetInput,
    ) -> ApiResult<CoverageTargetPayload> {
        let (data, editor) = editor(ctx, false)?;
        let target = CoverageTargetInput {
            region_code: input.region_code,
            rate: input.rate,
            due_on: Some(input.due_on.0),
            announced_on: input.announced_on.map(|d| d.0),
            document: input.document,
        };
        let out = store::coverage_target::set(&data.db, &editor, target).await.map_err(db_error)?;
        Ok(CoverageTargetPayload::of(out))
    }
}
