//! The API's enums, mirroring the entity enums (`remote`) with their descriptions and the
//! Chinese terms of DOMAIN.md.

use async_graphql::Enum;

/// Level of a division in the NBS statistical tree (统计用区划代码).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::region::RegionLevel")]
pub enum RegionLevel {
    /// 省级 province-level division.
    Province,
    /// 地级 prefecture-level division.
    Prefecture,
    /// 县级 county-level division.
    County,
    /// 乡级 township-level division (town, township or street).
    Township,
    /// 村级 village or residents' committee.
    Village,
}

/// Kind of a township-level unit, from digits 7-9 of its code.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::region::TownshipKind")]
pub enum TownshipKind {
    /// 街道 street (001-099).
    Street,
    /// 镇 town (100-199).
    Town,
    /// 乡 township, ethnic townships included (200-399).
    Township,
    /// Quasi-township units such as development zones and farms (400-599).
    Other,
}

/// Level of a social-work station in the network.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::station::StationLevel")]
pub enum StationLevel {
    /// 指导中心 guidance centre of a prefecture or district.
    GuidanceCenter,
    /// 县级社工总站 county general station.
    CountyStation,
    /// 乡镇(街道)社工站 township or street station.
    TownshipStation,
    /// 村(社区)社工室 village or community room.
    VillageRoom,
    /// 小区(大院)服务点 neighbourhood point.
    NeighborhoodPoint,
}

/// Life-cycle status of a station.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::station::StationStatus")]
pub enum StationStatus {
    /// Planned, not yet being built.
    Planned,
    /// Under construction.
    UnderConstruction,
    /// Operating (counts towards coverage when a township station).
    Operating,
    /// Temporarily suspended.
    Suspended,
    /// Closed.
    Closed,
}

/// Kind of organisation.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::organization::OrganizationKind")]
pub enum OrganizationKind {
    /// 社会工作服务机构 social-work agency.
    SocialWorkAgency,
    /// 社区社会组织 community social organisation.
    CommunitySocialOrg,
    /// 社会团体 social group.
    SocialGroup,
    /// 基金会 foundation.
    Foundation,
    /// 慈善组织 charity.
    Charity,
    /// 政府部门 government department.
    Government,
    /// Any other kind.
    Other,
}

/// Gender as recorded on the ID document.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::Gender")]
pub enum Gender {
    /// 男 male.
    Male,
    /// 女 female.
    Female,
    /// Not recorded.
    Unknown,
}

/// National social-work qualification level (社会工作者职业水平).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::social_worker::CertificateLevel")]
pub enum CertificateLevel {
    /// No certificate.
    None,
    /// 助理社会工作师 assistant social worker.
    Assistant,
    /// 社会工作师 social worker (intermediate).
    Intermediate,
    /// 高级社会工作师 senior social worker.
    Senior,
}

/// Role of a social worker at a station.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::station_assignment::AssignmentRole")]
pub enum AssignmentRole {
    /// 站长 head of station.
    Head,
    /// 驻站社工 resident social worker.
    Resident,
    /// 督导 supervisor.
    Supervisor,
}

/// Type of identity document of a volunteer.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::volunteer::IdDocumentType")]
pub enum IdDocumentType {
    /// 居民身份证 resident identity card (GB 11643 number).
    ResidentId,
    /// Passport.
    Passport,
    /// Mainland travel permit for Hong Kong and Macao residents.
    HkMacaoPermit,
    /// Mainland travel permit for Taiwan residents.
    TaiwanPermit,
    /// Any other document.
    Other,
}

/// Category of a client ("一老一小、一残一困"). Assistance and disability categories are
/// sensitive personal information.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::client_category::ClientCategoryKind")]
pub enum ClientCategory {
    /// 低保 minimum living allowance.
    MinLiving,
    /// 特困 extreme poverty support.
    ExtremePoverty,
    /// 低保边缘 near the minimum living allowance line.
    NearMinLiving,
    /// 临时救助 temporary assistance.
    TemporaryAssistance,
    /// 留守老人 left-behind elderly.
    LeftBehindElderly,
    /// 空巢老人 empty-nest elderly.
    EmptyNest,
    /// 失独老人 bereaved parent of an only child.
    BereavedParent,
    /// 病残老人 ill or disabled elderly.
    IllOrDisabled,
    /// 失能老人 dependent elderly.
    Dependent,
    /// 高龄老人 advanced age.
    AdvancedAge,
    /// 孤儿 orphan.
    Orphan,
    /// 事实无人抚养儿童 de-facto unattended child.
    DeFactoUnattended,
    /// 留守儿童 left-behind child.
    LeftBehindChild,
    /// 困境儿童 child in difficulty.
    ChildInDifficulty,
    /// 残疾人 person with a disability.
    Disabled,
}

/// Casework stage (MZ/T 094-2017).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::case_file::CaseStage")]
pub enum CaseStage {
    /// 接案 intake.
    Intake,
    /// 预估 assessment.
    Assessment,
    /// 计划 planning.
    Planning,
    /// 介入 intervention.
    Intervention,
    /// 评估 evaluation.
    Evaluation,
    /// 结案 closed.
    Closed,
}

/// How a project is funded.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::project::FundingMode")]
pub enum FundingMode {
    /// 政府购买服务 government procurement of services.
    GovernmentProcurement,
    /// 以奖代补 award in lieu of subsidy.
    AwardInLieuOfSubsidy,
    /// Provincial programme.
    ProvincialProgram,
    /// 公益创投 venture philanthropy.
    VenturePhilanthropy,
    /// 村社互助 village or community mutual aid.
    MutualAid,
    /// Charity funding.
    Charity,
}

/// Field of service (服务领域) of a project.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::project::ServiceDomain")]
pub enum ServiceDomain {
    /// 助老 care for the elderly.
    ElderlyCare,
    /// 扶幼 care for children.
    ChildCare,
    /// 医疗保健 health care.
    HealthCare,
    /// 助残 support for people with disabilities.
    DisabilitySupport,
    /// 社会救助 social assistance.
    SocialAssistance,
    /// 社区治理 community governance (disputes, petitions, deliberation).
    CommunityGovernance,
    /// 应急救灾 emergency response and disaster relief.
    EmergencyResponse,
    /// Any other field.
    Other,
}

/// Status of a project.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::project::ProjectStatus")]
pub enum ProjectStatus {
    /// Approved, not started.
    Planned,
    /// Running.
    Active,
    /// Finished.
    Completed,
    /// Stopped before completion.
    Cancelled,
}

/// Which of the five societies (五社联动) a project participant stands for.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::project_participant::Party")]
pub enum ProjectParty {
    /// 社区 a community: a division of the code list (usually a village or residents'
    /// committee).
    Community,
    /// 社会组织 a social organisation.
    Organization,
    /// 社会工作者 a social worker.
    SocialWorker,
    /// 志愿者 a volunteer taking part singly.
    Volunteer,
    /// 志愿服务队 a volunteer team.
    VolunteerTeam,
    /// 慈善资源 a charity resource.
    CharityResource,
}

/// Type of a service (服务类型).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::service_record::ServiceType")]
pub enum ServiceType {
    /// 生活照顾 daily care.
    DailyCare,
    /// 精神慰藉 spiritual comfort.
    SpiritualComfort,
    /// 情绪疏导 emotional counselling.
    EmotionalCounseling,
    /// 危机干预 crisis intervention.
    CrisisIntervention,
    /// 关系调适 relationship adjustment.
    RelationshipAdjustment,
    /// 社会参与 social participation.
    SocialParticipation,
    /// 学业辅导 tutoring.
    Tutoring,
    /// 权益维护 rights protection.
    RightsProtection,
    /// 能力提升 capacity building.
    CapacityBuilding,
}

/// Social-work method of a service.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::service_record::ServiceMethod")]
pub enum ServiceMethod {
    /// 个案 casework.
    Casework,
    /// 小组 group work.
    Groupwork,
    /// 社区 community work.
    Community,
}

/// Kind of charity resource.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::charity_resource::CharityKind")]
pub enum CharityKind {
    /// A donation of money.
    Money,
    /// A donation in kind, valued in yuan.
    InKind,
    /// 配捐 matched funds from a level of government or a foundation.
    MatchedDonation,
}

/// Who matched a donation (配捐).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::charity_resource::MatchingLevel")]
pub enum MatchingLevel {
    /// Matched by the province.
    Province,
    /// Matched by the prefecture (city).
    Prefecture,
    /// Matched by the county (district).
    County,
    /// Matched by a foundation.
    Foundation,
}

/// Sort direction.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "crate::store::Direction")]
pub enum SortDirection {
    /// Ascending.
    #[default]
    Asc,
    /// Descending.
    Desc,
}

/// Sort fields of most lists. `ID` is creation order (ids are UUIDv7).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "crate::store::RecordOrderField")]
pub enum RecordOrderField {
    /// Creation order (ids are UUIDv7).
    #[default]
    Id,
    /// Name, in code-point order; ties by id.
    Name,
    /// Creation time; ties by id.
    CreatedAt,
    /// Time of the last change; ties by id.
    UpdatedAt,
}
