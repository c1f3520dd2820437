//! Trainings, deliberation meetings and awards of a region's statistics (flow figures).
//!
//! Disclosure (docs/DISCLOSURE.md): trainings and deliberation meetings are public events,
//! and every caller reads each one's person-times or participants (`Training.personTimes`,
//! `DeliberationMeeting.participants`): their sums are exact for everyone too (perturbing
//! them protected nothing a caller could not add up). They stay `ProtectedFigure`s, with
//! `perturbed: false`. Sessions, meetings and problems resolved count events, like projects.
//! Awards are honours published by name, and count social workers, volunteers and
//! organisations, whose head counts are exact for everyone: exact too.

use async_graphql::{Context, Object, SimpleObject};
use entity::training::TrainingKind as KindM;
use sea_orm::Iterable;

use super::{ProtectedFigure, Subject, figures, list_cost, variants};
use crate::graphql::error::ApiResult;
use crate::graphql::training::TrainingKind;

/// Most titles `AwardStatistics.byTitle` lists (the most frequent first).
pub const MAX_AWARD_TITLES: usize = 50;

/// Trainings of one kind held in the period.
#[derive(SimpleObject)]
pub struct TrainingKindFigures {
    /// The kind.
    pub kind: TrainingKind,
    /// Sessions held (exact: events).
    pub sessions: i64,
    /// Person-times trained (培训人次): exact, as the trainings' own.
    pub person_times: ProtectedFigure,
}

/// Trainings (培训) located in the subtree and held in the period (flow).
pub struct TrainingStatistics(pub(super) Subject);

/// Trainings (培训) located in the subtree and held in the period (flow).
#[Object]
impl TrainingStatistics {
    /// Sessions held (培训场次). Exact for everyone: it counts events, as `projects` does.
    async fn sessions(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(self.0.load::<figures::TrainingTotals>(ctx).await?.0.values().map(|v| v.0).sum())
    }
    /// Person-times trained (培训人次): the sum of the sessions' participants. Exact for
    /// everyone, as each training's `personTimes` is (`perturbed: false`).
    async fn person_times(&self, ctx: &Context<'_>) -> ApiResult<ProtectedFigure> {
        let t = self.0.load::<figures::TrainingTotals>(ctx).await?;
        Ok(ProtectedFigure::exact(t.0.values().map(|r| r.1).sum()))
    }
    /// By kind, every kind listed (zeros included).
    #[graphql(complexity = "list_cost(variants::<KindM>(), child_complexity)")]
    async fn by_kind(&self, ctx: &Context<'_>) -> ApiResult<Vec<TrainingKindFigures>> {
        let t = self.0.load::<figures::TrainingTotals>(ctx).await?;
        Ok(KindM::iter()
            .map(|k| {
                let (n, v) = t.0.get(&k).copied().unwrap_or_default();
                TrainingKindFigures { kind: k.into(), sessions: n, person_times: ProtectedFigure::exact(v) }
            })
            .collect())
    }
}

/// Deliberation meetings (议事协商) held in the subtree in the period (flow).
pub struct DeliberationStatistics(pub(super) Subject);

/// Deliberation meetings (议事协商) held in the subtree in the period (flow).
#[Object]
impl DeliberationStatistics {
    /// Meetings held (议事协商次数). Exact for everyone: it counts events.
    async fn meetings(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(self.0.load::<figures::DeliberationTotals>(ctx).await?.meetings)
    }
    /// Participants, as person-times (参与群众人次): the sum of the meetings' participants.
    /// Exact for everyone, as each meeting's `participants` is (`perturbed: false`).
    async fn participants(&self, ctx: &Context<'_>) -> ApiResult<ProtectedFigure> {
        let d = self.0.load::<figures::DeliberationTotals>(ctx).await?;
        Ok(ProtectedFigure::exact(d.participants))
    }
    /// Community problems resolved (解决社区治理难题): meetings that resolved theirs. Exact for
    /// everyone: it counts events.
    async fn resolved_problems(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(self.0.load::<figures::DeliberationTotals>(ctx).await?.resolved)
    }
}

/// Awards of one title.
#[derive(SimpleObject)]
pub struct AwardTitleCount {
    /// The title, e.g. 最美社区工作者.
    pub title: String,
    /// Awards of the title.
    pub count: i64,
}

/// Awards (荣誉) located in the subtree whose year the period touches (flow).
pub struct AwardStatistics(pub(super) Subject);

/// Awards (荣誉) located in the subtree whose year the period touches (an award of 2023
/// counts in any period with a day of 2023). Exact for everyone: honours are published by
/// name, and they count social workers, volunteers and organisations, whose head counts are
/// exact (docs/DISCLOSURE.md).
#[Object]
impl AwardStatistics {
    /// Awards given.
    async fn total(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        Ok(self.0.load::<figures::AwardTotals>(ctx).await?.0.values().sum())
    }
    /// Awards by title, the most frequent first (ties by title), at most 50 titles.
    #[graphql(complexity = "list_cost(MAX_AWARD_TITLES, child_complexity)")]
    async fn by_title(&self, ctx: &Context<'_>) -> ApiResult<Vec<AwardTitleCount>> {
        let a = self.0.load::<figures::AwardTotals>(ctx).await?;
        let mut titles: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
        for ((title, _), n) in &a.0 {
            *titles.entry(title.as_str()).or_default() += n;
        }
        let mut out: Vec<AwardTitleCount> =
            titles.into_iter().map(|(title, count)| AwardTitleCount { title: title.to_owned(), count }).collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.title.cmp(&b.title)));
        out.truncate(MAX_AWARD_TITLES);
        Ok(out)
    }
}
