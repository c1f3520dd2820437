//! Clients (服务对象): filters, orderings, relations; categories and case files.
//!
//! Client rows are sensitive personal information: this module returns them whole, and the
//! API layer masks every identity field before it leaves the process.

use std::collections::HashMap;

use entity::case_file::{self, CaseStage};
use entity::client;
use entity::client_category::{self, ClientCategoryKind};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use super::page::Ordering;
use super::relations::{Listed, Located, Parents, ToMany, by_column};
use super::{KeyValue, Sort, StoreError, within};
use crate::domain::DivisionCode;

crate::declare!(client, "Client", scope = clients, station = station_id, sourced, named);

/// Filter of client lists. There is no name search: clients are found by place, category and
/// case stage, never by a personal attribute.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ClientFilter {
    pub region: Option<DivisionCode>,
    /// Clients in at least one of these categories.
    pub categories: Vec<ClientCategoryKind>,
    /// Clients whose case file is at one of these stages.
    pub stages: Vec<CaseStage>,
    pub deep_case: Option<bool>,
}

/// Sort fields of client lists (no name ordering: names are masked).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ClientOrderField {
    #[default]
    Id,
    CreatedAt,
    UpdatedAt,
}

impl Listed for client::Entity {
    type Filter = ClientFilter;
    type OrderBy = Sort<ClientOrderField>;

    fn take_region(f: &mut Self::Filter) -> Option<(Self::Column, Option<DivisionCode>)> {
        Some((client::Column::RegionCode, f.region.take()))
    }
    fn filter(_backend: DbBackend, select: Select<Self>, f: &ClientFilter) -> Select<Self> {
        let mut s = select.filter(within(client::Column::RegionCode, &f.region));
        if !f.categories.is_empty() {
            let with_category = Query::select()
                .column(client_category::Column::ClientId)
                .from(client_category::Entity)
                .and_where(client_category::Column::DeletedAt.is_null())
                .and_where(client_category::Column::Category.is_in(f.categories.iter().copied()))
                .to_owned();
            s = s.filter(client::Column::Id.in_subquery(with_category));
        }
        if !f.stages.is_empty() || f.deep_case.is_some() {
            let mut files = Query::select();
            files
                .column(case_file::Column::ClientId)
                .from(case_file::Entity)
                .and_where(case_file::Column::DeletedAt.is_null());
            if !f.stages.is_empty() {
                files.and_where(case_file::Column::Stage.is_in(f.stages.iter().copied()));
            }
            if let Some(deep) = f.deep_case {
                files.and_where(case_file::Column::IsDeepCase.eq(deep));
            }
            s = s.filter(client::Column::Id.in_subquery(files.to_owned()));
        }
        s
    }

    fn ordering(order: Self::OrderBy) -> Ordering<Self> {
        let (name, columns, key): (&'static str, Vec<client::Column>, fn(&client::Model) -> Vec<KeyValue>) = match order
            .field
        {
            ClientOrderField::Id => ("id", vec![client::Column::Id], |r| vec![KeyValue::Id(r.id)]),
            ClientOrderField::CreatedAt => ("createdAt", vec![client::Column::CreatedAt, client::Column::Id], |r| {
                vec![KeyValue::Time(r.created_at), KeyValue::Id(r.id)]
            }),
            ClientOrderField::UpdatedAt => ("updatedAt", vec![client::Column::UpdatedAt, client::Column::Id], |r| {
                vec![KeyValue::Time(r.updated_at), KeyValue::Id(r.id)]
            }),
        };
        Ordering { name, columns, direction: order.direction, key }
    }
}

impl Located for client::Entity {
    fn region_column() -> client::Column {
        client::Column::RegionCode
    }
}

/// Clients a station serves.
pub struct StationClients;

impl ToMany for StationClients {
    type Child = client::Entity;
    type Parent = Uuid;
    fn restrict(select: Select<client::Entity>, parents: Parents<'_, Uuid>) -> (Select<client::Entity>, Expr) {
        by_column(select, client::Column::StationId, parents)
    }
}

/// Categories of each client, in enum order.
pub async fn categories_by_client<C: ConnectionTrait>(
    db: &C,
    clients: &[Uuid],
) -> Result<HashMap<Uuid, Vec<ClientCategoryKind>>, StoreError> {
    let rows = client_category::Entity::find()
        .filter(client_category::Column::DeletedAt.is_null())
        .filter(client_category::Column::ClientId.is_in(clients.iter().copied()))
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<ClientCategoryKind>> = HashMap::new();
    for r in rows {
        out.entry(r.client_id).or_default().push(r.category);
    }
    // Enum order, not the text order SQL would give.
    out.values_mut().for_each(|c| c.sort_by_key(|k| *k as u8));
    Ok(out)
}

/// The case file (一人一档) of each client that has one.
pub async fn case_files_by_client<C: ConnectionTrait>(
    db: &C,
    clients: &[Uuid],
) -> Result<HashMap<Uuid, case_file::Model>, StoreError> {
    let rows = case_file::Entity::find()
        .filter(case_file::Column::DeletedAt.is_null())
        .filter(case_file::Column::ClientId.is_in(clients.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.client_id, r)).collect())
}
