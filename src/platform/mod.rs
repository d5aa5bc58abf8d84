//! The ground floor every layer stands on: the platform. Which operating system this is,
//! the numbers and rules that differ between platforms (PIPE_BUF, pipe capacity, page
//! size, the features present), and the sizes and features a scenario may name.
//!
//! Nothing here knows about scenarios, runs or reports: it imports no other module of
//! the crate (`ARCHITECTURE.md` has the table of allowed imports).

mod check;
mod feature;
mod host;
mod measure;
mod profile;
mod size;

pub use check::{Agreement, PlatformCheck, Row};
pub use feature::Feature;
pub use measure::{thread_count, Measured, Measurements, PipeCapacity, SocketBuffers};
pub use profile::{DatagramRules, ListenRules, Platform, PlatformProfile, UnixStreamRules};
pub use size::{Size, SizeSymbol};
