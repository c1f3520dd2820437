//! A five-society participant of a project (五社联动): exactly one of a community (region),
//! an organisation, a social worker, a volunteer, a volunteer team or a charity resource,
//! named by `party` and held in the matching column (a CHECK constraint enforces it).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_participants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub party: Party,
    pub region_code: Option<String>,
    pub organization_id: Option<Uuid>,
    pub social_worker_id: Option<Uuid>,
    pub volunteer_id: Option<Uuid>,
    pub volunteer_team_id: Option<Uuid>,
    pub charity_resource_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
}

/// Which of the five societies a participant stands for (volunteers may join singly or as teams).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Party {
    #[sea_orm(string_value = "COMMUNITY")]
    Community,
    #[sea_orm(string_value = "ORGANIZATION")]
    Organization,
    #[sea_orm(string_value = "SOCIAL_WORKER")]
    SocialWorker,
    #[sea_orm(string_value = "VOLUNTEER")]
    Volunteer,
    #[sea_orm(string_value = "VOLUNTEER_TEAM")]
    VolunteerTeam,
    #[sea_orm(string_value = "CHARITY_RESOURCE")]
    CharityResource,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::project::Entity", from = "Column::ProjectId", to = "super::project::Column::Id")]
    Project,
}

impl Model {
    /// A live participant row `id` (version 1, created at `now`) of project `project_id` for
    /// `party`: a community stands for division `region_code`, every other party for its
    /// row `member`, held in that party's column.
    pub fn new(
        id: Uuid,
        project_id: Uuid,
        party: Party,
        region_code: Option<String>,
        member: Option<Uuid>,
        now: DateTimeUtc,
    ) -> Self {
        let mut row = Model {
            id,
            project_id,
            party,
            region_code: None,
            organization_id: None,
            social_worker_id: None,
            volunteer_id: None,
            volunteer_team_id: None,
            charity_resource_id: None,
            created_at: now,
            updated_at: now,
            version: 1,
            deleted_at: None,
        };
        match party {
            Party::Community => row.region_code = region_code,
            Party::Organization => row.organization_id = member,
            Party::SocialWorker => row.social_worker_id = member,
            Party::Volunteer => row.volunteer_id = member,
            Party::VolunteerTeam => row.volunteer_team_id = member,
            Party::CharityResource => row.charity_resource_id = member,
        }
        row
    }
}

impl ActiveModelBehavior for ActiveModel {}
