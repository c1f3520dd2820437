//! The Relay `Node` interface and the `node` / `nodes` root fields.

use async_graphql::{Context, ID, Interface, Object};

use super::award::Award;
use super::charity_resource::CharityResource;
use super::client::Client;
use super::connection::by_key;
use super::deliberation::DeliberationMeeting;
use super::error::{ApiError, ApiResult};
use super::export::Export;
use super::id::{GlobalId, NodeType};
use super::import_job::ImportJob;
use super::organization::Organization;
use super::project::Project;
use super::region::Region;
use super::service_record::ServiceRecord;
use super::social_worker::SocialWorker;
use super::station::Station;
use super::training::Training;
use super::volunteer::Volunteer;
use super::volunteer_team::VolunteerTeam;

/// An object with a global id, refetchable through `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    Region(Region),
    Station(Station),
    Organization(Organization),
    SocialWorker(SocialWorker),
    Volunteer(Volunteer),
    VolunteerTeam(VolunteerTeam),
    Client(Client),
    Project(Project),
    ServiceRecord(ServiceRecord),
    CharityResource(CharityResource),
    Training(Training),
    DeliberationMeeting(DeliberationMeeting),
    Award(Award),
    Export(Export),
    ImportJob(ImportJob),
}

pub(crate) async fn load(ctx: &Context<'_>, id: &GlobalId) -> ApiResult<Option<Node>> {
    Ok(match id.node_type {
        NodeType::Region => {
            // Region keys are canonical 12-digit codes; anything else was not issued here.
            let code = crate::domain::DivisionCode::parse(&id.key)
                .ok()
                .filter(|c| c.as_str() == id.key)
                .ok_or_else(|| ApiError::InvalidId("malformed global id".into()))?;
            super::compiled::prefetch::<entity::region::Entity>(ctx, code.as_str().to_owned()).await?;
            by_key::<entity::region::Entity, Region>(ctx, Some(code.as_str().to_owned())).await?.map(Node::Region)
        }
        NodeType::Station => {
            super::compiled::prefetch::<entity::station::Entity>(ctx, id.uuid()?).await?;
            by_key::<entity::station::Entity, Station>(ctx, Some(id.uuid()?)).await?.map(Node::Station)
        }
        NodeType::Organization => {
            by_key::<entity::organization::Entity, Organization>(ctx, Some(id.uuid()?)).await?.map(Node::Organization)
        }
        NodeType::SocialWorker => {
            by_key::<entity::social_worker::Entity, SocialWorker>(ctx, Some(id.uuid()?)).await?.map(Node::SocialWorker)
        }
        NodeType::Volunteer => {
            by_key::<entity::volunteer::Entity, Volunteer>(ctx, Some(id.uuid()?)).await?.map(Node::Volunteer)
        }
        NodeType::VolunteerTeam => by_key::<entity::volunteer_team::Entity, VolunteerTeam>(ctx, Some(id.uuid()?))
            .await?
            .map(Node::VolunteerTeam),
        NodeType::Client => by_key::<entity::client::Entity, Client>(ctx, Some(id.uuid()?)).await?.map(Node::Client),
        NodeType::Project => {
            by_key::<entity::project::Entity, Project>(ctx, Some(id.uuid()?)).await?.map(Node::Project)
        }
        NodeType::ServiceRecord => by_key::<entity::service_record::Entity, ServiceRecord>(ctx, Some(id.uuid()?))
            .await?
            .map(Node::ServiceRecord),
        NodeType::CharityResource => by_key::<entity::charity_resource::Entity, CharityResource>(ctx, Some(id.uuid()?))
            .await?
            .map(Node::CharityResource),
        NodeType::Training => {
            by_key::<entity::training::Entity, Training>(ctx, Some(id.uuid()?)).await?.map(Node::Training)
        }
        NodeType::DeliberationMeeting => {
            by_key::<entity::deliberation_meeting::Entity, DeliberationMeeting>(ctx, Some(id.uuid()?))
                .await?
                .map(Node::DeliberationMeeting)
        }
        NodeType::Award => by_key::<entity::award::Entity, Award>(ctx, Some(id.uuid()?)).await?.map(Node::Award),
        NodeType::Export => super::export::load(ctx, id.uuid()?).await?.map(Node::Export),
        NodeType::ImportJob => super::import_job::load(ctx, id.uuid()?).await?.map(Node::ImportJob),
    })
}

/// Largest number of ids `nodes` accepts.
pub const MAX_NODES: usize = 100;

/// Root fields `node` and `nodes`.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by global id. Errors: `INVALID_ID`, `NOT_FOUND` (also for objects outside
    /// the caller's scope).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global id of any object, as its `id` field returns it (opaque: type and key). Errors: `INVALID_ID` for a malformed id, `NOT_FOUND` when there is no such object the caller may read."
        )]
        id: ID,
    ) -> ApiResult<Option<Node>> {
        let gid = GlobalId::decode(&id)?;
        match load(ctx, &gid).await? {
            Some(n) => Ok(Some(n)),
            None => Err(ApiError::NotFound(format!("no object with id `{}`", id.as_str())).into()),
        }
    }

    /// Objects by global id, in the order given; null where an id resolves to nothing.
    /// At most 100 ids. Errors: `INVALID_ID`, `INVALID_ARGUMENT`.
    #[graphql(complexity = "ids.len().saturating_mul(child_complexity).saturating_add(1)")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global ids of any objects, at most 100; the answer has one entry per id in the same order. Errors: `INVALID_ID` for a malformed id, `INVALID_ARGUMENT` for more than 100."
        )]
        ids: Vec<ID>,
    ) -> ApiResult<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiError::invalid("ids", format!("at most {MAX_NODES} ids, got {}", ids.len())).into());
        }
        let gids = ids.iter().map(|id| GlobalId::decode(id)).collect::<Result<Vec<_>, _>>()?;
        // The loads are batched by the DataLoader when polled together.
        let loads = gids.iter().map(|g| load(ctx, g));
        futures::future::try_join_all(loads).await
    }
}
