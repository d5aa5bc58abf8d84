//! The in-memory model of a scenario: what the file format and the builder both produce.

mod action;
mod classify;
mod expectation;
mod lock;
mod mechanism;
mod process;
mod scenario;
mod semaphore;
mod socket;
mod values;

pub use action::*;
pub use classify::*;
pub use expectation::*;
pub use lock::*;
pub use mechanism::*;
pub use process::*;
pub use scenario::*;
pub use semaphore::*;
pub use socket::*;
pub use values::*;
// The sizes and features a scenario names are the platform's vocabulary.
pub use crate::platform::{Feature, Size, SizeSymbol};
