//! The crate's own integration tests that do not fork (the layering, parser, catalogue rules, the
//! timeline page in a browser, through the command line), one
//! module per area. Tests that fork live in the `driver` binary, which runs them on its
//! main thread.

mod architecture;
mod catalogue_rules;
mod coverage;
mod parse_errors;
mod platform;
mod reports;
mod timeline_html;
