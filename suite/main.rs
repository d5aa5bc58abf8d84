//! The crate's own integration tests that do not fork (parser, formats), one module per
//! area. Tests that fork live in the `driver` binary, which runs them on its main thread.
mod parse_errors;
