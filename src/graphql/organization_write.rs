//! `createOrganization`, `updateOrganization`, `deleteOrganization`. Values follow the
//! roster sync's rules ([`crate::domain::roster::OrganizationInput`]); a GB 32100 credit code
//! with a wrong check character is refused here (imports from other systems only warn).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::organization as m;

use super::enums::OrganizationKind;
use super::error::ApiResult;
use super::id::NodeType;
use super::organization::Organization;
use super::payload::{self, DeleteInput, SetOrKeep, db_error, editor, refused, set, set_opt, set_some};
use crate::domain::roster::{OrganizationInput, Problems};
use crate::store::organization_write as store;

/// A new organisation.
#[derive(InputObject)]
pub struct CreateOrganizationInput {
    /// Name (NFKC-normalised, 1-100 characters).
    pub name: String,
    /// Kind of organisation.
    pub kind: OrganizationKind,
    /// GB 32100-2015 unified social credit code (18 characters, check character verified).
    pub credit_code: Option<String>,
    /// 12-digit division the organisation is registered in; it must exist and, for
    /// CIVIL_AFFAIRS, lie in the caller's region.
    pub region_code: String,
    /// Contact person (1-100 characters).
    pub contact_name: Option<String>,
    /// Contact phone, mainland mobile or landline.
    pub contact_phone: Option<String>,
}

/// Changes to an organisation: absent fields are unchanged, `null` clears a nullable field.
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    /// Global id of the organisation.
    pub id: ID,
    /// `record.version` as read; another stored version is a `VERSION_CONFLICT`.
    pub expected_version: i32,
    /// New `name` (rules as on create); absent: unchanged; `null` is refused.
    pub name: SetOrKeep<String>,
    /// New `kind` (rules as on create); absent: unchanged; `null` is refused.
    pub kind: SetOrKeep<OrganizationKind>,
    /// New `creditCode` (rules as on create); absent: unchanged; `null`: cleared.
    pub credit_code: MaybeUndefined<String>,
    /// New `regionCode` (rules as on create); absent: unchanged; `null` is refused.
    pub region_code: SetOrKeep<String>,
    /// New `contactName` (rules as on create); absent: unchanged; `null`: cleared.
    pub contact_name: MaybeUndefined<String>,
    /// New `contactPhone` (rules as on create); absent: unchanged; `null`: cleared.
    pub contact_phone: MaybeUndefined<String>,
}

crate::payload!(
    /// The result of `createOrganization` / `updateOrganization`.
    OrganizationPayload,
    organization,
    Organization
);
crate::delete_payload!(
    /// The result of `deleteOrganization`.
    DeleteOrganizationPayload
);

/// Organisation mutations.
#[derive(Default)]
pub struct OrganizationMutation;

#[civlink_macros::describe_arguments]
#[Object]
impl OrganizationMutation {
    /// Creates an organisation (ADMIN anywhere, CIVIL_AFFAIRS in its region). Client
    /// mistakes are in `userErrors`.
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganizationInput,
    ) -> ApiResult<OrganizationPayload> {
        let (data, editor) = editor(ctx, false)?;
        let input = OrganizationInput {
            external_id: String::new(),
            name: input.name,
            kind: Some(input.kind.into()),
            credit_code: input.credit_code,
            region_code: input.region_code,
            contact_name: input.contact_name,
            contact_phone: input.contact_phone,
        };
        Ok(OrganizationPayload::of(store::create(&data.db, &editor, input).await.map_err(db_error)?))
    }

    /// Changes an organisation at `expectedVersion` (absent fields unchanged). Errors in
    /// `userErrors`: `NOT_FOUND`, `VERSION_CONFLICT`, and every value rule of
    /// `createOrganization`.
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganizationInput,
    ) -> ApiResult<OrganizationPayload> {
        let (data, editor) = editor(ctx, false)?;
        let mut p = Problems::default();
        let Some(id) = payload::uuid(&mut p, "id", &input.id, NodeType::Organization) else {
            return Ok(OrganizationPayload::of::<m::Model>(refused(p)));
        };
        let out = store::update(&data.db, &editor, id, input.expected_version, |o| {
            set(&mut o.name, input.name.clone());
            set_some(&mut o.kind, input.kind.clone());
            set_opt(&mut o.credit_code, input.credit_code.clone());
            set(&mut o.region_code, input.region_code.clone());
            set_opt(&mut o.contact_name, input.contact_name.clone());
            set_opt(&mut o.contact_phone, input.contact_phone.clone());
        })
        .await
        .map_err(db_error)?;
        Ok(OrganizationPayload::of(out))
    }

    /// Soft-deletes an organisation at `expectedVersion`. Errors in `userErrors`:
    /// `NOT_FOUND`, `VERSION_CONFLICT`.
    async fn delete_organization(&self, ctx: &Context<'_>, input: DeleteInput) -> ApiResult<DeleteOrganizationPayload> {
        Ok(payload::delete::<m::Entity>(ctx, input, NodeType::Organization, false).await?.into())
    }
}
