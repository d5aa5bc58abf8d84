//! The crate's own integration tests.
