//! What an identity may read, as SQL conditions: the role × entity permission table of
//! civlink, written once. Every store query takes a [`Scope`]; lists, `totalCount`, lookups by
//! id, nested relations and aggregates all apply the same condition, so a row outside scope
//! is indistinguishable from a row that does not exist.
//!
//! | entity | PUBLIC | PORTAL | CIVIL_AFFAIRS | STATION_STAFF | SYNC_CLIENT | ADMIN |
//! |---|---|---|---|---|---|---|
//! | region | all | all | all | all | all | all |
//! | station | counts | all | subtree | own station and its child stations | – | all |
//! | organization | – | all | subtree | the station's operator | own source | all |
//! | social worker | counts | all | subtree | assigned to the station | own source | all |
//! | volunteer | counts | all | subtree | members of the station's teams | own source | all |
//! | volunteer team | – | all | subtree | the station's teams | own source | all |
//! | client | – | – | subtree | served by the station | – | all |
//! | project | – | all | subtree | run by the station | – | all |
//! | service record | – | – | subtree | delivered by the station | – | all |
//! | charity resource | – | all | subtree | received by the station | – | all |
//! | training | – | all | subtree | organised by the station | – | all |
//! | deliberation meeting | – | all | subtree | held by the station | – | all |
//! | award | – | all | subtree | of the workers, volunteers and organisation it sees | – | all |
//!
//! "counts": the rows count in `totalCount` and aggregates, but are never returned.
//! Division rows are public statistical facts and visible to all.

use entity::{
    award, charity_resource, client, deliberation_meeting, organization, project, project_station, service_record,
    social_worker, station, station_assignment, training, volunteer, volunteer_team, volunteer_team_membership,
};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use crate::domain::DivisionCode;
use crate::domain::disclosure::StatisticsAccess;

/// The rows a caller may read; see the module table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// ADMIN: every row.
    All,
    /// PUBLIC (no token): stations, workers and volunteers count in aggregates; no row is
    /// ever returned.
    CountsOnly,
    /// PORTAL: public-facing records anywhere; no clients, service records or charity.
    Portal,
    /// CIVIL_AFFAIRS: everything located in this division's subtree.
    Region(DivisionCode),
    /// STATION_STAFF: one station, its clients, records and people.
    Station(Uuid),
    /// SYNC_CLIENT: the rosters (workers, volunteers, teams, organisations) of one source.
    Source(String),
}

/// Which rows a caller may create, change or delete; see [`Scope::write_limit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteLimit {
    /// ADMIN.
    Anywhere,
    /// CIVIL_AFFAIRS: rows located in this division's subtree.
    Region(DivisionCode),
    /// STATION_STAFF: rows bound to this station; their division must also lie in the
    /// station's area (checked where the station is read, in `mutate::placed`).
    Station(Uuid),
}

impl WriteLimit {
    /// Whether a row located in `region` (a 12-digit code) and bound to `station` may be
    /// written.
    pub fn admits(&self, region: &str, station: Option<Uuid>) -> bool {
        match self {
            WriteLimit::Anywhere => true,
            WriteLimit::Region(code) => region.starts_with(code.significant()),
            WriteLimit::Station(own) => station == Some(*own),
        }
    }
}

impl Default for Scope {
    fn default() -> Self {
        Scope::All
    }
}

fn none() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

fn within(column: impl ColumnTrait, code: &DivisionCode) -> Condition {
    let (lo, hi) = code.subtree_bounds();
    Condition::all().add(column.between(lo, hi))
}

impl Scope {
    /// Every row.
    pub fn all() -> Self {
        Scope::All
    }

    /// What the caller sees of the statistics of `region`: everything when it may read every
    /// record located there (ADMIN; CIVIL_AFFAIRS of the region or one above it), else the
    /// published figures with small cells withheld (see [`crate::domain::disclosure`]).
    pub fn statistics_access(&self, region: &DivisionCode) -> StatisticsAccess {
        match self {
            Scope::All => StatisticsAccess::Full,
            Scope::Region(own) if own.contains(region) => StatisticsAccess::Full,
            _ => StatisticsAccess::Published,
        }
    }

    /// What the caller sees of figures computed from the records of one row located in
    /// `region` (a 12-digit code): as [`Self::statistics_access`], and everything for the
    /// staff of `station` when the row is that station.
    pub fn record_statistics_access(&self, region: &str, station: Option<Uuid>) -> StatisticsAccess {
        match (self, DivisionCode::parse(region)) {
            (Scope::Station(own), _) if Some(*own) == station => StatisticsAccess::Full,
            (_, Ok(code)) => self.statistics_access(&code),
            (_, Err(_)) => StatisticsAccess::Published,
        }
    }

    /// Whether the caller may sync rosters of `source`, and the division its records must
    /// lie in (`None`: anywhere). ADMIN: any source; SYNC_CLIENT: its own source only;
    /// CIVIL_AFFAIRS: any source, records in its region. Errors: why not (for `FORBIDDEN`).
    pub fn sync_region(&self, source: &str) -> Result<Option<DivisionCode>, &'static str> {
        match self {
            Scope::All => Ok(None),
            Scope::Source(own) if own == source => Ok(None),
            Scope::Source(_) => Err("a SYNC_CLIENT token may write only the source named in its `source` claim"),
            Scope::Region(code) => Ok(Some(code.clone())),
            Scope::CountsOnly | Scope::Portal | Scope::Station(_) => {
                Err("roster sync needs an ADMIN, SYNC_CLIENT or CIVIL_AFFAIRS token")
            }
        }
    }

    /// Where the caller may write single records (the create/update/delete mutations):
    /// ADMIN anywhere; CIVIL_AFFAIRS rows located in its division's subtree; STATION_STAFF
    /// only rows bound to its own station (`station_bound`: clients, their categories and
    /// case files, service records, charity resources). Rosters synced by other systems are
    /// written by SYNC_CLIENT through the sync mutations, not these. Errors: why not (for
    /// `FORBIDDEN`).
    pub fn write_limit(&self, station_bound: bool) -> Result<WriteLimit, &'static str> {
        match self {
            Scope::All => Ok(WriteLimit::Anywhere),
            Scope::Region(code) => Ok(WriteLimit::Region(code.clone())),
            Scope::Station(id) if station_bound => Ok(WriteLimit::Station(*id)),
            Scope::Station(_) => Err("STATION_STAFF may write only its own station's clients and records"),
            Scope::Source(_) => Err("a SYNC_CLIENT token writes rosters through the sync mutations only"),
            Scope::CountsOnly | Scope::Portal => Err("writing needs an ADMIN, CIVIL_AFFAIRS or STATION_STAFF token"),
        }
    }

    /// The division whose subtree the caller is confined to (CIVIL_AFFAIRS), if any.
    pub fn region(&self) -> Option<&DivisionCode> {
        match self {
            Scope::Region(code) => Some(code),
            _ => None,
        }
    }

    /// Whether rows may be returned at all (false for PUBLIC, which sees only counts).
    pub fn returns_rows(&self) -> bool {
        *self != Scope::CountsOnly
    }

    pub fn stations(&self) -> Condition {
        match self {
            Scope::All | Scope::CountsOnly | Scope::Portal => Condition::all(),
            Scope::Region(code) => within(station::Column::RegionCode, code),
            Scope::Station(id) => {
                Condition::any().add(station::Column::Id.eq(*id)).add(station::Column::ParentStationId.eq(*id))
            }
            Scope::Source(_) => none(),
        }
    }

    pub fn organizations(&self) -> Condition {
        match self {
            Scope::All | Scope::Portal => Condition::all(),
            Scope::Region(code) => within(organization::Column::RegionCode, code),
            Scope::Station(id) => {
                let operator = Query::select()
                    .column(station::Column::OperatorId)
                    .from(station::Entity)
                    .and_where(station::Column::Id.eq(*id))
                    .to_owned();
                Condition::all().add(organization::Column::Id.in_subquery(operator))
            }
            Scope::Source(source) => Condition::all().add(organization::Column::Source.eq(source.as_str())),
            Scope::CountsOnly => none(),
        }
    }

    pub fn social_workers(&self) -> Condition {
        match self {
            Scope::All | Scope::CountsOnly | Scope::Portal => Condition::all(),
            Scope::Region(code) => within(social_worker::Column::RegionCode, code),
            Scope::Station(id) => {
                let assigned = Query::select()
                    .column(station_assignment::Column::SocialWorkerId)
                    .from(station_assignment::Entity)
                    .and_where(station_assignment::Column::StationId.eq(*id))
                    .and_where(station_assignment::Column::DeletedAt.is_null())
                    .to_owned();
                Condition::all().add(social_worker::Column::Id.in_subquery(assigned))
            }
            Scope::Source(source) => Condition::all().add(social_worker::Column::Source.eq(source.as_str())),
        }
    }

    pub fn volunteers(&self) -> Condition {
        match self {
            Scope::All | Scope::CountsOnly | Scope::Portal => Condition::all(),
            Scope::Region(code) => within(volunteer::Column::RegionCode, code),
            Scope::Station(id) => {
                let teams = Query::select()
                    .column(volunteer_team::Column::Id)
                    .from(volunteer_team::Entity)
                    .and_where(volunteer_team::Column::StationId.eq(*id))
                    .to_owned();
                let members = Query::select()
                    .column(volunteer_team_membership::Column::VolunteerId)
                    .from(volunteer_team_membership::Entity)
                    .and_where(volunteer_team_membership::Column::VolunteerTeamId.in_subquery(teams))
                    .and_where(volunteer_team_membership::Column::DeletedAt.is_null())
                    .to_owned();
                Condition::all().add(volunteer::Column::Id.in_subquery(members))
            }
            Scope::Source(source) => Condition::all().add(volunteer::Column::Source.eq(source.as_str())),
        }
    }

    pub fn volunteer_teams(&self) -> Condition {
        match self {
            Scope::All | Scope::Portal => Condition::all(),
            Scope::Region(code) => within(volunteer_team::Column::RegionCode, code),
            Scope::Station(id) => Condition::all().add(volunteer_team::Column::StationId.eq(*id)),
            Scope::Source(source) => Condition::all().add(volunteer_team::Column::Source.eq(source.as_str())),
            Scope::CountsOnly => none(),
        }
    }

    pub fn clients(&self) -> Condition {
        match self {
            Scope::All => Condition::all(),
            Scope::Region(code) => within(client::Column::RegionCode, code),
            Scope::Station(id) => Condition::all().add(client::Column::StationId.eq(*id)),
            Scope::CountsOnly | Scope::Portal | Scope::Source(_) => none(),
        }
    }

    pub fn projects(&self) -> Condition {
        match self {
            Scope::All | Scope::Portal => Condition::all(),
            Scope::Region(code) => within(project::Column::RegionCode, code),
            Scope::Station(id) => {
                let run = Query::select()
                    .column(project_station::Column::ProjectId)
                    .from(project_station::Entity)
                    .and_where(project_station::Column::StationId.eq(*id))
                    .and_where(project_station::Column::DeletedAt.is_null())
                    .to_owned();
                Condition::all().add(project::Column::Id.in_subquery(run))
            }
            Scope::CountsOnly | Scope::Source(_) => none(),
        }
    }

    pub fn service_records(&self) -> Condition {
        match self {
            Scope::All => Condition::all(),
            Scope::Region(code) => within(service_record::Column::RegionCode, code),
            Scope::Station(id) => Condition::all().add(service_record::Column::StationId.eq(*id)),
            Scope::CountsOnly | Scope::Portal | Scope::Source(_) => none(),
        }
    }

    pub fn charity_resources(&self) -> Condition {
        match self {
            Scope::All | Scope::Portal => Condition::all(),
            Scope::Region(code) => within(charity_resource::Column::RegionCode, code),
            Scope::Station(id) => Condition::all().add(charity_resource::Column::StationId.eq(*id)),
            Scope::CountsOnly | Scope::Source(_) => none(),
        }
    }

    /// Trainings: public activities (PORTAL reads them all), a station's staff those it organised.
    pub fn trainings(&self) -> Condition {
        match self {
            Scope::All | Scope::Portal => Condition::all(),
            Scope::Region(code) => within(training::Column::RegionCode, code),
            Scope::Station(id) => Condition::all().add(training::Column::StationId.eq(*id)),
            Scope::CountsOnly | Scope::Source(_) => none(),
        }
    }

    /// Deliberation meetings: as trainings; a station's staff those it held.
    pub fn deliberation_meetings(&self) -> Condition {
        match self {
            Scope::All | Scope::Portal => Condition::all(),
            Scope::Region(code) => within(deliberation_meeting::Column::RegionCode, code),
            Scope::Station(id) => Condition::all().add(deliberation_meeting::Column::StationId.eq(*id)),
            Scope::CountsOnly | Scope::Source(_) => none(),
        }
    }

    /// Awards: honours are published by name (PORTAL reads them all); a station's staff reads
    /// the awards of the workers, volunteers and organisation it may read.
    pub fn awards(&self) -> Condition {
        match self {
            Scope::All | Scope::Portal => Condition::all(),
            Scope::Region(code) => within(award::Column::RegionCode, code),
            Scope::Station(_) => {
                let workers = Query::select()
                    .column(social_worker::Column::Id)
                    .from(social_worker::Entity)
                    .cond_where(self.social_workers())
                    .to_owned();
                let volunteers = Query::select()
                    .column(volunteer::Column::Id)
                    .from(volunteer::Entity)
                    .cond_where(self.volunteers())
                    .to_owned();
                let organizations = Query::select()
                    .column(organization::Column::Id)
                    .from(organization::Entity)
                    .cond_where(self.organizations())
                    .to_owned();
                Condition::any()
                    .add(award::Column::SocialWorkerId.in_subquery(workers))
                    .add(award::Column::VolunteerId.in_subquery(volunteers))
                    .add(award::Column::OrganizationId.in_subquery(organizations))
            }
            Scope::CountsOnly | Scope::Source(_) => none(),
        }
    }
}
