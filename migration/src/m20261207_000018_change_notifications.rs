//! Change notifications for GraphQL subscriptions (issue 25): on PostgreSQL, every audit row
//! records the id of the transaction that wrote it (`change_txid`, `xid8`), and every
//! statement that inserts audit rows sends `NOTIFY civlink_changes` with that transaction id
//! (never a record's data), delivered when the transaction commits.
//!
//! Why the transaction id: writes on PostgreSQL commit concurrently, so neither `occurred_at`
//! nor the row id orders audit rows by commit; a reader that had passed a row could see an
//! older one commit behind it. A transaction id below the oldest one still running (the
//! horizon of `civlink::store::changes`) belongs to a transaction that has ended, and every
//! transaction still to write gets a larger one, so the rows below that horizon, ordered by
//! `(change_txid, id)`, never gain a row before a position already read.

//! On SQLite nothing is added: one writer at a time holds the write lock until it commits, so
//! the `rowid` of audit rows already grows in commit order, and subscribers are woken in
//! process.
//!
//! Adding a column with a volatile default rewrites `audit_log` once (the existing rows all
//! get the migration's transaction id); run it when no roster sync is due.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "ALTER TABLE audit_log ADD COLUMN change_txid xid8 NOT NULL DEFAULT pg_current_xact_id()",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX idx_audit_log_change_txid ON audit_log (change_txid, id)").await?;
        // One notification per statement, not per row: a sync of 10,000 volunteers writes its
        // audit rows in a few multi-row inserts, and PostgreSQL folds equal payloads of one
        // transaction into one notification anyway.
        db.execute_unprepared(
            "CREATE FUNCTION civlink_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               PERFORM pg_notify('civlink_changes', pg_current_xact_id()::text);
               RETURN NULL;
             END $$",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER audit_log_notify_changes AFTER INSERT ON audit_log
             FOR EACH STATEMENT EXECUTE FUNCTION civlink_notify_changes()",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP TRIGGER IF EXISTS audit_log_notify_changes ON audit_log").await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS civlink_notify_changes()").await?;
        db.execute_unprepared("DROP INDEX IF EXISTS idx_audit_log_change_txid").await?;
        db.execute_unprepared("ALTER TABLE audit_log DROP COLUMN IF EXISTS change_txid").await?;
        Ok(())
    }
}
