//! The crate's own integration tests.
mod parse_errors;
