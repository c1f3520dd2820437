//! Domain rules
