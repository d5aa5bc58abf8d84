//! ipc-conformance: does an interprocess-communication implementation behave as POSIX
//! says? Scenario files state the rules; the driver runs them as real forked processes.

pub mod driver;
pub mod harness;
pub mod mechanism;
pub mod model;
pub mod report;
pub mod scenario;
