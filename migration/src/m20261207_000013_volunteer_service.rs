//! The volunteer service ledger becomes writable (issue 23): entries name the station where the
//! service took place and the kind of activity, carry the external reference of the system
//! that sent them (sync), and a correction is a reversing entry pointing at the entry it
//! corrects (`corrects_entry_id`, unique: an entry is corrected at most once). A reversal
//! carries the negated minutes and points of its original, so the CHECK `service_minutes >= 0`
//! of `000005` becomes "`>= 0` unless the row is a reversal".
//!
//! The points pilot's rules (志愿积分, 西陵区) are data: `volunteer_point_rules` says how many
//! points an hour of service earns, in which division (and the divisions below it), for which
//! kind of activity (or any) and from which date.
//!
//! PostgreSQL alters the table in place. SQLite cannot drop a CHECK constraint, so the table is
//! rebuilt (<https://www.sqlite.org/lang_altertable.html#otheralter>): renamed, created anew
//! with the same and the new columns, filled, dropped; the record keys of `000011` are copied,
//! never drawn again, and its trigger is made again. No other table references the ledger.
//! `down` deletes the reversals (the old CHECK refuses them) and rebuilds it back.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

use crate::conventions::NewTable;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "volunteer_ledger_entries";
const OLD: &str = "volunteer_ledger_entries_000012";

/// Kinds of volunteer activity (frozen here; the entity's enum mirrors them).
const ACTIVITIES: [&str; 8] = [
    "ELDERLY_CARE",
    "CHILD_CARE",
    "DISABILITY_SUPPORT",
    "COMMUNITY_GOVERNANCE",
    "ENVIRONMENT",
    "CULTURE_AND_SPORTS",
    "EMERGENCY_RESPONSE",
    "OTHER",
];

/// The columns `000005` and `000011` made, copied by the SQLite rebuild.
const COLUMNS: &str = "id, volunteer_id, volunteer_team_id, project_id, served_on, service_minutes, points, \
                       description, created_at, updated_at, version, deleted_at, record_key";

fn c(s: &str) -> Alias {
    Alias::new(s)
}

/// A reversal (a row correcting another) may carry negative minutes; any other row may not.
fn minutes_check() -> Expr {
    Expr::col(c("service_minutes")).gte(0).or(Expr::col(c("corrects_entry_id")).is_not_null())
}

/// The columns of the ledger as `000005` made them, but `service_minutes` (whose CHECK
/// differs), and `000011`'s record key.
fn ledger_columns(table: NewTable) -> NewTable {
    let in_range = Expr::col(c("record_key")).gte(0).and(Expr::col(c("record_key")).lt(2147483648i64));
    table
        .belongs_to("volunteer_id", "volunteers")
        .may_belong_to("volunteer_team_id", "volunteer_teams")
        .may_belong_to("project_id", "projects")
        .col(ColumnDef::new(c("served_on")).date().not_null().to_owned())
        .col(ColumnDef::new(c("points")).integer().not_null().default(0).to_owned())
        .text_null("description", 300)
        .col(ColumnDef::new(c("record_key")).integer().null().check(in_range).to_owned())
        .index(&["served_on"])
}

/// Replaces the SQLite ledger by `table` (same name), copying the rows' [`COLUMNS`] (record
/// keys included) and making `000011`'s record-key trigger again.
async fn rebuild_on_sqlite(manager: &SchemaManager<'_>, table: NewTable) -> Result<(), DbErr> {
    let db = manager.get_connection();
    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {TABLE}_record_key")).await?;
    db.execute_unprepared(&format!("ALTER TABLE {TABLE} RENAME TO {OLD}")).await?;
    // The indexes moved with the table under their names; the new table makes them again.
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            [OLD.into()],
        ))
        .await?;
    for row in rows {
        let name: String = row.try_get("", "name")?;
        db.execute_unprepared(&format!("DROP INDEX \"{name}\"")).await?;
    }
    table.create(manager).await?;
    db.execute_unprepared(&format!("INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM {OLD}")).await?;
    db.execute_unprepared(&format!("DROP TABLE {OLD}")).await?;
    db.execute_unprepared(&format!(
        "CREATE TRIGGER {TABLE}_record_key AFTER INSERT ON {TABLE} FOR EACH ROW \
         WHEN NEW.record_key IS NULL \
         BEGIN UPDATE {TABLE} SET record_key = random() & 2147483647 WHERE id = NEW.id; END"
    ))
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                let text = |col: &str, len: u32| {
                    ColumnDef::new(c(col)).string_len(len).null().extra(r#"COLLATE "C""#).to_owned()
                };
                let mut activity = ColumnDef::new(c("activity"));
                activity.string_len(32).null().check(Expr::col(c("activity")).is_in(ACTIVITIES));
                let columns = [
                    ColumnDef::new(c("station_id")).uuid().null().to_owned(),
                    activity,
                    ColumnDef::new(c("corrects_entry_id")).uuid().null().to_owned(),
                    text("source", 64),
                    text("external_id", 128),
                ];
                for mut col in columns {
                    manager.alter_table(Table::alter().table(c(TABLE)).add_column(&mut col).to_owned()).await?;
                }
                for (col, to) in [("station_id", "stations"), ("corrects_entry_id", TABLE)] {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {TABLE} ADD CONSTRAINT fk_{TABLE}_{col} FOREIGN KEY ({col}) \
                         REFERENCES {to} (id) ON DELETE RESTRICT"
                    ))
                    .await?;
                }
                db.execute_unprepared(&format!(
                    "ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {TABLE}_service_minutes_check"
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_service_minutes_check \
                     CHECK (service_minutes >= 0 OR corrects_entry_id IS NOT NULL)"
                ))
                .await?;
                for (name, cols) in [
                    (format!("idx_{TABLE}_station_id"), "station_id"),
                    (format!("uq_{TABLE}_corrects_entry_id"), "corrects_entry_id"),
                    (format!("uq_{TABLE}_source_external_id"), "source, external_id"),
                ] {
                    let unique = if name.starts_with("uq_") { "UNIQUE " } else { "" };
                    db.execute_unprepared(&format!("CREATE {unique}INDEX {name} ON {TABLE} ({cols})")).await?;
                }
            }
            _ => {
                let mut activity = ColumnDef::new(c("activity"));
                activity.string_len(32).null().check(Expr::col(c("activity")).is_in(ACTIVITIES));
                let table = ledger_columns(NewTable::with_uuid_key(manager, TABLE))
                    .col(ColumnDef::new(c("service_minutes")).integer().not_null().to_owned())
                    .may_belong_to("station_id", "stations")
                    .col(activity)
                    .may_belong_to("corrects_entry_id", TABLE)
                    .external_reference()
                    .check(minutes_check())
                    .unique(&["corrects_entry_id"]);
                rebuild_on_sqlite(manager, table).await?;
            }
        }
        NewTable::with_uuid_key(manager, "volunteer_point_rules")
            .in_region("region_code")
            .enumeration("activity", &ACTIVITIES, true)
            .col(
                ColumnDef::new(c("points_per_hour"))
                    .integer()
                    .not_null()
                    .check(Expr::col(c("points_per_hour")).between(0, 1000))
                    .to_owned(),
            )
            .col(ColumnDef::new(c("valid_from")).date().not_null().to_owned())
            .col(ColumnDef::new(c("valid_until")).date().null().to_owned())
            .text_null("description", 300)
            .check(Expr::col(c("valid_until")).is_null().or(Expr::col(c("valid_until")).gt(Expr::col(c("valid_from")))))
            .create(manager)
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(c("volunteer_point_rules")).if_exists().to_owned()).await?;
        // Reversals cannot be kept under the old CHECK: the ledger goes back without them.
        let db = manager.get_connection();
        db.execute_unprepared(&format!("DELETE FROM {TABLE} WHERE corrects_entry_id IS NOT NULL")).await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!("ALTER TABLE {TABLE} DROP CONSTRAINT {TABLE}_service_minutes_check"))
                    .await?;
                db.execute_unprepared(&format!(
                    "ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_service_minutes_check CHECK (service_minutes >= 0)"
                ))
                .await?;
                for col in ["external_id", "source", "corrects_entry_id", "activity", "station_id"] {
                    manager.alter_table(Table::alter().table(c(TABLE)).drop_column(c(col)).to_owned()).await?;
                }
                Ok(())
            }
            _ => {
                let minutes = ColumnDef::new(c("service_minutes"))
                    .integer()
                    .not_null()
                    .check(Expr::col(c("service_minutes")).gte(0))
                    .to_owned();
                rebuild_on_sqlite(manager, ledger_columns(NewTable::with_uuid_key(manager, TABLE)).col(minutes)).await
            }
        }
    }
}
