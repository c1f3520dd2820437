//! Trainings (培训), deliberation meetings (议事协商) and awards (荣誉): the activities the
//! seed article reports besides service (issue 23).
//!
//! - `trainings`: organised by a station or an organisation (at least one), in a division, on a
//!   date, with participants as person-times; `training_participants` names the social workers
//!   and volunteers who took part, where known (one of the two per row).
//! - `deliberation_meetings`: held in a community (a village-level division, optionally its
//!   station), with participants (person-times), outcome and whether the problem was resolved.
//! - `awards`: a title of a level and year, given to exactly one social worker, volunteer or
//!   organisation, located in a division.
//!
//! Trainings and meetings count persons (person-times) in published statistics, so they carry
//! a `record_key` for the cell-key method, drawn exactly as `000011` draws it. Every table gets
//! the change-feed province index of `000009`/`000010`.
use crate::conventions::{NewTable, drop_tables};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn date(col: &'static str) -> ColumnDef {
    ColumnDef::new(Alias::new(col)).date().not_null().to_owned()
}

fn count(col: &'static str) -> ColumnDef {
    ColumnDef::new(Alias::new(col)).integer().not_null().check(Expr::col(Alias::new(col)).gte(0)).to_owned()
}

/// Exactly one of `cols` is set.
fn exactly_one(cols: &[&'static str]) -> Expr {
    let mut any: Option<Expr> = None;
    for c in cols {
        let mut e = Expr::col(Alias::new(*c)).is_not_null();
        for o in cols.iter().filter(|o| *o != c) {
            e = e.and(Expr::col(Alias::new(*o)).is_null());
        }
        any = Some(match any {
            None => e,
            Some(a) => a.or(e),
        });
    }
    any.unwrap_or_else(|| Expr::cust("1 = 1"))
}

/// Tables with a change feed and a division code.
const FEED_TABLES: [&str; 3] = ["trainings", "deliberation_meetings", "awards"];
/// Tables whose rows published figures about persons count.
const KEYED_TABLES: [&str; 2] = ["trainings", "deliberation_meetings"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        NewTable::with_uuid_key(manager, "trainings")
            .text("topic", 200)
            .enumeration("kind", &["PRE_CERTIFICATION", "ON_THE_JOB", "SECONDMENT", "OTHER"], false)
            .col(date("held_on"))
            .col(count("person_times"))
            .in_region("region_code")
            .may_belong_to("station_id", "stations")
            .may_belong_to("organization_id", "organizations")
            .check(
                Expr::col(Alias::new("station_id"))
                    .is_not_null()
                    .or(Expr::col(Alias::new("organization_id")).is_not_null()),
            )
            .external_reference()
            .index(&["region_code", "held_on"])
            .index(&["held_on"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "training_participants")
            .belongs_to("training_id", "trainings")
            .may_belong_to("social_worker_id", "social_workers")
            .may_belong_to("volunteer_id", "volunteers")
            .check(exactly_one(&["social_worker_id", "volunteer_id"]))
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "deliberation_meetings")
            .text("topic", 200)
            .col(date("held_on"))
            .col(count("participants"))
            .text_null("outcome", 500)
            .col(ColumnDef::new(Alias::new("resolved")).boolean().not_null().default(false).to_owned())
            .in_region("region_code")
            .may_belong_to("station_id", "stations")
            .external_reference()
            .index(&["region_code", "held_on"])
            .index(&["held_on"])
            .create(manager)
            .await?;
        NewTable::with_uuid_key(manager, "awards")
            .text("title", 100)
            .enumeration("level", &["NATIONAL", "PROVINCIAL", "PREFECTURE", "COUNTY", "TOWNSHIP", "COMMUNITY"], false)
            .col(
                ColumnDef::new(Alias::new("year"))
                    .integer()
                    .not_null()
                    .check(Expr::col(Alias::new("year")).between(1949, 2100))
                    .to_owned(),
            )
            .in_region("region_code")
            .may_belong_to("social_worker_id", "social_workers")
            .may_belong_to("volunteer_id", "volunteers")
            .may_belong_to("organization_id", "organizations")
            .check(exactly_one(&["social_worker_id", "volunteer_id", "organization_id"]))
            .external_reference()
            .index(&["region_code", "year"])
            .index(&["title"])
            .create(manager)
            .await?;

        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        for t in KEYED_TABLES {
            if backend == DbBackend::Postgres {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {t} ADD COLUMN record_key BIGINT NOT NULL \
                     DEFAULT floor(random() * 2147483648)::bigint \
                     CHECK (record_key >= 0 AND record_key < 2147483648)"
                ))
                .await?;
            } else {
                db.execute_unprepared(&format!(
                    "ALTER TABLE {t} ADD COLUMN record_key INTEGER \
                     CHECK (record_key >= 0 AND record_key < 2147483648)"
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {t}_record_key AFTER INSERT ON {t} FOR EACH ROW \
                     WHEN NEW.record_key IS NULL \
                     BEGIN UPDATE {t} SET record_key = random() & 2147483647 WHERE id = NEW.id; END"
                ))
                .await?;
            }
        }
        for t in FEED_TABLES {
            let expr = if backend == DbBackend::Postgres {
                "(substr(region_code, 1, 2))"
            } else {
                "substr(region_code, 1, 2)"
            };
            db.execute_unprepared(&format!("CREATE INDEX idx_{t}_province_changes ON {t} ({expr}, updated_at, id)"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["awards", "deliberation_meetings", "training_participants", "trainings"]).await
    }
}
