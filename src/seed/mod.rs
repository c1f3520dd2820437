//! Seed
