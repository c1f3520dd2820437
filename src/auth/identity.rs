//! Who is asking: a verified token's claims turned into a role and a [`Scope`], once per
//! request. Requests without a token are PUBLIC.

use uuid::Uuid;

use super::jwt::Claims;
use crate::domain::DivisionCode;
use crate::store::Scope;

/// The roles of civlink, from least to most privileged in what they may read. The
/// permission of each role on each entity is the table in [`crate::store::scope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// No token: published aggregates only (coverage, counts), no individuals.
    Public,
    /// External portals: stations, organisations, projects, teams anywhere; workers and
    /// volunteers without contact or ID data; no clients.
    Portal,
    /// Rosters of one source system (claim `source`).
    SyncClient,
    /// One station's clients, records and people (claim `station`).
    StationStaff,
    /// Everything in the subtree of a division (claim `region`), clients masked.
    CivilAffairs,
    /// Everything, including the audit log.
    Admin,
}

impl Role {
    /// The role's name as written in the `roles` claim.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Public => "PUBLIC",
            Role::Portal => "PORTAL",
            Role::SyncClient => "SYNC_CLIENT",
            Role::StationStaff => "STATION_STAFF",
            Role::CivilAffairs => "CIVIL_AFFAIRS",
            Role::Admin => "ADMIN",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Public, Role::Portal, Role::SyncClient, Role::StationStaff, Role::CivilAffairs, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// Why a verified token still does not make an identity (answered like any bad token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("no known role in the `roles` claim")]
    NoRole,
    #[error("role {0} needs the `{1}` claim")]
    MissingClaim(&'static str, &'static str),
    #[error("the `{0}` claim is malformed")]
    BadClaim(&'static str),
}

/// The caller of one request.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The token's subject; `None` for PUBLIC.
    pub subject: Option<String>,
    pub role: Role,
    /// The rows this caller may read.
    pub scope: Scope,
}

impl Identity {
    /// A caller without a token.
    pub fn public() -> Self {
        Self { subject: None, role: Role::Public, scope: Scope::CountsOnly }
    }

    /// An ADMIN identity, for the operator's own tools.
    pub fn admin(subject: &str) -> Self {
        Self { subject: Some(subject.to_owned()), role: Role::Admin, scope: Scope::All }
    }

    /// The identity of verified claims. When `roles` names several roles, the most
    /// privileged one applies (one role per request keeps the permission table exact).
    ///
    /// Errors: no known role; a role's scope claim missing or malformed (`region` a division
    /// code, `station` a station's UUID or global id, `source` non-empty).
    pub fn from_claims(claims: &Claims) -> Result<Self, IdentityError> {
        let role = claims.roles.iter().filter_map(|r| Role::parse(r.trim())).max().ok_or(IdentityError::NoRole)?;
        let scope = match role {
            Role::Public => Scope::CountsOnly,
            Role::Portal => Scope::Portal,
            Role::Admin => Scope::All,
            Role::CivilAffairs => {
                let region = claims.region.as_deref().ok_or(IdentityError::MissingClaim("CIVIL_AFFAIRS", "region"))?;
                Scope::Region(DivisionCode::parse(region).map_err(|_| IdentityError::BadClaim("region"))?)
            }
            Role::StationStaff => {
                let station =
                    claims.station.as_deref().ok_or(IdentityError::MissingClaim("STATION_STAFF", "station"))?;
                Scope::Station(station_id(station).ok_or(IdentityError::BadClaim("station"))?)
            }
            Role::SyncClient => {
                let source = claims.source.as_deref().map(str::trim).filter(|s| !s.is_empty());
                Scope::Source(source.ok_or(IdentityError::MissingClaim("SYNC_CLIENT", "source"))?.to_owned())
            }
        };
        Ok(Self { subject: Some(claims.sub.clone()), role, scope })
    }

    /// May see clients' identity in clear (with a reason, audited).
    pub fn may_reveal_clients(&self) -> bool {
        matches!(self.role, Role::CivilAffairs | Role::StationStaff | Role::Admin)
    }

    /// May list a client's guardian consents (`Client.consents`): the civil-affairs officials
    /// who oversee consent, and ADMIN. Station staff record consents (as they may reveal) but
    /// do not browse them.
    pub fn may_list_consents(&self) -> bool {
        matches!(self.role, Role::CivilAffairs | Role::Admin)
    }

    /// May see workers' and volunteers' phone and ID number in clear (with a reason, audited).
    pub fn may_reveal_people(&self) -> bool {
        matches!(self.role, Role::CivilAffairs | Role::StationStaff | Role::SyncClient | Role::Admin)
    }

    /// Whether a roster sync by this caller may learn how the masked values it sends (phones,
    /// ID numbers) compare with the stored ones, i.e. see a record `UNCHANGED` (issue 21): the
    /// keepers of the rosters, ADMIN (the operator, who may reveal any roster person) and
    /// SYNC_CLIENT (which writes only its own source's records, whose values it supplied).
    /// CIVIL_AFFAIRS may not: for it a sync is blind ([`crate::store::sync::Writer::blind`]),
    /// or a dry run with a guessed phone would be an unaudited reveal.
    pub fn compares_masked_in_sync(&self) -> bool {
        matches!(self.role, Role::Admin | Role::SyncClient)
    }

    /// Whether workers' and volunteers' contact and ID fields are shown at all (masked).
    /// PORTAL and PUBLIC get none of them.
    pub fn sees_contact_fields(&self) -> bool {
        !matches!(self.role, Role::Public | Role::Portal)
    }
}

/// A station claim: a UUID or a `Station` global id.
fn station_id(claim: &str) -> Option<Uuid> {
    Uuid::parse_str(claim.trim())
        .ok()
        .or_else(|| crate::graphql::id::GlobalId::decode_uuid(claim, crate::graphql::id::NodeType::Station).ok())
}
