//! The rules that are civlink's own: parsing newtypes for the identifiers and amounts that
//! cross the API boundary, the masking rules for personal information, and the clock.
//!
//! "Parse, don't validate": input becomes one of these types at the boundary (GraphQL
//! scalars, importers, seeders all call the same `parse`), and only the type travels
//! inward. Each rule names the standard it comes from:
//!
//! - [`DivisionCode`]: NBS statistical division codes (统计用区划代码) and GB/T 2260.
//! - [`CitizenId`]: GB 11643-1999 citizen identity number, ISO 7064 MOD 11-2 check.
//! - [`CreditCode`]: GB 32100-2015 unified social credit code.
//! - [`Phone`]: mainland mobile and landline numbers (MIIT numbering plan).
//! - [`Yuan`]: money as integer fen (分).
//! - [`masking`]: PIPL (个人信息保护法) masking, one rule per kind of value.
//! - [`time`]: UTC instants and China Standard Time calendar dates.
//! - [`roster`]: roster records from other systems (volunteers, workers, teams,
//!   organisations), parsed once for sync and import.
//! - [`records`]: records civlink owns (stations, …), parsed once for the single mutations.
//! - [`consent`]: guardian consent for children under 14 (PIPL art. 31).
//! - [`volunteer_service`]: the volunteer service ledger and its point rules (志愿积分).
//! - [`disclosure`]: statistical disclosure control of aggregates (small cells, published
//!   figures).

pub mod activities;
pub mod consent;
pub mod disclosure;
pub mod division;
pub mod identity;
pub mod masking;
pub mod money;
pub mod person;
pub mod records;
pub mod roster;
pub mod time;
pub mod volunteer_service;

mod error;

pub use division::DivisionCode;
pub use error::DomainError;
pub use identity::{CitizenId, CreditCode, Phone};
pub use money::Yuan;
