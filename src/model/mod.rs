//! Reference semantics and platform profiles: the pipe's reference model, the
//! cross-check of scenarios against it, and the numbers and features of each platform.

mod cross_check;
mod pipe;
mod profile;

pub use cross_check::{cross_check, CrossCheck};
pub use pipe::{ModelOutcome, PipeModel, Unmodelled};
pub use profile::{Platform, PlatformProfile};
