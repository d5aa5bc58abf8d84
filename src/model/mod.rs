//! Reference semantics and platform profiles.

mod profile;

pub use profile::{Platform, PlatformProfile};
