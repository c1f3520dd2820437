//! Coverage targets (覆盖目标): the township coverage a division announced it means to reach
//! by a day. Written by `setCoverageTarget` (ADMIN anywhere, CIVIL_AFFAIRS in its region);
//! read as `Coverage.target`, a published figure every caller may read. Targets are never
//! edited: a revised target is a new row, and the one announced last counts.

use entity::coverage_target;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::mutate::{self, Editor, Outcome, Writable};
use super::write::{Field, field};
use crate::domain::records::CoverageTargetInput;

// Published figures: every caller reads every target.
crate::declare!(coverage_target, "CoverageTarget", scope = public);

impl Writable for coverage_target::Entity {
    fn fields(m: &coverage_target::Model) -> Vec<Field> {
        vec![
            field("regionCode", Some(&m.region_code)),
            field("ratePercent", Some(m.rate_percent)),
            field("dueOn", Some(m.due_on)),
            field("announcedOn", Some(m.announced_on)),
            field("document", m.document.as_ref()),
        ]
    }
}

/// Records a coverage target. Errors (client): the parse's, `UNKNOWN_DIVISION`,
/// `OUT_OF_SCOPE`.
pub async fn set(
    db: &DatabaseConnection,
    editor: &Editor,
    input: CoverageTargetInput,
) -> Result<Outcome<coverage_target::Model>, DbErr> {
    mutate::create::<coverage_target::Entity, _>(db, editor, async |_| {
        Ok(input.parse(editor.today()).map(|r| coverage_target::Model {
            id: Uuid::now_v7(),
            region_code: r.region_code.as_str().to_owned(),
            rate_percent: r.rate_percent,
            due_on: r.due_on,
            announced_on: r.announced_on,
            document: r.document,
            created_at: editor.now,
            updated_at: editor.now,
            version: 1,
            deleted_at: None,
        }))
    })
    .await
}

/// The target of the division `region_code` (12 digits) announced last (ties: the one
/// recorded last), if any.
pub async fn latest<C: ConnectionTrait>(db: &C, region_code: &str) -> Result<Option<coverage_target::Model>, DbErr> {
    coverage_target::Entity::find()
        .filter(coverage_target::Column::RegionCode.eq(region_code))
        .filter(coverage_target::Column::DeletedAt.is_null())
        .order_by_desc(coverage_target::Column::AnnouncedOn)
        .order_by_desc(coverage_target::Column::Id)
        .one(db)
        .await
}
