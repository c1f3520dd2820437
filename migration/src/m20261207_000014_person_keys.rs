//! Person keys (issue 23): one person, many records. `volunteers.person_key` and
//! `social_workers.person_key` hold a keyed hash (HMAC-SHA256 under a sub-key of the server's
//! person-key secret, `crate::domain::person`) of the record's normalised citizen ID number
//! (GB 11643), never the number itself. Records of one kind with the same key are one person
//! (`sameAs`, statistics counting persons once, lookups by ID number).
//!
//! Within one kind of record and one source (`source`; records created through the API have
//! none, and form one source of their own), a live record's key is unique: the unique index
//! makes concurrent creates give the same answer as sequential ones (`DUPLICATE_PERSON`,
//! translated in `store::constraint`). Soft-deleted rows do not hold their key.
//!
//! The migration cannot compute keys: the secret is configuration, not schema. Existing rows
//! get theirs from `store::person::backfill`, run at start-up (`serve`, `setup`), before an
//! import and after seeding; `person_key_state` remembers the fingerprint of the key the
//! stored keys were made with, so a changed secret re-keys every row at the next start.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 2] = ["volunteers", "social_workers"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let collate = if manager.get_database_backend() == DbBackend::Postgres { r#" COLLATE "C""# } else { "" };
        for t in TABLES {
            db.execute_unprepared(&format!("ALTER TABLE {t} ADD COLUMN person_key VARCHAR(64){collate} NULL")).await?;
            // The same expression and predicate on both databases; PostgreSQL wants an
            // expression in its own parentheses, which SQLite accepts too.
            db.execute_unprepared(&format!(
                "CREATE UNIQUE INDEX ux_{t}_person_key ON {t} ((COALESCE(source, '')), person_key) \
                 WHERE person_key IS NOT NULL AND deleted_at IS NULL"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX idx_{t}_person_key ON {t} (person_key) WHERE person_key IS NOT NULL"
            ))
            .await?;
        }
        db.execute_unprepared(
            "CREATE TABLE person_key_state (id INTEGER NOT NULL PRIMARY KEY, fingerprint VARCHAR(64) NOT NULL)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP TABLE person_key_state").await?;
        for t in TABLES {
            db.execute_unprepared(&format!("DROP INDEX idx_{t}_person_key")).await?;
            db.execute_unprepared(&format!("DROP INDEX ux_{t}_person_key")).await?;
            db.execute_unprepared(&format!("ALTER TABLE {t} DROP COLUMN person_key")).await?;
        }
        Ok(())
    }
}
