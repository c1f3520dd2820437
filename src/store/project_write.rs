//! Writing one project: `createProject`, `updateProject`, its stations and its five-society
//! participants (changes of the project: its version is checked and bumped). Delete is the
//! generic [`mutate::delete`].

use entity::project;
use sea_orm::Condition;

use super::Scope;
use super::mutate::Writable;
use super::write::{Field, enum_field, field};
use crate::domain::Yuan;

impl Writable for project::Entity {
    type Entity = project::Entity;
    type Model = project::Model;
    const TYPE: &'static str = "Project";
    crate::writable_columns!(project);

    fn fields(m: &project::Model) -> Vec<Field> {
        vec![
            field("name", Some(&m.name)),
            enum_field("fundingMode", &m.funding_mode),
            enum_field("status", &m.status),
            field("budget", Some(Yuan::from_fen(m.budget_fen))),
            field("fundsRaised", Some(Yuan::from_fen(m.funds_raised_fen))),
            field("startsOn", Some(m.starts_on)),
            field("endsOn", m.ends_on),
            field("regionCode", Some(&m.region_code)),
        ]
    }
    fn readable(scope: &Scope) -> Condition {
        scope.projects()
    }
}
