//! Guardian consent as records written through the API (PIPL art. 31): how the guardian is
//! related to the child, where the signed consent is kept, and when it was withdrawn (PIPL
//! art. 15). Nullable: consent records made before hold none of them.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "consent_records";

/// A text column compared by code point on both databases (as `conventions::NewTable`).
fn text(manager: &SchemaManager<'_>, col: &str, max: u32) -> ColumnDef {
    let mut def = ColumnDef::new(Alias::new(col));
    def.string_len(max).null();
    if manager.get_database_backend() == DbBackend::Postgres {
        def.extra(r#"COLLATE "C""#);
    }
    def
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let relations = ["PARENT", "GRANDPARENT", "ELDER_SIBLING", "OTHER_PERSON", "ORGANIZATION"];
        let mut relation = ColumnDef::new(Alias::new("relation"));
        relation.string_len(32).null().check(Expr::col(Alias::new("relation")).is_in(relations));
        let columns = [
            relation,
            text(manager, "evidence_reference", 200),
            ColumnDef::new(Alias::new("withdrawn_at")).timestamp_with_time_zone().null().to_owned(),
        ];
        // One column per statement: SQLite alters one thing at a time.
        for mut col in columns {
            manager.alter_table(Table::alter().table(Alias::new(TABLE)).add_column(&mut col).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in ["withdrawn_at", "evidence_reference", "relation"] {
            manager
                .alter_table(Table::alter().table(Alias::new(TABLE)).drop_column(Alias::new(col)).to_owned())
                .await?;
        }
        Ok(())
    }
}
