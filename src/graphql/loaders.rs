//! DataLoaders: every relation is loaded in batches keyed by parent, so a request runs a number
//! of statements bounded by its nesting depth, never by its page sizes.
//!
//! One [`StoreLoader`] per request carries the caller's [`Scope`]; it implements
//! `Loader<K>` for each kind of key, and batches each kind separately.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::case_file;
use entity::client_category::ClientCategoryKind;
use entity::station_assignment;
use sea_orm::{DatabaseConnection, EntityTrait};
use uuid::Uuid;

use crate::store::merge::{Merger, Pool};
use crate::store::relations::{self, Listed, ToMany};
use crate::store::statistics::{Figures, Period};
use crate::store::{Feed, Page, PageRequest, Scope, StoreError};

/// The per-request loader: the database and the caller's scope.
///
/// Lookups by key (rows by primary key, children by parent id, a client's categories…) run
/// on `keyed`, whose PostgreSQL connections may reuse a generic plan; statements over code
/// ranges, change-feed windows and statistics run on `db`, planned per run
/// ([`crate::db::connect_keyed`]). On SQLite both are the same pool.
pub struct StoreLoader {
    pub db: DatabaseConnection,
    pub keyed: DatabaseConnection,
    pub scope: Scope,
    /// Runs the pages and lookups of a level as one statement (over `db` and `keyed`).
    pub merger: Merger,
}

impl StoreLoader {
    /// The pool for a relation's statement ([`relations::pool`]).
    fn pool_for<R: ToMany>(&self, feed: Option<&Feed>) -> &DatabaseConnection {
        match relations::pool::<R>(feed) {
            Pool::Main => &self.db,
            Pool::Keyed => &self.keyed,
        }
    }
}

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<StoreError>>;

/// A page of a relation's children for one parent.
pub struct PageKey<R: ToMany> {
    pub parent: R::Parent,
    pub filter: <R::Child as Listed>::Filter,
    pub order: <R::Child as Listed>::OrderBy,
    /// A change-feed read: its window and order replace `order`.
    pub feed: Option<Feed>,
    pub page: PageRequest,
    /// Count the parent's children in the same statement (the selection asks for
    /// `totalCount`); see [`crate::store::page::fetch_pages_by_parent`].
    pub with_total: bool,
}

/// The number of a relation's children for one parent.
pub struct CountKey<R: ToMany> {
    pub parent: R::Parent,
    pub filter: <R::Child as Listed>::Filter,
    pub feed: Option<Feed>,
}

/// A row of `E` by its key.
pub struct ByKey<E: Listed>(pub E::Key);

// Manual impls: the derives would demand `R: Clone + Hash + Eq` of the marker types.
macro_rules! key_impls {
    ($t:ident<$p:ident: $bound:ident>, $($f:tt),+) => {
        impl<$p: $bound> Clone for $t<$p> {
            fn clone(&self) -> Self {
                Self { $($f: self.$f.clone()),+ }
            }
        }
        impl<$p: $bound> PartialEq for $t<$p> {
            fn eq(&self, o: &Self) -> bool {
                true $(&& self.$f == o.$f)+
            }
        }
        impl<$p: $bound> Eq for $t<$p> {}
        impl<$p: $bound> Hash for $t<$p> {
            fn hash<H: Hasher>(&self, h: &mut H) {
                $(self.$f.hash(h);)+
            }
        }
    };
}
key_impls!(PageKey<R: ToMany>, parent, filter, order, feed, page, with_total);
key_impls!(CountKey<R: ToMany>, parent, filter, feed);
key_impls!(ByKey<E: Listed>, 0);

impl<R: ToMany> Loader<PageKey<R>> for StoreLoader {
    type Value = Page<<R::Child as EntityTrait>::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[PageKey<R>]) -> LoadResult<PageKey<R>, Self::Value> {
        // Siblings normally share their arguments: one statement per distinct (filter, order, page).
        type Group<'k, R> = (
            &'k <<R as ToMany>::Child as Listed>::Filter,
            <<R as ToMany>::Child as Listed>::OrderBy,
            Option<Feed>,
            &'k PageRequest,
            bool,
        );
        let mut groups: HashMap<Group<'_, R>, Vec<R::Parent>> = HashMap::new();
        for k in keys {
            groups.entry((&k.filter, k.order, k.feed, &k.page, k.with_total)).or_default().push(k.parent.clone());
        }
        // Every group submitted before any is awaited: they share the level's statement.
        let (merger, scope) = (&self.merger, &self.scope);
        let loads = groups.into_iter().map(|((filter, order, feed, page, with_total), parents)| async move {
            let pages =
                relations::pages::<R>(merger, scope, &parents, filter, order, feed.as_ref(), page, with_total).await?;
            Ok::<_, StoreError>(((filter, order, feed, page, with_total), parents, pages))
        });
        let mut out = HashMap::with_capacity(keys.len());
        for ((filter, order, feed, page, with_total), parents, mut pages) in
            futures::future::try_join_all(loads).await?
        {
            let counted = crate::store::page::counts_with_page(page, with_total);
            for parent in parents {
                // A parent absent from a counted answer has no children at all.
                let p =
                    pages.remove(&parent).unwrap_or_else(|| Page { total: counted.then_some(0), ..Page::default() });
                let key = PageKey { parent, filter: filter.clone(), order, feed, page: page.clone(), with_total };
                out.insert(key, p);
            }
        }
        Ok(out)
    }
}

impl<R: ToMany> Loader<CountKey<R>> for StoreLoader {
    type Value = u64;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[CountKey<R>]) -> LoadResult<CountKey<R>, u64> {
        type Group<'k, R> = (&'k <<R as ToMany>::Child as Listed>::Filter, Option<Feed>);
        let mut groups: HashMap<Group<'_, R>, Vec<R::Parent>> = HashMap::new();
        for k in keys {
            groups.entry((&k.filter, k.feed)).or_default().push(k.parent.clone());
        }
        let mut out = HashMap::with_capacity(keys.len());
        for ((filter, feed), parents) in groups {
            let counts = relations::counts::<R, _>(
                self.pool_for::<R>(feed.as_ref()),
                &self.scope,
                &parents,
                filter,
                feed.as_ref(),
            )
            .await?;
            for parent in parents {
                let n = counts.get(&parent).copied().unwrap_or(0);
                out.insert(CountKey { parent, filter: filter.clone(), feed }, n);
            }
        }
        Ok(out)
    }
}

impl<E: Listed> Loader<ByKey<E>> for StoreLoader {
    type Value = E::Model;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[ByKey<E>]) -> LoadResult<ByKey<E>, E::Model> {
        let wanted: Vec<E::Key> = keys.iter().map(|k| k.0.clone()).collect();
        let rows = relations::by_keys::<E>(&self.merger, &self.scope, &wanted).await?;
        Ok(rows.into_iter().map(|(k, v)| (ByKey(k), v)).collect())
    }
}

/// Categories of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CategoriesOf(pub Uuid);

impl Loader<CategoriesOf> for StoreLoader {
    type Value = Vec<ClientCategoryKind>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[CategoriesOf]) -> LoadResult<CategoriesOf, Vec<ClientCategoryKind>> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = crate::store::client::categories_by_client(&self.keyed, &ids).await?;
        Ok(found.into_iter().map(|(k, v)| (CategoriesOf(k), v)).collect())
    }
}

/// The case file of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CaseFileOf(pub Uuid);

impl Loader<CaseFileOf> for StoreLoader {
    type Value = case_file::Model;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[CaseFileOf]) -> LoadResult<CaseFileOf, case_file::Model> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = crate::store::client::case_files_by_client(&self.keyed, &ids).await?;
        Ok(found.into_iter().map(|(k, v)| (CaseFileOf(k), v)).collect())
    }
}

/// The station assignments of a social worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AssignmentsOf(pub Uuid);

impl Loader<AssignmentsOf> for StoreLoader {
    type Value = Vec<station_assignment::Model>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[AssignmentsOf]) -> LoadResult<AssignmentsOf, Vec<station_assignment::Model>> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = crate::store::social_worker::assignments_by_worker(&self.keyed, &self.scope, &ids).await?;
        Ok(found.into_iter().map(|(k, v)| (AssignmentsOf(k), v)).collect())
    }
}

/// Service-ledger totals of a volunteer: `(minutes, points)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LedgerTotalsOf(pub Uuid);

impl Loader<LedgerTotalsOf> for StoreLoader {
    type Value = crate::store::volunteer::LedgerTotals;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[LedgerTotalsOf]) -> LoadResult<LedgerTotalsOf, Self::Value> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let found = crate::store::volunteer::ledger_totals(&self.keyed, &ids).await?;
        Ok(found.into_iter().map(|(k, v)| (LedgerTotalsOf(k), v)).collect())
    }
}

/// A group of statistics figures of one subtree (significant code prefix) or record, and
/// period.
pub struct FigureKey<F: Figures> {
    pub key: F::Key,
    pub period: Period,
    _figures: std::marker::PhantomData<fn() -> F>,
}

impl<F: Figures> FigureKey<F> {
    /// The key of `F` for a subtree and period (the period is dropped for stock figures).
    pub fn new(key: F::Key, period: Period) -> Self {
        let period = if F::STOCK { Period::STOCK } else { period };
        FigureKey { key, period, _figures: std::marker::PhantomData }
    }
}

key_impls!(FigureKey<F: Figures>, key, period, _figures);

impl<F: Figures> Loader<FigureKey<F>> for StoreLoader {
    type Value = F::Value;
    type Error = Arc<StoreError>;

    /// One computation per (period, class): the prefixes of a `regionStatistics` over all
    /// counties of a prefecture share one statement, as do the stations of a page.
    async fn load(&self, keys: &[FigureKey<F>]) -> LoadResult<FigureKey<F>, F::Value> {
        let mut groups: HashMap<(Period, usize), Vec<F::Key>> = HashMap::new();
        for k in keys {
            groups.entry((k.period, F::class(&k.key))).or_default().push(k.key.clone());
        }
        let mut out = HashMap::with_capacity(keys.len());
        for ((period, _), batch) in groups {
            let mut found = F::compute(&self.db, &batch, period).await?;
            for key in batch {
                let value = found.remove(&key).unwrap_or_default();
                out.insert(FigureKey::new(key, period), value);
            }
        }
        Ok(out)
    }
}
