pub mod identity;
pub mod jwt;
