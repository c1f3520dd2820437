//! What an entity is, said once (issue 22, step 1 of `docs/design/read-path.md`).
//!
//! Each table with record keeping is declared by one [`declare!`](crate::declare) call beside
//! its store module. The declaration is split into traits by what a table has, so that code
//! needing a part can only be used with tables that have it (the compiler checks it, not a
//! test):
//!
//! - [`Declared`]: the API type, the UUID key and the record keeping (`created_at`,
//!   `updated_at`, `version`, `deleted_at`); every declared table.
//! - [`Scoped`]: the region column, what a [`Scope`] may read and the station a row is bound
//!   to; tables that are listed or written.
//! - [`Sourced`]: the owning system and the row's id there (`source`, `external_id`); tables
//!   synced from other systems.
//! - [`Named`]: the `name` column; tables with the `NAME` ordering ([`record_ordering`]).
//!
//! Listing ([`super::relations::Keyed`]), writes ([`super::mutate::Writable`]), sync
//! ([`super::sync::Roster`]), the record-keeping field of every object
//! (`graphql::common::RecordInfo`) and the common orderings are functions of it.
//!
//! Not yet declared here (later steps of the issue): per column its API name, value kind,
//! mask and audit name (the audited field lists `fields()` are still written by hand), the
//! relations, and the entity's row of the permission table.

use chrono::{DateTime, Utc};
use sea_orm::{Condition, EntityTrait};
use uuid::Uuid;

use super::page::Ordering;
use super::{Direction, KeyValue, RecordOrderField, Scope, Sort};

/// The record keeping of a row, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recording {
    /// When the row was inserted (UTC).
    pub created_at: DateTime<Utc>,
    /// When the row was last written (UTC); equal to `created_at` until then.
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version: 1 on insert, one more on every write.
    pub version: i32,
    /// When the row was soft-deleted (UTC); `None` for live rows.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A table keyed by `id: Uuid` (UUIDv7, so key order is creation order) with record keeping.
/// Implemented by [`declare!`](crate::declare) only.
pub trait Declared: EntityTrait {
    /// The GraphQL type of a row: named in the audit log (`audit_entry.entity`) and in
    /// messages (`NOT_FOUND`).
    const TYPE: &'static str;

    fn id_column() -> Self::Column;
    fn created_column() -> Self::Column;
    fn updated_column() -> Self::Column;
    fn version_column() -> Self::Column;
    fn deleted_column() -> Self::Column;

    fn id(m: &Self::Model) -> Uuid;
    fn recording(m: &Self::Model) -> Recording;
    /// Sets `version` and `updated_at` of a row about to be written.
    fn stamp(m: &mut Self::Model, version: i32, now: DateTime<Utc>);

    /// `version` of a row.
    fn version(m: &Self::Model) -> i32 {
        Self::recording(m).version
    }
    /// Whether a row is soft-deleted.
    fn deleted(m: &Self::Model) -> bool {
        Self::recording(m).deleted_at.is_some()
    }

    /// The change-feed order `(updated_at, id)`, ascending; a cursor is those two values.
    fn feed_ordering() -> Ordering<Self> {
        Ordering {
            name: "changes",
            columns: vec![Self::updated_column(), Self::id_column()],
            direction: Direction::Asc,
            key: |r| vec![KeyValue::Time(Self::recording(r).updated_at), KeyValue::Id(Self::id(r))],
        }
    }
}

/// Where a row is and who may read it.
pub trait Scoped: Declared {
    /// The 12-digit division code of the row's region.
    fn region_column() -> Self::Column;
    fn region(m: &Self::Model) -> &str;
    /// What `scope` may read of the table (the table's `Scope` condition,
    /// `store::scope`); soft-deleted rows are not excluded by it.
    fn readable(scope: &Scope) -> Condition;
    /// The station a row is bound to, for STATION_STAFF's write limit (`mutate::Limit`);
    /// `None` for tables whose rows are bound to no station.
    fn station(_m: &Self::Model) -> Option<Uuid> {
        None
    }
}

/// A table whose rows may be owned by another system (sync, imports).
pub trait Sourced: Declared {
    /// The owning system's name (`NULL`: written through this API).
    fn source_column() -> Self::Column;
    /// The row's id in the owning system, unique per source among live rows.
    fn external_id_column() -> Self::Column;
    fn external_id(m: &Self::Model) -> Option<&str>;
}

/// A table with a `name` column, ordered by it with `RecordOrderField::Name`.
pub trait Named: Declared {
    fn name_column() -> Self::Column;
    fn name(m: &Self::Model) -> &str;
}

/// The ordering of a [`RecordOrderField`]: by the field, then by `id` so that the order is
/// total (keyset cursors need that); `ID` alone is creation order.
pub fn record_ordering<E: Named>(sort: Sort<RecordOrderField>) -> Ordering<E> {
    let (name, columns, key): (&'static str, Vec<E::Column>, fn(&E::Model) -> Vec<KeyValue>) = match sort.field {
        RecordOrderField::Id => ("id", vec![E::id_column()], |r| vec![KeyValue::Id(E::id(r))]),
        RecordOrderField::Name => ("name", vec![E::name_column(), E::id_column()], |r| {
            vec![KeyValue::Text(E::name(r).to_owned()), KeyValue::Id(E::id(r))]
        }),
        RecordOrderField::CreatedAt => ("createdAt", vec![E::created_column(), E::id_column()], |r| {
            vec![KeyValue::Time(E::recording(r).created_at), KeyValue::Id(E::id(r))]
        }),
        RecordOrderField::UpdatedAt => ("updatedAt", vec![E::updated_column(), E::id_column()], |r| {
            vec![KeyValue::Time(E::recording(r).updated_at), KeyValue::Id(E::id(r))]
        }),
    };
    Ordering { name, columns, direction: sort.direction, key }
}

/// Declares entity module `entity::$m` (a SeaORM entity) as a table of API type
/// `$type`, implementing [`Declared`] and, per clause given, [`Scoped`], [`Sourced`] and
/// [`Named`]. The record-keeping columns are the ones every migration gives such a table
/// (`id`, `created_at`, `updated_at`, `version`, `deleted_at`).
///
/// ```ignore
/// crate::declare!(client, "Client",
///     scope = clients,          // Scoped: `Scope::clients`, region in `region_code`
///     station = station_id,     // ... rows bound to `station_id` (`Uuid` or `Option<Uuid>`)
///     sourced,                  // Sourced: `source`, `external_id`
///     named,                    // Named: `name`
/// );
/// ```
///
/// `scope = public` declares a table every scope reads whole.
#[macro_export]
macro_rules! declare {
    // `$(@$sourced:tt)?` and `$(@$named:tt)?` are never written: they give the bare clauses a
    // variable, without which macro_rules cannot repeat their output.
    ($m:ident, $type:literal $(, scope = $scope:ident $(, station = $station:ident)?)? $(, sourced $(@$sourced:tt)?)? $(, named $(@$named:tt)?)? $(,)?) => {
        const _: () = {
            use entity::$m as m;
            impl $crate::store::declare::Declared for m::Entity {
                const TYPE: &'static str = $type;
                fn id_column() -> m::Column {
                    m::Column::Id
                }
                fn created_column() -> m::Column {
                    m::Column::CreatedAt
                }
                fn updated_column() -> m::Column {
                    m::Column::UpdatedAt
                }
                fn version_column() -> m::Column {
                    m::Column::Version
                }
                fn deleted_column() -> m::Column {
                    m::Column::DeletedAt
                }
                fn id(r: &m::Model) -> uuid::Uuid {
                    r.id
                }
                fn recording(r: &m::Model) -> $crate::store::declare::Recording {
                    $crate::store::declare::Recording {
                        created_at: r.created_at,
                        updated_at: r.updated_at,
                        version: r.version,
                        deleted_at: r.deleted_at,
                    }
                }
                fn stamp(r: &mut m::Model, version: i32, now: chrono::DateTime<chrono::Utc>) {
                    r.version = version;
                    r.updated_at = now;
                }
            }
            $(
                impl $crate::store::declare::Scoped for m::Entity {
                    fn region_column() -> m::Column {
                        m::Column::RegionCode
                    }
                    fn region(r: &m::Model) -> &str {
                        &r.region_code
                    }
                    fn readable(scope: &$crate::store::Scope) -> sea_orm::Condition {
                        $crate::declare!(@readable scope, $scope)
                    }
                    $(
                        fn station(r: &m::Model) -> Option<uuid::Uuid> {
                            // `Uuid` for tables where every row is bound, `Option<Uuid>` otherwise.
                            r.$station.into()
                        }
                    )?
                }
            )?
            $(
                impl $crate::store::declare::Sourced for m::Entity {
                    fn source_column() -> m::Column {
                        m::Column::Source
                    }
                    fn external_id_column() -> m::Column {
                        m::Column::ExternalId
                    }
                    fn external_id(r: &m::Model) -> Option<&str> {
                        $(stringify!($sourced);)?
                        r.external_id.as_deref()
                    }
                }
            )?
            $(
                impl $crate::store::declare::Named for m::Entity {
                    fn name_column() -> m::Column {
                        m::Column::Name
                    }
                    fn name(r: &m::Model) -> &str {
                        $(stringify!($named);)?
                        &r.name
                    }
                }
            )?
        };
    };
    (@readable $s:ident, public) => {{
        let _ = $s;
        sea_orm::Condition::all()
    }};
    (@readable $s:ident, $scope:ident) => {
        $s.$scope()
    };
}
