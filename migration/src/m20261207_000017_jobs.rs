//! Background jobs (issue 24): bulk exports and long roster imports. A job's state and an
//! export's file live in the database, so any replica answers a poll or a download, and a job
//! whose replica died is seen as such (its lease `claimed_until` lapses) and reported failed.
use crate::conventions::{NewTable, drop_tables};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn ts(col: &'static str, null: bool) -> ColumnDef {
    let mut def = ColumnDef::new(Alias::new(col));
    def.timestamp_with_time_zone();
    if null {
        def.null()
    } else {
        def.not_null()
    };
    def
}

fn big(col: &'static str) -> ColumnDef {
    ColumnDef::new(Alias::new(col)).big_integer().not_null().default(0).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        NewTable::with_uuid_key(manager, "jobs")
            .enumeration("kind", &["IMPORT", "EXPORT"], false)
            .enumeration("status", &["QUEUED", "RUNNING", "SUCCEEDED", "FAILED"], false)
            .text("owner_subject", 200)
            .text("owner_role", 32)
            .text("owner_scope", 200)
            .col(ColumnDef::new(Alias::new("input")).text().not_null().to_owned())
            .col(big("done"))
            .col(ColumnDef::new(Alias::new("total")).big_integer().null().to_owned())
            .col(ColumnDef::new(Alias::new("result")).text().null().to_owned())
            .text_null("error_code", 64)
            .text_null("error_message", 500)
            .col(ts("claimed_until", true))
            .col(ts("finished_at", true))
            .col(ts("expires_at", true))
            .col(big("bytes"))
            .index(&["owner_subject", "status"])
            .index(&["status", "claimed_until"])
            .create(manager)
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("job_chunks"))
                    .if_not_exists()
                    .col(ColumnDef::new(Alias::new("job_id")).uuid().not_null())
                    .col(ColumnDef::new(Alias::new("seq")).integer().not_null())
                    .col(ColumnDef::new(Alias::new("bytes")).blob().not_null())
                    .primary_key(Index::create().col(Alias::new("job_id")).col(Alias::new("seq")))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_job_chunks_job_id")
                            .from(Alias::new("job_chunks"), Alias::new("job_id"))
                            .to(Alias::new("jobs"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["job_chunks", "jobs"]).await
    }
}
