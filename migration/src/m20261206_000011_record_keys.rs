//! Record keys for the cell-key method (`docs/DISCLOSURE.md`): every record that a published
//! figure about persons counts (clients, service records, volunteer ledger entries) gets a
//! permanent random `record_key`, an integer uniform in `[0, 2^31)`, filled here for existing
//! rows and by the database for every row inserted later, whatever inserts it (API, sync,
//! import, seed). The application never reads it back into a model, shows it or changes it:
//! a published figure's noise is a function of its records' keys, so the keys are secret.
//!
//! PostgreSQL: a column default of `floor(random() * 2^31)`; adding a column with a volatile
//! default evaluates it for each existing row. SQLite refuses an expression default in `ALTER
//! TABLE … ADD COLUMN`, so the column is added empty, filled, and kept filled by an `AFTER
//! INSERT` trigger (SQLite cannot assign `NEW` in a `BEFORE` trigger). `random() & (2^31 - 1)`
//! keeps the low 31 bits of SQLite's 64-bit random integer (`abs(random())` overflows on the
//! smallest integer).
//!
//! On SQLite, statistics read service records through the covering index of `000008` without
//! visiting the table; it is replaced by one carrying `record_key` too (`…_keyed`, one trailing
//! column more), so summing the keys beside the figures keeps them index-only.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// SQLite's covering index of service records for statistics (`000008`), its successor with
/// `record_key`, and the columns of the former.
const COVERING: &str = "idx_service_records_region_code_served_on_covering";
const KEYED: &str = "idx_service_records_region_code_served_on_keyed";
const CARRIED: &str =
    "region_code, served_on, deleted_at, client_id, person_times, service_type, method, social_worker_id";

/// The tables whose rows published figures about persons count.
pub const TABLES: [&str; 3] = ["clients", "service_records", "volunteer_ledger_entries"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for t in TABLES {
            match manager.get_database_backend() {
                DbBackend::Postgres => {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {t} ADD COLUMN record_key BIGINT NOT NULL \
                         DEFAULT floor(random() * 2147483648)::bigint \
                         CHECK (record_key >= 0 AND record_key < 2147483648)"
                    ))
                    .await?;
                }
                _ => {
                    db.execute_unprepared(&format!(
                        "ALTER TABLE {t} ADD COLUMN record_key INTEGER \
                         CHECK (record_key >= 0 AND record_key < 2147483648)"
                    ))
                    .await?;
                    db.execute_unprepared(&format!("UPDATE {t} SET record_key = random() & 2147483647")).await?;
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {t}_record_key AFTER INSERT ON {t} FOR EACH ROW \
                         WHEN NEW.record_key IS NULL \
                         BEGIN UPDATE {t} SET record_key = random() & 2147483647 WHERE id = NEW.id; END"
                    ))
                    .await?;
                }
            }
        }
        if manager.get_database_backend() == DbBackend::Sqlite {
            db.execute_unprepared(&format!("CREATE INDEX {KEYED} ON service_records ({CARRIED}, record_key)")).await?;
            db.execute_unprepared(&format!("DROP INDEX {COVERING}")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Sqlite {
            db.execute_unprepared(&format!("CREATE INDEX {COVERING} ON service_records ({CARRIED})")).await?;
            db.execute_unprepared(&format!("DROP INDEX {KEYED}")).await?;
        }
        for t in TABLES {
            if manager.get_database_backend() == DbBackend::Sqlite {
                db.execute_unprepared(&format!("DROP TRIGGER {t}_record_key")).await?;
            }
            db.execute_unprepared(&format!("ALTER TABLE {t} DROP COLUMN record_key")).await?;
        }
        Ok(())
    }
}
