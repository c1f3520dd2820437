//! Import
