//! civlink: the GraphQL API that joins the five parties of social-work linkage (五社联动):
//! stations, social workers, volunteers, organisations, clients and projects on the real
//! administrative-division tree.

pub mod allowlist;
pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod graphql;
pub mod import;
pub mod memory;
pub mod observe;
pub mod ratelimit;
pub mod seed;
pub mod store;
pub mod subscription;
pub mod webhook;
