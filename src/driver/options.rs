//! The vocabulary every phase of a run shares: how a run is set ([`RunOptions`]), how
//! blocking is decided ([`BlockingOracle`]), and the size of the event log.

use std::time::Duration;

use crate::mechanism::{ByteStream, Implementation};
use crate::platform::PlatformProfile;

/// How many records the event log of one run holds; an actor started by exec maps the
/// log again with the same number.
pub(super) const LOG_SLOTS: usize = 1024;

/// How the driver decides that a call blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockingOracle {
    /// From the kernel's view of the thread (the default).
    Kernel,
    /// "Blocked" once the call has not returned after this long: what sleep-based
    /// suites do. Kept for comparison; slower and weaker.
    Timeout(Duration),
}

/// Settings of a run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The platform profile sizes and features come from.
    pub profile: &'static PlatformProfile,
    /// How blocking is decided.
    pub oracle: BlockingOracle,
}

impl RunOptions {
    /// These options for `iut`: the profile as the implementation declares it differs
    /// from the platform's (its pipes' capacity).
    pub fn for_implementation<I: Implementation>(&self, iut: &I) -> RunOptions {
        let capacity = iut.byte_streams().and_then(ByteStream::pipe_capacity);
        RunOptions {
            profile: self.profile.with_pipe_capacity(capacity),
            ..self.clone()
        }
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            profile: PlatformProfile::host(),
            oracle: BlockingOracle::Kernel,
        }
    }
}
