//! Service records: filters, orderings and relations whose children are records.

use entity::service_record::{self, ServiceMethod, ServiceType};
use sea_orm::sea_query::Expr;
use sea_orm::{DbBackend, QueryFilter, Select};
use uuid::Uuid;

use super::page::Ordering;
use super::relations::{Listed, Located, Parents, ToMany, by_column};
use super::{DateRange, KeyValue, Sort, one_of, within};
use crate::domain::DivisionCode;

crate::declare!(service_record, "ServiceRecord", scope = service_records, station = station_id);

/// Filter of service-record lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ServiceRecordFilter {
    pub region: Option<DivisionCode>,
    pub service_types: Vec<ServiceType>,
    pub methods: Vec<ServiceMethod>,
    /// Records served in this range of CST dates.
    pub served: DateRange,
}

/// Sort fields of service-record lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ServiceRecordOrderField {
    #[default]
    Id,
    ServedOn,
    CreatedAt,
    UpdatedAt,
}

impl Listed for service_record::Entity {
    type Filter = ServiceRecordFilter;
    type OrderBy = Sort<ServiceRecordOrderField>;

    fn take_region(f: &mut Self::Filter) -> Option<(Self::Column, Option<DivisionCode>)> {
        Some((service_record::Column::RegionCode, f.region.take()))
    }
    fn filter(_backend: DbBackend, select: Select<Self>, f: &ServiceRecordFilter) -> Select<Self> {
        select
            .filter(within(service_record::Column::RegionCode, &f.region))
            .filter(one_of(service_record::Column::ServiceType, &f.service_types))
            .filter(one_of(service_record::Column::Method, &f.methods))
            .filter(f.served.condition(service_record::Column::ServedOn))
    }

    fn ordering(order: Self::OrderBy) -> Ordering<Self> {
        use service_record::Column as C;
        let (name, columns, key): (&'static str, Vec<C>, fn(&service_record::Model) -> Vec<KeyValue>) =
            match order.field {
                ServiceRecordOrderField::Id => ("id", vec![C::Id], |r| vec![KeyValue::Id(r.id)]),
                ServiceRecordOrderField::ServedOn => {
                    ("servedOn", vec![C::ServedOn, C::Id], |r| vec![KeyValue::Date(r.served_on), KeyValue::Id(r.id)])
                }
                ServiceRecordOrderField::CreatedAt => {
                    ("createdAt", vec![C::CreatedAt, C::Id], |r| vec![KeyValue::Time(r.created_at), KeyValue::Id(r.id)])
                }
                ServiceRecordOrderField::UpdatedAt => {
                    ("updatedAt", vec![C::UpdatedAt, C::Id], |r| vec![KeyValue::Time(r.updated_at), KeyValue::Id(r.id)])
                }
            };
        Ordering { name, columns, direction: order.direction, key }
    }
}

impl Located for service_record::Entity {
    fn region_column() -> service_record::Column {
        service_record::Column::RegionCode
    }
}

macro_rules! records_by {
    ($name:ident, $col:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name;
        impl ToMany for $name {
            type Child = service_record::Entity;
            type Parent = Uuid;
            fn restrict(
                select: Select<service_record::Entity>,
                parents: Parents<'_, Uuid>,
            ) -> (Select<service_record::Entity>, Expr) {
                by_column(select, service_record::Column::$col, parents)
            }
        }
    };
}
records_by!(StationRecords, StationId, "Service records of a station.");
records_by!(WorkerRecords, SocialWorkerId, "Service records a social worker delivered.");
records_by!(ClientRecords, ClientId, "Service records of a client.");
records_by!(ProjectRecords, ProjectId, "Service records delivered under a project.");
