//! Opaque global ids (Relay): unpadded URL-safe base64 of `Type:key`, e.g. `Station:0190…`.
//! Clients must treat them as opaque; the encoding may change.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use super::error::ApiError;

/// The object types that implement `Node` (have global ids); webhooks name the types they
/// receive with it.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeType {
    /// `Region`, an administrative division (reference data: no webhook events).
    Region,
    /// `Station`, a social-work station.
    Station,
    /// `Organization`, a social organisation.
    Organization,
    /// `SocialWorker`.
    SocialWorker,
    /// `Volunteer`.
    Volunteer,
    /// `VolunteerTeam`.
    VolunteerTeam,
    /// `Client`, a person served.
    Client,
    /// `Project`.
    Project,
    /// `ServiceRecord`.
    ServiceRecord,
    /// `CharityResource`.
    CharityResource,
    /// `Training` (培训).
    Training,
    /// `DeliberationMeeting` (议事协商).
    DeliberationMeeting,
    /// `Award` (荣誉).
    Award,
    /// `Export`, a bulk export job (no webhook events; readable by its owner only).
    Export,
    /// `ImportJob`, a roster import running in the background (no webhook events; readable by
    /// its owner only).
    ImportJob,
}

impl NodeType {
    pub const ALL: [NodeType; 15] = [
        NodeType::Region,
        NodeType::Station,
        NodeType::Organization,
        NodeType::SocialWorker,
        NodeType::Volunteer,
        NodeType::VolunteerTeam,
        NodeType::Client,
        NodeType::Project,
        NodeType::ServiceRecord,
        NodeType::CharityResource,
        NodeType::Training,
        NodeType::DeliberationMeeting,
        NodeType::Award,
        NodeType::Export,
        NodeType::ImportJob,
    ];

    /// The GraphQL type name.
    pub fn name(self) -> &'static str {
        match self {
            NodeType::Region => "Region",
            NodeType::Station => "Station",
            NodeType::Organization => "Organization",
            NodeType::SocialWorker => "SocialWorker",
            NodeType::Volunteer => "Volunteer",
            NodeType::VolunteerTeam => "VolunteerTeam",
            NodeType::Client => "Client",
            NodeType::Project => "Project",
            NodeType::ServiceRecord => "ServiceRecord",
            NodeType::CharityResource => "CharityResource",
            NodeType::Training => "Training",
            NodeType::DeliberationMeeting => "DeliberationMeeting",
            NodeType::Award => "Award",
            NodeType::Export => "Export",
            NodeType::ImportJob => "ImportJob",
        }
    }
}

/// A decoded global id: the type and its key (a UUID, or a 12-digit code for regions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalId {
    pub node_type: NodeType,
    pub key: String,
}

impl GlobalId {
    pub fn encode(node_type: NodeType, key: impl std::fmt::Display) -> ID {
        ID(URL_SAFE_NO_PAD.encode(format!("{}:{key}", node_type.name())))
    }

    /// Errors: `INVALID_ID` when `id` is not a global id of this API.
    pub fn decode(id: &str) -> Result<Self, ApiError> {
        let invalid = || ApiError::InvalidId(format!("`{id}` is not a valid global id"));
        let bytes = URL_SAFE_NO_PAD.decode(id.trim()).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (name, key) = text.split_once(':').ok_or_else(invalid)?;
        let node_type = NodeType::ALL.into_iter().find(|t| t.name() == name).ok_or_else(invalid)?;
        Ok(Self { node_type, key: key.to_owned() })
    }

    /// Decodes an id that must be of `expected` type with a UUID key.
    pub fn decode_uuid(id: &str, expected: NodeType) -> Result<Uuid, ApiError> {
        let g = Self::decode(id)?;
        if g.node_type != expected {
            return Err(ApiError::InvalidId(format!(
                "`{id}` is a {} id, not a {} id",
                g.node_type.name(),
                expected.name()
            )));
        }
        g.uuid()
    }

    pub fn uuid(&self) -> Result<Uuid, ApiError> {
        Uuid::parse_str(&self.key).map_err(|_| ApiError::InvalidId("malformed global id".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_reject_foreign_values() {
        let u = Uuid::now_v7();
        let id = GlobalId::encode(NodeType::Station, u);
        assert_eq!(GlobalId::decode_uuid(&id, NodeType::Station).ok(), Some(u));
        assert_eq!(GlobalId::decode_uuid(&id, NodeType::Client).map_err(|e| e.code()), Err("INVALID_ID"));
        for bad in ["", "!!!", "U3RhdGlvbg", "Tm9wZToxMjM"] {
            assert!(GlobalId::decode(bad).is_err(), "{bad}");
        }
    }
}
